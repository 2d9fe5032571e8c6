"""parksim's Python API: `from parksim import load_scenario, run, compare, sweep`.

The distribution is `parksim`; its code is the package `sim`. This package only
re-exports `sim.api` under the distribution's name (see docs/api.md).
"""

from sim import __version__
from sim.api import (
    CompareResult,
    FolderError,
    Options,
    Park,
    RunResult,
    ScenarioError,
    SweepResult,
    compare,
    compare_options,
    load_options,
    load_scenario,
    read_csv,
    run,
    sweep,
)

__all__ = [
    "CompareResult",
    "FolderError",
    "Options",
    "Park",
    "RunResult",
    "ScenarioError",
    "SweepResult",
    "__version__",
    "compare",
    "compare_options",
    "load_options",
    "load_scenario",
    "read_csv",
    "run",
    "sweep",
]
