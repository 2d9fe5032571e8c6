"""The charts that say what holds each option of a comparison back, drawn from the
files of its folder (`sim.files.comparison_explain`):

- `compare_bottlenecks.png`: the largest bottlenecks of every option side by side — for
  each bottleneck (a supplier, a park firm as supplier, a transfer station, the pass
  system: by name), one bar per option of the park output its missing goods cost;
- `compare_stations.png`: each transfer station's queue day by day under every option
  (mean over replications), so that a station swamped by reopened firms shows.

Options keep their colours (`sim.output.palette`). A folder older than these files, or
one with nothing to draw (no bottleneck, no station), gets no such chart.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.files.comparison import CompareMeta
from sim.files.comparison_explain import (
    BOTTLENECKS,
    STATIONS,
    OptionBottleneck,
    read_bottlenecks,
    read_stations,
)
from sim.files.folders import PLOTS_DIR
from sim.files.names import STATION, display, read_names
from sim.output import i18n, palette
from sim.output.charts.fonts import use_chart_fonts
from sim.output.charts.style import (
    DPI,
    day_axis,
    nan_stat,
    save,
    steps,
    style_time_axis,
)

BOTTLENECKS_PLOT = "compare_bottlenecks.png"
STATIONS_PLOT = "compare_stations.png"
TOP_PER_OPTION = 3
"""Each option's largest bottlenecks the chart shows (together, at most `MAX_SHOWN`)."""
MAX_SHOWN = 8
_KIND_LABELS = {
    "station": "explain.kind_station",
    "passes": "explain.kind_passes",
    "supplier": "explain.kind_supplier",
    "park_firm": "explain.kind_park_firm",
    "park": "explain.kind_park",
}
"""Catalogue keys of the short kind names the bottleneck chart's rows start with."""


def _kind(kind: str, lang: str) -> str:
    key = _KIND_LABELS.get(kind)
    return i18n.tr(key, lang) if key else kind


def _figure(width: float, height: float, rows: int = 1) -> tuple[Any, list[Any]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_chart_fonts()
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1, squeeze=False, sharex=True)[:, 0]
    return fig, list(axes)


def draw_explain_plots(folder: Path, meta: CompareMeta, lang: str = "en") -> list[Path]:
    """Draw `compare_bottlenecks.png` and `compare_stations.png` into `folder/plots/` where
    the folder has what they show; return the paths drawn."""
    folder = Path(folder)
    out = []
    if (folder / BOTTLENECKS).is_file():
        path = draw_compare_bottlenecks(
            read_bottlenecks(folder / BOTTLENECKS),
            meta,
            folder / PLOTS_DIR / BOTTLENECKS_PLOT,
            lang,
        )
        if path is not None:
            out.append(path)
    if (folder / STATIONS).is_file():
        stations, queues = read_stations(folder / STATIONS, meta.replications, meta.days)
        path = draw_compare_stations(
            stations, queues, meta, folder / PLOTS_DIR / STATIONS_PLOT, lang
        )
        if path is not None:
            out.append(path)
    return out


def _shown(rows: list[OptionBottleneck], options: tuple[str, ...]) -> list[tuple[str, str]]:
    """The bottlenecks to draw: every option's largest, largest (in any option) first."""
    keys: dict[tuple[str, str], float] = {}
    for o in options:
        mine = sorted(
            (r for r in rows if r.option == o and r.lost_output_days > 0), key=lambda r: r.rank
        )
        for r in mine[:TOP_PER_OPTION]:
            keys[(r.kind, r.id)] = 0.0
    for r in rows:
        if (r.kind, r.id) in keys:
            keys[(r.kind, r.id)] = max(keys[(r.kind, r.id)], r.lost_output_days)
    return sorted(keys, key=lambda k: (-keys[k], k))[:MAX_SHOWN]


def draw_compare_bottlenecks(
    rows: list[OptionBottleneck], meta: CompareMeta, out: Path, lang: str = "en"
) -> Path | None:
    """Grouped bars: for each of the largest bottlenecks, the park output it cost under
    each option (mean over replications, 95 % CI whisker), the paired difference from the
    baseline written beside each option's bar. None (nothing drawn) without bottlenecks."""
    from matplotlib.patches import Patch

    options = tuple(o for o in meta.options if any(r.option == o for r in rows))
    keys = _shown(rows, options)
    if not keys:
        return None
    by = {(r.option, r.kind, r.id): r for r in rows}
    styles = palette.option_styles(meta.options, meta.baseline)
    n_opt = len(options)
    height = 0.8 / max(n_opt, 1)
    fig, (ax,) = _figure(11.0, 1.8 + len(keys) * (0.25 + 0.28 * n_opt))
    right = 0.0
    for j, o in enumerate(options):
        colour, _ = styles[o]
        for i, (kind, ident) in enumerate(keys):
            r = by.get((o, kind, ident))
            v = r.lost_output_days if r is not None else 0.0
            y = i - 0.4 + height * (j + 0.5)
            ax.barh(y, v, height=height * 0.9, color=colour, edgecolor="white", linewidth=0.5)
            hi = v
            if r is not None and not math.isnan(r.ci95_lo) and not math.isnan(r.ci95_hi):
                ax.errorbar(
                    [v],
                    [y],
                    xerr=[[max(v - r.ci95_lo, 0)], [max(r.ci95_hi - v, 0)]],
                    fmt="none",
                    ecolor="#333333",
                    elinewidth=0.8,
                    capsize=2,
                )
                hi = max(hi, r.ci95_hi)
            right = max(right, hi)
            if r is not None and o != meta.baseline and not math.isnan(r.diff):
                text = "Δ 0" if r.diff == 0 else f"Δ {r.diff:+.2f}"
                text += " *" if r.significant else ""
                ax.annotate(
                    text,
                    (hi, y),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7.5,
                    fontweight="bold" if r.significant else "normal",
                )
    names = read_names(meta.raw)
    labels = [
        i18n.tr("explain.row", lang, kind=_kind(k, lang), name=display(names, k, i))
        for k, i in keys
    ]
    ax.set_yticks(range(len(keys)), labels, fontsize=8.5)
    ax.set_ylim(len(keys) - 0.5, -0.5)
    ax.set_xlim(0, right * 1.3 if right > 0 else 1.0)
    ax.set_xlabel(i18n.tr("explain.bottlenecks_xlabel", lang))
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title(
        i18n.tr("explain.bottlenecks_title", lang, scenario=meta.scenario),
        fontweight="bold",
        fontsize=12,
        loc="left",
    )
    handles = [Patch(color=styles[o][0], label=o) for o in options]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(4, len(handles)),
        frameon=False,
        fontsize=8.5,
        title=i18n.tr("explain.bottlenecks_legend", lang),
        title_fontsize=8.5,
    )
    return save(fig, out)


def draw_compare_stations(
    stations: list[str],
    queues: dict[str, np.ndarray],
    meta: CompareMeta,
    out: Path,
    lang: str = "en",
) -> Path | None:
    """Per transfer station, the trips waiting at the end of each day under every option
    (mean over replications). None (nothing drawn) when no option has a station."""
    if not stations:
        return None
    options = [o for o in meta.options if o in queues]
    styles = palette.option_styles(meta.options, meta.baseline)
    names = read_names(meta.raw)
    n_days = next(iter(queues.values())).shape[1]
    x = day_axis(n_days, meta.start_date)
    fig, axes = _figure(10.0, 1.4 + 2.6 * len(stations), rows=len(stations))
    seen: dict[str, Any] = {}
    # baseline last, so that its dashed line stays on top
    order = [o for o in options if o != meta.baseline] + [meta.baseline]
    for s, (ax, station) in enumerate(zip(axes, stations, strict=True)):
        for o in order:
            if o not in queues:
                continue
            data = queues[o][:, :, s]
            if np.isnan(data).all():
                continue
            colour, dash = styles[o]
            (line,) = ax.plot(
                x,
                steps(nan_stat(np.nanmean, data)),
                drawstyle="steps-post",
                color=colour,
                linestyle=dash,
                linewidth=2.0,
                label=o,
            )
            seen.setdefault(o, line)
        ax.set_title(
            i18n.tr("explain.stations_panel", lang, station=display(names, STATION, station)),
            fontsize=10,
            loc="left",
        )
        ax.set_ylabel(i18n.tr("explain.stations_ylabel", lang))
        ax.set_ylim(bottom=0)
        style_time_axis(ax, n_days, meta.start_date, lang)
        if s < len(stations) - 1:
            ax.set_xlabel("")
    fig.suptitle(
        i18n.tr("explain.stations_title", lang, scenario=meta.scenario),
        fontweight="bold",
        fontsize=12,
    )
    handles = [seen[o] for o in (meta.baseline, *order[:-1]) if o in seen]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(4, max(len(handles), 1)),
        frameon=False,
        fontsize=8.5,
        title=i18n.tr("explain.stations_legend", lang),
        title_fontsize=8.5,
    )
    return save(fig, out)
