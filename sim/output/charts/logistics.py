"""The logistics chart of a run, `plots/logistics.png`: for each transfer station the
truck funnel (cumulative trips declared ≥ admitted ≥ cleared) and the trips waiting
in the station, and below them the bottlenecks that cost the park most output.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files import bottlenecks as bottlenecks_file
from sim.files import logistics as logistics_file
from sim.files import summary as summary_file
from sim.files.bottlenecks import PARK_FIRM, PARK_SOURCE, PASSES, STATION, SUPPLIER, Bottleneck
from sim.files.cells import require_file
from sim.files.folders import PLOTS_DIR
from sim.files.logistics import LOGISTICS_FIELDS
from sim.files.names import display, read_names
from sim.files.summary import RunSummary
from sim.output import i18n
from sim.output.charts.fonts import use_chart_fonts
from sim.output.charts.style import (
    BAND_PERCENTILES,
    DPI,
    OKABE_ITO,
    band_patch,
    day_axis,
    nan_stat,
    run_subtitle,
    save,
    steps,
    style_time_axis,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FILE = "logistics.png"

# The chart's layout, in inches.
_LOGI_WIDTH = 11.0
_LOGI_HEADER = 1.5  # title, subtitle and the legend of the station panels
_LOGI_STATION_ROW = 2.4
_LOGI_BAR_BASE = 1.3
_LOGI_BAR_ROW = 0.34
TOP_BOTTLENECKS = 10
"""How many bottlenecks the logistics chart shows."""

_FUNNEL_CURVES = (
    # (field, legend label, colour, line style, line width), drawn in this order: the
    # thin black admitted curve goes over the broad cleared one, which it often follows
    # within a trip or two, and both stay visible.
    ("declared_total", "funnel.declared", OKABE_ITO[1], "--", 1.6),
    ("cleared_total", "funnel.cleared", OKABE_ITO[2], "-", 3.6),
    ("admitted_total", "funnel.admitted", OKABE_ITO[7], (0, (4, 2)), 1.0),
)
_QUEUE_COLOUR = OKABE_ITO[3]
_KIND_COLOURS = {
    STATION: OKABE_ITO[3],
    PASSES: OKABE_ITO[4],
    SUPPLIER: OKABE_ITO[1],
    PARK_FIRM: OKABE_ITO[0],
    PARK_SOURCE: OKABE_ITO[5],
}


def bottleneck_label(b: Bottleneck, lang: str = "en") -> str:
    """`<kind>: <name>`, as charts and the report name a bottleneck (`物流中转站：北门` in
    Chinese; the id where the scenario gives no name)."""
    return b.label if lang == "en" else f"{i18n.kind(b.kind, lang)}：{b.shown}"


def draw_logistics(results_dir: Path, lang: str = "en", out: Path | None = None) -> Path | None:
    """Chart the goods side of a run into `results_dir/plots/logistics.png`.

    Reads `summary.json`, `logistics.csv` and `bottlenecks.csv` of the results folder
    and draws, for each transfer station, the truck funnel (cumulative trips declared ≥
    admitted ≥ cleared, mean over replications, 90 % band for cleared) and the trips
    waiting in the station at the end of each day (mean and 90 % band), all on one time
    axis; below them, the top `TOP_BOTTLENECKS` bottlenecks with their 95 % CI.

    Drawn into `out` instead when given. Returns the path of the chart, or None (nothing
    drawn) when neither file has a data row: a scenario without stations whose
    suppliers never held the park up, or a folder written before these files existed.
    A missing file counts as empty.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    results_dir = Path(results_dir)
    require_file(results_dir / summary_file.FILE)
    summary = summary_file.read(results_dir / summary_file.FILE)
    logistics_path = results_dir / logistics_file.FILE
    bottlenecks_path = results_dir / bottlenecks_file.FILE
    stations: list[str] = []
    funnel = np.zeros((0, 0, 0, len(LOGISTICS_FIELDS)))
    if logistics_path.is_file():
        stations, funnel = logistics_file.read(
            logistics_path, replications=summary.replications, days=summary.days
        )
    bottlenecks = bottlenecks_file.read(bottlenecks_path) if bottlenecks_path.is_file() else []
    if not stations and not bottlenecks:
        return None

    no_station = i18n.tr("logistics.no_station", lang)
    if stations:
        subtitle = run_subtitle(summary, *funnel.shape[:2], lang)
    elif summary.replications is not None and summary.days is not None:
        subtitle = run_subtitle(summary, summary.replications, summary.days, lang)
        subtitle += " · " + no_station
    else:
        subtitle = no_station

    n_bars = min(len(bottlenecks), TOP_BOTTLENECKS)
    bar_height = _LOGI_BAR_BASE + _LOGI_BAR_ROW * max(n_bars, 2) if n_bars else 0.9
    station_height = _LOGI_STATION_ROW * len(stations)
    use_chart_fonts()
    fig = Figure(
        figsize=(_LOGI_WIDTH, _LOGI_HEADER + station_height + bar_height),
        dpi=DPI,
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    fig.suptitle(
        i18n.tr("logistics.title", lang, scenario=summary.scenario), fontweight="bold", fontsize=13
    )
    if stations:
        top, bottom = fig.subfigures(
            2, 1, height_ratios=[_LOGI_HEADER - 0.5 + station_height, bar_height], hspace=0.02
        )
        shown = [display(read_names(summary.raw), STATION, s) for s in stations]
        _draw_station_panels(top, shown, funnel, summary, subtitle, lang)
    else:
        bottom = fig.subfigures(1, 1)
        bottom.suptitle(subtitle, fontsize=9, color="#444444")
    _draw_bottlenecks(bottom, bottlenecks, lang)
    return save(fig, out or results_dir / PLOTS_DIR / FILE)


def _draw_station_panels(
    fig: Any,
    stations: Sequence[str],
    funnel: np.ndarray,
    summary: RunSummary,
    subtitle: str,
    lang: str = "en",
) -> None:
    """Per station a row: cumulative funnel (left) and trips waiting (right), shared x."""
    from matplotlib.ticker import MaxNLocator

    n_rep, n_days = funnel.shape[:2]
    start = summary.start_date
    x = day_axis(n_days, start)
    axes = fig.subplots(len(stations), 2, sharex=True, squeeze=False)
    field = {name: i for i, name in enumerate(LOGISTICS_FIELDS)}
    handles: list[Any] = []

    def band(ax: Axes, data: np.ndarray, colour: str) -> None:
        if n_rep > 1 and n_days:
            lo, hi = nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
            ax.fill_between(x, steps(lo), steps(hi), step="post", color=colour, alpha=0.2, lw=0)

    for s, station in enumerate(stations):
        ax_funnel, ax_queue = axes[s]
        for name, label, colour, style, width in _FUNNEL_CURVES:
            data = funnel[:, :, s, field[name]]
            (line,) = ax_funnel.plot(
                x,
                steps(nan_stat(np.nanmean, data)),
                drawstyle="steps-post",
                color=colour,
                linestyle=style,
                linewidth=width,
                label=i18n.tr("mean_of", lang, what=i18n.tr(label, lang)),
            )
            if s == 0:
                handles.append(line)
            if name == "cleared_total":
                band(ax_funnel, data, colour)

        queue = funnel[:, :, s, field["queue"]]
        (line,) = ax_queue.plot(
            x,
            steps(nan_stat(np.nanmean, queue)),
            drawstyle="steps-post",
            color=_QUEUE_COLOUR,
            linewidth=2,
            label=i18n.tr("mean_of", lang, what=i18n.tr("funnel.waiting", lang)),
        )
        if s == 0:
            handles.append(line)
        band(ax_queue, queue, _QUEUE_COLOUR)

        ax_funnel.set_title(
            i18n.tr("funnel.title", lang, station=station), fontsize=9.5, loc="left"
        )
        ax_queue.set_title(
            i18n.tr("funnel.queue_title", lang, station=station)
            + "\n"
            + _mean_wait_text(funnel[:, :, s], lang),
            fontsize=9.5,
            loc="left",
        )
        ax_funnel.set_ylabel(i18n.tr("funnel.ylabel", lang))
        ax_queue.set_ylabel(i18n.tr("funnel.queue_ylabel", lang))
        for ax in (ax_funnel, ax_queue):
            style_time_axis(ax, n_days, start, lang)
            if start is None:  # whole days, not 2.5
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            if s < len(stations) - 1:
                ax.set_xlabel("")
        if np.nanmax(np.append(queue, 0.0)) == 0:
            ax_queue.set_ylim(0, 1)

    if n_rep > 1:
        handles.append(band_patch("funnel.band", lang, n_rep))
    # The subtitle heads the legend: a separate subtitle would collide with it.
    legend = fig.legend(
        handles=handles,
        loc="outside upper center",
        ncols=3,
        frameon=False,
        fontsize=8.5,
        title=i18n.tr("mean_over", lang) + f" · {subtitle}",
        title_fontsize=9,
    )
    legend.get_title().set_color("#444444")


def _mean_wait_text(station: np.ndarray, lang: str = "en") -> str:
    """Mean wait of all cleared trips of a station (replications, days, fields), pooled."""
    cleared = station[..., LOGISTICS_FIELDS.index("cleared")]
    wait = station[..., LOGISTICS_FIELDS.index("mean_wait_days")]
    ok = np.isfinite(cleared) & np.isfinite(wait) & (cleared > 0)
    if not ok.any():
        return i18n.tr("funnel.none_cleared", lang)
    mean = float((wait[ok] * cleared[ok]).sum() / cleared[ok].sum())
    return i18n.tr("funnel.mean_wait", lang, days=f"{mean:.1f}")


def _draw_bottlenecks(fig: Any, bottlenecks: Sequence[Bottleneck], lang: str = "en") -> None:
    """Horizontal bars of the top bottlenecks, largest on top, 95 % CI whiskers."""
    from matplotlib.patches import Patch

    ax = fig.subplots()
    shown = list(bottlenecks[:TOP_BOTTLENECKS])
    title = i18n.tr("bottlenecks.title", lang)
    if len(bottlenecks) > len(shown):
        title += i18n.tr("bottlenecks.top", lang, k=len(shown), n=len(bottlenecks))
    ax.set_title(title, fontsize=10, loc="left")
    if not shown:
        ax.text(
            0.5,
            0.5,
            i18n.tr("bottlenecks.none", lang),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color="#444444",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return

    ax.set_xlabel(i18n.tr("bottlenecks.xlabel", lang))
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)

    y = np.arange(len(shown))
    mean = np.array([b.lost_output_days for b in shown])
    lo = np.array([b.ci95_lo for b in shown])
    hi = np.array([b.ci95_hi for b in shown])
    colours = [_KIND_COLOURS.get(b.kind, "#888888") for b in shown]
    ax.barh(y, mean, color=colours, height=0.65)
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    if has_ci.any():
        ax.errorbar(
            mean[has_ci],
            y[has_ci],
            xerr=np.vstack([np.maximum(mean - lo, 0)[has_ci], np.maximum(hi - mean, 0)[has_ci]]),
            fmt="none",
            ecolor="#222222",
            elinewidth=1,
            capsize=3,
        )
    right_end = np.where(has_ci, np.fmax(hi, mean), mean)
    span = float(np.nanmax(right_end)) if np.isfinite(right_end).any() else 1.0
    span = span if span > 0 else 1.0
    for yi, end, value in zip(y, right_end, mean, strict=True):
        ax.text(end + 0.015 * span, yi, f"{value:.3g}", va="center", fontsize=8)
    left = min(0.0, float(np.nanmin(lo[has_ci]))) if has_ci.any() else 0.0
    ax.set_xlim(left * 1.05, span * 1.15)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(y, [bottleneck_label(b, lang) for b in shown], fontsize=8.5)
    ax.set_ylim(len(shown) - 0.5, -0.5)  # rank 1 on top

    kinds = list(dict.fromkeys(b.kind for b in shown))
    handles: list[Any] = [
        Patch(color=_KIND_COLOURS.get(k, "#888888"), label=i18n.kind(k, lang)) for k in kinds
    ]
    fig.legend(
        handles=handles,
        loc="outside right upper",
        frameon=False,
        fontsize=8,
        title=i18n.tr("bottlenecks.bar", lang)
        + "\n"
        + i18n.tr("bottlenecks.whisker" if has_ci.any() else "bottlenecks.no_ci", lang),
        title_fontsize=8,
        alignment="left",
    )
