"""Curve outcomes (`capacity@30`, `resumption@2022-05-12`, `capacity@mean(0..30)`) and
the daily park series a sweep keeps in `daily/`."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment import curves
from sim.experiment import sweep as sweep_mod
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.files.sweep import LEDGER
from sim.metrics import daily
from sim.model.world import run
from sim.output.results import verify
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"  # start_date 2022-04-01
START = dt.date(2022, 4, 1)


def write_sweep(folder, outcomes: str, extra: str = "", scenario=DEMO):
    path = folder / "curvy.yaml"
    path.write_text(
        f"name: curvy\nscenario: {scenario}\nset: [days=30]\nseed: 3\n"
        "parameters:\n  - {path: reopening.service_teams, name: teams, levels: [1, 4]}\n"
        "design: {method: grid}\nreplications: 2\n"
        f"outcomes: {outcomes}\n{extra}"
    )
    return path


# --------------------------------------------------------------------------- parsing


def test_a_day_a_date_and_a_window_name_the_days_they_say() -> None:
    assert curves.parse("capacity@30", START, 120) == curves.Curve(
        "capacity@30", "capacity", 30, 30
    )
    assert curves.parse("resumption@2022-05-12", START, 120).first == 41
    w = curves.parse("resumed@mean(2022-04-01..10)", START, 120)
    assert (w.series, w.first, w.last) == ("resumed", 0, 10)
    assert w.value([0.0] * 5 + [1.0] * 6) == pytest.approx(6 / 11)
    assert w.value([1.0] * 10) is None  # the run ended before the window did


@pytest.mark.parametrize(
    ("name", "start", "message"),
    [
        ("capacty@3", START, "unknown daily series 'capacty'"),
        ("capacity@120", START, "day 120 is outside the horizon"),
        ("capacity@2022-05-12", None, "needs `start_date`"),
        ("capacity@2022-03-31", START, "before `start_date`"),
        ("capacity@mean(9..3)", START, "ends (day 3) before it starts (9)"),
        ("capacity@mean(3)", START, "is not a window"),
        ("capacity@soon", START, "neither a day number"),
    ],
)
def test_a_bad_curve_outcome_says_what_is_wrong(name, start, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        curves.parse(name, start, 120)


def test_bad_curve_outcomes_are_refused_at_their_line_and_nothing_is_written(
    tmp_path, capsys
) -> None:
    f = write_sweep(tmp_path, "[lost_output_days, capacity@45, resumption@2023-01-01, wokforce@3]")
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "outcomes" in err and f"{f}:" in err
    assert "wokforce" in err
    assert not out.exists()
    f = write_sweep(tmp_path, "[capacity@45, resumption@2023-01-01]")
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "outcomes[0]: day 45 is outside the horizon: the base scenario runs days 0..29" in (err)
    assert "outcomes[1]: day 275 (2023-01-01) is outside the horizon" in err
    assert not out.exists()


def test_a_date_needs_the_scenarios_start_date(tmp_path, capsys) -> None:
    text = DEMO.read_text().replace("start_date: 2022-04-01\n", "")
    scenario = tmp_path / "nodate.yaml"
    scenario.write_text(text)
    (tmp_path / "demo_park_food.csv").write_bytes((SCENARIOS / "demo_park_food.csv").read_bytes())
    f = write_sweep(tmp_path, "[capacity@2022-04-03]", scenario=scenario)
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(tmp_path / "o")]) == 2
    assert "outcomes[0]: a date (2022-04-03) needs `start_date`" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_store_daily_names_park_series_only(tmp_path, capsys) -> None:
    f = write_sweep(tmp_path, "[lost_output_days]", "store: {daily: [capacity, staff]}\n")
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(tmp_path / "o")]) == 2
    assert "store.daily: unknown daily series 'staff'" in capsys.readouterr().err


# --------------------------------------------------------------------------- in a sweep


def test_curve_outcomes_flow_through_runs_points_and_the_daily_store(tmp_path) -> None:
    f = write_sweep(
        tmp_path,
        "[capacity@20, resumption@2022-04-11, capacity@mean(0..29)]",
        "store: {daily: [capacity, resumed]}\n",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    rows = pq.read_table(out / "runs.parquet").to_pylist()
    park = load_scenario(DEMO, (), ["days=30", "seed=3", "reopening.service_teams=4"])
    trace = run(park, 1)
    series = {m: v for m, g, v in daily(trace) if g == "park"}
    row = next(r for r in rows if r["teams"] == 4 and r["replication"] == 1)
    assert row["capacity@20"] == series["capacity"][20]
    assert row["resumption@2022-04-11"] == series["resumption"][10]
    assert row["capacity@mean(0..29)"] == pytest.approx(row["resilience"], rel=1e-12)

    with (out / "points.csv").open() as fh:
        points = [p for p in csv.DictReader(fh) if p["metric"] == "capacity@20"]
    assert len(points) == 2
    mine = [r["capacity@20"] for r in rows if r["point_id"] == 1]
    assert float(points[1]["mean"]) == pytest.approx(np.mean(mine))

    kept = pq.read_table(out / "daily")
    assert kept.column_names[:6] == [
        "run_id",
        "point_id",
        "replication",
        "day",
        "capacity",
        "resumed",
    ]
    assert "resumption" not in kept.column_names  # read by an outcome, not asked to be stored
    assert kept.num_rows == 4 * 30
    assert pq.read_table(out / "daily", filters=[("point_id", "=", 1)]).num_rows == 2 * 30
    mine_days = [r for r in kept.to_pylist() if r["run_id"] == row["run_id"]]
    assert [r["day"] for r in mine_days] == list(range(30))
    assert [r["capacity"] for r in mine_days] == series["capacity"].tolist()
    assert [r["resumed"] for r in mine_days] == series["resumed"].tolist()
    assert verify(out) == []
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["store"] == {"daily": ["capacity", "resumed"]}


def test_the_daily_store_survives_a_kill_without_losing_or_doubling_a_run(tmp_path) -> None:
    f = write_sweep(tmp_path, "[capacity@10]", "store: {daily: [capacity]}\n")
    sw = load_sweep(f)
    whole = tmp_path / "whole"
    run_sweep(sw, whole, SerialExecutor(), plots=False)
    out = tmp_path / "out"
    run_sweep(sw, out, SerialExecutor(), plots=False)
    lines = (out / LEDGER).read_text().splitlines(keepends=True)
    (out / LEDGER).write_text("".join(lines[:2]) + lines[2][:70])  # killed mid-line
    assert run_sweep(sw, out, SerialExecutor(), plots=False).ran == 2
    a = pq.read_table(whole / "daily")
    b = pq.read_table(out / "daily")
    assert a.equals(b) and b.num_rows == 4 * 30
    assert verify(out) == []


def test_a_curve_outcome_added_later_reruns_the_runs_that_lack_its_series(tmp_path, capsys) -> None:
    f = write_sweep(tmp_path, "[lost_output_days]")
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    assert not (out / "daily").exists()
    f.write_text(f.read_text().replace("[lost_output_days]", "[lost_output_days, workforce@5]"))
    argv = ["sweep", str(f), "--out", str(out), "--analyse-only", "--quiet"]
    assert main(argv) == 2
    assert "without the daily series workforce" in capsys.readouterr().err
    seen = []

    def counting(task):
        seen.append(task.run_id)
        return sweep_mod.run_task(task)

    res = run_sweep(load_sweep(f), out, SerialExecutor(), task_fn=counting, plots=False)
    assert res.ran == 4 == len(seen)
    rows = pq.read_table(out / "runs.parquet").to_pylist()
    assert len(rows) == 4 and all(r["workforce@5"] is not None for r in rows)
    assert verify(out) == []


def test_a_curve_outcome_gets_sensitivity_indices_like_a_metric(tmp_path) -> None:
    path = tmp_path / "sob.yaml"
    path.write_text(
        f"name: sob\nscenario: {DEMO}\nset: [days=20]\nseed: 3\n"
        "parameters:\n  - {path: reopening.service_teams, name: teams, from: 1, to: 4,"
        " integer: true}\n  - {path: workforce.quarantine_days, name: q, from: 0, to: 14}\n"
        "design: {method: sobol, samples: 4}\nreplications: 1\n"
        "outcomes: [capacity@mean(5..19), lost_output_days]\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    sens = json.loads((out / "sensitivity.json").read_text())
    assert list(sens["outcomes"]) == ["capacity@mean(5..19)", "lost_output_days"]
    assert "ST" in json.dumps(sens["outcomes"]["capacity@mean(5..19)"])
    assert (out / "plots" / "sensitivity.png").is_file()
    assert verify(out) == []
