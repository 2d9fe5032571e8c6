"""Summary metrics of recovery, computed per replication and then summarised; the
daily indicators of `timeseries.csv`; and the name of every metric parksim reports.

Q(t) is park output as a share of baseline. Every metric is computed on each
replication's own curve, then averaged with a confidence interval (Poulin &
Kane 2021), never on the mean curve:

- days_to_X: first day Q >= X and stays there for `sustain_days` days (or to the
  end of the horizon); None when never reached. Summarised over replications as a
  Kaplan–Meier median with a 95 % CI, a replication that never reached X being
  right-censored at the horizon (`days_to_median`): the mean over the replications
  that reached X alone is biased low and is kept only for older readers.
- lost_output_days: sum over days of (1 − Q), in baseline-days (the resilience
  triangle of Bruneau et al. 2003).
- resilience: mean of Q over the horizon (Cimellaro et al. 2010); comparable
  when an option never recovers.
- min_capacity (robustness), final_capacity, final_resumption.
- failed_firms (out of business at the end), relief_spent (money paid, value units),
  lost_output_value (lost output in value units, to set against money spent).

The daily indicators follow the series the recorder and the mechanisms declare
(`Trace.declared()`): `DAILY` says how today's declared series read as indicators
(capacity is output over baseline, the workforce a share of staff on post, …), and
any other daily series a mechanism declares is an indicator under its own name.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim import quantiles
from sim.record import Trace

# --------------------------------------------------------------------------- names

LEVELS = (50, 80, 95)
"""Capacity levels (%) of the `days_to_X` metrics."""

DAYS_TO_PREFIX = "days_to_"
"""Names `days_to_<level>`: the first day capacity reaches a level and holds it, None
(not reached) in a replication that never gets there."""


def days_to_name(level: int) -> str:
    """The metric of the first day capacity reaches `level` % and holds it."""
    return f"{DAYS_TO_PREFIX}{level}"


DAYS_TO_80 = days_to_name(80)
LOST_OUTPUT_DAYS = "lost_output_days"
RESILIENCE = "resilience"
MIN_CAPACITY = "min_capacity"
FINAL_CAPACITY = "final_capacity"
FINAL_RESUMPTION = "final_resumption"
FAILED_FIRMS = "failed_firms"
RELIEF_SPENT = "relief_spent"
LOST_OUTPUT_VALUE = "lost_output_value"


@dataclass(frozen=True)
class Metric:
    """A summary metric: one number per replication (or per option, in a comparison)."""

    name: str
    label: str
    """How tables name it (`comparison.md`)."""
    axis: str = ""
    """How a chart's axis names it, with its unit (the label when empty)."""


SUMMARY: tuple[Metric, ...] = (
    *(Metric(days_to_name(x), f"days to {x} % capacity") for x in LEVELS),
    Metric(LOST_OUTPUT_DAYS, "lost output (baseline-days)"),
    Metric(
        RESILIENCE,
        "resilience (mean capacity over the horizon)",
        "resilience (mean capacity, share of baseline)",
    ),
    Metric(MIN_CAPACITY, "lowest capacity", "lowest capacity (share of baseline)"),
    Metric(
        FINAL_CAPACITY,
        "capacity on the last day",
        "capacity on the last day (share of baseline)",
    ),
    Metric(FINAL_RESUMPTION, "share of firms open on the last day"),
    Metric(FAILED_FIRMS, "firms out of business at the end"),
    Metric(RELIEF_SPENT, "relief paid (value units)"),
    Metric(LOST_OUTPUT_VALUE, "lost output (value units)"),
)
"""Every summary metric of a replication, in the order `replication_metrics` gives them
(the order of `summary.json`, `runs.parquet` and `comparison.csv`)."""
METRICS = tuple(m.name for m in SUMMARY)
HEADLINE = (LOST_OUTPUT_DAYS, DAYS_TO_80)
"""The metrics a planner reads first: a sweep analyses them unless told otherwise."""

RELAPSE_LEVEL = 80
"""The level whose relapses a comparison reports (`relapsed_80`) and charts mark."""
RELAPSED_PREFIX = "relapsed_"
"""A comparison's metrics `relapsed_<level>`: 1 in a replication whose capacity fell back
more than `reporting.relapse_margin` below the level after its sustained crossing, 0 in
one that reached the level and held within the margin, None in one that never reached it
(its mean is the share of the replications reaching the level that relapsed)."""


def relapsed_name(level: int) -> str:
    """The comparison's metric of relapses after reaching `level` %."""
    return f"{RELAPSED_PREFIX}{level}"


RELAPSED_80 = relapsed_name(RELAPSE_LEVEL)

SAVED_PER_MONEY = "output_saved_per_money"
"""A comparison's option against the baseline: output saved (value units) per unit of
extra relief money."""
COMPARISON: tuple[Metric, ...] = (
    Metric(
        RELAPSED_80,
        "share relapsed after reaching 80 %",
        "share of the replications reaching 80 % that fell back (relapse)",
    ),
    Metric(SAVED_PER_MONEY, "output saved per unit of relief (vs baseline)"),
)
"""Metrics a comparison adds to the summary metrics of each option."""

CAUSE_PREFIX = "lost:"
"""A comparison's metrics `lost:<cause>` hold the output lost to one cause, in
baseline-days."""

_BY_NAME = {m.name: m for m in (*SUMMARY, *COMPARISON)}


def label(name: str) -> str:
    """How a table names a metric (one it does not know keeps its name)."""
    m = _BY_NAME.get(name)
    return m.label if m else name


def axis_label(name: str) -> str:
    """How a chart's axis names a metric, with its unit (one it does not know keeps its name)."""
    m = _BY_NAME.get(name)
    return (m.axis or m.label) if m else name


# --------------------------------------------------------------------------- daily

PARK = "park"
"""Group of a park-wide indicator in `timeseries.csv` (others: one row per label of the
series' axis, such as a sector)."""

CAPACITY = "capacity"
"""Output as a share of baseline, of the park (group `park`) and of each sector."""
RESUMPTION = "resumption"
RESUMPTION_WEIGHTED = "resumption_weighted"
RESUMPTION_ABOVE_SCALE = "resumption_above_scale"
RESUMED = "resumed"
"""Share of firms that have resumed: reopened and not failed, operating today or not
(已复工; what the articles' 复工率 counts). `resumption` is the share operating today."""
RESUMED_ABOVE_SCALE = "resumed_above_scale"
WORKFORCE = "workforce"
STAFF_ON_POST = "staff_on_post"

Values = Callable[[Trace, np.ndarray], np.ndarray]


def _as_declared(trace: Trace, values: np.ndarray) -> np.ndarray:
    return values


def _always(trace: Trace) -> bool:
    return True


@dataclass(frozen=True)
class Indicator:
    """How one declared daily series reads as an indicator of `timeseries.csv`."""

    metric: str
    """Its name; with `{}`, one metric per label of the series' axis (`staff_{}`)."""
    unit: str
    doc: str
    source: str
    """The declared series it is read from."""
    values: Values = _as_declared
    """Its values, day first, from the source's values (and the trace's totals)."""
    present: Callable[[Trace], bool] = _always
    """Whether the run has it at all."""


def _failed(t: Trace, counts: np.ndarray) -> np.ndarray:
    return counts[:, t.states.index("failed")]


def _group(t: Trace, v: np.ndarray, measure: str) -> np.ndarray:
    """One measure of every group (`sim.model.groups.MEASURES`), day first."""
    out: np.ndarray = v[:, :, t.series["groups"].axes[1].index(measure)]
    return out


DAILY: tuple[Indicator, ...] = (
    Indicator(
        CAPACITY,
        "share",
        "park output as a share of baseline",
        "output",
        lambda t, v: v / t.baseline_total,
    ),
    Indicator(
        CAPACITY,
        "share",
        "each sector's output as a share of its baseline",
        "output_sector",
        lambda t, v: v / t.baseline_sector,
    ),
    Indicator(
        CAPACITY,
        "share",
        "each group's output as a share of its baseline (groups `tag:…`, `class:…`, "
        "`batch:…`, `approval:…`)",
        "groups",
        lambda t, v: _group(t, v, "capacity"),
    ),
    Indicator(RESUMPTION, "share", "share of firms operating today", "resumption"),
    Indicator(
        RESUMPTION,
        "share",
        "share of each group's firms operating today",
        "groups",
        lambda t, v: _group(t, v, "resumption"),
    ),
    Indicator(
        RESUMPTION_WEIGHTED,
        "share",
        "share of baseline output held by operating firms",
        "resumption_weighted",
    ),
    Indicator(
        RESUMPTION_ABOVE_SCALE,
        "share",
        "share of above-scale firms operating (only in parks that have some)",
        "resumption_above_scale",
        present=lambda t: t.n_above_scale > 0,
    ),
    Indicator(
        RESUMED,
        "share",
        "share of firms that have resumed: reopened and not failed, operating today or "
        "not (已复工, the official 复工率)",
        "resumed",
    ),
    Indicator(
        RESUMED_ABOVE_SCALE,
        "share",
        "share of above-scale firms that have resumed (only in parks that have some)",
        "resumed_above_scale",
        present=lambda t: t.n_above_scale > 0,
    ),
    Indicator(
        RESUMED,
        "share",
        "share of each group's firms that have resumed",
        "groups",
        lambda t, v: _group(t, v, "resumed"),
    ),
    Indicator(
        WORKFORCE,
        "share",
        "share of staff on post",
        "workforce",
        lambda t, v: v[:, 0] / max(t.staff_total, 1),
    ),
    Indicator(
        WORKFORCE,
        "share",
        "share of each group's staff on post",
        "groups",
        lambda t, v: _group(t, v, "workforce"),
    ),
    Indicator("staff_{}", "people", "staff on post, in quarantine, isolated, away", "workforce"),
    Indicator(
        STAFF_ON_POST,
        "people",
        "staff on post in each group's firms",
        "groups",
        lambda t, v: _group(t, v, "staff_on_post"),
    ),
    Indicator("review_queue", "applications", "applications waiting for a team", "review_queue"),
    Indicator(
        "review_wait_days",
        "days",
        "mean wait of the reviews started that day (empty if none)",
        "review_wait",
    ),
    Indicator("cases", "cases", "positive cases found that day", "cases"),
    Indicator(
        "trips_in_transit",
        "trips",
        "controlled truck trips on the road or in a station",
        "trips_in_transit",
    ),
    Indicator(FAILED_FIRMS, "firms", "firms out of business", "state_counts", _failed),
    Indicator("cash_negative_firms", "firms", "firms with cash below zero", "cash_negative"),
    Indicator(RELIEF_SPENT, "value units", "relief paid so far (cumulative)", "relief_spent"),
)
"""Today's daily indicators, in `timeseries.csv` order, each read from a declared series
(the names predate the declarations and are kept)."""

SHARE_METRICS = tuple(dict.fromkeys(i.metric for i in DAILY if i.unit == "share"))
"""Daily indicators that are shares of a whole (0..1): shown in %."""


def daily(trace: Trace, skip: Collection[str] = ()) -> list[tuple[str, str, np.ndarray]]:
    """Every daily indicator of one replication: (metric, group, value per day).

    First `DAILY`, in its order, for the series the trace declares; then every other
    daily series it declares (neither a source of `DAILY` nor in `skip`, the series
    other files hold), in declaration order, under its own name: one indicator of
    group `park` for a number per day, one per label (group: the label, labels of
    several axes joined by `/`) for an array per day. A declared series named like one
    of today's indicators is refused (ValueError): the file would hold it twice.
    """
    series = trace.series
    out: list[tuple[str, str, np.ndarray]] = []
    for ind in DAILY:
        if ind.source not in series or not ind.present(trace):
            continue
        src = series[ind.source]
        values = ind.values(trace, src.values)
        if values.ndim == 1:
            out.append((ind.metric, PARK, values))
        elif "{}" in ind.metric:
            out += [(ind.metric.format(x), PARK, values[:, k]) for k, x in enumerate(src.axes[0])]
        else:
            out += [(ind.metric, x, values[:, k]) for k, x in enumerate(src.axes[0])]
    used = {ind.source for ind in DAILY} | set(skip)
    taken = {metric for metric, _, _ in out}
    for s in trace.declared():
        if not s.daily or s.name in used:
            continue
        if s.name in taken:
            raise ValueError(
                f"the declared series '{s.name}' has the name of an indicator of "
                "timeseries.csv; give it another name"
            )
        if not s.axes:
            out.append((s.name, PARK, s.values))
            continue
        for idx in itertools.product(*(range(len(a)) for a in s.axes)):
            group = "/".join(a[k] for a, k in zip(s.axes, idx, strict=True))
            every_day: tuple[slice | int, ...] = (slice(None), *idx)
            out.append((s.name, group, s.values[every_day]))
    return out


# --------------------------------------------------------------------------- summary


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


@dataclass(frozen=True)
class Relapse:
    """What the capacity curve did after its sustained crossing of a level: the first day
    it fell more than the margin below the level (None: it never did), the lowest it
    fell from the crossing on, and how many days after the crossing it spent below the
    level at all."""

    crossed: int
    """The day the level was reached and held (`days_to`)."""
    day: int | None
    """First day after the crossing with capacity below level − margin (None: none)."""
    low: float
    """Lowest capacity from the crossing to the end of the horizon."""
    days_below: int
    """Days after the crossing with capacity below the level."""

    @property
    def relapsed(self) -> bool:
        """True when the curve fell back more than the margin after the crossing."""
        return self.day is not None


def relapse(q: np.ndarray, level: float, sustain: int, margin: float) -> Relapse | None:
    """What `q` did after it reached `level` and held it for `sustain` days (`days_to`);
    None when it never did. It relapsed when it later fell more than `margin` below the
    level (strictly: a fall of exactly the margin, within rounding, is not a relapse)."""
    crossed = days_to(q, level, sustain)
    if crossed is None:
        return None
    after = q[crossed:]
    deep = np.flatnonzero(after < level - margin - 1e-12)
    return Relapse(
        crossed=crossed,
        day=crossed + int(deep[0]) if len(deep) else None,
        low=float(after.min()),
        days_below=int(np.count_nonzero(after < level - 1e-12)),
    )


RELAPSE_RULE = (
    "a replication relapsed when, after capacity reached the level and held it for "
    "`sustain_days` days, it later fell more than `margin` (a share of baseline) below "
    "the level"
)
"""How `relapses` flags a relapse, as summary.json states it."""


def relapses(traces: Sequence[Trace], sustain: int, margin: float) -> dict[str, Any]:
    """The `relapses` section of summary.json: for each days-to-X metric, how many of the
    replications that reached the level fell back more than `margin` below it, and per
    replication the first day below level − margin (`days`, None when it did not fall
    back or never reached the level), the lowest capacity after the crossing (`lows`)
    and the days after the crossing spent below the level (`days_below`)."""
    out: dict[str, Any] = {}
    for x in LEVELS:
        found = [relapse(t.capacity, x / 100, sustain, margin) for t in traces]
        out[days_to_name(x)] = {
            "level": x / 100,
            "margin": margin,
            "sustain_days": sustain,
            "n": len(found),
            "reached": sum(1 for r in found if r is not None),
            "relapsed": sum(1 for r in found if r is not None and r.relapsed),
            "days": [None if r is None else r.day for r in found],
            "lows": [None if r is None else r.low for r in found],
            "days_below": [None if r is None else r.days_below for r in found],
            "rule": RELAPSE_RULE,
        }
    return out


def relapsed(trace: Trace, sustain: int, margin: float, level: int = RELAPSE_LEVEL) -> int | None:
    """A comparison's `relapsed_<level>` of one replication: 1 relapsed, 0 held, None
    never reached the level."""
    r = relapse(trace.capacity, level / 100, sustain, margin)
    return None if r is None else int(r.relapsed)


def replication_metrics(trace: Trace, sustain: int) -> dict[str, float | int | None]:
    """Every summary metric of one replication."""
    q = trace.capacity
    out: dict[str, float | int | None] = {
        days_to_name(x): days_to(q, x / 100, sustain) for x in LEVELS
    }
    out[LOST_OUTPUT_DAYS] = float(np.sum(1.0 - q))
    out[RESILIENCE] = float(np.mean(q))
    out[MIN_CAPACITY] = float(np.min(q))
    out[FINAL_CAPACITY] = float(q[-1])
    out[FINAL_RESUMPTION] = float(trace.resumption[-1])
    out[FAILED_FIRMS] = int(trace.state_counts[-1, trace.states.index("failed")])
    out[RELIEF_SPENT] = float(trace.relief_spent[-1])
    out[LOST_OUTPUT_VALUE] = float(np.sum(trace.baseline_total - trace.output))
    return out


def cause_totals(trace: Trace) -> dict[str, float]:
    """Lost output by cause over the horizon, in baseline-days."""
    tot = trace.lost_days.sum(axis=0)
    return {c: float(v) for c, v in zip(trace.causes, tot, strict=True)}


def cost_elsewhere(trace: Trace) -> np.ndarray:
    """Output (value units) the firms of *other* parks of a region lost over the run for
    want of each park's goods (supply's blame, `Trace.cost_by_park` without a park's own
    row): what each park's late or unsynchronised reopening cost the rest of the region.
    Empty for a scenario without parks."""
    if not trace.park_ids:
        return np.zeros(0)
    n = len(trace.park_ids)
    cost = trace.cost_by_park[:, :n]
    out: np.ndarray = cost.sum(axis=0) - np.diagonal(cost)
    return out


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


KM_METHOD = (
    "Kaplan-Meier (scipy.stats.ecdf); a replication that never reached the level is "
    "right-censored at the horizon; median = first day the survival estimate is <= 0.5; "
    "95 % CI: first days the log-log confidence band of the survival is <= 0.5"
)
"""How `days_to_median` estimates, as summary.json states it."""


def _first_at_or_below(times: np.ndarray, survival: np.ndarray, p: float) -> float | None:
    hit = np.flatnonzero(survival <= p + 1e-12)
    return float(times[hit[0]]) if len(hit) else None


def days_to_median(
    values: Sequence[float | int | None], horizon: int, confidence: float = 0.95
) -> tuple[float | None, tuple[float | None, float | None]]:
    """Median days to a level over replications, with its confidence interval, where a
    replication that never reached the level (None) is right-censored at `horizon`.

    The Kaplan–Meier estimate S(t) of the share of replications not yet at the level
    after day t (`scipy.stats.ecdf` of `CensoredData`); the median is the first day
    S(t) <= 0.5, and the interval runs from the first day the lower band of S is <= 0.5
    to the first day its upper band is (log-log bands, Brookmeyer–Crowley). None where
    the curve or band never gets there within the horizon: the median (or the upper
    end) is then beyond the horizon. (None, (None, None)) for no replications.
    """
    reached = [float(v) for v in values if v is not None]
    censored = [float(horizon)] * (len(values) - len(reached))
    if not values:
        return None, (None, None)
    if not reached:
        return None, (None, None)
    sf = stats.ecdf(stats.CensoredData(uncensored=reached, right=censored)).sf
    times, surv = sf.quantiles, sf.probabilities
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined where S is 0
        band = sf.confidence_interval(confidence, method="log-log")
    low = np.where(np.isnan(band.low.probabilities), surv, band.low.probabilities)
    high = np.where(np.isnan(band.high.probabilities), surv, band.high.probabilities)
    return _first_at_or_below(times, surv, 0.5), (
        _first_at_or_below(times, low, 0.5),
        _first_at_or_below(times, high, 0.5),
    )


def summarise_days_to(values: Sequence[float | int | None], horizon: int) -> dict[str, Any]:
    """`summarise` of a days-to-X metric, with its censored estimate: `median` and
    `median_ci95` (Kaplan–Meier, never reached = censored at `horizon`; None: beyond
    the horizon), `n` replications and `censored_at`. `mean` and `ci95` stay the mean
    over the replications that reached the level, for older readers: biased low
    whenever some did not (`reached` < `n`)."""
    median, ci = days_to_median(values, horizon)
    return {
        **summarise(values),
        "n": len(values),
        "median": median,
        "median_ci95": list(ci),
        "censored_at": horizon,
        "estimate": KM_METHOD,
    }


def summary(traces: Sequence[Trace], sustain: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """`metrics` and `causes` sections of summary.json for a set of replications."""
    per = [replication_metrics(t, sustain) for t in traces]
    horizon = traces[0].days if traces else 0
    metrics = {
        m: (
            summarise_days_to([p[m] for p in per], horizon)
            if m.startswith(DAYS_TO_PREFIX)
            else summarise([p[m] for p in per])
        )
        for m in METRICS
    }
    causes_per = [cause_totals(t) for t in traces]
    names = traces[0].causes if traces else ()
    causes = {c: summarise([cp[c] for cp in causes_per]) for c in names}
    return metrics, causes
