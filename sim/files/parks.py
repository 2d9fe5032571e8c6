"""Results per park of a region of parks (issue 20.3): two files, written only when the
scenario has `parks:` (a single park writes neither).

- `parks.csv`: one row per park, summarised across replications (mean with its 95 %
  CI, or the censored median for days to 80 %) —
  `rank,park,name,firms,baseline,final_capacity,days_to_80,days_to_80_lo,days_to_80_hi,
  reached_80,replications,lost_output_days,lost_output_value,top_cause,top_cause_value,
  cost_elsewhere_value,cost_elsewhere_lo,cost_elsewhere_hi,cost_elsewhere_share`.
  `baseline` is the park's output per day before the shock (value units);
  `final_capacity` its output on the last day as a share of it; `days_to_80` the
  Kaplan–Meier median of the first day its capacity reaches 80 % and holds it
  `reporting.sustain_days` days, a replication that never does censored at the horizon
  (empty: beyond the horizon; `sim.metrics.days_to_median`), with its 95 % CI and how
  many replications reached it; `lost_output_days` the park's lost output in its own
  baseline-days, `lost_output_value` in value units, `top_cause` the cause that cost it
  most (`top_cause_value`, value units). `cost_elsewhere_value` is the output firms of
  *other* parks lost for want of this park's goods (supply's blame: a firm's loss on a
  day is shared among the sources of its binding input by their unfilled orders), the
  cost of its late or unsynchronised reopening to the rest of the region, with its 95 %
  CI, and `cost_elsewhere_share` that cost as a share of the region's whole lost output.
  Rows are ranked by it, largest first (ties in scenario order).
- `park_causes.csv`: the output each park lost each day to each cause, per replication
  — `day,replication,park,cause,lost_output` — in the park's own baseline-days (a
  park's causes of a day sum to 1 − its capacity).

The parks' daily capacity, resumption and staff are in `timeseries.csv`, groups
`park:<id>` (`sim.model.groups`); the cost each park's goods imposed on the others is
also a `park` line of `bottlenecks.csv`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim.files.cells import (
    float_column,
    int_column,
    number,
    read_columns,
    shape,
    text,
)
from sim.metrics import ci95, cost_elsewhere, days_to, days_to_median
from sim.model.groups import PARK_PREFIX
from sim.record import LOST_BY_PARK, Trace
from sim.scenario.expand import Park

PARKS = "parks.csv"
CAUSES = "park_causes.csv"
FILES = (PARKS, CAUSES)
"""The files this module owns (only a run of a region of parks has them)."""
GROUP_PREFIX = PARK_PREFIX
"""Groups `park:<id>` of `timeseries.csv`: a park's capacity, resumption and staff."""
SERIES = (LOST_BY_PARK,)
"""The declared daily series these files hold (left out of `timeseries.csv`)."""

LEVEL = 80
"""The capacity level (%) of `days_to_80`."""

COLUMNS = (
    "rank",
    "park",
    "name",
    "firms",
    "baseline",
    "final_capacity",
    "days_to_80",
    "days_to_80_lo",
    "days_to_80_hi",
    "reached_80",
    "replications",
    "lost_output_days",
    "lost_output_value",
    "top_cause",
    "top_cause_value",
    "cost_elsewhere_value",
    "cost_elsewhere_lo",
    "cost_elsewhere_hi",
    "cost_elsewhere_share",
)
CAUSE_COLUMNS = ("day", "replication", "park", "cause", "lost_output")


def has_parks(traces: Sequence[Trace]) -> bool:
    """Whether these replications are of a region of parks (the files are written)."""
    return bool(traces) and bool(traces[0].park_ids)


def park_capacity(trace: Trace) -> np.ndarray:
    """(days, parks) each park's output as a share of its baseline (NaN for a park
    without baseline output)."""
    base = trace.park_baseline
    lost = trace.lost_by_park.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(base > 0, 1.0 - lost / base, np.nan)
    return out


@dataclass(frozen=True)
class ParkRow:
    """One row of `parks.csv` (see the module's docstring)."""

    rank: int
    park: str
    name: str
    firms: int
    baseline: float
    final_capacity: float
    days_to_80: float | None
    days_to_80_lo: float | None
    days_to_80_hi: float | None
    reached_80: int
    replications: int
    lost_output_days: float
    lost_output_value: float
    top_cause: str
    top_cause_value: float
    cost_elsewhere_value: float
    cost_elsewhere_lo: float
    cost_elsewhere_hi: float
    cost_elsewhere_share: float

    @property
    def shown(self) -> str:
        """Its name, or its id where it has none."""
        return self.name or self.park


def park_rows(traces: Sequence[Trace], park: Park, sustain: int) -> list[ParkRow]:
    """Every park's row, ranked by the output its goods cost the other parks."""
    if not has_parks(traces):
        return []
    t0 = traces[0]
    ids = t0.park_ids
    named = {p.id: p.name or "" for p in park.scenario.parks}
    caps = np.stack([park_capacity(t) for t in traces])  # (reps, days, parks)
    lost_value = np.stack([t.lost_by_park.sum(axis=0) for t in traces])  # (reps, parks, causes)
    elsewhere = np.stack([cost_elsewhere(t) for t in traces])  # (reps, parks)
    region_lost = float(np.mean([t.lost.sum() for t in traces]))
    base = t0.park_baseline
    rows = []
    for p, pid in enumerate(ids):
        reached = [
            days_to(caps[r, :, p], LEVEL / 100, sustain) if base[p] > 0 else None
            for r in range(len(traces))
        ]
        median, (lo, hi) = days_to_median(reached, t0.days)
        by_cause = lost_value[:, p, :].mean(axis=0)
        top = int(np.argmax(by_cause)) if by_cause.size else 0
        cost = elsewhere[:, p]
        ci = ci95(cost.tolist()) or (math.nan, math.nan)
        rows.append(
            ParkRow(
                rank=0,
                park=pid,
                name=named.get(pid, ""),
                firms=int(t0.park_firms[p]),
                baseline=float(base[p]),
                final_capacity=float(np.mean(caps[:, -1, p])) if t0.days else math.nan,
                days_to_80=median,
                days_to_80_lo=lo,
                days_to_80_hi=hi,
                reached_80=sum(1 for v in reached if v is not None),
                replications=len(traces),
                lost_output_days=(
                    float(lost_value[:, p, :].sum(axis=1).mean() / base[p])
                    if base[p] > 0
                    else math.nan
                ),
                lost_output_value=float(lost_value[:, p, :].sum(axis=1).mean()),
                top_cause=t0.causes[top] if by_cause.size and by_cause[top] > 0 else "",
                top_cause_value=float(by_cause[top]) if by_cause.size else 0.0,
                cost_elsewhere_value=float(cost.mean()),
                cost_elsewhere_lo=ci[0] if len(traces) > 1 else math.nan,
                cost_elsewhere_hi=ci[1] if len(traces) > 1 else math.nan,
                cost_elsewhere_share=float(cost.mean() / region_lost) if region_lost > 0 else 0.0,
            )
        )
    order = sorted(range(len(rows)), key=lambda k: (-rows[k].cost_elsewhere_value, k))
    return [replace(rows[k], rank=rank) for rank, k in enumerate(order, 1)]


def rows(traces: Sequence[Trace], park: Park, sustain: int) -> list[str]:
    """The lines of `parks.csv`, header first."""
    out = [",".join(COLUMNS)]
    for r in park_rows(traces, park, sustain):
        out.append(
            ",".join(
                [
                    str(r.rank),
                    text(r.park),
                    text(r.name) if r.name else "",
                    str(r.firms),
                    number(r.baseline),
                    number(r.final_capacity),
                    number(r.days_to_80),
                    number(r.days_to_80_lo),
                    number(r.days_to_80_hi),
                    str(r.reached_80),
                    str(r.replications),
                    number(r.lost_output_days),
                    number(r.lost_output_value),
                    text(r.top_cause),
                    number(r.top_cause_value),
                    number(r.cost_elsewhere_value),
                    number(r.cost_elsewhere_lo),
                    number(r.cost_elsewhere_hi),
                    number(r.cost_elsewhere_share),
                ]
            )
        )
    return out


def cause_rows(traces: Sequence[Trace]) -> list[str]:
    """The lines of `park_causes.csv`, header first."""
    out = [",".join(CAUSE_COLUMNS)]
    for t in traces:
        base = t.park_baseline
        with np.errstate(invalid="ignore", divide="ignore"):
            lost = np.where(base[None, :, None] > 0, t.lost_by_park / base[None, :, None], 0.0)
        parks = [text(p) for p in t.park_ids]
        names = [text(c) for c in t.causes]
        for d in range(t.days):
            for p, pid in enumerate(parks):
                for k, c in enumerate(names):
                    out.append(f"{d},{t.replication},{pid},{c},{number(float(lost[d, p, k]))}")
    return out


# --------------------------------------------------------------------------- reading


def _optional(v: float) -> float | None:
    return None if math.isnan(v) else float(v)


def read(path: Path) -> list[ParkRow]:
    """Read `parks.csv`, by rank (1 = its goods cost the other parks most)."""
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    ints = {
        c: int_column(path, cols[c], c) for c in ("rank", "firms", "reached_80", "replications")
    }
    floats = {
        c: float_column(path, cols[c], c)
        for c in COLUMNS
        if c not in ints and c not in ("park", "name", "top_cause")
    }
    found = [
        ParkRow(
            rank=int(ints["rank"][i]),
            park=cols["park"][i],
            name=cols["name"][i],
            firms=int(ints["firms"][i]),
            baseline=float(floats["baseline"][i]),
            final_capacity=float(floats["final_capacity"][i]),
            days_to_80=_optional(floats["days_to_80"][i]),
            days_to_80_lo=_optional(floats["days_to_80_lo"][i]),
            days_to_80_hi=_optional(floats["days_to_80_hi"][i]),
            reached_80=int(ints["reached_80"][i]),
            replications=int(ints["replications"][i]),
            lost_output_days=float(floats["lost_output_days"][i]),
            lost_output_value=float(floats["lost_output_value"][i]),
            top_cause=cols["top_cause"][i],
            top_cause_value=float(floats["top_cause_value"][i]),
            cost_elsewhere_value=float(floats["cost_elsewhere_value"][i]),
            cost_elsewhere_lo=float(floats["cost_elsewhere_lo"][i]),
            cost_elsewhere_hi=float(floats["cost_elsewhere_hi"][i]),
            cost_elsewhere_share=float(floats["cost_elsewhere_share"][i]),
        )
        for i in range(len(cols["rank"]))
    ]
    return sorted(found, key=lambda r: r.rank)


def read_causes(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> tuple[list[str], list[str], np.ndarray]:
    """Read `park_causes.csv`: (parks, causes, lost) where `lost[r, d, p, c]` is the
    output park `parks[p]` lost on day d of replication r to `causes[c]`, in its own
    baseline-days (parks and causes in order of first appearance)."""
    path = Path(path)
    cols = read_columns(path, CAUSE_COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    lost = float_column(path, cols["lost_output"], "lost_output")
    n_rep, n_day = shape(path, rep, day, replications, days)
    parks = list(dict.fromkeys(cols["park"]))
    causes = list(dict.fromkeys(cols["cause"]))
    p_idx = {p: i for i, p in enumerate(parks)}
    c_idx = {c: i for i, c in enumerate(causes)}
    pi = np.fromiter((p_idx[p] for p in cols["park"]), dtype=np.intp, count=len(lost))
    ci = np.fromiter((c_idx[c] for c in cols["cause"]), dtype=np.intp, count=len(lost))
    out = np.zeros((n_rep, n_day, len(parks), len(causes)))
    np.add.at(out, (rep, day, pi, ci), np.nan_to_num(lost))
    return parks, causes, out
