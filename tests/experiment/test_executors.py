"""Executors: the same runs.parquet rows from serial, local processes and Dask, whatever
the batch size, also when a worker process dies in the middle of a batch or is recycled."""

from __future__ import annotations

import json
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
LOG = "PARKSIM_TEST_RUN_LOG"
QUIET = ("--no-dashboard", "--scheduler-file")


def rows(folder: Path):
    """runs.parquet without the wall-clock column (the only one allowed to differ)."""
    return pq.read_table(folder / "runs.parquet").drop(["wall_seconds"])


def note_start(task) -> None:
    """Append `run_id pid` to the test's run log as the run starts (whoever records it)."""
    with open(os.environ[LOG], "a") as f:
        f.write(f"{task.run_id} {os.getpid()}\n")


def started(tmp_path: Path) -> list[tuple[str, int]]:
    return [(r, int(p)) for r, p in (line.split() for line in (tmp_path / "log").open())]


def die_once(task):
    """Kill the worker process running p000001-r0001 the first time it is tried."""
    note_start(task)
    marker = Path(os.environ[MARKER])
    if task.run_id == "p000001-r0001" and not marker.exists():
        marker.touch()
        os._exit(1)
    return run_task(task)


def die_always(task):
    """Kill the worker process running p000001-r0001, every time."""
    note_start(task)
    if task.run_id == "p000001-r0001":
        os._exit(1)
    return run_task(task)


def logged(task):
    note_start(task)
    return run_task(task)


def ledger_ids(folder: Path) -> list[str]:
    return [json.loads(line)["run_id"] for line in (folder / "ledger.jsonl").open()]


@pytest.fixture
def grid(tmp_path, monkeypatch):
    """A 4-point × 2-replication grid on the demo park, and its serial runs.parquet."""
    # Worker processes (spawned, or started by Dask's nannies) must import sim and tests.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv(MARKER, str(tmp_path / "died"))
    monkeypatch.setenv(LOG, str(tmp_path / "log"))
    f = write_sweep(tmp_path, GRID)
    run_sweep(load_sweep(f), tmp_path / "serial", SerialExecutor(), plots=False)
    return f, rows(tmp_path / "serial")


def test_local_and_dask_give_the_serial_rows_with_batches_of_1_and_7(grid, tmp_path) -> None:
    """Each run's streams come from its point and replication, not from its batch, its
    worker or its executor: one run a task, 7 runs a task (a batch of 7 and one of 1)
    and automatic batches give the serial rows."""
    from distributed import LocalCluster

    f, serial = grid
    assert serial.num_rows == 8
    args = ["sweep", str(f), "--no-plots", "--quiet"]
    for size in ("1", "7", "auto"):
        out = tmp_path / f"local-{size}"
        local = ["--executor", "local", "--workers", "2", "--batch-size", size]
        assert main([*args, *local, "--out", str(out)]) == 0
        assert rows(out).equals(serial)
    assert (
        "batches of 7 runs"
        in json.loads((tmp_path / "local-7/manifest.json").read_text())["executor"]
    )
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        for size in ("1", "7"):
            out = tmp_path / f"dask-{size}"
            dask = ["--executor", "dask", "--scheduler", address, "--batch-size", size]
            assert main([*args, *dask, "--out", str(out)]) == 0
            assert rows(out).equals(serial)


@pytest.mark.parametrize("batch_size", [1, 7])
def test_a_local_worker_that_dies_is_replaced_and_nothing_is_lost(
    grid, tmp_path, batch_size
) -> None:
    f, serial = grid
    out = tmp_path / "local"
    ex = LocalExecutor(2, batch_size=batch_size)
    res = run_sweep(load_sweep(f), out, ex, task_fn=die_once, plots=False)
    assert (tmp_path / "died").exists()  # the worker did die
    assert (res.ran, res.failed) == (8, 0)
    assert sorted(ledger_ids(out)) == sorted(set(ledger_ids(out))) and len(ledger_ids(out)) == 8
    assert rows(out).equals(serial)


def test_a_dask_worker_that_dies_mid_batch_loses_no_run_and_records_none_twice(
    grid, tmp_path
) -> None:
    """On the LocalCluster parksim starts itself when given no scheduler address: the
    first batch (7 runs) kills its worker at its fourth run; the three runs it had done
    are done again on another worker, and every run is recorded once."""
    f, serial = grid
    out = tmp_path / "dask"
    with DaskExecutor(workers=2, batch_size=7) as ex:
        res = run_sweep(load_sweep(f), out, ex, task_fn=die_once, plots=False)
        assert ex.tasks_submitted == 2  # 7 + 1 runs: the lost batch was resubmitted by Dask
    assert (tmp_path / "died").exists()
    assert (res.ran, res.failed) == (8, 0)
    log = started(tmp_path)
    runs = [r for r, _ in log]
    dead = next(pid for r, pid in log if r == "p000001-r0001")
    assert [r for r, pid in log if pid == dead] == [
        "p000000-r0000",
        "p000000-r0001",
        "p000001-r0000",
        "p000001-r0001",
    ]  # what the worker that died did of its batch
    assert runs.count("p000000-r0000") == 2  # run before the death and again after it
    assert sorted(ledger_ids(out)) == sorted(set(runs)) and len(ledger_ids(out)) == 8
    assert rows(out).equals(serial)


def test_a_run_that_always_kills_its_dask_worker_is_the_only_one_failed(grid, tmp_path) -> None:
    """Its batch comes back KilledWorker; its runs are tried again one by one, so the
    culprit alone is recorded failed and the six runs of its batch that were fine, too."""
    import dask
    from distributed import LocalCluster

    f, serial = grid
    out = tmp_path / "dask"
    # one death is enough for KilledWorker; one task at a time, so no innocent task
    # shares a dying worker
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        DaskExecutor(cluster.scheduler_address, batch_size=7, max_in_flight=1) as ex,
    ):
        res = run_sweep(load_sweep(f), out, ex, task_fn=die_always, plots=False)
        assert ex.tasks_submitted == 2 + 7  # 7 + 1, then the 7 alone
    assert (res.ran, res.failed) == (8, 1)
    assert len(ledger_ids(out)) == 8 and set(ledger_ids(out)) == set(serial["run_id"].to_pylist())
    got = {r["run_id"]: r for r in rows(out).to_pylist()}
    want = {r["run_id"]: r for r in serial.to_pylist()}
    culprit = got.pop("p000001-r0001")
    assert culprit["status"] == "failed" and "KilledWorker" in culprit["error"]
    del want["p000001-r0001"]
    assert got == want


def test_dask_workers_recycled_after_n_runs_lose_and_repeat_nothing(grid, tmp_path) -> None:
    """A worker that has done 2 runs is closed gracefully (its queued tasks go elsewhere)
    and its nanny starts a fresh process in its place."""
    f, serial = grid
    out = tmp_path / "dask"
    with DaskExecutor(workers=2, batch_size=1, recycle_after=2) as ex:
        before = set(ex.client.run(os.getpid).values())
        res = run_sweep(load_sweep(f), out, ex, task_fn=logged, plots=False)
        assert ex.workers_recycled >= 1
        deadline, after = time.monotonic() + 60, before
        while (after == before or len(after) != 2) and time.monotonic() < deadline:
            time.sleep(0.2)  # the old one may still be closing, the new one starting
            after = set(ex.client.run(os.getpid, on_error="ignore").values())
    assert len(after) == 2 and after != before  # a fresh process took over
    assert (res.ran, res.failed) == (8, 0)
    assert sorted(ledger_ids(out)) == sorted(set(ledger_ids(out))) and len(ledger_ids(out)) == 8
    assert rows(out).equals(serial)


def test_a_local_pool_recycled_after_n_runs_gives_the_same_rows(grid, tmp_path) -> None:
    f, serial = grid
    out = tmp_path / "local"
    ex = LocalExecutor(2, batch_size=1, recycle_after=2)
    res = run_sweep(load_sweep(f), out, ex, task_fn=logged, plots=False)
    assert ex.pools_started == 2  # 2 runs × 2 workers, then a fresh pool for the other 4
    assert len({pid for _, pid in started(tmp_path)}) >= 3
    assert (res.ran, res.failed) == (8, 0)
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
