"""Warnings: legal but absurd input runs, with a named warning at its key (issue 13)."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.load import load_scenario, print_warnings, render_warnings
from tests.conftest import SCENARIOS

BASE = """\
name: t
days: 30
regions:
  - id: park
    timeline: [{day: 0, level: controlled}]
  - id: out
suppliers:
  - {id: sup, region: out, capacity: 5}
enterprises:
  - {id: a, sector: s, region: park, baseline_output: 3, staff: 10, migrant_share: 0.5}
  - {id: b, sector: s, region: park, baseline_output: 3, staff: 10,
     inputs: [{good: x, from: sup, per_output: 1}]}
"""
# Line 10 is firm a (5 migrants), lines 11-12 firm b; appended text starts at line 13.


def warnings_of(tmp_path: Path, text: str, **kwargs: object) -> list[tuple[int | None, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    park = load_scenario(path, **kwargs)  # type: ignore[arg-type]
    for w in park.warnings:
        assert w.file is not None and w.path, w
    return [(w.line, w.message) for w in park.warnings]


def test_no_shipped_scenario_or_overlay_warns() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert load_scenario(path).warnings == (), path.name


def test_the_base_park_has_no_warning(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, BASE) == []


@pytest.mark.parametrize(
    ("extra", "line", "needle"),
    [
        ("reopening: {service_teams: 1000000}\n", 13, "1,000,000 service teams for 2 firms"),
        ("workforce: {employee_station_beds: 100000000}\n", 13, "for 20 staff in the whole"),
        ("workforce: {chartered_buses: [{day: 1, seats: 500}]}\n", 13, "500 seats for 5 migrant"),
        (
            "logistics: {transfer_stations: [{id: t, bays: 100000}]}\n",
            13,
            "100,000 unloading bays in one station",
        ),
        (
            "reopening: {whitelists: [{day: 30, firms: [a]}]}\n",
            13,
            "day 30 is after the last day of the run (day 29): the batch is never released",
        ),
        (
            "logistics: {grants: [{day: 99, firms: [a]}]}\n",
            13,
            "the passes are never granted",
        ),
        ("workforce: {quarantine_days: 40}\n", 13, "a quarantine of 40 days outlasts the run"),
        (
            "outbreaks: {rate_per_1000_staff_day: 1, isolation_days: 30}\n",
            13,
            "an isolation of 30 days outlasts the run",
        ),
        ("reopening: {fail_prob: 1}\n", 13, "every review fails"),
        ("reopening: {whitelists: [{day: 1}]}\n", 13, "this batch selects no firm"),
        ("scale: {firms: 100}\n", 13, "no `generate` entry to rescale"),
        (
            "reopening: {approvals: [{id: r, per_day: 1, start_day: 40}]}\n",
            13,
            "day 40 is after the last day of the run (day 29): the rule never approves a firm",
        ),
        ("reopening: {approvals: [{id: r, per_day: 0}]}\n", 13, "this rule approves no firm"),
        (
            "reopening: {approvals: [{id: r, per_day: 2, eligible: {above_scale: true}}]}\n",
            13,
            "no firm is eligible for this rule",
        ),
        ("continuity: [{tags: [backbone], share: 0.5}]\n", 13, "this rule keeps no firm running"),
        (
            "finance: {cash_days: 30, margin: 0.2}\n",
            13,
            "fixed costs and wages (0.15 + 0.15 of baseline output a day) are above the margin",
        ),
    ],
)
def test_absurd_but_legal_values_warn_at_their_key(
    tmp_path: Path, extra: str, line: int, needle: str
) -> None:
    got = warnings_of(tmp_path, BASE + extra)
    assert len(got) == 1, got
    assert got[0][0] == line
    assert needle in got[0][1]


def test_housing_beyond_a_firms_staff_warns_at_the_firm(tmp_path: Path) -> None:
    text = BASE.replace(
        "staff: 10, migrant_share", "staff: 10, dorm_beds: 100000000, bus_seats: 11, migrant_share"
    )
    got = warnings_of(tmp_path, text)
    assert got == [
        (10, "100,000,000 dorm beds for 10 staff: those beyond the staff serve nobody"),
        (10, "11 bus seats for 10 staff: those beyond the staff serve nobody"),
    ]


def test_an_initially_open_firm_halted_by_its_zone_on_day_0_warns(tmp_path: Path) -> None:
    text = BASE.replace("level: controlled", "level: lockdown").replace(
        "staff: 10, migrant_share", "staff: 10, initially_open: true, migrant_share"
    )
    (got,) = warnings_of(tmp_path, text)
    assert "lets only closed-loop firms run, and it is not one" in got[1]
    text = text.replace("initially_open: true", "initially_open: true, closed_loop: true")
    (got,) = warnings_of(tmp_path, text)
    assert got[0] == 10
    assert got[1].endswith("no day-0 batch lists it: it is halted from the first day")
    listed = text + "reopening: {whitelists: [{day: 0, firms: [a]}]}\n"
    assert warnings_of(tmp_path, listed) == []
    kept = text + "continuity: [{firms: [a], levels: [lockdown], share: 0.5}]\n"
    assert warnings_of(tmp_path, kept) == []


def test_warnings_from_set_name_the_expression(tmp_path: Path) -> None:
    (w,) = load_scenario(
        SCENARIOS / "demo_park.yaml", sets=["reopening.service_teams=100000"]
    ).warnings
    assert str(w).startswith("--set reopening.service_teams=100000: reopening.service_teams: ")
    assert render_warnings([w]) == f"warning: {w}"


def test_validate_prints_warnings_on_stderr_and_succeeds(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    scen = tmp_path / "short.yaml"
    text = (SCENARIOS / "demo_park.yaml").read_text(encoding="utf-8")
    scen.write_text(text.replace("days: 120", "days: 10", 1), encoding="utf-8")
    shutil.copy(SCENARIOS / "demo_park_food.csv", tmp_path)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(scen)])
    assert code == 0
    lines = err.getvalue().splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines)
    assert any("reopening.whitelists[2].day: day 14 is after the last day" in x for x in lines)
    assert "valid scenario 'demo_park'" in out.getvalue()
    # a horizon shortened on the command line is deliberate: no warning for what is cut off
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["validate", str(SCENARIOS / "demo_park.yaml"), "--set", "days=10"]) == 0
    assert err.getvalue() == ""
    buf = io.StringIO()
    print_warnings(load_scenario(SCENARIOS / "demo_park.yaml"), file=buf)
    assert buf.getvalue() == ""
