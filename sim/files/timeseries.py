"""`timeseries.csv`: the daily indicators of a run, one row per day, replication and
indicator — `day,replication,metric,group,value`.

What is written follows the declarations (`sim.metrics.daily`): today's indicators
(capacity of the park and of each sector, resumption, workforce and staff, review
queue and wait, cases, trips in transit, failed and cash-negative firms, relief)
under the names they have always had, the share that has resumed (`resumed`), and
capacity, resumption, resumed, workforce and staff on post of each group of firms
(`tag:…`, `class:…`, `park:…`, `batch:…`, `approval:…`: `sim.model.groups`), then any other
daily series a mechanism declares, under its own name. Series other files hold (lost
output by cause, firms by state, the stations' funnel, the key firms' paths, a
region's lost output by park and cause) are left to them. Shares are
0..1; counts are people, firms, applications, cases or trips; a value that does not
exist that day (the mean wait on a day no review started, a batch not yet released)
is an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.files import causes, key_firms, logistics, parks, states
from sim.files.cells import (
    CSV_ENCODING,
    float_column,
    int_column,
    number,
    read_columns,
    shape,
    text,
)
from sim.metrics import PARK, daily
from sim.record import Trace

FILE = "timeseries.csv"
COLUMNS = ("day", "replication", "metric", "group", "value")
ELSEWHERE = (causes.SERIES, states.SERIES, logistics.SERIES, *key_firms.SERIES, *parks.SERIES)
"""Declared daily series other files of the run hold."""

Key = tuple[str, str]
"""(metric, group), e.g. ("capacity", "park") or ("capacity", "electronics")."""


def rows(traces: Sequence[Trace]) -> list[str]:
    """The lines of the file, header first: each day of each replication, every
    indicator in `sim.metrics.daily` order."""
    out = [",".join(COLUMNS)]
    for t in traces:
        r = t.replication
        series = [(text(m), text(g), v) for m, g, v in daily(t, ELSEWHERE)]
        for d in range(t.days):
            for metric, group, arr in series:
                out.append(f"{d},{r},{metric},{group},{number(float(arr[d]))}")
    return out


def values(traces: Sequence[Trace]) -> dict[Key, np.ndarray]:
    """(metric, group) → (replications, days) values exactly as the file holds them
    (10 significant digits; NaN for an empty cell)."""
    out: dict[Key, list[list[float]]] = {}
    for t in traces:
        for metric, group, arr in daily(t, ELSEWHERE):
            cells = (number(float(v)) for v in arr)
            out.setdefault((metric, group), []).append([float(c) if c else math.nan for c in cells])
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def scenario_series(trace: Trace) -> dict[str, tuple[str, ...]]:
    """Every metric the file holds for a run like this one, with its groups, in file order."""
    out: dict[str, list[str]] = {}
    for metric, group, _ in daily(trace, ELSEWHERE):
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


def read_park(
    path: Path, metrics: Sequence[str], *, replications: int, days: int
) -> dict[Key, np.ndarray]:
    """Read only the park-wide rows of some metrics, as `read` would give them: a quick
    look at a large file (the rows are picked before their cells are parsed)."""
    path = Path(path)
    wanted = set(metrics)
    out = {(m, PARK): np.full((replications, days), np.nan) for m in metrics}
    with path.open(encoding=CSV_ENCODING, newline="") as f:
        header = f.readline().rstrip("\r\n")
        if header != ",".join(COLUMNS):
            raise ValueError(f"{path}:1: expected the header {','.join(COLUMNS)}; found {header}")
        for no, line in enumerate(f, 2):
            parts = line.rstrip("\r\n").split(",", 4)
            if len(parts) != 5 or parts[3] != PARK or parts[2] not in wanted:
                continue
            try:
                d, r = int(parts[0]), int(parts[1])
                v = float(parts[4]) if parts[4] else math.nan
            except ValueError:
                raise ValueError(f"{path}:{no}: not a number in {line.strip()!r}") from None
            if 0 <= r < replications and 0 <= d < days:
                out[(parts[2], PARK)][r, d] = v
    return {k: v for k, v in out.items() if not np.isnan(v).all()}
