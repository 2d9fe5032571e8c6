"""`timeseries.csv`: the daily indicators of a run, one row per day, replication and
indicator — `day,replication,metric,group,value`: capacity of the park and of each
sector, resumption, workforce and staff, review queue and wait, cases, trips in
transit, failed and cash-negative firms, relief. Shares are 0..1; counts are people,
firms, applications, cases or trips; a value that does not exist that day (the mean
wait on a day no review started) is an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.files.cells import float_column, int_column, number, read_columns, shape, text
from sim.metrics import (
    CAPACITY,
    FAILED_FIRMS,
    PARK,
    RELIEF_SPENT,
    RESUMPTION,
    RESUMPTION_ABOVE_SCALE,
    RESUMPTION_WEIGHTED,
    WORKFORCE,
)
from sim.record import WORKFORCE_PARTS, Trace

FILE = "timeseries.csv"
COLUMNS = ("day", "replication", "metric", "group", "value")

Key = tuple[str, str]
"""(metric, group), e.g. ("capacity", "park") or ("capacity", "electronics")."""


def indicators(t: Trace) -> list[tuple[str, str, np.ndarray]]:
    """Every indicator of one replication in file order: (metric, group, value per day)."""
    staff = max(t.staff_total, 1)
    series: list[tuple[str, str, np.ndarray]] = [(CAPACITY, PARK, t.capacity)]
    series += [(CAPACITY, s, t.capacity_sector[:, k]) for k, s in enumerate(t.sectors)]
    series += [
        (RESUMPTION, PARK, t.resumption),
        (RESUMPTION_WEIGHTED, PARK, t.resumption_weighted),
    ]
    if t.n_above_scale:
        series.append((RESUMPTION_ABOVE_SCALE, PARK, t.resumption_above_scale))
    series.append((WORKFORCE, PARK, t.workforce[:, 0] / staff))
    series += [(f"staff_{p}", PARK, t.workforce[:, k]) for k, p in enumerate(WORKFORCE_PARTS)]
    series += [
        ("review_queue", PARK, t.review_queue),
        ("review_wait_days", PARK, t.review_wait),
        ("cases", PARK, t.cases),
        ("trips_in_transit", PARK, t.trips_in_transit),
        (FAILED_FIRMS, PARK, t.state_counts[:, t.states.index("failed")]),
        ("cash_negative_firms", PARK, t.cash_negative),
        (RELIEF_SPENT, PARK, t.relief_spent),
    ]
    return series


def rows(traces: Sequence[Trace]) -> list[str]:
    """The lines of the file, header first: each day of each replication, every
    indicator in `indicators` order."""
    out = [",".join(COLUMNS)]
    for t in traces:
        r = t.replication
        series = [(text(m), text(g), v) for m, g, v in indicators(t)]
        for d in range(t.days):
            for metric, group, arr in series:
                out.append(f"{d},{r},{metric},{group},{number(float(arr[d]))}")
    return out


def values(traces: Sequence[Trace]) -> dict[Key, np.ndarray]:
    """(metric, group) → (replications, days) values exactly as the file holds them
    (10 significant digits; NaN for an empty cell)."""
    out: dict[Key, list[list[float]]] = {}
    for t in traces:
        for metric, group, arr in indicators(t):
            cells = (number(float(v)) for v in arr)
            out.setdefault((metric, group), []).append([float(c) if c else math.nan for c in cells])
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def scenario_series(trace: Trace) -> dict[str, tuple[str, ...]]:
    """Every metric the file holds for a run like this one, with its groups, in file order."""
    out: dict[str, list[str]] = {}
    for metric, group, _ in indicators(trace):
        groups = out.setdefault(metric, [])
        if group not in groups:
            groups.append(group)
    return {m: tuple(g) for m, g in out.items()}


def read(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> dict[Key, np.ndarray]:
    """Read the file into one array per (metric, group).

    Each array has shape (replications, days): row r is replication r, column d is
    day d since the start. Every array of the file has the same shape (the largest
    replication and day found, or `replications`/`days` when given); a day missing
    for some indicator is NaN. Unknown metrics are returned too; callers pick what
    they draw.
    """
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    value = float_column(path, cols["value"], "value")
    n_rep, n_day = shape(path, rep, day, replications, days)

    index: dict[Key, int] = {}
    key_idx = np.fromiter(
        (index.setdefault(k, len(index)) for k in zip(cols["metric"], cols["group"], strict=True)),
        dtype=np.intp,
        count=len(value),
    )
    cube = np.full((len(index), n_rep, n_day), np.nan)
    cube[key_idx, rep, day] = value
    return {key: cube[i] for key, i in index.items()}
