"""Days written as calendar dates: every day key takes one, and a scenario written with
dates runs bit for bit like the same scenario written with day numbers."""

from __future__ import annotations

import datetime as dt
import shutil
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from sim.experiment.runner import run_replications
from sim.files.resolved import scenario_json
from sim.scenario import dates
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.source import load_yaml
from tests._helpers import assert_same_trace
from tests.conftest import SCENARIOS, run_cli

START = dt.date(2022, 4, 1)


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The scenario sections an annotation holds (through lists, maps, unions, marks)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models(a)]


def _sections() -> dict[type[BaseModel], None]:
    """Every model reachable from `Scenario`, in order of discovery."""
    seen: dict[type[BaseModel], None] = {}
    todo: list[type[BaseModel]] = [Scenario]
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen[model] = None
        for f in model.model_fields.values():
            todo.extend(_models(f.annotation))
    return seen


def _day_fields() -> set[tuple[str, str]]:
    return {
        (m.__name__, name)
        for m in _sections()
        for name, f in m.model_fields.items()
        if dates.is_day_field(f)
    }


def test_every_key_named_as_a_day_takes_a_date_and_no_other_does() -> None:
    """The schema walk, not a hand list: a new `*_day` key that is not `Day` fails here,
    and so does a duration (`*_days`) typed `Day` by mistake."""
    wrong = []
    for model in _sections():
        for name, f in model.model_fields.items():
            if dates.is_day_name(name) != dates.is_day_field(f):
                wrong.append(f"{model.__name__}.{name}")
    assert wrong == []
    found = _day_fields()
    assert ("LevelChange", "day") in found
    assert ("Supplier", "reopen_day") in found
    assert ("TransferStation", "closing_day") in found
    assert ("Workforce", "quarantine_days") not in found
    assert len(found) >= 17


def test_a_key_name_says_whether_it_is_a_day() -> None:
    assert dates.is_day_name("day") and dates.is_day_name("opening_day")
    assert not dates.is_day_name("days") and not dates.is_day_name("ramp_days")
    assert not dates.is_day_name("per_day") and not dates.is_day_name("hours_per_day")
    assert not dates.is_day_name("rate_per_1000_staff_day")


# --- a scenario written with dates everywhere ------------------------------------


def _as_date(v: Any) -> Any:
    """A day number written as the date it is (a distribution: its days)."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        assert float(v).is_integer(), "a fractional day has no date"
        return (START + dt.timedelta(days=int(v))).isoformat()
    if isinstance(v, dict) and len(v) == 1:
        kind, params = next(iter(v.items()))
        return {
            kind: {
                k: ([_as_date(y) for y in x] if k == "values" else _as_date(x))
                if k in dates.DIST_DAY_KEYS
                else x
                for k, x in params.items()
            }
        }
    return v


def _dated(data: Any, model: type[BaseModel], done: set[tuple[str, str]]) -> Any:
    """`data` (a raw section of `model`) with every day key's value written as a date;
    `done` collects the keys converted."""
    if not isinstance(data, dict):
        return data
    fields = {f.alias or n: (n, f) for n, f in model.model_fields.items()}
    out = {}
    for key, value in data.items():
        name, f = fields[key]
        if dates.is_day_field(f) and value is not None:
            out[key] = _as_date(value)
            done.add((model.__name__, name))
            continue
        subs = [m for m in _models(f.annotation) if m.__module__ != "sim.scenario.dists"]
        if not subs:
            out[key] = value
        elif isinstance(value, list):
            out[key] = [_dated(v, subs[0], done) for v in value]
        elif isinstance(value, dict) and typing.get_origin(f.annotation) is dict:
            out[key] = {k: _dated(v, subs[0], done) for k, v in value.items()}
        else:
            out[key] = _dated(value, subs[0], done)
    return out


EXTRA = """\
supply:
  coordination: {start_day: 12, speedup: 2, suppliers: [chipco]}
logistics:
  grants: [{day: 22, firms: [medmask]}]
reopening:
  approvals: [{id: district, start_day: 15, end_day: 40, per_day: 2}]
workforce:
  local_return: [{day: 0, share: 0.4}, {day: 20, share: 0.9}]
  hotel_beds: [{day: 10, beds: 100}, {day: 50, beds: 0}]
  classes:
    food: {local_return: [{day: 3, share: 0.5}, {day: 30, share: 1}]}
outbreaks:
  rate_schedule: [{day: 0, factor: 1}, {day: 30, factor: 2}]
  testing: [{day: 18, coverage: 0.8, effect: 0.5}]
finance:
  relief:
    measures: [{id: rent, kind: rent_waiver, share: 0.5, start_day: 7, days: 60}]
demand:
  final: [{index: [{day: 0, value: 0.7}, {day: 40, value: 1.0}]}]
reporting:
  observations: [{day: 30, metric: capacity, value: 0.6}]
"""


def _numbered_and_dated(tmp_path: Path) -> tuple[Path, Path, set[tuple[str, str]]]:
    """The demo park with every kind of day key (numbers), and the same with dates."""
    data = load_yaml(SCENARIOS / "demo_park.yaml").data
    extra = yaml.safe_load(EXTRA)
    for section, value in extra.items():
        data[section] = {**data.get(section, {}), **value}
    data["logistics"]["transfer_stations"][0]["closing_day"] = 90
    data["suppliers"][2]["reopen_day"] = {"choice": {"values": [2, 4], "weights": [1, 1]}}
    data["days"] = 60
    done: set[tuple[str, str]] = set()
    dated = _dated(data, Scenario, done)
    assert dated["start_date"] == START.isoformat()
    shutil.copy(SCENARIOS / "demo_park_food.csv", tmp_path)
    numbered_file, dated_file = tmp_path / "numbered.yaml", tmp_path / "dated.yaml"
    numbered_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    dated_file.write_text(yaml.safe_dump(dated, sort_keys=False), encoding="utf-8")
    return numbered_file, dated_file, done


def test_a_scenario_with_dates_everywhere_runs_bit_for_bit_as_with_day_numbers(
    tmp_path: Path,
) -> None:
    numbered_file, dated_file, done = _numbered_and_dated(tmp_path)
    assert done == _day_fields(), "the test scenario writes every day key as a date"
    text = dated_file.read_text(encoding="utf-8")
    assert "day: '2022-04-22'" in text and "- day: 0" not in text and "{day: 0" not in text
    numbered, dated = load_scenario(numbered_file), load_scenario(dated_file)
    assert dated.scenario == numbered.scenario
    assert scenario_json(dated) == scenario_json(numbered)
    a, b = run_replications(numbered, 2), run_replications(dated, 2)
    for x, y in zip(a, b, strict=True):
        assert_same_trace(x, y)


def test_dates_in_overlays_and_set_count_from_start_date(tmp_path: Path) -> None:
    overlay = tmp_path / "later.yaml"
    overlay.write_text(
        "reopening:\n  whitelists:\n    - {id: essentials, day: 2022-04-06}\n", encoding="utf-8"
    )
    park = load_scenario(
        SCENARIOS / "demo_park.yaml",
        [overlay],
        ["logistics.transfer_stations[id=north_gate].opening_day=2022-04-11"],
    )
    sc = park.scenario
    assert sc.reopening.whitelists[0].day == 5.0
    assert sc.logistics.transfer_stations[0].opening_day == 10.0


def test_a_date_before_start_date_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "early.yaml"
    path.write_text(
        "name: t\nstart_date: 2022-04-01\nregions:\n  - id: park\n    timeline:\n"
        "      - {day: 2022-03-30, level: lockdown}\n"
        "enterprises:\n  - {id: a, sector: s, region: park, baseline_output: 1, staff: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (str(path), 6, ("regions", 0, "timeline", 0, "day"))
    assert "2022-03-30 is before `start_date` 2022-04-01 (day 0)" in p.message


def test_a_date_without_start_date_is_exit_2_located_in_overlay_and_set(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(
        "name: t\nregions: [{id: park}]\n"
        "enterprises:\n  - {id: a, sector: s, region: park, baseline_output: 1, staff: 1}\n",
        encoding="utf-8",
    )
    overlay = tmp_path / "batch.yaml"
    overlay.write_text("reopening:\n  whitelists:\n    - {day: 2022-05-01, firms: [a]}\n")
    r = run_cli(
        "run",
        str(base),
        "--policy",
        str(overlay),
        "--set",
        "logistics.grants=[{day: 2022-05-02, firms: [a]}]",
        "--out",
        str(tmp_path / "out"),
    )
    assert r.returncode == 2, r.stderr
    at_overlay = f"{overlay}:3:8: reopening.whitelists[0].day: a date (2022-05-01) needs "
    assert at_overlay + "`start_date`" in r.stderr
    at_set = "--set logistics.grants=[{day: 2022-05-02, firms: [a]}]: logistics.grants[0].day: "
    assert at_set + "a date (2022-05-02) needs `start_date`" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_durations_and_bad_dates_are_refused_with_what_was_expected() -> None:
    base: dict[str, Any] = {
        "name": "t",
        "start_date": "2022-04-01",
        "regions": [{"id": "park", "timeline": [{"day": "2022-02-30", "level": "lockdown"}]}],
        "enterprises": [
            {"id": "a", "sector": "s", "region": "park", "baseline_output": 1, "staff": 1}
        ],
        "workforce": {"quarantine_days": "2022-04-15"},
        "suppliers": [
            {"id": "x", "region": "park", "capacity": 1, "reopen_day": "next week"},
        ],
    }
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(base)
    errors = {".".join(map(str, e["loc"])): e["msg"] for e in info.value.errors()}
    assert "2022-02-30 is not a calendar date" in errors["regions.0.timeline.0.day"]
    assert "a number of days (a duration), not a date" in errors["workforce.quarantine_days"]
    assert any(k.startswith("suppliers.0.reopen_day") for k in errors)


def test_a_date_with_a_time_or_a_bad_start_date_is_explained() -> None:
    info = {dates.START_DATE: None, dates.START_GIVEN: True}
    with pytest.raises(ValueError, match="not a valid date; fix start_date"):
        dates.to_day("2022-04-03", None, start_given=True)
    with pytest.raises(ValueError, match="not a date and time"):
        dates.to_day(dt.datetime(2022, 4, 3, 8), START)
    assert dates.context({"start_date": "2022-13-01"}) == info
    assert dates.context({"start_date": "2022-04-01"})[dates.START_DATE] == START


def test_a_date_inside_a_distribution_of_days() -> None:
    def supplier(reopen_day: Any) -> dict[str, Any]:
        return {
            "name": "t",
            "start_date": START,
            "regions": [{"id": "park"}],
            "enterprises": [
                {"id": "a", "sector": "s", "region": "park", "baseline_output": 1, "staff": 1}
            ],
            "suppliers": [{"id": "x", "region": "park", "capacity": 1, "reopen_day": reopen_day}],
        }

    tri = {"triangular": {"from": "2022-04-05", "mode": 6, "to": dt.date(2022, 4, 11)}}
    sc = Scenario.model_validate(supplier(tri))
    p = sc.suppliers[0].reopen_day.triangular  # type: ignore[union-attr]
    assert (p.lo, p.mode, p.hi) == (4, 6, 10)
    sc = Scenario.model_validate(supplier({"normal": {"mean": "2022-04-11", "sd": 2, "min": 0}}))
    assert sc.suppliers[0].reopen_day.normal.mean == 10  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="valid number"):  # a spread is no day
        Scenario.model_validate(supplier({"normal": {"mean": 3, "sd": "2022-04-03", "min": 0}}))
