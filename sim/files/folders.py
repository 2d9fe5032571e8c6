"""Which files each kind of results folder holds, gathered from the files' owners.

`parksim verify` and the ownership checks (`sim.output.folder`) read these lists: a
folder holding a file its kind does not list is not parksim's, and a complete folder
holds every file its kind requires.
"""

from __future__ import annotations

from pathlib import Path

from sim.files import (
    bottlenecks,
    calibration,
    calibration_md,
    causes,
    comparison,
    comparison_explain,
    comparison_md,
    inputs,
    key_firms,
    logistics,
    manifest,
    parks,
    report,
    resolved,
    robustness,
    states,
    summary,
    sweep,
    timeseries,
)
from sim.files.manifest import CALIBRATION, COMPARISON, RUN, SWEEP

PLOTS_DIR = "plots"
PLOTS = f"{PLOTS_DIR}/*.png"
"""The charts of a folder (each named by the chart that draws it, `sim.output`)."""

TEMPORARY = (".*.tmp", "*/.*.tmp")
"""Files being written in place (`temporary`), in a folder written and resumed in place."""


def temporary(path: Path) -> Path:
    """Where a file of a folder written in place is written before it takes its name."""
    return path.with_name(f".{path.name}.tmp")


RUN_DAILY = (timeseries.FILE, causes.FILE, states.FILE)
"""A run's daily tables (`day` and `replication` columns)."""

KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    RUN: (
        summary.FILE,
        *RUN_DAILY,
        logistics.FILE,
        bottlenecks.FILE,
        key_firms.FILE,
        resolved.FILE,
    ),
    COMPARISON: (
        comparison.JSON,
        comparison.CSV,
        comparison_md.FILE,
        comparison.TIMESERIES,
        comparison.CAUSES,
    ),
    SWEEP: (sweep.SPEC, sweep.LEDGER, sweep.RUNS, sweep.POINTS),
    CALIBRATION: (
        calibration.SPEC,
        calibration.DB,
        calibration.POSTERIOR_PARQUET,
        calibration.POSTERIOR_CSV,
        calibration.PREDICTIVE,
        calibration.FIT,
        calibration.VALIDATION,
        calibration_md.FILE,
    ),
}
"""Files a complete folder of each kind must hold (besides its manifest); a calibration
also holds `calibrated.yaml`, or, a joint one, `cases.csv` and `calibrated/<case>.yaml`
for each case (`sim.output.verify` checks which)."""

KIND_FILES: dict[str, tuple[str, ...]] = {
    RUN: (*KIND_REQUIRED[RUN], *inputs.FILES, *parks.FILES, PLOTS, report.FILE, manifest.FILE),
    COMPARISON: (
        *KIND_REQUIRED[COMPARISON],
        *comparison_explain.FILES,
        robustness.CSV,
        resolved.OPTIONS,
        *inputs.FILES,
        PLOTS,
        report.FILE,
        manifest.FILE,
    ),
    SWEEP: (
        sweep.SPEC,
        *sweep.INPUT_FILES,
        sweep.SESSIONS,
        sweep.LEDGER,
        sweep.CHUNK_FILES,
        sweep.RUNS,
        sweep.POINTS,
        sweep.SENSITIVITY,
        sweep.DAILY_FILES,
        PLOTS,
        report.FILE,
        *TEMPORARY,
        manifest.FILE,
    ),
    CALIBRATION: (
        calibration.SPEC,
        calibration.DB,
        calibration.DB_JOURNAL,
        *KIND_REQUIRED[CALIBRATION][2:],
        calibration.OVERLAY,
        f"{calibration.OVERLAYS}/*.yaml",
        calibration.CASES,
        PLOTS,
        *TEMPORARY,
        manifest.FILE,
    ),
}
"""Names (glob patterns, relative to the folder) of the files each kind of folder holds.
Runs, comparisons and sweeps hold copies of their input files (`sim.files.inputs`); a
folder written before they did holds none, and is sound without them."""
