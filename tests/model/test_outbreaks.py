"""Cases at operating firms: suspensions, closed-loop relief, isolation, zone escalation.

With a huge rate every operating firm with staff on post has a case every day
it operates, which makes the suspension cycle deterministic: a case found at the
close of day d suspends the firm from day d+1 for `suspension_days` days.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.controls import Controls
from sim.model.outbreaks import Outbreaks
from sim.model.requests import LevelRaise
from sim.model.shared import clean_days
from sim.model.workforce import Workforce
from sim.model.world import run
from sim.scenario.load import load_scenario
from sim.scenario.schema import MAX_CASE_RATE
from tests.model._park import check_invariants, firm, lost, only_cause, trace, world

HUGE = MAX_CASE_RATE
"""Cases per 1,000 staff-days, the largest allowed (a case per worker per day): with 10
staff on post a firm has no case on e^-10 of its days, which these seeds never meet."""


def outbreaks(**kw) -> dict:
    return {"rate_per_1000_staff_day": HUGE, "isolated_per_case": 0, **kw}


def test_zero_rate_means_no_case_and_no_suspension_ever():
    firms = [firm(f"f{i}", staff=500, closed_loop=i % 2 == 0) for i in range(4)]
    tr = trace(firms, days=60, outbreaks={"rate_per_1000_staff_day": 0.0})
    assert tr.cases.sum() == 0
    assert tr.state_counts[:, tr.states.index("suspended")].sum() == 0
    np.testing.assert_array_equal(tr.capacity, 1.0)


def test_zero_rate_on_the_demo_park(demo_path):
    park = load_scenario(demo_path, sets=["outbreaks.rate_per_1000_staff_day=0"])
    tr = run(park, replication=0)
    assert tr.cases.sum() == 0
    assert tr.state_counts[:, tr.states.index("suspended")].sum() == 0
    np.testing.assert_array_equal(lost(tr, "suspended"), 0.0)


def test_a_huge_rate_suspends_every_operating_firm_in_a_seven_day_cycle():
    # Day 0 full; case → suspended days 1–7 (until 0+1+7 = 8); back on day 8 and
    # hit again that evening; suspended 9–15; back on 16, ...
    firms = [firm(f"f{i}", staff=10) for i in range(3)] + [firm("idle", staff=0)]
    tr = trace(firms, days=20, outbreaks=outbreaks(suspension_days=7))
    open_days = [0, 8, 16]
    per_firm = np.array([1.0 if d in open_days else 0.0 for d in range(20)])
    # three firms cycle; the firm with nobody on post never has a case
    np.testing.assert_allclose(tr.capacity, (3 * per_firm + 1) / 4, rtol=0, atol=1e-15)
    # state counts are taken at the close of the day, after that day's cases:
    # the three firms already count as suspended on the days they last ran
    susp = tr.state_counts[:, tr.states.index("suspended")]
    np.testing.assert_array_equal(susp, 3)
    np.testing.assert_array_equal(tr.resumption, (3 * per_firm + 1) / 4)
    np.testing.assert_allclose(lost(tr, "suspended"), 3 * (1 - per_firm) / 4)
    np.testing.assert_array_equal(tr.cases > 0, per_firm > 0)
    check_invariants(tr)


def test_closed_loop_firms_get_the_shorter_suspension():
    # closed-loop: 3 days (back on days 4, 8, ...); the other: 7 days (back on 8).
    firms = [firm("loop", staff=10, closed_loop=True), firm("open", staff=10)]
    cfg = outbreaks(suspension_days=7, closed_loop_suspension_days=3)
    w = world(firms, days=13, outbreaks=cfg)
    tr = w.run()
    loop = np.array([d % 4 == 0 for d in range(13)], dtype=float)
    other = np.array([d % 8 == 0 for d in range(13)], dtype=float)
    np.testing.assert_allclose(tr.capacity, (loop + other) / 2, rtol=0, atol=1e-15)


def test_a_fractional_suspension_ends_at_the_next_whole_day():
    # 2.5 days from t=1 ends at 3.5: the firm is back on day 4.
    tr = trace([firm("a", staff=10)], days=6, outbreaks=outbreaks(suspension_days=2.5))
    np.testing.assert_array_equal(tr.capacity, [1, 0, 0, 0, 1, 0])


def test_suspended_output_share_keeps_closed_loop_firms_partly_running():
    # The closed-loop firm keeps 0.4 while suspended; it still operates, so it
    # keeps having cases and stays suspended. The other firm stops (7 days).
    firms = [firm("loop", staff=10, closed_loop=True), firm("open", staff=10)]
    cfg = outbreaks(suspended_output_share=0.4, closed_loop_suspension_days=3)
    tr = trace(firms, days=10, outbreaks=cfg)
    loop = np.array([1.0] + [0.4] * 9)
    other = np.array([1.0] + [0.0] * 7 + [1.0, 0.0])
    np.testing.assert_allclose(tr.capacity, (loop + other) / 2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(lost(tr, "suspended"), 1 - tr.capacity, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(tr.resumption, [1.0] + [0.5] * 7 + [1.0, 0.5])


def test_closed_loop_factor_zero_protects_closed_loop_firms():
    firms = [firm("loop", staff=1000, closed_loop=True)]
    cfg = {"rate_per_1000_staff_day": 5.0, "closed_loop_factor": 0.0}
    tr = trace(firms, days=40, outbreaks=cfg)
    assert tr.cases.sum() == 0
    np.testing.assert_array_equal(tr.capacity, 1.0)


def test_isolation_keeps_close_contacts_off_post_for_isolation_days():
    # 10 staff, every case isolates 10: all staff off post from day 1 for 14 days
    # (days 1–14). Suspended days 1–7; open but with nobody on post days 8–14
    # (labour, and no cases since nobody is there); full again on day 15.
    cfg = outbreaks(suspension_days=7, isolated_per_case=10, isolation_days=14)
    tr = trace([firm("a", staff=10)], days=31, outbreaks=cfg)
    cycle = [1.0] + [0.0] * 14
    np.testing.assert_array_equal(tr.capacity, cycle * 2 + [1.0])
    for start in (0, 15):
        assert np.all(only_cause(tr, "suspended")[start + 1 : start + 8])
        assert np.all(only_cause(tr, "labour")[start + 8 : start + 15])
    np.testing.assert_array_equal(tr.cases > 0, tr.capacity > 0)


def test_each_case_isolates_its_close_contacts_up_to_the_headcount():
    # 100 staff at rate 20/1000/day: about 2 cases a day; 3 contacts per case.
    cfg = {"rate_per_1000_staff_day": 20.0, "isolated_per_case": 3}
    hits = 0
    for rep in range(10):
        w = world([firm("a", staff=100)], replication=rep, days=1, outbreaks=cfg)
        w.run()
        cases = w.get(Outbreaks).cases_today[0]
        assert w.get(Workforce).isolated[0] == 3 * cases
        hits += cases > 0
    assert hits >= 5
    cfg = outbreaks(isolated_per_case=10_000)
    w = world([firm("a", staff=100)], days=1, outbreaks=cfg)
    w.run()
    assert w.get(Workforce).isolated[0] == 100


def test_zero_isolation_days_isolate_nobody():
    # No suspension (0 days: back the next day), every case would isolate all 10
    # staff, but for zero days: the firm runs at full output every day.
    cfg = outbreaks(suspension_days=0, isolated_per_case=10, isolation_days=0)
    tr = trace([firm("a", staff=10)], days=6, outbreaks=cfg)
    assert np.all(tr.cases > 0)
    np.testing.assert_array_equal(tr.capacity, 1.0)


def test_one_isolation_day_keeps_contacts_off_post_for_one_day():
    # Same, isolating for 1 day: off post on days 1, 3, 5 (no one on post → no
    # case on those days, so the next day is clean).
    cfg = outbreaks(suspension_days=0, isolated_per_case=10, isolation_days=1)
    tr = trace([firm("a", staff=10)], days=6, outbreaks=cfg)
    np.testing.assert_array_equal(tr.capacity, [1, 0, 1, 0, 1, 0])
    assert np.all(only_cause(tr, "labour")[1::2])


def test_a_case_resets_the_clean_days_clock():
    w = world([firm("a", staff=10)], days=3, outbreaks=outbreaks(suspension_days=1))
    assert clean_days(w.shared.last_case, 0)[0] >= 1e9
    w.run()
    # cases at the close of days 0 and 2 (open on 0, 2; suspended on 1)
    assert w.shared.last_case[0] == 2
    assert clean_days(w.shared.last_case, 5)[0] == 3


@pytest.mark.parametrize("raise_to, halted", [("lockdown", True), ("normal", False)])
def test_raise_level_raises_the_zone_after_cases(raise_to, halted):
    # Controlled zone. 'sick' has staff and a case every day it runs (7-day
    # suspension); 'bystander' (no staff, not closed-loop) never has a case but
    # may not operate while the zone is raised to lockdown. One case in one day
    # raises the zone for 5 days: day 0's case → days 1–5; day 8's → days 9–13.
    rule = {"cases": 1, "window_days": 1, "level": raise_to, "days": 5}
    firms = [firm("sick", staff=10, initially_open=True), firm("bystander", initially_open=True)]
    w = world(firms, days=16, level="controlled", outbreaks=outbreaks(raise_level=rule))
    tr = w.run()
    raised = np.array([1 <= d <= 5 or 9 <= d <= 13 for d in range(16)])
    if halted:
        np.testing.assert_allclose(lost(tr, "not_allowed"), raised / 2)
    else:  # a milder level never lowers the zone's level
        assert lost(tr, "not_allowed").sum() == 0
    sick = np.array([d in (0, 8) for d in range(16)], dtype=float)
    np.testing.assert_allclose(tr.capacity, (sick + (~raised if halted else 1)) / 2)


def test_raise_level_counts_cases_over_its_window():
    # 2 cases within a 3-day window raise the zone for 5 days. Feed the zone's
    # daily case counts to the escalation rule directly; the raise it asks for is
    # applied by controls when the next day opens.
    rule = {"cases": 2, "window_days": 3, "level": "lockdown", "days": 5}
    w = world([firm("a")], days=1, level="controlled", outbreaks={"raise_level": rule})
    cases, controls = w.get(Outbreaks), w.get(Controls)
    for d, n in enumerate([1, 0, 0, 1]):  # never 2 within 3 days
        cases._escalate(d, np.array([n, 0]))
    assert w.board.pending(LevelRaise) == 0
    cases._escalate(4, np.array([1, 0]))  # days 3 and 4: 2 cases
    assert w.board.pending(LevelRaise) == 1
    controls.open_day(5)
    assert controls.raised_until[0] == 4 + 1 + 5
    assert controls.levels.names[controls.raised_level[0]] == "lockdown"
    assert controls.raised_until[1] == -1.0  # the outside region is untouched
    assert controls.levels.names[controls.levels.current[0]] == "lockdown"


def test_only_staff_on_post_can_be_isolated():
    # 100 staff, 40 migrants away until a chartered bus brings them on day 3. The
    # day-0 case isolates every close contact, but only the 60 locals were at work:
    # the 40 migrants are on post from day 3 while the locals stay isolated (days
    # 1–14). No suspension; after day 0 the 40 on post keep having cases, but the
    # locals are already isolated and the migrants are the only ones left.
    wf = {"migrant_return": [{"day": 0, "share": 0}], "chartered_buses": [{"day": 3, "seats": 40}]}
    cfg = outbreaks(suspension_days=0, isolated_per_case=1000, isolation_days=14)
    w = world([firm("a", staff=100, migrant_share=0.4)], days=4, workforce=wf, outbreaks=cfg)
    tr = w.run()
    np.testing.assert_array_equal(tr.capacity, [0.6, 0, 0, 0.4])
    assert w.get(Workforce).isolated[0] == 100  # the migrants' own case on day 3 isolates them too


# --- the rate over time: a schedule and routine testing ------------------------------


def test_rate_factor_by_hand():
    # schedule: 0 on day 0, rising linearly to 1 on day 10 (0.4 on day 4) and 3 on day 20
    # (1.8 on day 14), then flat; testing from day 5 covers half the staff and prevents
    # 80 % of their cases (× 0.6), and from day 14.5, that is from day 15, everyone's
    # (× 0)
    cfg = {
        "rate_schedule": [
            {"day": 0, "factor": 0},
            {"day": 10, "factor": 1},
            {"day": 20, "factor": 3},
        ],
        "testing": [
            {"day": 5, "coverage": 0.5, "effect": 0.8},
            {"day": 14.5, "coverage": 1, "effect": 1},
        ],
    }
    ob = world([firm("a")], outbreaks=cfg).get(Outbreaks)
    got = [ob.rate_factor(d) for d in (0, 4, 5, 10, 14, 15, 25)]
    assert got == pytest.approx([0, 0.4, 0.5 * 0.6, 0.6, 1.8 * 0.6, 0, 0])
    # before the first point the base rate holds; after the last, the last factor
    late = world([firm("a")], outbreaks={"rate_schedule": [{"day": 5, "factor": 2}]})
    assert [late.get(Outbreaks).rate_factor(d) for d in (0, 4, 5, 9)] == [1, 1, 2, 2]
    assert world([firm("a")]).get(Outbreaks).rate_factor(7) == 1.0


def test_full_testing_makes_cases_impossible_from_its_first_day():
    # A case every day a firm with staff runs (huge rate), no suspension: cases on
    # every day until testing of everyone, fully effective, starts on day 3. The
    # untested days are the same draws in both runs (common random numbers).
    cfg = outbreaks(suspension_days=0)
    firms = [firm(f"f{i}", staff=10) for i in range(3)]
    base = trace(firms, days=8, outbreaks=cfg)
    tested = trace(
        firms, days=8, outbreaks={**cfg, "testing": [{"day": 3, "coverage": 1, "effect": 1}]}
    )
    assert np.all(base.cases > 0)
    np.testing.assert_array_equal(tested.cases[:3], base.cases[:3])
    np.testing.assert_array_equal(tested.cases[3:], 0)


def test_testing_halves_the_expected_cases_with_the_same_draws():
    # 2,000 firms of 10 staff at 10 cases per 1,000 staff-days: 0.1 expected cases per
    # firm on day 0, 200 in all (Poisson, sd 14); testing half the staff with full
    # effect halves the rate: 100 (sd 10). The same uniforms decide both runs, so every
    # firm with a case under testing has one without it too, and the outbreaks
    # stream is left in the same state.
    firms = [firm(f"f{i}", staff=10) for i in range(2000)]
    cfg = {"rate_per_1000_staff_day": 10.0, "isolated_per_case": 0}
    testing = {**cfg, "testing": [{"day": 0, "coverage": 0.5, "effect": 1.0}]}
    runs = []
    for c in (cfg, testing):
        w = world(firms, days=1, outbreaks=c)
        w.run()
        ob = w.get(Outbreaks)
        runs.append((ob.cases_today.copy(), ob.rng.bit_generator.state))
    (base, state_base), (tested, state_tested) = runs
    assert abs(base.sum() - 200) < 4 * 14.2
    assert abs(tested.sum() - 100) < 4 * 10
    assert tested.sum() < base.sum()
    assert np.all(base[tested > 0] > 0)
    assert state_base == state_tested


def test_a_rate_schedule_and_testing_that_change_nothing_keep_every_number():
    # factor 1 everywhere and testing with no effect: bit-identical to no schedule
    firms = [firm(f"f{i}", staff=40, closed_loop=i == 0) for i in range(4)]
    cfg = {"rate_per_1000_staff_day": 8.0, "suspension_days": 3}
    same = {
        **cfg,
        "rate_schedule": [{"day": 0, "factor": 1}, {"day": 9, "factor": 1}],
        "testing": [{"day": 2, "coverage": 1, "effect": 0}],
    }
    a = trace(firms, days=30, outbreaks=cfg)
    b = trace(firms, days=30, outbreaks=same)
    assert a.cases.sum() > 0
    for name in ("cases", "output", "lost", "state_counts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


# --- ramping up again after a suspension -------------------------------------------

ONE_CASE_ON_DAY_0 = outbreaks(
    suspension_days=7, rate_schedule=[{"day": 0, "factor": 1}, {"day": 1, "factor": 0}]
)
"""A case at every firm with staff on day 0 (huge rate), none after (factor 0 from day 1)."""


@pytest.mark.parametrize("again", [False, True])
def test_a_firm_back_from_a_suspension_ramps_up_again(again):
    # Open from the start, ramp 4 days. Day 0's case shuts it on days 1–7; it is back
    # on day 8: at full speed (as before), or ramping 1/4, 2/4, 3/4 on days 8–10 and
    # full from day 11, the shortfall blamed on `ramp_up`.
    cfg = {**ONE_CASE_ON_DAY_0, "ramp_after_suspension": again}
    f = firm("a", staff=10, initially_open=True, ramp_days=4)
    tr = trace([f], days=13, outbreaks=cfg)
    ramp = [0.25, 0.5, 0.75] if again else [1, 1, 1]
    np.testing.assert_array_equal(tr.capacity, [1] + [0] * 7 + ramp + [1, 1])
    assert np.all(only_cause(tr, "suspended")[1:8])
    np.testing.assert_array_equal(lost(tr, "ramp_up")[8:11], [0.75, 0.5, 0.25] if again else 0)
    check_invariants(tr)


def test_a_partly_suspended_closed_loop_firm_does_not_ramp_again():
    # It kept 0.4 of its output while suspended (days 1–3): back on day 4 at full speed.
    cfg = {
        **ONE_CASE_ON_DAY_0,
        "ramp_after_suspension": True,
        "closed_loop_factor": 1.0,
        "closed_loop_suspension_days": 3,
        "suspended_output_share": 0.4,
    }
    f = firm("a", staff=10, initially_open=True, ramp_days=4, closed_loop=True)
    tr = trace([f], days=7, outbreaks=cfg)
    np.testing.assert_allclose(tr.capacity, [1, 0.4, 0.4, 0.4, 1, 1, 1], rtol=0, atol=1e-15)


# --- a firm that fails is not suspended ---------------------------------------------


def test_a_firm_that_fails_at_the_close_of_its_case_stays_failed():
    # Cash 2 days of costs (0.5), no revenue, costs 0.25 a day: below zero at the close
    # of day 2, failed there (grace 1 day). A case on day 2 only (factor 1 on day 2, 0
    # on the other days). Finance closes first: the firm fails, and the case counts but
    # no longer suspends it: it is lost to `failed` from day 3 for good (it was once
    # marked suspended, and lost to `suspended` on day 3).
    rate = outbreaks(
        rate_schedule=[
            {"day": 0, "factor": 0},
            {"day": 1, "factor": 0},
            {"day": 2, "factor": 1},
            {"day": 3, "factor": 0},
        ]
    )
    fin = {"margin": 0.0, "fixed_cost_share": 0.125, "wage_share": 0.125, "grace_days": 1}
    tr = trace([firm("a", staff=10, cash_days=2)], days=12, outbreaks=rate, finance=fin)
    np.testing.assert_array_equal(tr.cases > 0, [d == 2 for d in range(12)])
    np.testing.assert_array_equal(tr.capacity, [1, 1, 1] + [0] * 9)
    np.testing.assert_array_equal(lost(tr, "failed"), [0, 0, 0] + [1] * 9)
    np.testing.assert_array_equal(tr.state_counts[:, tr.states.index("suspended")], 0)
    np.testing.assert_array_equal(tr.state_counts[2:, tr.states.index("failed")], 1)
