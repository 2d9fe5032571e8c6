"""Cash, relief and failures on tiny parks whose outcome is worked out on paper.

Firms have baseline 1 and, unless a test says otherwise, costs 0.125 fixed +
0.125 wages a day (so `cash_days: 10` is 2.5 of cash; binary-exact numbers, so
days of cash run out exactly) and no revenue (margin 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.finance import Finance
from sim.model.state import FirmState
from sim.model.world import World, run
from sim.scenario.load import load_scenario
from tests.model._park import DEMO, firm, lost, park, supplier, trace

NO_REVENUE = {"margin": 0.0, "fixed_cost_share": 0.125, "wage_share": 0.125}
LOCKED = "lockdown"  # not white-listed: closed all run, no revenue in any case


def _failed_day(tr) -> int | None:
    """First day whose output is lost to `failed` (the firm is out of business)."""
    hits = np.flatnonzero(lost(tr, "failed") > 0)
    return int(hits[0]) if len(hits) else None


@pytest.mark.parametrize("grace", [1, 5, 14])
def test_ten_days_of_cash_and_no_revenue_fails_on_day_ten_plus_grace(grace) -> None:
    tr = trace(
        [firm("a", cash_days=10)],
        days=40,
        level=LOCKED,
        finance={**NO_REVENUE, "grace_days": grace},
    )
    assert _failed_day(tr) == 10 + grace
    assert tr.cash_negative[9] == 0 and tr.cash_negative[10] == 1
    np.testing.assert_allclose(lost(tr, "failed")[10 + grace :], 1.0)


def test_rent_waiver_that_halves_fixed_cost_doubles_the_runway() -> None:
    fin = {"margin": 0.0, "fixed_cost_share": 0.25, "wage_share": 0.0, "grace_days": 3}
    base = trace([firm("a", cash_days=10)], days=60, level=LOCKED, finance=fin)
    waiver = {"id": "rent", "kind": "rent_waiver", "share": 0.5, "days": 100}
    helped = trace(
        [firm("a", cash_days=10)],
        days=60,
        level=LOCKED,
        finance={**fin, "relief": {"measures": [waiver]}},
    )
    assert _failed_day(base) == 10 + 3
    assert _failed_day(helped) == 20 + 3
    # the waiver paid half the fixed cost (0.125 a day) for the 23 days the firm lived
    assert helped.relief_spent[-1] == pytest.approx(0.125 * 23)


def test_failed_supplier_customers_lose_the_input_until_their_alternative_starts() -> None:
    firms = [
        firm("s", cash_days=3, initially_open=True),
        firm(
            "c",
            sector="t",
            initially_open=True,
            inputs=[
                {"good": "g", "from": "s", "per_output": 1, "stock_days": 2, "alternative": "x"}
            ],
        ),
    ]
    kw = {
        "days": 30,
        "suppliers": [supplier("x", lead=1)],
        "finance": {**NO_REVENUE, "grace_days": 1, "switch_days": 5},
    }
    tr = trace(firms, **kw)
    # s: 0.75 of cash, below zero at the end of day 3, out of business from day 4
    assert _failed_day(tr) == 4
    c = tr.output_sector[:, tr.sectors.index("t")]
    # c lives on its last delivery and 2 days of stock to day 5, starves from day 6,
    # switches to x 5 days after s failed (day 9) and gets goods a day later
    np.testing.assert_allclose(c[:6], 1.0)
    np.testing.assert_allclose(c[6:10], 0.0)
    np.testing.assert_allclose(c[10:], 1.0)
    np.testing.assert_allclose(lost(tr, "input:g")[6:10], 0.5)  # half the park (c)
    # without an alternative it never recovers
    firms[1]["inputs"][0].pop("alternative")
    c2 = trace(firms, **kw).output_sector[:, 1]
    np.testing.assert_allclose(c2[6:], 0.0)


def test_budget_cap_is_never_exceeded() -> None:
    firms = [
        firm(f"f{i}", cash_days=30, staff=10, tags=["backbone"] if i < 2 else []) for i in range(6)
    ]
    subsidy = {"id": "jobs", "kind": "wage_subsidy", "per_worker_per_day": 0.05, "days": 50}
    tr = trace(
        firms,
        days=40,
        level=LOCKED,
        finance={**NO_REVENUE, "relief": {"budget": 7.0, "measures": [subsidy]}},
        reopening={"priority": ["backbone"], "fail_prob": 0.0, "ramp_days": 0},
    )
    spent = tr.relief_spent
    assert np.all(spent <= 7.0 + 1e-9)
    assert spent[-1] == pytest.approx(7.0)  # 6 firms × 0.5 a day: gone on day 3
    assert np.all(np.diff(spent) >= 0)


def test_budget_goes_to_priority_firms_first() -> None:
    # costs 0.25 a day each, cash 1.25 each; a budget of 0.375 pays the key firm's
    # full day (0.25) and half of the other's: key runs out a day later, fails later
    firms = [firm("small", cash_days=5), firm("key", cash_days=5, tags=["backbone"])]
    subsidy = {"id": "jobs", "kind": "tax_cut", "share": 1.0, "days": 100}
    w = World(
        park(
            firms,
            days=7,
            level=LOCKED,
            finance={
                **NO_REVENUE,
                "grace_days": 2,
                "relief": {"budget": 0.375, "measures": [subsidy]},
            },
            reopening={"priority": ["backbone"], "fail_prob": 0.0, "ramp_days": 0},
        ),
        0,
    )
    w.run()
    assert w.state[w.firms.index["small"]] == FirmState.FAILED
    assert w.state[w.firms.index["key"]] != FirmState.FAILED
    assert w.get(Finance).spent == pytest.approx(0.375)


def test_credit_line_is_reviewed_by_a_service_team_and_adds_runway() -> None:
    credit = {"id": "loan", "kind": "credit_line", "amount_days": 20, "days": 100}
    fin = {**NO_REVENUE, "grace_days": 1}
    base = trace([firm("a", cash_days=12)], days=60, level=LOCKED, finance=fin)
    helped = trace(
        [firm("a", cash_days=12)],
        days=60,
        level=LOCKED,
        reopening={"review_days": 2, "fail_prob": 0.0, "ramp_days": 0},
        finance={**fin, "relief": {"measures": [credit]}},
    )
    assert _failed_day(base) == 13
    # applies when cash < 10 days of costs (end of day 2), a 2-day review, 20 days more
    assert _failed_day(helped) == 33
    assert helped.relief_spent[-1] == pytest.approx(20 * 0.25)


def test_relief_only_overlay_leaves_outbreak_and_workforce_draws_unchanged() -> None:
    sets = ["finance.cash_days=20", "outbreaks.rate_per_1000_staff_day=0.3"]
    base = load_scenario(DEMO, sets=sets)
    relief = load_scenario(
        DEMO,
        sets=[
            *sets,
            "finance.relief.measures=[{id: rent, kind: rent_waiver, share: 0.8, days: 90}]",
        ],
    )
    for rep in range(3):
        a, b = World(base, rep), World(relief, rep)
        ta, tb = a.run(), b.run()
        assert tb.relief_spent[-1] > 0 and ta.relief_spent[-1] == 0
        assert (
            tb.state_counts[-1, tb.states.index("failed")]
            < ta.state_counts[-1, ta.states.index("failed")]
        )
        for mech in ("outbreaks", "workforce", "review", "reopening", "supply"):
            assert a.rng(mech).bit_generator.state == b.rng(mech).bit_generator.state, mech
        np.testing.assert_array_equal(ta.workforce[:, -1], tb.workforce[:, -1])


def test_without_cash_nobody_fails_and_no_relief_is_paid() -> None:
    subsidy = {"id": "jobs", "kind": "wage_subsidy", "per_worker_per_day": 1, "days": 50}
    tr = run(
        park(
            [firm("a", staff=5)],
            days=30,
            level=LOCKED,
            finance={**NO_REVENUE, "relief": {"measures": [subsidy]}},
        ),
        0,
    )
    assert _failed_day(tr) is None
    assert tr.relief_spent[-1] == 0
