"""SIGKILL at any moment leaves complete, verifiable folders, and a re-run finishes the job.

`parksim run` is killed at random moments, and during the writing of its
folder; `parksim sweep` is killed again and again until it completes. After
every kill, a results folder under its final name is complete and verifies
(the older one or the new one), and a sweep folder is either complete and
verifies or has no manifest and resumes; a complete sweep run again stays
complete and verifies at every kill. The window between the two renames
that replace an older results folder is checked on its own (a random kill
seldom lands in it).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import sim.output.results as results
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.output.results import recover, verify
from tests._helpers import small_demo_run
from tests._helpers import write_small_run as write
from tests.conftest import ROOT, SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"
SEED = 20240601
"""Seed of the kill moments (fixed: a failure must be reproducible)."""


def start(*args: str) -> subprocess.Popen[bytes]:
    """`python -m sim.cli ARGS` in its own process group."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and anything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def finish(proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    try:
        _, err = proc.communicate(timeout=timeout)
    finally:
        kill(proc)
    assert proc.returncode == 0, err.decode()


def replications_in(folder: Path) -> int:
    return json.loads((folder / "summary.json").read_text())["replications"]


# ------------------------------------------------------------------------ parksim run


def run_args(out: Path, reps: int, *extra: str) -> list[str]:
    return ["run", str(DEMO), "--out", str(out), "--replications", str(reps), "--quiet", *extra]


def test_killing_a_run_at_any_moment_leaves_the_old_or_the_new_folder_complete(tmp_path):
    rng = random.Random(SEED)
    out = tmp_path / "demo"
    partial = out.with_name("demo.partial")
    finish(start(*run_args(out, 2, "--days", "30", "--no-plots")))  # the older folder
    assert verify(out) == [] and replications_in(out) == 2

    t0 = time.monotonic()
    finish(start(*run_args(tmp_path / "timing", 30)))
    full = time.monotonic() - t0
    # two kills at random moments, two while the folder is being written
    moments = [("any", rng.uniform(0.1, 1.0) * full) for _ in range(2)]
    moments += [("writing", rng.uniform(0.0, 0.4)) for _ in range(2)]
    outcomes = []
    for when, delay in moments:
        shutil.rmtree(partial, ignore_errors=True)  # the run would; then it marks writing
        proc = start(*run_args(out, 30))
        try:
            if when == "writing":
                deadline = time.monotonic() + 120
                while not partial.exists() and proc.poll() is None:
                    assert time.monotonic() < deadline
                    time.sleep(0.005)
            time.sleep(delay)
        finally:
            kill(proc)
        assert out.is_dir(), (when, delay, sorted(p.name for p in tmp_path.iterdir()))
        assert verify(out) == [], (when, delay)
        assert replications_in(out) in (2, 30)
        assert not out.with_name(".demo.parksim-old").exists()
        outcomes.append(replications_in(out))

    finish(start(*run_args(out, 30)))  # the re-run cleans up and completes
    assert verify(out) == [] and replications_in(out) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "timing"]
    reference = (tmp_path / "timing" / "timeseries.csv").read_bytes()
    assert (out / "timeseries.csv").read_bytes() == reference


@pytest.fixture(scope="module")
def small_run():
    return small_demo_run()


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no cleanup handler catches it."""


def test_a_kill_between_the_two_renames_keeps_the_older_folder(tmp_path, monkeypatch, small_run):
    # Where folders cannot be swapped in one step, the older folder is renamed
    # to .NAME.parksim-old, then the new one to NAME: a kill between them leaves no NAME.
    out = tmp_path / "res"
    write(out, small_run)
    first = (out / "manifest.json").read_bytes()
    monkeypatch.setattr(results, "_exchange", lambda a, b: False)
    real_replace = os.replace
    calls = []

    def replace_then_die(src, dst):
        calls.append((src, dst))
        real_replace(src, dst)
        if len(calls) == 1:
            raise Killed

    monkeypatch.setattr(results.os, "replace", replace_then_die)
    monkeypatch.setattr(results.shutil, "rmtree", lambda *a, **k: None)  # a kill cleans nothing
    with pytest.raises(Killed):
        write(out, small_run)
    monkeypatch.undo()
    assert not out.exists() and verify(out.with_name(".res.parksim-old")) == []

    recover(out)  # what `parksim run` and the next replacement do first
    assert verify(out) == [] and (out / "manifest.json").read_bytes() == first
    assert not out.with_name(".res.parksim-old").exists()
    write(out, small_run)
    assert verify(out) == [] and (out / "manifest.json").read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_a_kill_after_the_swap_leaves_the_new_folder_and_no_debris_after_the_next_run(
    tmp_path, monkeypatch, small_run
):
    out = tmp_path / "res"
    write(out, small_run)

    def die(*a, **k):
        raise Killed

    monkeypatch.setattr(results.shutil, "rmtree", die)
    with pytest.raises(Killed):
        write(out, small_run)
    monkeypatch.undo()
    assert verify(out) == []
    leftover = out.with_name("res.partial")
    if leftover.exists():  # swapped in one step: the older folder waits there
        assert verify(leftover) == []
    write(out, small_run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


# ---------------------------------------------------------------------- parksim sweep

SWEEP = """\
name: killed
scenario: {scenario}
set: [days=20]
seed: 3
parameters:
  - {{path: reopening.service_teams, name: teams, levels: [1, 4]}}
  - {{path: logistics.passes_per_day, name: passes, levels: [1, 3]}}
design: grid
replications: 3
outcomes: [lost_output_days]
"""
SWEEP_RUNS = 12


def ledger_ids(folder: Path) -> list[str]:
    """run_ids in the ledger, a last line cut short by the kill left out."""
    path = folder / "ledger.jsonl"
    if not path.is_file():
        return []
    data = path.read_bytes()
    whole = data[: data.rfind(b"\n") + 1].decode()
    return [json.loads(line)["run_id"] for line in whole.splitlines()]


def test_killing_a_sweep_again_and_again_then_rerunning_runs_each_run_once(tmp_path):
    rng = random.Random(SEED)
    spec = tmp_path / "killed.yaml"
    spec.write_text(SWEEP.format(scenario=DEMO))
    out = tmp_path / "sweep"

    def args(folder: Path) -> list[str]:
        return ["sweep", str(spec), "--out", str(folder), "--executor", "serial", "--quiet"]

    t0 = time.monotonic()
    finish(start(*args(tmp_path / "timing")))
    full = time.monotonic() - t0
    for _ in range(4):
        proc = start(*args(out))
        try:
            time.sleep(rng.uniform(0.2, 1.0) * full)
        finally:
            kill(proc)
        ids = ledger_ids(out)
        assert len(ids) == len(set(ids)) <= SWEEP_RUNS  # nothing recorded twice
        if (out / "manifest.json").exists():  # killed after it completed
            assert verify(out) == []
    finish(start(*args(out)))

    assert verify(out) == []
    ids = ledger_ids(out)
    assert len(ids) == SWEEP_RUNS == len(set(ids))
    table = pq.read_table(out / "runs.parquet")
    points, reps = table.column("point_id").to_pylist(), table.column("replication").to_pylist()
    pairs = list(zip(points, reps, strict=True))
    assert pairs == [(p, r) for p in range(4) for r in range(3)]
    whole = tmp_path / "whole"
    run_sweep(load_sweep(spec), whole, SerialExecutor(), plots=False)
    expected = pq.read_table(whole / "runs.parquet").drop(["wall_seconds"])
    assert table.drop(["wall_seconds"]).equals(expected)


RERUN_SWEEP = """\
name: rerun
scenario: {scenario}
set: [days=10]
seed: 3
parameters:
  - {{path: reopening.service_teams, name: teams, levels: [1, 4]}}
design: grid
replications: 1
outcomes: [lost_output_days]
"""


def _complete_sweep(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "rerun.yaml"
    spec.write_text(RERUN_SWEEP.format(scenario=DEMO))
    out = tmp_path / "sweep"
    run_sweep(load_sweep(spec), out, SerialExecutor(), plots=False)
    assert verify(out) == []
    return spec, out


def holds_open(proc: subprocess.Popen[bytes], path: Path) -> bool:
    """Whether the process has `path` open (Linux: read from /proc/PID/fd)."""
    fds = Path(f"/proc/{proc.pid}/fd")
    try:
        return any(os.readlink(fd) == str(path) for fd in fds.iterdir())
    except OSError:  # the process is gone, or a descriptor closed while we read
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/fd")
def test_killing_the_rerun_of_a_complete_sweep_keeps_it_complete(tmp_path):
    # Running a complete sweep again (the same command, nothing left to run) used to
    # remove its manifest first: a kill then left a sweep "in progress". Now it stays
    # complete at every moment: the manifest verifies after every kill. Each kill
    # comes at a random moment once the re-run has opened the folder's ledger (before
    # that it only imports and loads).
    rng = random.Random(SEED)
    spec, out = _complete_sweep(tmp_path)
    ledger = out / "ledger.jsonl"
    records = ledger.read_bytes()
    args = ["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]
    args.append("--no-plots")
    for _ in range(3):
        proc = start(*args)
        try:
            deadline = time.monotonic() + 60
            while not holds_open(proc, ledger.resolve()) and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.5))
        finally:
            kill(proc)
        assert verify(out) == []
        assert ledger.read_bytes() == records
    finish(start(*args))
    assert verify(out) == []
    assert json.loads((out / "manifest.json").read_text())["runs_this_session"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rerun.yaml", "sweep"]


KILL_POINTS = ("fsync", "replace", "rename", "unlink", "remove", "rmdir")
"""What a re-run does to the disk: a kill just before any one of them is a kill point."""


class KillAt:
    """Patches the disk writes of `os` and `shutil.rmtree`: the k-th one raises Killed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, k: int) -> None:
        self.k, self.calls = k, 0
        for name in KILL_POINTS:
            monkeypatch.setattr(os, name, self._point(getattr(os, name)))
        monkeypatch.setattr(shutil, "rmtree", self._point(shutil.rmtree))

    def _point(self, real):
        def wrapped(*a, **kw):
            self.calls += 1
            if self.calls == self.k:
                raise Killed
            return real(*a, **kw)

        return wrapped


def test_a_rerun_of_a_complete_sweep_killed_before_each_write_keeps_it_complete(
    tmp_path, monkeypatch
):
    # In process, the k-th write to the disk (fsync, rename, removal) of the re-run
    # raises instead, for k = 1, 2, ... until the re-run gets through: every kill
    # point is hit once, where a random SIGKILL seldom lands.
    spec, out = _complete_sweep(tmp_path)
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    sweep = load_sweep(spec)
    for k in range(1, 100):
        KillAt(monkeypatch, k)
        try:
            run_sweep(sweep, out, SerialExecutor(), plots=False)
            killed = False
        except Killed:
            killed = True
        monkeypatch.undo()
        assert verify(out) == [], k
        now = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        assert {p: b for p, b in now.items() if p.name != "manifest.json"} == files, k
        if not killed:
            break
    else:
        pytest.fail("the re-run never got through")
    assert k > 2  # it did write: the manifest, flushed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rerun.yaml", "sweep"]
