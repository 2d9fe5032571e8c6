"""The recovery chart of a run, `plots/recovery.png`: park capacity, the resumption of
firms and of above-scale firms, each the mean over replications with a 90 % band,
the pre-shock baseline, the day 80 % capacity is reached, and the published figures
the scenario states (`reporting.observations`) as diamonds beside the curves.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files.summary import ReportedFigure, RunSummary, lookup
from sim.files.timeseries import FILE as TIMESERIES_FILE
from sim.files.timeseries import Key
from sim.metrics import (
    CAPACITY,
    DAYS_TO_80,
    PARK,
    RESUMED,
    RESUMPTION,
    RESUMPTION_ABOVE_SCALE,
    RESUMPTION_WEIGHTED,
    WORKFORCE,
)
from sim.output import i18n
from sim.output.annotate import relapse_marks
from sim.output.charts.style import (
    BAND_PERCENTILES,
    OKABE_ITO,
    band_patch,
    day_axis,
    format_when,
    nan_stat,
    new_figure,
    run_subtitle,
    save,
    set_titles,
    steps,
    style_time_axis,
    to_x,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FILE = "recovery.png"


@dataclass(frozen=True)
class _Curve:
    metric: str
    label: str
    """Its catalogue key (`sim.output.i18n`)."""
    colour: str
    linestyle: str


_RECOVERY_CURVES = (
    _Curve(CAPACITY, "recovery.capacity", OKABE_ITO[0], "-"),
    _Curve(RESUMPTION, "recovery.resumption", OKABE_ITO[1], "-"),
    _Curve(RESUMPTION_ABOVE_SCALE, "recovery.above_scale", OKABE_ITO[2], "--"),
)

_FIGURE_COLOURS = {
    **{curve.metric: curve.colour for curve in _RECOVERY_CURVES},
    RESUMPTION_WEIGHTED: OKABE_ITO[4],
    WORKFORCE: OKABE_ITO[5],
    RESUMED: OKABE_ITO[3],
}
"""Marker colour of a reported figure: its curve's colour, or one of its own for the
metrics the recovery chart draws no curve for."""


def draw_reported_figures(
    ax: Axes,
    figures: Sequence[ReportedFigure],
    *,
    n_days: int,
    start: date | None,
    lang: str = "en",
) -> list[Any]:
    """Mark published figures on a time chart; return their legend entries.

    Each figure is a diamond at (its day, its value) in the colour of its metric's
    curve, with an error bar of ± its stated tolerance and its label beside it. A
    figure for day d sits in the middle of day d (the curves are steps over
    [d, d+1)); figures of the same day stand side by side. The legend gets one
    entry per source, "reported figure (source)", and a note naming any figure
    whose day falls outside the run. The y axis is raised, if need be, so that
    every error bar shows.
    """
    from matplotlib.lines import Line2D

    sources: list[str] = []
    outside: list[str] = []
    any_tolerance = False
    top = ax.get_ylim()[1]
    same_day = Counter(fig.day for fig in figures)
    seen: Counter[float] = Counter()
    for fig in figures:
        text = fig.label or f"{fig.metric} {fig.value:.1%}"
        if not 0 <= fig.day < n_days:
            outside.append(f"{text} ({format_when(fig.day, start, lang)})")
            continue
        colour = _FIGURE_COLOURS.get(fig.metric, OKABE_ITO[7])
        # figures of the same day stand side by side, their labels one under another
        k, n = seen[fig.day], same_day[fig.day]
        seen[fig.day] += 1
        x = to_x(fig.day + 0.5 + (k - (n - 1) / 2) * 0.4, start)
        ax.errorbar(
            [x],
            [fig.value],
            yerr=[fig.tolerance] if fig.tolerance > 0 else None,
            fmt="D",
            color=colour,
            markeredgecolor="black",
            markersize=7,
            elinewidth=1.5,
            capsize=4,
            zorder=5,
        )
        left = fig.day > n_days / 2
        ax.annotate(
            text,
            (x, fig.value),
            xytext=(-9 if left else 9, -12 - 12 * k),
            textcoords="offset points",
            ha="right" if left else "left",
            va="center",
            fontsize=8,
            color="#222222",
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.7,
            },
            zorder=6,
        )
        any_tolerance |= fig.tolerance > 0
        top = max(top, fig.value + fig.tolerance + 0.03)
        if fig.source not in sources:
            sources.append(fig.source)
    ax.set_ylim(ax.get_ylim()[0], top)
    bar = i18n.tr("figures.tolerance", lang) if any_tolerance else ""
    handles: list[Any] = [
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            color="#999999",
            markeredgecolor="black",
            label=(
                i18n.tr("figures.from", lang, source=source)
                if source
                else i18n.tr("figures.reported", lang)
            )
            + bar,
        )
        for source in sources
    ]
    if outside:
        handles.append(
            Line2D(
                [],
                [],
                color="none",
                label=i18n.tr("figures.outside", lang, figures="; ".join(outside)),
            )
        )
    return handles


def _label(curve: _Curve, region: bool) -> str:
    """A curve's catalogue key; the capacity of a region of parks is the region's."""
    return "recovery.capacity_region" if region and curve.metric == CAPACITY else curve.label


def draw_recovery(
    timeseries: dict[Key, np.ndarray],
    summary: RunSummary,
    out: Path,
    lang: str = "en",
    *,
    region: bool = False,
) -> Path:
    """Chart the park's capacity and the resumption of firms, mean and 90 % band (of a
    whole `region` of parks: its curve is named so, the parks have their own chart).

    Published figures in `summary.observations` are marked beside the curves
    (see `draw_reported_figures`).
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    if (CAPACITY, PARK) not in timeseries:
        raise ValueError(
            f"{TIMESERIES_FILE} has no park capacity rows (metric=capacity, group=park)"
        )
    n_rep, n_days = timeseries[(CAPACITY, PARK)].shape
    start = summary.start_date
    x = day_axis(n_days, start)

    fig, ax = new_figure()
    handles: list[Any] = []
    for curve in _RECOVERY_CURVES:
        data = timeseries.get((curve.metric, PARK))
        if data is None or data.shape[1] == 0:
            continue
        mean = nan_stat(np.nanmean, data)
        (line,) = ax.plot(
            x,
            steps(mean),
            drawstyle="steps-post",
            color=curve.colour,
            linestyle=curve.linestyle,
            linewidth=2,
            label=i18n.tr("mean_of", lang, what=i18n.tr(_label(curve, region), lang)),
        )
        handles.append(line)
        if n_rep > 1:
            lo, hi = nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
            ax.fill_between(
                x, steps(lo), steps(hi), step="post", color=curve.colour, alpha=0.2, lw=0
            )

    handles.append(
        ax.axhline(
            1.0,
            color="#555555",
            linewidth=1,
            linestyle=":",
            label=i18n.tr("recovery.baseline", lang),
        )
    )
    if n_rep > 1:
        handles.append(band_patch("band", lang, n_rep))

    day80 = summary.metric_mean(DAYS_TO_80)
    if day80 is None and lookup(summary.raw, "metrics", DAYS_TO_80) is not None:
        handles.append(Line2D([], [], color="none", label=i18n.tr("recovery.80_never", lang)))
    elif day80 is not None and math.isfinite(day80):
        reached = summary.metric_reached(DAYS_TO_80)
        note = i18n.tr("mean", lang)
        if reached is not None and reached < n_rep:
            note = i18n.tr("recovery.mean_of_reached", lang, k=reached, n=n_rep)
        marker = ax.axvline(to_x(day80, start), color=OKABE_ITO[3], linewidth=1.5, linestyle="-.")
        marker.set_label(
            i18n.tr("recovery.80_on", lang, when=format_when(day80, start, lang), note=note)
        )
        handles.append(marker)
    handles += relapse_marks(ax, summary, n_days=n_days, start=start, lang=lang)

    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel(i18n.tr("recovery.ylabel", lang))
    style_time_axis(ax, n_days, start, lang)
    handles += draw_reported_figures(
        ax, summary.observations, n_days=n_days, start=start, lang=lang
    )
    set_titles(
        ax,
        i18n.tr("recovery.title", lang, scenario=summary.scenario),
        run_subtitle(summary, n_rep, n_days, lang),
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return save(fig, out)
