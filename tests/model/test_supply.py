"""External suppliers on tiny parks: ramp-up after reopening, and the park's share.

One firm `a` (baseline 1) uses one unit of `chips` per unit of output (need: 1 a
day) from one supplier `chipco` with a capacity of 1 a day and a lead time of one
day, and no stock: what it can make on day d is what the supplier shipped on day
d − 1. The stock rule (reorder below 5 days, order up to 10) keeps the supplier's
backlog above what it can ship, so it always ships all it may.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.supply import Supply, supplier_ramp
from sim.record import Trace
from tests.model._park import check_invariants, firm, lost, only_cause, supplier, trace, world


def chips() -> dict:
    return {"good": "chips", "from": "chipco", "per_output": 1.0, "stock_days": 0}


def chipco(**kw) -> dict:
    return {**supplier("chipco", capacity=1.0, lead=1), **kw}


def run(days: int = 10, supply: dict | None = None, **sup) -> Trace:
    """Firm `a` and supplier `chipco` (with `sup` changed) over `days`."""
    sections = {"supply": supply} if supply else {}
    return trace([firm("a", inputs=[chips()])], days=days, suppliers=[chipco(**sup)], **sections)


def test_without_a_ramp_the_supplier_ships_its_full_capacity_at_once():
    # ships 1 on day 0 (its reopening day), which arrives on day 1: full from day 1
    tr = run()
    np.testing.assert_array_equal(tr.capacity, [0] + [1] * 9)


def test_a_supplier_ramp_lowers_early_input_availability():
    # ramp 5 days: it ships 1/5, 2/5, ... of its capacity on days 0, 1, ... (k = d + 1),
    # full from day 4; each arrives the next day: the firm makes 0.2, 0.4, 0.6, 0.8 on
    # days 1–4, all of the shortfall for want of chips.
    tr = run(ramp_days=5)
    expected = np.array([0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(tr.capacity, expected, rtol=0, atol=1e-12)
    assert np.all(only_cause(tr, "input:chips")[:5])
    np.testing.assert_allclose(lost(tr, "input:chips"), 1 - expected, atol=1e-12)
    # 1 (day 0) + 0.8 + 0.6 + 0.4 + 0.2 baseline-days lost, all blamed on chipco
    assert tr.cost_by_producer[tr.producers.index("chipco")] == pytest.approx(3.0)
    check_invariants(tr)


def test_the_park_wide_default_ramp_applies_unless_a_supplier_gives_its_own():
    default = run(supply={"supplier_ramp_days": 5})
    np.testing.assert_allclose(default.capacity[:6], [0, 0.2, 0.4, 0.6, 0.8, 1], atol=1e-12)
    own = run(supply={"supplier_ramp_days": 5}, ramp_days=2)
    np.testing.assert_allclose(own.capacity[:4], [0, 0.5, 1, 1], atol=1e-12)
    none = run(supply={"supplier_ramp_days": 5}, ramp_days=0)
    np.testing.assert_array_equal(none.capacity, [0] + [1] * 9)


def test_the_ramp_counts_from_the_first_whole_day_the_supplier_ships():
    # reopens at 1.5: ships from day 2, half its capacity (k = 1 of 2), all of it on day 3
    tr = run(reopen_day=1.5, ramp_days=2)
    np.testing.assert_allclose(tr.capacity[:5], [0, 0, 0, 0.5, 1], atol=1e-12)


def test_supplier_ramp_shares_by_hand():
    reopen = np.array([0.0, 0.0, 2.5, 0.0])
    ramp = np.array([4.0, 0.0, 2.0, 1e-320])
    np.testing.assert_allclose(supplier_ramp(0, reopen, ramp), [0.25, 1, 0, 1])
    np.testing.assert_allclose(supplier_ramp(3, reopen, ramp), [1, 1, 0.5, 1])
    np.testing.assert_allclose(supplier_ramp(9, reopen, ramp), [1, 1, 1, 1])


def test_park_share_halves_what_a_supplier_can_ship():
    # it ships 0.5 a day to the park: half the need, from day 1 on
    tr = run(park_share=0.5)
    np.testing.assert_array_equal(tr.capacity, [0] + [0.5] * 9)
    np.testing.assert_array_equal(lost(tr, "input:chips"), [1] + [0.5] * 9)
    w = world([firm("a", inputs=[chips()])], suppliers=[chipco(park_share=0.5, ramp_days=4)])
    sup = w.get(Supply)
    np.testing.assert_array_equal(sup.supplier_capacity(0), [0.125])
    np.testing.assert_array_equal(sup.supplier_capacity(5), [0.5])


def test_park_share_and_ramp_at_their_defaults_keep_todays_numbers():
    base = run()
    same = run(park_share=1.0, ramp_days=0, supply={"supplier_ramp_days": 0})
    for name in ("output", "lost", "cost_by_producer"):
        np.testing.assert_array_equal(getattr(base, name), getattr(same, name))
