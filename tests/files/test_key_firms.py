"""`key_firms.csv`: the key firms' paths, worked out on a two-firm park."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.files import key_firms
from sim.files.cells import lines
from sim.record import KEY_FIRMS, key_firm_numbers
from sim.scenario.errors import ScenarioError
from tests.model._park import firm, park, trace

FIRMS = [
    firm("a", tags=["backbone"], baseline_output=1.0, ramp_days=2),
    firm("b", baseline_output=5.0, name="华东精密"),
]
LOCKDOWN_THEN_CONTROLLED = {
    "days": 6,
    "level": [{"day": 0, "level": "lockdown"}, {"day": 2, "level": "controlled"}],
    "reopening": {"service_teams": 1, "review_days": 1, "ramp_days": 0},
}


def test_paths_of_two_firms_under_one_service_team() -> None:
    """Days 0–1 locked down; on day 2 both apply and the one team reviews the backbone
    firm a first (one day), then b; a ramps up over 2 days (half speed on day 3)."""
    t = trace(FIRMS, **LOCKDOWN_THEN_CONTROLLED)
    assert t.key_firms == ("a", "b")  # backbone first, though b is larger
    assert key_firms.rows([t], park(FIRMS, **LOCKDOWN_THEN_CONTROLLED))[1:] == [
        "0,a,,s,closed,,0,1,2",
        "0,a,,s,reviewing,,2,2,1",
        "0,a,,s,ramping,,3,3,0.5",
        "0,a,,s,full,,4,5,0",
        "0,b,华东精密,s,closed,,0,1,2",
        "0,b,华东精密,s,queued,,2,2,1",
        "0,b,华东精密,s,reviewing,,3,3,1",
        "0,b,华东精密,s,full,,4,5,0",
    ]


def test_an_open_firm_below_baseline_for_another_cause_is_limited_by_it() -> None:
    t = trace(FIRMS, **LOCKDOWN_THEN_CONTROLLED)
    t.series["key_firm_output"].values[5, 1] = 0.7
    t.series["key_firm_cause"].values[5, 1] = t.causes.index("labour")
    phase, cause, lost = key_firms.phases(t)
    assert key_firms.PHASES[phase[5, 1]] == "limited"
    assert t.causes[cause[5, 1]] == "labour"
    assert lost[5, 1] == pytest.approx(0.3)
    assert cause[4, 1] == -1  # full speed: no cause shown


def test_the_file_reads_back(tmp_path: Path) -> None:
    t = trace(FIRMS, **LOCKDOWN_THEN_CONTROLLED)
    path = tmp_path / key_firms.FILE
    path.write_text(lines(key_firms.rows([t], park(FIRMS, **LOCKDOWN_THEN_CONTROLLED))))
    got = key_firms.read(path)
    assert [s.label for s in got[4:5]] == ["华东精密 (b)"]
    assert got[2] == key_firms.Stretch(0, "a", "", "s", "ramping", "", 3, 3, 0.5)
    # every day of every key firm is in exactly one stretch
    for fid in ("a", "b"):
        days = [d for s in got if s.firm == fid for d in range(s.from_day, s.to_day + 1)]
        assert days == list(range(6))


def test_default_key_firms_backbone_then_above_scale_then_largest() -> None:
    ids = [f"f{i}" for i in range(15)]
    tags = [frozenset({"backbone"}) if i in (3, 9) else frozenset() for i in range(15)]
    above = np.array([i in (1, 2) for i in range(15)])
    base = np.array([float(i % 5) for i in range(15)])
    got = key_firm_numbers(ids, tags, above, base, [])
    # backbone 9 (4.0) before 3 (3.0); above-scale 2 before 1; then by size, ties by number
    assert list(got) == [9, 3, 2, 1, 4, 14, 8, 13, 7, 12, 6, 11][:KEY_FIRMS]
    assert list(key_firm_numbers(ids, tags, above, base, ["f7", "f0"])) == [7, 0]


def test_named_key_firms_are_followed_in_their_order() -> None:
    t = trace(FIRMS, **LOCKDOWN_THEN_CONTROLLED, reporting={"key_firms": ["b"]})
    assert t.key_firms == ("b",)


def test_a_key_firm_named_twice_is_refused() -> None:
    with pytest.raises((ScenarioError, ValueError), match="name each key firm once"):
        park(FIRMS, **LOCKDOWN_THEN_CONTROLLED, reporting={"key_firms": ["b", "b"]})
