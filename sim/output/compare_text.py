"""What `parksim compare` prints after its table, in the planner's language
(`sim.output.i18n`): how days to 80 % and relapses are counted, what holds each option
back (its largest bottleneck, its busiest transfer station) and, with `--robust`, whether
the ranking holds when uncertain inputs move. `comparison.md` keeps English
(`sim.files.explain_md`, `sim.files.robustness`); the English printed here is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sim.comparison import (
    PARK_SOURCE,
    ROBUST_METRICS,
    Comparison,
    Robustness,
    SourceRow,
    StationLoad,
)
from sim.files.explain_md import bottleneck_cell
from sim.files.names import STATION, Names, display
from sim.metrics import DAYS_TO_80, LOST_OUTPUT_DAYS, RELAPSE_LEVEL
from sim.output import i18n

_SHORT = {LOST_OUTPUT_DAYS: "compare.short_lost", DAYS_TO_80: "compare.short_d80"}
"""Catalogue keys of the short names of the differences `--robust` checks."""


def relapse_rule(sustain_days: int | None, margin: float | None, lang: str = "en") -> str:
    """How days to 80 % and relapses are counted, one sentence for under the table."""
    level = RELAPSE_LEVEL
    held = i18n.tr("cli.rule_held", lang, days=sustain_days) if sustain_days else ""
    text = i18n.tr("cli.rule_days", lang, level=level, held=held)
    if margin is not None:
        below = round((RELAPSE_LEVEL / 100 - margin) * 100)
        text += i18n.tr("cli.rule_relapse", lang, below=below, points=round(margin * 100))
    return text + i18n.tr("cli.rule_end", lang)


def _day(day: int, start: dt.date | None, lang: str) -> str:
    if start is None:
        return i18n.tr("day", lang, day=day)
    return i18n.date_text(start + dt.timedelta(days=day), lang, year=False)


def holds_back_table(
    cmp: Comparison,
    sources: Sequence[SourceRow],
    loads: Sequence[StationLoad],
    names: Names,
    start: dt.date | None,
    lang: str = "en",
) -> list[list[str]]:
    """Each option's largest bottleneck and its busiest station's peak queue, options
    ranked as in the main table, header first."""
    rows = [
        [
            i18n.table_cell("option", lang),
            i18n.table_cell("largest bottleneck (baseline-days, Δ)", lang),
            i18n.table_cell("busiest station: peak queue", lang),
        ]
    ]
    for name in cmp.ranked():
        mine = sorted(
            (s for s in sources if s.option == name and s.mean > 0 and s.kind != PARK_SOURCE),
            key=lambda s: s.rank,
        )
        first = bottleneck_cell(mine[0], names, name != cmp.baseline) if mine else "—"
        busiest = max(
            (x for x in loads if x.option == name), key=lambda x: x.peak_queue, default=None
        )
        queue = "—"
        if busiest is not None:
            queue = i18n.tr(
                "cli.peak_queue",
                lang,
                station=display(names, STATION, busiest.station),
                trips=f"{busiest.peak_queue:.1f}",
                when=_day(busiest.peak_day, start, lang),
            )
        rows.append([name, first, queue])
    return rows


def robustness_lines(rob: Robustness, lang: str = "en") -> list[str]:
    """What `parksim compare --robust` prints after the table: a few lines."""
    first = rob.ranking(rob.nominal)
    lines = [
        i18n.tr("cli.robust_head", lang, k=len(rob.ends)),
        i18n.tr("cli.robust_ranking", lang, ranking=" > ".join(first)),
    ]
    changed = rob.changed()
    for e in changed:
        lines.append(
            i18n.tr(
                "cli.robust_changes",
                lang,
                at=e.label,
                ranking=" > ".join(rob.ranking(e.comparison)),
            )
        )
    if not changed:
        lines.append(i18n.tr("cli.robust_holds", lang))
    flips = [
        i18n.tr(
            "cli.robust_flip",
            lang,
            what=i18n.tr(_SHORT[m], lang) if m in _SHORT else m,
            option=o,
            at=", ".join(e.label for e in rob.flips(o, m)),
        )
        for o in first
        if o != rob.nominal.baseline
        for m in ROBUST_METRICS
        if not rob.keeps_sign(o, m) and not all(s == 0 for s in rob.signs(o, m))
    ]
    if flips:
        lines.append(i18n.tr("cli.robust_flips", lang, flips=i18n.tr("cli.sep", lang).join(flips)))
    else:
        lines.append(i18n.tr("cli.robust_signs", lang))
    return lines
