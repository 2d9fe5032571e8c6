"""`bottlenecks.csv`: external suppliers, park firms (as suppliers), stations and
passes ranked by the park output their missing goods cost over the run —
`rank,kind,id,lost_output_days,ci95_lo,ci95_hi,name`, in baseline-days, the mean over
replications with its 95 % CI (empty with one replication), and the display name the
scenario gives the firm, supplier or station (empty when it gives none; issue 18 added
the column last, so no column moved). A firm's loss on a day is shared among the
sources of its binding input by their unfilled orders, or among stations by the goods
they hold. In a region of parks, a `park` line gives, for each park, the output the
firms of the other parks lost for want of its firms' goods (`sim.metrics.cost_elsewhere`,
in the region's baseline-days): it sums `park_firm` lines, so the lines do not add up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.comparison import (
    PARK_FIRM,
    PARK_SOURCE,
    PASSES,
    PASSES_ID,
    SOURCE_KINDS,
    STATION,
    SUPPLIER,
)
from sim.files.cells import float_column, header_of, int_column, number, read_columns, text
from sim.files.names import Names, display
from sim.metrics import ci95, cost_elsewhere
from sim.record import Trace

FILE = "bottlenecks.csv"
BASE_COLUMNS = ("rank", "kind", "id", "lost_output_days", "ci95_lo", "ci95_hi")
NAME = "name"
"""The column of display names (issue 18: a file written before has none)."""
COLUMNS = (*BASE_COLUMNS, NAME)
KINDS = SOURCE_KINDS
"""What a bottleneck may be: an external supplier, a park firm as supplier of others,
a transfer station, or the pass system (goods waiting for a pass or an open station)."""
__all__ = [
    "FILE",
    "KINDS",
    "PARK_FIRM",
    "PARK_SOURCE",
    "PASSES",
    "PASSES_ID",
    "STATION",
    "SUPPLIER",
]


def rows(traces: Sequence[Trace], n_firms: int, names: Names | None = None) -> list[str]:
    """The lines of the file, header first: sources ranked by the output they cost the
    park, largest first (those that cost nothing are left out), each with the name the
    scenario gives it (`names`; an empty cell when none)."""
    names = names or {}
    header = ",".join(COLUMNS)
    if not traces:
        return [header]
    t0 = traces[0]
    base = np.array([t.baseline_total for t in traces])
    prod = np.stack([t.cost_by_producer for t in traces]) / base[:, None]
    logi = np.stack([t.cost_by_logistics for t in traces]) / base[:, None]
    firm_kinds = [PARK_FIRM if k < n_firms else SUPPLIER for k in range(len(t0.producers))]
    blocks = [
        (firm_kinds, list(t0.producers), prod),
        ([STATION] * len(t0.stations) + [PASSES], [*t0.stations, PASSES_ID], logi),
    ]
    if t0.park_ids:
        elsewhere = np.stack([cost_elsewhere(t) for t in traces]) / base[:, None]
        blocks.append(([PARK_SOURCE] * len(t0.park_ids), list(t0.park_ids), elsewhere))
    items = []
    for kinds, ids, m in blocks:
        for k in np.flatnonzero(m.any(axis=0)).tolist():  # the rest cost nothing anywhere
            v = m[:, k]
            mean = float(np.add.reduce(v)) / len(v)  # v.mean(), without its overhead
            if mean > 0:
                items.append((kinds[k], ids[k], v, mean))
    items.sort(key=lambda it: (-it[3], it[0], it[1]))
    out = [header]
    for rank, (kind, pid, v, mean) in enumerate(items, 1):
        lo, hi = (mean, mean) if len(v) == 1 else ci95(v.tolist()) or (math.nan, math.nan)
        name = names.get(kind, {}).get(pid, "")
        out.append(
            f"{rank},{kind},{text(pid)},{number(mean)},{number(lo)},{number(hi)},"
            f"{text(name) if name else ''}"
        )
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
    name: str = ""
    """The display name the scenario gives it (empty: none, or a file older than names)."""

    @property
    def label(self) -> str:
        """`<kind>: <name>` as charts name it (the id where it has no name)."""
        return f"{self.kind}: {self.shown}"

    @property
    def shown(self) -> str:
        """Its name, or its id where it has none."""
        return display({self.kind: {self.id: self.name}}, self.kind, self.id)


def read(path: Path) -> list[Bottleneck]:
    """Read the file, by rank (1 = cost the park most output); [] if header only.

    `kind` is one of `KINDS`.
    """
    path = Path(path)
    cols = read_columns(path, BASE_COLUMNS)
    has_names = NAME in header_of(path)
    shown = read_columns(path, (NAME,))[NAME] if has_names else [""] * len(cols["rank"])
    rank = int_column(path, cols["rank"], "rank")
    lost = float_column(path, cols["lost_output_days"], "lost_output_days")
    lo = float_column(path, cols["ci95_lo"], "ci95_lo")
    hi = float_column(path, cols["ci95_hi"], "ci95_hi")
    found = [
        Bottleneck(
            int(rank[i]),
            cols["kind"][i],
            cols["id"][i],
            float(lost[i]),
            float(lo[i]),
            float(hi[i]),
            shown[i],
        )
        for i in range(len(rank))
    ]
    return sorted(found, key=lambda b: b.rank)
