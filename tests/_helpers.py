"""Helpers several test modules share: a small demo run written as a results folder,
and the check that two traces are identical."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np

from sim.experiment.runner import run_replications
from sim.output.results import write_run
from sim.record import Trace
from sim.scenario.expand import Park
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"

SmallRun = tuple[Park, list[Trace]]


def small_demo_run() -> SmallRun:
    """One 10-day replication of the demo park."""
    park = load_scenario(DEMO, sets=["days=10"])
    return park, run_replications(park, 1)


def write_small_run(out: Path, small_run: SmallRun, plots: bool = False) -> None:
    """Write `small_demo_run()` as the results folder `out`."""
    park, traces = small_run
    write_run(
        out,
        park,
        traces,
        scenario_file=DEMO,
        started=dt.datetime.now(dt.UTC),
        executor="serial",
        plots=plots,
    )


def assert_same_trace(a: Trace, b: Trace) -> None:
    """Every field of two traces equal, arrays element for element (NaN equal to NaN)."""
    for f in dataclasses.fields(Trace):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "series":
            assert list(x) == list(y), "declared series"
            for name in x:
                np.testing.assert_array_equal(x[name].values, y[name].values, err_msg=name)
                assert x[name] == y[name], name
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name
