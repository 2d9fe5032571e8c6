"""`states.csv`: how many firms are in each reopening state at the end of each day
(after the day's cases and failures), per replication — `day,replication,state,count`;
the states are closed, preparing, queued, reviewing, rectifying, open, suspended and
failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.files.cells import int_column, read_columns, shape
from sim.record import Trace

FILE = "states.csv"
COLUMNS = ("day", "replication", "state", "count")
SERIES = "state_counts"
"""The declared series this file holds."""


def rows(traces: Sequence[Trace]) -> list[str]:
    """The lines of the file, header first."""
    out = [",".join(COLUMNS)]
    for t in traces:
        for d in range(t.days):
            for k, s in enumerate(t.states):
                out.append(f"{d},{t.replication},{s},{int(t.state_counts[d, k])}")
    return out


def read(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> tuple[list[str], np.ndarray]:
    """Read the file: (states, counts) where `counts[r, d, s]` is the number of firms in
    `states[s]` at the end of day d of replication r (states in order of appearance; a
    state absent on a day held no firm)."""
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    count = int_column(path, cols["count"], "count")
    n_rep, n_day = shape(path, rep, day, replications, days)
    names = list(dict.fromkeys(cols["state"]))
    index = {s: i for i, s in enumerate(names)}
    state_idx = np.fromiter((index[s] for s in cols["state"]), dtype=np.intp, count=len(count))
    out = np.zeros((n_rep, n_day, len(names)), dtype=np.int64)
    out[rep, day, state_idx] = count
    return names, out
