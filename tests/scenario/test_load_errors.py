"""Config errors: one test per rule, each naming file, line, column and key path.

Every scenario here is written out in full so the line numbers asserted are the
ones a planner would see in an editor.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
name: t
regions:
  - id: park
    timeline:
      - {day: 0, level: lockdown}
      - {day: 10, level: normal}
suppliers:
  - id: sup
    region: park
    capacity: 5
enterprises:
  - id: a
    sector: s
    region: park
    baseline_output: 3
    staff: 10
  - id: b
    sector: s
    region: park
    baseline_output: 3
    staff: 10
    inputs:
      - {good: x, from: a, per_output: 1}
"""
# Lines of BASE:  8 `- id: sup`, 10 `capacity`, 12 `- id: a`, 15/16 a's output/staff,
# 17 `- id: b`, 23 b's input. Text appended to BASE starts at line 24.


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **kwargs: object) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)  # type: ignore[arg-type]
    return info.value


def only(err: ScenarioError) -> Problem:
    assert len(err.problems) == 1, str(err)
    return err.problems[0]


def edit(old: str, new: str, base: str = BASE) -> str:
    assert base.count(old) == 1, old
    return base.replace(old, new)


def test_base_scenario_is_valid(tmp_path: Path) -> None:
    park = load_scenario(write(tmp_path, BASE))
    assert [f.id for f in park.firms] == ["a", "b"]


def test_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edit(
            "    baseline_output: 3\n    staff: 10\n  - id: b",
            "    baseline_ouput: 3\n    staff: 10\n  - id: b",
        ),
    )
    p = only(error_of(path))  # the typo, not also a "missing baseline_output"
    assert (p.file, p.line, p.column) == (str(path), 15, 5)
    assert p.path == ("enterprises", 0, "baseline_ouput")
    assert "unknown key 'baseline_ouput'" in p.message
    assert "did you mean 'baseline_output'?" in p.message
    assert str(p).startswith(f"{path}:15:5: enterprises[0].baseline_ouput: unknown key")


def test_unknown_key_at_top_level_and_deep_inside(tmp_path: Path) -> None:
    text = BASE + "replication: 5\nreopening:\n  liaison:\n    speeddup: 3\n"
    err = error_of(write(tmp_path, text))
    assert [(p.line, p.column, p.path) for p in err.problems] == [
        (24, 1, ("replication",)),
        (27, 5, ("reopening", "liaison", "speeddup")),
    ]
    assert "did you mean 'replications'?" in err.problems[0].message
    assert "did you mean 'speedup'?" in err.problems[1].message


def test_a_key_written_in_the_wrong_section_says_where_it_belongs(tmp_path: Path) -> None:
    text = BASE + "workforce:\n  isolation_days: 10\nreopening:\n  bays: 2\n  id: x\n"
    err = error_of(write(tmp_path, text))
    messages = {p.path: p.message for p in err.problems}
    assert messages == {
        ("workforce", "isolation_days"): "unknown key 'isolation_days' here; "
        "it belongs in outbreaks",
        ("reopening", "bays"): "unknown key 'bays' here; it belongs in "
        "logistics.transfer_stations[]",
        ("reopening", "id"): "unknown key 'id' here",  # in too many sections to list
    }


def test_unknown_key_without_a_close_match_has_no_hint(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE + "zzzqqq: 1\n")))
    assert (p.line, p.path, p.message) == (24, ("zzzqqq",), "unknown key 'zzzqqq'")


def test_missing_required_key_points_at_the_item(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edit(
            "    baseline_output: 3\n    staff: 10\n    inputs",
            "    baseline_output: 3\n    inputs",
        ),
    )
    p = only(error_of(path))
    assert (p.line, p.column) == (17, 5)  # `- id: b`
    assert p.path == ("enterprises", 1, "staff")
    assert str(p) == f"{path}:17:5: enterprises[1].staff: required key is missing"


def test_missing_top_level_sections(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "days: 10\n"))
    assert {p.path for p in err.problems} == {("name",), ("regions",)}
    assert all(p.message == "required key is missing" for p in err.problems)


def test_wrong_type_says_what_was_expected_and_found(tmp_path: Path) -> None:
    path = write(tmp_path, edit("    staff: 10\n    inputs", "    staff: ten\n    inputs"))
    p = only(error_of(path))
    assert (p.line, p.column, p.path) == (21, 5, ("enterprises", 1, "staff"))
    assert "integer" in p.message
    assert "found 'ten'" in p.message


def test_a_mapping_where_a_list_belongs(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE + "extra_tags: {a: 1}\n")))
    assert (p.line, p.path) == (24, ("extra_tags",))
    assert "list" in p.message


def test_share_above_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edit("    staff: 10\n  - id: b", "    staff: 10\n    migrant_share: 1.5\n  - id: b"),
    )
    p = only(error_of(path))
    assert (p.line, p.column, p.path) == (17, 5, ("enterprises", 0, "migrant_share"))
    assert "less than or equal to 1" in p.message
    assert "found 1.5" in p.message


def test_share_below_zero_in_a_control_level(tmp_path: Path) -> None:
    text = BASE + "control_levels:\n  lockdown: {}\n  normal: {output_cap: -0.1}\n"
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column) == (26, 12)
    assert p.path == ("control_levels", "normal", "output_cap")
    assert "found -0.1" in p.message


def test_negative_capacity(tmp_path: Path) -> None:
    path = write(tmp_path, edit("capacity: 5", "capacity: -5"))
    p = only(error_of(path))
    assert (p.line, p.column, p.path) == (10, 5, ("suppliers", 0, "capacity"))
    assert "greater than or equal to 0" in p.message
    assert "found -5" in p.message
    assert str(p).startswith(f"{path}:10:5: suppliers[0].capacity: ")


def test_dangling_input_from(tmp_path: Path) -> None:
    path = write(tmp_path, edit("from: a,", "from: sop,"))
    p = only(error_of(path))
    assert (p.line, p.column) == (23, 19)
    assert p.path == ("enterprises", 1, "inputs", 0, "from")
    assert "'sop' is neither a firm nor a supplier" in p.message
    assert "did you mean 'sup'?" in p.message
    assert f"{path}:23:19: enterprises[1].inputs[0].from: 'sop'" in str(p)


def test_dangling_source_in_a_list_of_sources(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, edit("from: a,", "from: [a, sup, nobody],"))))
    assert p.path == ("enterprises", 1, "inputs", 0, "from", 2)
    assert (p.line, p.column) == (23, 34)
    assert "'nobody'" in p.message


def test_firm_supplying_itself(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, edit("from: a,", "from: b,"))))
    assert (p.line, p.path) == (23, ("enterprises", 1, "inputs", 0, "from"))
    assert p.message == "firm 'b' cannot supply itself"


def test_whitelist_naming_an_unknown_firm(tmp_path: Path) -> None:
    text = BASE + "reopening:\n  whitelists:\n    - {day: 1, firms: [a, bb]}\n"
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column) == (26, 27)
    assert p.path == ("reopening", "whitelists", 0, "firms", 1)
    assert "unknown firm 'bb'" in p.message
    assert p.message == "unknown firm 'bb' (did you mean 'b'?)"


def test_unknown_region(tmp_path: Path) -> None:
    text = edit(
        "    region: park\n    baseline_output: 3\n    staff: 10\n  - id: b",
        "    region: prak\n    baseline_output: 3\n    staff: 10\n  - id: b",
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column, p.path) == (14, 5, ("enterprises", 0, "region"))
    assert p.message == "unknown region 'prak' (did you mean 'park'?)"


def test_unknown_region_of_a_supplier(tmp_path: Path) -> None:
    p = only(
        error_of(
            write(
                tmp_path, edit("    region: park\n    capacity", "    region: mars\n    capacity")
            )
        )
    )
    assert (p.line, p.path) == (9, ("suppliers", 0, "region"))
    assert "unknown region 'mars'" in p.message


def test_unknown_control_level_in_a_timeline(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, edit("level: normal", "level: nromal"))))
    assert (p.line, p.column) == (6, 19)
    assert p.path == ("regions", 0, "timeline", 1, "level")
    assert "unknown control level 'nromal' (did you mean 'normal'?)" in p.message
    assert "controlled, lockdown, normal" in p.message


def test_custom_control_levels_replace_the_defaults(tmp_path: Path) -> None:
    text = BASE + "control_levels:\n  open: {operate: all}\n"
    err = error_of(write(tmp_path, text))
    assert [(p.line, p.path[-1]) for p in err.problems] == [(5, "level"), (6, "level")]
    assert "defined: open" in err.problems[0].message


def test_unknown_control_level_in_an_outbreak_rule(tmp_path: Path) -> None:
    text = BASE + "outbreaks:\n  raise_level: {cases: 2, level: lockdwn}\n"
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (25, ("outbreaks", "raise_level", "level"))


def test_unknown_tag(tmp_path: Path) -> None:
    text = edit(
        "    staff: 10\n  - id: b", "    staff: 10\n    tags: [backbone, livelyhood]\n  - id: b"
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column) == (17, 22)
    assert p.path == ("enterprises", 0, "tags", 1)
    assert "unknown tag 'livelyhood' (did you mean 'livelihood'?)" in p.message
    assert "extra_tags" in p.message


def test_extra_tags_declare_new_tags(tmp_path: Path) -> None:
    text = edit("    staff: 10\n  - id: b", "    staff: 10\n    tags: [green]\n  - id: b")
    text += "reopening:\n  priority: [green]\n"
    err = error_of(write(tmp_path, text))
    assert [p.path for p in err.problems] == [
        ("enterprises", 0, "tags", 0),
        ("reopening", "priority", 0),
    ]
    park = load_scenario(write(tmp_path, text + "extra_tags: [green]\n"))
    assert park.firms[0].tags == ["green"]


def test_unknown_tag_in_reopening_priority(tmp_path: Path) -> None:
    text = BASE + "reopening:\n  priority: [livelihood, bakbone]\n"
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (25, ("reopening", "priority", 1))


def test_unknown_firm_class_in_generate(tmp_path: Path) -> None:
    text = BASE + (
        "firm_classes:\n"
        "  widget: {sector: w, region: park, baseline_output: 1, staff: 5}\n"
        "generate:\n"
        "  - {class: widgit, count: 3}\n"
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column, p.path) == (27, 6, ("generate", 0, "class"))
    assert p.message == "unknown firm class 'widgit' (did you mean 'widget'?)"


def test_duplicate_firm_id(tmp_path: Path) -> None:
    text = edit("  - id: b", "  - id: a").replace("from: a,", "from: sup,")
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column, p.path) == (17, 5, ("enterprises", 1, "id"))
    assert p.message == "duplicate firm id 'a'"


def test_firm_id_equal_to_a_supplier_id(tmp_path: Path) -> None:
    text = edit("  - id: b", "  - id: sup")
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (17, ("enterprises", 1, "id"))
    assert "also a supplier id" in p.message


def test_timeline_out_of_order(tmp_path: Path) -> None:
    p = only(
        error_of(write(tmp_path, edit("{day: 0, level: lockdown}", "{day: 20, level: lockdown}")))
    )
    assert (p.line, p.column, p.path) == (4, 5, ("regions", 0, "timeline"))
    assert "in order of `day`: entry 1 (day 10) comes after entry 0 (day 20)" in p.message


def test_negative_day(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, edit("day: 10,", "day: -1,"))))
    assert p.path == ("regions", 0, "timeline", 1, "day")
    assert (p.line, p.column) == (6, 10)


def test_days_zero(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "days: 0\n")
    p = only(error_of(path))
    assert (p.line, p.column, p.path) == (24, 1, ("days",))
    assert "greater than or equal to 1" in p.message
    assert "found 0" in p.message


def test_replications_zero_is_rejected_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "replications: 0\n")
    p = only(error_of(path))
    assert str(p).startswith(f"{path}:24:1: replications: ")
    assert "greater than or equal to 1" in p.message
    assert "found 0" in p.message


def test_replications_zero_from_the_command_line_option(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE), sets=["replications=0"]))
    assert p.file == "--set replications=0"
    assert p.path == ("replications",)


def test_order_up_to_below_reorder(tmp_path: Path) -> None:
    text = BASE + "supply:\n  reorder_days: 8\n  order_up_to_days: 4\n"
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column, p.path) == (26, 3, ("supply", "order_up_to_days"))
    assert "`order_up_to_days` must not be below `reorder_days` (8)" in p.message
    assert "found 4" in p.message


def test_order_up_to_below_reorder_given_alone(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE + "supply:\n  reorder_days: 12\n")))
    assert (p.line, p.path) == (24, ("supply",))
    assert "`order_up_to_days` (10) must not be below `reorder_days` (12)" in p.message


def test_no_firms_at_all(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, "name: t\nregions: [{id: park}]\n")))
    assert "no firms" in p.message


def test_distribution_errors_are_located(tmp_path: Path) -> None:
    text = BASE + (
        "reopening:\n"
        "  review_days: {uniform: {from: 3, to: 1}}\n"
        "  rectify_days: {normal: {mean: 3, sd: 1}}\n"
        "  apply_days: {gamma: {k: 1}}\n"
    )
    err = error_of(write(tmp_path, text))
    by_key = {p.path[1]: p for p in err.problems}
    assert set(by_key) == {"review_days", "rectify_days", "apply_days"}
    assert by_key["review_days"].line == 25
    assert "must not be below `from`" in by_key["review_days"].message
    assert by_key["rectify_days"].line == 26
    assert "add `min:` to the normal" in by_key["rectify_days"].message
    assert by_key["apply_days"].line == 27
    assert "expected a number or a distribution" in by_key["apply_days"].message


def test_problems_are_listed_in_file_order(tmp_path: Path) -> None:
    text = edit("capacity: 5", "capacity: -1") + "days: 0\n"
    text = text.replace("level: normal", "level: normall")
    err = error_of(write(tmp_path, text))
    assert [p.line for p in err.problems] == [6, 10, 24]
    lines = str(err).splitlines()
    assert lines[0] == "3 problems found:"
    assert [line.split(":")[1] for line in lines[1:]] == ["6", "10", "24"]


# --- YAML-level problems ----------------------------------------------------------


def test_bad_indentation_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "supply:\n  reorder_days: 8\n    order_up_to_days: 4\n")
    p = only(error_of(path))
    assert (p.file, p.line) == (str(path), 26)
    assert p.column is not None
    assert "invalid YAML" in p.message
    assert str(p).startswith(f"{path}:26:")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "days: 3\ndays: 4\n")
    p = only(error_of(path))
    assert (p.line, p.column, p.path) == (25, 1, ("days",))
    assert "duplicate key 'days'" in p.message
    assert "line 24" in p.message


def test_tab_indentation(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE + "supply:\n\treorder_days: 8\n")))
    assert (p.line, p.column) == (25, 1)
    assert "'\\t'" in p.message


def test_unclosed_flow_mapping(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, edit("capacity: 5", "capacity: {a: 1"))))
    assert p.line is not None and p.line >= 10
    assert "invalid YAML" in p.message


def test_missing_scenario_file(tmp_path: Path) -> None:
    p = only(error_of(tmp_path / "nope.yaml"))
    assert p.file == str(tmp_path / "nope.yaml")
    assert p.message == "file not found"


def test_a_list_is_not_a_scenario(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, "- name: t\n")))
    assert p.line == 1
    assert "must be a mapping" in p.message


# --- the acceptance case: four problems, one message -----------------------------

FOUR = """\
name: four
regions:
  - id: park
suppliers:
  - id: sup
    region: park
    capacity: -5
enterprises:
  - id: a
    sector: s
    region: park
    baseline_ouput: 3
    staff: 10
  - id: b
    sector: s
    region: park
    baseline_output: 3
    staff: 10
    migrant_share: 1.5
    inputs:
      - {good: x, from: nobody, per_output: 1}
"""
FOUR_EXPECTED = [
    (7, "suppliers[0].capacity", "-5"),
    (12, "enterprises[0].baseline_ouput", "did you mean 'baseline_output'?"),
    (19, "enterprises[1].migrant_share", "1.5"),
    (21, "enterprises[1].inputs[0].from", "'nobody' is neither a firm nor a supplier"),
]


def test_four_problems_in_one_error(tmp_path: Path) -> None:
    path = write(tmp_path, FOUR, "bad.yaml")
    err = error_of(path)
    assert len(err.problems) == 4, str(err)
    text = str(err)
    assert text.splitlines()[0] == "4 problems found:"
    for (line, key, detail), p in zip(FOUR_EXPECTED, err.problems, strict=True):
        assert p.line == line
        rendered = str(p)
        assert rendered.startswith(f"{path}:{line}:")
        assert f": {key}: " in rendered
        assert detail in rendered
        assert rendered in text


def test_four_problems_from_the_command_line(tmp_path: Path) -> None:
    bad = write(tmp_path, FOUR, "bad.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(bad), "--out", str(tmp_path / "out")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert "4 problems found:" in r.stderr
    for line, key, detail in FOUR_EXPECTED:
        hits = [s for s in r.stderr.splitlines() if s.startswith(f"{bad}:{line}:")]
        assert len(hits) == 1, r.stderr
        assert key in hits[0] and detail in hits[0]
    assert r.stdout == ""
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.partial").exists()
    assert not (tmp_path / "results").exists()


# --- overlays and --set -------------------------------------------------------------


def test_overlay_errors_point_at_the_overlay(tmp_path: Path) -> None:
    base = write(tmp_path, edit("capacity: 5", "capacity: -1"))
    overlay = write(
        tmp_path,
        "# tighter lockdown\nenterprises:\n  - id: a\n    migrant_share: 1.5\n    staf: 3\n",
        "overlay.yaml",
    )
    err = error_of(base, policies=[overlay])
    got = sorted((p.file, p.line, p.path) for p in err.problems)
    assert got == [
        (str(overlay), 4, ("enterprises", 0, "migrant_share")),
        (str(overlay), 5, ("enterprises", 0, "staf")),
        (str(base), 10, ("suppliers", 0, "capacity")),
    ]
    assert "did you mean 'staff'?" in str(err)


def test_overlay_adding_a_dangling_reference(tmp_path: Path) -> None:
    base = write(tmp_path, BASE)
    overlay = write(
        tmp_path,
        "reopening:\n  whitelists:\n    - {day: 3, firms: [zed]}\n",
        "overlay.yaml",
    )
    p = only(error_of(base, policies=[overlay]))
    assert (p.file, p.line) == (str(overlay), 3)
    assert p.path == ("reopening", "whitelists", 0, "firms", 0)


def test_overlay_yaml_error_names_the_overlay(tmp_path: Path) -> None:
    overlay = write(tmp_path, "days: 3\ndays: 4\n", "overlay.yaml")
    p = only(error_of(write(tmp_path, BASE), policies=[overlay]))
    assert (p.file, p.line) == (str(overlay), 2)


def test_set_errors_name_the_expression(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    err = error_of(
        path,
        sets=["enterprises[id=a].staf=3", "enterprises[1].migrant_share=1.5", "days=7"],
    )
    got = [(p.file, p.line, p.path) for p in err.problems]
    assert got == [
        ("--set enterprises[1].migrant_share=1.5", None, ("enterprises", 1, "migrant_share")),
        ("--set enterprises[id=a].staf=3", None, ("enterprises", 0, "staf")),
    ]
    text = str(err)
    assert (
        "--set enterprises[id=a].staf=3: enterprises[0].staf: unknown key 'staf' "
        "(did you mean 'staff'?)"
    ) in text
    assert "found 1.5" in text


def test_set_dangling_reference(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE), sets=["enterprises[1].inputs[0].from=nobody"]))
    assert p.file == "--set enterprises[1].inputs[0].from=nobody"
    assert p.path == ("enterprises", 1, "inputs", 0, "from")


def test_set_syntax_errors(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    p = only(error_of(path, sets=["enterprises[9].staff=3"]))
    assert p.file == "--set"
    assert "'enterprises[9].staff=3'" in p.message
    assert "out of range" in p.message
    p = only(error_of(path, sets=["days"]))
    assert "no '='" in p.message


def test_set_fixes_what_the_file_got_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "days: 0\n")
    assert load_scenario(path, sets=["days=5"]).scenario.days == 5


def test_a_truck_load_in_the_wrong_unit_is_refused_where_trips_happen() -> None:
    demo = SCENARIOS / "demo_park.yaml"
    with pytest.raises(ScenarioError) as e:
        load_scenario(demo, sets=["logistics.truck_load=1e-300"])
    p = only(e.value)
    assert p.path == ("logistics", "truck_load")
    assert re.search(r"would take [0-9.]+e\+300 trucks of 1e-300", p.message), p.message
    assert re.search(r"at least 0\.00[0-9]+\)", p.message), p.message
    load_scenario(demo, sets=["logistics.truck_load=0.01"])  # ~700 trucks a day: allowed
    # no station: controlled freight needs only a pass, so no trips and no check
    load_scenario(demo, sets=["logistics.truck_load=1e-300", "logistics.transfer_stations=[]"])


# --- kinds: booleans are not numbers, only true/false are booleans (issue 13) -------


def test_a_boolean_is_not_a_number(tmp_path: Path) -> None:
    # pydantic would read `staff: true` as one person
    text = edit("    staff: 10\n  - id: b", "    staff: true\n  - id: b")
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (16, ("enterprises", 0, "staff"))
    assert p.message == "should be a number, not true or false; found true"


@pytest.mark.parametrize("word", ["yes", "off", "1", "'true'"])
def test_only_true_and_false_are_booleans(tmp_path: Path, word: str) -> None:
    # YAML 1.2 keeps yes/no/on/off as text; pydantic would have turned them into booleans
    text = edit("    staff: 10\n  - id: b", f"    staff: 10\n    closed_loop: {word}\n  - id: b")
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (17, ("enterprises", 0, "closed_loop"))
    assert p.message.startswith("should be true or false")


def test_a_date_is_text_written_yyyy_mm_dd(tmp_path: Path) -> None:
    # pydantic would read 0 as 1970-01-01
    for value in ("0", "20220401", "2022-04-01T08:00:00", "'April 1'"):
        p = only(error_of(write(tmp_path, BASE + f"start_date: {value}\n")))
        assert (p.line, p.path) == (24, ("start_date",))
        assert "should be a date written YYYY-MM-DD" in p.message
    park = load_scenario(write(tmp_path, BASE + "start_date: 2022-04-01\n"))
    assert str(park.scenario.start_date) == "2022-04-01"


def test_distribution_parameters_and_lists_refuse_booleans(tmp_path: Path) -> None:
    text = BASE + (
        "reopening:\n"
        "  review_days: {uniform: {from: true, to: 3}}\n"
        "  rectify_days: {choice: {values: [1, 2], weights: [1, false]}}\n"
    )
    err = error_of(write(tmp_path, text))
    got = {(p.line, p.path[-1]): p.message for p in err.problems}
    assert got == {
        (25, "from"): "should be a number, not true or false; found true",
        (26, "weights"): "item 1 should be a number, not true or false; found [1, false]",
    }


# --- bounds on every plain number (issue 13) ---------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "bound"),
    [
        ("workforce", "quarantine_days", "1e15", "100000"),
        ("outbreaks", "isolation_days", "1e15", "100000"),
        ("outbreaks", "rate_per_1000_staff_day", "1e6", "1000"),
        ("supply", "order_up_to_days", "1e9", "100000"),
        ("logistics", "truck_load", "1e308", "1000000000000000"),
        ("logistics", "retry_days", "1e300", "100000"),
        ("finance", "switch_days", "1e300", "100000"),
    ],
)
def test_a_plain_number_beyond_its_bound_is_refused_at_its_line(
    tmp_path: Path, section: str, key: str, value: str, bound: str
) -> None:
    p = only(error_of(write(tmp_path, BASE + f"{section}:\n  {key}: {value}\n")))
    assert (p.line, p.path) == (25, (section, key))
    assert f"less than or equal to {bound}" in p.message


def test_outputs_and_subsidies_that_would_overflow_are_refused(tmp_path: Path) -> None:
    # 1e308 of output or subsidy made inf and NaN in summary.json
    text = edit("capacity: 5", "capacity: 1e308").replace(
        "    baseline_output: 3\n    staff: 10\n  - id: b",
        "    baseline_output: 1e308\n    staff: 10\n  - id: b",
    )
    text += (
        "finance:\n  relief:\n    budget: 1e308\n    measures:\n"
        "      - {id: w, kind: wage_subsidy, per_worker_per_day: 1e308}\n"
    )
    err = error_of(write(tmp_path, text))
    assert [p.path[-1] for p in err.problems] == [
        "capacity",
        "baseline_output",
        "budget",
        "per_worker_per_day",
    ]
    assert all("less than or equal to" in p.message for p in err.problems)


# --- every name checked by one helper; ids and goods given once (issue 13) --------------


def test_names_in_white_lists_and_relief_eligibility_are_checked(tmp_path: Path) -> None:
    text = BASE + (
        "reopening:\n"
        "  whitelists: [{day: 1, sectors: [z], tags: [bakbone]}]\n"
        "finance:\n"
        "  relief:\n"
        "    measures:\n"
        "      - {id: r, kind: rent_waiver, eligible: {sectors: [ss], tags: [livelyhood]}}\n"
    )
    err = error_of(write(tmp_path, text))
    got = {(p.line, p.path): p.message for p in err.problems}
    assert got[(25, ("reopening", "whitelists", 0, "sectors", 0))] == (
        "unknown sector 'z'; sectors: s"
    )
    assert (
        "unknown tag 'bakbone' (did you mean 'backbone'?)"
        in got[(25, ("reopening", "whitelists", 0, "tags", 0))]
    )
    assert got[(29, ("finance", "relief", "measures", 0, "eligible", "sectors", 0))] == (
        "unknown sector 'ss' (did you mean 's'?); sectors: s"
    )
    tag = got[(29, ("finance", "relief", "measures", 0, "eligible", "tags", 0))]
    assert tag.startswith("unknown tag 'livelyhood' (did you mean 'livelihood'?); known tags:")
    assert len(err.problems) == 4


def test_relief_measure_and_white_list_batch_ids_are_given_once(tmp_path: Path) -> None:
    text = BASE + (
        "reopening:\n  whitelists: [{id: w, day: 1}, {id: w, day: 2}]\n"
        "finance:\n  relief:\n    measures:\n"
        "      - {id: m, kind: rent_waiver}\n      - {id: m, kind: tax_cut}\n"
    )
    err = error_of(write(tmp_path, text))
    assert [(p.line, p.path, p.message) for p in err.problems] == [
        (25, ("reopening", "whitelists", 1, "id"), "duplicate white-list batch id 'w'"),
        (30, ("finance", "relief", "measures", 1, "id"), "duplicate relief measure id 'm'"),
    ]


def test_the_same_good_twice_in_one_recipe_is_refused(tmp_path: Path) -> None:
    text = edit(
        "      - {good: x, from: a, per_output: 1}\n",
        "      - {good: x, from: a, per_output: 1}\n      - {good: x, from: sup, per_output: 2}\n",
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (24, ("enterprises", 1, "inputs", 1, "good"))
    assert p.message.startswith("good 'x' is already input 0 of this recipe")


def test_a_station_closing_before_it_opens_is_refused(tmp_path: Path) -> None:
    for opening, closing in ((5, 5), (5, 3), (0, 0)):
        text = BASE + (
            f"logistics:\n  transfer_stations:\n"
            f"    - {{id: t, opening_day: {opening}, closing_day: {closing}}}\n"
        )
        p = only(error_of(write(tmp_path, text)))
        assert p.path == ("logistics", "transfer_stations", 0, "closing_day")
        assert f"`closing_day` must be after `opening_day` ({opening})" in p.message


@pytest.mark.parametrize("bad", ["a\\0b", "a\\u200bb", "a\\u202eb", "\\ufeffa", "a\\x85b"])
def test_ids_with_control_or_invisible_characters_are_refused(tmp_path: Path, bad: str) -> None:
    p = only(error_of(write(tmp_path, edit("  - id: b\n", f'  - id: "{bad}"\n'))))
    assert (p.line, p.path) == (17, ("enterprises", 1, "id"))
    assert p.message.startswith("should be an id: text without blanks")


def test_custom_levels_without_normal_need_timelines_from_day_0(tmp_path: Path) -> None:
    # zones start at `normal` before their first entry; without one, the model used
    # to start them silently at the level of lowest rank
    levels = "control_levels:\n  shut: {operate: whitelist, rank: 2}\n  open: {operate: all}\n"
    text = BASE.replace("level: lockdown", "level: shut").replace("level: normal", "level: open")
    load_scenario(write(tmp_path, text + levels))  # the timeline starts at day 0: fine
    late = text.replace("{day: 0, level: shut}", "{day: 2, level: shut}")
    p = only(error_of(write(tmp_path, late + levels)))
    assert (p.line, p.path) == (4, ("regions", 0, "timeline"))
    assert p.message.startswith(
        "zone 'park' starts at level `normal` (its first entry is on day 2), and "
        "`control_levels` defines no `normal`"
    )
    other = text.replace("regions:\n  - id: park\n", "regions:\n  - id: other\n  - id: park\n")
    p = only(error_of(write(tmp_path, other + levels)))
    assert (p.line, p.path) == (3, ("regions", 0))
    assert p.message.startswith("zone 'other' starts at level `normal`, and")


@pytest.mark.parametrize("text", ["- name: t\n", "just text\n", "42\n"])
def test_a_scenario_that_is_not_a_mapping_is_named_with_sets_too(tmp_path: Path, text: str) -> None:
    # `--days`/`--replications` become `--set days=N`, which used to be the error
    path = write(tmp_path, text)
    for sets in ([], ["days=5"], ["days=5", "replications=2"]):
        p = only(error_of(path, sets=sets))
        assert (p.file, p.line) == (str(path), 1)
        assert p.message.startswith("a scenario must be a mapping of sections")


def test_a_list_scenario_run_with_days_names_the_file(tmp_path: Path) -> None:
    from sim.cli import main

    path = write(tmp_path, "- a\n- b\n")
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["run", str(path), "--days", "5", "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    assert err.getvalue().startswith(f"{path}:1: a scenario must be a mapping of sections")
    assert "--set" not in err.getvalue()


# --- more hostile input found by brainstorming (issue 13) ------------------------------


@pytest.mark.parametrize("name", ["..", ".", "a/b", "../x", "a\\\\b", "x\\\\..\\\\y"])
def test_a_scenario_name_is_a_safe_folder_name(tmp_path: Path, name: str) -> None:
    # results go to results/<name>/: `..` or `a/b` would write somewhere else
    p = only(error_of(write(tmp_path, BASE.replace("name: t", f"name: '{name}'"))))
    assert (p.line, p.path) == (1, ("name",))


def test_dates_past_the_year_9999_are_refused_at_days(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "start_date: 9999-12-01\ndays: 120\n")
    p = only(error_of(path))
    assert (p.line, p.path) == (25, ("days",))
    assert "passes the year 9999" in p.message
    p = only(error_of(write(tmp_path, BASE + "start_date: 9999-01-01\n"), sets=["days=1000"]))
    assert p.file == "--set days=1000"


def test_negative_zero_is_zero(tmp_path: Path) -> None:
    text = BASE + "control_levels:\n  normal: {output_cap: -0.0}\n  lockdown: {}\n"
    park = load_scenario(write(tmp_path, text))
    cap = park.scenario.control_levels["normal"].output_cap
    assert cap == 0 and str(cap) == "0.0"


def test_tag_lists_are_bounded(tmp_path: Path) -> None:
    many = ", ".join(f"t{i}" for i in range(1001))
    p = only(error_of(write(tmp_path, BASE + f"extra_tags: [{many}]\n")))
    assert p.path == ("extra_tags",) and "at most 1000 items" in p.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_scenario_or_overlay_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    import time

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    assert only(error_of(fifo)).message == "this is a device, pipe or socket, not a YAML file"
    p = only(error_of(write(tmp_path, BASE), policies=[fifo]))
    assert p.file == str(fifo)
    assert time.perf_counter() - started < 3


def test_a_huge_set_expression_is_cut_where_it_names_the_problem(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, BASE), sets=["description=" + "x" * 200_000])
    assert len(str(err)) < 500
    assert str(err).startswith("--set description=xxx")


# --- staff coming back and on-site housing (issue 15.3, 15.4) ---------------------------


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        (
            "workforce:\n  origins:\n    - {region: park, share: 0.7}\n"
            "    - {region: park, share: 0.5}\n",
            25,
            ("workforce", "origins"),
            "the shares of the origins add up to 1.2 (0.7 + 0.5); they must not exceed 1 "
            "(the migrants of no listed origin follow `migrant_return`)",
        ),
        (
            "firm_classes:\n  small: {}\nworkforce:\n  classes:\n    small:\n      origins:\n"
            "        - {region: park, share: 0.6}\n        - {region: park, share: 0.6}\n",
            29,
            ("workforce", "classes", "small", "origins"),
            "the shares of the origins add up to 1.2 (0.6 + 0.6)",
        ),
        (
            "workforce:\n  origins: [{region: hubei, share: 0.5}]\n",
            25,
            ("workforce", "origins", 0, "region"),
            "unknown region 'hubei'",
        ),
        (
            "workforce:\n  origins: [{region: park, share: 0.5, travel_days: 40}]\n",
            25,
            ("workforce", "origins", 0, "travel_days"),
            "should be less than or equal to 30; found 40",
        ),
        (
            "workforce:\n  origins: [{region: park, share: 0.5, leave_over_days: -2}]\n",
            25,
            ("workforce", "origins", 0, "leave_over_days"),
            "should be greater than or equal to 0; found -2",
        ),
        (
            "workforce:\n  local_return:\n    - {day: 0, share: 0.2}\n    - {day: 5, share: 1.5}\n",
            27,
            ("workforce", "local_return", 1, "share"),
            "should be less than or equal to 1; found 1.5",
        ),
        (
            "workforce:\n  local_return:\n    - {day: 0, share: 0.5}\n    - {day: 5, share: 0.2}\n",
            25,
            ("workforce", "local_return"),
            "days and shares must both be non-decreasing",
        ),
        (
            "workforce:\n  local_return: []\n",
            25,
            ("workforce", "local_return"),
            "give at least one point",
        ),
        (
            "workforce:\n  housing: {growth_per_day: -0.1}\n",
            25,
            ("workforce", "housing", "growth_per_day"),
            "should be greater than or equal to 0; found -0.1",
        ),
        (
            "workforce:\n  housing: {growth_per_day: 0.1, ceiling_share: 2}\n",
            25,
            ("workforce", "housing", "ceiling_share"),
            "should be less than or equal to 1; found 2",
        ),
        (
            "workforce:\n  housing: {growth_per_day: 0.1, starts: soon}\n",
            25,
            ("workforce", "housing", "starts"),
            "should be 'allowed' or 'open'; found 'soon'",
        ),
        (
            "workforce:\n  hotel_beds: [{day: 1, beds: many}]\n",
            25,
            ("workforce", "hotel_beds", 0, "beds"),
            "should be a valid integer",
        ),
        (
            "workforce:\n  hotel_beds:\n    - {day: 5, beds: 10}\n    - {day: 2, beds: 10}\n",
            25,
            ("workforce", "hotel_beds"),
            "entries must be in order of `day`: entry 1 (day 2) comes after entry 0 (day 5)",
        ),
        (
            "control_levels:\n  normal: {departures: yes}\n  lockdown: {}\n",
            25,
            ("control_levels", "normal", "departures"),
            "should be true or false (YAML 1.2 reads yes, no, on and off as text)",
        ),
    ],
)
def test_bad_return_and_housing_keys_are_refused_at_their_line(
    tmp_path: Path, text: str, line: int, path: tuple, message: str
) -> None:
    p = only(error_of(write(tmp_path, BASE + text)))
    assert (p.line, p.path) == (line, path)
    assert message in p.message
