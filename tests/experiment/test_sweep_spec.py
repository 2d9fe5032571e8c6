"""Sweep files name days as dates where the scenario does: a range or levels on a day
key path count from the base scenario's `start_date`, and a date anywhere else is
refused at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.sweep_spec import load_sweep, names_a_day
from sim.scenario.errors import ScenarioError
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"  # start_date 2022-04-01


def write(tmp_path: Path, parameters: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(
        f"name: dated\nscenario: {DEMO}\nset: [days=20]\nparameters:\n{parameters}"
        "design: {method: grid, points_per_axis: 3}\nreplications: 1\n",
        encoding="utf-8",
    )
    return path


def test_a_range_of_dates_on_a_day_key_counts_from_start_date(tmp_path: Path) -> None:
    sweep = load_sweep(
        write(
            tmp_path,
            '  - {path: "reopening.whitelists[id=backbone].day", name: backbone_day,\n'
            "     from: 2022-04-08, to: 2022-04-14, integer: true}\n"
            '  - {path: "logistics.transfer_stations[id=north_gate].opening_day", name: station,\n'
            "     levels: [2022-04-03, 2022-04-09]}\n",
        )
    )
    p = sweep.spec.parameters[0]
    assert (p.from_, p.to) == (7.0, 13.0)
    assert [pt.values for pt in sweep.points][:2] == [(7, "2022-04-03"), (7, "2022-04-09")]
    assert sweep.points[-1].sets == (
        "reopening.whitelists[id=backbone].day=13",
        'logistics.transfer_stations[id=north_gate].opening_day="2022-04-09"',
    )


def test_a_date_off_a_day_key_or_before_start_date_is_refused_at_its_line(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "  - {path: reopening.service_teams, from: 2022-04-08, to: 2022-04-14}\n"
        '  - {path: "reopening.whitelists[id=backbone].day", from: 2022-03-08, to: 12}\n',
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    text = info.value.render()
    assert f"{path}:5:5: parameters[0]: a date is given, but 'reopening.service_teams' is not" in (
        text
    )
    assert f"{path}:6:53: parameters[1].from: 2022-03-08 is before `start_date` 2022-04-01" in (
        text
    )


def test_day_key_paths_are_found_from_the_schema() -> None:
    assert names_a_day("regions[0].timeline.1.day")
    assert names_a_day("suppliers[id=chipco].reopen_day.uniform.from")
    assert names_a_day("workforce.classes.food.local_return[0].day")
    assert not names_a_day("suppliers[id=chipco].reopen_day.normal.sd")
    assert not names_a_day("workforce.quarantine_days")
    assert not names_a_day("not a path[")
