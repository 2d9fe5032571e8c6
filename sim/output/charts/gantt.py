"""The key firms' paths as a Gantt chart: one row per key firm, its days coloured by
phase (waiting for the list, preparing, waiting for review, under review, rectifying,
ramping up, held back, full output, suspended, out of business), for one replication,
with the days of output each firm lost at the end of its row. Drawn for the report
(`sim.output.report`) from `key_firms.csv`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sim.files.key_firms import PHASES, Stretch
from sim.output import i18n
from sim.output.charts.fonts import use_chart_fonts
from sim.output.charts.style import DPI, save, set_titles, style_time_axis, to_x

PHASE_COLOURS = {
    "closed": "#bbbbbb",
    "preparing": "#E69F00",
    "queued": "#F0E442",
    "reviewing": "#CC79A7",
    "rectifying": "#D55E00",
    "ramping": "#56B4E9",
    "limited": "#0072B2",
    "full": "#009E73",
    "suspended": "#000000",
    "failed": "#7f3b08",
}
"""Colour of each phase (Okabe–Ito and greys: colour-blind safe; grey = not yet allowed)."""


def draw_gantt(
    stretches: Sequence[Stretch],
    replication: int,
    *,
    days: int,
    start: date | None,
    scenario: str,
    subtitle: str,
    out: Path,
    lang: str = "en",
) -> Path:
    """Chart the paths of the key firms in `replication` (firms in file order, top down)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    mine = [s for s in stretches if s.replication == replication]
    firms = list(dict.fromkeys(s.firm for s in mine))
    labels = {s.firm: s.label for s in mine}
    use_chart_fonts()
    fig = Figure(figsize=(9.0, 1.9 + 0.36 * max(len(firms), 1)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    lost: dict[str, float] = dict.fromkeys(firms, 0.0)
    for s in mine:
        row = firms.index(s.firm)
        x0 = to_x(float(s.from_day), start)
        ax.broken_barh(
            [(x0, s.to_day + 1 - s.from_day)],
            (row - 0.38, 0.76),
            facecolors=PHASE_COLOURS.get(s.phase, "#888888"),
            edgecolor="white",
            linewidth=0.4,
        )
        lost[s.firm] += s.lost_days
    for row, fid in enumerate(firms):
        ax.annotate(
            i18n.tr("gantt.lost", lang, days=f"{lost[fid]:.0f}"),
            (1.0, row),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(firms)), [labels[f] for f in firms], fontsize=8.5)
    ax.set_ylim(len(firms) - 0.5, -0.5)
    style_time_axis(ax, days, start, lang)
    ax.grid(False, axis="y")
    shown = [p for p in PHASES if any(s.phase == p for s in mine)]
    handles: list[Any] = [
        Patch(facecolor=PHASE_COLOURS[p], label=i18n.phase(p, lang)) for p in shown
    ]
    set_titles(ax, i18n.tr("gantt.title", lang, scenario=scenario), subtitle)
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(5, max(len(handles), 1)),
        frameon=False,
        fontsize=8.5,
    )
    return save(fig, out)
