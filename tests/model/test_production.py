"""The daily production rule: output = baseline × min(factors), and the binding cause.

Each park here is small enough to work out on paper; the expected numbers are
derived in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.reopening import ramp_factor
from sim.record import Trace
from tests.model._park import NEVER, check_invariants, firm, lost, only_cause, supplier, trace

ALWAYS_THERE = {"migrant_return": [{"day": 0, "share": 0}]}
"""Migrants never come back: a firm's labour share is its local share for good."""


def chips(stock_days: float, **kw) -> dict:
    """One input line `chips` from supplier `chipco`."""
    return {"good": "chips", "from": "chipco", "per_output": 1.0, "stock_days": stock_days, **kw}


# --- one binding factor at a time ------------------------------------------------


def test_half_the_staff_gives_half_the_output_and_the_loss_is_labour():
    # 100 staff, 50 of them migrants who never return; the input's supplier is open
    # and big, and the stock (7 days) always covers a day: labour share 50/100 binds.
    f = firm("a", baseline_output=8, staff=100, migrant_share=0.5, inputs=[chips(7)])
    tr = trace([f], days=30, suppliers=[supplier("chipco")], workforce=ALWAYS_THERE)
    assert np.all(tr.output == 4.0)
    assert np.all(tr.capacity == 0.5)
    assert np.all(only_cause(tr, "labour"))
    np.testing.assert_array_equal(lost(tr, "labour"), 0.5)
    check_invariants(tr)


def test_critical_input_runs_out_after_its_stock_days_at_a_closed_supplier():
    # Stock = 3 days of need; the supplier never reopens. Days 0, 1, 2 use one day
    # each at full output; from day 3 the stock is empty and output is zero.
    f = firm("a", inputs=[chips(3)])
    tr = trace([f], days=10, suppliers=[supplier("chipco", reopen=NEVER)])
    np.testing.assert_array_equal(tr.capacity, [1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    assert np.all(only_cause(tr, "input:chips")[3:])
    np.testing.assert_array_equal(lost(tr, "input:chips"), [0, 0, 0, 1, 1, 1, 1, 1, 1, 1])


def test_fractional_stock_gives_a_fractional_last_day():
    # 2.5 days of stock: full output on days 0 and 1, half on day 2, none after.
    f = firm("a", inputs=[chips(2.5)])
    tr = trace([f], days=5, suppliers=[supplier("chipco", reopen=NEVER)])
    np.testing.assert_array_equal(tr.capacity, [1, 1, 0.5, 0, 0])


def test_deliveries_end_a_critical_shortage_after_the_lead_time():
    # No stock; the supplier opens on day 2 with a lead time of 3 days. Orders
    # placed at the close of day 2 arrive at the start of day 5: zero before.
    f = firm("a", inputs=[chips(0)])
    tr = trace([f], days=8, suppliers=[supplier("chipco", reopen=2, lead=3)])
    np.testing.assert_array_equal(tr.capacity, [0, 0, 0, 0, 0, 1, 1, 1])
    assert np.all(only_cause(tr, "input:chips")[:5])


def test_important_input_at_zero_stock_cuts_output_by_its_share_of_the_gap():
    # availability 0, shortage_cut 0.5: factor 1 − 0.5 × (1 − 0) = 0.5.
    f = firm("a", inputs=[chips(0, criticality="important", shortage_cut=0.5)])
    tr = trace([f], days=10, suppliers=[supplier("chipco", reopen=NEVER)])
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert np.all(only_cause(tr, "input:chips"))


def test_important_input_half_available_cuts_a_quarter():
    # 0.5 days of stock: availability 0.5 on day 0, factor 1 − 0.5 × 0.5 = 0.75;
    # using 0.75 days leaves nothing, so day 1 is at the zero-stock factor 0.5.
    f = firm("a", inputs=[chips(0.5, criticality="important", shortage_cut=0.5)])
    tr = trace([f], days=3, suppliers=[supplier("chipco", reopen=NEVER)])
    np.testing.assert_array_equal(tr.capacity, [0.75, 0.5, 0.5])


def test_non_critical_input_has_no_effect():
    f = firm("a", inputs=[chips(0, criticality="non_critical")])
    tr = trace([f], days=10, suppliers=[supplier("chipco", reopen=NEVER)])
    np.testing.assert_array_equal(tr.capacity, 1.0)
    assert np.all(tr.lost_days == 0)


def test_control_level_output_cap_binds_as_control_cap():
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.6}}
    tr = trace([firm("a", baseline_output=5)], level="capped", control_levels=levels)
    np.testing.assert_array_equal(tr.output, 3.0)
    np.testing.assert_array_equal(tr.capacity, 0.6)
    assert np.all(only_cause(tr, "control_cap"))


def test_the_smallest_factor_binds():
    # labour 0.7 (30 of 100 never return), important input 0.5, cap 0.6: input binds.
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.6}}
    f = firm("a", staff=100, migrant_share=0.3, inputs=[chips(0, criticality="important")])
    tr = trace(
        [f],
        level="capped",
        control_levels=levels,
        suppliers=[supplier("chipco", reopen=NEVER)],
        workforce=ALWAYS_THERE,
    )
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert np.all(only_cause(tr, "input:chips"))


def test_an_open_firm_its_level_does_not_allow_loses_everything_as_not_allowed():
    # Open at day 0, but the zone's level admits only white-listed firms.
    levels = {"closed": {"operate": "whitelist", "review": False}}
    tr = trace([firm("a", initially_open=True)], level="closed", control_levels=levels)
    np.testing.assert_array_equal(tr.capacity, 0.0)
    assert np.all(only_cause(tr, "not_allowed"))


# --- ties -------------------------------------------------------------------------


def test_tie_between_labour_and_cap_goes_to_labour():
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.5}}
    f = firm("a", staff=10, migrant_share=0.5)
    tr = trace([f], level="capped", control_levels=levels, workforce=ALWAYS_THERE)
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert np.all(only_cause(tr, "labour"))


def test_tie_between_labour_and_an_input_goes_to_labour():
    f = firm("a", staff=10, migrant_share=0.5, inputs=[chips(0, criticality="important")])
    tr = trace([f], suppliers=[supplier("chipco", reopen=NEVER)], workforce=ALWAYS_THERE, days=5)
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert np.all(only_cause(tr, "labour"))


def test_tie_between_two_inputs_goes_to_the_first_in_the_recipe():
    steel = {"good": "steel", "from": "steelco", "per_output": 1.0, "stock_days": 0}
    sups = [supplier("chipco", reopen=NEVER), supplier("steelco", reopen=NEVER)]
    tr = trace([firm("a", inputs=[steel, chips(0)])], suppliers=sups, days=5)
    assert np.all(only_cause(tr, "input:steel"))
    tr = trace([firm("a", inputs=[chips(0), steel])], suppliers=sups, days=5)
    assert np.all(only_cause(tr, "input:chips"))


def test_tie_between_an_input_and_the_cap_goes_to_the_input():
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.5}}
    f = firm("a", inputs=[chips(0, criticality="important")])
    tr = trace(
        [f], level="capped", control_levels=levels, suppliers=[supplier("chipco", reopen=NEVER)]
    )
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert np.all(only_cause(tr, "input:chips"))


def test_tie_between_ramp_and_cap_goes_to_ramp():
    # ramp 2 days from reopening at t=0: day 0 at 1/2, equal to the cap 0.5.
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.5}}
    tr = trace([firm("a", ramp_days=2)], level="capped", control_levels=levels, days=3)
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert only_cause(tr, "ramp_up")[0]
    assert np.all(only_cause(tr, "control_cap")[1:])


# --- ramp-up ------------------------------------------------------------------------


def test_ramp_factor_is_k_over_ramp_days_on_the_kth_day():
    # Reopened at t=0 (k = day + 1), at t=3.4 (day 3 is its first day: k = 1, and
    # before that it is clipped at 0), initially open (−inf: full speed), and with
    # a zero ramp (full speed at once).
    reopened = np.array([0.0, 3.4, -np.inf, 5.0])
    ramp = np.array([10.0, 10.0, 10.0, 0.0])
    for day, want in [(0, [0.1, 0, 1, 1]), (3, [0.4, 0.1, 1, 1]), (9, [1, 0.7, 1, 1])]:
        got = ramp_factor(day, reopened, ramp, 1.0)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


def test_ramp_factor_shape_two_is_the_square():
    k = np.arange(1, 13)
    got = np.array([ramp_factor(int(d), np.array([0.0]), np.array([10.0]), 2.0)[0] for d in k - 1])
    np.testing.assert_allclose(got, np.minimum(k / 10, 1.0) ** 2, rtol=0, atol=1e-15)


@pytest.mark.parametrize("shape", [1.0, 2.0])
def test_a_ten_day_ramp_in_a_run(shape):
    # Normal zone: the firm reopens at t=0 without review; day d is the (d+1)-th day.
    tr = trace([firm("a", ramp_days=10)], days=15, reopening={"ramp_shape": shape})
    k = np.arange(1, 16)
    np.testing.assert_allclose(tr.capacity, np.minimum(k / 10, 1.0) ** shape, rtol=0, atol=1e-15)
    assert np.all(only_cause(tr, "ramp_up")[:9])
    assert np.all(tr.lost_days[9:] == 0)


def test_ramp_counts_from_the_day_the_review_ends():
    # Controlled zone, one team, 1-day review from t=0: open from day 1, whose
    # ramp factor is 1/4, then 2/4, 3/4, 1.
    tr = trace(
        [firm("a", ramp_days=4)],
        days=6,
        level="controlled",
        reopening={"service_teams": 1, "review_days": 1},
    )
    np.testing.assert_allclose(tr.capacity, [0, 0.25, 0.5, 0.75, 1, 1], rtol=0, atol=1e-15)
    assert only_cause(tr, "awaiting_review")[0]


def test_default_ramp_days_come_from_reopening():
    f = firm("a")
    del f["ramp_days"]
    tr = trace([f], days=6, reopening={"ramp_days": 4})
    np.testing.assert_allclose(tr.capacity, [0.25, 0.5, 0.75, 1, 1, 1], rtol=0, atol=1e-15)


# --- invariants ---------------------------------------------------------------------


def no_shock_park() -> dict:
    """Three firms in a supply chain with an outside supplier, all running normally."""
    firms = [
        firm(
            "steelmill",
            baseline_output=7.3,
            staff=120,
            migrant_share=0.35,
            inputs=[{"good": "ore", "from": "mine", "per_output": 0.37}],
            initially_open=True,
        ),
        firm(
            "parts",
            baseline_output=11.9,
            staff=80,
            migrant_share=0.2,
            inputs=[
                {"good": "steel", "from": "steelmill", "per_output": 0.23},
                {"good": "ore", "from": "mine", "per_output": 0.11, "criticality": "important"},
            ],
            initially_open=True,
        ),
        firm(
            "assembly",
            baseline_output=13.1,
            staff=60,
            inputs=[
                {"good": "parts", "from": "parts", "per_output": 0.61},
                {"good": "steel", "from": "steelmill", "per_output": 0.17},
            ],
            initially_open=True,
        ),
    ]
    return {
        "firms": firms,
        "suppliers": [supplier("mine", capacity=50, lead=2.5)],
        "days": 90,
        "outbreaks": {"rate_per_1000_staff_day": 0.0},
        "workforce": {"quarantine_days": 14},
        "reopening": {"ramp_days": 7},
    }


def test_no_shock_means_full_capacity_every_day():
    cfg = no_shock_park()
    firms = cfg.pop("firms")
    tr = trace(firms, **cfg)
    np.testing.assert_array_equal(tr.capacity, 1.0)
    np.testing.assert_array_equal(tr.resumption, 1.0)
    assert np.all(tr.lost_days == 0)
    check_invariants(tr)


@settings(max_examples=40, deadline=None)
@given(
    labour=st.floats(0, 1),
    stock=st.floats(0, 6),
    crit=st.sampled_from(["critical", "important", "non_critical"]),
    cut=st.floats(0, 1),
    cap=st.floats(0, 1),
    ramp=st.integers(0, 12),
    reopen=st.integers(0, 15),
    lead=st.integers(1, 4),
)
def test_lost_output_by_cause_sums_to_one_minus_capacity(
    labour, stock, crit, cut, cap, ramp, reopen, lead
):
    levels = {"capped": {"operate": "all", "review": False, "output_cap": cap}}
    staff = 1000
    firms = [
        firm(
            "a",
            baseline_output=3.0,
            staff=staff,
            migrant_share=round(1 - labour, 3),
            ramp_days=ramp,
            inputs=[chips(stock, criticality=crit, shortage_cut=cut)],
        ),
        firm(
            "b",
            baseline_output=2.0,
            inputs=[{"good": "parts", "from": "a", "per_output": 0.9}],
            ramp_days=ramp,
        ),
    ]
    tr = trace(
        firms,
        days=20,
        level="capped",
        control_levels=levels,
        suppliers=[supplier("chipco", reopen=reopen, lead=lead)],
        workforce=ALWAYS_THERE,
    )
    check_invariants(tr)
    # firm a never beats its labour share or the cap; b never beats its baseline
    assert np.all(tr.output <= 3.0 * min(cap, 1 - round(1 - labour, 3)) + 2.0 + 1e-9)


# --- suspension, halts and queues: the cause of a firm that does not operate ---------

CASE_EVERY_DAY = {
    "rate_per_1000_staff_day": 1000.0,
    "closed_loop_factor": 1.0,
    "isolated_per_case": 0,
}
"""A case per worker per day: a firm with 40 staff on post has a case every day it
operates (no case has probability e^-40, below the last bit of a uniform)."""


def test_a_suspended_firm_that_is_not_closed_loop_produces_nothing():
    # a: case at the close of day 0, suspended days 1–2 (until 0 + 1 + 2), back on
    # day 3, case again: 1, 0, 0, 1, 0, 0. b (nobody on post) never has a case.
    firms = [firm("a", staff=40, initially_open=True), firm("b", baseline_output=3)]
    tr = trace(firms, days=6, outbreaks={**CASE_EVERY_DAY, "suspension_days": 2})
    a = np.array([1, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(tr.capacity, (a + 3) / 4)
    np.testing.assert_array_equal(lost(tr, "suspended"), (1 - a) / 4)


def test_a_suspended_closed_loop_firm_keeps_its_share_and_the_rest_is_suspended():
    # The closed-loop firm keeps 0.25 while suspended, so it keeps operating, having
    # cases and staying suspended: 1, then 0.25 on every later day.
    firms = [firm("loop", staff=40, closed_loop=True), firm("b", baseline_output=3)]
    cfg = {**CASE_EVERY_DAY, "suspended_output_share": 0.25}
    tr = trace(firms, days=5, outbreaks=cfg)
    loop = np.array([1, 0.25, 0.25, 0.25, 0.25])
    np.testing.assert_array_equal(tr.capacity, (loop + 3) / 4)
    np.testing.assert_array_equal(lost(tr, "suspended"), (1 - loop) / 4)
    np.testing.assert_array_equal(tr.resumption, 1.0)


def test_a_partly_suspended_firm_its_zone_halts_loses_everything_as_not_allowed():
    # As above (share 0.5), but from day 3 the zone's level admits only white-listed
    # firms: the suspended firm no longer runs, and the blame is the halt's, not the
    # suspension's. Its last case (close of day 2) suspends it until 2 + 1 + 3 = 6;
    # states are counted at the close, after the day's cases.
    levels = {
        "normal": {"operate": "all", "review": False},
        "halt": {"operate": "whitelist", "review": False},
    }
    timeline = [{"day": 0, "level": "normal"}, {"day": 3, "level": "halt"}]
    f = firm("loop", staff=40, closed_loop=True, initially_open=True)
    cfg = {**CASE_EVERY_DAY, "suspended_output_share": 0.5, "closed_loop_suspension_days": 3}
    tr = trace([f], days=8, level=timeline, control_levels=levels, outbreaks=cfg)
    np.testing.assert_array_equal(tr.capacity, [1, 0.5, 0.5, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(lost(tr, "suspended"), [0, 0.5, 0.5, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(lost(tr, "not_allowed"), [0, 0, 0, 1, 1, 1, 1, 1])
    suspended = tr.state_counts[:, tr.states.index("suspended")]
    np.testing.assert_array_equal(suspended, [1, 1, 1, 1, 1, 1, 0, 0])


def test_firms_queued_for_review_when_their_zone_locks_down_still_await_review():
    # Controlled, then lockdown from day 2. One team with 5-day reviews: x (priority)
    # is under review [0, 5), a waits. Neither runs before day 5; their loss is the
    # review's, not the lockdown's, while they are queued or under review. x passes
    # at t=5 but lockdown halts it: from day 5 its half is not_allowed.
    timeline = [{"day": 0, "level": "controlled"}, {"day": 2, "level": "lockdown"}]
    firms = [firm("x", tags=["backbone"]), firm("a")]
    cfg = {"service_teams": 1, "review_days": 5, "priority": ["backbone"]}
    tr = trace(firms, days=7, level=timeline, reopening=cfg)
    np.testing.assert_array_equal(tr.capacity, 0.0)
    np.testing.assert_array_equal(lost(tr, "awaiting_review"), [1] * 5 + [0.5] * 2)
    np.testing.assert_array_equal(lost(tr, "not_allowed"), [0] * 5 + [0.5] * 2)


# --- ties between the store, the cap, ramp-up and suspension --------------------------

SEALED = {"operate": "all", "review": False, "freight_pass": True}
"""A level whose finished goods need an outbound pass to leave (none is issued)."""


def sealed_trace(f: dict, days: int, stock_days: float, **level: float) -> Trace:
    """Firm `f` alone, all its output trucked out, no outbound pass ever."""
    return trace(
        [{**f, "outbound_share": 1.0}],
        days=days,
        level="sealed",
        control_levels={"sealed": {**SEALED, **level}},
        supply={"finished_stock_days": stock_days},
        logistics={"passes_per_day": 0},
    )


def test_tie_between_the_cap_and_a_full_store_goes_to_the_cap():
    # Store of 2.5 days, cap 0.5: room 2.5, 2, 1.5, 1 (the cap binds), then 0.5 on
    # day 4, equal to the cap (the cap keeps it), then 0 (the store is full).
    tr = sealed_trace(firm("a"), days=6, stock_days=2.5, output_cap=0.5)
    np.testing.assert_array_equal(tr.capacity, [0.5] * 5 + [0])
    np.testing.assert_array_equal(lost(tr, "control_cap"), [0.5] * 5 + [0])
    np.testing.assert_array_equal(lost(tr, "output_full"), [0] * 5 + [1])


def test_tie_between_ramp_and_a_full_store_goes_to_ramp():
    # Ramp 2 days: 1/2 on day 0, equal to the store's room of 0.5 (ramp keeps it);
    # the store is then full.
    tr = sealed_trace(firm("a", ramp_days=2), days=3, stock_days=0.5)
    np.testing.assert_array_equal(tr.capacity, [0.5, 0, 0])
    np.testing.assert_array_equal(lost(tr, "ramp_up"), [0.5, 0, 0])
    np.testing.assert_array_equal(lost(tr, "output_full"), [0, 1, 1])


def test_tie_between_a_full_store_and_the_suspended_share_goes_to_the_store():
    # Store of 1.5 days: day 0 full output (room 1.5); suspended from day 1 with a
    # share of 0.5, equal to the room left (0.5): the store keeps it; then full.
    f = firm("loop", staff=40, closed_loop=True, initially_open=True, outbound_share=1.0)
    tr = trace(
        [f],
        days=4,
        level="sealed",
        control_levels={"sealed": SEALED},
        supply={"finished_stock_days": 1.5},
        logistics={"passes_per_day": 0},
        outbreaks={**CASE_EVERY_DAY, "suspended_output_share": 0.5},
    )
    np.testing.assert_array_equal(tr.capacity, [1, 0.5, 0, 0])
    np.testing.assert_array_equal(lost(tr, "output_full"), [0, 0.5, 1, 1])
    np.testing.assert_array_equal(lost(tr, "suspended"), 0)


def test_tie_between_the_cap_and_the_suspended_share_goes_to_the_cap():
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.5}}
    f = firm("loop", staff=40, closed_loop=True, initially_open=True)
    cfg = {**CASE_EVERY_DAY, "suspended_output_share": 0.5}
    tr = trace([f], days=3, level="capped", control_levels=levels, outbreaks=cfg)
    np.testing.assert_array_equal(tr.capacity, 0.5)
    assert np.all(only_cause(tr, "control_cap"))


# --- two firms, two goods: the second good binds ---------------------------------------


def test_the_second_input_of_the_recipe_binds_when_it_runs_short():
    # a needs chips (good #0, ample stock, open supplier) and steel (good #1, 2 days
    # of stock, its supplier closed): full output on days 0–1, nothing from day 2,
    # lost to input:steel. b needs only steel, with 1 day of stock, and runs one day.
    steel = {"good": "steel", "from": "steelco", "per_output": 1.0}
    firms = [
        firm("a", baseline_output=3, inputs=[chips(7), {**steel, "stock_days": 2}]),
        firm("b", inputs=[{**steel, "stock_days": 1}]),
    ]
    sups = [supplier("chipco"), supplier("steelco", reopen=NEVER)]
    tr = trace(firms, days=4, suppliers=sups)
    np.testing.assert_array_equal(tr.capacity, [1, 0.75, 0, 0])
    np.testing.assert_array_equal(lost(tr, "input:steel"), [0, 0.25, 1, 1])
    np.testing.assert_array_equal(lost(tr, "input:chips"), 0)
