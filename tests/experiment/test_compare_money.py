"""Relief options report the output they save per unit of money."""

from __future__ import annotations

import pytest

from sim.comparison import OptionRuns, compare
from sim.metrics import SAVED_PER_MONEY


def _runs(name, spent, lost):
    return OptionRuns(
        name=name,
        metrics={
            r: {"relief_spent": s, "lost_output_value": v}
            for r, (s, v) in enumerate(zip(spent, lost, strict=True))
        },
        causes={r: {} for r in range(len(spent))},
    )


def test_output_saved_per_money_is_paired_saving_over_paired_spending() -> None:
    base = _runs("baseline", [0, 0, 0], [100, 120, 110])
    relief = _runs("relief", [10, 20, 30], [90, 100, 110])  # saves 10 + 20 + 0 for 60
    cmp = compare([base, relief])
    assert cmp.row("relief", SAVED_PER_MONEY).mean == pytest.approx(30 / 60)
    assert cmp.row("baseline", SAVED_PER_MONEY).mean is None  # no extra money, no ratio
