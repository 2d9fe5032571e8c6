"""Joint calibration files (several cases): every bad input is reported at once with its
file, line and key path, exit code 2, and nothing is written; good ones give each case
its scenario, observations and the key paths each parameter sets there."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.calibration_spec import load_calibration
from sim.scenario.errors import ScenarioError

HERE = Path(__file__).parent / "calibration"
A, B = HERE / "small_park.yaml", HERE / "small_park_b.yaml"
CASES = f"""\
name: t
cases:
  - id: a
    scenario: {A}
    observations:
      - {{day: 3, metric: resumption, value: 0.1, id: r3}}
      - {{day: 9, metric: resumption, value: 0.5, id: r9}}
  - id: b
    scenario: {B}
    observations:
      - {{day: 5, metric: resumption, value: 0.2, id: r5}}
"""


def spec(tmp_path: Path, body: str, cases: str = CASES) -> Path:
    path = tmp_path / "joint.yaml"
    path.write_text(cases + body)
    return path


def problems(path: Path, **kw) -> str:
    with pytest.raises(ScenarioError) as e:
        load_calibration(path, **kw)
    return e.value.render()


def test_a_good_file_gives_each_case_its_paths_ids_and_hold_outs(tmp_path) -> None:
    f = spec(
        tmp_path,
        "parameters:\n"
        "  - {name: prep, path: reopening.apply_days.lognormal.median, from: 2, to: 20}\n"
        "  - name: share\n"
        "    path: firm_classes.workshop.above_scale_share\n"
        "    case_paths: {b: firm_classes.shop.above_scale_share}\n"
        "    from: 0.1\n"
        "    to: 0.9\n"
        "  - {name: teams_a, path: reopening.service_teams, from: 2, to: 8, integer: true, "
        "cases: [a]}\n"
        "hold_out: ['case:b', r9]\n",
    )
    cal = load_calibration(f)
    assert cal.joint and [c.id for c in cal.cases] == ["a", "b"]
    a, b = cal.cases
    assert a.paths == (
        ("reopening.apply_days.lognormal.median",),
        ("firm_classes.workshop.above_scale_share",),
        ("reopening.service_teams",),
    )
    assert b.paths == (
        ("reopening.apply_days.lognormal.median",),
        ("firm_classes.shop.above_scale_share",),
        (),
    )
    assert [(o.id, o.case, o.held_out) for o in cal.observations] == [
        ("a/r3", "a", False),
        ("a/r9", "a", True),
        ("b/r5", "b", True),
    ]
    assert cal.sets_for([7.5, 0.5, 4], b) == (
        "reopening.apply_days.lognormal.median=7.5",
        "firm_classes.shop.above_scale_share=0.5",
    )
    assert cal.seed == 11  # the first case's scenario seed


def test_case_parameters_and_per_case_sets_and_hold_outs(tmp_path) -> None:
    cases = CASES.replace(
        f"    scenario: {B}\n",
        f"    scenario: {B}\n    set: [days=12]\n    hold_out: [r5]\n"
        "    parameters:\n      - {name: fail_b, path: reopening.fail_prob, from: 0, to: 0.5}\n",
    )
    f = spec(
        tmp_path,
        "parameters:\n  - {name: prep, path: reopening.apply_days.lognormal.median, "
        "from: 2, to: 20}\n",
        cases,
    )
    cal = load_calibration(f)
    assert [p.label for p in cal.parameters] == ["prep", "fail_b"]
    assert cal.cases[1].base.scenario.days == 12
    assert cal.cases[0].paths[1] == () and cal.cases[1].paths[1] == ("reopening.fail_prob",)
    assert [o.held_out for o in cal.observations] == [False, False, True]


def test_a_path_missing_in_one_case_is_refused_unless_the_parameter_names_its_cases(
    tmp_path,
) -> None:
    f = spec(
        tmp_path,
        "parameters:\n  - {name: share, path: firm_classes.workshop.above_scale_share, "
        "from: 0.1, to: 0.9}\n",
    )
    text = problems(f)
    assert text == (
        f"{f}:13:19: parameters[0].path: 'firm_classes.workshop.above_scale_share' does not "
        "exist in case 'b' (small_park_b.yaml): firm_classes has no 'workshop' (it has: "
        "shop); if it does not apply there, list the cases it applies to in the parameter's "
        "`cases` (without 'b'), or give its path there in `case_paths`"
    )
    assert "list the cases it applies to in the parameter's `cases` (without 'b')" in text
    ok = spec(
        tmp_path,
        "parameters:\n  - {name: share, path: firm_classes.workshop.above_scale_share, "
        "from: 0.1, to: 0.9, cases: [a]}\n",
    )
    cal = load_calibration(ok)
    assert [c.paths for c in cal.cases] == [(("firm_classes.workshop.above_scale_share",),), ((),)]


def test_every_problem_of_a_joint_file_is_found_at_once_with_its_line(tmp_path) -> None:
    empty = spec(
        tmp_path,
        "parameters:\n  - {path: reopening.ramp_days, from: 3, to: 3}\n",  # line 13
    )
    assert problems(empty) == (
        f"{empty}:13:5: parameters[0]: the prior's range is empty: `from` (3) must be below "
        "`to` (3)"
    )
    f = spec(
        tmp_path,
        "parameters:\n"
        "  - {path: reopening.fail_prob, from: 0, to: 0.5, cases: [a, c]}\n"  # line 13
        "  - {path: reopening.service_teams, from: 2, to: 8, integer: true, "
        "case_paths: {z: reopening.service_teams}}\n"  # line 14
        "hold_out: ['case:c']\n",  # line 15
    )
    lines = problems(f).splitlines()
    assert lines[0] == "3 problems found:"
    assert lines[1].startswith(f"{f}:13:") and lines[1].endswith(
        "parameters[0].cases[1]: no case 'c' in this calibration (cases: a, b)"
    )
    assert lines[2].startswith(f"{f}:14:") and lines[2].endswith(
        "parameters[1].case_paths.z: no case 'z' in this calibration (cases: a, b)"
    )
    assert lines[3] == (
        f"{f}:15:12: hold_out[0]: hold-out 'case:c': no case 'c' in this calibration (cases: a, b)"
    )


def test_keys_of_one_kind_of_file_are_refused_in_the_other(tmp_path) -> None:
    both = spec(
        tmp_path, f"scenario: {A}\nparameters:\n  - {{path: reopening.fail_prob, from: 0, to: 1}}\n"
    )
    assert (
        "give either `scenario` (one scenario) or `cases` (a joint calibration of several), "
        "not both" in problems(both)
    )
    top = spec(
        tmp_path,
        "set: [days=10]\nparameters:\n  - {path: reopening.fail_prob, from: 0, to: 1}\n",
    )
    assert "with `cases`, give `set` in each case" in problems(top)
    single = tmp_path / "single.yaml"
    single.write_text(
        f"name: s\nscenario: {A}\nobservations:\n  - {{day: 3, metric: resumption, value: 0.1}}\n"
        "parameters:\n  - {path: reopening.fail_prob, from: 0, to: 1, cases: [a]}\n"
    )
    text = problems(single)
    assert text.startswith(f"{single}:6:")
    assert text.endswith(
        "parameters[0].cases: `cases` is for joint calibrations (a file with `cases`); this "
        "one has one `scenario`"
    )
    own = CASES.replace(
        f"    scenario: {B}\n",
        f"    scenario: {B}\n    parameters:\n"
        "      - {path: reopening.fail_prob, from: 0, to: 0.5, cases: [b]}\n",
    )
    f = spec(tmp_path, "", own)
    assert "`cases` is for shared parameters (the file's `parameters`)" in problems(f)
    twice = spec(
        tmp_path,
        "parameters:\n  - {path: reopening.fail_prob, from: 0, to: 0.5}\n",
        CASES.replace("  - id: b\n", "  - id: a\n"),
    )
    assert "cases[1].id: two cases are named 'a'; name each once" in problems(twice)


def test_a_case_without_observations_and_a_bad_case_set_are_located(tmp_path) -> None:
    cases = CASES.replace(
        "    observations:\n      - {day: 5, metric: resumption, value: 0.2, id: r5}\n",
        "    set: [days=4]\n    observations:\n      - {day: 5, metric: resumption, value: 0.2}\n",
    )
    f = spec(tmp_path, "parameters:\n  - {path: reopening.fail_prob, from: 0, to: 0.5}\n", cases)
    assert "day 5 is outside the horizon: the run has days 0-3" in problems(f)
    bad = CASES.replace(f"    scenario: {B}\n", f"    scenario: {B}\n    set: [dayz=4]\n")
    g = spec(tmp_path, "parameters:\n  - {path: reopening.fail_prob, from: 0, to: 0.5}\n", bad)
    assert f"{g}:10:11: cases[1].set[0]: 'dayz=4'" in problems(g)


def test_bad_joint_input_exits_2_and_writes_nothing(tmp_path, capsys) -> None:
    f = spec(
        tmp_path,
        "parameters:\n  - {path: firm_classes.workshop.above_scale_share, from: 0.1, to: 0.9}\n",
    )
    out = tmp_path / "out"
    assert main(["calibrate", str(f), "--out", str(out), "--executor", "serial"]) == 2
    assert "does not exist in case 'b'" in capsys.readouterr().err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["joint.yaml"]
    assert main(["calibrate", str(f), "--hold-out", "case:zz", "--out", str(out)]) == 2


def test_the_shipped_five_case_calibration_loads_with_its_shared_set() -> None:
    """scenarios/calibration/five_cases.yaml: the shared parameters reach the cases that
    have them, Chengdu gets only its own pass rate, and the two cases without a
    calibrated figure (Kunshan, Linyi) are scored only."""
    from tests.conftest import SCENARIOS

    cal = load_calibration(SCENARIOS / "calibration" / "five_cases.yaml")
    assert [c.id for c in cal.cases] == ["changzhou", "jinshan", "chengdu", "kunshan", "linyi"]
    reach = {
        p.label: sorted(c.id for c, paths in ((c, c.paths[i]) for c in cal.cases) if paths)
        for i, p in enumerate(cal.parameters)
    }
    assert reach == {
        "prep_median": ["changzhou", "jinshan", "kunshan", "linyi"],
        "migrants_10feb": ["changzhou", "linyi"],
        "locals_10feb": ["changzhou", "linyi"],
        "jinshan_approvals": ["jinshan"],
        "chengdu_passes": ["chengdu"],
    }
    fitted = {o.case for o in cal.fitted}
    assert fitted == {"changzhou", "jinshan", "chengdu"}
    assert {o.case for o in cal.held_out} == {"changzhou", "jinshan", "kunshan", "linyi"}
