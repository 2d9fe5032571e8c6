"""Policy options against a baseline: per-option summaries and paired differences.

Every option runs replications 0..N-1 with the baseline's seed, so replication r
of every option draws the same random numbers for every mechanism the option does
not touch (common random numbers). The difference between an option and the
baseline is then taken replication by replication (a paired difference), which
removes most of the noise the two runs share; its mean gets a Student-t 95 %
interval, and the difference is called significant when that interval excludes 0.

Days to a level (`days_to_X`) are censored: a replication that never reaches the level
has no day. The paired difference is taken over the pairs where both reached it; the
pairs where only one side did are counted apart (`Row.only_option`,
`Row.only_baseline`, `Row.neither`), because their difference is known only in sign
(the side that reached the level is the faster, by at least the days it had left).

Pure statistics: traces (or per-replication values) in, a `Comparison` table out.
The options are built by `sim.experiment.compare`, the folder written by
`sim.output.compare_report`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.metrics import (
    CAUSE_PREFIX,
    DAYS_TO_80,
    DAYS_TO_PREFIX,
    LOST_OUTPUT_DAYS,
    LOST_OUTPUT_VALUE,
    RELAPSED_80,
    RELIEF_SPENT,
    SAVED_PER_MONEY,
    cause_totals,
    ci95,
    cost_elsewhere,
    relapsed,
    replication_metrics,
)
from sim.record import Trace

Value = float | int | None


@dataclass(frozen=True)
class OptionRuns:
    """Per-replication outcomes of one option, keyed by replication index.

    `metrics[r]` maps each summary metric to its value in replication r (None when
    not reached, such as `days_to_80` in a run that never gets there); `causes[r]`
    maps each cause to the output lost to it over the horizon, in baseline-days.
    """

    name: str
    metrics: Mapping[int, Mapping[str, Value]]
    causes: Mapping[int, Mapping[str, float]]


@dataclass(frozen=True)
class Row:
    """One option and one metric: its mean with a 95 % CI, and its paired difference
    from the baseline (option − baseline) with a 95 % CI over the replications where
    both have a value."""

    option: str
    metric: str
    mean: float | None
    """Mean over the `n` replications with a value (None when there are none)."""
    ci95: tuple[float, float] | None
    n: int
    diff: float | None
    """Mean paired difference option − baseline (None when no pair has both values)."""
    diff_ci95: tuple[float, float] | None
    """Student-t 95 % CI of `diff` (None with fewer than two pairs)."""
    n_pairs: int
    significant: bool
    """True when `diff_ci95` excludes 0; False when it is missing or every pair is equal."""
    only_option: int = 0
    """Days-to-X: pairs where the option reached the level and the baseline never did
    (the option is faster there, by an amount the horizon hides); not in `diff`."""
    only_baseline: int = 0
    """Days-to-X: pairs where the baseline reached the level and the option never did
    (the option is slower there); not in `diff`."""
    neither: int = 0
    """Days-to-X: pairs where neither reached the level."""


@dataclass(frozen=True)
class Comparison:
    """The table of every option × metric, baseline first, options in the given order."""

    baseline: str
    options: tuple[str, ...]
    metrics: tuple[str, ...]
    """Summary metrics in the order `replication_metrics` gives them, then `lost:<cause>`."""
    rows: tuple[Row, ...]
    replications: int

    def row(self, option: str, metric: str) -> Row:
        """The row of one option and metric (KeyError if there is none)."""
        for r in self.rows:
            if r.option == option and r.metric == metric:
                return r
        raise KeyError((option, metric))

    def get(self, option: str, metric: str) -> Row | None:
        """The row of one option and metric, or None."""
        try:
            return self.row(option, metric)
        except KeyError:
            return None

    @property
    def causes(self) -> tuple[str, ...]:
        """The causes of lost output, as named in `lost:<cause>` metrics."""
        return tuple(m[len(CAUSE_PREFIX) :] for m in self.metrics if m.startswith(CAUSE_PREFIX))

    def ranked(self, metric: str = LOST_OUTPUT_DAYS) -> list[str]:
        """Options by mean of `metric`, smallest first (ties and missing means keep their
        order, missing last); the given order when no option has the metric."""
        order = {name: i for i, name in enumerate(self.options)}

        def key(name: str) -> tuple[int, float, int]:
            r = self.get(name, metric)
            if r is None or r.mean is None:
                return (1, 0.0, order[name])
            return (0, r.mean, order[name])

        return sorted(self.options, key=key)


def option_runs(
    name: str, traces: Sequence[Trace], sustain_days: int, relapse_margin: float | None = None
) -> OptionRuns:
    """Summary metrics and lost output by cause of each replication of one option; with a
    `relapse_margin`, also `relapsed_80` (1 fell back more than the margin below 80 % after
    reaching it, 0 held, None never reached 80 %)."""

    def metrics(t: Trace) -> dict[str, Value]:
        out: dict[str, Value] = dict(replication_metrics(t, sustain_days))
        if relapse_margin is not None:
            out[RELAPSED_80] = relapsed(t, sustain_days, relapse_margin)
        return out

    return OptionRuns(
        name=name,
        metrics={t.replication: metrics(t) for t in traces},
        causes={t.replication: cause_totals(t) for t in traces},
    )


def _number(v: object) -> float | None:
    """A metric value as a float, or None when missing or not a finite number."""
    if v is None:
        return None
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _ordered_union(seqs: Sequence[Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(k for s in seqs for k in s))


def paired_difference(
    option: Mapping[int, Value], baseline: Mapping[int, Value]
) -> tuple[float | None, tuple[float, float] | None, int, bool]:
    """Mean of option − baseline over the replications where both have a value.

    Returns (mean, 95 % CI, number of pairs, significant). The CI is Student-t over
    the pairs (None with fewer than two); significant means the CI excludes 0, and
    is False whenever every pair is exactly equal.
    """
    reps = sorted(r for r in option if r in baseline)
    diffs = []
    for r in reps:
        a, b = _number(option[r]), _number(baseline[r])
        if a is not None and b is not None:
            diffs.append(a - b)
    if not diffs:
        return None, None, 0, False
    mean = float(np.mean(diffs))
    if all(d == 0.0 for d in diffs):
        return 0.0, (0.0, 0.0), len(diffs), False
    ci = ci95(diffs) if len(diffs) >= 2 else None
    significant = ci is not None and (ci[0] > 0 or ci[1] < 0)
    return mean, ci, len(diffs), bool(significant)


def censored_pairs(
    option: Mapping[int, Value], baseline: Mapping[int, Value]
) -> tuple[int, int, int]:
    """Pairs of a days-to-X metric the paired difference leaves out, by who reached the
    level: (only the option, only the baseline, neither)."""
    reps = [r for r in option if r in baseline]
    got = [(_number(option[r]) is not None, _number(baseline[r]) is not None) for r in reps]
    return (
        sum(1 for a, b in got if a and not b),
        sum(1 for a, b in got if b and not a),
        sum(1 for a, b in got if not a and not b),
    )


def _summary(values: Mapping[int, Value]) -> tuple[float | None, tuple[float, float] | None, int]:
    xs = [x for x in (_number(v) for v in values.values()) if x is not None]
    if not xs:
        return None, None, 0
    return float(np.mean(xs)), ci95(xs), len(xs)


def compare(runs: Sequence[OptionRuns]) -> Comparison:
    """Compare every option with the first (the baseline), metric by metric.

    Metrics are whatever `replication_metrics` reported (in its order, new ones
    included), then `lost:<cause>` for every cause any option reported; a cause an
    option does not have lost it nothing (0).
    """
    if not runs:
        raise ValueError("compare needs at least the baseline")
    names = [o.name for o in runs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"option names must be unique; repeated: {', '.join(dupes)}")
    base = runs[0]
    metric_names = _ordered_union([list(m) for o in runs for m in o.metrics.values()])
    causes = _ordered_union([list(c) for o in runs for c in o.causes.values()])

    def series(o: OptionRuns, metric: str) -> dict[int, Value]:
        if metric.startswith(CAUSE_PREFIX):
            cause = metric[len(CAUSE_PREFIX) :]
            return {r: c.get(cause, 0.0) for r, c in o.causes.items()}
        return {r: m.get(metric) for r, m in o.metrics.items()}

    all_metrics = [*metric_names, *(CAUSE_PREFIX + c for c in causes)]
    rows = []
    for o in runs:
        for metric in all_metrics:
            values = series(o, metric)
            mean, ci, n = _summary(values)
            base_values = series(base, metric)
            diff, diff_ci, n_pairs, sig = paired_difference(values, base_values)
            apart = (
                censored_pairs(values, base_values)
                if metric.startswith(DAYS_TO_PREFIX)
                else (0, 0, 0)
            )
            rows.append(Row(o.name, metric, mean, ci, n, diff, diff_ci, n_pairs, sig, *apart))
    if RELIEF_SPENT in metric_names and LOST_OUTPUT_VALUE in metric_names:
        all_metrics.append(SAVED_PER_MONEY)
        for o in runs:
            rows.append(
                _saved_per_money(
                    o.name,
                    series(o, RELIEF_SPENT),
                    series(o, LOST_OUTPUT_VALUE),
                    series(base, RELIEF_SPENT),
                    series(base, LOST_OUTPUT_VALUE),
                )
            )
    replications = max((len(o.metrics) for o in runs), default=0)
    return Comparison(
        baseline=base.name,
        options=tuple(names),
        metrics=tuple(all_metrics),
        rows=tuple(rows),
        replications=replications,
    )


def _saved_per_money(
    name: str,
    spent: Mapping[int, Value],
    lost: Mapping[int, Value],
    base_spent: Mapping[int, Value],
    base_lost: Mapping[int, Value],
) -> Row:
    """Σ(baseline lost − option lost) / Σ(option spent − baseline spent) over paired runs."""
    pairs = [r for r in spent if r in base_spent and r in lost and r in base_lost]
    money = sum(float(spent[r] or 0) - float(base_spent[r] or 0) for r in pairs)
    saved = sum(float(base_lost[r] or 0) - float(lost[r] or 0) for r in pairs)
    ratio = saved / money if money > 1e-12 else None
    return Row(
        name,
        SAVED_PER_MONEY,
        ratio,
        None,
        len(pairs) if ratio is not None else 0,
        None,
        None,
        0,
        False,
    )


def compare_traces(
    traces: Mapping[str, Sequence[Trace]],
    sustain_days: int,
    relapse_margin: float | None = None,
) -> Comparison:
    """`compare` on the traces of each option; the first option is the baseline. With a
    `relapse_margin` (`reporting.relapse_margin`) the options' relapses after reaching
    80 % are compared too (`relapsed_80`)."""
    return compare(
        [option_runs(name, ts, sustain_days, relapse_margin) for name, ts in traces.items()]
    )


# --------------------------------------------------------------- what holds an option back

SUPPLIER, PARK_FIRM, STATION, PASSES = "supplier", "park_firm", "station", "passes"
"""What a bottleneck may be: an external supplier, a park firm as supplier of others,
a transfer station, or the pass system (goods waiting for a pass or an open station)."""
PARK_SOURCE = "park"
"""In a region of parks, a bottleneck may also be a whole park: the output the other
parks' firms lost for want of its firms' goods (`metrics.cost_elsewhere`). It sums some
`park_firm` lines, so the lines of a ranking do not add up."""
SOURCE_KINDS = (SUPPLIER, PARK_FIRM, STATION, PASSES, PARK_SOURCE)
PASSES_ID = "waiting_for_pass_or_open_station"
"""The id of the one `passes` bottleneck."""

SourceKey = tuple[str, str]
"""(kind, id) of a bottleneck."""


def source_costs(trace: Trace) -> dict[SourceKey, float]:
    """Park output each source's missing goods cost over one replication, in
    baseline-days, for every source the run has (those that cost nothing at 0): park
    firms as suppliers, external suppliers, stations, and the pass system. A firm's loss
    on a day is shared among the sources of its binding input by their unfilled orders,
    or among stations by the goods they hold (`Trace.cost_by_producer`, and in a
    region of parks each park's `cost_elsewhere`,
    `Trace.cost_by_logistics`)."""
    base = trace.baseline_total
    prod = trace.cost_by_producer / base
    logi = trace.cost_by_logistics / base
    out: dict[SourceKey, float] = {}
    for k, pid in enumerate(trace.producers):
        out[(PARK_FIRM if k < trace.n_firms else SUPPLIER, pid)] = float(prod[k])
    for k, st in enumerate(trace.stations):
        out[(STATION, st)] = float(logi[k])
    out[(PASSES, PASSES_ID)] = float(logi[-1])
    for pid, v in zip(trace.park_ids, cost_elsewhere(trace) / base, strict=True):
        out[(PARK_SOURCE, pid)] = float(v)
    return out


@dataclass(frozen=True)
class SourceRow:
    """One bottleneck of one option: the park output its missing goods cost (mean over
    replications, baseline-days, 95 % CI) and the paired difference from what it cost in
    the baseline (a source an option or the baseline lacks cost it nothing there)."""

    option: str
    rank: int
    """1 = cost this option most output."""
    kind: str
    id: str
    mean: float
    ci95: tuple[float, float] | None
    diff: float | None
    diff_ci95: tuple[float, float] | None
    n_pairs: int
    significant: bool


def compare_sources(traces: Mapping[str, Sequence[Trace]]) -> tuple[SourceRow, ...]:
    """Every option's bottlenecks, ranked, with paired differences from the baseline (the
    first option). An option lists the sources that cost it or the baseline any output,
    so a bottleneck an option removes shows with its negative difference."""
    per: dict[str, dict[SourceKey, dict[int, float]]] = {}
    for name, ts in traces.items():
        costs: dict[SourceKey, dict[int, float]] = {}
        for t in ts:
            for key, v in source_costs(t).items():
                costs.setdefault(key, {})[t.replication] = v
        per[name] = costs
    if not per:
        return ()
    base_name = next(iter(per))
    base = per[base_name]
    rows: list[SourceRow] = []
    for name, costs in per.items():
        reps = sorted({t.replication for t in traces[name]})
        base_reps = sorted({t.replication for t in traces[base_name]})
        keys = [
            k for k in dict.fromkeys([*costs, *base]) if _positive(costs, k) or _positive(base, k)
        ]
        found = []
        for key in keys:
            mine = {r: costs.get(key, {}).get(r, 0.0) for r in reps}
            theirs = {r: base.get(key, {}).get(r, 0.0) for r in base_reps}
            mean, ci, _ = _summary(mine)
            diff, diff_ci, n_pairs, sig = paired_difference(mine, theirs)
            found.append((key, mean or 0.0, ci, diff, diff_ci, n_pairs, sig))
        found.sort(key=lambda f: (-f[1], f[0][0], f[0][1]))
        for rank, (key, mean, ci, diff, diff_ci, n_pairs, sig) in enumerate(found, 1):
            rows.append(SourceRow(name, rank, *key, mean, ci, diff, diff_ci, n_pairs, sig))
    return tuple(rows)


def _positive(costs: Mapping[SourceKey, Mapping[int, float]], key: SourceKey) -> bool:
    return sum(costs.get(key, {}).values()) > 0


@dataclass(frozen=True)
class StationLoad:
    """How busy one transfer station was under one option, over replications."""

    option: str
    station: str
    peak_queue: float
    """Highest mean (over replications) of the trips waiting in the station at the end of
    a day."""
    peak_day: int
    """The day of that peak (the first, on a tie)."""
    mean_queue: float
    """Trips waiting at the end of a day, mean over days and replications."""
    cleared: float
    """Trips cleared over the run, mean over replications."""
    mean_wait_days: float | None
    """Declaration to clearance, mean over every trip cleared (None: none cleared)."""


def station_loads(traces: Mapping[str, Sequence[Trace]]) -> tuple[StationLoad, ...]:
    """Every option's transfer stations: queue at its peak and on average, trips cleared
    and their mean wait (the queue shows when reopened firms swamp a station)."""
    out = []
    for name, ts in traces.items():
        if not ts:
            continue
        stations = list(dict.fromkeys(s for t in ts for s in t.stations))
        for st in stations:
            runs = [t.funnel[:, t.stations.index(st), :] for t in ts if st in t.stations]
            queue = np.stack([f[:, 3] for f in runs]).astype(float)
            cleared = np.array([f[-1, 2] for f in runs], dtype=float)
            waited = float(sum(f[-1, 4] for f in runs))
            per_day = queue.mean(axis=0)
            out.append(
                StationLoad(
                    name,
                    st,
                    peak_queue=float(per_day.max()) if per_day.size else 0.0,
                    peak_day=int(per_day.argmax()) if per_day.size else 0,
                    mean_queue=float(queue.mean()) if queue.size else 0.0,
                    cleared=float(cleared.mean()),
                    mean_wait_days=waited / cleared.sum() if cleared.sum() > 0 else None,
                )
            )
    return tuple(out)


# --------------------------------------------------------------------------- robustness

ROBUST_METRICS = (LOST_OUTPUT_DAYS, DAYS_TO_80)
"""The paired differences whose sign `--robust` follows; options rank by the first."""


@dataclass(frozen=True)
class RobustEnd:
    """The comparison run again with one uncertain input at one end of its range."""

    key: str
    """The input's key path, as given to `--robust`."""
    end: str
    """`low` or `high`."""
    value: str
    """The value it was set to, as given."""
    comparison: Comparison

    @property
    def label(self) -> str:
        """`key = value`."""
        return f"{self.key} = {self.value}"


def diff_sign(row: Row | None) -> int | None:
    """The sign of a paired difference (0 when every pair is equal; None when unknown)."""
    if row is None or row.diff is None:
        return None
    return (row.diff > 0) - (row.diff < 0)


@dataclass(frozen=True)
class Robustness:
    """Whether a comparison's answer holds when uncertain inputs move, one at a time: the
    ranking of the options at each end, and which paired differences from the baseline
    keep their sign there."""

    nominal: Comparison
    """The comparison with every input as given."""
    ends: tuple[RobustEnd, ...]
    metric: str = LOST_OUTPUT_DAYS
    """What the options are ranked by."""

    def ranking(self, cmp: Comparison) -> list[str]:
        """The options of one comparison, best first."""
        return cmp.ranked(self.metric)

    def changed(self) -> list[RobustEnd]:
        """The ends where the ranking differs from the one as given."""
        first = self.ranking(self.nominal)
        return [e for e in self.ends if self.ranking(e.comparison) != first]

    def signs(self, option: str, metric: str) -> list[int | None]:
        """The sign of the option's paired difference as given, then at each end."""
        cmps = [self.nominal, *(e.comparison for e in self.ends)]
        return [diff_sign(c.get(option, metric)) for c in cmps]

    def keeps_sign(self, option: str, metric: str) -> bool:
        """True when the difference has one sign, not zero, as given and at every end."""
        signs = self.signs(option, metric)
        return signs[0] not in (None, 0) and all(s == signs[0] for s in signs)

    def flips(self, option: str, metric: str) -> list[RobustEnd]:
        """The ends where the difference has another sign than as given (or none)."""
        first = self.signs(option, metric)[0]
        return [
            e for e, s in zip(self.ends, self.signs(option, metric)[1:], strict=True) if s != first
        ]

    def significant_everywhere(self, option: str, metric: str) -> bool:
        """True when the difference is significant as given and at every end."""
        cmps = [self.nominal, *(e.comparison for e in self.ends)]
        return all((r := c.get(option, metric)) is not None and r.significant for c in cmps)
