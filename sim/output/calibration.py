"""The folder of a calibration: resumable while it runs, complete with a manifest when done.

```
results/<calibration>/
  calibration.json   what is calibrated and how (with its SHA-256 identity); when
                     complete also the generations, the posterior summary, the stop reason
  history.db         pyabc's SQLite database: every finished generation (what a re-run
                     resumes from)
  posterior.parquet  every particle of every generation: generation, particle, weight,
  posterior.csv      distance, each parameter, the replications it ran (the last
                     generation is the posterior)
  predictive.csv     the posterior predictive runs: draw, particle, series, day, value
  fit.csv            per observation: observed, simulated median and 90 % band, error
  validation.csv     the same for the held-out observations only (out of sample)
  calibrated.yaml    an overlay setting the posterior medians (`--policy calibrated.yaml`)
  calibrated/        joint calibrations instead: one overlay per case, <case>.yaml
  cases.csv          joint calibrations: the fit case by case
  calibration.md     a short report: posterior, fit, out-of-sample errors
  plots/             posterior.png (marginals), pairs.png, predictive.png
  manifest.json      written last: a folder with it is complete (`parksim verify`)
```

What each file holds is `sim.files.calibration`'s (and `sim.files.calibration_md`'s);
this module decides when it is written. The driver is the only writer (it holds the
folder's lock, `sim.output.folder.claim`). A folder holding another calibration
(another SHA-256 in `calibration.json`) is refused unless `fresh`, which empties it.
Every file is written to a temporary name, fsync'd and renamed; the manifest is
removed first whenever the folder is about to change and written last.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sim
from sim.files import calibration_md
from sim.files import manifest as manifest_file
from sim.files.calibration import (
    CASE_COLUMNS,
    CASES,
    FIT,
    OVERLAY,
    OVERLAYS,
    POSTERIOR_CSV,
    POSTERIOR_PARQUET,
    PREDICTIVE,
    SPEC,
    VALIDATION,
    fit_columns,
    overlay_text,
    predictive_columns,
    predictive_rows,
    read_spec,
    read_table,
)
from sim.files.cells import csv_text, json_text
from sim.files.folders import PLOTS_DIR
from sim.files.manifest import hashes, versions
from sim.output.durable import fsync_dir, fsync_tree
from sim.output.folder import CALIBRATION, MANIFEST, FolderError
from sim.output.sweep_store import _write_parquet, rows_table, write_atomic, write_text_atomic
from sim.output.verify import check_folder

OUTPUTS = (
    POSTERIOR_PARQUET,
    POSTERIOR_CSV,
    PREDICTIVE,
    FIT,
    VALIDATION,
    OVERLAY,
    OVERLAYS,
    CASES,
    calibration_md.FILE,
    PLOTS_DIR,
)
"""Files made when the calibration completes (removed when it runs again)."""
CALIBRATION_DEPENDENCIES = ("pyabc", "pyarrow", "pandas", "sqlalchemy", "distributed")


class CalibrationFolderError(FolderError):
    """The folder cannot take this calibration (another one's results, not ours)."""


def _manifest_tmp(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.{MANIFEST}.tmp")


def calibration_versions() -> dict[str, str]:
    """Versions of Python, parksim, its core dependencies and the calibration extras."""
    return versions(CALIBRATION_DEPENDENCIES)


class CalibrationStore:
    """The one writer of a calibration folder."""

    def __init__(self, folder: Path, complete: bool) -> None:
        self.folder = folder
        self.complete = complete
        """The folder holds this calibration complete (its manifest verifies)."""

    @classmethod
    def open(
        cls, folder: Path, spec: Mapping[str, Any], *, fresh: bool = False
    ) -> CalibrationStore:
        """Open (or start) the folder of a calibration (`spec`: the start of
        `calibration.json`, with `sha256`). The caller holds the folder's lock."""
        folder = Path(folder)
        spec_file = folder / SPEC
        if folder.is_dir() and any(folder.iterdir()) and not fresh:
            if not spec_file.is_file():
                raise CalibrationFolderError(
                    f"{folder}: holds files a calibration writes but no {SPEC}; give another "
                    "--out, or --fresh to start over"
                )
            try:
                old = read_spec(folder).get("sha256")
            except (OSError, ValueError):
                old = None
            if old != spec["sha256"]:
                raise CalibrationFolderError(
                    f"{folder}: holds a different calibration (the scenario, observations, "
                    "hold-outs, parameters, priors, population size, seed, parksim or pyabc "
                    "version differ); run with --fresh to discard it, or --out to write elsewhere"
                )
        folder.mkdir(parents=True, exist_ok=True)
        _manifest_tmp(folder).unlink(missing_ok=True)
        if fresh:
            for p in folder.iterdir():
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        complete = (folder / MANIFEST).is_file() and check_folder(folder) == []
        store = cls(folder, complete)
        if not complete:
            for p in list(folder.rglob(".*.tmp")):
                p.unlink()
            store.unfinish()
        if not spec_file.is_file():
            write_text_atomic(spec_file, json_text(dict(spec)))
        return store

    def unfinish(self) -> None:
        """The folder is about to change: remove the manifest (first), then the outputs."""
        self.complete = False
        (self.folder / MANIFEST).unlink(missing_ok=True)
        fsync_dir(self.folder)
        for name in OUTPUTS:
            p = self.folder / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    def finish(
        self,
        cal: Any,
        result: Mapping[str, Any],
        rows: Sequence[Mapping[str, Any]],
        draws: Sequence[Mapping[str, Any]],
        table: Sequence[Mapping[str, Any]],
        *,
        started: dt.datetime,
        executor: str,
        wall_seconds: float,
        plots: bool = True,
    ) -> None:
        """Write every output of a finished calibration, the manifest last (plots in the
        base scenario's `reporting.lang`)."""
        folder = self.folder
        lang = cal.base.scenario.reporting.lang
        columns = list(dict.fromkeys(k for r in rows for k in r))
        meta = {
            "parksim.calibration": str(result["name"]),
            "parksim.calibration_sha256": str(result["sha256"]),
            "parksim.seed": str(result["seed"]),
            "parksim.spawn_scheme": str(result["spawn_scheme"]),
        }
        _write_parquet(folder / POSTERIOR_PARQUET, rows_table(rows, columns, meta))
        write_text_atomic(folder / POSTERIOR_CSV, csv_text(columns, rows))
        joint = bool(cal.joint)
        cases = {c.id: c for c in cal.cases}
        predictive_text = csv_text(predictive_columns(joint), predictive_rows(cases, draws, joint))
        write_text_atomic(folder / PREDICTIVE, predictive_text)
        write_text_atomic(folder / FIT, csv_text(fit_columns(joint), table))
        held = [r for r in table if r["role"] == "held_out"]
        write_text_atomic(folder / VALIDATION, csv_text(fit_columns(joint), held))
        if joint:
            (folder / OVERLAYS).mkdir(exist_ok=True)
            for c in cal.cases:
                text = overlay_text(c, result, c.id)
                write_text_atomic(folder / OVERLAYS / f"{c.id}.yaml", text)
            write_text_atomic(folder / CASES, csv_text(CASE_COLUMNS, result["case_fit"]))
        else:
            write_text_atomic(folder / OVERLAY, overlay_text(cal, result))
        write_text_atomic(folder / SPEC, json_text(dict(result)))
        write_text_atomic(
            folder / calibration_md.FILE,
            calibration_md.report_markdown(result, table, wall_seconds, executor),
        )
        if plots:
            from sim.output.calibration_plots import draw_calibration_plots

            draw_calibration_plots(folder, lang)
        fsync_tree(folder)
        doc = {
            "kind": CALIBRATION,
            "parksim": sim.__version__,
            "calibration": result["name"],
            "calibration_sha256": result["sha256"],
            "scenario": result["scenario"],
            "seed": result["seed"],
            "generations": len(result["generations"]),
            "particles": len(rows),
            "predictive_draws": len(draws),
            "observations": len(table),
            "model_runs": result["model_runs"],
            "model_runs_this_session": result["model_runs_this_session"],
            "executor": executor,
            "plots": plots,
            "versions": calibration_versions(),
            "command": sys.argv,
            "started": started.isoformat(),
            "ended": dt.datetime.now(dt.UTC).isoformat(),
            "wall_seconds": round(wall_seconds, 3),
        }
        doc["files"] = hashes(folder)
        text = json_text(doc).encode("utf-8")
        write_atomic(folder / MANIFEST, lambda f: f.write(text), tmp=_manifest_tmp(folder))
        self.complete = True


def report_lines(folder: Path) -> list[str]:
    """A few lines for the terminal from a complete calibration folder: the posterior and
    the out-of-sample errors."""
    meta = read_spec(folder)
    man = manifest_file.read(folder)
    lines = [
        f"{meta['name']}: {len(meta['generations'])} generation(s), {meta['model_runs']} particle "
        f"runs ({man['model_runs_this_session']} now) on {man['executor']} in "
        f"{man['wall_seconds']:.1f} s; stopped: {meta['stop']} → {folder}"
    ]
    for e in meta["posterior"]:
        lo, hi = e["ci90"]
        lines.append(
            f"  {e['name']:<24} median {e['median']:.4g}  90 % interval {lo:.4g} to {hi:.4g}"
        )
    for c in meta.get("case_fit", []):
        fit = c["fitted_distance"]
        held = c["held_out_distance"]
        lines.append(
            f"  case {c['case']}: {c['fitted']} fitted"
            + (f" (distance {float(fit):.3g})" if fit is not None else "")
            + f", {c['held_out']} held out"
            + (f" (distance {float(held):.3g})" if held is not None else "")
        )
    for r in read_table(folder, VALIDATION):
        lines.append(
            f"  out of sample: {r['id']}: observed {r['observed']}, simulated median "
            f"{r['simulated_median'] or '-'} [{r['simulated_p05'] or '-'}, "
            f"{r['simulated_p95'] or '-'}], error {r['error'] or '-'}"
        )
    return lines
