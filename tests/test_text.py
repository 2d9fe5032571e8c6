"""Terminal columns: Chinese characters take two, so tables line up in both languages."""

from __future__ import annotations

from sim.files.comparison_md import render_table
from sim.text import columns, pad


def test_a_chinese_character_takes_two_columns() -> None:
    assert columns("甲厂a") == 5
    assert columns("") == 0
    assert pad("复工率", 8) == "复工率  "  # three characters, six columns
    assert pad("7", 3, right=True) == "  7"
    assert pad("toolong", 3) == "toolong"


def test_the_comparison_table_lines_up_with_chinese_cells() -> None:
    table = render_table([["方案", "天数"], ["基线", "12"], ["ab", "7"]])
    lines = table.splitlines()
    assert len({columns(line) for line in lines}) == 1, table
    bars = [[i for i, c in enumerate(_as_columns(line)) if c == "|"] for line in lines]
    assert all(b == bars[0] for b in bars), table


def _as_columns(line: str) -> list[str]:
    """Each terminal column of `line` (a wide character fills two)."""
    out: list[str] = []
    for c in line:
        out.extend([c] * columns(c))
    return out
