"""Charts of a sweep, drawn only from the files of its folder.

- `plots/sweep.png` for a grid over one or two parameters: one parameter gives each
  outcome's mean against the parameter's value with its 95 % CI band; two give a
  heatmap of each outcome's mean (first parameter across, second up), every cell
  labelled with its value.
- `plots/sensitivity.png` for sampled designs: Sobol' first and total order indices
  with their 95 % intervals, Morris mu* against sigma, or first-order indices
  (RBD-FAST, for a Latin hypercube), one panel per outcome, with the noise share of
  each outcome in its title and its warnings (indices not to be trusted) under it.
- `plots/convergence.png` for sampled designs: each outcome's indices (ST, mu* or
  S1) at N/4, N/2 and N base samples with their intervals, one line per parameter.

They read `sweep.json`, `points.csv` and `sensitivity.json` (through their owner,
`sim.files.sweep`) and nothing else, so `draw_sweep_plots(folder)` redraws them from a
finished sweep. Metrics are named as `sim.metrics.axis_label` names them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.files.folders import PLOTS_DIR
from sim.files.sweep import POINTS, read_points, read_sensitivity, read_spec
from sim.metrics import DAYS_TO_PREFIX
from sim.output import i18n
from sim.output.charts.fonts import use_chart_fonts
from sim.output.charts.style import DPI, OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SWEEP_PLOT = "sweep.png"
SENSITIVITY_PLOT = "sensitivity.png"
CONVERGENCE_PLOT = "convergence.png"

WARNING_COLOUR = "#B22222"


def _num(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


def _axis(values: list[str]) -> tuple[list[str], np.ndarray | None]:
    """Distinct values of a parameter in order (numeric order when all are numbers), and
    their numbers (None when some are not numbers: the axis is then categorical)."""
    distinct = list(dict.fromkeys(values))
    nums = [_num(v) for v in distinct]
    if all(math.isfinite(x) for x in nums):
        order = np.argsort(nums, kind="stable")
        return [distinct[i] for i in order], np.array([nums[i] for i in order])
    return distinct, None


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_chart_fonts()
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png")
    os.replace(tmp, path)
    return path


def _subtitle(meta: dict[str, Any], lang: str = "en") -> str:
    parts = [
        i18n.tr("sweep.sub_scenario", lang, scenario=meta.get("scenario_name", "?")),
        i18n.tr(
            "sweep.sub_points",
            lang,
            points=len(meta.get("points", [])),
            replications=meta.get("replications"),
        ),
        i18n.tr("sub.seed", lang, seed=meta.get("seed")),
        i18n.tr("sub.days", lang, n=meta.get("days")),
    ]
    return " · ".join(parts)


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _line_panel(
    ax: Axes, rows: list[dict[str, str]], param: str, outcome: str, lang: str = "en"
) -> None:
    mine = [r for r in rows if r["metric"] == outcome]
    names, nums = _axis([r[param] for r in mine])
    by = {r[param]: r for r in mine}
    xs = nums if nums is not None else np.arange(len(names))
    mean = np.array([_num(by[n]["mean"]) for n in names])
    lo = np.array([_num(by[n]["ci95_lo"]) for n in names])
    hi = np.array([_num(by[n]["ci95_hi"]) for n in names])
    colour = OKABE_ITO[0]
    ax.fill_between(
        xs, lo, hi, color=colour, alpha=0.25, lw=0, label=i18n.tr("sweep.ci_mean", lang)
    )
    ax.plot(xs, mean, "o-", color=colour, label=i18n.tr("mean_over", lang))
    for x, n in zip(xs, names, strict=True):
        got, runs = int(_num(by[n]["n"]) or 0), int(_num(by[n]["runs"]) or 0)
        if outcome.startswith(DAYS_TO_PREFIX) and got < runs:
            ax.annotate(
                i18n.tr("sweep.reached", lang, k=got, n=runs),
                (x, _num(by[n]["mean"])),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=7,
            )
    if nums is None:
        ax.set_xticks(xs, names, rotation=30, ha="right")
    ax.set_xlabel(param)
    ax.set_ylabel(i18n.metric_axis(outcome, lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _heatmap_panel(
    fig: Figure,
    ax: Axes,
    rows: list[dict[str, str]],
    px: str,
    py: str,
    outcome: str,
    lang: str = "en",
) -> None:
    mine = [r for r in rows if r["metric"] == outcome]
    xs, _ = _axis([r[px] for r in mine])
    ys, _ = _axis([r[py] for r in mine])
    grid = np.full((len(ys), len(xs)), np.nan)
    reach = {}
    for r in mine:
        i, j = ys.index(r[py]), xs.index(r[px])
        grid[i, j] = _num(r["mean"])
        reach[i, j] = (int(_num(r["n"]) or 0), int(_num(r["runs"]) or 0))
    img = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    finite = grid[np.isfinite(grid)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), (got, runs) in reach.items():
        v = grid[i, j]
        text = _fmt(v)
        if outcome.startswith(DAYS_TO_PREFIX) and got < runs:
            text += f"\n{got}/{runs}"
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="black" if math.isfinite(v) and v > mid else "white",
        )
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    ax.set_title(i18n.metric_axis(outcome, lang), fontsize=10)
    cb = fig.colorbar(img, ax=ax, shrink=0.9)
    cb.set_label(i18n.tr("mean_over", lang), fontsize=8)


def draw_sweep_plot(folder: Path, lang: str = "en", out: Path | None = None) -> Path | None:
    """`plots/sweep.png` (or `out`) for a grid of one or two parameters (None otherwise)."""
    meta = read_spec(folder)
    params = [p["name"] for p in meta["parameters"]]
    if meta["design"]["method"] != "grid" or len(params) > 2:
        return None
    rows = read_points(folder / POINTS)
    outcomes = meta["outcomes"]
    n = len(outcomes)
    if len(params) == 1:
        fig = _figure(4.6 * n + 0.6, 4.2)
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, outcome in zip(axes, outcomes, strict=True):
            _line_panel(ax, rows, params[0], outcome, lang)
    else:
        fig = _figure(5.2 * n + 0.4, 4.6)
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, outcome in zip(axes, outcomes, strict=True):
            _heatmap_panel(fig, ax, rows, params[0], params[1], outcome, lang)
    fig.suptitle(
        i18n.tr("sweep.title", lang, name=meta["name"]) + "\n" + _subtitle(meta, lang), fontsize=11
    )
    return _save(fig, out or folder / PLOTS_DIR / SWEEP_PLOT)


def _bars(
    ax: Axes,
    names: list[str],
    series: list[tuple[str, list[float], list[float]]],
) -> None:
    y = np.arange(len(names))
    h = 0.8 / len(series)
    for k, (what, vals, conf) in enumerate(series):
        ax.barh(
            y + (k - (len(series) - 1) / 2) * h,
            vals,
            height=h,
            xerr=conf,
            color=OKABE_ITO[k],
            ecolor="#333333",
            capsize=2,
            label=what,
        )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def _get(ix: dict[str, dict[str, float]], names: list[str], key: str) -> list[float]:
    out = []
    for n in names:
        v = ix[n].get(key)
        out.append(math.nan if v is None else float(v))
    return out


def draw_sensitivity_plot(folder: Path, lang: str = "en", out: Path | None = None) -> Path | None:
    """`plots/sensitivity.png` (or `out`) from `sensitivity.json` (None when there is none)."""
    try:
        sens = read_sensitivity(folder)
    except FileNotFoundError:
        return None
    meta = read_spec(folder)
    method, names = sens["method"], sens["parameters"]
    outcomes = list(sens["outcomes"])
    ci = _level(sens)
    n = len(outcomes)
    height = 3.6 if method == "morris" else 1.6 + 0.45 * len(names)
    fig = _figure(max(5.0 * n, 6.0), max(height, 3.2))
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, outcome in zip(axes, outcomes, strict=True):
        entry = sens["outcomes"][outcome]
        share = entry.get("noise_share")
        title = i18n.metric_axis(outcome, lang)
        if share is not None:
            title += "\n" + i18n.tr("sweep.noise", lang, share=f"{share:.0%}")
        ax.set_title(title, fontsize=10)
        _warning_note(ax, entry, lang)
        ix = entry.get("indices")
        if not ix:
            ax.text(
                0.5,
                0.5,
                entry.get("error", i18n.tr("sweep.no_indices", lang)),
                ha="center",
                va="center",
                wrap=True,
                fontsize=8,
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            continue
        if method == "sobol":
            _bars(
                ax,
                names,
                [
                    (i18n.tr("sweep.s1", lang), _get(ix, names, "S1"), _get(ix, names, "S1_conf")),
                    (i18n.tr("sweep.st", lang), _get(ix, names, "ST"), _get(ix, names, "ST_conf")),
                ],
            )
            ax.set_xlabel(i18n.tr("sweep.variance_share", lang, ci=ci))
        elif method == "lhs":
            _bars(
                ax,
                names,
                [
                    (
                        i18n.tr("sweep.s1_fast", lang),
                        _get(ix, names, "S1"),
                        _get(ix, names, "S1_conf"),
                    )
                ],
            )
            ax.set_xlabel(i18n.tr("sweep.variance_share", lang, ci=ci))
        else:
            mu = _get(ix, names, "mu_star")
            sigma = _get(ix, names, "sigma")
            conf = _get(ix, names, "mu_star_conf")
            for k, name in enumerate(names):
                colour = OKABE_ITO[k % len(OKABE_ITO)]
                ax.errorbar(mu[k], sigma[k], xerr=conf[k], fmt="o", color=colour, capsize=2)
                ax.annotate(
                    name, (mu[k], sigma[k]), textcoords="offset points", xytext=(4, 4), fontsize=8
                )
            top = max([*mu, *sigma, 1e-12])
            ax.plot([0, top], [0, top], ls=":", color="#888888", lw=0.8)
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
            ax.set_xlabel(i18n.tr("sweep.mu_star", lang, outcome=outcome, ci=ci))
            ax.set_ylabel(i18n.tr("sweep.sigma", lang))
            ax.grid(alpha=0.3)
    what = i18n.tr(f"sweep.method.{method}", lang)
    fig.suptitle(
        i18n.tr("sweep.sens_title", lang, what=what, name=meta["name"])
        + "\n"
        + _subtitle(meta, lang),
        fontsize=11,
    )
    return _save(fig, out or folder / PLOTS_DIR / SENSITIVITY_PLOT)


def _level(sens: dict[str, Any]) -> str:
    """The confidence level of the intervals of `sensitivity.json`, as `95 %`."""
    level = (sens.get("analysis") or {}).get("arguments", {}).get("conf_level", 0.95)
    return f"{100 * level:.3g} %"


def _warning_note(ax: Axes, entry: dict[str, Any], lang: str = "en") -> None:
    """Under a panel, in red: the warnings of its outcome (`sweep.warn.*` of the
    catalogue), if any."""
    codes = list(dict.fromkeys(w.get("code", "") for w in entry.get("warnings", [])))
    if not codes:
        return
    sep = "；" if lang == "zh" else "; "
    why = sep.join(_warning_label(c, lang) for c in codes)
    ax.annotate(
        i18n.tr("sweep.untrusted", lang, why=why),
        xy=(0.5, 0.0),
        xycoords="axes fraction",
        xytext=(0, -34),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=7,
        color=WARNING_COLOUR,
        wrap=True,
        annotation_clip=False,
    )


def _warning_label(code: str, lang: str) -> str:
    try:
        return i18n.tr(f"sweep.warn.{code}", lang)
    except KeyError:
        return code


def draw_convergence_plot(folder: Path, lang: str = "en") -> Path | None:
    """`plots/convergence.png`: each outcome's indices at N/4, N/2 and N base samples with
    their intervals, from `sensitivity.json` (None when it has no convergence to show)."""
    try:
        sens = read_sensitivity(folder)
    except FileNotFoundError:
        return None
    meta = read_spec(folder)
    method, names = sens["method"], sens["parameters"]
    key = {"sobol": "ST", "morris": "mu_star"}.get(method, "S1")
    label = i18n.tr(f"sweep.conv_label.{method}", lang)
    unit = i18n.tr(f"sweep.conv_unit.{method}", lang)
    outcomes = [o for o, e in sens["outcomes"].items() if e.get("convergence")]
    if not outcomes:
        return None
    fig = _figure(max(4.6 * len(outcomes), 5.6), 4.0)
    axes = fig.subplots(1, len(outcomes), squeeze=False)[0]
    for ax, outcome in zip(axes, outcomes, strict=True):
        steps = [s for s in sens["outcomes"][outcome]["convergence"] if s.get("indices")]
        xs = np.array([s["base_samples"] for s in steps], dtype=float)
        for k, name in enumerate(names):
            ys = np.array([s["indices"][name][key] for s in steps], dtype=float)
            conf = np.array([s["indices"][name].get(f"{key}_conf", math.nan) for s in steps])
            ax.errorbar(
                xs * (1 + 0.03 * (k - (len(names) - 1) / 2)),
                ys,
                yerr=np.where(np.isfinite(conf), conf, 0.0),
                fmt="o-",
                color=OKABE_ITO[k % len(OKABE_ITO)],
                capsize=2,
                label=name,
            )
        if method != "morris":
            for level in (0.0, 1.0):
                ax.axhline(level, color="#333333", lw=0.8, ls=":")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [f"{int(x)}" for x in xs])
        ax.minorticks_off()
        ax.set_xlabel(i18n.tr("sweep.conv_x", lang, unit=unit))
        ax.set_ylabel(i18n.tr("sweep.conv_y", lang, label=label))
        ax.set_title(i18n.metric_axis(outcome, lang), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        _warning_note(ax, sens["outcomes"][outcome], lang)
    fig.suptitle(
        i18n.tr("sweep.conv_title", lang, name=meta["name"]) + "\n" + _subtitle(meta, lang),
        fontsize=11,
    )
    return _save(fig, folder / PLOTS_DIR / CONVERGENCE_PLOT)


def draw_sweep_plots(folder: Path | str, lang: str = "en") -> list[Path]:
    """Every chart a sweep folder's files support, in `lang`; returns the files written."""
    folder = Path(folder)
    drawn = (
        draw_sweep_plot(folder, lang),
        draw_sensitivity_plot(folder, lang),
        draw_convergence_plot(folder, lang),
    )
    return [p for p in drawn if p]
