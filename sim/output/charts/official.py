"""The two official curves of a run, as the articles report them: 复工率 (the share of
firms that have resumed, `resumed`; above-scale firms dashed) and 产能恢复率 (park
output over its pre-shock level, `capacity`), each the median over replications with
its 50 % and 90 % bands, and the 80 % line. Drawn for the report
(`sim.output.report`) from `timeseries.csv`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.files.summary import RunSummary
from sim.files.timeseries import Key
from sim.metrics import CAPACITY, PARK, RESUMED, RESUMED_ABOVE_SCALE
from sim.output import i18n
from sim.output.charts.style import (
    OKABE_ITO,
    day_axis,
    nan_stat,
    new_figure,
    run_subtitle,
    save,
    set_titles,
    steps,
    style_time_axis,
)

CURVES = (
    (CAPACITY, "official.capacity", OKABE_ITO[0], "-"),
    (RESUMED, "official.resumed", OKABE_ITO[1], "-"),
    (RESUMED_ABOVE_SCALE, "official.resumed_above_scale", OKABE_ITO[2], "--"),
)
"""(metric, catalogue key, colour, line style) of each curve, in drawing order."""


def draw_official(
    timeseries: dict[Key, np.ndarray], summary: RunSummary, out: Path, lang: str = "en"
) -> Path:
    """Chart 复工率 and 产能恢复率: median over replications, 50 % and 90 % bands."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    n_rep, n_days = timeseries[(CAPACITY, PARK)].shape
    start = summary.start_date
    x = day_axis(n_days, start)
    fig, ax = new_figure()
    handles: list[Any] = []
    for metric, key, colour, style in CURVES:
        data = timeseries.get((metric, PARK))
        if data is None or not np.isfinite(data).any():
            continue
        if n_rep > 1:
            for lo, hi, alpha in ((5, 95, 0.15), (25, 75, 0.3)):
                band = nan_stat(np.nanpercentile, data, (lo, hi))
                ax.fill_between(
                    x, steps(band[0]), steps(band[1]), step="post", color=colour, alpha=alpha, lw=0
                )
        (line,) = ax.plot(
            x,
            steps(nan_stat(np.nanmedian, data)),
            drawstyle="steps-post",
            color=colour,
            linestyle=style,
            linewidth=2,
            label=i18n.tr("official.median_of", lang, what=i18n.tr(key, lang)),
        )
        handles.append(line)
    ax.axhline(0.8, color="#777777", linewidth=0.9, linestyle=":")
    ax.axhline(1.0, color="#555555", linewidth=1, linestyle=":")
    if n_rep > 1:
        handles += [
            Patch(facecolor="#888888", alpha=0.45, label=i18n.tr("official.band50", lang)),
            Patch(facecolor="#888888", alpha=0.2, label=i18n.tr("official.band90", lang)),
        ]
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel(i18n.tr("official.ylabel", lang))
    style_time_axis(ax, n_days, start, lang)
    set_titles(
        ax,
        i18n.tr("official.title", lang, scenario=summary.scenario),
        run_subtitle(summary, n_rep, n_days, lang),
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return save(fig, out)
