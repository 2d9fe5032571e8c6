"""`logistics.csv`: the daily truck funnel of each transfer station, per replication —
`day,replication,station` then `LOGISTICS_FIELDS`: trips declared, admitted and
cleared that day, the same cumulated since day 0 (declared ≥ admitted ≥ cleared
always), trips in the station at the end of the day, and the mean wait in days
(declaration to clearance) of the trips cleared that day (empty if none). A
scenario without stations has the header only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.files.cells import float_column, int_column, number, read_columns, shape, text
from sim.record import Trace

FILE = "logistics.csv"
SERIES = "funnel"
"""The declared series this file holds."""
LOGISTICS_FIELDS = (
    "declared",
    "admitted",
    "cleared",
    "declared_total",
    "admitted_total",
    "cleared_total",
    "queue",
    "mean_wait_days",
)
"""The per-station values, in the order of the last axis of `read`: truck trips
declared, admitted and cleared that day, the same cumulated since day 0, trips in the
station at the end of the day, and the mean wait in days (declaration to clearance) of
the trips cleared that day (NaN if none)."""
COLUMNS = ("day", "replication", "station", *LOGISTICS_FIELDS)


def rows(traces: Sequence[Trace]) -> list[str]:
    """The lines of the file, header first: per station and day, trips declared,
    admitted, cleared that day and in total, trips in the station at the end of the day,
    mean wait of trips cleared that day."""
    out = [",".join(COLUMNS)]
    for t in traces:
        if not t.stations:
            continue
        prev = np.zeros((len(t.stations), 5))
        for d in range(t.days):
            cur = t.funnel[d]
            delta = cur - prev
            for k, st in enumerate(map(text, t.stations)):
                dec, adm, clr, _, wait = delta[k]
                mean_wait = wait / clr if clr > 0 else float("nan")
                out.append(
                    f"{d},{t.replication},{st},{int(dec)},{int(adm)},{int(clr)},"
                    f"{int(cur[k, 0])},{int(cur[k, 1])},{int(cur[k, 2])},{int(cur[k, 3])},"
                    f"{number(mean_wait)}"
                )
            prev = cur
    return out


def read(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> tuple[list[str], np.ndarray]:
    """Read the file: the daily truck funnel of each transfer station.

    Returns (stations, funnel) where `funnel[r, d, s, f]` is field
    `LOGISTICS_FIELDS[f]` of station `stations[s]` on day d of replication r, e.g.
    `funnel[..., LOGISTICS_FIELDS.index("queue")]` for the trips in each station at
    the end of each day. Stations keep the order in which they first appear in the
    file. Counts are whole numbers stored as floats so that a station-day missing from
    the file can be NaN, like `mean_wait_days` on a day when no trip was cleared. A
    file with only its header (a scenario without stations) gives no stations and an
    array of shape (replications, days, 0, 8).
    """
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    n_rep, n_day = shape(path, rep, day, replications, days)

    stations = list(dict.fromkeys(cols["station"]))
    index = {station: i for i, station in enumerate(stations)}
    station_idx = np.fromiter(
        (index[s] for s in cols["station"]), dtype=np.intp, count=len(cols["station"])
    )
    out = np.full((n_rep, n_day, len(stations), len(LOGISTICS_FIELDS)), np.nan)
    for f, name in enumerate(LOGISTICS_FIELDS):
        out[rep, day, station_idx, f] = float_column(path, cols[name], name)
    return stations, out
