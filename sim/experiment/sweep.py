"""Sweeps: many points of a design × replications, on any executor, resumable.

One task is one (point, replication): build the point's scenario (base scenario,
the sweep's overlays and `--set`s, then the point's parameter values as `--set`s),
run replication r, and return its summary metrics. Replication r uses the streams
`SeedSequence(seed, spawn_key=(r, k))` at every point, exactly as `parksim run`
does, so points are compared on common random numbers and a run's numbers do not
depend on which process, machine or executor ran it. `run_id` is made from the
point and the replication only, so a re-run finds what is already done.

`run_sweep` drives it: open the sweep folder (`sim.output.sweep_store`), skip the
run_ids its ledger holds, stream the rest through an executor, record each result
as it arrives, then write the tables, the sensitivity indices and the plots.

Statistics: per point, the mean and Student-t 95 % CI of every metric over its
replications (as `parksim run`'s summary). Sensitivity indices come from SALib,
on the per-point mean over replications (SALib assumes a deterministic model):
Sobol' first and total order for `sobol`, Morris mu*/sigma for `morris`,
first-order indices by RBD-FAST for `lhs`. Beside them, the noise share: mean
within-point variance over replications ÷ total variance of the runs, how much
of the spread is replication noise rather than the parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.executors import Executor
from sim.experiment.sweep_spec import Sweep
from sim.files.sweep import POINT_COLUMNS, RESERVED_COLUMNS, rows_table
from sim.metrics import DAYS_TO_PREFIX, METRICS, ci95, replication_metrics
from sim.model import world
from sim.scenario.expand import Park
from sim.scenario.load import load_scenario

Progress = Callable[[int, int, int], None]
"""progress(finished, failed, total), called at the start and after every run."""
OK, FAILED = "ok", "failed"
NUM_RESAMPLES = 200
"""Bootstrap resamples for the confidence intervals of sensitivity indices."""


def run_id(point_id: int, replication: int) -> str:
    """The id of one run: the same for the same point and replication, always."""
    return f"p{point_id:06d}-r{replication:04d}"


@dataclass(frozen=True)
class Task:
    """Everything one run needs, and nothing that depends on where it runs."""

    run_id: str
    point_id: int
    replication: int
    seed: int
    scenario: str
    """Base scenario file (absolute; workers need it at the same path)."""
    policies: tuple[str, ...]
    sets: tuple[str, ...]
    """The sweep's `--set`s, then the point's."""
    params: tuple[tuple[str, Any], ...]
    """(name, value) of each parameter at this point."""


def tasks(sweep: Sweep) -> list[Task]:
    """Every (point, replication) of the sweep, point by point (so workers reuse a park)."""
    names = sweep.names
    return [
        Task(
            run_id=run_id(pt.point_id, r),
            point_id=pt.point_id,
            replication=r,
            seed=sweep.seed,
            scenario=str(sweep.scenario),
            policies=tuple(str(p) for p in sweep.policies),
            sets=(*sweep.base_sets, *pt.sets),
            params=tuple(zip(names, pt.values, strict=True)),
        )
        for pt in sweep.points
        for r in range(sweep.replications)
    ]


@functools.lru_cache(maxsize=8)
def _park(scenario: str, policies: tuple[str, ...], sets: tuple[str, ...]) -> Park:
    """The expanded park of a point, kept while this process runs its replications."""
    return load_scenario(scenario, policies, sets)


def _error_text(e: BaseException) -> str:
    """`Type: message (at file:line in function)`, the innermost frame of the model."""
    text = f"{type(e).__name__}: {e}".strip()
    frames = traceback.extract_tb(e.__traceback__)
    if frames:
        f = frames[-1]
        text += f" (at {Path(f.filename).name}:{f.lineno} in {f.name})"
    return text


def record(
    task: Task,
    status: str,
    *,
    days: int | None = None,
    error: str | None = None,
    wall: float = 0.0,
    metrics: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One run as recorded in the ledger."""
    return {
        "run_id": task.run_id,
        "point_id": task.point_id,
        "replication": task.replication,
        "seed": task.seed,
        "days": days,
        "status": status,
        "error": error,
        "wall_seconds": round(wall, 6),
        "params": dict(task.params),
        "metrics": dict(metrics or {}),
    }


def run_task(task: Task) -> dict[str, Any]:
    """Run one (point, replication); a model or scenario error is recorded, not raised."""
    t0 = time.perf_counter()
    try:
        park = _park(task.scenario, task.policies, task.sets)
        trace = world.run(park, task.replication)
        metrics = replication_metrics(trace, park.scenario.reporting.sustain_days)
    except Exception as e:
        return record(task, FAILED, error=_error_text(e), wall=time.perf_counter() - t0)
    return record(task, OK, days=trace.days, wall=time.perf_counter() - t0, metrics=metrics)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class SweepResult:
    """What a call of `run_sweep` did."""

    folder: Path
    total: int
    """Runs in the sweep (points × replications)."""
    ran: int
    """Runs done by this call."""
    failed: int
    """Failed runs in the sweep (this call's and earlier ones)."""
    executor: str
    wall_seconds: float


def execute(
    sweep: Sweep,
    store: Any,
    executor: Executor,
    *,
    task_fn: Callable[[Task], dict[str, Any]] = run_task,
    retry_failed: bool = False,
    progress: Progress | None = None,
) -> int:
    """Run every task the store has no record of (and failed ones with `retry_failed`),
    recording each as it arrives; returns the number run."""
    every = tasks(sweep)

    def wanted(t: Task) -> bool:
        rec = store.records.get(t.run_id)
        return rec is None or (retry_failed and rec.get("status") != OK)

    todo = [t for t in every if wanted(t)]
    again = {t.run_id for t in todo}
    done = len(every) - len(todo)
    failed = sum(
        1 for t in every if t.run_id not in again and store.records[t.run_id].get("status") != OK
    )
    if progress:
        progress(done, failed, len(every))
    for task, value, error in executor.map_unordered(task_fn, todo, key=lambda t: t.run_id):
        rec = value if error is None else record(task, FAILED, error=error)
        store.append(rec)
        done += 1
        failed += rec.get("status") != OK
        if progress:
            progress(done, failed, len(every))
    return len(todo)


def collect(sweep: Sweep, records: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows of the sweep's runs, sorted by point and replication: the fixed columns,
    the parameters (as the design has them), then every metric (None for failed runs)."""
    metric_names = metric_columns(records.values())
    rows = []
    for t in tasks(sweep):
        rec = records.get(t.run_id)
        if rec is None:
            continue
        row = {c: rec.get(c) for c in RESERVED_COLUMNS}
        row.update(dict(t.params))
        m = rec.get("metrics") or {}
        row.update({name: m.get(name) for name in metric_names})
        rows.append(row)
    return rows


def metric_columns(records: Any) -> list[str]:
    """The summary metrics, in `sim.metrics` order, then any others the runs reported."""
    seen = dict.fromkeys(METRICS)
    for r in records:
        seen.update(dict.fromkeys(r.get("metrics") or {}))
    return list(seen)


# --------------------------------------------------------------------------- statistics


def point_rows(sweep: Sweep, rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[dict]]:
    """`points.csv`: per point and metric, mean and 95 % CI over the replications with a
    value (`n`; days_to_X counts only replications that reach X), out of `runs` recorded,
    `failed` of which failed."""
    names = list(sweep.names)
    metrics = [c for c in (rows[0] if rows else {}) if c not in RESERVED_COLUMNS + sweep.names]
    by_point: dict[int, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_point.setdefault(int(r["point_id"]), []).append(r)
    out = []
    for pt in sweep.points:
        runs = by_point.get(pt.point_id, [])
        if not runs:
            continue
        ok = [r for r in runs if r["status"] == OK]
        for m in metrics:
            vals = [float(r[m]) for r in ok if r.get(m) is not None]
            ci = ci95(vals)
            out.append(
                {
                    "point_id": pt.point_id,
                    **dict(zip(names, pt.values, strict=True)),
                    "metric": m,
                    "mean": float(np.mean(vals)) if vals else None,
                    "ci95_lo": ci[0] if ci else None,
                    "ci95_hi": ci[1] if ci else None,
                    "n": len(vals),
                    "runs": len(runs),
                    "failed": len(runs) - len(ok),
                }
            )
    return ["point_id", *names, *POINT_COLUMNS], out


def _outcome_values(rows: Sequence[Mapping[str, Any]], outcome: str) -> tuple[list, int]:
    """(point_id, value) of every successful run; days_to_X never reached counts as the
    horizon (censored). Returns the pairs and the number of censored runs."""
    pairs, censored = [], 0
    for r in rows:
        if r["status"] != OK:
            continue
        v = r.get(outcome)
        if v is None and outcome.startswith(DAYS_TO_PREFIX) and r.get("days") is not None:
            v, censored = r["days"], censored + 1
        if v is not None:
            pairs.append((int(r["point_id"]), float(v)))
    return pairs, censored


def noise_share(values_by_point: Mapping[int, Sequence[float]]) -> float | None:
    """Mean within-point variance ÷ total variance of all runs (None when undefined)."""
    within = [np.var(v, ddof=1) for v in values_by_point.values() if len(v) >= 2]
    every = [x for v in values_by_point.values() for x in v]
    if not within or len(every) < 2:
        return None
    total = float(np.var(every, ddof=1))
    return float(np.mean(within)) / total if total > 0 else None


def _indices(method: str, sweep: Sweep, y: np.ndarray) -> dict[str, dict[str, float]]:
    """SALib's indices of each parameter for one outcome (per-point means `y`)."""
    problem, seed, names = sweep.problem, sweep.seed, sweep.names
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem, y, calc_second_order=False, num_resamples=NUM_RESAMPLES, seed=seed
            )
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(
                problem,
                sweep.x,
                y,
                num_resamples=NUM_RESAMPLES,
                num_levels=sweep.spec.design.morris_levels,
                seed=seed,
            )
            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
        else:
            from SALib.analyze import rbd_fast

            res = rbd_fast.analyze(problem, sweep.x, y, num_resamples=NUM_RESAMPLES, seed=seed)
            keys = ("S1", "S1_conf")
    return {n: {k: float(np.asarray(res[k])[i]) for k in keys} for i, n in enumerate(names)}


METHOD_NOTES = {
    "sobol": "Sobol' indices (Saltelli sampling, SALib): S1 is the share of the variance of "
    "the outcome's point means due to the parameter alone, ST including its interactions; "
    "_conf is the half-width of a 95 % bootstrap interval.",
    "morris": "Morris elementary effects (SALib): mu_star is the mean absolute effect of "
    "moving the parameter one level step (outcome units), sigma their spread (non-linearity "
    "or interactions); mu_star_conf is the half-width of a 95 % bootstrap interval.",
    "lhs": "First-order Sobol' index S1 estimated from the Latin hypercube sample by random "
    "balance designs FAST (SALib rbd_fast): the share of the variance of the outcome's point "
    "means due to the parameter alone; S1_conf is the half-width of a 95 % bootstrap "
    "interval. For total-order indices (interactions) use the sobol design.",
}


def sensitivity(sweep: Sweep, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """`sensitivity.json` for sampled designs (None for a grid): per outcome, SALib's
    indices on the per-point mean over replications, and the noise share beside them."""
    method = sweep.spec.design.method
    if method == "grid":
        return None
    outcomes: dict[str, Any] = {}
    for outcome in sweep.spec.outcomes:
        pairs, censored = _outcome_values(rows, outcome)
        by_point: dict[int, list[float]] = {}
        for pid, v in pairs:
            by_point.setdefault(pid, []).append(v)
        entry: dict[str, Any] = {
            "noise_share": noise_share(by_point),
            "censored_runs": censored,
            "runs": len(pairs),
        }
        missing = [pt.point_id for pt in sweep.points if pt.point_id not in by_point]
        y = np.array([np.mean(by_point.get(pt.point_id, [np.nan])) for pt in sweep.points])
        if missing:
            entry["error"] = (
                f"{len(missing)} point(s) have no successful run (first: point {missing[0]}); "
                "indices need every point"
            )
        elif float(np.var(y)) == 0.0:
            entry["error"] = "the outcome is the same at every point; no variance to share"
        else:
            try:
                entry["indices"] = _indices(method, sweep, y)
            except Exception as e:  # SALib refusing a sample (e.g. too few points)
                entry["error"] = f"SALib could not analyse it: {type(e).__name__}: {e}"
        outcomes[outcome] = entry
    return {
        "sweep": sweep.spec.name,
        "method": method,
        "points": len(sweep.points),
        "replications": sweep.replications,
        "seed": sweep.seed,
        "parameters": list(sweep.names),
        "analysed": "per-point mean over replications; days_to_X never reached counts as "
        "the horizon",
        "note": METHOD_NOTES[method],
        "noise_share": "mean within-point variance over replications ÷ total variance of "
        "all runs: near 0, the parameters explain the spread; near 1, replication noise does "
        "(add replications before trusting the indices)",
        "outcomes": outcomes,
    }


# --------------------------------------------------------------------------- the whole sweep


def describe(sweep: Sweep) -> dict[str, Any]:
    """The content of `sweep.json`: what was swept, how, and the design's points."""
    spec = sweep.spec
    return {
        "name": spec.name,
        "description": spec.description,
        "sha256": sweep.sha256,
        "sweep_file": str(sweep.file),
        "scenario": str(sweep.scenario),
        "scenario_name": sweep.base.scenario.name,
        "policies": [str(p) for p in sweep.policies],
        "set": list(sweep.base_sets),
        "seed": sweep.seed,
        "days": sweep.base.scenario.days,
        "start_date": (
            sweep.base.scenario.start_date.isoformat() if sweep.base.scenario.start_date else None
        ),
        "replications": sweep.replications,
        "design": spec.design.model_dump(mode="json"),
        "parameters": [
            {"name": p.label, **p.model_dump(mode="json", by_alias=True, exclude_none=True)}
            for p in spec.parameters
        ],
        "outcomes": list(spec.outcomes),
        "points": [
            {"point_id": pt.point_id, "params": dict(zip(sweep.names, pt.values, strict=True))}
            for pt in sweep.points
        ],
        "spawn_scheme": "numpy SeedSequence(seed, spawn_key=(replication, mechanism_index)); "
        "replication r draws the same streams at every point",
    }


@dataclass(frozen=True)
class Shown:
    """What a finished sweep shows: plots, in which language, and the report."""

    plots: bool
    lang: str
    report: bool


def run_sweep(
    sweep: Sweep,
    out: Path,
    executor: Executor,
    *,
    fresh: bool = False,
    retry_failed: bool = False,
    task_fn: Callable[[Task], dict[str, Any]] = run_task,
    progress: Progress | None = None,
    plots: bool = True,
    force: bool = False,
    lang: str | None = None,
    report: bool = False,
) -> SweepResult:
    """Run what the folder lacks, then write the complete folder; see the module doc.

    Raises FolderError (bad folder, another process writing it) before anything
    runs; `force` moves a folder holding files a sweep does not write aside. An
    interruption (Ctrl-C, a killed driver) leaves every finished run in the ledger.
    Plots and, with `report`, `report.html` are in `lang` (default: the base scenario's
    `reporting.lang`).
    """
    from sim.output.folder import SWEEP, claim

    with claim(out, SWEEP, force=force):
        shown = Shown(plots, lang or sweep.base.scenario.reporting.lang, report)
        return _run_sweep(sweep, out, executor, fresh, retry_failed, task_fn, progress, shown)


def _run_sweep(
    sweep: Sweep,
    out: Path,
    executor: Executor,
    fresh: bool,
    retry_failed: bool,
    task_fn: Callable[[Task], dict[str, Any]],
    progress: Progress | None,
    shown: Shown,
) -> SweepResult:
    from sim.output.sweep_store import SweepStore

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    where = executor.describe()
    store = SweepStore.open(out, describe(sweep), fresh=fresh)
    try:
        ran = execute(
            sweep,
            store,
            executor,
            task_fn=task_fn,
            retry_failed=retry_failed,
            progress=progress,
        )
        store.flush()
        rows = collect(sweep, store.records)
        columns = [*RESERVED_COLUMNS, *sweep.names, *metric_columns(store.records.values())]
        meta = {
            "parksim.sweep": sweep.spec.name,
            "parksim.sweep_sha256": sweep.sha256,
            "parksim.seed": str(sweep.seed),
            "parksim.spawn_scheme": describe(sweep)["spawn_scheme"],
        }
        failed = sum(r["status"] != OK for r in rows)
        wall = time.perf_counter() - t0
        manifest = {
            "sweep": sweep.spec.name,
            "sweep_file": str(sweep.file),
            "sweep_sha256": sweep.sha256,
            "scenario": str(sweep.scenario),
            "seed": sweep.seed,
            "points": len(sweep.points),
            "replications": sweep.replications,
            "runs": len(rows),
            "failed_runs": failed,
            "executor": where,
            "started": started.isoformat(),
            "wall_seconds": round(wall, 3),
            "runs_this_session": ran,
        }
        store.finish(
            rows_table(rows, columns, meta),
            point_rows(sweep, rows),
            sensitivity(sweep, rows),
            manifest,
            plots=shown.plots,
            lang=shown.lang,
            report=shown.report,
        )
    finally:
        store.close()
    return SweepResult(out, sweep.runs, ran, failed, where, round(wall, 3))
