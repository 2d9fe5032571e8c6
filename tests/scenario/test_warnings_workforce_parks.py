"""Warnings about a park's own workforce pool (issue 20.1), at its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.load import load_scenario

BASE = """\
name: r
days: 20
regions:
  - {id: za, timeline: [{day: 0, level: normal}]}
  - {id: zb}
parks:
  - id: a
    zones: [za]
    workforce: {WF_A}
  - {id: b, zones: [zb]}
enterprises:
  - {id: f1, sector: s, region: za, baseline_output: 10, staff: 10, migrant_share: 0.5}
  - {id: f2, sector: s, region: zb, baseline_output: 10, staff: 100, migrant_share: 0.5}
workforce: {WF}
"""
# Line 9 is park a's workforce, line 14 the region's.


def warnings_of(tmp_path: Path, wf_a: str = "{}", wf: str = "{}") -> list[tuple[int | None, str]]:
    path = tmp_path / "r.yaml"
    path.write_text(BASE.replace("{WF_A}", wf_a).replace("{WF}", wf), encoding="utf-8")
    park = load_scenario(path)
    for w in park.warnings:
        assert w.file is not None and w.path, w
    return [(w.line, w.message) for w in park.warnings]


def test_a_park_with_a_pool_within_its_staff_has_no_warning(tmp_path: Path) -> None:
    wf_a = (
        "{employee_station_beds: 10, hotel_beds: [{day: 1, beds: 10}],"
        " chartered_buses: [{day: 1, seats: 5}]}"
    )
    assert warnings_of(tmp_path, wf_a, "{employee_station_beds: 50}") == []


@pytest.mark.parametrize(
    ("wf_a", "needle"),
    [
        (
            "{employee_station_beds: 50}",
            "50 employee-station beds for 10 staff of the firms of park 'a'",
        ),
        ("{hotel_beds: [{day: 1, beds: 11}]}", "11 hotel beds for 10 staff of the firms of park"),
        (
            "{chartered_buses: [{day: 1, seats: 6}]}",
            "6 seats for 5 migrant workers of the firms of park 'a'",
        ),
        (
            "{chartered_buses: [{day: 20, seats: 1}]}",
            "day 20 is after the last day of the run (day 19): the bus never arrives",
        ),
    ],
)
def test_a_parks_pool_beyond_its_firms_warns_at_its_key(
    tmp_path: Path, wf_a: str, needle: str
) -> None:
    (found,) = warnings_of(tmp_path, wf_a)
    assert found[0] == 9
    assert needle in found[1], found


def test_a_region_wide_key_every_park_replaces_warns(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    text = BASE.replace(
        "{WF_A}", "{employee_station_beds: 5, migrant_return: [{day: 0, share: 1}]}"
    )
    text = text.replace(
        "- {id: b, zones: [zb]}", "- {id: b, zones: [zb], workforce: {employee_station_beds: 5}}"
    )
    text = text.replace("{WF}", "{employee_station_beds: 30, migrant_return: [{day: 0, share: 1}]}")
    path.write_text(text, encoding="utf-8")
    found = [(w.line, w.message) for w in load_scenario(path).warnings]
    assert found == [
        (
            14,
            "every park gives its own `employee_station_beds` (parks[].workforce): the "
            "region's serves no firm",
        )
    ]
