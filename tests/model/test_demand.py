"""Demand: orders from park customers that are running and from final buyers, a store
of unsold goods, and the cause `demand`.

Every park here is small enough to work out on paper; the expected numbers are
derived in the comments. Firms have baseline 1 unless said otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.demand import Demand, index_on
from sim.model.state import FirmState
from sim.model.world import World, run
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import DemandPoint
from tests.model._park import DEMO, check_invariants, firm, lost, only_cause, park, trace

LEVELS = {
    "normal": {"operate": "all", "review": False},
    "shut": {"operate": "whitelist", "review": False},
}
"""`shut` halts every firm of its zone (none is white-listed), without freight passes."""

ALWAYS_THERE = {"migrant_return": [{"day": 0, "share": 0}]}
"""Migrants never come back: a firm's labour share is its local share for good."""


def buys_from(source: str, per_output: float = 0.5) -> dict:
    """One input line `g` bought from `source`, with a week of stock."""
    return {"good": "g", "from": source, "per_output": per_output, "stock_days": 7}


def shut_until(day: int) -> list[dict]:
    """Zones: `park` normal throughout, `bz` shut until `day`, `out` for suppliers."""
    return [
        {"id": "park", "timeline": [{"day": 0, "level": "normal"}]},
        {"id": "bz", "timeline": [{"day": 0, "level": "shut"}, {"day": day, "level": "normal"}]},
        {"id": "out"},
    ]


def a_supplies_b(region: str = "bz", **kw) -> list[dict]:
    """A (sector `up`) sells half its baseline to B (sector `down`, zone `region`)."""
    return [
        firm("a", sector="up", initially_open=True),
        firm("b", sector="down", region=region, initially_open=True, inputs=[buys_from("a")], **kw),
    ]


def sector_capacity(tr, sector: str) -> np.ndarray:
    return tr.capacity_sector[:, tr.sectors.index(sector)]


# --- park customers ------------------------------------------------------------------


def test_a_shut_customer_pulls_its_supplier_down_to_final_demand_once_the_store_is_full():
    # B buys 0.5 × its baseline 1 = 0.5 a day from A: A's park sales are 0.5, its final
    # demand the other 0.5. B is shut days 0–7. A's orders are 0.5 a day; its store holds
    # 2 days of its baseline = 2. Days 0–3 A makes 1 and stores 0.5 a day (0.5, 1, 1.5,
    # 2: on day 3 the room of 0.5 still covers it); from day 4 the store is full and A
    # makes only its orders, 0.5, the loss blamed on `demand`. B runs again on day 8: A's
    # orders are 1, and A is back at 1 (its store stays full: it sells all it makes).
    tr = trace(
        a_supplies_b(),
        days=12,
        regions=shut_until(8),
        control_levels=LEVELS,
        demand={"stock_days": 2},
    )
    a = sector_capacity(tr, "up")
    np.testing.assert_array_equal(a, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1])
    np.testing.assert_array_equal(sector_capacity(tr, "down"), [0] * 8 + [1] * 4)
    # the park's baseline is 2: A's lost half is a quarter of it
    np.testing.assert_array_equal(lost(tr, "demand"), [0] * 4 + [0.25] * 4 + [0] * 4)
    np.testing.assert_array_equal(lost(tr, "not_allowed"), [0.5] * 8 + [0] * 4)
    np.testing.assert_array_equal(tr.series["unsold_goods"].values, [0.5, 1, 1.5] + [2] * 9)
    # orders: A's, and B's own final demand of 1 (B sells to nobody in the park)
    np.testing.assert_array_equal(tr.series["orders"].values, [1.5] * 8 + [2] * 4)
    assert tr.cause_groups[tr.causes.index("demand")] == "demand"
    check_invariants(tr)


def test_without_a_store_the_supplier_falls_the_day_its_customer_shuts():
    tr = trace(
        a_supplies_b(),
        days=6,
        regions=shut_until(3),
        control_levels=LEVELS,
        demand={"stock_days": 0},
    )
    np.testing.assert_array_equal(sector_capacity(tr, "up"), [0.5, 0.5, 0.5, 1, 1, 1])


def test_a_failed_customer_takes_nothing():
    # B failed before day 0 (set by hand: finance's own path to failure is tested in
    # test_finance): A sells only its final demand, 0.5, with no store.
    w = World(park(a_supplies_b("park"), days=4, demand={"stock_days": 0}), 0)
    w.state[1] = FirmState.FAILED
    tr = w.run()
    np.testing.assert_array_equal(sector_capacity(tr, "up"), 0.5)
    np.testing.assert_array_equal(lost(tr, "failed"), 0.5)


def test_a_customer_running_below_its_baseline_still_orders_its_baseline_purchases():
    # B reopens at day 0 with half its staff (its migrants never return), but orders
    # follow whether a customer runs, not how much it makes: A sells its whole baseline
    # (0.5 to final buyers, 0.5 to B).
    firms = a_supplies_b("park", staff=10, migrant_share=0.5)
    firms[1]["initially_open"] = False
    tr = trace(firms, days=5, workforce=ALWAYS_THERE, demand={"stock_days": 0})
    np.testing.assert_array_equal(sector_capacity(tr, "up"), 1)
    np.testing.assert_array_equal(sector_capacity(tr, "down"), 0.5)


def test_a_shut_firm_two_links_down_reaches_only_its_own_suppliers():
    # A → B → C, C shut, no stores: B sells 0.5 to C and nothing else to park firms, so
    # B is held to its final demand 0.5; B still runs, so A sells its whole baseline.
    firms = [
        firm("a", sector="a", initially_open=True),
        firm("b", sector="b", initially_open=True, inputs=[buys_from("a")]),
        firm("c", sector="c", region="bz", initially_open=True, inputs=[buys_from("b")]),
    ]
    tr = trace(
        firms, days=4, regions=shut_until(99), control_levels=LEVELS, demand={"stock_days": 0}
    )
    np.testing.assert_array_equal(sector_capacity(tr, "a"), 1)
    np.testing.assert_array_equal(sector_capacity(tr, "b"), 0.5)
    np.testing.assert_array_equal(lost(tr, "demand"), 0.5 / 3)


def test_a_firm_whose_customers_buy_more_than_its_baseline_has_no_final_demand():
    # B (baseline 3) buys 0.5 × 3 = 1.5 a day from A (baseline 1): A has no final demand,
    # and its one customer running orders more than A can make.
    firms = [
        firm("a", sector="up", initially_open=True),
        firm("b", sector="down", baseline_output=3, initially_open=True, inputs=[buys_from("a")]),
    ]
    w = World(park(firms, days=3, demand={"final": [{"index": [{"day": 0, "value": 0}]}]}), 0)
    d = w.get(Demand)
    np.testing.assert_array_equal(d.park_sales, [1.5, 0])
    np.testing.assert_array_equal(d.final_sales, [0, 3])
    tr = w.run()
    np.testing.assert_array_equal(sector_capacity(tr, "up"), 1)


# --- final demand ----------------------------------------------------------------------


def test_a_final_demand_index_caps_a_firm_at_its_share_of_final_demand():
    # Sector s at index 0.6, no store. w sells only to final buyers: 0.6. u sells half to
    # v (sector t, running) and half to final buyers: 0.5 + 0.5 × 0.6 = 0.8. v's sector
    # has no index entry: 1. Lost to demand: (0.4 + 0.2) of the park's 3.
    firms = [
        firm("u", initially_open=True),
        firm("v", sector="t", initially_open=True, inputs=[buys_from("u")]),
        firm("w", initially_open=True),
    ]
    demand = {"stock_days": 0, "final": [{"sectors": ["s"], "index": [{"day": 0, "value": 0.6}]}]}
    w = World(park(firms, days=5, demand=demand), 0)
    tr = w.run()
    np.testing.assert_allclose(w.output, [0.8, 1, 0.6])
    np.testing.assert_allclose(sector_capacity(tr, "s"), 0.7)
    np.testing.assert_array_equal(sector_capacity(tr, "t"), 1)
    np.testing.assert_allclose(lost(tr, "demand"), 0.2)
    assert np.all(only_cause(tr, "demand"))
    check_invariants(tr)


def test_an_entry_for_every_sector_gives_way_to_one_naming_a_sector():
    firms = [firm("x", initially_open=True), firm("y", sector="t", initially_open=True)]
    demand = {
        "stock_days": 0,
        "final": [
            {"index": [{"day": 0, "value": 0.5}]},
            {"sectors": ["t"], "index": [{"day": 0, "value": 0.8}]},
        ],
    }
    w = World(park(firms, days=2, demand=demand), 0)
    w.run()
    np.testing.assert_allclose(w.output, [0.5, 0.8])


def test_the_store_fills_while_orders_are_low_and_empties_when_they_surge():
    # One firm selling only to final buyers, a store of 1 day. Index 0.5 until day 3,
    # then 1.5 (a step). Day 0: orders 0.5, makes 1, stores 0.5; day 1: stores 1 (full);
    # day 2: makes 0.5. Day 3: orders 1.5, makes 1, sells 0.5 from the store; day 4
    # sells the last 0.5; day 5 the store is empty.
    index = [{"day": 0, "value": 0.5}, {"day": 3, "value": 0.5}, {"day": 3, "value": 1.5}]
    demand = {"stock_days": 1, "final": [{"index": index}]}
    tr = trace([firm("a", initially_open=True)], days=6, demand=demand)
    np.testing.assert_array_equal(tr.capacity, [1, 1, 0.5, 1, 1, 1])
    np.testing.assert_array_equal(tr.series["orders"].values, [0.5] * 3 + [1.5] * 3)
    np.testing.assert_array_equal(tr.series["unsold_goods"].values, [0.5, 1, 1, 0.5, 0, 0])


def test_the_index_is_linear_between_points_flat_outside_and_steps_on_a_repeated_day():
    days = np.arange(8, dtype=float)
    pts = [DemandPoint(day=2, value=1), DemandPoint(day=6, value=0.6)]
    np.testing.assert_allclose(index_on(pts, days), [1, 1, 1, 0.9, 0.8, 0.7, 0.6, 0.6])
    step = [DemandPoint(day=0, value=1), DemandPoint(day=3, value=1), DemandPoint(day=3, value=0)]
    np.testing.assert_array_equal(index_on(step, days), [1, 1, 1, 0, 0, 0, 0, 0])
    half = [DemandPoint(day=0.5, value=0), DemandPoint(day=2.5, value=1)]
    np.testing.assert_allclose(index_on(half, days[:4]), [0, 0.25, 0.75, 1])


# --- ties and absence --------------------------------------------------------------------


def test_a_tie_with_labour_keeps_the_blame_on_labour():
    # labour share 0.5 (half the staff are migrants who never return) and orders 0.5 with
    # no store: equal factors, labour keeps the loss; at orders 0.4 demand binds.
    a = firm("a", staff=10, migrant_share=0.5)
    for value, cause in ((0.5, "labour"), (0.4, "demand")):
        demand = {"stock_days": 0, "final": [{"index": [{"day": 0, "value": value}]}]}
        tr = trace([a], days=3, workforce=ALWAYS_THERE, demand=demand)
        np.testing.assert_allclose(tr.capacity, value)
        assert np.all(only_cause(tr, cause))


def test_without_a_demand_section_there_is_no_demand_cause_nor_series(demo):
    tr = run(demo, 0, days=3)
    assert "demand" not in tr.causes
    assert "orders" not in tr.series and "unsold_goods" not in tr.series


def test_a_demand_that_never_binds_moves_no_number(demo):
    # a store bigger than anything the run makes: same streams, same order of events,
    # so every series is as without demand; the trace only gains the cause and series.
    with_demand = run(load_scenario(DEMO, sets=["demand.stock_days=10000"]), 0)
    plain = run(demo, 0)
    assert with_demand.causes == (*plain.causes, "demand")
    np.testing.assert_array_equal(with_demand.lost[:, -1], 0)
    np.testing.assert_array_equal(with_demand.lost[:, :-1], plain.lost)
    for name, rec in plain.series.items():
        if name != "lost":
            np.testing.assert_array_equal(with_demand.series[name].values, rec.values, name)


def test_orders_on_the_demo_park_pull_output_down_when_customers_are_shut(demo):
    # The demo park's lockdown shuts customers before their suppliers reopen: with no
    # store, demand costs output; with a bigger store, less.
    def output(stock_days: float) -> float:
        park = load_scenario(DEMO, sets=[f"demand.stock_days={stock_days}"])
        return float(run(park, 0).output.sum())

    plain = float(run(demo, 0).output.sum())
    assert output(0) < output(3) <= plain


# --- bad input ---------------------------------------------------------------------------

BASE = """\
name: t
regions:
  - id: park
enterprises:
  - {id: a, sector: s, region: park, baseline_output: 1, staff: 1}
demand:
  stock_days: 3
  final:
    - sectors: [s]
      index:
        - {day: 0, value: 1}
        - {day: 10, value: 0.6}
"""
# Lines: 6 `demand:`, 7 stock_days, 8 `final:`, 9 sectors, 10 `index:`, 11–12 points.


def problem(tmp_path: Path, old: str, new: str):
    assert BASE.count(old) == 1, old
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 1, str(info.value)
    return info.value.problems[0]


def test_the_base_of_the_bad_input_tests_is_valid(tmp_path: Path):
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert load_scenario(path).scenario.demand is not None


def test_an_index_that_is_not_a_number(tmp_path: Path):
    p = problem(tmp_path, "value: 0.6", "value: low")
    assert (p.line, p.path) == (12, ("demand", "final", 0, "index", 1, "value"))
    assert "number" in p.message and "found 'low'" in p.message


def test_a_negative_index(tmp_path: Path):
    p = problem(tmp_path, "value: 0.6", "value: -0.6")
    assert (p.line, p.path) == (12, ("demand", "final", 0, "index", 1, "value"))
    assert "greater than or equal to 0" in p.message


def test_an_index_of_yes_is_not_a_number(tmp_path: Path):
    p = problem(tmp_path, "value: 0.6", "value: true")
    assert p.path == ("demand", "final", 0, "index", 1, "value")


def test_an_unknown_sector(tmp_path: Path):
    p = problem(tmp_path, "sectors: [s]", "sectors: [ss]")
    assert (p.line, p.path) == (9, ("demand", "final", 0, "sectors", 0))
    assert "unknown sector 'ss' (did you mean 's'?)" in p.message


def test_a_negative_store(tmp_path: Path):
    p = problem(tmp_path, "stock_days: 3", "stock_days: -3")
    assert (p.line, p.path) == (7, ("demand", "stock_days"))


def test_index_points_out_of_order(tmp_path: Path):
    p = problem(tmp_path, "{day: 0, value: 1}", "{day: 20, value: 1}")
    assert (p.line, p.path) == (10, ("demand", "final", 0, "index"))
    assert "point 1 (day 10) comes after point 0 (day 20)" in p.message


def test_an_empty_index(tmp_path: Path):
    old = "      index:\n        - {day: 0, value: 1}\n        - {day: 10, value: 0.6}\n"
    p = problem(tmp_path, old, "      index: []\n")
    assert p.path == ("demand", "final", 0, "index")


def test_a_sector_given_two_indices(tmp_path: Path):
    twice = "    - sectors: [s]\n      index: [{day: 0, value: 0.5}]\n"
    p = problem(tmp_path, "    - sectors: [s]\n", twice + "    - sectors: [s]\n")
    assert p.path == ("demand", "final")
    assert "entry 1 names sector 's' as entry 0 does" in p.message


def test_two_entries_for_every_sector(tmp_path: Path):
    every = "    - index: [{day: 0, value: 0.5}]\n"
    p = problem(tmp_path, "    - sectors: [s]\n", every + every + "    - sectors: [s]\n")
    assert "entries 0 and 1 both give every sector's index" in p.message
