"""Charts of one run, drawn only from the files of its results folder.

A results folder holds `timeseries.csv` (daily park and sector indicators per
replication), `causes.csv` (daily lost output per cause per replication),
`summary.json` (scenario name, start date, headline recovery metrics) and, since the
goods side was modelled, `logistics.csv` (the daily truck funnel of each transfer
station) and `bottlenecks.csv` (suppliers, stations and passes ranked by the output
they cost). Everything here reads those files and nothing else, so
`parksim plot RESULTS_DIR` redraws the charts of an old run without re-running the
model; a folder written before the logistics files existed simply gets no logistics
chart.

The readers (`read_timeseries`, `read_causes`, `read_summary`, `read_logistics`,
`read_bottlenecks`) and the styling helpers (`order_causes`, `cause_styles`,
`OKABE_ITO`, `draw_reported_figures`) are public so that the comparison charts can
reuse them.

matplotlib is imported lazily inside the drawing functions, and figures are drawn
on an explicit Agg canvas (no pyplot, no global backend switch, nothing left open).
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TIMESERIES_FILE = "timeseries.csv"
CAUSES_FILE = "causes.csv"
SUMMARY_FILE = "summary.json"
LOGISTICS_FILE = "logistics.csv"
BOTTLENECKS_FILE = "bottlenecks.csv"
PLOTS_DIR = "plots"

TIMESERIES_COLUMNS = ("day", "replication", "metric", "group", "value")
CAUSES_COLUMNS = ("day", "replication", "cause", "lost_output")
LOGISTICS_FIELDS = (
    "declared",
    "admitted",
    "cleared",
    "declared_total",
    "admitted_total",
    "cleared_total",
    "queue",
    "mean_wait_days",
)
"""The per-station values of `logistics.csv`, in the order of the last axis of
`read_logistics`: truck trips declared, admitted and cleared that day, the same
cumulated since day 0, trips in the station at the end of the day, and the mean wait
in days (declaration to clearance) of the trips cleared that day (NaN if none)."""
LOGISTICS_COLUMNS = ("day", "replication", "station", *LOGISTICS_FIELDS)
BOTTLENECKS_COLUMNS = ("rank", "kind", "id", "lost_output_days", "ci95_lo", "ci95_hi")

PARK = "park"
"""Group name of park-wide indicators in `timeseries.csv`."""

INPUT_CAUSE_PREFIX = "input:"
"""Causes named `input:<good>` (missing supplies) are kept together in charts."""

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
DPI = 150
BAND_PERCENTILES = (5.0, 95.0)
"""Spread shown around mean curves: 5th to 95th percentile across replications."""

TimeseriesKey = tuple[str, str]
"""(metric, group), e.g. ("capacity", "park") or ("workforce", "electronics")."""


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReportedFigure:
    """A published figure a scenario states (`reporting.observations`), as `summary.json`
    carries it: drawn on the recovery chart beside the simulated curves."""

    day: float
    """Day of the figure (day 0 = the run's start date)."""
    metric: str
    """Curve it belongs to: `capacity`, `resumption`, `resumption_above_scale`,
    `resumption_weighted` or `workforce` (the last two have no curve on the chart)."""
    value: float
    """Reported value as a share (0.976 for 97.6 %)."""
    tolerance: float = 0.0
    """Stated tolerance of the comparison (± share), drawn as an error bar."""
    label: str = ""
    """Short text written beside the marker."""
    source: str = ""
    """Where the figure was reported, named in the legend."""


@dataclass(frozen=True)
class RunSummary:
    """The parts of `summary.json` that the charts need (the full document is in `raw`)."""

    scenario: str
    seed: int | None
    replications: int | None
    days: int | None
    start_date: date | None
    raw: dict[str, Any] = field(repr=False)
    observations: tuple[ReportedFigure, ...] = ()
    """Published figures to draw beside the curves (none in runs older than them)."""

    def metric_mean(self, name: str) -> float | None:
        """Mean over replications of a headline metric (`days_to_80`, ...), if known."""
        value = _get(self.raw, "metrics", name, "mean")
        return float(value) if isinstance(value, int | float) else None

    def metric_reached(self, name: str) -> int | None:
        """How many replications reached a threshold metric (`days_to_80`, ...), if known."""
        value = _get(self.raw, "metrics", name, "reached")
        return int(value) if isinstance(value, int | float) else None

    def cause_mean(self, cause: str) -> float | None:
        """Mean over replications of the output lost to `cause`, in baseline-days, if known."""
        value = _get(self.raw, "causes", cause, "mean")
        return float(value) if isinstance(value, int | float) else None


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def read_run_json(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a JSON file written for a run or a comparison: (the whole object, the fields
    every such file shares: scenario, seed, replications, days, start_date)."""
    path = Path(path)
    _require_file(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    start_raw = raw.get("start_date")
    start: date | None = None
    if start_raw is not None:
        try:
            start = date.fromisoformat(str(start_raw))
        except ValueError as exc:
            raise ValueError(f"{path}: start_date {start_raw!r} is not a YYYY-MM-DD date") from exc

    def as_int(key: str) -> int | None:
        value = raw.get(key)
        return int(value) if isinstance(value, int | float) else None

    common = {
        "scenario": str(raw.get("scenario") or "unnamed scenario"),
        "seed": as_int("seed"),
        "replications": as_int("replications"),
        "days": as_int("days"),
        "start_date": start,
    }
    return raw, common


def read_summary(path: Path) -> RunSummary:
    """Read `summary.json`: scenario name, seed, size of the run and its start date."""
    raw, common = read_run_json(path)
    return RunSummary(
        **common, raw=raw, observations=_read_observations(Path(path), raw.get("observations"))
    )


def _read_observations(path: Path, raw: Any) -> tuple[ReportedFigure, ...]:
    """The `observations` of `summary.json` (absent or null: none)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{path}: observations should be a list; found {type(raw).__name__}")
    figures = []
    for k, item in enumerate(raw):
        where = f"{path}: observations[{k}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object; found {type(item).__name__}")
        numbers = {}
        for key, default in (("day", None), ("value", None), ("tolerance", 0.0)):
            value = item.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}.{key}: expected a number; found {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{where}.{key}: expected a finite number; found {value!r}")
            numbers[key] = float(value)
        metric = item.get("metric")
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"{where}.metric: expected the name of a curve; found {metric!r}")
        figures.append(
            ReportedFigure(
                day=numbers["day"],
                metric=metric,
                value=numbers["value"],
                tolerance=abs(numbers["tolerance"]),
                label=str(item.get("label") or ""),
                source=str(item.get("source") or ""),
            )
        )
    return tuple(figures)


def read_timeseries(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> dict[TimeseriesKey, np.ndarray]:
    """Read `timeseries.csv` into one array per (metric, group).

    Each array has shape (replications, days): row r is replication r, column d is
    day d since the start. Every array of the file has the same shape (the largest
    replication and day found, or `replications`/`days` when given); a day missing
    for some indicator is NaN. Unknown metrics are returned too; callers pick what
    they draw.
    """
    path = Path(path)
    cols = _read_columns(path, TIMESERIES_COLUMNS)
    day = _int_column(path, cols["day"], "day")
    rep = _int_column(path, cols["replication"], "replication")
    value = _float_column(path, cols["value"], "value")
    n_rep, n_day = _shape(path, rep, day, replications, days)

    index: dict[TimeseriesKey, int] = {}
    key_idx = np.fromiter(
        (index.setdefault(k, len(index)) for k in zip(cols["metric"], cols["group"], strict=True)),
        dtype=np.intp,
        count=len(value),
    )
    cube = np.full((len(index), n_rep, n_day), np.nan)
    cube[key_idx, rep, day] = value
    return {key: cube[i] for key, i in index.items()}


def read_causes(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> tuple[list[str], np.ndarray]:
    """Read `causes.csv`: the causes and the output lost to each, day by day.

    Returns (causes, lost) where `lost[r, d, c]` is the output lost on day d of
    replication r because of `causes[c]`, in baseline-days (share of the park's
    baseline daily output). Causes keep the order in which they first appear in the
    file, except that all `input:*` causes are gathered where the first of them
    appears. A cause absent on a day lost nothing that day (0).
    """
    path = Path(path)
    cols = _read_columns(path, CAUSES_COLUMNS)
    day = _int_column(path, cols["day"], "day")
    rep = _int_column(path, cols["replication"], "replication")
    lost = _float_column(path, cols["lost_output"], "lost_output")
    n_rep, n_day = _shape(path, rep, day, replications, days)

    first_seen = list(dict.fromkeys(cols["cause"]))
    causes = order_causes(first_seen)
    index = {cause: i for i, cause in enumerate(causes)}
    cause_idx = np.fromiter((index[c] for c in cols["cause"]), dtype=np.intp, count=len(lost))
    out = np.zeros((n_rep, n_day, len(causes)))
    np.add.at(out, (rep, day, cause_idx), lost)
    return causes, out


def read_logistics(
    path: Path, *, replications: int | None = None, days: int | None = None
) -> tuple[list[str], np.ndarray]:
    """Read `logistics.csv`: the daily truck funnel of each transfer station.

    Returns (stations, funnel) where `funnel[r, d, s, f]` is field
    `LOGISTICS_FIELDS[f]` of station `stations[s]` on day d of replication r, e.g.
    `funnel[..., LOGISTICS_FIELDS.index("queue")]` for the trips in each station at
    the end of each day. Stations keep the order in which they first appear in the
    file. Counts are whole numbers stored as floats so that a station-day missing from
    the file can be NaN, like `mean_wait_days` on a day when no trip was cleared. A
    file with only its header (a scenario without stations) gives no stations and an
    array of shape (replications, days, 0, 8).
    """
    path = Path(path)
    cols = _read_columns(path, LOGISTICS_COLUMNS)
    day = _int_column(path, cols["day"], "day")
    rep = _int_column(path, cols["replication"], "replication")
    n_rep, n_day = _shape(path, rep, day, replications, days)

    stations = list(dict.fromkeys(cols["station"]))
    index = {station: i for i, station in enumerate(stations)}
    station_idx = np.fromiter(
        (index[s] for s in cols["station"]), dtype=np.intp, count=len(cols["station"])
    )
    out = np.full((n_rep, n_day, len(stations), len(LOGISTICS_FIELDS)), np.nan)
    for f, name in enumerate(LOGISTICS_FIELDS):
        out[rep, day, station_idx, f] = _float_column(path, cols[name], name)
    return stations, out


@dataclass(frozen=True)
class Bottleneck:
    """One row of `bottlenecks.csv`: a supplier, station or the pass system and the park
    output it cost, in baseline-days (mean over replications and its 95 % CI, NaN when
    the run has a single replication)."""

    rank: int
    kind: str
    id: str
    lost_output_days: float
    ci95_lo: float
    ci95_hi: float

    @property
    def label(self) -> str:
        """`<kind>: <id>`, as charts name it."""
        return f"{self.kind}: {self.id}"


def read_bottlenecks(path: Path) -> list[Bottleneck]:
    """Read `bottlenecks.csv`, by rank (1 = cost the park most output); [] if header only.

    `kind` is `supplier` (external), `park_firm` (a park firm as supplier of others),
    `station` or `passes`.
    """
    path = Path(path)
    cols = _read_columns(path, BOTTLENECKS_COLUMNS)
    rank = _int_column(path, cols["rank"], "rank")
    lost = _float_column(path, cols["lost_output_days"], "lost_output_days")
    lo = _float_column(path, cols["ci95_lo"], "ci95_lo")
    hi = _float_column(path, cols["ci95_hi"], "ci95_hi")
    rows = [
        Bottleneck(
            int(rank[i]), cols["kind"][i], cols["id"][i], *map(float, (lost[i], lo[i], hi[i]))
        )
        for i in range(len(rank))
    ]
    return sorted(rows, key=lambda b: b.rank)


def order_causes(causes: Iterable[str]) -> list[str]:
    """Causes in the given order without repeats, `input:*` causes gathered together.

    The supply causes are placed where the first of them appears, in their own order
    of appearance, so that a chart shows missing inputs as one block.
    """
    seen = list(dict.fromkeys(causes))
    inputs = [c for c in seen if c.startswith(INPUT_CAUSE_PREFIX)]
    out: list[str] = []
    for cause in seen:
        if not cause.startswith(INPUT_CAUSE_PREFIX):
            out.append(cause)
        elif cause == inputs[0]:
            out.extend(inputs)
    return out


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path.name} not found in results folder {path.parent} (looked for {path})"
        )


def _read_columns(path: Path, expected: Sequence[str]) -> dict[str, list[str]]:
    """Columns of a CSV file by header name; the header must name all of `expected`."""
    _require_file(path)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file, expected header {','.join(expected)}")
        header = [h.strip() for h in header]
        missing = [name for name in expected if name not in header]
        if missing:
            raise ValueError(
                f"{path}:1: header {','.join(header)} lacks column(s) {', '.join(missing)}"
                f" (expected {','.join(expected)})"
            )
        rows = [row for row in reader if row]
    width = len(header)
    if any(len(row) != width for row in rows):
        i = next(i for i, row in enumerate(rows) if len(row) != width)
        raise ValueError(
            f"{path}:{_line_of(path, i)}: expected {width} fields, found {len(rows[i])}"
        )
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    return {name: list(columns[header.index(name)]) for name in expected}


def _line_of(path: Path, row: int) -> int:
    """1-based file line of the `row`-th non-empty data row (for error messages only)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        seen = -1
        for record in reader:
            if record:
                seen += 1
                if seen == row:
                    return reader.line_num
    return row + 2


def _int_column(path: Path, raw: list[str], name: str) -> np.ndarray:
    try:
        out = np.fromiter(map(int, raw), dtype=np.intp, count=len(raw))
    except ValueError:
        _raise_bad_cell(path, raw, name, int, "a whole number")
        raise
    if out.size and out.min() < 0:
        line = _line_of(path, int(np.argmax(out < 0)))
        raise ValueError(f"{path}:{line}: {name} must not be negative, found {out.min()}")
    return out


def _cell_float(cell: str) -> float:
    """A number cell; an empty cell is a value that does not exist (NaN in memory)."""
    return float(cell) if cell else math.nan


def _float_column(path: Path, raw: list[str], name: str) -> np.ndarray:
    try:
        return np.fromiter(map(_cell_float, raw), dtype=float, count=len(raw))
    except ValueError:
        _raise_bad_cell(path, raw, name, _cell_float, "a number")
        raise


def _raise_bad_cell(
    path: Path, raw: list[str], name: str, parse: Callable[[str], Any], what: str
) -> None:
    for i, cell in enumerate(raw):
        try:
            parse(cell)
        except ValueError:
            raise ValueError(f"{path}:{_line_of(path, i)}: {name} {cell!r} is not {what}") from None


def _shape(
    path: Path,
    rep: np.ndarray,
    day: np.ndarray,
    replications: int | None,
    days: int | None,
) -> tuple[int, int]:
    n_rep = int(rep.max()) + 1 if rep.size else 0
    n_day = int(day.max()) + 1 if day.size else 0
    if replications is not None:
        if n_rep > replications:
            raise ValueError(
                f"{path}: replication {n_rep - 1} found but the run has {replications}"
            )
        n_rep = replications
    if days is not None:
        if n_day > days:
            raise ValueError(f"{path}: day {n_day - 1} found but the run has {days} days")
        n_day = days
    return n_rep, n_day


# --------------------------------------------------------------------------- styling


def cause_styles(n: int) -> list[tuple[str, str]]:
    """(colour, hatch) for n causes: Okabe–Ito colours, then again with hatching."""
    return [
        (OKABE_ITO[i % len(OKABE_ITO)], HATCHES[(i // len(OKABE_ITO)) % len(HATCHES)])
        for i in range(n)
    ]


def _format_day(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _format_when(day: float, start: date | None) -> str:
    """A point in the run as a planner reads it: `day 23.5`, or `14 Mar 2020` with a start date."""
    if start is None:
        return f"day {_format_day(day)}"
    when = start + timedelta(days=round(day))
    return f"{when.day} {when:%b %Y}"


def _day_axis(n_days: int, start: date | None) -> np.ndarray:
    """x positions of day edges 0..n_days: plain days, or matplotlib dates."""
    days = np.arange(n_days + 1, dtype=float)
    return _to_x(days, start)


def _to_x(days: np.ndarray | float, start: date | None) -> Any:
    if start is None:
        return days
    from matplotlib import dates as mdates

    return mdates.date2num(datetime.combine(start, datetime.min.time())) + days


def _steps(values: np.ndarray) -> np.ndarray:
    """Repeat the last day so a `steps-post` curve covers the whole of its last day."""
    return np.concatenate([values, values[-1:]], axis=0) if len(values) else values


def _style_time_axis(ax: Axes, n_days: int, start: date | None) -> None:
    """Day or calendar axis over the whole run, with a light grid."""
    if start is None:
        ax.set_xlabel("day since start (day 0 = first simulated day)")
        ax.set_xlim(0, max(n_days, 1))
    else:
        _set_date_ticks(ax, n_days)
        ax.set_xlabel(f"date (day 0 = {start.day} {start:%b %Y})")
        lo = _to_x(0.0, start)
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


def _new_figure() -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _subtitle(summary: RunSummary, n_rep: int, n_days: int) -> str:
    parts = []
    if summary.seed is not None:
        parts.append(f"seed {summary.seed}")
    parts.append(f"{n_rep} replication{'s' if n_rep != 1 else ''}")
    parts.append(f"{n_days} days")
    if summary.start_date is not None:
        parts.append(f"from {summary.start_date.isoformat()}")
    return " · ".join(parts)


def _set_titles(ax: Axes, title: str, subtitle: str) -> None:
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


def _nan_stat(func: Any, data: np.ndarray, *args: Any) -> np.ndarray:
    """NaN-ignoring statistic across replications, silent on days with no data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(data, *args, axis=0)


# --------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class _Curve:
    metric: str
    label: str
    colour: str
    linestyle: str


_RECOVERY_CURVES = (
    _Curve("capacity", "park capacity (output / baseline)", OKABE_ITO[0], "-"),
    _Curve("resumption", "firms resumed (share of firms)", OKABE_ITO[1], "-"),
    _Curve("resumption_above_scale", "above-scale firms resumed", OKABE_ITO[2], "--"),
)

_FIGURE_COLOURS = {
    **{curve.metric: curve.colour for curve in _RECOVERY_CURVES},
    "resumption_weighted": OKABE_ITO[4],
    "workforce": OKABE_ITO[5],
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
            outside.append(f"{text} ({_format_when(fig.day, start)})")
            continue
        colour = _FIGURE_COLOURS.get(fig.metric, OKABE_ITO[7])
        # figures of the same day stand side by side, their labels one under another
        k, n = seen[fig.day], same_day[fig.day]
        seen[fig.day] += 1
        x = _to_x(fig.day + 0.5 + (k - (n - 1) / 2) * 0.4, start)
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


def draw_recovery(
    timeseries: dict[TimeseriesKey, np.ndarray], summary: RunSummary, out: Path
) -> Path:
    """Chart the park's capacity and the resumption of firms, mean and 90 % band.

    Published figures in `summary.observations` are marked beside the curves
    (see `draw_reported_figures`).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    if ("capacity", PARK) not in timeseries:
        raise ValueError(
            f"{TIMESERIES_FILE} has no park capacity rows (metric=capacity, group=park)"
        )
    n_rep, n_days = timeseries[("capacity", PARK)].shape
    start = summary.start_date
    x = _day_axis(n_days, start)

    fig, ax = _new_figure()
    handles: list[Any] = []
    for curve in _RECOVERY_CURVES:
        data = timeseries.get((curve.metric, PARK))
        if data is None or data.shape[1] == 0:
            continue
        mean = _nan_stat(np.nanmean, data)
        (line,) = ax.plot(
            x,
            _steps(mean),
            drawstyle="steps-post",
            color=curve.colour,
            linestyle=curve.linestyle,
            linewidth=2,
            label=f"{curve.label}, mean",
        )
        handles.append(line)
        if n_rep > 1:
            lo, hi = _nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
            ax.fill_between(
                x, _steps(lo), _steps(hi), step="post", color=curve.colour, alpha=0.2, lw=0
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

    day80 = summary.metric_mean("days_to_80")
    if day80 is None and _get(summary.raw, "metrics", "days_to_80") is not None:
        handles.append(
            Line2D([], [], color="none", label="80 % capacity: not reached in any replication")
        )
    elif day80 is not None and math.isfinite(day80):
        reached = summary.metric_reached("days_to_80")
        note = "mean"
        if reached is not None and reached < n_rep:
            note = f"mean of the {reached} of {n_rep} replications that reach it"
        marker = ax.axvline(_to_x(day80, start), color=OKABE_ITO[3], linewidth=1.5, linestyle="-.")
        marker.set_label(f"80 % capacity: {_format_when(day80, start)} ({note})")
        handles.append(marker)

    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel("% of pre-shock level (output or firms)")
    _style_time_axis(ax, n_days, start)
    handles += draw_reported_figures(ax, summary.observations, n_days=n_days, start=start)
    _set_titles(
        ax,
        f"Capacity recovery and resumption — {summary.scenario}",
        _subtitle(summary, n_rep, n_days),
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return _save(fig, out)


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
    x = _day_axis(n_days, start)
    mean = lost.mean(axis=0) if n_rep else np.zeros(lost.shape[1:])
    per_run_total = lost.sum(axis=1)  # (replications, causes) baseline-days

    fig, ax = _new_figure()
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
            _steps(mean).T,
            labels=labels,
            colors=[colour for colour, _ in styles],
            step="post",
            linewidth=0,
        )
        for poly, (colour, hatch) in zip(polys, styles, strict=True):
            if hatch:
                poly.set_hatch(hatch)
                poly.set_edgecolor(_contrast(colour))
        handles = list(reversed(polys))  # legend reads top-down like the stack

    top = float(mean.sum(axis=1).max()) if mean.size else 0.0
    if capacity is not None and capacity.size:
        loss = 1.0 - _nan_stat(np.nanmean, capacity)
        (edge,) = ax.plot(
            x,
            _steps(loss),
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

    total_mean = summary.metric_mean("lost_output_days")
    if total_mean is None:
        total_mean = float(per_run_total.sum(axis=1).mean()) if n_rep else 0.0

    ax.set_ylim(0, min(1.05, top * 1.08) if top > 0 else 0.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("lost output, % of baseline daily output")
    _style_time_axis(ax, n_days, start)
    _set_titles(
        ax,
        f"Lost output by cause — {summary.scenario}",
        f"mean over replications · {_subtitle(summary, n_rep, n_days)}",
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
    return _save(fig, out)


def _contrast(colour: str) -> str:
    """Hatch colour that shows on a fill of `colour`: white on dark, black on light."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#ffffff"


# Logistics chart layout, in inches.
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
    _require_file(results_dir / SUMMARY_FILE)
    summary = read_summary(results_dir / SUMMARY_FILE)
    logistics_path = results_dir / LOGISTICS_FILE
    bottlenecks_path = results_dir / BOTTLENECKS_FILE
    stations: list[str] = []
    funnel = np.zeros((0, 0, 0, len(LOGISTICS_FIELDS)))
    if logistics_path.is_file():
        stations, funnel = read_logistics(
            logistics_path, replications=summary.replications, days=summary.days
        )
    bottlenecks = read_bottlenecks(bottlenecks_path) if bottlenecks_path.is_file() else []
    if not stations and not bottlenecks:
        return None

    if stations:
        subtitle = _subtitle(summary, *funnel.shape[:2])
    elif summary.replications is not None and summary.days is not None:
        subtitle = _subtitle(summary, summary.replications, summary.days)
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
    return _save(fig, results_dir / PLOTS_DIR / "logistics.png")


def _draw_station_panels(
    fig: Any, stations: Sequence[str], funnel: np.ndarray, summary: RunSummary, subtitle: str
) -> None:
    """Per station a row: cumulative funnel (left) and trips waiting (right), shared x."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    n_rep, n_days = funnel.shape[:2]
    start = summary.start_date
    x = _day_axis(n_days, start)
    axes = fig.subplots(len(stations), 2, sharex=True, squeeze=False)
    field = {name: i for i, name in enumerate(LOGISTICS_FIELDS)}
    handles: list[Any] = []

    def band(ax: Axes, data: np.ndarray, colour: str) -> None:
        if n_rep > 1 and n_days:
            lo, hi = _nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
            ax.fill_between(x, _steps(lo), _steps(hi), step="post", color=colour, alpha=0.2, lw=0)

    for s, station in enumerate(stations):
        ax_funnel, ax_queue = axes[s]
        for name, label, colour, style, width in _FUNNEL_CURVES:
            data = funnel[:, :, s, field[name]]
            (line,) = ax_funnel.plot(
                x,
                _steps(_nan_stat(np.nanmean, data)),
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
            _steps(_nan_stat(np.nanmean, queue)),
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
            _style_time_axis(ax, n_days, start)
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


def _save(fig: Figure, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, dpi=DPI)
    finally:
        fig.clear()
    return out


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
    for name in (SUMMARY_FILE, TIMESERIES_FILE, CAUSES_FILE):
        _require_file(results_dir / name)

    summary = read_summary(results_dir / SUMMARY_FILE)
    timeseries = read_timeseries(
        results_dir / TIMESERIES_FILE, replications=summary.replications, days=summary.days
    )
    causes, lost = read_causes(
        results_dir / CAUSES_FILE, replications=summary.replications, days=summary.days
    )
    plots = results_dir / PLOTS_DIR
    paths = [
        draw_recovery(timeseries, summary, plots / "recovery.png"),
        draw_causes(
            causes, lost, summary, plots / "causes.png", capacity=timeseries.get(("capacity", PARK))
        ),
    ]
    logistics = draw_logistics(results_dir)
    if logistics is not None:
        paths.append(logistics)
    return paths
