"""Goods side on tiny parks: late suppliers, stations, passes, output stores."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.world import run
from sim.scenario.expand import expand
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from tests.conftest import SCENARIOS

LEVELS = {
    "open": {"operate": "all", "review": False, "freight_pass": False},
    "sealed": {"operate": "all", "review": False, "freight_pass": True},
}


def _park(days: int = 20, **sections):
    data = {
        "name": "t",
        "days": days,
        "control_levels": LEVELS,
        "regions": [
            {"id": "park", "timeline": [{"day": 0, "level": "open"}]},
            {"id": "far", "timeline": [{"day": 0, "level": "open"}]},
        ],
        "reopening": {"ramp_days": 0},
        "workforce": {"quarantine_days": 0},
        **sections,
    }
    return expand(Scenario.model_validate(data), None)


def _firm(**kw):
    return {
        "id": "a",
        "sector": "s",
        "region": "park",
        "baseline_output": 10,
        "staff": 10,
        "initially_open": True,
        **kw,
    }


def test_late_supplier_starves_customer_until_reopening_plus_lead_time() -> None:
    park = _park(
        suppliers=[{"id": "x", "region": "far", "capacity": 100, "reopen_day": 10, "lead_days": 2}],
        enterprises=[_firm(inputs=[{"good": "g", "from": "x", "per_output": 1, "stock_days": 5}])],
    )
    tr = run(park, 0)
    cap = tr.capacity
    np.testing.assert_allclose(cap[:5], 1.0)
    np.testing.assert_allclose(cap[5:12], 0.0)  # days 5..11: reopens day 10, 2 days' lead
    np.testing.assert_allclose(cap[12:], 1.0)
    g = tr.causes.index("input:g")
    np.testing.assert_allclose(tr.lost_days[5:12, g], 1.0)
    assert tr.lost_days.sum() == pytest.approx(7.0)
    x = tr.producers.index("x")
    assert tr.cost_by_producer[x] == pytest.approx(7 * 10)


def _station_park(bays: int, hours: float, declared_load: float, days: int = 15, **station):
    return _park(
        days=days,
        regions=[
            {"id": "park", "timeline": [{"day": 0, "level": "sealed"}]},
            {"id": "far", "timeline": [{"day": 0, "level": "open"}]},
        ],
        suppliers=[{"id": "x", "region": "far", "capacity": 1000, "lead_days": 2}],
        enterprises=[_firm(inputs=[{"good": "g", "from": "x", "per_output": 1, "stock_days": 1}])],
        logistics={
            "truck_load": declared_load,
            "transfer_stations": [
                {"id": "st", "bays": bays, "hours_per_day": 24, "handling_hours": hours, **station}
            ],
        },
    )


def test_one_bay_with_a_one_day_handling_time_clears_at_most_one_trip_a_day() -> None:
    tr = run(_station_park(bays=1, hours=24, declared_load=2), 0)
    cleared_total = tr.funnel[:, 0, 2]
    daily = np.diff(np.r_[0, cleared_total])
    assert daily.max() == 1
    assert tr.funnel[-1, 0, 0] > 3 * cleared_total[-1]  # far more declared than cleared
    assert cleared_total[-1] >= 8
    assert tr.lost_days[:, tr.causes.index("logistics")].sum() > 1


def test_funnel_declared_ge_admitted_ge_cleared_every_day() -> None:
    tr = run(_station_park(bays=1, hours=10, declared_load=3, admit_share=0.6, admit_per_day=4), 0)
    dec, adm, clr = tr.funnel[:, 0, 0], tr.funnel[:, 0, 1], tr.funnel[:, 0, 2]
    assert np.all(dec >= adm) and np.all(adm >= clr)
    assert dec[-1] > adm[-1] > clr[-1] > 0
    assert np.all(np.diff(dec) >= 0) and np.all(np.diff(clr) >= 0)


def test_station_that_never_opens_blocks_controlled_freight() -> None:
    tr = run(_station_park(bays=1, hours=1, declared_load=50, opening_day=1000), 0)
    assert tr.funnel[-1, 0, 0] == 0
    assert tr.capacity[1] == pytest.approx(0.0)  # one day of stock, nothing arrives
    logi = tr.lost_days[:, tr.causes.index("logistics")]
    road = tr.lost_days[:, tr.causes.index("input:g")]
    np.testing.assert_allclose(tr.capacity[1:], 0.0)
    # day 1: the route waits for its pass; day 2: the truck is on the road (normal
    # lead time, blamed on the input); from day 3 it waits at a closed station
    assert logi[1] == pytest.approx(1.0) and road[2] == pytest.approx(1.0)
    np.testing.assert_allclose(logi[3:], 1.0)


def test_full_output_store_stops_production() -> None:
    park = _park(
        regions=[
            {"id": "park", "timeline": [{"day": 0, "level": "sealed"}]},
            {"id": "far", "timeline": [{"day": 0, "level": "open"}]},
        ],
        enterprises=[_firm(outbound_share=1.0)],
        supply={"finished_stock_days": 3},
        logistics={"passes_per_day": 0},
    )
    tr = run(park, 0)
    np.testing.assert_allclose(tr.capacity[:3], 1.0)
    np.testing.assert_allclose(tr.capacity[3:], 0.0)
    assert tr.lost_days[3:, tr.causes.index("output_full")].sum() == pytest.approx(tr.days - 3)


def test_outbound_pass_lets_products_leave() -> None:
    park = _park(
        regions=[
            {"id": "park", "timeline": [{"day": 0, "level": "sealed"}]},
            {"id": "far", "timeline": [{"day": 0, "level": "open"}]},
        ],
        enterprises=[_firm(outbound_share=1.0)],
        supply={"finished_stock_days": 3},
        logistics={"passes_per_day": 0, "grants": [{"day": 6, "firms": ["a"]}]},
    )
    tr = run(park, 0)
    np.testing.assert_allclose(tr.capacity[3:6], 0.0)
    np.testing.assert_allclose(tr.capacity[6:], 1.0)


def test_passes_per_day_ration_controlled_routes() -> None:
    firms = [
        _firm(id=f"f{i}", inputs=[{"good": "g", "from": "x", "per_output": 1, "stock_days": 0}])
        for i in range(4)
    ]
    park = _park(
        regions=[
            {"id": "park", "timeline": [{"day": 0, "level": "sealed"}]},
            {"id": "far", "timeline": [{"day": 0, "level": "open"}]},
        ],
        suppliers=[{"id": "x", "region": "far", "capacity": 1000, "lead_days": 1}],
        enterprises=firms,
        logistics={"passes_per_day": 1},
    )
    tr = run(park, 0)
    # one more route unblocked each day: customers recover one by one
    assert tr.capacity[-1] == pytest.approx(1.0)
    steps = np.unique(np.round(tr.capacity, 6))
    assert len(steps) >= 4


def test_coordination_brings_a_targeted_supplier_back_sooner() -> None:
    def cap(coord):
        park = _park(
            days=40,
            suppliers=[
                {"id": "x", "region": "far", "capacity": 100, "reopen_day": 30, "lead_days": 1}
            ],
            enterprises=[
                _firm(inputs=[{"good": "g", "from": "x", "per_output": 1, "stock_days": 2}])
            ],
            supply={"coordination": coord},
        )
        return run(park, 0).capacity

    base = cap({})
    pushed = cap({"suppliers": ["x"], "start_day": 10, "speedup": 2})
    assert base[25] == 0 and pushed[25] == pytest.approx(1.0)  # back on day 20 + 1
    assert np.argmax(pushed[2:] > 0) < np.argmax(base[2:] > 0)


def _logistics_loss(park, reps):
    from sim.metrics import cause_totals

    return np.array([cause_totals(run(park, r))["logistics"] for r in range(reps)])


def test_a_second_station_cuts_logistics_losses_on_the_demo_and_more_passes_do_not() -> None:
    # The demo's station binds, not its passes: no goods ever wait for a pass, so
    # twice the passes only send trucks into the same queue.
    demo = SCENARIOS / "demo_park.yaml"
    park = load_scenario(demo)
    waiting = [run(park, r).series["cost_by_logistics"].values[-1] for r in range(8)]
    assert waiting == [0.0] * 8
    base = _logistics_loss(park, 8)
    second = _logistics_loss(
        load_scenario(demo, policies=[SCENARIOS / "policies/second_transfer_station.yaml"]), 8
    )
    passes = _logistics_loss(
        load_scenario(demo, policies=[SCENARIOS / "policies/double_passes.yaml"]), 8
    )
    assert base.mean() > 0.5
    assert second.mean() < 0.7 * base.mean()
    assert (second < base).sum() >= 7  # paired, common random numbers
    assert passes.mean() >= base.mean()


# --- passes valid for a stated number of days ---------------------------------------

SEALED = [
    {"id": "park", "timeline": [{"day": 0, "level": "sealed"}]},
    {"id": "far", "timeline": [{"day": 0, "level": "open"}]},
]


def _lean_park(days: int, **logistics):
    """Firm `a` (baseline 10) with one day of stock of `g` from supplier `x` across the
    sealed park's boundary (lead 1 day), reordering one day's need every day: it makes
    its full output on day d only if `x` shipped on day d − 1 (or d = 0)."""
    return _park(
        days=days,
        regions=SEALED,
        suppliers=[{"id": "x", "region": "far", "capacity": 1000, "lead_days": 1}],
        enterprises=[_firm(inputs=[{"good": "g", "from": "x", "per_output": 1, "stock_days": 1}])],
        supply={"reorder_days": 1, "order_up_to_days": 1},
        logistics=logistics,
    )


def test_an_expired_pass_holds_shipments_until_a_new_one_is_issued() -> None:
    # Passes granted on day 0 and day 8, valid 5 days, none issued otherwise. The
    # first is valid on days 0–4 and expires at the start of day 5: day 5 still runs
    # on what was shipped on day 4, days 6–8 run dry (goods held for want of a pass);
    # the day-8 grant ships at the close of day 8, so day 9 is full again, until the
    # second pass expires on day 13 and days 14 and 15 run dry.
    grants = [{"day": 0, "firms": ["a"]}, {"day": 8, "firms": ["a"]}]
    forever = run(_lean_park(16, passes_per_day=0, grants=grants), 0)
    np.testing.assert_array_equal(forever.capacity, 1.0)
    tr = run(_lean_park(16, passes_per_day=0, grants=grants, pass_valid_days=5), 0)
    expected = np.array([1] * 6 + [0] * 3 + [1] * 5 + [0] * 2, dtype=float)
    np.testing.assert_array_equal(tr.capacity, expected)
    logi = tr.lost_days[:, tr.causes.index("logistics")]
    np.testing.assert_array_equal(logi, 1 - expected)
    # a fraction of a day counts as a whole day: 4.2 days is as 5
    frac = run(_lean_park(16, passes_per_day=0, grants=grants, pass_valid_days=4.2), 0)
    np.testing.assert_array_equal(frac.capacity, expected)


def test_an_expired_pass_is_asked_for_again_at_once() -> None:
    # One route, one pass a day: it asks at the close of day 0 (day 0 runs on its stock),
    # holds a pass from day 1 (day 1 runs dry), and each time its 3-day pass expires it
    # is first in the queue again that morning: no other day is lost.
    forever = run(_lean_park(12, passes_per_day=1), 0)
    expiring = run(_lean_park(12, passes_per_day=1, pass_valid_days=3), 0)
    expected = np.array([1, 0] + [1] * 10, dtype=float)
    np.testing.assert_array_equal(forever.capacity, expected)
    np.testing.assert_array_equal(expiring.capacity, expected)


def test_an_expired_outbound_pass_lets_the_store_fill_up_again() -> None:
    # Store of 3 days' output; the outbound pass granted on day 6 is valid 4 days
    # (days 6–9). The store is emptied each morning of days 6–9; from day 10 it
    # fills again (10 on the morning of day 10, from day 9), full after days 10 and 11.
    def cap(**logistics):
        park = _park(
            days=16,
            regions=SEALED,
            enterprises=[_firm(outbound_share=1.0)],
            supply={"finished_stock_days": 3},
            logistics={"passes_per_day": 0, "grants": [{"day": 6, "firms": ["a"]}], **logistics},
        )
        return run(park, 0)

    np.testing.assert_array_equal(cap().capacity, [1, 1, 1, 0, 0, 0] + [1] * 10)
    tr = cap(pass_valid_days=4)
    np.testing.assert_array_equal(tr.capacity, [1, 1, 1, 0, 0, 0] + [1] * 6 + [0] * 4)
    assert tr.lost_days[12:, tr.causes.index("output_full")].sum() == pytest.approx(4.0)
