"""Workforce pools per park of a region (issue 20.1): each park's own beds, hotel
rooms, chartered buses and return curves serve only its firms; parks that give none
share the region's."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.model.workforce import ONSITE_PARTS, RETURNING_PARTS, Workforce, fill_by_priority
from sim.model.world import World
from sim.record import WORKFORCE_PARTS, Trace
from sim.scenario.expand import expand
from tests.model._park import check_invariants, firm, scenario

NO_COMMUTING = {"closed": {"operate": "all", "review": False, "commuting": False}}
"""A level where firms run without review but locals cannot commute."""
NOBODY_RETURNS = [{"day": 0, "share": 0}]
PRIORITY = {"priority": ["livelihood"]}


def region(
    firms: list[dict[str, Any]],
    park_a: dict[str, Any] | None = None,
    park_b: dict[str, Any] | None = None,
    *,
    level: str = "normal",
    parks: bool = True,
    **kw: Any,
) -> World:
    """A built World of two parks: `a` (zone `za`) and `b` (zone `zb`), both zones at
    `level`, each park with the given own `workforce` keys (none: the region's).
    `parks=False`: the same two zones without `parks`, one park as before issue 20."""
    timeline = [{"day": 0, "level": level}]
    regions = [{"id": "za", "timeline": timeline}, {"id": "zb", "timeline": timeline}]
    extra: dict[str, Any] = {"regions": [*regions, {"id": "out"}]}
    if parks:
        extra["parks"] = [
            {"id": "a", "zones": ["za"], "workforce": park_a or {}},
            {"id": "b", "zones": ["zb"], "workforce": park_b or {}},
        ]
    return World(expand(scenario(firms, **extra, **kw), None), 0)


def in_a(fid: str, **kw: Any) -> dict[str, Any]:
    return firm(fid, region="za", **kw)


def in_b(fid: str, **kw: Any) -> dict[str, Any]:
    return firm(fid, region="zb", **kw)


def column(tr: Trace, part: str) -> np.ndarray:
    return tr.workforce[:, WORKFORCE_PARTS.index(part)]


def onsite(tr: Trace, part: str) -> np.ndarray:
    return tr.series["onsite_capacity"].values[:, ONSITE_PARTS.index(part)]


def returning(tr: Trace, part: str) -> np.ndarray:
    return tr.series["returning"].values[:, RETURNING_PARTS.index(part)]


def on_post(w: World) -> dict[str, int]:
    """Each firm's staff on post on the last day."""
    wf = w.get(Workforce)
    return dict(zip(w.firms.ids, wf.on_post.tolist(), strict=True))


# --- the allocation ------------------------------------------------------------------


def test_fill_by_priority_serves_each_pool_in_priority_order_then_firm_number():
    # pool 0 has 10, pool 1 has 25; firms 0 and 3 (pool 0) and 1, 2, 4 (pool 1);
    # priority 0 first, ties by firm number.
    want = np.array([8, 10, 20, 5, 10])
    pool = np.array([0, 1, 1, 0, 1])
    priority = np.array([1, 1, 0, 0, 1])
    got = fill_by_priority(want, pool, np.array([10, 25]), priority)
    # pool 0: firm 3 (priority 0) 5, then firm 0 gets 5 of 8
    # pool 1: firm 2 (priority 0) 20, then firm 1 gets 5, firm 4 none
    np.testing.assert_array_equal(got, [5, 5, 20, 5, 0])


# --- employee-station beds and hotel rooms ---------------------------------------------


def test_a_park_with_its_own_beds_fills_them_only_with_its_firms():
    # No commuting, no dorm beds. Park a gives 200 station beds of its own; park b
    # shares the region's 50. b1 has priority but cannot take park a's beds: a1 gets
    # all its 100 staff housed, b1 the region's 50, and park a's other 100 beds stay
    # empty. Without parks b1 (priority) would take 100 of the 250.
    firms = [in_a("a1", staff=100), in_b("b1", staff=100, tags=["livelihood"])]
    w = region(
        firms,
        {"employee_station_beds": 200},
        level="closed",
        control_levels=NO_COMMUTING,
        workforce={"employee_station_beds": 50},
        reopening=PRIORITY,
        days=3,
    )
    tr = w.run()
    check_invariants(tr)
    assert on_post(w) == {"a1": 100, "b1": 50}
    np.testing.assert_array_equal(column(tr, "on_post"), [150] * 3)
    np.testing.assert_array_equal(onsite(tr, "shared_beds"), [250] * 3)
    np.testing.assert_array_equal(onsite(tr, "shared_beds_taken"), [150] * 3)


def test_station_beds_and_hotel_rooms_are_pooled_key_by_key():
    # Park a: its own 30 station beds, the region's hotel rooms (40 from day 2).
    # Park b: the region's 50 station beds, its own hotel rooms (5 from day 3).
    # a1 and b1 have 100 staff each, no dorm beds, no commuting.
    # Days 0–1: a1 30, b1 50. Day 2: a1 30 + 40. Days 3–4: b1 50 + 5.
    firms = [in_a("a1", staff=100), in_b("b1", staff=100, tags=["livelihood"])]
    w = region(
        firms,
        {"employee_station_beds": 30},
        {"hotel_beds": [{"day": 3, "beds": 5}]},
        level="closed",
        control_levels=NO_COMMUTING,
        workforce={"employee_station_beds": 50, "hotel_beds": [{"day": 2, "beds": 40}]},
        reopening=PRIORITY,
        days=5,
    )
    tr = w.run()
    check_invariants(tr)
    assert on_post(w) == {"a1": 70, "b1": 55}
    np.testing.assert_array_equal(column(tr, "on_post"), [80, 80, 120, 125, 125])
    np.testing.assert_array_equal(onsite(tr, "shared_beds"), [80, 80, 120, 125, 125])
    np.testing.assert_array_equal(onsite(tr, "shared_beds_taken"), [80, 80, 120, 125, 125])
    np.testing.assert_allclose(tr.capacity, [0.4, 0.4, 0.6, 0.625, 0.625], rtol=0, atol=1e-15)


def test_parks_that_give_no_beds_share_the_regions_by_priority():
    # Park a gives only its own migrant curve; the beds stay one region-wide pool:
    # b1 (priority) takes 40 of the 50, a1 the other 10.
    firms = [in_a("a1", staff=100), in_b("b1", staff=40, tags=["livelihood"])]
    w = region(
        firms,
        {"migrant_return": NOBODY_RETURNS},
        level="closed",
        control_levels=NO_COMMUTING,
        workforce={"employee_station_beds": 50},
        reopening=PRIORITY,
        days=3,
    )
    tr = w.run()
    assert on_post(w) == {"a1": 10, "b1": 40}
    np.testing.assert_array_equal(onsite(tr, "shared_beds_taken"), [50] * 3)


def test_region_wide_beds_no_firm_shares_are_not_counted():
    # Both parks give their own beds: the region's 1,000 serve nobody and are not
    # among the shared beds recorded.
    firms = [in_a("a1", staff=100), in_b("b1", staff=100)]
    w = region(
        firms,
        {"employee_station_beds": 20},
        {"employee_station_beds": 30},
        level="closed",
        control_levels=NO_COMMUTING,
        workforce={"employee_station_beds": 1000},
        days=2,
    )
    tr = w.run()
    assert on_post(w) == {"a1": 20, "b1": 30}
    np.testing.assert_array_equal(onsite(tr, "shared_beds"), [50, 50])


# --- migrant return and buses -------------------------------------------------------------


def test_a_park_with_its_own_migrant_return_brings_its_migrants_on_its_curve():
    # Region: nobody returns. Park a: every migrant back on day 3 (share 1 from day 3:
    # the binomial of share 1 is certain). No quarantine. Each firm: 100 staff, 40
    # migrants; a2 is a second firm of park a, b1 of park b follows the region.
    firms = [
        in_a("a1", staff=100, migrant_share=0.4),
        in_a("a2", staff=100, migrant_share=0.4),
        in_b("b1", staff=100, migrant_share=0.4),
    ]
    w = region(
        firms,
        {"migrant_return": [{"day": 3, "share": 1}]},
        workforce={"migrant_return": NOBODY_RETURNS},
        days=5,
    )
    tr = w.run()
    check_invariants(tr)
    assert on_post(w) == {"a1": 100, "a2": 100, "b1": 60}
    np.testing.assert_array_equal(column(tr, "away"), [120] * 3 + [40] * 2)
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), [0] * 3 + [80] * 2)


def test_each_park_may_keep_its_own_migrant_curve():
    # Park a's migrants all back on day 1, park b's on day 3; the region's curve
    # (everyone on day 0, the default) serves no firm.
    firms = [in_a("a1", staff=10, migrant_share=0.5), in_b("b1", staff=10, migrant_share=0.5)]
    w = region(
        firms,
        {"migrant_return": [{"day": 1, "share": 1}]},
        {"migrant_return": [{"day": 3, "share": 1}]},
        days=4,
    )
    tr = w.run()
    np.testing.assert_array_equal(column(tr, "away"), [10, 5, 5, 0])


def test_a_parks_buses_carry_only_its_migrants_and_the_regions_serve_the_others():
    # Nobody returns along a curve, no quarantine; 40 migrants at each firm. The
    # region's bus (30 seats, day 1) serves park b only, since park a has its own:
    # b1 gets 30 though a1 has priority. Park a's bus (10 seats, day 2) goes to a1
    # (priority) before a2.
    firms = [
        in_a("a2", staff=100, migrant_share=0.4),
        in_a("a1", staff=100, migrant_share=0.4, tags=["livelihood"]),
        in_b("b1", staff=100, migrant_share=0.4),
    ]
    w = region(
        firms,
        {"chartered_buses": [{"day": 2, "seats": 10}]},
        workforce={
            "migrant_return": NOBODY_RETURNS,
            "chartered_buses": [{"day": 1, "seats": 30}],
        },
        reopening=PRIORITY,
        days=4,
    )
    tr = w.run()
    check_invariants(tr)
    assert on_post(w) == {"a2": 60, "a1": 70, "b1": 90}
    np.testing.assert_array_equal(column(tr, "away"), [120, 90, 80, 80])


def test_a_park_with_an_empty_bus_list_gets_none_of_the_regions_seats():
    firms = [in_a("a1", staff=100, migrant_share=0.4), in_b("b1", staff=100, migrant_share=0.4)]
    w = region(
        firms,
        {"chartered_buses": []},
        workforce={
            "migrant_return": NOBODY_RETURNS,
            "chartered_buses": [{"day": 1, "seats": 1000}],
        },
        days=3,
    )
    w.run()
    assert on_post(w) == {"a1": 60, "b1": 100}


# --- local return: region, park and class ---------------------------------------------------


def test_a_class_rule_wins_over_its_parks_and_a_parks_over_the_regions_for_local_return():
    # Region: half the locals; park a: a fifth; class `small`: nine tenths, in either
    # park. No migrants, commuting allowed.
    firms = [
        in_a("a_small", staff=100, **{"class": "small"}),
        in_a("a_plain", staff=100),
        in_b("b_plain", staff=100),
        in_b("b_small", staff=100, **{"class": "small"}),
    ]
    w = region(
        firms,
        {"local_return": [{"day": 0, "share": 0.2}]},
        workforce={
            "local_return": [{"day": 0, "share": 0.5}],
            "classes": {"small": {"local_return": [{"day": 0, "share": 0.9}]}},
        },
        firm_classes={"small": {}},
        days=2,
    )
    tr = w.run()
    check_invariants(tr)
    assert on_post(w) == {"a_small": 90, "a_plain": 20, "b_plain": 50, "b_small": 90}
    np.testing.assert_array_equal(returning(tr, "locals_away"), [150, 150])


# --- no park gives anything: the region's pool, as before ----------------------------------


def test_two_parks_that_give_nothing_run_as_the_same_zones_without_parks():
    # Buses, beds, hotel rooms and a migrant curve with draws: the parks change nothing.
    firms = [
        in_a("a1", staff=120, migrant_share=0.5, dorm_beds=10),
        in_a("a2", staff=80, migrant_share=0.3, tags=["livelihood"]),
        in_b("b1", staff=150, migrant_share=0.6, bus_seats=20),
        in_b("b2", staff=60, migrant_share=0.2, tags=["livelihood"]),
    ]
    kw: dict[str, Any] = {
        "level": "closed",
        "control_levels": NO_COMMUTING,
        "workforce": {
            "quarantine_days": 2,
            "migrant_return": [{"day": 0, "share": 0.1}, {"day": 8, "share": 1}],
            "chartered_buses": [{"day": 2, "seats": 25}],
            "employee_station_beds": 40,
            "hotel_beds": [{"day": 3, "beds": 30}],
            "local_return": [{"day": 0, "share": 0.3}, {"day": 6, "share": 1}],
        },
        "reopening": PRIORITY,
        "days": 12,
    }
    with_parks = region(firms, **kw).run()
    without = region(firms, parks=False, **kw).run()
    for name in ("output", "workforce", "capacity"):
        np.testing.assert_array_equal(getattr(with_parks, name), getattr(without, name))
    for name in ("onsite_capacity", "returning"):
        np.testing.assert_array_equal(with_parks.series[name].values, without.series[name].values)
    assert column(without, "away").max() > 0


def test_parks_with_their_own_beds_each_run_as_a_park_alone():
    # Both parks keep their own stations and hotel rooms: the region's staff on post
    # and beds taken are, day by day, those of each park run alone with its pool as the
    # region-wide one (locals only, so no draw depends on the other park's firms). Park
    # a is short of beds every day (priority decides), park b has beds to spare from
    # day 1 which park a's firms cannot take.
    pools = {
        "a": {"employee_station_beds": 25, "hotel_beds": [{"day": 2, "beds": 30}]},
        "b": {"employee_station_beds": 10, "hotel_beds": [{"day": 1, "beds": 100}]},
    }
    firms = {
        "a": [
            in_a("a1", staff=60, dorm_beds=10),
            in_a("a2", staff=40, tags=["livelihood"]),
            in_a("a3", staff=30, bus_seats=5),
        ],
        "b": [
            in_b("b1", staff=50, tags=["livelihood"]),
            in_b("b2", staff=20, dorm_beds=5),
        ],
    }
    kw: dict[str, Any] = {
        "level": "closed",
        "control_levels": NO_COMMUTING,
        "reopening": PRIORITY,
        "days": 5,
    }
    local = [{"day": 0, "share": 0.5}, {"day": 4, "share": 1}]
    both = region(
        firms["a"] + firms["b"],
        pools["a"],
        pools["b"],
        workforce={"employee_station_beds": 1000, "local_return": local},
        **kw,
    ).run()
    alone = [
        region(firms[p], parks=False, workforce={**pools[p], "local_return": local}, **kw).run()
        for p in ("a", "b")
    ]
    np.testing.assert_array_equal(both.workforce, alone[0].workforce + alone[1].workforce)
    taken = onsite(alone[0], "shared_beds_taken") + onsite(alone[1], "shared_beds_taken")
    np.testing.assert_array_equal(onsite(both, "shared_beds_taken"), taken)
    np.testing.assert_array_equal(
        onsite(alone[0], "shared_beds_taken"), onsite(alone[0], "shared_beds")
    )
    assert np.all(onsite(both, "shared_beds")[1:] > taken[1:])
