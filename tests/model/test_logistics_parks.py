"""Freight in a region of three parks: corridor lead times, pass pools and stations.

Parks `a`, `b` and `c` are each one zone (`za`, `zb`, `zc`); a corridor joins `a` and
`b`, none joins `c` to either. Firms have baseline 10 and buy one unit of input per unit
of output, so a day of need is one truck of 10.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.model.logistics import Logistics
from sim.model.world import World, run
from sim.scenario.expand import Park, expand
from sim.scenario.schema import Scenario

LEVELS = {
    "open": {"operate": "all", "review": False, "freight_pass": False},
    "sealed": {"operate": "all", "review": False, "freight_pass": True},
    "shut": {"operate": "whitelist", "review": False, "freight_pass": False},
}


def _firm(fid: str, zone: str, *sources: str, stock: float = 2, **kw: Any) -> dict[str, Any]:
    """A firm of zone `zone` buying good `g_<source>` from each source."""
    inputs = [{"good": f"g_{s}", "from": s, "per_output": 1, "stock_days": stock} for s in sources]
    return {
        "id": fid,
        "sector": "s",
        "region": zone,
        "baseline_output": 10,
        "staff": 0,
        "initially_open": True,
        "inputs": inputs,
        **kw,
    }


def _region(
    firms: list[dict[str, Any]],
    levels: dict[str, Any],
    *,
    corridor: dict[str, Any] | None = None,
    parks: dict[str, dict[str, Any]] | None = None,
    days: int = 20,
    **sections: Any,
) -> Park:
    """Three parks of one zone each; `levels` gives each zone's timeline (a level name
    for the whole run, or a list of changes); one corridor between `a` and `b`."""
    regions = []
    for zone in ("za", "zb", "zc"):
        tl = levels.get(zone, "open")
        timeline = [{"day": 0, "level": tl}] if isinstance(tl, str) else tl
        regions.append({"id": zone, "timeline": timeline})
    extra = parks or {}
    data: dict[str, Any] = {
        "name": "three_parks",
        "days": days,
        "control_levels": LEVELS,
        "regions": regions,
        "parks": [{"id": p, "zones": [f"z{p}"], **extra.get(p, {})} for p in ("a", "b", "c")],
        "corridors": [{"id": "ab", "between": ["a", "b"], **(corridor or {})}],
        "enterprises": firms,
        "reopening": {"ramp_days": 0},
        "workforce": {"quarantine_days": 0},
        **sections,
    }
    return expand(Scenario.model_validate(data), None)


# -- (a) corridor lead times ------------------------------------------------------


def test_a_corridor_sets_the_lead_time_of_links_along_it_and_only_those() -> None:
    park = _region(
        [
            _firm("a1", "za"),
            _firm("c1", "zc"),
            _firm("b1", "zb", "a1", "c1"),
            _firm("a2", "za", "c1"),
        ],
        {},
        corridor={"lead_days": 3.5},
        supply={"park_lead_days": 2},
    )
    net = World(park, 0).network
    # b1 ← a1 along the corridor (3.5 rounded up), b1 ← c1 and a2 ← c1 on no corridor
    assert net.link_corridor.tolist() == [0, -1, -1]
    assert net.link_lead.tolist() == [4, 2, 2]


def test_goods_along_a_corridor_arrive_after_its_lead_time() -> None:
    # a1 and c1 are shut until day 5; b1 holds 2 days of each input. A shipment of day 5
    # arrives for the production of day 5 + lead: c1's (no corridor, 2 days) on day 7,
    # a1's (the corridor's 4 days) on day 9.
    shut = [{"day": 0, "level": "shut"}, {"day": 5, "level": "open"}]
    park = _region(
        [_firm("a1", "za"), _firm("c1", "zc"), _firm("b1", "zb", "a1", "c1")],
        {"za": shut, "zc": shut},
        corridor={"lead_days": 4},
        supply={"park_lead_days": 2},
    )
    tr = run(park, 0)
    lost_a = tr.lost_days[:, tr.causes.index("input:g_a1")]
    lost_c = tr.lost_days[:, tr.causes.index("input:g_c1")]
    # the region loses b1's output (a third of the region's baseline) from day 2 to day 8
    b1_share = 1 / 3
    np.testing.assert_allclose((lost_a + lost_c)[2:9], b1_share)
    np.testing.assert_allclose((lost_a + lost_c)[9:], 0.0)
    # on days 7 and 8 only the corridor's goods are missing
    np.testing.assert_allclose(lost_a[7:9], b1_share)
    np.testing.assert_allclose(lost_c[7:9], 0.0)


# -- (b) pass pools ---------------------------------------------------------------


def _pool_world() -> tuple[World, Logistics]:
    """Every zone needs passes. b0..b14 each buy from a0 (along the corridor: its pool
    of 1 a day) and from c0 (into park b: b's pool of 10 a day); a1..a3 buy from c0
    (into park a, which gives no passes: the region's pool of 2 a day). b0 and a1
    also truck output out."""
    firms = [_firm("a0", "za"), _firm("c0", "zc")]
    firms += [
        _firm(f"b{i}", "zb", "a0", "c0", **({"outbound_share": 0.5} if i == 0 else {}))
        for i in range(15)
    ]
    firms += [
        _firm(f"a{i}", "za", "c0", **({"outbound_share": 0.5} if i == 1 else {}))
        for i in range(1, 4)
    ]
    park = _region(
        firms,
        {"za": "sealed", "zb": "sealed", "zc": "sealed"},
        corridor={"passes_per_day": 1},
        parks={"b": {"passes_per_day": 10}},
        logistics={"passes_per_day": 2},
    )
    w = World(park, 0)
    return w, w.get(Logistics)


def test_each_pool_issues_its_own_rate_a_day_independently() -> None:
    w, logi = _pool_world()
    net = w.network
    along = net.link_corridor >= 0
    into_b = ~along & (w.firms.park[net.link_firm] == 1)
    into_a = w.firms.park[net.link_firm] == 0
    assert (along.sum(), into_b.sum(), into_a.sum()) == (15, 15, 3)
    logi.requested_at[:] = 0.0
    b0, a1 = w.firms.index["b0"], w.firms.index["a1"]
    logi.out_requested[[b0, a1]] = 0.0
    issued = []
    for d in range(4):
        logi.issue_passes(d)
        has = logi.has_pass
        counts = (int(has[along].sum()), int(has[into_b].sum()), int(has[into_a].sum()))
        issued.append((*counts, bool(logi.out_pass[b0]), bool(logi.out_pass[a1])))
    assert issued == [
        # corridor 1 a day; park b 10 a day to its 15 routes, then its firm's outbound
        # pass (routes before outbound trucks, as in one pool); the region's 2 a day to
        # park a's 3 routes, then a1's outbound pass
        (1, 10, 2, False, False),
        (2, 15, 3, True, True),
        (3, 15, 3, True, True),
        (4, 15, 3, True, True),
    ]
    # within the corridor's pool, the order of a single pool: the first route first
    assert np.flatnonzero(logi.has_pass & along).tolist() == np.flatnonzero(along)[:4].tolist()


def test_a_region_whose_parks_and_corridors_give_no_passes_keeps_one_pool() -> None:
    park = _region([_firm("a0", "za"), _firm("b0", "zb", "a0")], {"zb": "sealed"}, logistics={})
    logi = World(park, 0).get(Logistics)
    assert len(logi.pool_rate) == 0
    park = _region(
        [_firm("a0", "za"), _firm("b0", "zb", "a0")],
        {"zb": "sealed"},
        parks={"c": {"passes_per_day": 3}},
    )
    logi = World(park, 0).get(Logistics)
    assert logi.pool_rate.tolist() == [np.inf, 3.0]  # the region's pool has no limit
    assert logi.link_pool.tolist() == [0]


def test_a_corridor_pool_with_no_passes_holds_its_routes_while_the_park_pool_ships() -> None:
    park = _region(
        [_firm("a0", "za"), _firm("c0", "zc"), _firm("b1", "zb", "a0"), _firm("b2", "zb", "c0")],
        {"zb": "sealed"},
        corridor={"passes_per_day": 0},
        parks={"b": {"passes_per_day": 10}},
    )
    tr = run(park, 0)
    logi = tr.lost_days[:, tr.causes.index("logistics")]
    # b1 (along the corridor) never gets a pass: from day 2 on, it loses its output to
    # logistics; b2 gets its pass from park b on the first request and never stops
    np.testing.assert_allclose(tr.capacity[3:], 0.75)
    np.testing.assert_allclose(logi[3:], 0.25)


# -- (c) stations -----------------------------------------------------------------


STATIONS = [
    {"id": "cs", "bays": 4, "handling_hours": 1},
    {"id": "bs", "park": "b", "bays": 4, "handling_hours": 1},
    {"id": "as", "park": "a", "bays": 4, "handling_hours": 1},
]
"""A station of no park, then one of park b and one of park a."""


def _station_run(
    corridor: dict[str, Any], stations: list[dict[str, Any]] = STATIONS
) -> tuple[Any, World]:
    """Three identical controlled routes: a1 → b1 along the corridor, c1 → b2 into park
    b, c2 → a2 into park a (zones za and zb need passes, zc does not). Trips take the
    first eligible open station (`nearest`), so a station a route may use but should
    not would take its trips."""
    park = _region(
        [
            _firm("a1", "za"),
            _firm("c1", "zc"),
            _firm("c2", "zc"),
            _firm("b1", "zb", "a1"),
            _firm("b2", "zb", "c1"),
            _firm("a2", "za", "c2"),
        ],
        {"za": "sealed", "zb": "sealed"},
        corridor=corridor,
        logistics={"truck_load": 10, "transfer_stations": stations, "routing": "nearest"},
    )
    w = World(park, 0)
    return w.run(), w


def test_trips_go_through_their_corridors_stations_and_their_parks_stations() -> None:
    tr, _ = _station_run({"stations": ["cs"]})
    cs, bs, as_ = tr.funnel[-1, :, 0]
    # the corridor's trips at its station, the others at their receiving park's: the
    # three routes are alike, so each station declares the same trips
    assert cs > 0
    assert cs == bs == as_
    # a station of no park that no corridor lists takes trips into any park: listed
    # first, it takes them all
    tr2, _ = _station_run({})
    assert tr2.funnel[-1, :, 0].tolist() == [3 * cs, 0, 0]
    # without it, the corridor's trips go through the receiving park's station
    tr3, _ = _station_run({}, STATIONS[1:])
    assert tr3.funnel[-1, :, 0].tolist() == [2 * cs, cs]


def test_station_groups_follow_parks_and_corridors() -> None:
    _, w = _station_run({"stations": ["cs"]})
    logi = w.get(Logistics)
    groups = [sorted(logi.group_stations[g]) for g in logi.link_group.tolist()]
    # links in firm order: b1 ← a1 (corridor: cs), b2 ← c1 (park b: bs), a2 ← c2 (park a: as)
    assert groups == [[0], [1], [2]]


def test_a_corridor_whose_station_never_opens_holds_its_trips_at_the_gate() -> None:
    stations = [{**STATIONS[0], "opening_day": 1000}, *STATIONS[1:]]
    tr, w = _station_run({"stations": ["cs"]}, stations)
    cs, bs, as_ = tr.funnel[-1, :, 0]
    assert cs == 0 and bs > 0 and as_ > 0
    logi = w.get(Logistics)
    b1 = w.firms.index["b1"]
    assert logi.gate_wait and {int(w.network.link_firm[t.link]) for t in logi.gate_wait} == {b1}
    # once its stock is gone, b1 (a sixth of the region) loses everything to logistics
    lost = tr.lost_days[:, tr.causes.index("logistics")]
    np.testing.assert_allclose(lost[3:], 1 / 6)


def test_a_route_with_no_station_to_use_travels_directly() -> None:
    # only park b has a station: trips into park a (sealed) have none and travel
    # directly, a day sooner than through a station
    tr, w = _station_run({}, [STATIONS[1]])
    assert w.get(Logistics).link_via.tolist() == [True, True, False]
    lost = tr.lost_days[:, tr.causes.index("logistics")]
    np.testing.assert_allclose(lost[2], 2 / 6)  # b1 and b2 wait for the station's day
    np.testing.assert_allclose(tr.capacity[3:], 1.0)
    # with a station for park a too, a2 waits as well
    tr2, _ = _station_run({}, [STATIONS[1], STATIONS[2]])
    np.testing.assert_allclose(tr2.lost_days[2, tr2.causes.index("logistics")], 3 / 6)
