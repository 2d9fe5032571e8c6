"""The small multiples of a region of parks, one panel per park with shared axes:

- `plots/recovery_by_park.png`: each park's capacity (output over its own baseline) and
  the share of its firms that have resumed, mean over replications with a 90 % band,
  and the day it reaches 80 % (`parks.csv`);
- `plots/causes_by_park.png`: each park's mean daily output lost to each cause, stacked,
  in % of its own baseline (`park_causes.csv`), the colours of the region's causes chart.

Drawn from `timeseries.csv` (groups `park:<id>`), `parks.csv` and `park_causes.csv`;
a run without parks has neither file and gets neither chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files.parks import GROUP_PREFIX, ParkRow
from sim.files.summary import RunSummary
from sim.files.timeseries import Key
from sim.metrics import CAPACITY, RESUMED
from sim.output import i18n, palette
from sim.output.charts.style import (
    BAND_PERCENTILES,
    DPI,
    OKABE_ITO,
    band_patch,
    contrast,
    day_axis,
    format_when,
    nan_stat,
    run_subtitle,
    save,
    steps,
    style_time_axis,
    to_x,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

RECOVERY_FILE = "recovery_by_park.png"
CAUSES_FILE = "causes_by_park.png"
FILES = (RECOVERY_FILE, CAUSES_FILE)

COLUMNS = 3
"""Panels per row at most."""


def _grid(n: int) -> tuple[Figure, list[Axes]]:
    """A figure of `n` panels with shared axes, `COLUMNS` to a row, and room on the right
    for the legend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.output.charts.fonts import use_chart_fonts

    use_chart_fonts()
    cols = min(COLUMNS, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    fig = Figure(figsize=(4.2 * cols + 3.2, 2.8 * rows + 1.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    axes = list(grid.ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _one_xlabel(fig: Figure, axes: Sequence[Axes]) -> None:
    """The time axis named once under the panels, not under each."""
    if not axes:
        return
    fig.supxlabel(axes[0].get_xlabel(), fontsize=9)
    for ax in axes:
        ax.set_xlabel("")


def _title(row: ParkRow | None, park: str) -> str:
    return row.shown if row is not None else park


def draw_recovery_by_park(
    timeseries: dict[Key, np.ndarray],
    rows: Sequence[ParkRow],
    summary: RunSummary,
    out: Path,
    lang: str = "en",
) -> Path:
    """One panel per park (scenario order, as `timeseries.csv` gives them): its capacity
    and the share of its firms resumed, mean with a 90 % band, and its day to 80 %."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    n = len(GROUP_PREFIX)
    parks = [g[n:] for m, g in timeseries if m == CAPACITY and g.startswith(GROUP_PREFIX)]
    by_id = {r.park: r for r in rows}
    fig, axes = _grid(len(parks))
    n_rep = n_days = 0
    start = summary.start_date
    curves: tuple[tuple[str, str, Any, str], ...] = (
        (CAPACITY, OKABE_ITO[0], "-", "parks.capacity"),
        (RESUMED, OKABE_ITO[1], "--", "parks.resumed"),
    )
    for ax, park in zip(axes, parks, strict=True):
        for metric, colour, style, _ in curves:
            data = timeseries.get((metric, GROUP_PREFIX + park))
            if data is None or data.shape[1] == 0:
                continue
            n_rep, n_days = data.shape
            x = day_axis(n_days, start)
            ax.plot(
                x,
                steps(nan_stat(np.nanmean, data)),
                drawstyle="steps-post",
                color=colour,
                linestyle=style,
                linewidth=1.8,
            )
            if n_rep > 1:
                lo, hi = nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
                ax.fill_between(x, steps(lo), steps(hi), step="post", color=colour, alpha=0.2, lw=0)
        ax.axhline(1.0, color="#555555", linewidth=1, linestyle=":")
        row = by_id.get(park)
        if row is not None and row.days_to_80 is not None:
            ax.axvline(
                to_x(row.days_to_80, start), color=OKABE_ITO[3], linewidth=1.2, linestyle="-."
            )
        when = (
            i18n.tr("parks.80_on", lang, when=format_when(row.days_to_80, start, lang))
            if row is not None and row.days_to_80 is not None
            else i18n.tr("parks.80_never", lang)
        )
        ax.set_title(f"{_title(row, park)}\n{when}", fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        style_time_axis(ax, n_days, start, lang)
    _one_xlabel(fig, axes)
    if axes:
        axes[0].set_ylabel(i18n.tr("parks.recovery_ylabel", lang))
    handles: list[Any] = [
        Line2D(
            [],
            [],
            color=c,
            linestyle=s,
            linewidth=1.8,
            label=i18n.tr("mean_of", lang, what=i18n.tr(k, lang)),
        )
        for _, c, s, k in curves
    ]
    handles.append(
        Line2D([], [], color=OKABE_ITO[3], linestyle="-.", label=i18n.tr("parks.80_line", lang))
    )
    if n_rep > 1:
        handles.append(band_patch("band", lang, n_rep))
    fig.suptitle(
        i18n.tr("parks.recovery_title", lang, scenario=summary.scenario)
        + "\n"
        + run_subtitle(summary, n_rep, n_days, lang),
        fontsize=11,
    )
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize=8)
    return save(fig, out)


def draw_causes_by_park(
    parks: Sequence[str],
    causes: Sequence[str],
    lost: np.ndarray,
    rows: Sequence[ParkRow],
    summary: RunSummary,
    out: Path,
    lang: str = "en",
) -> Path:
    """One panel per park: its mean daily output lost to each cause, stacked, in % of its
    own baseline. `lost` is (replications, days, parks, causes) as `read_causes` gives
    it; a cause no park ever lost output to is left out of the legend."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    n_rep, n_days = lost.shape[:2]
    start = summary.start_date
    x = day_axis(n_days, start)
    mean = lost.mean(axis=0) if n_rep else np.zeros(lost.shape[1:])
    used = [c for c in range(len(causes)) if mean[:, :, c].sum() > 0]
    styles = palette.cause_styles(causes)
    by_id = {r.park: r for r in rows}
    fig, axes = _grid(len(parks))
    top = float(mean.sum(axis=2).max()) if mean.size else 0.0
    for p, (ax, park) in enumerate(zip(axes, parks, strict=True)):
        if used and n_days:
            polys = ax.stackplot(
                x,
                steps(mean[:, p, used]).T,
                colors=[styles[c][0] for c in used],
                step="post",
                linewidth=0,
            )
            for poly, c in zip(polys, used, strict=True):
                colour, hatch = styles[c]
                if hatch:
                    poly.set_hatch(hatch)
                    poly.set_edgecolor(contrast(colour))
        row = by_id.get(park)
        total = float(mean[:, p, :].sum()) if mean.size else 0.0
        ax.set_title(
            f"{_title(row, park)}\n" + i18n.tr("parks.lost_total", lang, total=f"{total:.1f}"),
            fontsize=10,
        )
        ax.set_ylim(0, min(1.05, top * 1.08) if top > 0 else 0.05)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        style_time_axis(ax, n_days, start, lang)
    _one_xlabel(fig, axes)
    if axes:
        axes[0].set_ylabel(i18n.tr("parks.causes_ylabel", lang))
    handles: list[Any] = []
    for c in reversed(used):
        colour, hatch = styles[c]
        handles.append(
            Patch(
                facecolor=colour,
                hatch=hatch or None,
                edgecolor=contrast(colour) if hatch else colour,
                label=i18n.cause(causes[c], lang),
            )
        )
    if not handles:
        handles.append(
            Patch(facecolor="none", edgecolor="none", label=i18n.tr("causes.none", lang))
        )
    fig.suptitle(
        i18n.tr("parks.causes_title", lang, scenario=summary.scenario)
        + "\n"
        + i18n.tr("mean_over", lang)
        + " · "
        + run_subtitle(summary, n_rep, n_days, lang),
        fontsize=11,
    )
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize=8)
    return save(fig, out)
