"""The parts of `comparison.md` (and of what `parksim compare` prints) that explain a
comparison: each option's relapses after reaching 80 %, what holds each option back
(its largest bottlenecks, how long its transfer stations' queues grew and, in a region of
parks, the park whose closure cost the other parks most) and, with
`--robust`, whether the ranking holds when uncertain inputs move (`sim.files.robustness`).

Names, not ids: a bottleneck or station is shown by the `name:` the scenario gives it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sim.comparison import PARK_SOURCE, Comparison, Row, SourceRow, StationLoad
from sim.files.names import STATION, Names, display
from sim.metrics import LOST_OUTPUT_DAYS, LOST_OUTPUT_VALUE, RELAPSE_LEVEL

TOP_BOTTLENECKS = 3
"""How many bottlenecks the report names for each option."""


def _num(v: float | None, digits: int = 2, sign: bool = False) -> str:
    if v is None:
        return "n/a"
    v = 0.0 if v == 0 else v
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


def _delta(s: SourceRow) -> str:
    """` (Δ +1.87 *)`: a bottleneck's paired difference from the baseline (`Δ 0` when every
    pair is equal)."""
    if s.diff is None:
        return ""
    if s.diff == 0 and not s.significant:
        return " (Δ 0)"
    return f" (Δ {_num(s.diff, sign=True)}{' *' if s.significant else ''})"


def relapse_note(row: Row | None) -> str:
    """`, relapsed 3/29` for a days-to-80 % cell (3 of the 29 replications reaching 80 %
    fell back more than the margin later); empty when none did or it is not known."""
    if row is None or row.mean is None or not row.n:
        return ""
    k = round(row.mean * row.n)
    return f", relapsed {k}/{row.n}" if k else ""


def relapse_rule(sustain_days: int | None, margin: float | None) -> str:
    """How days to 80 % and relapses are counted, one sentence for under a table."""
    level = RELAPSE_LEVEL
    held = f" for {sustain_days} days" if sustain_days else ""
    text = f"Days to {level} %: first day capacity reaches {level} % and holds it{held}"
    if margin is not None:
        below = round((RELAPSE_LEVEL / 100 - margin) * 100)
        text += (
            f"; relapsed k/n: k of the n replications reaching it fell below {below} % later "
            f"(more than {round(margin * 100)} points back)"
        )
    return text + "."


def _when(day: int, start: dt.date | None) -> str:
    if start is None:
        return f"day {day}"
    when = start + dt.timedelta(days=day)
    return f"{when.day} {when:%b}"


def bottlenecks_table(
    sources: Sequence[SourceRow], names: Names, ranked: Sequence[str], baseline: str
) -> list[list[str]]:
    """Each option's largest bottlenecks: `name 2.10 (Δ +0.90 *)`, header first."""
    ordinals = ["largest bottleneck", "second", "third"][:TOP_BOTTLENECKS]
    rows = [["option", *ordinals]]
    for name in ranked:
        mine = sorted(
            (s for s in sources if s.option == name and s.mean > 0 and s.kind != PARK_SOURCE),
            key=lambda s: s.rank,
        )
        cells = []
        for s in mine[:TOP_BOTTLENECKS]:
            text = f"{display(names, s.kind, s.id)} {_num(s.mean)}"
            if name != baseline:
                text += _delta(s)
            cells.append(text)
        rows.append([name, *cells, *["—"] * (len(ordinals) - len(cells))])
    return rows


def stations_table(
    loads: Sequence[StationLoad], names: Names, ranked: Sequence[str], start: dt.date | None
) -> list[list[str]]:
    """Each option's transfer stations: peak and mean queue, trips cleared, mean wait."""
    rows = [
        [
            "option",
            "station",
            "peak queue (trips, mean over replications)",
            "mean queue (trips)",
            "trips cleared",
            "mean wait (days)",
        ]
    ]
    for name in ranked:
        for ld in (x for x in loads if x.option == name):
            rows.append(
                [
                    name,
                    display(names, STATION, ld.station),
                    f"{ld.peak_queue:.1f} ({_when(ld.peak_day, start)})",
                    f"{ld.mean_queue:.1f}",
                    f"{ld.cleared:.0f}",
                    _num(ld.mean_wait_days, 1),
                ]
            )
    return rows


def bottleneck_cell(s: SourceRow, names: Names, with_delta: bool) -> str:
    """`North gate 2.72 (Δ +1.87 *)`: a bottleneck by name, the park output its missing
    goods cost (baseline-days) and, `with_delta`, its paired difference from the baseline."""
    text = f"{display(names, s.kind, s.id)} {_num(s.mean)}"
    return text + _delta(s) if with_delta else text


def closure_line(park: str, value: float, share: float | None) -> str:
    """`park North's closure cost the region 12.5 value units (41 % of its loss)`: the
    output the other parks of a region lost for want of one park's goods."""
    of_loss = f" ({share:.0%} of its loss)" if share is not None else ""
    return f"park {park}'s closure cost the region {value:.4g} value units{of_loss}"


def park_lines(cmp: Comparison, sources: Sequence[SourceRow], names: Names) -> list[str]:
    """For each option of a region of parks, the park whose closure cost the other parks
    most (`park` bottlenecks, baseline-days turned into value units by the option's own
    lost output in both units), and its share of the option's whole loss."""
    out = []
    for name in cmp.ranked():
        parks = sorted(
            (s for s in sources if s.option == name and s.kind == PARK_SOURCE),
            key=lambda s: s.rank,
        )
        if not parks:
            continue
        top = parks[0]
        days, value = cmp.get(name, LOST_OUTPUT_DAYS), cmp.get(name, LOST_OUTPUT_VALUE)
        lost_days = days.mean if days is not None else None
        lost_value = value.mean if value is not None else None
        if top.mean <= 0 or not lost_days or lost_value is None:
            out.append(f"- {name}: no park's closure cost the other parks any output")
            continue
        share = top.mean / lost_days
        text = closure_line(display(names, PARK_SOURCE, top.id), share * lost_value, share)
        out.append(f"- {name}: {text}{_delta(top) if name != cmp.baseline else ''}")
    return out


def section(
    cmp: Comparison,
    sources: Sequence[SourceRow],
    loads: Sequence[StationLoad],
    names: Names,
    start: dt.date | None,
    render: Callable[[list[list[str]]], str],
) -> list[str]:
    """The lines of comparison.md's "What holds each option back" (`render` draws a table)."""
    ranked = cmp.ranked()
    lines = [
        "## What holds each option back",
        "",
        "Bottlenecks: park output the missing goods of each supplier, park firm as supplier, "
        "transfer station or the pass system cost, mean over replications in baseline-days "
        "(Δ vs baseline, `*` significant); every bottleneck of every option is in "
        "`compare_bottlenecks.csv`.",
        "",
        render(bottlenecks_table(sources, names, ranked, cmp.baseline)),
        "",
    ]
    parks = park_lines(cmp, sources, names)
    if parks:
        lines += [
            "Parks of the region: the output the other parks' firms lost for want of each "
            "park's goods (the cost of its late, unsynchronised reopening), its largest park "
            "per option (Δ vs baseline in baseline-days, `*` significant); every park is a "
            "`park` line of `compare_bottlenecks.csv`.",
            "",
            *parks,
            "",
        ]
    if loads:
        lines += [
            "Transfer stations: trips waiting at the end of a day (a queue that grows under an "
            "option means its reopened firms ask for more freight than the station clears); "
            "daily, per replication, in `compare_stations.csv`.",
            "",
            render(stations_table(loads, names, ranked, start)),
            "",
        ]
    return lines
