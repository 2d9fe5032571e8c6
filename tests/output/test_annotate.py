"""What a recovery chart says about "days to 80 %": the sustain rule beside the figure
and a ▼ at every relapse after reaching 80 % (issue 18.6)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.files.comparison import Stat
from sim.files.summary import RunSummary
from sim.output.annotate import relapse_label, relapse_marks, sustain_rule


def _axes() -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _summary(relapses: dict[str, Any] | None, sustain: int = 3) -> RunSummary:
    raw: dict[str, Any] = {"sustain_days": sustain}
    if relapses is not None:
        raw["relapses"] = {"days_to_80": relapses}
    return RunSummary("demo", 1, 3, 30, None, raw=raw)


ENTRY = {"level": 0.8, "margin": 0.1, "n": 3, "reached": 2, "relapsed": 1, "days": [12, None, None]}


def test_the_sustain_rule_is_said_in_words() -> None:
    assert sustain_rule(80, 3) == "80 % reached: first day capacity holds ≥ 80 % for 3 days"
    assert sustain_rule(80, 1) == "80 % reached: first day capacity is ≥ 80 %"


def test_a_relapse_is_marked_at_level_minus_margin_on_its_day() -> None:
    ax = _axes()
    handles = relapse_marks(ax, _summary(ENTRY), n_days=30, start=None)
    labels = [h.get_label() for h in handles]
    assert labels == [
        "80 % reached: first day capacity holds ≥ 80 % for 3 days",
        "relapse ▼: 1 of 2 runs fell below 70 % after reaching 80 %",
    ]
    (line,) = ax.lines
    assert line.get_marker() == "v"
    np.testing.assert_allclose(line.get_xydata(), [[12.5, 0.7]])


def test_dates_and_days_outside_the_run() -> None:
    ax = _axes()
    entry = {**ENTRY, "relapsed": 2, "days": [12, 40]}
    relapse_marks(ax, _summary(entry), n_days=30, start=date(2022, 4, 1))
    (line,) = ax.lines
    assert len(line.get_xdata()) == 1  # day 40 is past the 30 days drawn


def test_no_relapse_is_said_too_and_an_old_summary_gets_the_rule_only() -> None:
    ax = _axes()
    handles = relapse_marks(
        ax, _summary({**ENTRY, "relapsed": 0, "days": [None] * 3}), n_days=30, start=None
    )
    assert (
        handles[-1].get_label() == "no relapse: none of 2 runs fell below 70 % after reaching 80 %"
    )
    assert len(ax.lines) == 0
    assert len(relapse_marks(_axes(), _summary(None), n_days=30, start=None)) == 1


def test_a_comparison_legend_says_how_many_relapsed() -> None:
    def stat(mean: float, n: int) -> Stat:
        nan = float("nan")
        return Stat("teams", "relapsed_80", mean, nan, nan, n, nan, nan, nan, 0, False)

    assert relapse_label(stat(0.7, 10)) == "; relapsed 7/10"
    assert relapse_label(stat(0.0, 10)) == ""
    assert relapse_label(stat(float("nan"), 0)) == ""
    assert relapse_label(None) == ""


@pytest.mark.parametrize("relapsed", [0, 1])
def test_the_recovery_chart_draws_with_relapses(tmp_path: Path, relapsed: int) -> None:
    from sim.output.charts.recovery import draw_recovery

    days = 30
    cap = np.tile(np.linspace(0.2, 0.9, days), (3, 1))
    entry = {**ENTRY, "relapsed": relapsed, "days": [12 if relapsed else None, None, None]}
    out = draw_recovery({("capacity", "park"): cap}, _summary(entry), tmp_path / "r.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
