"""`parksim sweep`: sweep files, designs, failures, resuming, sensitivity indices."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment import sweep as sweep_mod
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import OK, record, run_id, run_sweep, tasks
from sim.experiment.sweep_spec import load_sweep
from sim.files.sweep import LEDGER
from sim.output.folder import FolderError
from sim.output.results import verify
from sim.output.sweep_store import SweepFolderError
from sim.scenario.errors import ScenarioError
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"


def write_sweep(folder: Path, body: str, name: str = "tiny") -> Path:
    """A sweep file on the demo park (30 days) with `body` as its parameters and design."""
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\nscenario: {DEMO}\nset: [days=30]\nseed: 3\n{body}")
    return path


GRID = """\
parameters:
  - {path: reopening.service_teams, name: teams, levels: [1, 4]}
  - {path: "logistics.transfer_stations[id=north_gate].bays", name: bays, from: 1, to: 3,
     integer: true}
design: {method: grid, points_per_axis: 2}
replications: 2
outcomes: [lost_output_days, final_capacity]
"""


def runs(folder: Path):
    return pq.read_table(folder / "runs.parquet")


# --------------------------------------------------------------------------- the sweep file


def test_a_path_missing_from_the_scenario_is_rejected_with_the_path_and_its_line(
    tmp_path, capsys
) -> None:
    f = write_sweep(
        tmp_path,
        """\
parameters:
  - {path: reopening.service_teams, levels: [1, 2]}
  - path: "logistics.transfer_stations[id=west_gate].bays"
    levels: [1, 2]
  - path: workforce.quarantine_dayz
    from: 0
    to: 14
design: {method: grid, points_per_axis: 3}
""",
    )
    assert main(["sweep", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "2 problems found" in err
    assert (
        f"{f}:7:5: parameters[1].path: 'logistics.transfer_stations[id=west_gate].bays' does "
        "not exist in the scenario: no item with id 'west_gate'" in err
    )
    assert (
        f"{f}:9:5: parameters[2].path: 'workforce.quarantine_dayz' does not exist in the "
        "scenario: workforce.quarantine_dayz: unknown key 'quarantine_dayz' "
        "(did you mean 'quarantine_days'?)" in err
    )
    assert not (tmp_path / "out").exists()


def test_sweep_file_problems_are_all_reported_with_their_lines(tmp_path) -> None:
    f = write_sweep(
        tmp_path,
        """\
parameters:
  - {path: reopening.service_teams, from: 1, to: 6}
  - {path: reopening.fail_prob, levels: [0.1, 0.1]}
design: {method: sobol, samples: 100}
replicatons: 2
outcomes: [lost_output_day]
""",
    )
    with pytest.raises(ScenarioError) as e:
        load_sweep(f)
    text = e.value.render()
    assert f"{f}:7:5: parameters[1]: levels repeat: 0.1" in text
    assert "sobol needs `samples` a power of 2" in text and "try 64 or 128" in text
    assert f"{f}:9:1: replicatons: unknown key 'replicatons' (did you mean 'replications'?)" in (
        text
    )
    assert "unknown metric 'lost_output_day' (did you mean 'lost_output_days'?)" in text


def test_a_range_on_a_whole_number_key_needs_integer(tmp_path) -> None:
    f = write_sweep(
        tmp_path,
        "parameters:\n  - {path: reopening.service_teams, from: 1, to: 6}\n"
        "design: {method: lhs, samples: 4}\n",
    )
    with pytest.raises(ScenarioError) as e:
        load_sweep(f)
    assert "is refused by the scenario: reopening.service_teams: should be a valid integer" in (
        e.value.render()
    )
    assert "(add `integer: true` to the parameter)" in e.value.render()


def test_designs_have_the_sizes_their_samplers_promise(tmp_path) -> None:
    grid = load_sweep(write_sweep(tmp_path, GRID))
    assert [pt.values for pt in grid.points] == [(1, 1), (1, 3), (4, 1), (4, 3)]
    assert grid.points[1].sets == (
        "reopening.service_teams=1",
        "logistics.transfer_stations[id=north_gate].bays=3",
    )
    ranges = """\
parameters:
  - {path: reopening.service_teams, from: 1, to: 6, integer: true}
  - {path: reopening.fail_prob, from: 0.05, to: 0.3}
  - {path: reopening.priority, levels: [[backbone], [livelihood, backbone]]}
"""
    sizes = {"lhs": (10, 10), "sobol": (8, 8 * (3 + 2)), "morris": (4, 4 * (3 + 1))}
    for method, (n, expected) in sizes.items():
        sw = load_sweep(
            write_sweep(tmp_path, ranges + f"design: {{method: {method}, samples: {n}}}\n")
        )
        assert len(sw.points) == expected
        teams = [pt.values[0] for pt in sw.points]
        share = [pt.values[1] for pt in sw.points]
        assert all(isinstance(t, int) and 1 <= t <= 6 for t in teams)
        assert all(0.05 <= s <= 0.3 for s in share)
        assert {json.dumps(pt.values[2]) for pt in sw.points} <= {
            '["backbone"]',
            '["livelihood", "backbone"]',
        }
        # the same file gives the same design and identity
        again = load_sweep(tmp_path / "tiny.yaml")
        assert again.points == sw.points and again.sha256 == sw.sha256


def test_replication_r_uses_the_scenario_streams_at_every_point(tmp_path) -> None:
    sw = load_sweep(write_sweep(tmp_path, GRID))
    ts = tasks(sw)
    assert len(ts) == 8 and len({t.run_id for t in ts}) == 8
    assert ts[3].run_id == run_id(1, 1) == "p000001-r0001"
    assert {t.seed for t in ts} == {3}
    assert all("seed=3" in t.sets for t in ts)


# --------------------------------------------------------------------------- running


def test_grid_sweep_writes_a_complete_verified_folder(tmp_path, capsys) -> None:
    f = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out)]) == 0
    assert "tiny: 4 points × 2 replication(s) = 8 runs (8 run now, 0 failed)" in (
        capsys.readouterr().out
    )
    t = runs(out)
    assert t.column_names[:10] == [
        "run_id",
        "point_id",
        "replication",
        "seed",
        "days",
        "status",
        "error",
        "wall_seconds",
        "teams",
        "bays",
    ]
    assert "lost_output_days" in t.column_names and "days_to_80" in t.column_names
    rows = t.to_pylist()
    assert [(r["point_id"], r["replication"]) for r in rows] == [
        (p, r) for p in range(4) for r in range(2)
    ]
    assert {r["status"] for r in rows} == {OK} and {r["days"] for r in rows} == {30}
    # replication r of a point equals `parksim run`'s replication r of the same scenario
    from sim.metrics import replication_metrics
    from sim.model.world import run
    from sim.scenario.load import load_scenario

    park = load_scenario(
        DEMO,
        (),
        ["days=30", "seed=3", "reopening.service_teams=4", "logistics.transfer_stations[0].bays=3"],
    )
    m = replication_metrics(run(park, 1), park.scenario.reporting.sustain_days)
    row = next(r for r in rows if r["teams"] == 4 and r["bays"] == 3 and r["replication"] == 1)
    assert row["lost_output_days"] == m["lost_output_days"]
    assert row["final_capacity"] == m["final_capacity"]

    with (out / "points.csv").open() as fh:
        points = list(csv.DictReader(fh))
    lost = [p for p in points if p["metric"] == "lost_output_days"]
    assert len(lost) == 4 and {p["runs"] for p in lost} == {"2"}
    p3 = [r["lost_output_days"] for r in rows if r["point_id"] == 3]
    assert float(lost[3]["mean"]) == pytest.approx(np.mean(p3))
    assert (out / "plots" / "sweep.png").is_file()
    assert not (out / "sensitivity.json").exists()  # a grid: the heatmap tells the story
    assert not (out / "chunks").exists()
    assert verify(out) == []


def test_a_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys) -> None:
    real = sweep_mod.world.run

    def fragile(park, replication, days=None):
        if park.scenario.reopening.service_teams == 4 and replication == 1:
            raise ZeroDivisionError("model blew up")
        return real(park, replication, days)

    monkeypatch.setattr(sweep_mod.world, "run", fragile)
    out = tmp_path / "out"
    f = write_sweep(tmp_path, GRID)
    code = main(["sweep", str(f), "--executor", "serial", "--out", str(out)])
    assert code == 3
    rows = runs(out).to_pylist()
    failed = [r for r in rows if r["status"] != OK]
    assert [(r["point_id"], r["replication"]) for r in failed] == [(2, 1), (3, 1)]
    for r in failed:
        assert r["teams"] == 4 and r["bays"] in (1, 3)
        assert r["error"].startswith("ZeroDivisionError: model blew up (at test_sweep.py:")
        assert r["lost_output_days"] is None
    assert len(rows) == 8 and "2 failed" in capsys.readouterr().out
    with (out / "points.csv").open() as fh:
        p2 = [p for p in csv.DictReader(fh) if p["point_id"] == "2"]
    assert {(p["runs"], p["failed"]) for p in p2} == {("2", "1")}

    # --retry-failed runs only the failed ones again; now they succeed
    monkeypatch.setattr(sweep_mod.world, "run", real)
    sw = load_sweep(tmp_path / "tiny.yaml")
    res = run_sweep(sw, out, SerialExecutor(), retry_failed=True, plots=False)
    assert (res.ran, res.failed) == (2, 0)
    assert {r["status"] for r in runs(out).to_pylist()} == {OK}


def test_a_folder_resumes_from_its_ledger_even_with_a_torn_last_line(tmp_path) -> None:
    sw = load_sweep(write_sweep(tmp_path, GRID))
    whole = tmp_path / "whole"
    run_sweep(sw, whole, SerialExecutor(), plots=False)
    out = tmp_path / "out"
    seen = []

    def counting(task):
        seen.append(task.run_id)
        return sweep_mod.run_task(task)

    run_sweep(sw, out, SerialExecutor(), plots=False)
    lines = (out / LEDGER).read_text().splitlines(keepends=True)
    # as if the driver died after five runs, in the middle of writing the sixth
    (out / LEDGER).write_text("".join(lines[:5]) + lines[5][:40])
    res = run_sweep(sw, out, SerialExecutor(), task_fn=counting, plots=False)
    assert res.ran == 3 and sorted(seen) == sorted(json.loads(x)["run_id"] for x in lines[5:])
    ledger = [json.loads(x) for x in (out / LEDGER).read_text().splitlines()]
    assert len(ledger) == 8 == len({r["run_id"] for r in ledger})
    a, b = runs(whole).drop(["wall_seconds"]), runs(out).drop(["wall_seconds"])
    assert a.equals(b)
    # complete: running again runs nothing and rewrites the same table
    assert run_sweep(sw, out, SerialExecutor(), task_fn=counting, plots=False).ran == 0
    assert runs(out).drop(["wall_seconds"]).equals(a)


def test_more_replications_run_only_the_new_ones(tmp_path) -> None:
    f = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    f.write_text(f.read_text().replace("replications: 2", "replications: 3"))
    res = run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    assert res.ran == 4 and runs(out).num_rows == 12


def test_a_folder_of_another_sweep_is_refused_unless_fresh(tmp_path, capsys) -> None:
    f = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    f.write_text(f.read_text().replace("levels: [1, 4]", "levels: [1, 5]"))
    with pytest.raises(SweepFolderError, match="holds the results of a different sweep"):
        run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--quiet"]) == 2
    assert "--fresh" in capsys.readouterr().err
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--fresh"]) == 0
    assert set(runs(out).column("teams").to_pylist()) == {1, 5}
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(FolderError, match="a parksim sweep does not write"):
        run_sweep(load_sweep(f), tmp_path / "other", SerialExecutor(), fresh=True)
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


# --------------------------------------------------------------------------- sensitivity


def toy(task):
    """y = a + 2 b², c does nothing: S1 = (1/12, 16/45) / (1/12 + 16/45), ST_c = 0."""
    p = dict(task.params)
    y = p["a"] + 2 * p["b"] ** 2
    return record(task, OK, days=30, metrics={"lost_output_days": y, "final_capacity": 1.0})


TOY = """\
parameters:
  - {path: reopening.fail_prob, name: a, from: 0, to: 1}
  - {path: workforce.min_crew_share, name: b, from: 0, to: 1}
  - {path: outbreaks.closed_loop_factor, name: c, from: 0, to: 1}
design: {method: sobol, samples: 64}
replications: 1
outcomes: [lost_output_days]
"""


def test_sobol_gives_a_parameter_that_does_nothing_a_total_index_of_zero(tmp_path) -> None:
    sw = load_sweep(write_sweep(tmp_path, TOY))
    assert len(sw.points) == 64 * 5
    run_sweep(sw, tmp_path / "out", SerialExecutor(), task_fn=toy)
    sens = json.loads((tmp_path / "out" / "sensitivity.json").read_text())
    ix = sens["outcomes"]["lost_output_days"]["indices"]
    assert ix["c"]["ST"] == pytest.approx(0.0, abs=1e-9)
    assert abs(ix["c"]["S1"]) < 0.1
    var_a, var_b = 1 / 12, 4 * (1 / 5 - 1 / 9)
    assert ix["a"]["ST"] == pytest.approx(var_a / (var_a + var_b), abs=0.1)
    assert ix["b"]["ST"] == pytest.approx(var_b / (var_a + var_b), abs=0.1)
    assert sens["outcomes"]["lost_output_days"]["noise_share"] is None  # one replication
    assert (tmp_path / "out" / "plots" / "sensitivity.png").is_file()


def test_sobol_on_the_model_a_lever_without_effect_gets_zero(tmp_path) -> None:
    """`reporting.sustain_days` only changes how days_to_X is read, never the output, so
    its total index on lost output is exactly 0 (common random numbers)."""
    f = write_sweep(
        tmp_path,
        """\
parameters:
  - {path: reopening.service_teams, name: teams, from: 1, to: 6, integer: true}
  - {path: reporting.sustain_days, name: sustain, from: 1, to: 10, integer: true}
design: {method: sobol, samples: 8}
replications: 2
outcomes: [lost_output_days]
""",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    entry = json.loads((out / "sensitivity.json").read_text())["outcomes"]["lost_output_days"]
    assert entry["indices"]["sustain"]["ST"] == 0.0
    # teams explain every bit of the variance (true S1 = ST = 1), but 8 base samples
    # estimate it poorly, and the sweep says so
    assert entry["indices"]["teams"]["ST"] > 0.3
    assert [w["code"] for w in entry["warnings"]] == ["few_samples"]
    assert 0 <= entry["noise_share"] < 1


def test_morris_and_lhs_write_their_indices(tmp_path) -> None:
    for method, n, key in (("morris", 20, "mu_star"), ("lhs", 200, "S1")):
        body = TOY.replace("method: sobol, samples: 64", f"method: {method}, samples: {n}")
        out = tmp_path / method
        run_sweep(load_sweep(write_sweep(tmp_path, body)), out, SerialExecutor(), task_fn=toy)
        sens = json.loads((out / "sensitivity.json").read_text())
        ix = sens["outcomes"]["lost_output_days"]["indices"]
        assert sens["method"] == method
        assert ix["b"][key] > ix["c"][key] and ix["a"][key] > ix["c"][key]
        if method == "morris":
            assert ix["c"]["mu_star"] == 0.0
        assert all(math.isfinite(ix[p][key]) for p in "abc")
        assert (out / "plots" / "sensitivity.png").is_file()


def test_a_bad_set_line_of_the_sweep_is_shown_at_its_line(tmp_path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(
        f"name: s\nscenario: {DEMO}\nset:\n  - days=30\n  - reopening.service_teamz=3\n"
        "parameters:\n  - {path: reopening.service_teams, levels: [1, 2]}\ndesign: grid\n"
    )
    with pytest.raises(ScenarioError) as e:
        load_sweep(f)
    assert e.value.render() == (
        f"{f}:5:5: set[1]: 'reopening.service_teamz=3': reopening.service_teamz: "
        "unknown key 'service_teamz' (did you mean 'service_teams'?)"
    )
