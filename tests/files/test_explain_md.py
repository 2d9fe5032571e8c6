"""comparison.md explains itself: relapses flagged in the table, the sustain rule said
under it, each option's bottlenecks and station queues by name (issue 18.5, 18.6)."""

from __future__ import annotations

import datetime as dt

from sim.comparison import Comparison, Row, SourceRow, StationLoad
from sim.files.comparison_md import main_table
from sim.files.explain_md import (
    bottlenecks_table,
    relapse_note,
    relapse_rule,
    stations_table,
)


def _row(option: str, metric: str, mean: float | None, n: int) -> Row:
    return Row(option, metric, mean, None, n, None, None, 0, False)


CMP = Comparison(
    "baseline",
    ("baseline", "teams"),
    ("days_to_80", "lost_output_days", "relapsed_80"),
    (
        _row("baseline", "days_to_80", 46.0, 10),
        _row("teams", "days_to_80", 36.0, 10),
        _row("baseline", "lost_output_days", 40.0, 10),
        _row("teams", "lost_output_days", 35.0, 10),
        _row("baseline", "relapsed_80", 0.0, 10),
        _row("teams", "relapsed_80", 0.7, 10),
    ),
    10,
)


def test_a_relapse_is_flagged_in_the_main_table() -> None:
    table = main_table(CMP, dt.date(2022, 4, 1))
    cells = {row[1]: row[2] for row in table[1:]}
    assert cells["teams"] == "36.0 (7 May), relapsed 7/10"
    assert cells["baseline"] == "46.0 (17 May)"  # none relapsed: nothing added
    assert relapse_note(None) == "" and relapse_note(_row("x", "relapsed_80", None, 0)) == ""


def test_the_rule_is_said_under_the_table() -> None:
    assert relapse_rule(3, 0.1) == (
        "Days to 80 %: first day capacity reaches 80 % and holds it for 3 days; relapsed "
        "k/n: k of the n replications reaching it fell below 70 % later (more than 10 points "
        "back)."
    )
    assert (
        relapse_rule(3, None)
        == "Days to 80 %: first day capacity reaches 80 % and holds it for 3 days."
    )


SOURCES = (
    SourceRow("baseline", 1, "station", "north", 0.85, None, None, None, 0, False),
    SourceRow("baseline", 2, "park_firm", "elec8", 0.53, None, None, None, 0, False),
    SourceRow("teams", 1, "station", "north", 2.72, None, 1.87, (1.2, 2.5), 10, True),
    SourceRow("teams", 2, "supplier", "chipco", 0.49, None, 0.24, (0.1, 0.4), 10, True),
    SourceRow("teams", 3, "park_firm", "elec8", 0.0, None, -0.53, (-1.0, 0.0), 10, False),
)
NAMES = {"station": {"north": "North gate"}, "supplier": {"chipco": "Chip maker"}}
LOADS = (
    StationLoad("baseline", "north", 35.2, 56, 5.7, 296, 1.8),
    StationLoad("teams", "north", 43.4, 55, 8.6, 330, 2.5),
)


def test_each_option_names_what_holds_it_back() -> None:
    table = bottlenecks_table(SOURCES, NAMES, ["teams", "baseline"], "baseline")
    assert table[1] == ["teams", "North gate 2.72 (Δ +1.87 *)", "Chip maker 0.49 (Δ +0.24 *)", "—"]
    assert table[2] == ["baseline", "North gate 0.85", "elec8 0.53", "—"]  # the id when no name
    stations = stations_table(LOADS, NAMES, ["teams", "baseline"], dt.date(2022, 4, 1))
    assert stations[1] == ["teams", "North gate", "43.4 (26 May)", "8.6", "330", "2.5"]
