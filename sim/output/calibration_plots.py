"""Plots of a calibration folder, drawn from its files (never from the model).

* `plots/posterior.png`: each parameter's posterior (the last generation, weighted)
  against its prior range, with the median and the 90 % credible interval marked;
  earlier generations as outlines, to show how the fit narrowed.
* `plots/pairs.png` (two or more parameters): the last generation's particles in
  every pair of parameters, marker size by weight — ridges show parameters the
  observations cannot tell apart.
* `plots/predictive.png`: for every observed series, the posterior predictive runs
  (median, 50 % and 90 % bands across draws) with the observations as points —
  filled for fitted ones, open diamonds for held-out ones — and their uncertainty
  as error bars; dates on the x axis when the scenario has a start date. In a joint
  calibration, one panel per case and series, each on its case's dates.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.files.calibration import FIT, POSTERIOR_CSV, PREDICTIVE, read_spec, read_table
from sim.files.folders import PLOTS_DIR
from sim.metrics import SHARE_METRICS
from sim.output import i18n
from sim.output.charts.fonts import use_chart_fonts
from sim.output.charts.style import DPI, OKABE_ITO, style_time_axis, to_x

POSTERIOR_PLOT = "posterior.png"
PAIRS_PLOT = "pairs.png"
PREDICTIVE_PLOT = "predictive.png"


def _figure(w: float, h: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_chart_fonts()
    fig = Figure(figsize=(w, h), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _float(v: str) -> float:
    return float(v) if v not in ("", None) else math.nan


def draw_posterior(
    folder: Path, meta: dict[str, Any], rows: list[dict[str, str]], lang: str = "en"
) -> Path:
    """`plots/posterior.png`: marginal posteriors against the prior range."""
    params = meta["parameters"]
    post = {p["name"]: p for p in meta["posterior"]}
    gens = sorted({int(r["generation"]) for r in rows})
    last = gens[-1]
    n = len(params)
    cols = min(n, 3)
    nrows = math.ceil(n / cols)
    fig = _figure(max(6.0, 4.2 * cols), 3.6 * nrows + 0.4)
    axes = fig.subplots(nrows, cols, squeeze=False)
    for k, p in enumerate(params):
        ax = axes[k // cols][k % cols]
        name = p["name"]
        lo, hi = p["prior_range"]
        bins = np.linspace(lo, hi, 31)
        for g in gens[:-1]:
            x = np.array([_float(r[name]) for r in rows if int(r["generation"]) == g])
            w = np.array([_float(r["weight"]) for r in rows if int(r["generation"]) == g])
            ax.hist(x, bins=bins, weights=w, density=True, histtype="step", color="#bbbbbb", lw=0.8)
        x = np.array([_float(r[name]) for r in rows if int(r["generation"]) == last])
        w = np.array([_float(r["weight"]) for r in rows if int(r["generation"]) == last])
        ax.hist(
            x,
            bins=bins,
            weights=w,
            density=True,
            color=OKABE_ITO[0],
            alpha=0.75,
            label=i18n.tr("cal.posterior", lang, generation=last),
        )
        ax.axhline(
            1.0 / (hi - lo),
            color="#888888",
            ls=":",
            lw=1,
            label=i18n.tr("cal.flat", lang),
        )
        s = post.get(name)
        if s:
            ax.axvline(
                s["median"],
                color=OKABE_ITO[3],
                lw=1.8,
                label=i18n.tr("cal.median", lang, value=f"{s['median']:.3g}"),
            )
            ax.axvspan(
                *s["ci90"], color=OKABE_ITO[3], alpha=0.12, label=i18n.tr("cal.credible", lang)
            )
        if "truth" in p:
            ax.axvline(
                p["truth"],
                color="black",
                ls="--",
                lw=1.2,
                label=i18n.tr("cal.truth", lang, value=f"{p['truth']:.3g}"),
            )
        ax.set_xlim(lo, hi)
        ax.set_xlabel(f"{name}\n({', '.join(p['paths'])})", fontsize=8)
        ax.set_ylabel(i18n.tr("cal.density", lang))
        ax.legend(fontsize=7, loc="upper right")
        ax.grid(True, color="#eeeeee", lw=0.6)
    for k in range(n, nrows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle(
        i18n.tr("cal.posterior_title", lang, name=meta["name"]),
        fontweight="bold",
        fontsize=11,
    )
    out = folder / PLOTS_DIR / POSTERIOR_PLOT
    fig.savefig(out)
    return out


def draw_pairs(
    folder: Path, meta: dict[str, Any], rows: list[dict[str, str]], lang: str = "en"
) -> Path | None:
    """`plots/pairs.png`: the last generation in every pair of parameters."""
    params = meta["parameters"]
    if len(params) < 2:
        return None
    last = max(int(r["generation"]) for r in rows)
    final = [r for r in rows if int(r["generation"]) == last]
    w = np.array([_float(r["weight"]) for r in final])
    size = 8 + 120 * w / w.max()
    d = len(params)
    fig = _figure(2.8 * d + 0.6, 2.6 * d + 0.6)
    axes = fig.subplots(d, d, squeeze=False)
    for i, pi in enumerate(params):
        xi = np.array([_float(r[pi["name"]]) for r in final])
        for j, pj in enumerate(params):
            ax = axes[i][j]
            xj = np.array([_float(r[pj["name"]]) for r in final])
            if i == j:
                ax.hist(xi, bins=20, range=tuple(pi["prior_range"]), weights=w, color=OKABE_ITO[0])
                ax.set_yticks([])
            else:
                ax.scatter(xj, xi, s=size, color=OKABE_ITO[0], alpha=0.5, lw=0)
                ax.set_ylim(*pi["prior_range"])
            ax.set_xlim(*pj["prior_range"])
            if i == d - 1:
                ax.set_xlabel(pj["name"], fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(pi["name"], fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle(
        i18n.tr("cal.pairs_title", lang, name=meta["name"]),
        fontweight="bold",
        fontsize=11,
    )
    out = folder / PLOTS_DIR / PAIRS_PLOT
    fig.savefig(out)
    return out


def draw_predictive(folder: Path, meta: dict[str, Any], lang: str = "en") -> Path:
    """`plots/predictive.png`: predictive bands per observed series, observations as points."""
    cases = {c["id"]: c for c in meta.get("cases") or []}

    def dates(case: str) -> tuple[dt.date | None, int]:
        m = cases.get(case, meta)
        return (dt.date.fromisoformat(m["start_date"]) if m.get("start_date") else None), int(
            m["days"]
        )

    curves: dict[tuple[str, str, str], dict[int, dict[int, float]]] = {}
    for r in read_table(folder, PREDICTIVE):
        key = (r.get("case", ""), r["metric"], r["group"])
        draw = curves.setdefault(key, {}).setdefault(int(r["draw"]), {})
        draw[int(r["day"])] = _float(r["value"])
    fit = read_table(folder, FIT)
    series = list(dict.fromkeys((r.get("case", ""), r["metric"], r["group"]) for r in fit))
    n = len(series)
    cols = 1 if n == 1 else 2
    nrows = math.ceil(n / cols)
    fig = _figure(9.0 if cols == 1 else 12.0, 4.2 * nrows)
    axes = fig.subplots(nrows, cols, squeeze=False)
    for k, (case, metric, group) in enumerate(series):
        start, days = dates(case)
        x = to_x(np.arange(days, dtype=float) + 0.5, start)
        ax = axes[k // cols][k % cols]
        scale = 100.0 if metric in SHARE_METRICS else 1.0
        draws = curves.get((case, metric, group), {})
        if draws:
            arr = np.array([[d.get(day, math.nan) for day in range(days)] for d in draws.values()])
            with np.errstate(all="ignore"):
                q = np.nanpercentile(arr, [5, 25, 50, 75, 95], axis=0) * scale
            ax.fill_between(
                x,
                q[0],
                q[4],
                color=OKABE_ITO[0],
                alpha=0.18,
                lw=0,
                label=i18n.tr("cal.band90", lang),
            )
            ax.fill_between(
                x,
                q[1],
                q[3],
                color=OKABE_ITO[0],
                alpha=0.3,
                lw=0,
                label=i18n.tr("cal.band50", lang),
            )
            label = i18n.tr("cal.median_draws", lang, n=len(draws))
            ax.plot(x, q[2], color=OKABE_ITO[0], lw=1.8, label=label)
        for role, colour, marker, face, text in (
            ("fit", "black", "o", "black", i18n.tr("cal.fitted", lang)),
            ("held_out", OKABE_ITO[3], "D", "white", i18n.tr("cal.held_out", lang)),
        ):
            pts = [
                r
                for r in fit
                if (r.get("case", ""), r["metric"], r["group"], r["role"])
                == (case, metric, group, role)
            ]
            if not pts:
                continue
            px = to_x(np.array([int(r["day"]) + 0.5 for r in pts], dtype=float), start)
            py = np.array([_float(r["observed"]) for r in pts]) * scale
            pe = np.array([_float(r["uncertainty"]) for r in pts]) * scale
            ax.errorbar(
                px,
                py,
                yerr=pe,
                fmt=marker,
                color=colour,
                mfc=face,
                mec=colour,
                ms=7,
                capsize=3,
                zorder=5,
                label=i18n.tr("cal.uncertainty", lang, what=text),
            )
        style_time_axis(ax, days, start, lang)
        unit = i18n.tr("cal.unit_share" if scale == 100 else "cal.unit_value", lang)
        ax.set_ylabel(f"{metric} [{unit}]" if scale == 100 else metric)
        if scale == 100:
            ax.set_ylim(0, 105)
        ax.set_title(f"{case}: {metric} — {group}" if case else f"{metric} — {group}", fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    for k in range(n, nrows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle(
        i18n.tr("cal.predictive_title", lang, name=meta["name"]),
        fontweight="bold",
        fontsize=11,
    )
    out = folder / PLOTS_DIR / PREDICTIVE_PLOT
    fig.savefig(out)
    return out


def draw_calibration_plots(folder: Path, lang: str = "en") -> list[Path]:
    """Draw every plot of a calibration folder from its files, in `lang`; returns the paths."""
    meta = read_spec(folder)
    (folder / PLOTS_DIR).mkdir(exist_ok=True)
    rows = read_table(folder, POSTERIOR_CSV)
    out = [draw_posterior(folder, meta, rows, lang)]
    pairs = draw_pairs(folder, meta, rows, lang)
    if pairs:
        out.append(pairs)
    out.append(draw_predictive(folder, meta, lang))
    return out
