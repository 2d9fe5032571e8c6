"""The look every chart of parksim shares: the Okabe–Ito palette and hatches, figure
size and resolution, the band shown around mean curves, day or calendar time axes,
titles with a subtitle, and how a figure is saved.

Figures are drawn on an explicit Agg canvas (no pyplot, no global backend switch,
nothing left open); matplotlib is imported inside the functions, never at import time.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files.summary import RunSummary
from sim.output import i18n
from sim.output.charts.fonts import use_chart_fonts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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


def format_when(day: float, start: date | None, lang: str = "en") -> str:
    """A point in the run as a planner reads it: `day 23.5`, or `14 Mar 2020` with a start
    date (`第23.5天`, `2020年3月14日` in Chinese)."""
    return i18n.when(day, start, lang)


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


def style_time_axis(ax: Axes, n_days: int, start: date | None, lang: str = "en") -> None:
    """Day or calendar axis over the whole run, with a light grid."""
    if start is None:
        ax.set_xlabel(i18n.tr("axis.days", lang))
        ax.set_xlim(0, max(n_days, 1))
    else:
        _set_date_ticks(ax, n_days, lang)
        ax.set_xlabel(i18n.tr("axis.date", lang, start=i18n.date_text(start, lang)))
        lo = to_x(0.0, start)
        ax.set_xlim(lo, lo + max(n_days, 1))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _set_date_ticks(ax: Axes, n_days: int, lang: str = "en") -> None:
    """Calendar ticks a planner reads at a glance: Mondays for short runs, months for long."""
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    def day_month(x: float, _pos: int | None = None) -> str:
        return i18n.date_text(mdates.num2date(x).date(), lang, year=False)

    def month_year(x: float, _pos: int | None = None) -> str:
        return i18n.month_text(mdates.num2date(x).date(), lang)

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

    use_chart_fonts()
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def run_subtitle(summary: RunSummary, n_rep: int, n_days: int, lang: str = "en") -> str:
    """What a run's chart shows: `seed 1 · 20 replications · 90 days · from 2022-04-01`."""
    parts = []
    if summary.seed is not None:
        parts.append(i18n.tr("sub.seed", lang, seed=summary.seed))
    parts.append(i18n.tr("sub.replications", lang, n=n_rep, s=i18n.plural(n_rep)))
    parts.append(i18n.tr("sub.days", lang, n=n_days))
    if summary.start_date is not None:
        parts.append(i18n.tr("sub.from", lang, start=summary.start_date.isoformat()))
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


def band_patch(key: str, lang: str, n_rep: int | None = None) -> Any:
    """The legend entry of the grey band between the `BAND_PERCENTILES` of the
    replications, worded by catalogue entry `key` (`band`, `funnel.band`, …)."""
    from matplotlib.patches import Patch

    lo_pct, hi_pct = BAND_PERCENTILES
    words = {"width": f"{hi_pct - lo_pct:g}", "lo": f"{lo_pct:g}", "hi": f"{hi_pct:g}"}
    if n_rep is not None:
        words["n"] = str(n_rep)
    return Patch(facecolor="#888888", alpha=0.3, label=i18n.tr(key, lang, **words))
