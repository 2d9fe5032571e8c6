"""`causes.csv`: the output lost each day to each cause, per replication —
`day,replication,cause,lost_output`, lost output in baseline-days (the causes of a
day sum to 1 − capacity). Causes are in the trace's reporting order: the base
causes, `input:<good>` for each good, then those mechanisms declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from sim.files.cells import float_column, int_column, number, read_columns, shape, text
from sim.record import Trace

FILE = "causes.csv"
COLUMNS = ("day", "replication", "cause", "lost_output")
SERIES = "lost"
"""The declared series this file holds."""

INPUT_CAUSE_PREFIX = "input:"
"""Causes named `input:<good>` (missing supplies) are kept together in charts."""


def rows(traces: Sequence[Trace]) -> list[str]:
    """The lines of the file, header first."""
    out = [",".join(COLUMNS)]
    for t in traces:
        lost = t.lost_days
        names = [text(c) for c in t.causes]
        for d in range(t.days):
            for k, c in enumerate(names):
                out.append(f"{d},{t.replication},{c},{number(float(lost[d, k]))}")
    return out


def read(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> tuple[list[str], np.ndarray]:
    """Read the file: the causes and the output lost to each, day by day.

    Returns (causes, lost) where `lost[r, d, c]` is the output lost on day d of
    replication r because of `causes[c]`, in baseline-days (share of the park's
    baseline daily output). Causes keep the order in which they first appear in the
    file, except that all `input:*` causes are gathered where the first of them
    appears. A cause absent on a day lost nothing that day (0).
    """
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    lost = float_column(path, cols["lost_output"], "lost_output")
    n_rep, n_day = shape(path, rep, day, replications, days)

    first_seen = list(dict.fromkeys(cols["cause"]))
    causes = order_causes(first_seen)
    index = {cause: i for i, cause in enumerate(causes)}
    cause_idx = np.fromiter((index[c] for c in cols["cause"]), dtype=np.intp, count=len(lost))
    out = np.zeros((n_rep, n_day, len(causes)))
    np.add.at(out, (rep, day, cause_idx), lost)
    return causes, out


def order_causes(causes: Iterable[str]) -> list[str]:
    """Causes in the given order without repeats, `input:*` causes gathered together.

    The supply causes are placed where the first of them appears, in their own order
    of appearance, so that a chart shows missing inputs as one block.
    """
    seen = list(dict.fromkeys(causes))
    inputs = [c for c in seen if c.startswith(INPUT_CAUSE_PREFIX)]
    out: list[str] = []
    for cause in seen:
        if not cause.startswith(INPUT_CAUSE_PREFIX):
            out.append(cause)
        elif cause == inputs[0]:
            out.extend(inputs)
    return out
