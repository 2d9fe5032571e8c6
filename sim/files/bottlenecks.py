"""`bottlenecks.csv`: external suppliers, park firms (as suppliers), stations and
passes ranked by the park output their missing goods cost over the run —
`rank,kind,id,lost_output_days,ci95_lo,ci95_hi`, in baseline-days, the mean over
replications with its 95 % CI (empty with one replication). A firm's loss on a day
is shared among the sources of its binding input by their unfilled orders, or among
stations by the goods they hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.files.cells import float_column, int_column, number, read_columns, text
from sim.metrics import ci95
from sim.record import Trace

FILE = "bottlenecks.csv"
COLUMNS = ("rank", "kind", "id", "lost_output_days", "ci95_lo", "ci95_hi")
SUPPLIER, PARK_FIRM, STATION, PASSES = "supplier", "park_firm", "station", "passes"
KINDS = (SUPPLIER, PARK_FIRM, STATION, PASSES)
"""What a bottleneck may be: an external supplier, a park firm as supplier of others,
a transfer station, or the pass system (goods waiting for a pass or an open station)."""
PASSES_ID = "waiting_for_pass_or_open_station"
"""The id of the one `passes` row."""


def rows(traces: Sequence[Trace], n_firms: int) -> list[str]:
    """The lines of the file, header first: sources ranked by the output they cost the
    park, largest first (those that cost nothing are left out)."""
    header = ",".join(COLUMNS)
    if not traces:
        return [header]
    t0 = traces[0]
    base = np.array([t.baseline_total for t in traces])
    prod = np.stack([t.cost_by_producer for t in traces]) / base[:, None]
    logi = np.stack([t.cost_by_logistics for t in traces]) / base[:, None]
    items = []
    for k, pid in enumerate(t0.producers):
        kind = PARK_FIRM if k < n_firms else SUPPLIER
        items.append((kind, pid, prod[:, k]))
    for k, st in enumerate(t0.stations):
        items.append((STATION, st, logi[:, k]))
    items.append((PASSES, PASSES_ID, logi[:, -1]))
    items = [it for it in items if it[2].mean() > 0]
    items.sort(key=lambda it: (-it[2].mean(), it[0], it[1]))
    out = [header]
    for rank, (kind, pid, v) in enumerate(items, 1):
        lo, hi = ci95(v.tolist()) or (float("nan"), float("nan"))
        out.append(f"{rank},{kind},{text(pid)},{number(float(v.mean()))},{number(lo)},{number(hi)}")
    return out


@dataclass(frozen=True)
class Bottleneck:
    """One row: a supplier, station or the pass system and the park output it cost, in
    baseline-days (mean over replications and its 95 % CI, NaN when the run has a
    single replication)."""

    rank: int
    kind: str
    id: str
    lost_output_days: float
    ci95_lo: float
    ci95_hi: float

    @property
    def label(self) -> str:
        """`<kind>: <id>`, as charts name it."""
        return f"{self.kind}: {self.id}"


def read(path: Path) -> list[Bottleneck]:
    """Read the file, by rank (1 = cost the park most output); [] if header only.

    `kind` is one of `KINDS`.
    """
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    rank = int_column(path, cols["rank"], "rank")
    lost = float_column(path, cols["lost_output_days"], "lost_output_days")
    lo = float_column(path, cols["ci95_lo"], "ci95_lo")
    hi = float_column(path, cols["ci95_hi"], "ci95_hi")
    found = [
        Bottleneck(
            int(rank[i]), cols["kind"][i], cols["id"][i], *map(float, (lost[i], lo[i], hi[i]))
        )
        for i in range(len(rank))
    ]
    return sorted(found, key=lambda b: b.rank)
