"""Outcomes read off a run's daily park curve, beside the summary metrics.

A sweep file's `outcomes` may name, besides the summary metrics of `sim.metrics`, a
point of a daily park series or its mean over a window:

- `capacity@30`: capacity on day 30 (day 0 = the first day of the run);
- `resumption@2022-05-12`: resumption on that date (the scenario needs `start_date`;
  the date counts from it as every date of a scenario does, `sim.scenario.dates`);
- `capacity@mean(0..30)`: the mean of capacity from day 0 to day 30, both included
  (the ends may be dates too: `resumed@mean(2022-04-01..2022-04-30)`).

The series are the park-wide daily indicators of `timeseries.csv` (`SERIES`). In a
region of parks, one park's own series is named `park:<id>.<series>` (`GROUP_SERIES`:
capacity, resumption, resumed, workforce, staff_on_post of the group `park:<id>`), as in
`park:north.capacity@30` or `park:north.resumed@mean(0..14)`. The
day is checked against the base scenario's horizon; a point whose `days` parameter
makes its runs shorter has no value there (its runs count as missing). A run keeps
the daily series its curve outcomes read (and those `store: {daily: [...]}` asks for)
in its ledger record, so a curve outcome is computed from the same record on every
re-analysis.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.metrics import DAILY, PARK, daily
from sim.record import Trace
from sim.scenario import dates

SERIES: tuple[str, ...] = tuple(
    dict.fromkeys(
        i.metric
        for i in DAILY
        if "{}" not in i.metric and i.source not in ("groups", "output_sector")
    )
)
"""Daily park series a curve outcome or `store.daily` may name (`timeseries.csv`'s
indicators of group `park`)."""

GROUP_SERIES: tuple[str, ...] = tuple(
    dict.fromkeys(i.metric for i in DAILY if i.source == "groups")
)
"""Daily series of a group of firms, which a park of a region has (`park:<id>.<series>`)."""
PARK_PREFIX = "park:"
"""A park's own series: `park:<id>.<series>` (the group `park:<id>` of `timeseries.csv`)."""

_CURVE = re.compile(
    r"\s*(park:[^\s@]+\.[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*)\s*@\s*(.+?)\s*\Z"
)
_WINDOW = re.compile(r"mean\s*\(\s*(.+?)\s*\.\.\s*(.+?)\s*\)\Z")


@dataclass(frozen=True)
class Curve:
    """A curve outcome: one series on one day, or its mean over days `first..last`."""

    name: str
    """As the sweep file writes it (the column of `runs.parquet` and `points.csv`)."""
    series: str
    first: int
    last: int
    """Equal to `first` for a single day."""

    def value(self, values: Sequence[float | None]) -> float | None:
        """The outcome of one run from its daily values (None when the run is too short
        or a value is missing)."""
        if self.last >= len(values):
            return None
        window = [values[d] for d in range(self.first, self.last + 1)]
        if any(v is None or not math.isfinite(v) for v in window):
            return None
        return float(np.mean(np.asarray(window, dtype=float)))


def is_curve(name: str) -> bool:
    """Whether an outcome is written as a curve outcome (`series@...`)."""
    return "@" in name


def _day(text: str, start: dt.date | None, start_given: bool, horizon: int) -> int:
    if re.fullmatch(r"\d+", text):
        day = int(text)
    elif dates.looks_like_date(text):
        day = dates.to_day(text, start, start_given=start_given)
    else:
        raise ValueError(f"'{text}' is neither a day number (0 = the first day) nor a date")
    if day >= horizon:
        named = f"day {day}" + ("" if text == str(day) else f" ({text})")
        raise ValueError(
            f"{named} is outside the horizon: the base scenario runs days 0..{horizon - 1}"
        )
    return day


def split_park(series: str) -> tuple[str, str]:
    """(metric, group) of a curve's series: `capacity` → (capacity, park);
    `park:north.capacity` → (capacity, park:north)."""
    if series.startswith(PARK_PREFIX):
        group, metric = series.rsplit(".", 1)
        return metric, group
    return series, PARK


def _check_park_series(series: str, parks: Sequence[str] | None) -> None:
    metric, group = split_park(series)
    if metric not in GROUP_SERIES:
        raise ValueError(
            f"unknown series '{metric}' of a park; a park's series are {', '.join(GROUP_SERIES)}"
        )
    park = group[len(PARK_PREFIX) :]
    if parks is not None and park not in parks:
        known = f"its parks are {', '.join(parks)}" if parks else "it has no `parks:`"
        raise ValueError(f"the scenario has no park '{park}'; {known}")


def parse(
    name: str,
    start: dt.date | None,
    horizon: int,
    *,
    start_given: bool = False,
    parks: Sequence[str] | None = None,
) -> Curve:
    """A curve outcome from its text, or a ValueError saying what is wrong with it (a
    park's series is checked against `parks`, the scenario's parks, when given)."""
    m = _CURVE.match(name)
    if not m:
        raise ValueError(
            f"'{name}' is not a curve outcome; write series@day, series@YYYY-MM-DD or "
            "series@mean(first..last)"
        )
    series, at = m.groups()
    if series.startswith(PARK_PREFIX):
        _check_park_series(series, parks)
    elif series not in SERIES:
        raise ValueError(f"unknown daily series '{series}'; park series are {', '.join(SERIES)}")
    w = _WINDOW.match(at)
    if w:
        first = _day(w.group(1), start, start_given, horizon)
        last = _day(w.group(2), start, start_given, horizon)
        if last < first:
            raise ValueError(f"the window of '{name}' ends (day {last}) before it starts ({first})")
        return Curve(name, series, first, last)
    if at.startswith("mean"):
        raise ValueError(f"'{at}' is not a window; write mean(first..last), e.g. mean(0..30)")
    day = _day(at, start, start_given, horizon)
    return Curve(name, series, day, day)


def park_series(trace: Trace, names: Sequence[str]) -> dict[str, list[float | None]]:
    """The named daily park series of one replication (a park's own, `park:<id>.<series>`,
    in a region of parks), as plain lists (NaN as None)."""
    wanted = {split_park(n): n for n in names}
    out: dict[str, list[float | None]] = {}
    for metric, group, values in daily(trace):
        name = wanted.get((metric, group))
        if name is not None and name not in out:
            out[name] = [float(v) if math.isfinite(v) else None for v in values.tolist()]
    return {n: out[n] for n in names if n in out}


def curve_values(
    curves: Sequence[Curve], kept: Mapping[str, Sequence[float | None]]
) -> dict[str, float | None]:
    """Each curve outcome of one run from the daily series its record keeps."""
    return {c.name: (c.value(kept[c.series]) if c.series in kept else None) for c in curves}
