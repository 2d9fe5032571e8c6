"""The robustness table of `parksim compare --robust` (issue 18.7): ranking at each end,
which differences keep their sign, in `robustness.csv`, comparison.md and on screen
(`tests/output/test_compare_text.py`)."""

from __future__ import annotations

from sim.comparison import RobustEnd, Robustness
from sim.files.robustness import (
    COLUMNS,
    differences_table,
    ranking_table,
    rows,
    verdict,
)
from tests.test_comparison import _cmp

NOMINAL = _cmp(
    {"baseline": 40, "teams": 35, "second": 39}, {"baseline": 46, "teams": 36, "second": 45}
)
LOW = _cmp({"baseline": 42, "teams": 38, "second": 41}, {"baseline": 48, "teams": 40, "second": 47})
FLIPPED = _cmp(
    {"baseline": 38, "teams": 39, "second": 36}, {"baseline": 44, "teams": 44, "second": 40}
)


def test_a_ranking_that_holds_is_said_so() -> None:
    rob = Robustness(NOMINAL, (RobustEnd("k", "low", "1", LOW), RobustEnd("k", "high", "3", LOW)))
    assert ranking_table(rob) == [
        ["rank", "as given", "k = 1", "k = 3"],
        ["1", "teams", "teams", "teams"],
        ["2", "second", "second", "second"],
        ["3", "baseline", "baseline", "baseline"],
    ]
    assert verdict(rob, "teams", "lost_output_days") == "yes, significant everywhere"


def test_a_flip_is_named_with_where_it_happens() -> None:
    end = RobustEnd("logistics.truck_load", "high", "20", FLIPPED)
    rob = Robustness(NOMINAL, (RobustEnd("logistics.truck_load", "low", "5", LOW), end))
    assert verdict(rob, "teams", "lost_output_days") == "no: logistics.truck_load = 20"
    table = differences_table(rob)
    assert table[0] == [
        "option", "difference", "as given", "logistics.truck_load = 5",
        "logistics.truck_load = 20", "keeps its sign",
    ]  # fmt: skip
    assert table[1] == [
        "teams",
        "Δ lost output",
        "-5.0 *",
        "-4.0 *",
        "+1.0 *",
        "no: logistics.truck_load = 20",
    ]


def test_the_csv_has_a_row_per_run_option_and_metric() -> None:
    rob = Robustness(NOMINAL, (RobustEnd("k", "high", "3", FLIPPED),))
    out = rows(rob)
    assert out[0] == list(COLUMNS)
    assert len(out) == 1 + 2 * 3 * 2
    by = {(r[1], r[3], r[5]): r for r in out[1:]}
    teams_high = by[("high", "teams", "lost_output_days")]
    assert teams_high[:5] == ["k", "high", "3", "teams", "3"]
    assert (teams_high[7], teams_high[12]) == ("1", "false")
    assert by[("as_given", "teams", "lost_output_days")][12] == "true"
    assert by[("high", "baseline", "days_to_80")][12] == ""
