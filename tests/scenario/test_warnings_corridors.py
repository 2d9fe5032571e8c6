"""Warnings about freight corridors, at their key (issue 20): a station that never opens
while an end park needs passes for the whole run, a station of a third park, passes and
stations between parks that never need passes. Also the budget's lead times."""

from __future__ import annotations

from pathlib import Path

from sim.scenario import budget
from sim.scenario.load import load_scenario

REGION = """\
name: r
days: 30
regions:
  - {id: za, timeline: [{day: 0, level: lockdown}]}
  - {id: zb, timeline: [{day: 0, level: controlled}, {day: 10, level: normal}]}
  - {id: zc}
parks:
  - {id: a, zones: [za]}
  - {id: b, zones: [zb]}
  - {id: c, zones: [zc]}
enterprises:
  - {id: f1, sector: s, region: za, baseline_output: 10, staff: 10}
  - {id: f2, sector: s, region: zb, baseline_output: 10, staff: 10,
     inputs: [{good: g, from: f1, per_output: 1}]}
  - {id: f3, sector: s, region: zc, baseline_output: 10, staff: 10,
     inputs: [{good: g, from: f2, per_output: 1}]}
logistics:
  transfer_stations:
    - {id: early, opening_day: 0}
    - {id: late, opening_day: 40}
    - {id: third, park: c}
"""
# `corridors:` appended is line 22, its first entry line 23


def _warnings(tmp_path: Path, text: str, **kwargs: object) -> list[tuple[tuple, int | None, str]]:
    """The warnings located at `corridors` (station `late` also warns at its own
    `opening_day`, as any station that never opens does)."""
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    park = load_scenario(path, **kwargs)  # type: ignore[arg-type]
    for w in park.warnings:
        assert w.file is not None and w.file.endswith("r.yaml"), w
    return [(w.path, w.line, w.message) for w in park.warnings if w.path[0] == "corridors"]


def _corridor(text: str) -> str:
    return "corridors:\n" + text


def test_a_corridor_with_stations_that_open_warns_nothing(tmp_path: Path) -> None:
    text = REGION + _corridor("  - {id: ab, between: [a, b], stations: [early]}\n")
    assert _warnings(tmp_path, text) == []


def test_a_corridor_station_that_never_opens_while_its_park_is_locked_down_warns(
    tmp_path: Path,
) -> None:
    text = REGION + _corridor("  - id: ab\n    between: [a, b]\n    stations: [early, late]\n")
    assert _warnings(tmp_path, text) == [
        (
            ("corridors", 0, "stations", 1),
            25,
            "station 'late' never opens in the run (opening day 40, last day 29) while park "
            "'a' requires freight passes for the whole run",
        )
    ]
    # with no other station, the trucks wait at the gate: the warning says so
    text = REGION + _corridor("  - id: ab\n    between: [a, b]\n    stations: [late]\n")
    ((path, line, message),) = _warnings(tmp_path, text)
    assert (path, line) == (("corridors", 0, "stations", 0), 25)
    assert message.endswith("wait at the gate for the whole run")


def test_a_park_that_reopens_in_the_run_does_not_make_the_warning(tmp_path: Path) -> None:
    # park b needs passes until day 10 only, park c never
    text = REGION + _corridor("  - {id: bc, between: [b, c], stations: [late]}\n")
    assert _warnings(tmp_path, text) == []


def test_a_shortened_run_does_not_warn_about_what_falls_after_it(tmp_path: Path) -> None:
    text = REGION + _corridor("  - {id: ab, between: [a, b], stations: [late]}\n")
    assert _warnings(tmp_path, text, sets=("days=20",)) == []


def test_a_corridor_station_of_a_third_park_warns_at_it(tmp_path: Path) -> None:
    text = REGION + _corridor("  - {id: ab, between: [a, b], stations: [early, third]}\n")
    ((path, line, message),) = _warnings(tmp_path, text)
    assert (path, line) == (("corridors", 0, "stations", 1), 23)
    assert message.startswith("station 'third' belongs to park 'c', which this corridor")


def test_passes_and_stations_of_a_corridor_that_never_needs_them_warn(tmp_path: Path) -> None:
    text = REGION.replace(
        "{id: zb, timeline: [{day: 0, level: controlled}, {day: 10, level: normal}]}",
        "{id: zb, timeline: [{day: 0, level: normal}, {day: 30, level: controlled}]}",
    ) + _corridor("  - id: bc\n    between: [b, c]\n    passes_per_day: 3\n    stations: [early]\n")
    got = _warnings(tmp_path, text)
    assert [(p, line) for p, line, _ in got] == [
        (("corridors", 0, "passes_per_day"), 25),
        (("corridors", 0, "stations"), 26),
    ]
    assert got[0][2] == (
        "neither park 'b' nor park 'c' requires freight passes on any day of the run: the "
        "corridor's passes never serve a truck"
    )


def test_an_outbreak_raise_to_a_level_with_passes_keeps_the_corridor_useful(
    tmp_path: Path,
) -> None:
    text = REGION.replace("level: controlled}, {day: 10", "level: normal}, {day: 10") + (
        "outbreaks: {rate_per_1000_staff_day: 1, raise_level: {cases: 1, level: controlled}}\n"
        + _corridor("  - {id: bc, between: [b, c], passes_per_day: 3}\n")
    )
    assert _warnings(tmp_path, text) == []


def test_the_budget_counts_a_corridors_lead_time_in_goods_in_transit(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(REGION + _corridor("  - {id: ab, between: [a, b], lead_days: 6.5}\n"))
    parts = budget._memory_parts(load_scenario(path), [])
    (pipe,) = [what for _, where, what, _ in parts if where == ("supply", "park_lead_days")]
    assert pipe.startswith("goods in transit over 8 days of lead time")
