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
  calibration.md     a short report: posterior, fit, out-of-sample errors
  plots/             posterior.png (marginals), pairs.png, predictive.png
  manifest.json      written last: a folder with it is complete (`parksim verify`)
```

The driver is the only writer (it holds the folder's lock, `sim.output.folder.claim`).
A folder holding another calibration (another SHA-256 in `calibration.json`) is
refused unless `fresh`, which empties it. Every file is written to a temporary name,
fsync'd and renamed; the manifest is removed first whenever the folder is about to
change and written last.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

import sim
from sim.metrics import SHARE_METRICS
from sim.output.durable import fsync_dir, fsync_tree
from sim.output.folder import CALIBRATION, MANIFEST, FolderError
from sim.output.results import sha256_file, verify, versions
from sim.output.sweep_store import (
    _cell,
    _write_parquet,
    dumps,
    rows_table,
    write_atomic,
    write_text_atomic,
)

SPEC = "calibration.json"
DB = "history.db"
POSTERIOR_PARQUET = "posterior.parquet"
POSTERIOR_CSV = "posterior.csv"
PREDICTIVE = "predictive.csv"
FIT = "fit.csv"
VALIDATION = "validation.csv"
OVERLAY = "calibrated.yaml"
REPORT = "calibration.md"
PLOTS = "plots"
OUTPUTS = (
    POSTERIOR_PARQUET,
    POSTERIOR_CSV,
    PREDICTIVE,
    FIT,
    VALIDATION,
    OVERLAY,
    REPORT,
    PLOTS,
)
"""Files made when the calibration completes (removed when it runs again)."""
FIT_COLUMNS = (
    "id",
    "role",
    "date",
    "day",
    "metric",
    "group",
    "observed",
    "uncertainty",
    "simulated_median",
    "simulated_p05",
    "simulated_p95",
    "error",
    "abs_error",
    "error_in_uncertainties",
    "in_band_90",
    "draws",
    "label",
    "source",
)
PREDICTIVE_COLUMNS = ("draw", "particle", "replications", "metric", "group", "day", "date", "value")
CALIBRATION_DEPENDENCIES = ("pyabc", "pyarrow", "pandas", "sqlalchemy", "distributed")


class CalibrationFolderError(FolderError):
    """The folder cannot take this calibration (another one's results, not ours)."""


def _csv_text(header: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(r.get(h)) for h in header])
    return buf.getvalue()


def _manifest_tmp(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.{MANIFEST}.tmp")


def calibration_versions() -> dict[str, str]:
    """Versions of Python, parksim, its core dependencies and the calibration extras."""
    out = versions()
    for dep in CALIBRATION_DEPENDENCIES:
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = "not installed"
    return out


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
                old = json.loads(spec_file.read_text(encoding="utf-8")).get("sha256")
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
        complete = (folder / MANIFEST).is_file() and verify(folder) == []
        store = cls(folder, complete)
        if not complete:
            for p in list(folder.rglob(".*.tmp")):
                p.unlink()
            store.unfinish()
        if not spec_file.is_file():
            write_text_atomic(spec_file, dumps(dict(spec)))
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
        """Write every output of a finished calibration, the manifest last."""
        folder = self.folder
        columns = list(dict.fromkeys(k for r in rows for k in r))
        meta = {
            "parksim.calibration": str(result["name"]),
            "parksim.calibration_sha256": str(result["sha256"]),
            "parksim.seed": str(result["seed"]),
            "parksim.spawn_scheme": str(result["spawn_scheme"]),
        }
        _write_parquet(folder / POSTERIOR_PARQUET, rows_table(rows, columns, meta))
        write_text_atomic(folder / POSTERIOR_CSV, _csv_text(columns, rows))
        predictive_text = _csv_text(PREDICTIVE_COLUMNS, predictive_rows(cal, draws))
        write_text_atomic(folder / PREDICTIVE, predictive_text)
        write_text_atomic(folder / FIT, _csv_text(FIT_COLUMNS, table))
        held = [r for r in table if r["role"] == "held_out"]
        write_text_atomic(folder / VALIDATION, _csv_text(FIT_COLUMNS, held))
        write_text_atomic(folder / OVERLAY, overlay_text(cal, result))
        write_text_atomic(folder / SPEC, dumps(dict(result)))
        write_text_atomic(folder / REPORT, report_markdown(result, table, wall_seconds, executor))
        if plots:
            from sim.output.calibration_plots import draw_calibration_plots

            draw_calibration_plots(folder)
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
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
        doc["files"] = {str(p.relative_to(folder)): sha256_file(p) for p in files}
        text = dumps(doc).encode("utf-8")
        write_atomic(folder / MANIFEST, lambda f: f.write(text), tmp=_manifest_tmp(folder))
        self.complete = True


def predictive_rows(cal: Any, draws: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tidy rows of the predictive curves: one per draw, series and day."""
    start = cal.base.scenario.start_date
    out = []
    for d in draws:
        reps = " ".join(str(r) for r in d["replications"])
        for key, values in d["curves"].items():
            metric, group = key.split("|", 1)
            for day, v in enumerate(values):
                out.append(
                    {
                        "draw": d["draw"],
                        "particle": d["particle"],
                        "replications": reps,
                        "metric": metric,
                        "group": group,
                        "day": day,
                        "date": (start + dt.timedelta(days=day)).isoformat() if start else None,
                        "value": v,
                    }
                )
    return out


# --------------------------------------------------------------------------- the overlay


def _put(tree: Any, base: Any, selectors: Sequence[Any], value: Any) -> Any:
    """`tree` (part of an overlay) with `value` at the selectors' path: mappings by key,
    list items by id (merged by id by the overlay rules) or, by position, a copy of the
    whole base list (an overlay replaces such a list whole)."""
    from sim.scenario.overlay import ById, Index

    if not selectors:
        return value
    s, rest = selectors[0], selectors[1:]
    if isinstance(base, list):
        if isinstance(s, ById):
            items = tree if isinstance(tree, list) else []
            base_item = next(
                (x for x in base if isinstance(x, dict) and str(x.get("id")) == s.id), {}
            )
            ids = [str(x.get("id")) if isinstance(x, dict) else None for x in items]
            pos = ids.index(s.id) if s.id in ids else None
            if pos is None:
                items.append({"id": base_item.get("id", s.id)})
                pos = len(items) - 1
            items[pos] = _put(items[pos], base_item, rest, value)
            return items
        k = s.index if isinstance(s, Index) else int(s.name)
        items = tree if isinstance(tree, list) and len(tree) == len(base) else copy.deepcopy(base)
        items[k] = _put(items[k], base[k], rest, value)
        return items
    tree = tree if isinstance(tree, dict) else {}
    below = base.get(s.name) if isinstance(base, dict) else None
    tree[s.name] = _put(tree.get(s.name), below, rest, value)
    return tree


def overlay(cal: Any, posterior: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The overlay that sets every parameter's path(s) to its calibrated value."""
    from sim.scenario.overlay import parse_set

    tree: dict[str, Any] = {}
    for entry in posterior:
        for path in entry["paths"]:
            selectors, _ = parse_set(f"{path}=0")
            tree = _put(tree, cal.base_source.data, selectors, entry["calibrated"])
    return tree


def overlay_text(cal: Any, result: Mapping[str, Any]) -> str:
    """`calibrated.yaml`: a commented overlay of the posterior medians."""
    lines = [
        f"# Posterior medians of calibration '{result['name']}' (parksim calibrate), "
        f"seed {result['seed']}.",
        f"# Scenario: {cal.scenario}",
    ]
    if cal.policies:
        lines.append("# Calibrated with the overlays: " + ", ".join(str(p) for p in cal.policies))
    if cal.base_sets:
        lines.append("# and --set " + " ".join(cal.base_sets))
    lines.append(f"# Use: parksim run {cal.scenario} --policy {OVERLAY}")
    for e in result["posterior"]:
        lo, hi = e["ci90"]
        lines.append(
            f"# {e['name']}: median {e['median']:.4g}, 90 % interval {lo:.4g} to {hi:.4g} "
            f"(prior {e['prior_range'][0]:.4g} to {e['prior_range'][1]:.4g})"
        )
    body = yaml.safe_dump(overlay(cal, result["posterior"]), sort_keys=False, allow_unicode=True)
    return "\n".join(lines) + "\n" + body


# --------------------------------------------------------------------------- the report


def _num(v: Any, fmt: str = ".3g") -> str:
    return "" if v is None else format(v, fmt)


def _pct_or(v: Any, metric: str) -> str:
    if v is None:
        return ""
    return f"{100 * v:.1f} %" if metric in SHARE_METRICS else f"{v:.4g}"


def _yes_no(v: bool | None) -> str:
    return "" if v is None else "yes" if v else "no"


def table_markdown(table: Sequence[Mapping[str, Any]]) -> list[str]:
    """Observations as a Markdown table: observed, simulated median [90 % band], error."""
    out = [
        "| observation | when | observed ± | simulated median [90 % band] | error | in band |",
        "|---|---|---|---|---|---|",
    ]
    for r in table:
        m = r["metric"]
        when = r["date"] or f"day {r['day']}"
        band = (
            f"{_pct_or(r['simulated_median'], m)} [{_pct_or(r['simulated_p05'], m)}, "
            f"{_pct_or(r['simulated_p95'], m)}]"
            if r["simulated_median"] is not None
            else "(no run)"
        )
        err = r["error"]
        if err is None:
            err_text = ""
        elif m in SHARE_METRICS:
            err_text = f"{100 * err:+.1f} points"
        else:
            err_text = f"{err:+.4g}"
        out.append(
            f"| {r['label'] or r['id']} (`{m}`/{r['group']}) | {when} | "
            f"{_pct_or(r['observed'], m)} ± {_pct_or(r['uncertainty'], m)} | {band} | "
            f"{err_text} | {_yes_no(r['in_band_90'])} |"
        )
    return out


def report_markdown(
    result: Mapping[str, Any], table: Sequence[Mapping[str, Any]], wall: float, executor: str
) -> str:
    """`calibration.md`: the posterior, the fit, and the out-of-sample errors."""
    gens = result["generations"]
    lines = [
        f"# Calibration `{result['name']}`",
        "",
        f"Scenario `{result['scenario_name']}` ({result['scenario']}), seed {result['seed']}"
        + (", **quick**" if result["quick"] else "")
        + f". {len(gens)} generation(s) of {result['settings']['population_size']} particles, "
        f"{result['model_runs']} particle runs ({result['settings']['replications']} "
        f"replication(s) each), then {result['predictive_draws']} posterior predictive runs; "
        f"stopped: {result['stop']}. {wall:.1f} s on {executor}.",
        "",
        "## Posterior",
        "",
        "| parameter | prior | median | 90 % interval | set in calibrated.yaml |",
        "|---|---|---|---|---|",
    ]
    for e in result["posterior"]:
        lo, hi = e["ci90"]
        lines.append(
            f"| {e['name']} (`{'`, `'.join(e['paths'])}`) | "
            f"{e['prior_range'][0]:.4g} to {e['prior_range'][1]:.4g} | {e['median']:.4g} | "
            f"{lo:.4g} to {hi:.4g} | {e['calibrated']} |"
        )
    lines += [
        "",
        "| generation | epsilon | acceptance rate | effective sample size |",
        "|---|---|---|---|",
    ]
    for g in gens:
        lines.append(
            f"| {g['t']} | {g['epsilon']:.4g} | {g['acceptance_rate']:.2f} | {g['ess']:.1f} |"
        )
    fit = [r for r in table if r["role"] == "fit"]
    held = [r for r in table if r["role"] == "held_out"]
    lines += [
        "",
        "## Fit (in sample)",
        "",
        "The observations the parameters were fitted to, against the posterior predictive "
        "runs. Agreement here is expected (these figures set the parameters) and says "
        "little about the model's validity.",
        "",
        *table_markdown(fit),
        "",
        "## Validation (out of sample)",
        "",
    ]
    if held:
        errs = [abs(r["error"]) for r in held if r["error"] is not None]
        inside = sum(1 for r in held if r["in_band_90"])
        lines += [
            "The held-out observations, which set nothing: the model's prediction from the "
            "fitted parameters.",
            "",
            *table_markdown(held),
            "",
            f"{inside} of {len(held)} held-out observation(s) inside the 90 % band; mean "
            f"absolute error {sum(errs) / len(errs):.4g} (in the series' units)."
            if errs
            else "No held-out observation could be simulated.",
        ]
    else:
        lines.append("No observation was held out (`hold_out`, `--hold-out`).")
    lines.append("")
    return "\n".join(lines)


def report_lines(folder: Path) -> list[str]:
    """A few lines for the terminal from a complete calibration folder: the posterior and
    the out-of-sample errors."""
    meta = json.loads((folder / SPEC).read_text(encoding="utf-8"))
    man = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
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
    with (folder / VALIDATION).open(newline="", encoding="utf-8") as f:
        held = list(csv.DictReader(f))
    for r in held:
        lines.append(
            f"  out of sample: {r['id']}: observed {r['observed']}, simulated median "
            f"{r['simulated_median'] or '-'} [{r['simulated_p05'] or '-'}, "
            f"{r['simulated_p95'] or '-'}], error {r['error'] or '-'}"
        )
    return lines
