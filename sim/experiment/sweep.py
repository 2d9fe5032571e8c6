"""Sweeps: many points of a design × replications, on any executor, resumable.

One task is one (point, replication): build the point's scenario (base scenario,
the sweep's overlays and `--set`s, then the point's parameter values as `--set`s),
run replication r, and return its summary metrics. Replication r uses the streams
`SeedSequence(seed, spawn_key=(r, k))` at every point, exactly as `parksim run`
does, so points are compared on common random numbers and a run's numbers do not
depend on which process, machine or executor ran it. `run_id` is made from the
point and the replication only, so a re-run finds what is already done.

`run_sweep` drives it: open the sweep folder (`sim.output.sweep_store`), refuse it
when its runs were made by other code (the SHA-256 of the installed package's
source, `sim.files.manifest.code_identity`) unless told to go on, log the session,
skip the run_ids its ledger holds, stream the rest through an executor, record each
result as it arrives, then write the tables, the sensitivity indices and the plots.
`analyse_sweep` does the last step alone on a finished folder.

Statistics: per point, the mean and Student-t 95 % CI of every metric over its
successful replications, a days-to-X never reached counting as the horizon
(right-censored there), and for days to X the Kaplan–Meier median as `parksim
run`'s summary gives it. Sensitivity indices come from SALib, on the same per-point
means (SALib assumes a deterministic model): Sobol' first and total order (and
second order when asked) for `sobol`, Morris mu*/sigma for `morris`, first-order
indices by RBD-FAST for `lhs`, with the bootstrap resamples and confidence level of
the sweep file's `design`. Beside them: the noise shares (of the runs, and of the
point means the indices decompose), warnings where the indices are not to be
trusted (`index_warnings`) and the indices at N/4, N/2 and N (`convergence`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.curves import curve_values, park_series
from sim.experiment.executors import Executor
from sim.experiment.sweep_spec import INTEGER_RULE, Sweep, rows_per_sample
from sim.files.inputs import Copy, Inputs
from sim.files.manifest import code_identity
from sim.files.resolved import resolved_yaml
from sim.files.sweep import (
    DAILY_COLUMNS,
    DAILY_RUNS,
    POINT_COLUMNS,
    RESERVED_COLUMNS,
    RESOLVED,
    RESOLVED_HEAD,
    rows_table,
)
from sim.metrics import DAYS_TO_PREFIX, METRICS, ci95, days_to_median, replication_metrics
from sim.model import world
from sim.scenario.expand import Park
from sim.scenario.load import load_scenario

Progress = Callable[[int, int, int], None]
"""progress(finished, failed, total), called at the start and after every run."""
OK, FAILED = "ok", "failed"


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
    daily: tuple[str, ...] = ()
    """Daily park series the run keeps in its record (`Sweep.daily`)."""


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
            daily=sweep.daily,
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
    daily: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One run as recorded in the ledger (with `daily`, the daily park series it keeps)."""
    rec = {
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
    if daily is not None:
        rec["daily"] = dict(daily)
    return rec


def run_task(task: Task) -> dict[str, Any]:
    """Run one (point, replication); a model or scenario error is recorded, not raised."""
    t0 = time.perf_counter()
    try:
        park = _park(task.scenario, task.policies, task.sets)
        trace = world.run(park, task.replication)
        metrics = replication_metrics(trace, park.scenario.reporting.sustain_days)
        kept = park_series(trace, task.daily) if task.daily else None
    except Exception as e:
        return record(task, FAILED, error=_error_text(e), wall=time.perf_counter() - t0)
    return record(
        task, OK, days=trace.days, wall=time.perf_counter() - t0, metrics=metrics, daily=kept
    )


def lacks_daily(rec: Mapping[str, Any], series: Sequence[str]) -> list[str]:
    """The daily series a successful run's record should keep and does not (it was run
    before the sweep file asked for them)."""
    if rec.get("status") != OK:
        return []
    kept = rec.get("daily") or {}
    return [s for s in series if s not in kept]


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
        return (
            rec is None
            or (retry_failed and rec.get("status") != OK)
            or bool(lacks_daily(rec, t.daily))
        )

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
        row.update(curve_values(sweep.curves, rec.get("daily") or {}))
        rows.append(row)
    return rows


def daily_tables(sweep: Sweep, records: Mapping[str, Mapping[str, Any]]) -> list[Any]:
    """The files of the `daily/` dataset (`store.daily`): per block of consecutive points
    (about `DAILY_RUNS` runs), one row per successful run and day, sorted by point,
    replication and day; none when the sweep keeps no daily series."""
    keep = list(sweep.spec.store.daily)
    if not keep:
        return []
    block = max(1, DAILY_RUNS // sweep.replications)
    by_block: dict[int, list[Task]] = {}
    for t in tasks(sweep):
        by_block.setdefault(t.point_id // block, []).append(t)
    out = []
    for k in sorted(by_block):
        cols: dict[str, list[Any]] = {c: [] for c in (*DAILY_COLUMNS, *keep)}
        for t in by_block[k]:
            rec = records.get(t.run_id)
            kept = (rec or {}).get("daily") or {}
            if rec is None or rec.get("status") != OK or not kept:
                continue
            n = len(kept[keep[0]])
            cols["run_id"] += [t.run_id] * n
            cols["point_id"] += [t.point_id] * n
            cols["replication"] += [t.replication] * n
            cols["day"] += list(range(n))
            for s in keep:
                cols[s] += list(kept[s])
        out.append(_daily_table(cols))
    return out


def _daily_table(cols: Mapping[str, list[Any]]) -> Any:
    import pyarrow as pa

    whole = pa.int64()
    types = {"run_id": pa.string(), "point_id": whole, "replication": whole, "day": whole}
    return pa.table({c: pa.array(v, type=types.get(c, pa.float64())) for c, v in cols.items()})


def _check_daily(sweep: Sweep, records: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse to analyse runs recorded without a daily series the sweep file now asks for."""
    from sim.output.folder import FolderError

    for t in tasks(sweep):
        missing = lacks_daily(records.get(t.run_id) or {}, t.daily)
        if missing:
            raise FolderError(
                f"run {t.run_id} was recorded without the daily series "
                f"{', '.join(missing)} that the sweep file now asks for (curve outcomes or "
                "`store.daily`); run the sweep without --analyse-only to re-run the runs "
                "that lack it"
            )


def metric_columns(records: Any) -> list[str]:
    """The summary metrics, in `sim.metrics` order, then any others the runs reported."""
    seen = dict.fromkeys(METRICS)
    for r in records:
        seen.update(dict.fromkeys(r.get("metrics") or {}))
    return list(seen)


# --------------------------------------------------------------------------- statistics


def run_value(row: Mapping[str, Any], metric: str) -> tuple[float | None, bool]:
    """One successful run's value of a metric as every file of a sweep counts it, and
    whether it is censored: a days-to-X never reached counts as the run's horizon
    (right-censored there: the run would have taken longer)."""
    v = row.get(metric)
    if v is None and metric.startswith(DAYS_TO_PREFIX) and row.get("days") is not None:
        return float(row["days"]), True
    return (None if v is None else float(v)), False


def point_values(
    rows: Sequence[Mapping[str, Any]], metric: str
) -> tuple[dict[int, list[float]], int]:
    """Each point's values of a metric over its successful runs (`run_value`: days to X
    never reached counts as the horizon), and how many runs were censored so."""
    by_point: dict[int, list[float]] = {}
    censored = 0
    for r in rows:
        if r["status"] != OK:
            continue
        v, cut = run_value(r, metric)
        if v is not None:
            by_point.setdefault(int(r["point_id"]), []).append(v)
            censored += cut
    return by_point, censored


def point_rows(sweep: Sweep, rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[dict]]:
    """`points.csv`: per point and metric, the mean over the point's successful runs with
    its Student-t 95 % CI, where a days-to-X never reached counts as the horizon
    (`censored` runs; `n` counts the runs with an observed value), out of `runs`
    recorded, `failed` of which failed; for days to X also the Kaplan–Meier median and
    its 95 % CI, as `parksim run`'s summary.json gives them. `mean` is what the
    sensitivity indices are computed from."""
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
            vals, observed = [], []
            for r in ok:
                v, cut = run_value(r, m)
                if v is not None:
                    vals.append(v)
                    observed.append(None if cut else v)
            ci = ci95(vals)
            row: dict[str, Any] = {
                "point_id": pt.point_id,
                **dict(zip(names, pt.values, strict=True)),
                "metric": m,
                "mean": float(np.mean(vals)) if vals else None,
                "ci95_lo": ci[0] if ci else None,
                "ci95_hi": ci[1] if ci else None,
                "n": sum(v is not None for v in observed),
                "runs": len(runs),
                "failed": len(runs) - len(ok),
                "censored": sum(v is None for v in observed),
            }
            if m.startswith(DAYS_TO_PREFIX) and observed:
                horizon = max(int(r["days"]) for r in ok)
                median, (lo, hi) = days_to_median(observed, horizon)
                row.update(median=median, median_ci95_lo=lo, median_ci95_hi=hi)
            out.append(row)
    return ["point_id", *names, *POINT_COLUMNS], out


def noise_share(values_by_point: Mapping[int, Sequence[float]]) -> float | None:
    """Mean within-point variance ÷ total variance of all runs (None when undefined)."""
    within = [np.var(v, ddof=1) for v in values_by_point.values() if len(v) >= 2]
    every = [x for v in values_by_point.values() for x in v]
    if not within or len(every) < 2:
        return None
    total = float(np.var(every, ddof=1))
    return float(np.mean(within)) / total if total > 0 else None


def noise_share_of_means(values_by_point: Mapping[int, Sequence[float]]) -> float | None:
    """The share of the variance of the point means — what the indices are computed from —
    that replication noise makes: mean over points of (within-point variance ÷ the
    point's replications) ÷ variance of the point means (None when undefined). It falls
    about as 1 / replications."""
    noise = [np.var(v, ddof=1) / len(v) for v in values_by_point.values() if len(v) >= 2]
    means = [float(np.mean(v)) for v in values_by_point.values() if len(v)]
    if not noise or len(means) < 2:
        return None
    total = float(np.var(means, ddof=1))
    return float(np.mean(noise)) / total if total > 0 else None


def analysis_call(sweep: Sweep) -> dict[str, Any] | None:
    """The SALib call that computes the indices of one outcome (None for a grid): the
    function, what it is given (`problem`, `X` the sample, `Y` the point means) and its
    keyword arguments, as `sensitivity.json` and `sweep.json` record them."""
    d = sweep.spec.design
    common = {"num_resamples": d.num_resamples, "conf_level": d.conf_level, "seed": sweep.seed}
    if d.method == "sobol":
        return {
            "function": "SALib.analyze.sobol.analyze",
            "inputs": ["problem", "Y"],
            "arguments": {"calc_second_order": d.second_order, **common},
        }
    if d.method == "morris":
        return {
            "function": "SALib.analyze.morris.analyze",
            "inputs": ["problem", "X", "Y"],
            "arguments": {"num_levels": d.morris_levels, **common},
        }
    if d.method == "lhs":
        return {
            "function": "SALib.analyze.rbd_fast.analyze",
            "inputs": ["problem", "X", "Y"],
            "arguments": {"M": 10, **common},
        }
    return None


INDEX_KEYS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
    "lhs": ("S1", "S1_conf"),
}
"""The indices written per parameter, by design."""


def _indices(
    sweep: Sweep, x: np.ndarray, y: np.ndarray
) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]] | None]:
    """SALib's indices of each parameter for one outcome (point means `y` of the sample
    `x`), and the second-order indices of every pair when the design asks for them."""
    method, names = sweep.spec.design.method, sweep.names
    call = analysis_call(sweep)
    assert call is not None
    args = call["arguments"]
    problem = dict(sweep.problem)  # SALib adds keys to the problem it is given
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, **args)
        elif method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(problem, x, y, **args)
        else:
            from SALib.analyze import rbd_fast

            res = rbd_fast.analyze(problem, x, y, **args)
    keys = INDEX_KEYS[method]
    first = {n: {k: float(np.asarray(res[k])[i]) for k in keys} for i, n in enumerate(names)}
    second = None
    if method == "sobol" and args["calc_second_order"]:
        s2, conf = np.asarray(res["S2"]), np.asarray(res["S2_conf"])
        second = [
            {"parameters": [a, b], "S2": float(s2[i, j]), "S2_conf": float(conf[i, j])}
            for i, a in enumerate(names)
            for j, b in enumerate(names)
            if i < j
        ]
    return first, second


def convergence(sweep: Sweep, y: np.ndarray) -> list[dict[str, Any]]:
    """The indices on the first N/4, N/2 and all N base samples (Saltelli blocks, Morris
    trajectories, or the first points of a Latin hypercube), with the same settings: if
    they still move between N/2 and N beyond their intervals, N is too small."""
    per = rows_per_sample(sweep.spec)
    n = len(sweep.points) // per
    out: list[dict[str, Any]] = []
    for k in sorted({n // 4, n // 2, n} - {0, 1}):
        step: dict[str, Any] = {"base_samples": k, "points": k * per}
        try:
            step["indices"] = _indices(sweep, sweep.x[: k * per], y[: k * per])[0]
        except Exception as e:  # SALib refusing a small sample
            step["error"] = f"{type(e).__name__}: {e}"
        out.append(step)
    return out


NOISE_LIMIT = 0.10
"""Warn when replication noise makes more than this share of the variance of the point
means (`noise_share_of_means`)."""
INTERVAL_LIMIT = 0.10
"""Warn when an S1 or ST interval is wider than ± this (half-width)."""
MIN_BASE_SAMPLES = {"sobol": 64, "morris": 10, "lhs": 100}
"""Warn below this many base samples (sobol), trajectories (morris) or points (lhs):
bootstrap intervals of fewer are not to be trusted, however narrow."""


def thresholds() -> dict[str, Any]:
    """The limits of the warnings, as `sensitivity.json` states them."""
    return {
        "noise_share_of_means": NOISE_LIMIT,
        "interval_half_width": INTERVAL_LIMIT,
        "min_base_samples": dict(MIN_BASE_SAMPLES),
        "st_above_one": "ST - ST_conf > 1",
        "s1_negative": "S1 + S1_conf < 0",
        "not_converged": "|index at N - index at N/2| > its interval at N/2 (ST, mu_star, S1)",
    }


def _more_samples(method: str, n: int) -> str:
    what = {"sobol": "design.samples", "morris": "design.samples (trajectories)"}.get(
        method, "design.samples"
    )
    return f"raise {what} from {n} to {4 * n} or more (4× the samples halve the intervals)"


def index_warnings(
    sweep: Sweep, entry: Mapping[str, Any], *, replications: int
) -> list[dict[str, str]]:
    """Why the indices of one outcome are not to be trusted, each with what to do: a total
    index above 1 or a first-order index below 0 beyond its interval (impossible for the
    true index), replication noise above `NOISE_LIMIT` of the variance analysed, too few
    base samples or intervals wider than `INTERVAL_LIMIT`, indices still moving from
    N/2 to N base samples beyond their interval (`convergence`). Empty when none applies."""
    d = sweep.spec.design
    method = d.method
    n = len(sweep.points) // rows_per_sample(sweep.spec)
    level = f"{d.conf_level:.0%}"
    out: list[dict[str, str]] = []
    ix: Mapping[str, Mapping[str, float]] = entry.get("indices") or {}

    def listed(items: list[str]) -> str:
        return ", ".join(items[:4]) + (f" and {len(items) - 4} more" if len(items) > 4 else "")

    if ix and method in ("sobol", "lhs"):
        if method == "sobol":
            high = [
                f"{p} {v['ST']:.2f} ± {v['ST_conf']:.2f}"
                for p, v in ix.items()
                if v["ST"] - v["ST_conf"] > 1
            ]
            if high:
                out.append(
                    {
                        "code": "st_above_one",
                        "message": f"total index above 1 beyond its {level} interval "
                        f"({listed(high)}): no share of the variance exceeds 1, so sampling "
                        "error or replication noise dominates these estimates",
                        "advice": f"{_more_samples(method, n)}, and more replications",
                    }
                )
        low = [
            f"{p} {v['S1']:.2f} ± {v['S1_conf']:.2f}"
            for p, v in ix.items()
            if v["S1"] + v["S1_conf"] < 0
        ]
        if low:
            out.append(
                {
                    "code": "s1_negative",
                    "message": f"first-order index below 0 beyond its {level} interval "
                    f"({listed(low)}): no share of the variance is negative, so sampling "
                    "error or replication noise dominates these estimates",
                    "advice": f"{_more_samples(method, n)}, and more replications",
                }
            )
    share = entry.get("noise_share_of_means")
    if replications < 2:
        out.append(
            {
                "code": "noise",
                "message": "one replication per point: the replication noise cannot be "
                "measured, and it is in every index",
                "advice": "run at least 2 (better 5–10) replications per point",
            }
        )
    elif share is not None and share > NOISE_LIMIT:
        ratio = share * (1 - NOISE_LIMIT) / (NOISE_LIMIT * max(1 - share, 1e-9))
        need = math.ceil(replications * ratio)
        out.append(
            {
                "code": "noise",
                "message": f"replication noise makes {share:.0%} of the variance of the point "
                f"means the indices are computed from (threshold {NOISE_LIMIT:.0%}); every "
                "total index is inflated by up to about that much, and small indices are "
                "noise",
                "advice": f"raise replications from {replications} to about "
                f"{min(need, 10 * replications)} (this share falls about as 1 / replications)",
            }
        )
    few = []
    if n < MIN_BASE_SAMPLES[method]:
        unit = {"sobol": "base samples", "morris": "trajectories", "lhs": "points"}[method]
        few.append(
            f"{n} {unit}, fewer than the {MIN_BASE_SAMPLES[method]} bootstrap intervals need"
        )
    if ix and method in ("sobol", "lhs"):
        confs = [
            (v[k], p, k.removesuffix("_conf")) for p, v in ix.items() for k in v if "_conf" in k
        ]
        widest = max(confs, default=None)
        if widest is not None and widest[0] > INTERVAL_LIMIT:
            few.append(
                f"intervals as wide as ± {widest[0]:.2f} ({widest[2]} of {widest[1]}), wider "
                f"than ± {INTERVAL_LIMIT:.2f}: the ranking of the parameters may not hold"
            )
    if few:
        out.append(
            {
                "code": "few_samples",
                "message": "too few base samples: " + "; ".join(few),
                "advice": _more_samples(method, n),
            }
        )
    moved = _still_moving(method, entry.get("convergence") or [])
    if moved:
        out.append(
            {
                "code": "not_converged",
                "message": f"the indices still move between N/2 and N base samples ({moved})",
                "advice": _more_samples(method, n),
            }
        )
    return out


def _still_moving(method: str, steps: Sequence[Mapping[str, Any]]) -> str | None:
    """The parameter whose index moved most from N/2 to N base samples, when that move is
    beyond its interval at N/2 (None when every move is within)."""
    done = [s for s in steps if s.get("indices")]
    if len(done) < 2:
        return None
    half, full = done[-2], done[-1]
    key = {"sobol": "ST", "morris": "mu_star"}.get(method, "S1")
    worst = None
    for p, v in full["indices"].items():
        before = half["indices"][p]
        move = abs(v[key] - before[key])
        if move > before[f"{key}_conf"] and (worst is None or move > worst[0]):
            worst = (move, p, before[key], v[key], before[f"{key}_conf"])
    if worst is None:
        return None
    _, p, a, b, conf = worst
    return (
        f"{key} of {p} {a:.3g} at {half['base_samples']} → {b:.3g} at {full['base_samples']}, "
        f"beyond its interval at {half['base_samples']} (± {conf:.2g})"
    )


METHOD_NOTES = {
    "sobol": "Sobol' indices (Saltelli sampling, SALib): S1 is the share of the variance of "
    "the outcome's point means due to the parameter alone, ST including its interactions, "
    "S2 (when asked) the share due to a pair's interaction alone; _conf is the half-width "
    "of a bootstrap interval at conf_level.",
    "morris": "Morris elementary effects (SALib): mu_star is the mean absolute effect of "
    "moving the parameter one level step (outcome units), sigma their spread (non-linearity "
    "or interactions); mu_star_conf is the half-width of a bootstrap interval at conf_level.",
    "lhs": "First-order Sobol' index S1 estimated from the Latin hypercube sample by random "
    "balance designs FAST (SALib rbd_fast): the share of the variance of the outcome's point "
    "means due to the parameter alone; S1_conf is the half-width of a bootstrap interval at "
    "conf_level. For total-order indices (interactions) use the sobol design.",
}


ANALYSED = (
    "per-point mean over the point's successful replications (the `mean` of points.csv), "
    "in the order of sweep.json's points; a days_to_X never reached counts as the horizon "
    "(right-censored there)"
)


def sensitivity(sweep: Sweep, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """`sensitivity.json` for sampled designs (None for a grid): per outcome, SALib's
    indices on the per-point mean over replications, the noise shares, warnings where the
    indices are not to be trusted, and the indices at N/4, N/2 and N (convergence)."""
    method = sweep.spec.design.method
    call = analysis_call(sweep)
    if call is None:
        return None
    outcomes: dict[str, Any] = {}
    for outcome in sweep.spec.outcomes:
        by_point, censored = point_values(rows, outcome)
        entry: dict[str, Any] = {
            "noise_share": noise_share(by_point),
            "noise_share_of_means": noise_share_of_means(by_point),
            "censored_runs": censored,
            "runs": sum(len(v) for v in by_point.values()),
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
                entry["indices"], second = _indices(sweep, sweep.x, y)
                if second is not None:
                    entry["second_order"] = second
                entry["convergence"] = convergence(sweep, y)
            except Exception as e:  # SALib refusing a sample (e.g. too few points)
                entry["error"] = f"SALib could not analyse it: {type(e).__name__}: {e}"
        entry["warnings"] = index_warnings(sweep, entry, replications=sweep.replications)
        outcomes[outcome] = entry
    return {
        "sweep": sweep.spec.name,
        "method": method,
        "points": len(sweep.points),
        "base_samples": len(sweep.points) // rows_per_sample(sweep.spec),
        "replications": sweep.replications,
        "seed": sweep.seed,
        "parameters": list(sweep.names),
        "analysed": ANALYSED,
        "analysis": call,
        "note": METHOD_NOTES[method],
        "noise_share": "mean within-point variance over replications ÷ total variance of "
        "all runs: near 0, the parameters explain the spread; near 1, replication noise does",
        "noise_share_of_means": "mean over points of (within-point variance ÷ replications) ÷ "
        "variance of the point means: the share of what the indices decompose that is "
        "replication noise; falls about as 1 / replications",
        "convergence": "the indices on the first N/4, N/2 and N base samples (sobol: "
        "Saltelli blocks; morris: trajectories; lhs: the first points), same settings",
        "thresholds": thresholds(),
        "outcomes": outcomes,
    }


# --------------------------------------------------------------------------- the whole sweep


def inputs(sweep: Sweep) -> list[Copy]:
    """The files a sweep ran from, as its folder keeps copies of them (`sim.files.inputs`):
    the sweep file, the scenario, every overlay and every registry, then the base
    scenario resolved."""
    got = Inputs(sweep.scenario)
    got.add("sweep", 1, sweep.file)
    got.add("scenario", 1, sweep.scenario)
    for k, p in enumerate(sweep.policies, 1):
        got.add("policies", k, p)
    names = got.registries(sweep.base)
    text = resolved_yaml(sweep.base, RESOLVED, names, RESOLVED_HEAD)
    return [*got.copies, Copy("resolved", RESOLVED, None, text.encode("utf-8"))]


def describe(
    sweep: Sweep,
    code: Mapping[str, Any] | None = None,
    copies: Sequence[Copy] = (),
) -> dict[str, Any]:
    """The content of `sweep.json`: what was swept, how, with which code and inputs, the
    sampler call and the analysis, and the design's points (with their coordinates in the
    sampler's space, for sampled designs)."""
    spec = sweep.spec
    sampled = spec.design.method != "grid"
    library = "SALib" if spec.design.method in ("sobol", "morris") else "scipy"
    return {
        "name": spec.name,
        "description": spec.description,
        "sha256": sweep.sha256,
        "code": dict(code) if code is not None else code_identity(),
        "sweep_file": str(sweep.file),
        "scenario": str(sweep.scenario),
        "scenario_name": sweep.base.scenario.name,
        "policies": [str(p) for p in sweep.policies],
        "set": list(sweep.base_sets),
        "inputs": [c.describe() for c in copies],
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
        "sampler": {
            **sweep.sampler,
            "problem": sweep.problem,
            "library": f"{library} {_version(library)}" if sampled else None,
        },
        "integer_rule": INTEGER_RULE,
        "analysis": (
            {**call, "on": ANALYSED, "thresholds": thresholds()}
            if (call := analysis_call(sweep))
            else None
        ),
        "outcomes": list(spec.outcomes),
        **({"store": spec.store.model_dump(mode="json")} if spec.store.daily else {}),
        "points": [
            {
                "point_id": pt.point_id,
                "params": dict(zip(sweep.names, pt.values, strict=True)),
                **({"x": [float(u) for u in sweep.x[pt.point_id]]} if sampled else {}),
            }
            for pt in sweep.points
        ],
        "spawn_scheme": SPAWN,
    }


@dataclass(frozen=True)
class Shown:
    """What a finished sweep shows: plots, in which language, and the report."""

    plots: bool
    lang: str
    report: bool


SPAWN = (
    "numpy SeedSequence(seed, spawn_key=(replication, mechanism_index)); "
    "replication r draws the same streams at every point"
)


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_sweep(
    sweep: Sweep,
    out: Path,
    executor: Executor | None,
    *,
    fresh: bool = False,
    retry_failed: bool = False,
    task_fn: Callable[[Task], dict[str, Any]] = run_task,
    progress: Progress | None = None,
    plots: bool = True,
    force: bool = False,
    lang: str | None = None,
    report: bool = False,
    allow_code_change: bool = False,
    analyse_only: bool = False,
) -> SweepResult:
    """Run what the folder lacks, then write the complete folder; see the module doc.

    Raises FolderError (bad folder, another process writing it, a folder whose runs
    were made by other code unless `allow_code_change`) before anything runs; `force`
    moves a folder holding files a sweep does not write aside. An interruption (Ctrl-C,
    a killed driver) leaves every finished run in the ledger. `analyse_only` runs
    nothing: it recomputes points, indices and plots of a folder holding every run
    (`executor` may then be None). Plots and, with `report`, `report.html` are in
    `lang` (default: the base scenario's `reporting.lang`).
    """
    from sim.output.folder import SWEEP, claim

    with claim(out, SWEEP, force=force):
        shown = Shown(plots, lang or sweep.base.scenario.reporting.lang, report)
        return _run_sweep(
            sweep,
            out,
            executor,
            fresh,
            retry_failed,
            task_fn,
            progress,
            shown,
            allow_code_change,
            analyse_only,
        )


def analyse_sweep(
    sweep: Sweep,
    out: Path,
    *,
    plots: bool = True,
    force: bool = False,
    lang: str | None = None,
    report: bool = False,
) -> SweepResult:
    """Recompute `points.csv`, `sensitivity.json` and the plots of a finished sweep folder
    with the sweep file's current outcomes and analysis settings, running nothing."""
    return run_sweep(
        sweep, out, None, plots=plots, force=force, lang=lang, report=report, analyse_only=True
    )


def _run_sweep(
    sweep: Sweep,
    out: Path,
    executor: Executor | None,
    fresh: bool,
    retry_failed: bool,
    task_fn: Callable[[Task], dict[str, Any]],
    progress: Progress | None,
    shown: Shown,
    allow_code_change: bool,
    analyse_only: bool,
) -> SweepResult:
    from sim.output.sweep_store import SweepStore

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    where = executor.describe() if executor is not None else "none (analysis only)"
    code = code_identity()
    copies = inputs(sweep)
    doc = describe(sweep, code, copies)
    store = SweepStore.open(
        out,
        doc,
        fresh=fresh,
        inputs=[(c.file, c.data) for c in copies],
        allow_code_change=allow_code_change,
        require=[t.run_id for t in tasks(sweep)] if analyse_only else None,
    )
    try:
        store.begin_session(
            {
                "mode": "analyse" if analyse_only else "run",
                "started": started.isoformat(),
                "executor": where,
                "command": list(sys.argv),
                "code": code,
                "allow_code_change": allow_code_change,
                "code_changed": store.code_changed,
            }
        )
        if analyse_only:
            ran = 0
            store.unfinish()
        else:
            assert executor is not None
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
        if analyse_only:
            _check_daily(sweep, store.records)
        columns = [
            *RESERVED_COLUMNS,
            *sweep.names,
            *metric_columns(store.records.values()),
            *(c.name for c in sweep.curves),
        ]
        meta = {
            "parksim.sweep": sweep.spec.name,
            "parksim.sweep_sha256": sweep.sha256,
            "parksim.code_sha256": code["source_sha256"],
            "parksim.seed": str(sweep.seed),
            "parksim.spawn_scheme": SPAWN,
        }
        failed = sum(r["status"] != OK for r in rows)
        wall = time.perf_counter() - t0
        manifest = {
            "sweep": sweep.spec.name,
            "sweep_file": str(sweep.file),
            "sweep_sha256": sweep.sha256,
            "code": code,
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
            daily=daily_tables(sweep, store.records),
        )
    finally:
        store.close()
    return SweepResult(out, sweep.runs, ran, failed, where, round(wall, 3))
