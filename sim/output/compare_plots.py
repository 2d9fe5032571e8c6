"""Charts of a policy comparison, drawn only from the files of its folder.

A comparison folder (see `sim.output.compare_report`) holds `comparison.json` (what
was compared: scenario, seed, replications, days, start date, options),
`comparison.csv` (each option's metrics with 95 % CIs and paired differences from
the baseline), `compare_timeseries.csv` (each option's daily park capacity per
replication) and `compare_causes.csv` (each option's lost output by cause per
replication). `draw_compare_plots(folder)` reads those and nothing else.

Each option keeps one colour in every chart and every run (from its name, not its
place: `sim.output.palette`); the baseline is black and dashed. Figures are drawn on an explicit Agg
canvas in the style of every chart (`sim.output.charts.style`); the files are read by
their owner, `sim.files.comparison`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files.comparison import (
    CAUSES,
    CSV,
    JSON,
    TIMESERIES,
    CompareMeta,
    Stat,
    read_capacity,
    read_comparison,
    read_meta,
    read_option_causes,
)
from sim.files.folders import PLOTS_DIR
from sim.metrics import DAYS_TO_80, DAYS_TO_PREFIX, LOST_OUTPUT_DAYS, RELAPSED_80
from sim.output import i18n, palette
from sim.output.annotate import relapse_label, sustain_rule
from sim.output.charts.fonts import use_chart_fonts
from sim.output.charts.style import (
    BAND_PERCENTILES,
    DPI,
    band_patch,
    contrast,
    day_axis,
    format_when,
    nan_stat,
    save,
    set_titles,
    steps,
    style_time_axis,
)
from sim.output.compare_explain_plots import draw_explain_plots

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CAPACITY_PLOT = "compare_capacity.png"
METRICS_PLOT = "compare_metrics.png"
CAUSES_PLOT = "compare_causes.png"

BASELINE_COLOUR = palette.BASELINE_STYLE[0]


# --------------------------------------------------------------------------- styling


def option_styles(meta: CompareMeta) -> dict[str, tuple[str, Any]]:
    """(colour, line style) of every option: baseline black dashed, others Okabe–Ito,
    each by its name (`sim.output.palette`), so an option keeps its colour in every run."""
    return palette.option_styles(meta.options, meta.baseline)


def _ranked(meta: CompareMeta, stats: dict[tuple[str, str], Stat]) -> list[str]:
    """Options by mean lost output, best first (the order of comparison.md)."""
    order = {name: i for i, name in enumerate(meta.options)}

    def key(name: str) -> tuple[int, float, int]:
        s = stats.get((name, LOST_OUTPUT_DAYS))
        if s is None or math.isnan(s.mean):
            return (1, 0.0, order[name])
        return (0, s.mean, order[name])

    return sorted(meta.options, key=key)


def _fmt_delta(s: Stat | None, digits: int = 1) -> str:
    """`Δ -4.1 [-5.0, -3.2] *` (the paired difference, its 95 % CI, significance)."""
    if s is None or math.isnan(s.diff):
        return "Δ n/a"  # the same in both languages
    if s.diff == 0 and not s.significant:
        return "Δ 0"
    if 0 < abs(s.diff) < 0.5 * 10**-digits:
        digits = min(6, max(digits, 1 - math.floor(math.log10(abs(s.diff)))))
    text = f"Δ {s.diff:+.{digits}f}"
    if not math.isnan(s.diff_lo) and not math.isnan(s.diff_hi):
        text += f" [{s.diff_lo:+.{digits}f}, {s.diff_hi:+.{digits}f}]"
    if s.significant:
        text += " *"
    return text


def _subtitle(meta: CompareMeta, n_rep: int, n_days: int, lang: str = "en") -> str:
    parts = [i18n.tr("compare.sub_replications", lang, n=n_rep, s=i18n.plural(n_rep))]
    if meta.seed is not None:
        parts.append(i18n.tr("sub.seed", lang, seed=meta.seed))
    parts.append(i18n.tr("sub.days", lang, n=n_days))
    if meta.start_date is not None:
        parts.append(i18n.tr("sub.from", lang, start=meta.start_date.isoformat()))
    return " · ".join(parts)


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Any, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_chart_fonts()
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


# --------------------------------------------------------------------------- charts


def draw_compare_capacity(
    capacity: dict[str, np.ndarray],
    stats: dict[tuple[str, str], Stat],
    meta: CompareMeta,
    out: Path,
    lang: str = "en",
) -> Path:
    """Every option's mean park capacity with a 90 % band, one colour each, baseline dashed."""
    from matplotlib.ticker import PercentFormatter

    base = capacity.get(meta.baseline)
    if base is None:
        raise ValueError(f"{TIMESERIES} has no rows for the baseline '{meta.baseline}'")
    n_rep, n_days = base.shape
    start = meta.start_date
    x = day_axis(n_days, start)
    styles = option_styles(meta)
    fig, (ax,) = _figure(10.0, 6.0)
    handles: list[Any] = []
    # Baseline last, so its dashed line stays on top of the bands.
    order = [o for o in meta.options if o != meta.baseline and o in capacity] + [meta.baseline]
    for name in order:
        data = capacity[name]
        colour, dash = styles[name]
        if n_rep > 1 and n_days:
            lo, hi = nan_stat(np.nanpercentile, data, BAND_PERCENTILES)
            ax.fill_between(
                x,
                steps(lo),
                steps(hi),
                step="post",
                color=colour,
                alpha=0.10 if name == meta.baseline else 0.16,
                lw=0,
            )
        lost = stats.get((name, LOST_OUTPUT_DAYS))
        label = name
        if lost is not None and not math.isnan(lost.mean):
            label += i18n.tr("compare.lost", lang, lost=f"{lost.mean:.1f}")
            if name != meta.baseline:
                label += f" ({_fmt_delta(lost)})"
        d80 = stats.get((name, DAYS_TO_80))
        if d80 is not None and not math.isnan(d80.mean):
            label += i18n.tr("compare.80_on", lang, when=format_when(d80.mean, start, lang))
        elif d80 is not None:
            label += i18n.tr("compare.80_never", lang)
        label += relapse_label(stats.get((name, RELAPSED_80)), lang)
        (line,) = ax.plot(
            x,
            steps(nan_stat(np.nanmean, data)),
            drawstyle="steps-post",
            color=colour,
            linestyle=dash,
            linewidth=2.2 if name == meta.baseline else 2.0,
            label=label,
            zorder=3 if name == meta.baseline else 2,
        )
        handles.append(line)
    handles = handles[-1:] + handles[:-1]  # baseline first in the legend
    ax.axhline(1.0, color="#555555", linewidth=1, linestyle=":")
    ax.axhline(0.8, color="#999999", linewidth=0.8, linestyle=":")
    ax.text(x[0], 0.805, " 80 %", fontsize=8, color="#666666", va="bottom")
    if n_rep > 1:
        handles.append(band_patch("compare.band", lang))
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel(i18n.tr("compare.capacity_ylabel", lang))
    style_time_axis(ax, n_days, start, lang)
    set_titles(
        ax,
        i18n.tr("compare.capacity_title", lang, scenario=meta.scenario),
        i18n.tr("compare.mean_curve", lang) + " · " + _subtitle(meta, n_rep, n_days, lang),
    )
    legend = fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=1,
        frameon=False,
        fontsize=8.5,
        title=i18n.tr("compare.capacity_legend", lang)
        + " · "
        + sustain_rule(80, meta.sustain_days, lang),
        title_fontsize=8.5,
    )
    legend.get_title().set_color("#444444")
    return save(fig, out)


def draw_compare_metrics(
    stats: dict[tuple[str, str], Stat],
    meta: CompareMeta,
    out: Path,
    lang: str = "en",
) -> Path:
    """Days to 80 % and lost output per option: mean with 95 % CI, Δ vs baseline annotated."""
    panels = [
        (
            DAYS_TO_80,
            i18n.tr("compare.d80_title", lang),
            i18n.tr("compare.d80_xlabel", lang, start=_start_note(meta, lang))
            + (
                i18n.tr("compare.d80_for", lang, days=meta.sustain_days)
                if meta.sustain_days
                else ""
            ),
        ),
        (
            LOST_OUTPUT_DAYS,
            i18n.tr("compare.lost_title", lang),
            i18n.tr("compare.lost_xlabel", lang),
        ),
    ]
    ranked = _ranked(meta, stats)
    styles = option_styles(meta)
    fig, axes = _figure(12.0, 1.9 + 0.55 * len(ranked), ncols=2)
    n_rep = meta.replications or 0
    for ax, (metric, title, xlabel) in zip(axes, panels, strict=True):
        y = np.arange(len(ranked))
        base = stats.get((meta.baseline, metric))
        if base is not None and not math.isnan(base.mean):
            ax.axvline(base.mean, color=BASELINE_COLOUR, linewidth=0.9, linestyle="--", zorder=1)
        ends = []
        for yi, name in zip(y, ranked, strict=True):
            s = stats.get((name, metric))
            colour, _ = styles[name]
            if s is None or math.isnan(s.mean):
                continue
            lo = s.ci95_lo if not math.isnan(s.ci95_lo) else s.mean
            hi = s.ci95_hi if not math.isnan(s.ci95_hi) else s.mean
            ax.errorbar(
                [s.mean],
                [yi],
                xerr=[[max(s.mean - lo, 0)], [max(hi - s.mean, 0)]],
                fmt="o" if name != meta.baseline else "D",
                color=colour,
                ecolor=colour,
                elinewidth=2,
                capsize=5,
                markersize=6,
                markeredgecolor="white",
                zorder=3,
            )
            ends.append((yi, hi, name, s))
        finite = [v for _, hi, _, s in ends for v in (hi, s.mean, s.ci95_lo) if not math.isnan(v)]
        lo_x = min([0.0, *finite])
        hi_x = max(finite) if finite else 1.0
        span = hi_x - lo_x or 1.0
        ax.set_xlim(lo_x, hi_x + 1.0 * span)
        for yi, name, s in ((e[0], e[2], e[3]) for e in ends):
            note = i18n.tr("baseline", lang) if name == meta.baseline else _fmt_delta(s)
            note = f"{s.mean:.1f}   {note}"
            if metric.startswith(DAYS_TO_PREFIX) and n_rep and s.n < n_rep:
                note += "\n" + i18n.tr("compare.reached", lang, k=s.n, n=n_rep)
                if name != meta.baseline and s.n_pairs < s.n:
                    note += i18n.tr("compare.pairs", lang, k=s.n_pairs)
            ax.annotate(
                note,
                (max(v for v in (s.ci95_hi, s.mean) if not math.isnan(v)), yi),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=8.5,
                fontweight="bold" if s.significant else "normal",
            )
        for yi, name in zip(y, ranked, strict=True):
            s = stats.get((name, metric))
            if s is None or math.isnan(s.mean):
                what = i18n.tr("never_reached", lang) if s is not None else "n/a"
                ax.text(lo_x, yi, f"  {what}", va="center")
        ax.set_yticks(y, ranked)
        ax.set_ylim(len(ranked) - 0.5, -0.5)  # best on top
        ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    fig.suptitle(
        i18n.tr("compare.metrics_title", lang, scenario=meta.scenario),
        fontweight="bold",
        fontsize=12,
    )
    n_days = meta.days or 0
    fig.supxlabel(
        i18n.tr("compare.metrics_note", lang) + "\n" + _subtitle(meta, n_rep, n_days, lang),
        fontsize=8,
        color="#444444",
    )
    return save(fig, out)


def _start_note(meta: CompareMeta, lang: str = "en") -> str:
    if meta.start_date is None:
        return ""
    return f" ({i18n.date_text(meta.start_date, lang)})"


def draw_compare_causes(
    causes: Sequence[str],
    lost: dict[str, np.ndarray],
    stats: dict[tuple[str, str], Stat],
    meta: CompareMeta,
    out: Path,
    lang: str = "en",
) -> Path:
    """Mean lost output by cause per option: one stacked bar per option, side by side
    (horizontal, best option on top), the total and its Δ vs baseline at the bar's end."""
    from matplotlib.patches import Patch

    ranked = [o for o in _ranked(meta, stats) if o in lost]
    means = {o: lost[o].mean(axis=0) if len(lost[o]) else np.zeros(len(causes)) for o in ranked}
    shown = [i for i, _ in enumerate(causes) if any(means[o][i] > 1e-9 for o in ranked)]
    styles = [palette.cause_styles(causes)[i] for i in shown]
    legend_rows = math.ceil(len(shown) / 4) if shown else 1
    fig, (ax,) = _figure(11.0, 2.6 + 0.6 * len(ranked) + 0.22 * legend_rows)
    y = np.arange(len(ranked))
    left = np.zeros(len(ranked))
    for (colour, hatch), i in zip(styles, shown, strict=True):
        w = np.array([means[o][i] for o in ranked])
        ax.barh(
            y,
            w,
            left=left,
            height=0.6,
            color=colour,
            hatch=hatch or None,
            edgecolor=contrast(colour) if hatch else "white",
            linewidth=0.5,
        )
        left += w
    right = float(left.max()) if len(left) else 0.0
    for yi, name in zip(y, ranked, strict=True):
        s = stats.get((name, LOST_OUTPUT_DAYS))
        text = f"{left[yi]:.1f}"
        text += "   " + (i18n.tr("baseline", lang) if name == meta.baseline else _fmt_delta(s))
        ax.annotate(
            text,
            (left[yi], yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            fontweight="bold" if s is not None and s.significant else "normal",
        )
    ax.set_yticks(y, ranked)
    ax.set_ylim(len(ranked) - 0.5, -0.5)  # best on top
    ax.set_xlim(0, right * 1.45 if right > 0 else 1.0)
    ax.set_xlabel(i18n.tr("compare.causes_xlabel", lang))
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    n_rep = max((len(v) for v in lost.values()), default=0)
    set_titles(
        ax,
        i18n.tr("compare.causes_title", lang, scenario=meta.scenario),
        i18n.tr("mean_over", lang) + " · " + _subtitle(meta, n_rep, meta.days or 0, lang),
    )
    handles = [
        Patch(
            facecolor=colour,
            hatch=hatch or None,
            edgecolor=contrast(colour) if hatch else colour,
            label=i18n.cause(causes[i], lang),
        )
        for (colour, hatch), i in zip(styles, shown, strict=True)
    ]
    legend = fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(4, max(len(handles), 1)),
        frameon=False,
        fontsize=8.5,
        title=i18n.tr("compare.causes_legend", lang),
        title_fontsize=8.5,
    )
    legend.get_title().set_color("#444444")
    return save(fig, out)


def draw_compare_plots(folder: Path, lang: str = "en") -> list[Path]:
    """Draw the three comparison charts of a comparison folder into `folder/plots/`.

    Writes `compare_capacity.png`, `compare_metrics.png` and `compare_causes.png` and
    returns their paths. Raises FileNotFoundError naming a missing file, ValueError for
    a malformed one.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"comparison folder {folder} does not exist")
    meta = read_meta(folder / JSON)
    stats = read_comparison(folder / CSV)
    capacity = read_capacity(folder / TIMESERIES, meta.options, meta.replications, meta.days)
    causes, lost = read_option_causes(folder / CAUSES)
    plots = folder / PLOTS_DIR
    return [
        draw_compare_capacity(capacity, stats, meta, plots / CAPACITY_PLOT, lang),
        draw_compare_metrics(stats, meta, plots / METRICS_PLOT, lang),
        draw_compare_causes(causes, lost, stats, meta, plots / CAUSES_PLOT, lang),
        *draw_explain_plots(folder, meta, lang),
    ]
