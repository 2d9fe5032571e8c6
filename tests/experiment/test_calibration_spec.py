"""Calibration files: every bad input is reported at once with its file, line and key
path, exit code 2, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.calibration_spec import load_calibration
from sim.files.calibration import overlay
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

PARK = Path(__file__).parent / "calibration" / "small_park.yaml"
GOOD_PARAMETER = """\
parameters:
  - {name: prep, path: reopening.apply_days.lognormal.median, from: 2, to: 20}
"""


def spec(tmp_path: Path, body: str, scenario: Path = PARK, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"name: t\nscenario: {scenario}\n{body}")
    return path


def problems(path: Path, **kw) -> str:
    with pytest.raises(ScenarioError) as e:
        load_calibration(path, **kw)
    return e.value.render()


def test_a_good_file_loads_with_ids_days_and_default_uncertainties(tmp_path) -> None:
    f = spec(
        tmp_path,
        GOOD_PARAMETER
        + "observations:\n"
        + "  - {date: 2022-03-05, metric: resumption, value: 0.1}\n"
        + "  - {day: 10, metric: staff_on_post, value: 200, id: staff10}\n"
        + "  - {day: 12, metric: capacity, group: workshops, value: 0.5, uncertainty: 0.1}\n",
    )
    cal = load_calibration(f, hold_out_cli=["staff*"])
    assert [(o.id, o.day, o.uncertainty, o.held_out) for o in cal.observations] == [
        ("resumption/park/2022-03-05", 4, 0.05, False),
        ("staff10", 10, 10.0, True),
        ("capacity/workshops/2022-03-13", 12, 0.1, False),
    ]
    assert cal.sets_for([7.123456]) == ("reopening.apply_days.lognormal.median=7.123456",)
    quick = load_calibration(f, quick=True)
    assert quick.settings.population_size == 30 and quick.sha256 != cal.sha256


def test_every_observation_problem_is_found_at_once_with_its_line(tmp_path) -> None:
    f = spec(
        tmp_path,
        GOOD_PARAMETER
        + "observations:\n"
        + "  - {day: 30, metric: resumption, value: 0.9}\n"  # line 6: past the horizon
        + "  - {day: 3, metric: resumtion, value: 0.1}\n"  # line 7: unknown metric
        + "  - {day: 3, metric: capacity, group: mines, value: 0.1}\n"  # line 8
        + "  - {date: 2022-02-27, metric: resumption, value: 0}\n"  # line 9: before day 0
        + "  - {day: 3, metric: resumption}\n",  # line 10: no value
    )
    text = problems(f)
    assert "5 problems found" in text
    assert f"{f}:6:5: observations[0]: day 30 is outside the horizon: the run has days 0-23" in text
    assert (
        f"{f}:7:5: observations[1]: unknown metric 'resumtion' (did you mean 'resumption'?)" in text
    )
    assert (
        f"{f}:8:5: observations[2]: metric 'capacity' has no group 'mines'; its groups are "
        "park, workshops" in (text)
    )
    assert f"{f}:9:5: observations[3]: date 2022-02-27 is before the scenario's start_date" in text
    assert f"{f}:10:5: observations[4]: value: Field required" in text


def test_a_date_needs_a_start_date(tmp_path) -> None:
    undated = tmp_path / "undated.yaml"
    undated.write_text(PARK.read_text().replace("start_date: 2022-03-01\n", ""))
    f = spec(
        tmp_path,
        GOOD_PARAMETER + "observations:\n  - {date: 2022-03-05, metric: resumption, value: 0.1}\n",
        scenario=undated,
    )
    assert "the scenario has no start_date" in problems(f)


def test_an_observations_csv_is_checked_row_by_row(tmp_path) -> None:
    (tmp_path / "obs.csv").write_text(
        "date,metric,group,value,uncertainty,label\n"
        "2022-03-05,resumption,park,0.1,0.02,early\n"
        "2022-04-05,resumption,park,0.9,,late\n"
        "2022-03-05,workforse,park,0.1,,typo\n"
    )
    f = spec(tmp_path, GOOD_PARAMETER + "observations: obs.csv\n")
    text = problems(f)
    assert "obs.csv:3: date 2022-04-05 (day 35) is outside the horizon" in text
    assert "obs.csv:4: unknown metric 'workforse' (did you mean 'workforce'?)" in text
    (tmp_path / "obs.csv").write_text("when,metric,value\n3,resumption,0.1\n")
    assert "obs.csv:1:1: unknown column 'when'" in problems(f)


def test_a_missing_observations_file_is_reported_at_its_line(tmp_path) -> None:
    f = spec(tmp_path, "observations: nowhere.csv\n" + GOOD_PARAMETER)
    assert f"{f}:3:1: observations: file not found: {tmp_path / 'nowhere.csv'}" in problems(f)


def test_parameter_paths_and_priors_are_checked_against_the_scenario(tmp_path) -> None:
    f = spec(
        tmp_path,
        "observations:\n  - {day: 3, metric: resumption, value: 0.1}\n"
        "parameters:\n"
        "  - {path: reopening.apply_dayz.lognormal.median, from: 2, to: 20}\n"  # line 6
        "  - {path: reopening.apply_days, from: 2, to: 20}\n"  # line 7: a mapping
        "  - {path: reopening.service_teams, from: 2, to: 9}\n"  # line 8: integer key
        "  - {path: reopening.fail_prob, prior: {uniform: {from: 0.5, to: 2}}}\n",  # line 9
    )
    lines = problems(f).splitlines()
    assert lines[0] == "4 problems found:"
    assert lines[1].startswith(
        f"{f}:6:6: parameters[0].path: 'reopening.apply_dayz.lognormal.median' does not "
        "exist in the scenario: reopening.apply_dayz: unknown key 'apply_dayz'"
    )
    assert lines[2].startswith(
        f"{f}:7:6: parameters[1].path: 'reopening.apply_days' is not a number in the scenario "
        "(it holds a mapping)"
    )
    assert lines[3].startswith(f"{f}:8:6: parameters[2].path: 'reopening.service_teams'")
    assert lines[3].endswith("(add `integer: true` to the parameter)")
    assert lines[4].startswith(
        f"{f}:9:6: parameters[3].path: 'reopening.fail_prob' = 1.072949 is refused by the "
        "scenario: reopening.fail_prob: should be less than or equal to 1"
    )
    empty = spec(
        tmp_path,
        "parameters:\n  - {path: workforce.quarantine_days, from: 5, to: 5}\n",
        name="empty.yaml",
    )
    assert problems(empty) == (
        f"{empty}:4:5: parameters[0]: the prior's range is empty: `from` (5) must be below `to` (5)"
    )


def test_hold_outs_must_pick_something_and_leave_something(tmp_path) -> None:
    f = spec(
        tmp_path,
        GOOD_PARAMETER
        + "observations:\n  - {day: 3, metric: resumption, value: 0.1}\n"
        + "hold_out: [nothing*]\n",
    )
    assert f"{f}:7:12: hold_out[0]: hold-out 'nothing*' matches no observation" in problems(f)
    g = spec(
        tmp_path,
        GOOD_PARAMETER + "observations:\n  - {day: 3, metric: resumption, value: 0.1}\n",
        name="g.yaml",
    )
    assert "every observation (1) is held out" in problems(g, hold_out_cli=["from:0"])
    assert "--hold-out: hold-out 'from:someday'" in problems(g, hold_out_cli=["from:someday"])


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys) -> None:
    f = spec(
        tmp_path, GOOD_PARAMETER + "observations:\n  - {day: 99, metric: resumption, value: 1}\n"
    )
    out = tmp_path / "out"
    assert main(["calibrate", str(f), "--out", str(out), "--executor", "serial"]) == 2
    assert "outside the horizon" in capsys.readouterr().err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_the_calibrated_overlay_reaches_list_items_by_id_and_by_position(tmp_path) -> None:
    """Paths into lists become overlay items merged by id, or the whole list when a
    position is given; the overlay then loads on the scenario with the values set."""
    demo = SCENARIOS / "demo_park.yaml"
    f = spec(
        tmp_path,
        "observations:\n  - {day: 3, metric: resumption, value: 0.1}\n"
        "parameters:\n"
        "  - {name: bays, path: 'logistics.transfer_stations[id=north_gate].bays', from: 1, "
        "to: 4, integer: true}\n"
        "  - {name: share, path: [firm_classes.electronics.closed_loop_share, "
        "firm_classes.auto_parts.closed_loop_share], from: 0, to: 1}\n"
        "  - {name: stock, path: 'enterprises[0].inputs[0].stock_days', from: 1, to: 30}\n",
        scenario=demo,
    )
    cal = load_calibration(f)
    posterior = [
        {"paths": list(p.paths), "calibrated": v}
        for p, v in zip(cal.parameters, (3, 0.25, 12.5), strict=True)
    ]
    import yaml

    (tmp_path / "calibrated.yaml").write_text(yaml.safe_dump(overlay(cal, posterior)))
    park = load_scenario(demo, [tmp_path / "calibrated.yaml"])
    sc = park.scenario
    assert sc.logistics.transfer_stations[0].bays == 3
    assert sc.firm_classes["electronics"].closed_loop_share == 0.25
    assert sc.firm_classes["auto_parts"].closed_loop_share == 0.25
    assert sc.enterprises[0].inputs[0].stock_days == 12.5
    base = load_scenario(demo).scenario
    assert sc.enterprises[1:] == base.enterprises[1:]


def test_observation_days_and_prior_ranges_may_be_dates(tmp_path) -> None:
    f = spec(
        tmp_path,
        "parameters:\n"
        "  - {name: prep, path: reopening.apply_days.lognormal.median, from: 2, to: 20}\n"
        "  - name: level_day\n"
        "    path: regions.0.timeline.0.day\n"
        "    prior: {uniform: {from: 2022-03-01, to: 2022-03-04}}\n"
        "  - {name: same, path: regions.0.timeline.0.day, from: 2022-03-02, to: 3}\n"
        "observations:\n"
        "  - {day: 2022-03-05, metric: resumption, value: 0.1}\n",
    )
    cal = load_calibration(f)
    assert [(o.id, o.day) for o in cal.observations] == [("resumption/park/2022-03-05", 4)]
    uniform = cal.spec.parameters[1].the_prior.uniform
    assert uniform is not None and (uniform.from_, uniform.to) == (0, 3)
    assert cal.spec.parameters[2].from_ == 1


def test_a_date_on_a_key_that_is_no_day_is_refused(tmp_path) -> None:
    f = spec(
        tmp_path,
        "parameters:\n"
        "  - {name: prep, path: reopening.apply_days.lognormal.median,\n"
        "     prior: {normal: {mean: 2022-03-05, sd: 2}}}\n"
        "observations:\n  - {day: 2, metric: resumption, value: 0.1}\n",
    )
    assert "a date is given, but 'reopening.apply_days.lognormal.median' is not a day" in (
        problems(f)
    )
