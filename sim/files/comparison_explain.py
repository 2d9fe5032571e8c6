"""What holds each option of a comparison back — two files of a comparison folder:

- `compare_bottlenecks.csv`: each option's bottlenecks ranked by the park output their
  missing goods cost (`sim.comparison.compare_sources`): `option,rank,kind,id`, the
  mean over replications in baseline-days with its 95 % CI, the paired difference from
  the baseline with its 95 % CI, `n_pairs`, `significant`, and the display `name` the
  scenario gives the firm, supplier or station (empty when none);
- `compare_stations.csv`: each option's transfer stations day by day, per replication:
  `option,day,replication,station,queue,cleared_total` (trips waiting at the end of the
  day, trips cleared since day 0). A comparison without stations has the header only.

Comparison folders written before issue 18 have neither file (the charts then skip
what they would draw from them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from sim.comparison import (
    Comparison,
    SourceRow,
    StationLoad,
    compare_sources,
    station_loads,
)
from sim.files import explain_md
from sim.files.cells import (
    blank_float_column,
    int_column,
    number,
    read_columns,
)
from sim.files.names import Names, merged
from sim.record import Trace
from sim.scenario.expand import Park

BOTTLENECKS = "compare_bottlenecks.csv"
STATIONS = "compare_stations.csv"
FILES = (BOTTLENECKS, STATIONS)
"""The files this module owns (a comparison folder may lack them: older ones do)."""

BOTTLENECK_COLUMNS = (
    "option",
    "rank",
    "kind",
    "id",
    "lost_output_days",
    "ci95_lo",
    "ci95_hi",
    "diff",
    "diff_lo",
    "diff_hi",
    "n_pairs",
    "significant",
    "name",
)
STATION_COLUMNS = ("option", "day", "replication", "station", "queue", "cleared_total")


@dataclass(frozen=True)
class Explanation:
    """What holds each option back, computed once from the traces for the files, the
    report and what `parksim compare` prints."""

    sources: tuple[SourceRow, ...]
    loads: tuple[StationLoad, ...]
    names: Names
    """Display names of every option's firms, suppliers, stations and zones."""

    def section(self, cmp: Comparison, start: date | None, render: Callable[..., str]) -> list[str]:
        """The lines of comparison.md's "What holds each option back"."""
        return explain_md.section(cmp, self.sources, self.loads, self.names, start, render)


def explain(traces: Mapping[str, Sequence[Trace]], parks: Sequence[Park]) -> Explanation:
    """Each option's bottlenecks and station loads (the first option is the baseline), and
    the names the options' scenarios give (the baseline's first)."""
    return Explanation(compare_sources(traces), station_loads(traces), merged(parks))


# --------------------------------------------------------------------------- writing


def bottleneck_rows(sources: Sequence[SourceRow], names: Names) -> list[list[str]]:
    """The cells of `compare_bottlenecks.csv`, header first, options in their order."""
    rows = [list(BOTTLENECK_COLUMNS)]
    for s in sources:
        lo, hi = s.ci95 if s.ci95 is not None else (None, None)
        dlo, dhi = s.diff_ci95 if s.diff_ci95 is not None else (None, None)
        rows.append(
            [
                s.option,
                str(s.rank),
                s.kind,
                s.id,
                number(s.mean),
                number(lo),
                number(hi),
                number(s.diff),
                number(dlo),
                number(dhi),
                str(s.n_pairs),
                "true" if s.significant else "false",
                names.get(s.kind, {}).get(s.id, ""),
            ]
        )
    return rows


def station_rows(traces: Mapping[str, Sequence[Trace]]) -> list[list[str]]:
    """The cells of `compare_stations.csv`, header first."""
    rows = [list(STATION_COLUMNS)]
    for name, ts in traces.items():
        for t in ts:
            for k, st in enumerate(t.stations):
                f = t.funnel[:, k, :]
                rows.extend(
                    [name, str(d), str(t.replication), st, str(int(f[d, 3])), str(int(f[d, 2]))]
                    for d in range(t.days)
                )
    return rows


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class OptionBottleneck:
    """One row of `compare_bottlenecks.csv` (NaN where the file has an empty cell)."""

    option: str
    rank: int
    kind: str
    id: str
    lost_output_days: float
    ci95_lo: float
    ci95_hi: float
    diff: float
    diff_lo: float
    diff_hi: float
    n_pairs: int
    significant: bool
    name: str

    @property
    def shown(self) -> str:
        """Its name, or its id where the scenario gives it none."""
        return self.name or self.id


def read_bottlenecks(path: Path) -> list[OptionBottleneck]:
    """Read `compare_bottlenecks.csv`: every option's bottlenecks, by option then rank."""
    path = Path(path)
    cols = read_columns(path, BOTTLENECK_COLUMNS)
    rank = int_column(path, cols["rank"], "rank")
    pairs = int_column(path, cols["n_pairs"], "n_pairs")
    num = {
        k: blank_float_column(path, cols[k], k)
        for k in ("lost_output_days", "ci95_lo", "ci95_hi", "diff", "diff_lo", "diff_hi")
    }
    return [
        OptionBottleneck(
            option=cols["option"][i],
            rank=int(rank[i]),
            kind=cols["kind"][i],
            id=cols["id"][i],
            lost_output_days=float(num["lost_output_days"][i]),
            ci95_lo=float(num["ci95_lo"][i]),
            ci95_hi=float(num["ci95_hi"][i]),
            diff=float(num["diff"][i]),
            diff_lo=float(num["diff_lo"][i]),
            diff_hi=float(num["diff_hi"][i]),
            n_pairs=int(pairs[i]),
            significant=cols["significant"][i].strip().lower() == "true",
            name=cols["name"][i],
        )
        for i in range(len(rank))
    ]


def read_stations(
    path: Path, replications: int | None = None, days: int | None = None
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Read `compare_stations.csv`: (stations, {option: queue[replication, day, station]}).

    Stations keep their order of first appearance; a station an option does not have is
    NaN in its array (as is any day the file lacks).
    """
    path = Path(path)
    cols = read_columns(path, STATION_COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    queue = blank_float_column(path, cols["queue"], "queue")
    stations = list(dict.fromkeys(cols["station"]))
    index = {s: i for i, s in enumerate(stations)}
    n_rep = replications if replications is not None else (int(rep.max()) + 1 if rep.size else 0)
    n_day = days if days is not None else (int(day.max()) + 1 if day.size else 0)
    if rep.size and (rep.max() >= n_rep or day.max() >= n_day):
        raise ValueError(f"{path}: rows beyond {n_rep} replications × {n_day} days")
    out: dict[str, np.ndarray] = {}
    for opt in dict.fromkeys(cols["option"]):
        out[opt] = np.full((n_rep, n_day, len(stations)), np.nan)
    st = np.fromiter((index[s] for s in cols["station"]), dtype=np.intp, count=len(queue))
    for opt, arr in out.items():
        mine = np.fromiter((o == opt for o in cols["option"]), dtype=bool, count=len(queue))
        arr[rep[mine], day[mine], st[mine]] = queue[mine]
    return stations, out
