"""What `parksim compare` prints after its table (issue 18.5–18.7), in English as
`comparison.md` says it and in Chinese (issue 17)."""

from __future__ import annotations

import datetime as dt

from sim.comparison import RobustEnd, Robustness
from sim.files.explain_md import relapse_rule as markdown_rule
from sim.output.compare_text import holds_back_table, relapse_rule, robustness_lines
from tests.files.test_explain_md import CMP, LOADS, NAMES, SOURCES
from tests.files.test_robustness import FLIPPED, LOW, NOMINAL


def test_the_rule_printed_in_english_is_the_one_comparison_md_says() -> None:
    for days, margin in ((3, 0.1), (3, None), (None, 0.2), (1, 0.05)):
        assert relapse_rule(days, margin) == markdown_rule(days, margin)
    zh = relapse_rule(3, 0.1, "zh")
    assert zh.startswith("恢复至80%天数：") and "连续3天" in zh and "70%" in zh


def test_each_option_is_printed_with_what_holds_it_back() -> None:
    printed = holds_back_table(CMP, SOURCES, LOADS, NAMES, None)
    assert printed[1] == ["teams", "North gate 2.72 (Δ +1.87 *)", "North gate: 43.4 trips (day 55)"]
    dated = holds_back_table(CMP, SOURCES, LOADS, NAMES, dt.date(2022, 4, 1), "zh")
    assert dated[0] == ["方案", "最大瓶颈（基期日，Δ）", "最繁忙的物流中转站：排队峰值"]
    assert dated[1][2] == "North gate：43.4 车次（5月26日）"


def test_a_ranking_that_holds_is_said_so() -> None:
    rob = Robustness(NOMINAL, (RobustEnd("k", "low", "1", LOW), RobustEnd("k", "high", "3", LOW)))
    assert robustness_lines(rob)[1:] == [
        "  ranking as given: teams > second > baseline",
        "  the ranking holds at every end",
        "  every difference from the baseline keeps its sign",
    ]
    assert robustness_lines(rob, "zh")[2] == "  各端点下排名均不变"


def test_a_flip_is_named_with_where_it_happens() -> None:
    end = RobustEnd("logistics.truck_load", "high", "20", FLIPPED)
    rob = Robustness(NOMINAL, (RobustEnd("logistics.truck_load", "low", "5", LOW), end))
    lines = robustness_lines(rob)
    assert "  ranking changes at logistics.truck_load = 20: second > baseline > teams" in lines
    assert lines[-1].startswith("  differences that change sign: Δ lost output of teams (at")
    zh = robustness_lines(rob, "zh")
    assert zh[-1].startswith("  符号改变的差值：teams的Δ 损失产出（在 logistics.truck_load = 20")
