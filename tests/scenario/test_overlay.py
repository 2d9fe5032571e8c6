"""Overlays and `--set`: merge rules, and marks that point at whoever wrote each value."""

from __future__ import annotations

import copy

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.overlay import ById, Index, Key, apply_set, merge, parse_set
from sim.scenario.source import Mark, Source, load_yaml_text

BASE = """\
name: base
clock:
  start: 2022-04-16
  days: 30
logistics:
  transfer_stations:
    - id: qingtaishan
      bays: 2
      hours: [8, 20]
    - id: baiyun
      bays: 3
firms:
  - staff: 10
  - staff: 20
"""

OVERLAY = """\
clock:
  days: 60
logistics:
  transfer_stations:
    - id: nansha
      bays: 9
    - id: qingtaishan
      bays: 4
firms:
  - staff: 1
"""


@pytest.fixture
def base() -> Source:
    return load_yaml_text(BASE, "base.yaml")


@pytest.fixture
def merged(base: Source) -> Source:
    return merge(base, load_yaml_text(OVERLAY, "lockdown.yaml"))


def _b(line: int, column: int) -> Mark:
    return Mark("base.yaml", line, column)


def _o(line: int, column: int) -> Mark:
    return Mark("lockdown.yaml", line, column)


def test_nested_mappings_merge_key_by_key(merged: Source) -> None:
    assert merged.data["name"] == "base"
    assert merged.data["clock"] == {"start": "2022-04-16", "days": 60}
    assert merged.marks[("clock", "start")] == _b(3, 3)
    assert merged.marks[("clock", "days")] == _o(2, 3)
    assert merged.marks[("clock",)] == _b(2, 1)  # present in both: where the base defines it


def test_new_keys_are_added_with_overlay_marks(base: Source) -> None:
    over = load_yaml_text("clock:\n  end: 2022-06-01\nextra:\n  a: 1\n", "o.yaml")
    out = merge(base, over)
    assert list(out.data["clock"]) == ["start", "days", "end"]
    assert out.data["extra"] == {"a": 1}
    assert out.marks[("clock", "end")] == Mark("o.yaml", 2, 3)
    assert out.marks[("extra", "a")] == Mark("o.yaml", 4, 3)


def test_list_of_ids_merges_by_id(merged: Source) -> None:
    stations = merged.data["logistics"]["transfer_stations"]
    assert stations == [
        {"id": "qingtaishan", "bays": 4, "hours": [8, 20]},
        {"id": "baiyun", "bays": 3},
        {"id": "nansha", "bays": 9},
    ]
    ts = ("logistics", "transfer_stations")
    # changed leaf: the overlay's line; untouched leaves and items: the base's
    assert merged.marks[(*ts, 0, "bays")] == _o(8, 7)
    assert merged.marks[(*ts, 0, "hours")] == _b(9, 7)
    assert merged.marks[(*ts, 0, "hours", 1)] == _b(9, 18)
    assert merged.marks[(*ts, 1)] == _b(10, 7)
    assert merged.marks[(*ts, 1, "bays")] == _b(11, 7)
    # appended item: overlay index 0 lands at result index 2, marks re-keyed
    assert merged.marks[(*ts, 2)] == _o(5, 7)
    assert merged.marks[(*ts, 2, "bays")] == _o(6, 7)
    assert (*ts, 3) not in merged.marks


def test_marks_match_the_data_exactly(merged: Source) -> None:
    def paths(value: object, path: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
        out = {path}
        if isinstance(value, dict):
            for key, child in value.items():
                out |= paths(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                out |= paths(child, (*path, index))
        return out

    assert set(merged.marks) == paths(merged.data)


def test_list_without_ids_is_replaced(merged: Source) -> None:
    assert merged.data["firms"] == [{"staff": 1}]
    assert merged.marks[("firms", 0, "staff")] == _o(10, 5)
    assert ("firms", 1) not in merged.marks
    assert ("firms", 1, "staff") not in merged.marks


def test_scalar_list_is_replaced(base: Source) -> None:
    over = load_yaml_text(
        "logistics:\n  transfer_stations:\n    - id: baiyun\n      hours: [6]\n", "o.yaml"
    )
    out = merge(base, over)
    assert out.data["logistics"]["transfer_stations"][1]["hours"] == [6]
    assert out.data["logistics"]["transfer_stations"][0]["hours"] == [8, 20]


def test_empty_overlay_list_empties_the_list(base: Source) -> None:
    out = merge(base, load_yaml_text("logistics:\n  transfer_stations: []\n", "o.yaml"))
    assert out.data["logistics"]["transfer_stations"] == []
    assert ("logistics", "transfer_stations", 0) not in out.marks


def test_null_replaces(base: Source) -> None:
    out = merge(base, load_yaml_text("clock: null\n", "o.yaml"))
    assert out.data["clock"] is None
    assert out.marks[("clock",)] == Mark("o.yaml", 1, 1)
    assert ("clock", "days") not in out.marks


def test_merge_does_not_mutate_inputs(base: Source) -> None:
    over = load_yaml_text(OVERLAY, "lockdown.yaml")
    before = (copy.deepcopy(base.data), dict(base.marks), copy.deepcopy(over.data))
    out = merge(base, over)
    out.data["logistics"]["transfer_stations"][1]["bays"] = 99
    out.data["clock"]["start"] = "changed"
    assert (base.data, base.marks, over.data) == before


def test_empty_overlay_changes_nothing(base: Source) -> None:
    out = merge(base, load_yaml_text("", "o.yaml"))
    assert out.data == base.data
    assert out.marks == base.marks


def test_overlay_root_must_be_a_mapping(base: Source) -> None:
    with pytest.raises(ScenarioError) as info:
        merge(base, load_yaml_text("\n- a\n- b\n", "o.yaml"))
    assert "o.yaml:2" in str(info.value)
    assert "mapping" in str(info.value)


def test_duplicate_id_in_overlay_is_refused(base: Source) -> None:
    over = load_yaml_text("logistics:\n  transfer_stations:\n    - id: a\n    - id: a\n", "o.yaml")
    with pytest.raises(ScenarioError, match="appears twice") as info:
        merge(base, over)
    assert "o.yaml:4" in str(info.value)


# --- --set ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "selectors"),
    [
        ("a.b.c=1", (Key("a"), Key("b"), Key("c"))),
        ("firms.0.staff=1", (Key("firms"), Key("0"), Key("staff"))),
        ("firms[0].staff=1", (Key("firms"), Index(0), Key("staff"))),
        ("s[id=qingtaishan].bays=1", (Key("s"), ById("qingtaishan"), Key("bays"))),
        ("m[2][id=x]=1", (Key("m"), Index(2), ById("x"))),
    ],
)
def test_parse_set_paths(expr: str, selectors: tuple[object, ...]) -> None:
    assert parse_set(expr)[0] == selectors


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("3", 3),
        ("1e-3", 0.001),
        ("[1,2]", [1, 2]),
        ("{a: 1}", {"a": 1}),
        ("on", "on"),
        ("true", True),
        ("2022-04-16", "2022-04-16"),
        ("'3'", "3"),
        ("a=b", "a=b"),
        ("", None),
        ("null", None),
    ],
)
def test_parse_set_values_are_yaml(value: str, parsed: object) -> None:
    got = parse_set(f"x={value}")[1]
    assert got == parsed
    assert type(got) is type(parsed)


def test_set_dotted_path(merged: Source) -> None:
    out = apply_set(merged, "clock.days=90")
    assert out.data["clock"]["days"] == 90
    assert out.marks[("clock", "days")] == Mark("--set clock.days=90", None, None)
    assert out.marks[("clock", "start")] == _b(3, 3)
    assert merged.data["clock"]["days"] == 60  # input untouched


@pytest.mark.parametrize("expr", ["firms[0].staff=7", "firms.0.staff=7"])
def test_set_by_index(base: Source, expr: str) -> None:
    out = apply_set(base, expr)
    assert out.data["firms"] == [{"staff": 7}, {"staff": 20}]
    assert out.marks[("firms", 0, "staff")].file == f"--set {expr}"
    assert out.marks[("firms", 1, "staff")] == _b(14, 5)


def test_set_by_id(base: Source) -> None:
    out = apply_set(base, "logistics.transfer_stations[id=baiyun].bays=4")
    assert out.data["logistics"]["transfer_stations"][1]["bays"] == 4
    assert out.data["logistics"]["transfer_stations"][0]["bays"] == 2


def test_set_marks_everything_below(base: Source) -> None:
    expr = "logistics.transfer_stations[id=qingtaishan]={id: q2, bays: 1}"
    out = apply_set(base, expr)
    ts = ("logistics", "transfer_stations", 0)
    assert out.data["logistics"]["transfer_stations"][0] == {"id": "q2", "bays": 1}
    mark = Mark(f"--set {expr}", None, None)
    assert out.marks[ts] == out.marks[(*ts, "id")] == out.marks[(*ts, "bays")] == mark
    assert (*ts, "hours") not in out.marks  # the old value's marks are gone
    assert (*ts, "hours", 0) not in out.marks


def test_set_creates_missing_keys(base: Source) -> None:
    out = apply_set(base, "policy.masks.required=yes")
    assert out.data["policy"] == {"masks": {"required": "yes"}}
    assert out.marks[("policy",)].file == "--set policy.masks.required=yes"
    assert out.marks[("policy", "masks", "required")].line is None


def _set_error(source: Source, expr: str) -> str:
    with pytest.raises(ScenarioError) as info:
        apply_set(source, expr)
    (problem,) = info.value.problems
    assert problem.file == "--set"
    assert repr(expr) in problem.message
    return problem.message


def test_set_error_missing_equals(base: Source) -> None:
    assert "no '='" in _set_error(base, "clock.days")


def test_set_error_empty_path(base: Source) -> None:
    assert "empty" in _set_error(base, " =3")


def test_set_error_unparsable_value(base: Source) -> None:
    assert "cannot read the value '[1, 2'" in _set_error(base, "clock.days=[1, 2")


def test_set_error_comment_value(base: Source) -> None:
    assert "comment" in _set_error(base, "name=#fff")


def test_set_error_index_out_of_range(base: Source) -> None:
    message = _set_error(base, "firms[5].staff=1")
    assert "position 5 is out of range: firms has 2 items (positions 0-1)" in message


def test_set_error_unknown_id(base: Source) -> None:
    message = _set_error(base, "logistics.transfer_stations[id=x].bays=4")
    assert "no item with id 'x' in logistics.transfer_stations (ids: qingtaishan, baiyun)" in (
        message
    )


def test_set_error_into_scalar(base: Source) -> None:
    assert "cannot go into clock.days: it is a number (30)" in _set_error(base, "clock.days.x=1")


def test_set_error_name_on_list(base: Source) -> None:
    assert "firms is a list" in _set_error(base, "firms.staff=1")


def test_set_error_index_on_mapping(base: Source) -> None:
    assert "clock is a mapping" in _set_error(base, "clock[0]=1")


def test_set_error_list_selector_on_missing_key(base: Source) -> None:
    assert "does not exist" in _set_error(base, "nothing[0]=1")


@pytest.mark.parametrize(
    "expr", ["a..b=1", "a.=1", ".a=1", "a[x]=1", "a[id=]=1", "a[0=1", "a]=1", "a. .b=1"]
)
def test_set_error_bad_path(base: Source, expr: str) -> None:
    _set_error(base, expr)
