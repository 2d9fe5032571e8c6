"""What a recovery chart says about "days to 80 %": the rule that counts a level as
reached (it must hold for `reporting.sustain_days` days) and the replications that
relapsed after reaching it (fell more than `reporting.relapse_margin` below the level).

Drawn from `summary.json` (its `sustain_days` and `relapses`), like every chart; the
charts call `relapse_marks` once and add the legend entries it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sim.files.summary import RunSummary
from sim.metrics import RELAPSE_LEVEL, days_to_name
from sim.output import i18n
from sim.output.charts.style import OKABE_ITO, to_x

if TYPE_CHECKING:
    from matplotlib.axes import Axes

RELAPSE_COLOUR = OKABE_ITO[3]
"""Vermillion, the colour of the 80 % marker the relapses qualify."""


def _points(value: float) -> str:
    return f"{value * 100:.0f}"


def sustain_rule(level: int, sustain_days: int | None, lang: str = "en") -> str:
    """`80 % reached: first day capacity holds ≥ 80 % for 3 days`."""
    if not sustain_days or sustain_days == 1:
        return i18n.tr("relapse.rule_once", lang, level=level)
    return i18n.tr("relapse.rule", lang, level=level, days=sustain_days)


def relapse_text(entry: Mapping[str, Any], level: int = RELAPSE_LEVEL, lang: str = "en") -> str:
    """`relapse ▼: 2 of 9 runs fell below 70 % after reaching 80 %` (runs: the
    replications that reached the level)."""
    below = _points(float(entry["level"]) - float(entry["margin"]))
    reached, relapsed = int(entry["reached"]), int(entry["relapsed"])
    if not relapsed:
        return i18n.tr("relapse.none", lang, reached=reached, below=below, level=level)
    return i18n.tr(
        "relapse.some", lang, relapsed=relapsed, reached=reached, below=below, level=level
    )


def relapse_marks(
    ax: Axes,
    summary: RunSummary,
    *,
    n_days: int,
    start: date | None,
    level: int = RELAPSE_LEVEL,
    lang: str = "en",
) -> list[Any]:
    """Mark, at level − margin, the first day each relapsed replication fell that low (▼);
    return legend entries: the rule that counts the level as reached, and how many
    replications relapsed (nothing for a run older than relapses or none reaching it)."""
    from matplotlib.lines import Line2D

    rule = sustain_rule(level, summary.sustain_days, lang)
    handles: list[Any] = [Line2D([], [], color="none", label=rule)]
    entry = summary.relapse(days_to_name(level))
    if entry is None or not entry.get("reached"):
        return handles
    y = float(entry["level"]) - float(entry["margin"])
    days = [d for d in entry.get("days") or [] if isinstance(d, int | float) and 0 <= d < n_days]
    if days:
        ax.plot(
            [to_x(d + 0.5, start) for d in days],
            [y] * len(days),
            linestyle="none",
            marker="v",
            markersize=8,
            color=RELAPSE_COLOUR,
            markeredgecolor="black",
            zorder=6,
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="v",
                color=RELAPSE_COLOUR,
                markeredgecolor="black",
                label=relapse_text(entry, level, lang),
            )
        )
    else:
        handles.append(Line2D([], [], color="none", label=relapse_text(entry, level, lang)))
    return handles


def relapse_label(stat: Any, lang: str = "en") -> str:
    """`; relapsed 7/10` for a comparison option's legend, from its `relapsed_80` row of
    `comparison.csv` (the share relapsed among the `n` replications reaching 80 %); empty
    when none relapsed or the file is older than relapses."""
    if stat is None or not stat.n or stat.mean != stat.mean:  # NaN: none reached 80 %
        return ""
    k = round(stat.mean * stat.n)
    return i18n.tr("relapse.legend", lang, k=k, n=stat.n) if k else ""
