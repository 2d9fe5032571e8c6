"""Executors: the same runs.parquet rows from serial, local processes and Dask, also when
a worker process dies mid-sweep."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment.executors import DaskExecutor, LocalExecutor, SerialExecutor
from sim.experiment.sweep import run_sweep, run_task
from sim.experiment.sweep_spec import load_sweep
from tests.conftest import ROOT
from tests.experiment.test_sweep import GRID, write_sweep

MARKER = "PARKSIM_TEST_DIE_ONCE"
QUIET = ("--no-dashboard", "--scheduler-file")


def rows(folder: Path):
    """runs.parquet without the wall-clock column (the only one allowed to differ)."""
    return pq.read_table(folder / "runs.parquet").drop(["wall_seconds"])


def die_once(task):
    """Kill the worker process running p000001-r0001 the first time it is tried."""
    marker = Path(os.environ[MARKER])
    if task.run_id == "p000001-r0001" and not marker.exists():
        marker.touch()
        os._exit(1)
    return run_task(task)


@pytest.fixture
def grid(tmp_path, monkeypatch):
    """A 4-point × 2-replication grid on the demo park, and its serial runs.parquet."""
    # Worker processes (spawned, or started by Dask's nannies) must import sim and tests.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv(MARKER, str(tmp_path / "died"))
    f = write_sweep(tmp_path, GRID)
    run_sweep(load_sweep(f), tmp_path / "serial", SerialExecutor(), plots=False)
    return f, rows(tmp_path / "serial")


def test_local_and_dask_give_the_serial_rows(grid, tmp_path) -> None:
    from distributed import LocalCluster

    f, serial = grid
    assert serial.num_rows == 8
    out = tmp_path / "local"
    args = ["sweep", str(f), "--no-plots", "--quiet"]
    assert main([*args, "--executor", "local", "--workers", "2", "--out", str(out)]) == 0
    assert rows(out).equals(serial)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        out = tmp_path / "dask"
        address = cluster.scheduler_address
        assert main([*args, "--executor", "dask", "--scheduler", address, "--out", str(out)]) == 0
        assert rows(out).equals(serial)


def test_a_local_worker_that_dies_is_replaced_and_nothing_is_lost(grid, tmp_path) -> None:
    f, serial = grid
    out = tmp_path / "local"
    res = run_sweep(load_sweep(f), out, LocalExecutor(2), task_fn=die_once, plots=False)
    assert (tmp_path / "died").exists()  # the worker did die
    assert (res.ran, res.failed) == (8, 0)
    ledger = (out / "ledger.jsonl").read_text().splitlines()
    assert len(ledger) == 8
    assert rows(out).equals(serial)


def test_a_dask_worker_that_dies_is_rescheduled_and_nothing_is_lost(grid, tmp_path) -> None:
    """On the LocalCluster parksim starts itself when given no scheduler address."""
    f, serial = grid
    out = tmp_path / "dask"
    with DaskExecutor(workers=2) as ex:
        res = run_sweep(load_sweep(f), out, ex, task_fn=die_once, plots=False)
    assert (tmp_path / "died").exists()
    assert (res.ran, res.failed) == (8, 0)
    assert len((out / "ledger.jsonl").read_text().splitlines()) == 8
    assert rows(out).equals(serial)


def test_a_scheduler_needs_the_dask_executor(tmp_path, capsys) -> None:
    f = write_sweep(tmp_path, GRID)
    assert main(["sweep", str(f), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler and --scheduler-file need --executor dask" in capsys.readouterr().err


def test_a_cluster_started_with_dask_commands_through_a_scheduler_file(grid, tmp_path) -> None:
    """What the README tells a cluster user to do: `dask scheduler` and `dask worker`
    (here on loopback), parksim installed beside both, `--scheduler-file` to join."""
    f, serial = grid
    sched_file = tmp_path / "scheduler.json"
    dask_cli = [str(Path(sys.executable).with_name("dask"))]
    if not Path(dask_cli[0]).is_file():
        pytest.skip("the `dask` command is not installed beside this Python")
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    procs = [
        subprocess.Popen(
            [*dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0", *QUIET, str(sched_file)],
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        worker = [*dask_cli, "worker", "--nworkers", "1", "--nthreads", "1", *QUIET]
        procs.append(
            subprocess.Popen([*worker, str(sched_file)], stdout=logs[1], stderr=subprocess.STDOUT)
        )
        out = tmp_path / "cluster"
        args = ["sweep", str(f), "--executor", "dask", "--scheduler-file", str(sched_file)]
        assert main([*args, "--out", str(out), "--quiet", "--no-plots"]) == 0
        assert rows(out).equals(serial)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()
