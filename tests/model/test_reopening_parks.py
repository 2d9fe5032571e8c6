"""Reopening in a region of parks: each park's service teams, white lists that name
firms of several parks, mutual recognition of lists, and liaison across parks.

Tiny regions worked out on paper: zones `za`, `zb`, `zc` are parks A, B, C; firms have
baseline 1, no staff and no ramp-up (`tests.model._park`). Under the level `shut` only
white-listed firms may operate and need no review, so a firm listed on day d is open
from day d; under `review` any firm may apply and a team reviews it in one day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.model.reopening import Reopening
from sim.model.world import World
from tests.model._park import check_invariants, firm, world

LEVELS = {
    "shut": {"operate": "whitelist", "review": False, "rank": 2},
    "review": {"operate": "apply", "review": True, "rank": 1},
    "normal": {"operate": "all", "review": False, "rank": 0},
}


def region(level: str = "shut", *, teams: tuple[int | None, ...] = (None, None, None)) -> dict:
    """Sections of a three-park region, every zone at `level`; park k's own teams."""
    parks = []
    for pid, zone, own in zip("ABC", ("za", "zb", "zc"), teams, strict=True):
        p: dict[str, Any] = {"id": pid, "zones": [zone]}
        if own is not None:
            p["service_teams"] = own
        parks.append(p)
    zones = [{"id": z, "timeline": [{"day": 0, "level": level}]} for z in ("za", "zb", "zc")]
    return {"regions": [*zones, {"id": "out"}], "parks": parks, "control_levels": LEVELS}


def in_zone(fid: str, zone: str, **kw: Any) -> dict[str, Any]:
    return firm(fid, region=zone, **kw)


def opened(w: World) -> dict[str, float]:
    """Day each firm reopened (inf: never)."""
    return {
        fid: float(w.reopened_at[i]) if w.state[i] != 0 else np.inf
        for i, fid in enumerate(w.firms.ids)
    }


def released(w: World) -> dict[str, str | None]:
    """The batch or rule that released each firm (None: none)."""
    ids = w.shared.release_ids
    return {
        fid: (ids[k] if k >= 0 else None)
        for fid, k in zip(w.firms.ids, w.shared.released_by, strict=True)
    }


# --- service teams: a pool per park ------------------------------------------------------

THREE_EACH = [in_zone(f"a{i}", "za") for i in range(3)] + [in_zone(f"b{i}", "zb") for i in range(3)]


def test_a_park_with_one_team_and_one_with_fifty_queue_apart() -> None:
    # A's one team reviews a0 [0,1), a1 [1,2), a2 [2,3); B's fifty review b0..b2 at once.
    # The region's shared pool (5 teams) serves only C, which has no firm.
    w = world(
        THREE_EACH,
        days=5,
        reopening={"review_days": 1},
        **region("review", teams=(1, 50, None)),
    )
    tr = w.run()
    assert opened(w) == {"a0": 1, "a1": 2, "a2": 3, "b0": 1, "b1": 1, "b2": 1}
    by_park = tr.series["review_queue_by_park"]
    assert by_park.axes == (("A", "B", "C"),)
    np.testing.assert_array_equal(by_park.values[:4], [[2, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(tr.review_queue[:4], [2, 1, 0, 0])
    # the waits of the day's reviews: day 0 all six start (0 wait), then a1 (1), a2 (2)
    np.testing.assert_array_equal(tr.review_wait[:3], [0, 1, 2])
    check_invariants(tr)
    # teams started: 1 for A, 2·3+1 = 7 of B's fifty, none for the unused shared pool
    assert w.firms.pool_teams == (5, 1, 50)
    assert w.firms.team_pool.tolist() == [1, 1, 1, 2, 2, 2]


def test_parks_without_teams_share_the_regions_pool() -> None:
    # No park has teams: the region's two teams serve all six firms in one queue, by
    # firm order at equal priority and time: a0, a1 [0,1), a2, b0 [1,2), b1, b2 [2,3).
    w = world(THREE_EACH, days=5, reopening={"service_teams": 2}, **region("review"))
    w.run()
    assert opened(w) == {"a0": 1, "a1": 1, "a2": 2, "b0": 2, "b1": 3, "b2": 3}
    assert w.firms.team_pool.tolist() == [0] * 6
    # A with its own team: B's firms have the two shared teams to themselves
    w = world(
        THREE_EACH,
        days=5,
        reopening={"service_teams": 2},
        **region("review", teams=(1, None, None)),
    )
    w.run()
    assert opened(w) == {"a0": 1, "a1": 2, "a2": 3, "b0": 1, "b1": 1, "b2": 2}


def test_two_parks_with_one_team_each_review_side_by_side() -> None:
    # Each pool's queue holds its own firms' applications only: a park's firms never
    # wait behind another park's.
    w = world(
        THREE_EACH, days=5, reopening={"review_days": 1}, **region("review", teams=(1, 1, None))
    )
    rp = w.get(Reopening)
    tr = w.run()
    assert [len(q) for q in rp.queues] == [0, 0, 0]
    assert opened(w) == {"a0": 1, "a1": 2, "a2": 3, "b0": 1, "b1": 2, "b2": 3}
    by_park = tr.series["review_queue_by_park"]
    np.testing.assert_array_equal(by_park.values[:3], [[2, 2, 0], [1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(tr.review_queue[:3], [4, 2, 0])
    assert (by_park.unit, by_park.values.dtype) == ("applications", np.int64)
    assert by_park.doc == (
        "applications (reopening and credit) of each park's firms waiting for a team at the "
        "end of the day"
    )


def test_a_park_with_teams_and_no_firms_starts_none() -> None:
    # C gives its own teams but has no firm; A and B share the region's one team
    firms = [in_zone("a", "za"), in_zone("b", "zb")]
    w = world(
        firms, days=4, reopening={"service_teams": 1}, **region("review", teams=(None, None, 3))
    )
    assert w.firms.pool_teams == (1, 3)
    assert w.firms.team_pool.tolist() == [0, 0]
    w.run()
    assert opened(w) == {"a": 1, "b": 2}
    # at the end the shared team waits for work; C started no team at all
    assert [len(idle) for idle in w.get(Reopening).idle] == [1, 0]


def test_a_scenario_without_parks_has_one_pool_and_no_series_per_park() -> None:
    w = world([firm("a"), firm("b")], level="controlled", days=3, reopening={"service_teams": 1})
    tr = w.run()
    assert w.firms.pool_teams == (1,)
    assert w.firms.team_pool.tolist() == [0, 0]
    assert "review_queue_by_park" not in tr.series
    assert opened(w) == {"a": 1, "b": 2}


# --- white lists and approvals that name parks ---------------------------------------------

MIXED = [
    in_zone("a_back", "za", tags=["backbone"], baseline_output=5, sector="metal"),
    in_zone("a_big", "za", baseline_output=9, above_scale=True),
    in_zone("b_back", "zb", tags=["backbone"], baseline_output=2, sector="metal"),
    in_zone("b_small", "zb", baseline_output=3),
    in_zone("b_other", "zb", baseline_output=1, above_scale=True),
    in_zone("c_back", "zc", tags=["backbone"], sector="metal"),
]


@pytest.mark.parametrize(
    ("batch", "listed"),
    [
        ({"tags": ["backbone"]}, {"a_back", "b_back", "c_back"}),
        ({"tags": ["backbone"], "parks": ["A", "C"]}, {"a_back", "c_back"}),
        ({"tags": ["backbone"], "parks": ["B"], "firms": ["a_big"]}, {"b_back", "a_big"}),
        ({"sectors": ["metal"], "parks": ["B"]}, {"b_back"}),
        ({"above_scale": True, "parks": ["B"]}, {"b_other"}),
        ({"top_n": {"n": 1}}, {"a_big"}),
        ({"top_n": {"n": 2}, "parks": ["B"]}, {"b_small", "b_back"}),
        (
            {"top_n": {"n": 1}, "parks": ["B", "C"], "tags": ["backbone"]},
            {"b_small", "b_back", "c_back"},
        ),
    ],
)
def test_a_batch_naming_parks_selects_by_rule_only_among_their_firms(batch, listed) -> None:
    w = world(MIXED, days=4, reopening={"whitelists": [{"id": "w", "day": 1, **batch}]}, **region())
    w.run()
    assert {f for f, d in opened(w).items() if d == 1} == listed
    assert {f for f, d in opened(w).items() if d != 1} == set(w.firms.ids) - listed


def test_an_approval_rule_naming_parks_approves_only_their_firms() -> None:
    rule = {"id": "district_b", "per_day": 2, "eligible": {"parks": ["B"]}, "order": "size"}
    w = world(MIXED, days=4, reopening={"approvals": [rule]}, **region())
    w.run()
    # two a day, largest first, only in park B: b_small, b_back on day 0, b_other on day 1
    assert {f: d for f, d in opened(w).items() if d < np.inf} == {
        "b_small": 0,
        "b_back": 0,
        "b_other": 1,
    }
    # with another condition: above-scale firms of park B only (not a_big in park A)
    rule["eligible"] = {"above_scale": True, "parks": ["B"]}
    w = world(MIXED, days=4, reopening={"approvals": [rule]}, **region())
    w.run()
    assert {f: d for f, d in opened(w).items() if d < np.inf} == {"b_other": 0}


# --- suppliers of listed firms and mutual recognition --------------------------------------

CHAIN = [
    in_zone(
        "a1",
        "za",
        inputs=[
            {"good": "g1", "from": "a2", "per_output": 0},
            {"good": "g2", "from": "b1", "per_output": 0},
            {"good": "g3", "from": "c1", "per_output": 0},
        ],
    ),
    in_zone("a2", "za"),
    in_zone("b1", "zb", inputs=[{"good": "g4", "from": "b2", "per_output": 0}]),
    in_zone("b2", "zb"),
    in_zone("c1", "zc"),
]
"""a1 (park A) buys from a2 (A), b1 (B) and c1 (C); b1 buys from b2 (B)."""

BATCH = {"id": "chain", "day": 2, "firms": ["a1"], "suppliers_of_listed": True}


def chain(recognition: dict | None, days: int = 12) -> World:
    cfg: dict[str, Any] = {"whitelists": [BATCH]}
    if recognition is not None:
        cfg["mutual_recognition"] = recognition
    w = world(CHAIN, days=days, reopening=cfg, **region())
    w.run()
    return w


def test_without_recognition_a_park_lists_only_its_own_suppliers() -> None:
    w = chain(None)
    assert opened(w) == {"a1": 2, "a2": 2, "b1": np.inf, "b2": np.inf, "c1": np.inf}


def test_recognition_lists_suppliers_in_every_recognising_park_the_same_day() -> None:
    w = chain({})
    # one tier only: b2 supplies b1, which was listed by recognition, not by a batch
    assert opened(w) == {"a1": 2, "a2": 2, "b1": 2, "b2": np.inf, "c1": 2}
    assert released(w) == {"a1": "chain", "a2": "chain", "b1": "chain", "b2": None, "c1": "chain"}


def test_only_parks_that_both_recognise_list_each_others_suppliers() -> None:
    assert opened(chain({"parks": ["A", "B"]}))["b1"] == 2
    assert opened(chain({"parks": ["A", "B"]}))["c1"] == np.inf
    # the supplier's park recognises, the listing firm's park does not: nothing moves
    assert opened(chain({"parks": ["B", "C"]})) == opened(chain(None))


@pytest.mark.parametrize(("delay", "day"), [(3, 5), (2.5, 5), (0.1, 3), (20, np.inf)])
def test_recognition_after_a_delay_lists_them_whole_days_after_the_batch(delay, day) -> None:
    w = chain({"delay_days": delay})
    assert opened(w) == {"a1": 2, "a2": 2, "b1": day, "b2": np.inf, "c1": day}
    if day < np.inf:
        assert released(w)["b1"] == released(w)["c1"] == "chain"


def test_recognised_suppliers_reopen_under_their_own_parks_rules() -> None:
    # Park B's level lets only listed firms apply and reviews them; B has one team of its
    # own, with one-day reviews. Listed on day 2 with a1, c1 opens at once (C reviews
    # nobody) while b1 waits for B's team: reviewed [2, 3), open on day 3.
    cfg = region()
    cfg["control_levels"] = {**LEVELS, "listed_review": {"operate": "whitelist", "rank": 3}}
    cfg["regions"][1]["timeline"] = [{"day": 0, "level": "listed_review"}]
    cfg["parks"][1]["service_teams"] = 1
    rec = {"whitelists": [BATCH], "mutual_recognition": {}, "review_days": 1}
    w = world(CHAIN, days=8, reopening=rec, **cfg)
    w.run()
    assert opened(w) == {"a1": 2, "a2": 2, "b1": 3, "b2": np.inf, "c1": 2}
    assert w.firms.team_pool.tolist() == [0, 0, 1, 1, 0]


def test_a_listed_firm_in_park_b_lists_its_suppliers_in_a_recognising_park_a() -> None:
    firms = [
        in_zone("a1", "za"),
        in_zone("b1", "zb", inputs=[{"good": "g", "from": "a1", "per_output": 0}]),
    ]
    batch = {"day": 1, "firms": ["b1"], "suppliers_of_listed": True}
    for rec, a1 in ((None, np.inf), ({}, 1)):
        cfg: dict[str, Any] = {"whitelists": [batch]}
        if rec is not None:
            cfg["mutual_recognition"] = rec
        w = world(firms, days=4, reopening=cfg, **region())
        w.run()
        assert opened(w) == {"a1": a1, "b1": 1}
        assert released(w)["b1"] == "whitelists[0]"


def test_suppliers_in_other_zones_of_the_same_park_are_its_own() -> None:
    # the same chain as one park (every zone in park A): all suppliers are its own
    cfg = region()
    cfg["parks"] = [{"id": "A", "zones": ["za", "zb", "zc"]}]
    w = world(CHAIN, days=6, reopening={"whitelists": [BATCH]}, **cfg)
    w.run()
    assert opened(w) == {"a1": 2, "a2": 2, "b1": 2, "b2": np.inf, "c1": 2}


# --- liaison across parks ----------------------------------------------------------------

LIAISED = [
    in_zone(
        "a_big",
        "za",
        baseline_output=5,
        inputs=[
            {"good": "g", "from": "b_small", "per_output": 0},
            {"good": "h", "from": "a_small", "per_output": 0},
        ],
    ),
    in_zone("a_small", "za"),
    in_zone("b_big", "zb", baseline_output=5),
    in_zone("b_small", "zb"),
    in_zone("c_small", "zc"),
    in_zone(
        "a_mid", "za", baseline_output=2, inputs=[{"good": "k", "from": "c_small", "per_output": 0}]
    ),
]


def liaised(across: bool, teams: tuple[int | None, ...] = (1, None, None), **li: Any) -> set[str]:
    cfg = {"service_teams": 1, "liaison": {"firms_per_team": 1, "across_parks": across, **li}}
    w = world(LIAISED, days=2, reopening=cfg, **region(teams=teams))
    return {w.firms.ids[i] for i in np.flatnonzero(w.firms.liaison)}


def test_each_pools_teams_liaise_with_their_own_parks_firms() -> None:
    # A's one team liaises with a_big; the shared team (B and C) with b_big
    assert liaised(False) == {"a_big", "b_big"}
    # one shared team for the whole region: only the largest firm
    assert liaised(False, teams=(None, None, None)) == {"a_big"}
    assert liaised(False, teams=(2, None, None)) == {"a_big", "a_mid", "b_big"}


def test_liaison_across_parks_adds_the_liaised_firms_suppliers_in_other_parks() -> None:
    # a_big buys from b_small (park B: liaised too) and a_small (its own park: not);
    # a_mid is not liaised, so its supplier c_small is not either
    assert liaised(True) == {"a_big", "b_big", "b_small"}
    assert liaised(True, teams=(2, None, None)) == {"a_big", "a_mid", "b_big", "b_small", "c_small"}


def test_a_supplier_liaised_across_parks_prepares_faster() -> None:
    # apply_days 4, speedup 2: b_small, listed on day 1, applies and opens on day 3
    cfg = {
        "service_teams": 1,
        "apply_days": 4,
        "liaison": {"firms_per_team": 1, "across_parks": True, "speedup": 2},
        "whitelists": [{"day": 1, "firms": ["b_small", "a_small"]}],
    }
    w = world(LIAISED, days=8, reopening=cfg, **region(teams=(1, None, None)))
    w.run()
    assert opened(w)["b_small"] == 3
    assert opened(w)["a_small"] == 5
