"""The causes chart of a run, `plots/causes.png`: the mean daily output lost to each
cause, stacked, in % of baseline output, with 100 % − mean capacity drawn over the
stack (its top edge: the causes split the loss).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.files.summary import RunSummary
from sim.metrics import LOST_OUTPUT_DAYS
from sim.output import i18n, palette
from sim.output.charts.style import (
    contrast,
    day_axis,
    nan_stat,
    new_figure,
    run_subtitle,
    save,
    set_titles,
    steps,
    style_time_axis,
)

FILE = "causes.png"


def draw_causes(
    causes: Sequence[str],
    lost: np.ndarray,
    summary: RunSummary,
    out: Path,
    *,
    capacity: np.ndarray | None = None,
    lang: str = "en",
) -> Path:
    """Chart the mean daily output lost to each cause, stacked, in % of baseline output.

    `lost` is (replications, days, causes) in baseline-days as read by `read_causes`.
    When the park `capacity` (replications, days) is given, 100 % − mean capacity is
    drawn over the stack: it should be its top edge, the causes splitting the loss.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    n_rep, n_days, _ = lost.shape
    start = summary.start_date
    x = day_axis(n_days, start)
    mean = lost.mean(axis=0) if n_rep else np.zeros(lost.shape[1:])
    per_run_total = lost.sum(axis=1)  # (replications, causes) baseline-days

    fig, ax = new_figure()
    styles = palette.cause_styles(causes)
    labels = []
    for c, cause in enumerate(causes):
        total = summary.cause_mean(cause)
        if total is None:
            total = float(per_run_total[:, c].mean()) if n_rep else 0.0
        labels.append(
            i18n.tr("causes.entry", lang, cause=i18n.cause(cause, lang), total=f"{total:.1f}")
        )
    handles: list[Any] = []
    if causes and n_days:
        polys = ax.stackplot(
            x,
            steps(mean).T,
            labels=labels,
            colors=[colour for colour, _ in styles],
            step="post",
            linewidth=0,
        )
        for poly, (colour, hatch) in zip(polys, styles, strict=True):
            if hatch:
                poly.set_hatch(hatch)
                poly.set_edgecolor(contrast(colour))
        handles = list(reversed(polys))  # legend reads top-down like the stack

    top = float(mean.sum(axis=1).max()) if mean.size else 0.0
    if capacity is not None and capacity.size:
        loss = 1.0 - nan_stat(np.nanmean, capacity)
        (edge,) = ax.plot(
            x,
            steps(loss),
            drawstyle="steps-post",
            color="#000000",
            linewidth=1.2,
            linestyle="--",
            label=i18n.tr("causes.total_edge", lang),
        )
        handles.insert(0, edge)
        if np.isfinite(loss).any():
            top = max(top, float(np.nanmax(loss)))
    elif not handles:
        handles.append(Line2D([], [], color="none", label=i18n.tr("causes.none", lang)))

    total_mean = summary.metric_mean(LOST_OUTPUT_DAYS)
    if total_mean is None:
        total_mean = float(per_run_total.sum(axis=1).mean()) if n_rep else 0.0

    ax.set_ylim(0, min(1.05, top * 1.08) if top > 0 else 0.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel(i18n.tr("causes.ylabel", lang))
    style_time_axis(ax, n_days, start, lang)
    set_titles(
        ax,
        i18n.tr("causes.title", lang, scenario=summary.scenario),
        i18n.tr("mean_over", lang) + " · " + run_subtitle(summary, n_rep, n_days, lang),
    )
    fig.legend(
        handles=handles,
        loc="outside right upper",
        frameon=False,
        fontsize=8,
        title=i18n.tr("causes.legend", lang, total=f"{total_mean:.1f}"),
        title_fontsize=8,
        alignment="left",
    )
    return save(fig, out)
