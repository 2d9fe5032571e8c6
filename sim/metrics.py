"""Summary metrics of recovery, computed per replication and then summarised.

Q(t) is park output as a share of baseline. Every metric is computed on each
replication's own curve, then averaged with a confidence interval (Poulin &
Kane 2021), never on the mean curve:

- days_to_X: first day Q >= X and stays there for `sustain_days` days (or to the
  end of the horizon); None when never reached.
- lost_output_days: sum over days of (1 − Q), in baseline-days (the resilience
  triangle of Bruneau et al. 2003).
- resilience: mean of Q over the horizon (Cimellaro et al. 2010); comparable
  when an option never recovers.
- min_capacity (robustness), final_capacity, final_resumption.
- failed_firms (out of business at the end), relief_spent (money paid, value units),
  lost_output_value (lost output in value units, to set against money spent).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import quantiles
from sim.record import Trace

LEVELS = (50, 80, 95)
METRICS = (
    "days_to_50",
    "days_to_80",
    "days_to_95",
    "lost_output_days",
    "resilience",
    "min_capacity",
    "final_capacity",
    "final_resumption",
    "failed_firms",
    "relief_spent",
    "lost_output_value",
)


def days_to(q: np.ndarray, level: float, sustain: int) -> int | None:
    """First day from which `q >= level` holds for `sustain` days (or to the horizon's end)."""
    ok = q >= level - 1e-12
    n = len(q)
    run = 0
    for d in range(n - 1, -1, -1):
        run = run + 1 if ok[d] else 0
        ok[d] = run >= sustain or (run > 0 and d + run == n)
    hits = np.flatnonzero(ok)
    return int(hits[0]) if len(hits) else None


def replication_metrics(trace: Trace, sustain: int) -> dict[str, float | int | None]:
    """Every summary metric of one replication."""
    q = trace.capacity
    out: dict[str, float | int | None] = {
        f"days_to_{x}": days_to(q, x / 100, sustain) for x in LEVELS
    }
    out["lost_output_days"] = float(np.sum(1.0 - q))
    out["resilience"] = float(np.mean(q))
    out["min_capacity"] = float(np.min(q))
    out["final_capacity"] = float(q[-1])
    out["final_resumption"] = float(trace.resumption[-1])
    out["failed_firms"] = int(trace.state_counts[-1, trace.states.index("failed")])
    out["relief_spent"] = float(trace.relief_spent[-1])
    out["lost_output_value"] = float(np.sum(trace.baseline_total - trace.output))
    return out


def cause_totals(trace: Trace) -> dict[str, float]:
    """Lost output by cause over the horizon, in baseline-days."""
    tot = trace.lost_days.sum(axis=0)
    return {c: float(v) for c, v in zip(trace.causes, tot, strict=True)}


def ci95(values: Sequence[float]) -> tuple[float, float] | None:
    """Student-t 95 % interval of the mean (a point for one value; None for none)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return None
    m = float(x.mean())
    if len(x) == 1:
        return (m, m)
    half = quantiles.student_t(0.975, len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return (m - half, m + half)


def summarise(values: Sequence[float | int | None]) -> dict[str, Any]:
    """Mean, 95 % CI and the per-replication values; None values count as not reached."""
    reached = [float(v) for v in values if v is not None]
    ci = ci95(reached)
    return {
        "mean": float(np.mean(reached)) if reached else None,
        "ci95": list(ci) if ci is not None else None,
        "values": list(values),
        "reached": len(reached),
    }


def summary(traces: Sequence[Trace], sustain: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """`metrics` and `causes` sections of summary.json for a set of replications."""
    per = [replication_metrics(t, sustain) for t in traces]
    metrics = {m: summarise([p[m] for p in per]) for m in METRICS}
    causes_per = [cause_totals(t) for t in traces]
    names = traces[0].causes if traces else ()
    causes = {c: summarise([cp[c] for cp in causes_per]) for c in names}
    return metrics, causes
