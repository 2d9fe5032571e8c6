"""Replications on local workers: forked or spawned, the traces of a serial run."""

from __future__ import annotations

import os
import threading

import pytest

from sim.experiment import runner
from sim.scenario.load import load_scenario
from tests._helpers import assert_same_trace
from tests.conftest import ROOT, SCENARIOS


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_give_the_serial_traces(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setattr(runner, "start_method", lambda: method)
    park = load_scenario(SCENARIOS / "demo_park.yaml")
    serial = runner.run_replications(park, 3, days=40)
    done: list[int] = []
    parallel = runner.run_replications(park, 3, days=40, workers=2, progress=done.append)
    assert done == [1, 1, 1]
    assert [t.replication for t in parallel] == [0, 1, 2]
    for a, b in zip(serial, parallel, strict=True):
        assert_same_trace(a, b)


def test_spawn_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.sys, "platform", "darwin")
    assert runner.start_method() == "spawn"


def test_fork_only_while_no_other_thread_runs() -> None:
    # earlier tests (Dask's client) may have left a thread behind
    alone = threading.active_count() == 1
    assert runner.start_method() == ("fork" if alone else "spawn")
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert runner.start_method() == "spawn"
    finally:
        stop.set()
        t.join()
