"""Charts of one run, drawn only from the files of its results folder.

`draw_run_plots(folder)` reads `summary.json`, `timeseries.csv` and `causes.csv` (and,
for the logistics chart, `logistics.csv` and `bottlenecks.csv`) and nothing else, so
`parksim plot RESULTS_DIR` redraws the charts of an old run without re-running the
model; a folder written before the logistics files existed simply gets no logistics
chart. Each file is read by its owner in `sim.files`.

The styling helpers (`cause_styles`, `OKABE_ITO`, `style_time_axis`, ...) and
`draw_reported_figures` are public so that the comparison, sweep and calibration
charts share the look. matplotlib is imported lazily inside the drawing functions,
and figures are drawn on an explicit Agg canvas (no pyplot, no global backend
switch, nothing left open).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files import bottlenecks as bottlenecks_file
from sim.files import causes as causes_file
from sim.files import logistics as logistics_file
from sim.files import summary as summary_file
from sim.files import timeseries
from sim.files.bottlenecks import Bottleneck
from sim.files.cells import require_file
from sim.files.folders import PLOTS_DIR
from sim.files.logistics import LOGISTICS_FIELDS
from sim.files.summary import ReportedFigure, RunSummary, lookup
from sim.files.timeseries import FILE as TIMESERIES_FILE
from sim.files.timeseries import Key
from sim.metrics import (
    CAPACITY,
    DAYS_TO_80,
    LOST_OUTPUT_DAYS,
    PARK,
    RESUMPTION,
    RESUMPTION_ABOVE_SCALE,
    RESUMPTION_WEIGHTED,
    WORKFORCE,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# --------------------------------------------------------------------------- style


OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Colour-blind-safe palette (Okabe & Ito 2008), used in this order."""

HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "++", "--", "oo")
"""Hatch patterns that tell apart causes once the palette has been used up."""

FIGSIZE = (9.0, 5.0)
"""Width and height of a chart, in inches."""
DPI = 150
"""Resolution of the saved PNG files."""
BAND_PERCENTILES = (5.0, 95.0)
"""Spread shown around mean curves: 5th to 95th percentile across replications."""


def cause_styles(n: int) -> list[tuple[str, str]]:
    """(colour, hatch) for n causes: Okabe–Ito colours, then again with hatching."""
    return [
        (OKABE_ITO[i % len(OKABE_ITO)], HATCHES[(i // len(OKABE_ITO)) % len(HATCHES)])
        for i in range(n)
    ]


def _format_day(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_when(day: float, start: date | None) -> str:
    """A point in the run as a planner reads it: `day 23.5`, or `14 Mar 2020` with a start date."""
    if start is None:
        return f"day {_format_day(day)}"
    when = start + timedelta(days=round(day))
    return f"{when.day} {when:%b %Y}"


def day_axis(n_days: int, start: date | None) -> np.ndarray:
    """x positions of day edges 0..n_days: plain days, or matplotlib dates."""
    days = np.arange(n_days + 1, dtype=float)
    return to_x(days, start)


def to_x(days: np.ndarray | float, start: date | None) -> Any:
    """x positions of days since the start: the days themselves, or matplotlib dates
    when the scenario has a start date."""
    if start is None:
        return days
    from matplotlib import dates as mdates

    return mdates.date2num(datetime.combine(start, datetime.min.time())) + days


def steps(values: np.ndarray) -> np.ndarray:
    """Repeat the last day so a `steps-post` curve covers the whole of its last day."""
    return np.concatenate([values, values[-1:]], axis=0) if len(values) else values


def style_time_axis(ax: Axes, n_days: int, start: date | None) -> None:
    """Day or calendar axis over the whole run, with a light grid."""
    if start is None:
        ax.set_xlabel("day since start (day 0 = first simulated day)")
        ax.set_xlim(0, max(n_days, 1))
    else:
        _set_date_ticks(ax, n_days)
        ax.set_xlabel(f"date (day 0 = {start.day} {start:%b %Y})")
        lo = to_x(0.0, start)
        ax.set_xlim(lo, lo + max(n_days, 1))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _set_date_ticks(ax: Axes, n_days: int) -> None:
    """Calendar ticks a planner reads at a glance: Mondays for short runs, months for long."""
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    def day_month(x: float, _pos: int | None = None) -> str:
        when = mdates.num2date(x)
        return f"{when.day} {when:%b}"

    def month_year(x: float, _pos: int | None = None) -> str:
        return f"{mdates.num2date(x):%b %Y}"

    if n_days <= 10:
        ax.xaxis.set_major_locator(mdates.DayLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(day_month))
    elif n_days <= 150:
        weeks = 1 if n_days <= 70 else 2
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=weeks))
        ax.xaxis.set_major_formatter(FuncFormatter(day_month))
    elif n_days <= 2 * 365:
        months = 1 if n_days <= 300 else 2
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=months))
        ax.xaxis.set_major_formatter(FuncFormatter(month_year))
    else:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def new_figure() -> tuple[Figure, Axes]:
    """A figure of the shared size on its own Agg canvas, with one plot area."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def run_subtitle(summary: RunSummary, n_rep: int, n_days: int) -> str:
    """What a run's chart shows: `seed 1 · 20 replications · 90 days · from 2022-04-01`."""
    parts = []
    if summary.seed is not None:
        parts.append(f"seed {summary.seed}")
    parts.append(f"{n_rep} replication{'s' if n_rep != 1 else ''}")
    parts.append(f"{n_days} days")
    if summary.start_date is not None:
        parts.append(f"from {summary.start_date.isoformat()}")
    return " · ".join(parts)


def set_titles(ax: Axes, title: str, subtitle: str) -> None:
    """Title and a small subtitle centred over the plot area (clear of an outside legend)."""
    ax.set_title(title, fontweight="bold", fontsize=12, pad=18)
    ax.text(
        0.5,
        1.015,
        subtitle,
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=9,
        color="#444444",
    )


def nan_stat(func: Any, data: np.ndarray, *args: Any) -> np.ndarray:
    """NaN-ignoring statistic across replications, silent on days with no data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(data, *args, axis=0)


def contrast(colour: str) -> str:
    """Hatch colour that shows on a fill of `colour`: white on dark, black on light."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#ffffff"


def save(fig: Figure, out: Path) -> Path:
    """Save a chart as PNG at `DPI` (its folder made if need be), then free the figure."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, dpi=DPI)
    finally:
        fig.clear()
    return out


# --------------------------------------------------------------------------- recovery


RECOVERY_FILE = "recovery.png"


@dataclass(frozen=True)
class _Curve:
    metric: str
    label: str
    colour: str
    linestyle: str


_RECOVERY_CURVES = (
    _Curve(CAPACITY, "park capacity (output / baseline)", OKABE_ITO[0], "-"),
    _Curve(RESUMPTION, "firms resumed (share of firms)", OKABE_ITO[1], "-"),
    _Curve(RESUMPTION_ABOVE_SCALE, "above-scale firms resumed", OKABE_ITO[2], "--"),
)

_FIGURE_COLOURS = {
    **{curve.metric: curve.colour for curve in _RECOVERY_CURVES},
    RESUMPTION_WEIGHTED: OKABE_ITO[4],
    WORKFORCE: OKABE_ITO[5],
}
"""Marker colour of a reported figure: its curve's colour, or one of its own for the
metrics the recovery chart draws no curve for."""


def draw_reported_figures(
    ax: Axes, figures: Sequence[ReportedFigure], *, n_days: int, start: date | None
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
            outside.append(f"{text} ({format_when(fig.day, start)})")
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
    bar = ", bar = stated tolerance" if any_tolerance else ""
    handles: list[Any] = [
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            color="#999999",
            markeredgecolor="black",
            label=(f"reported figure ({source})" if source else "reported figure") + bar,
        )
        for source in sources
    ]
    if outside:
        handles.append(
            Line2D([], [], color="none", label="not in the plotted days: " + "; ".join(outside))
        )
    return handles


def draw_recovery(timeseries: dict[Key, np.ndarray], summary: RunSummary, out: Path) -> Path:
    """Chart the park's capacity and the resumption of firms, mean and 90 % band.

    Published figures in `summary.observations` are marked beside the curves
    (see `draw_reported_figures`).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
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
            label=f"{curve.label}, mean",
        )
        handles.append(line)
        if n_rep > 1:
            lo, hi = nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
            ax.fill_between(
                x, steps(lo), steps(hi), step="post", color=curve.colour, alpha=0.2, lw=0
            )

    handles.append(
        ax.axhline(1.0, color="#555555", linewidth=1, linestyle=":", label="pre-shock baseline")
    )
    if n_rep > 1:
        lo_pct, hi_pct = BAND_PERCENTILES
        handles.append(
            Patch(
                facecolor="#888888",
                alpha=0.3,
                label=f"{hi_pct - lo_pct:g} % band across {n_rep} replications "
                f"({lo_pct:g}th–{hi_pct:g}th percentile)",
            )
        )

    day80 = summary.metric_mean(DAYS_TO_80)
    if day80 is None and lookup(summary.raw, "metrics", DAYS_TO_80) is not None:
        handles.append(
            Line2D([], [], color="none", label="80 % capacity: not reached in any replication")
        )
    elif day80 is not None and math.isfinite(day80):
        reached = summary.metric_reached(DAYS_TO_80)
        note = "mean"
        if reached is not None and reached < n_rep:
            note = f"mean of the {reached} of {n_rep} replications that reach it"
        marker = ax.axvline(to_x(day80, start), color=OKABE_ITO[3], linewidth=1.5, linestyle="-.")
        marker.set_label(f"80 % capacity: {format_when(day80, start)} ({note})")
        handles.append(marker)

    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel("% of pre-shock level (output or firms)")
    style_time_axis(ax, n_days, start)
    handles += draw_reported_figures(ax, summary.observations, n_days=n_days, start=start)
    set_titles(
        ax,
        f"Capacity recovery and resumption — {summary.scenario}",
        run_subtitle(summary, n_rep, n_days),
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return save(fig, out)


# --------------------------------------------------------------------------- causes


CAUSES_FILE = "causes.png"


def draw_causes(
    causes: Sequence[str],
    lost: np.ndarray,
    summary: RunSummary,
    out: Path,
    *,
    capacity: np.ndarray | None = None,
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
    styles = cause_styles(len(causes))
    labels = []
    for c, cause in enumerate(causes):
        total = summary.cause_mean(cause)
        if total is None:
            total = float(per_run_total[:, c].mean()) if n_rep else 0.0
        labels.append(f"{cause} ({total:.1f} baseline-days)")
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
            label="total lost = 100 % − mean park capacity",
        )
        handles.insert(0, edge)
        if np.isfinite(loss).any():
            top = max(top, float(np.nanmax(loss)))
    elif not handles:
        handles.append(Line2D([], [], color="none", label="no lost output recorded"))

    total_mean = summary.metric_mean(LOST_OUTPUT_DAYS)
    if total_mean is None:
        total_mean = float(per_run_total.sum(axis=1).mean()) if n_rep else 0.0

    ax.set_ylim(0, min(1.05, top * 1.08) if top > 0 else 0.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("lost output, % of baseline daily output")
    style_time_axis(ax, n_days, start)
    set_titles(
        ax,
        f"Lost output by cause — {summary.scenario}",
        f"mean over replications · {run_subtitle(summary, n_rep, n_days)}",
    )
    fig.legend(
        handles=handles,
        loc="outside right upper",
        frameon=False,
        fontsize=8,
        title=f"cause (mean lost)\ntotal {total_mean:.1f} baseline-days",
        title_fontsize=8,
        alignment="left",
    )
    return save(fig, out)


# --------------------------------------------------------------------------- logistics


LOGISTICS_FILE = "logistics.png"

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
    ("declared_total", "declared (cumulative trips)", OKABE_ITO[1], "--", 1.6),
    ("cleared_total", "cleared (cumulative trips)", OKABE_ITO[2], "-", 3.6),
    ("admitted_total", "admitted (cumulative trips)", OKABE_ITO[7], (0, (4, 2)), 1.0),
)
_QUEUE_COLOUR = OKABE_ITO[3]
_KIND_COLOURS = {
    "station": OKABE_ITO[3],
    "passes": OKABE_ITO[4],
    "supplier": OKABE_ITO[1],
    "park_firm": OKABE_ITO[0],
}
_KIND_LABELS = {
    "station": "transfer station",
    "passes": "passes / no open station",
    "supplier": "external supplier",
    "park_firm": "park firm as supplier",
}


def draw_logistics(results_dir: Path) -> Path | None:
    """Chart the goods side of a run into `results_dir/plots/logistics.png`.

    Reads `summary.json`, `logistics.csv` and `bottlenecks.csv` of the results folder
    and draws, for each transfer station, the truck funnel (cumulative trips declared ≥
    admitted ≥ cleared, mean over replications, 90 % band for cleared) and the trips
    waiting in the station at the end of each day (mean and 90 % band), all on one time
    axis; below them, the top `TOP_BOTTLENECKS` bottlenecks with their 95 % CI.

    Returns the path of the chart, or None (nothing drawn) when neither file has a data
    row: a scenario without stations whose suppliers never held the park up, or a
    folder written before these files existed. A missing file counts as empty.
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

    if stations:
        subtitle = run_subtitle(summary, *funnel.shape[:2])
    elif summary.replications is not None and summary.days is not None:
        subtitle = run_subtitle(summary, summary.replications, summary.days)
        subtitle += " · no transfer stations in this scenario"
    else:
        subtitle = "no transfer stations in this scenario"

    n_bars = min(len(bottlenecks), TOP_BOTTLENECKS)
    bar_height = _LOGI_BAR_BASE + _LOGI_BAR_ROW * max(n_bars, 2) if n_bars else 0.9
    station_height = _LOGI_STATION_ROW * len(stations)
    fig = Figure(
        figsize=(_LOGI_WIDTH, _LOGI_HEADER + station_height + bar_height),
        dpi=DPI,
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    fig.suptitle(f"Logistics — {summary.scenario}", fontweight="bold", fontsize=13)
    if stations:
        top, bottom = fig.subfigures(
            2, 1, height_ratios=[_LOGI_HEADER - 0.5 + station_height, bar_height], hspace=0.02
        )
        _draw_station_panels(top, stations, funnel, summary, subtitle)
    else:
        bottom = fig.subfigures(1, 1)
        bottom.suptitle(subtitle, fontsize=9, color="#444444")
    _draw_bottlenecks(bottom, bottlenecks)
    return save(fig, results_dir / PLOTS_DIR / LOGISTICS_FILE)


def _draw_station_panels(
    fig: Any, stations: Sequence[str], funnel: np.ndarray, summary: RunSummary, subtitle: str
) -> None:
    """Per station a row: cumulative funnel (left) and trips waiting (right), shared x."""
    from matplotlib.patches import Patch
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
                label=f"{label}, mean",
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
            label="trips waiting in the station at end of day, mean",
        )
        if s == 0:
            handles.append(line)
        band(ax_queue, queue, _QUEUE_COLOUR)

        ax_funnel.set_title(
            f"Transfer-station funnel — {station}\ncumulative trips: declared ≥ admitted ≥ cleared",
            fontsize=9.5,
            loc="left",
        )
        ax_queue.set_title(
            f"Trips waiting in the station — {station}\n{_mean_wait_text(funnel[:, :, s])}",
            fontsize=9.5,
            loc="left",
        )
        ax_funnel.set_ylabel("truck trips, cumulative")
        ax_queue.set_ylabel("truck trips in station")
        for ax in (ax_funnel, ax_queue):
            style_time_axis(ax, n_days, start)
            if start is None:  # whole days, not 2.5
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            if s < len(stations) - 1:
                ax.set_xlabel("")
        if np.nanmax(np.append(queue, 0.0)) == 0:
            ax_queue.set_ylim(0, 1)

    if n_rep > 1:
        lo_pct, hi_pct = BAND_PERCENTILES
        handles.append(
            Patch(
                facecolor="#888888",
                alpha=0.3,
                label=f"{hi_pct - lo_pct:g} % band across {n_rep} replications "
                f"({lo_pct:g}th–{hi_pct:g}th percentile; cleared and waiting)",
            )
        )
    # The subtitle heads the legend: a separate subtitle would collide with it.
    legend = fig.legend(
        handles=handles,
        loc="outside upper center",
        ncols=3,
        frameon=False,
        fontsize=8.5,
        title=f"mean over replications · {subtitle}",
        title_fontsize=9,
    )
    legend.get_title().set_color("#444444")


def _mean_wait_text(station: np.ndarray) -> str:
    """Mean wait of all cleared trips of a station (replications, days, fields), pooled."""
    cleared = station[..., LOGISTICS_FIELDS.index("cleared")]
    wait = station[..., LOGISTICS_FIELDS.index("mean_wait_days")]
    ok = np.isfinite(cleared) & np.isfinite(wait) & (cleared > 0)
    if not ok.any():
        return "no trip cleared"
    mean = float((wait[ok] * cleared[ok]).sum() / cleared[ok].sum())
    return f"mean wait {mean:.1f} days from declaration to clearance (all cleared trips)"


def _draw_bottlenecks(fig: Any, bottlenecks: Sequence[Bottleneck]) -> None:
    """Horizontal bars of the top bottlenecks, largest on top, 95 % CI whiskers."""
    from matplotlib.patches import Patch

    ax = fig.subplots()
    shown = list(bottlenecks[:TOP_BOTTLENECKS])
    title = "Bottlenecks: park output they cost"
    if len(bottlenecks) > len(shown):
        title += f" (top {len(shown)} of {len(bottlenecks)})"
    ax.set_title(title, fontsize=10, loc="left")
    if not shown:
        ax.text(
            0.5,
            0.5,
            "no supplier, transfer station or pass system cost the park any output",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color="#444444",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return

    ax.set_xlabel("park output lost, baseline-days (days of pre-shock park output)")
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
    ax.set_yticks(y, [b.label for b in shown], fontsize=8.5)
    ax.set_ylim(len(shown) - 0.5, -0.5)  # rank 1 on top

    kinds = list(dict.fromkeys(b.kind for b in shown))
    handles: list[Any] = [
        Patch(color=_KIND_COLOURS.get(k, "#888888"), label=_KIND_LABELS.get(k, k)) for k in kinds
    ]
    fig.legend(
        handles=handles,
        loc="outside right upper",
        frameon=False,
        fontsize=8,
        title="bar: mean over replications\n"
        + ("whisker: 95 % CI" if has_ci.any() else "(no CI: one replication)"),
        title_fontsize=8,
        alignment="left",
    )


# --------------------------------------------------------------------------- the run's charts


def draw_run_plots(results_dir: Path) -> list[Path]:
    """Redraw the charts of one run from its results folder, into `results_dir/plots/`.

    Writes `recovery.png` (capacity recovery and resumption of firms), `causes.png`
    (lost output by cause) and, when the run has any logistics or bottleneck rows,
    `logistics.png` (see `draw_logistics`), and returns their paths in that order.
    Raises FileNotFoundError naming the missing file if the folder lacks
    `timeseries.csv`, `causes.csv` or `summary.json`; `logistics.csv` and
    `bottlenecks.csv` are optional (runs older than them have none).
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise FileNotFoundError(f"results folder {results_dir} does not exist")
    for name in (summary_file.FILE, timeseries.FILE, causes_file.FILE):
        require_file(results_dir / name)

    run = summary_file.read(results_dir / summary_file.FILE)
    daily = timeseries.read(
        results_dir / timeseries.FILE, replications=run.replications, days=run.days
    )
    names, lost = causes_file.read(
        results_dir / causes_file.FILE, replications=run.replications, days=run.days
    )
    plots = results_dir / PLOTS_DIR
    paths = [
        draw_recovery(daily, run, plots / RECOVERY_FILE),
        draw_causes(names, lost, run, plots / CAUSES_FILE, capacity=daily.get((CAPACITY, PARK))),
    ]
    logistics = draw_logistics(results_dir)
    if logistics is not None:
        paths.append(logistics)
    return paths
