"""Killing the driver of a sweep midway loses nothing: the same command finishes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq

from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.output.results import verify
from tests.conftest import ROOT, run_cli
from tests.experiment.test_sweep import write_sweep

SWEEP = """\
parameters:
  - {path: reopening.service_teams, name: teams, levels: [1, 2, 3, 4, 5, 6]}
  - {path: logistics.passes_per_day, name: passes, levels: [1, 3]}
design: grid
replications: 3
outcomes: [lost_output_days]
"""


def test_killing_the_driver_midway_then_rerunning_completes_every_run_once(tmp_path) -> None:
    f = write_sweep(tmp_path, SWEEP)
    f.write_text(f.read_text().replace("days=30", "days=40"))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(f), "--out", str(out)]
    cmd += ["--executor", "local", "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    ledger = out / "ledger.jsonl"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if ledger.is_file() and ledger.read_bytes().count(b"\n") >= 8:
                break
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # the driver only: its workers notice and exit
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything left of the process group
        except ProcessLookupError:
            pass
    done_before = ledger.read_bytes().count(b"\n")
    assert 8 <= done_before < 36
    assert not (out / "manifest.json").exists()  # not complete

    r = run_cli("sweep", str(f), "--out", str(out), "--executor", "local", "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert f"({36 - done_before} run now, 0 failed)" in r.stdout
    # the manifest lists both sessions: the killed one could not log its end
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [(x["session"], x["status"], x["ended"] is None, x["runs"]) for x in sessions] == [
        (1, "killed", True, done_before),
        (2, "complete", False, 36 - done_before),
    ]

    ids = [json.loads(line)["run_id"] for line in ledger.read_text().splitlines()]
    assert len(ids) == 36 == len(set(ids))  # no run twice in the ledger either
    table = pq.read_table(out / "runs.parquet")
    pairs = list(
        zip(
            table.column("point_id").to_pylist(),
            table.column("replication").to_pylist(),
            strict=True,
        )
    )
    assert pairs == [(p, r) for p in range(12) for r in range(3)]

    whole = tmp_path / "whole"
    run_sweep(load_sweep(f), whole, SerialExecutor(), plots=False)
    expected = pq.read_table(whole / "runs.parquet").drop(["wall_seconds"])
    assert table.drop(["wall_seconds"]).equals(expected)
    assert verify(out) == []


ONE_AXIS = """\
parameters:
  - {path: reopening.service_teams, name: teams, levels: [1, 4]}
design: grid
replications: 1
outcomes: [lost_output_days]
"""


def _files(folder) -> dict:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }


def test_rerunning_a_complete_sweep_keeps_its_files_and_only_renews_the_manifest(
    tmp_path,
) -> None:
    f = write_sweep(tmp_path, ONE_AXIS)
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    before = _files(out)
    first = json.loads((out / "manifest.json").read_text())
    assert first["runs_this_session"] == 2

    r = run_cli("sweep", str(f), "--out", str(out), "--executor", "serial", "--no-plots")
    assert r.returncode == 0, r.stderr
    assert "(0 run now, 0 failed)" in r.stdout
    assert _files(out) == before
    again = json.loads((out / "manifest.json").read_text())
    assert again["runs_this_session"] == 0
    assert [(x["session"], x["runs"], x["status"]) for x in again["sessions"]] == [
        (1, 2, "complete"),
        (2, 0, "complete"),
    ]
    assert verify(out) == []

    # asked for plots it lacks, the folder changes: drawn, listed, complete again
    result = run_sweep(load_sweep(f), out, SerialExecutor(), plots=True)
    assert result.ran == 0
    assert any(name.startswith("plots/") for name in _files(out))
    assert verify(out) == []
    # drawn once, they are not drawn again (nor are they, for a sweep no chart fits)
    drawn = _files(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.name != "manifest.json"}
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=True)
    assert _files(out) == drawn
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.name != "manifest.json"} == mtimes
    # every session is listed: the two that changed nothing by the manifest alone, and
    # in the log once a later session changed the folder
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [(x["session"], x["runs"]) for x in sessions] == [(1, 2), (2, 0), (3, 0), (4, 0)]
    from sim.files.sweep import read_sessions

    assert [x["session"] for x in read_sessions(out)] == [1, 2, 3]
    assert json.loads((out / "manifest.json").read_text())["plots"] is True
    assert verify(out) == []


def test_a_complete_sweep_whose_files_were_changed_is_rewritten(tmp_path) -> None:
    f = write_sweep(tmp_path, ONE_AXIS)
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    points = (out / "points.csv").read_bytes()
    (out / "points.csv").write_text("edited by hand\n")
    assert verify(out) != []
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    assert (out / "points.csv").read_bytes() == points
    assert verify(out) == []
