"""Staggered reopening: white lists, the review queue, rectification and liaison.

A firm whose review ends at t = d is open from day d (world.py's event order),
so with one-day reviews starting at t = 0 the reopening days count 1, 2, 3, ...
"""

from __future__ import annotations

import itertools
import math
import time
import warnings

import numpy as np
import pytest

from sim.model import reopening
from sim.model.reopening import Reopening, ramp_factor
from sim.model.state import FirmState
from sim.model.streams import stream, stream_key
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from tests.model._park import check_invariants, firm, lost, only_cause, trace, world

PRIORITY = ["epidemic_supplies", "livelihood", "backbone"]
ONE_TEAM = {"service_teams": 1, "review_days": 1, "priority": PRIORITY}
TAG_OF = {"a": "backbone", "b": "livelihood", "c": "epidemic_supplies"}
"""c goes first, then b, then a (by the priority list)."""


def applicants(order: str, **kw) -> list[dict]:
    """Firms a, b, c (in file order `order`), each tagged as in TAG_OF."""
    base = {"a": 1.0, "b": 10.0, "c": 100.0}
    return [firm(x, tags=[TAG_OF[x]], baseline_output=base[x], **kw) for x in order]


def reopened(w) -> dict[str, float]:
    return {fid: float(w.reopened_at[i]) for i, fid in enumerate(w.firms.ids)}


# --- the review queue ---------------------------------------------------------------


@pytest.mark.parametrize("order", ["".join(p) for p in itertools.permutations("abc")])
def test_one_team_reviews_same_day_applicants_in_priority_order(order):
    # All three may apply at t=0 (controlled) and apply at once; one team with
    # one-day reviews: c reviewed [0,1), b [1,2), a [2,3). The order of the firms
    # in the file must not matter.
    w = world(applicants(order), level="controlled", days=6, reopening=ONE_TEAM)
    tr = w.run()
    assert reopened(w) == {"c": 1.0, "b": 2.0, "a": 3.0}
    np.testing.assert_allclose(tr.capacity, np.array([0, 100, 110, 111, 111, 111]) / 111)
    # day 0: one firm under review, two queued; day 1: one reviewed, one queued
    np.testing.assert_array_equal(tr.review_queue[:4], [2, 1, 0, 0])
    assert np.all(only_cause(tr, "awaiting_review")[:3])
    check_invariants(tr)


@pytest.mark.parametrize("order", ["abc", "cba", "bca"])
def test_applicants_arriving_together_later_are_also_served_by_priority(order):
    # Preparation takes 2 days for everyone: all file at t=2 from separate timeouts.
    cfg = {**ONE_TEAM, "apply_days": 2}
    w = world(applicants(order), level="controlled", days=8, reopening=cfg)
    w.run()
    assert reopened(w) == {"c": 3.0, "b": 4.0, "a": 5.0}


def test_two_teams_take_the_two_first_in_priority():
    w = world(
        applicants("abc"), level="controlled", days=5, reopening={**ONE_TEAM, "service_teams": 2}
    )
    w.run()
    assert reopened(w) == {"c": 1.0, "b": 1.0, "a": 2.0}


def test_ties_in_priority_go_by_application_time_then_firm_order():
    # x files at t=0.5, y and z (no priority tag) at t=0; y before z by firm order.
    firms = [firm("x", tags=["backbone"]), firm("z"), firm("y")]
    w = world(firms, level="controlled", days=6, reopening=ONE_TEAM)
    w.get(Reopening).apply_days[:] = [0.5, 0.0, 0.0]
    w.run()
    # z is first in the file: z [0,1), y [1,2); x (priority) filed at 0.5 goes next
    assert reopened(w) == {"z": 1.0, "x": 2.0, "y": 3.0}


def test_fail_prob_one_never_reopens_and_every_loss_is_awaiting_review():
    tr = trace([firm("a")], level="controlled", days=40, reopening={**ONE_TEAM, "fail_prob": 1.0})
    np.testing.assert_array_equal(tr.capacity, 0.0)
    np.testing.assert_array_equal(lost(tr, "awaiting_review"), 1.0)
    opened = tr.state_counts[:, tr.states.index("open")]
    assert np.all(opened == 0)
    assert tr.state_counts[:, tr.states.index("rectifying")].sum() > 0


@pytest.mark.parametrize("speedup", [None, 2.0])
def test_failed_reviews_rectify_and_reapply(speedup):
    # review 1 day, rectify 3 days (1.5 with a liaison at speedup 2). A firm that
    # fails its first k reviews reopens at t = 1 + k × (rectify + 1). k is read off
    # the uniforms the review stream drew for the firm in advance.
    p = 0.5
    cfg = {**ONE_TEAM, "fail_prob": p, "rectify_days": 3}
    if speedup:
        cfg["liaison"] = {"firms_per_team": 1, "speedup": speedup}
    rectify = 3 / (speedup or 1)
    seen = set()
    for rep in range(12):
        w = world([firm("a")], replication=rep, level="controlled", days=60, reopening=cfg)
        k = int(np.argmax(w.get(Reopening).fail_u[0] >= p))
        assert w.get(Reopening).fail_u[0, k] >= p
        w.run()
        assert w.reopened_at[0] == 1 + k * (rectify + 1)
        assert w.get(Reopening).attempts[0] == k + 1
        seen.add(k)
    assert 0 in seen and max(seen) >= 1  # both paths were exercised


def test_review_wait_is_recorded():
    # One team, three applicants at t=0: waits 0, 1, 2 days; the reviews start on
    # days 0, 1, 2 and each day's mean wait is that review's wait.
    tr = trace(applicants("abc"), level="controlled", days=4, reopening=ONE_TEAM)
    np.testing.assert_array_equal(tr.review_wait[:3], [0, 1, 2])
    assert np.isnan(tr.review_wait[3])


# --- white lists ----------------------------------------------------------------------


LOCKDOWN_FIRMS = [
    firm("listed_loop", closed_loop=True, staff=10, dorm_beds=10),
    firm("listed_open", closed_loop=False, staff=10, dorm_beds=10),
    firm("unlisted_loop", closed_loop=True, staff=10, dorm_beds=10),
]


def test_white_list_under_lockdown_opens_only_listed_closed_loop_firms():
    # Lockdown for the whole run; the batch of day 5 names two firms, one of which
    # cannot run closed-loop. listed_loop applies on day 5, is reviewed [5, 6).
    batch = {"day": 5, "firms": ["listed_loop", "listed_open"]}
    w = world(
        LOCKDOWN_FIRMS,
        level="lockdown",
        days=12,
        reopening={**ONE_TEAM, "whitelists": [batch]},
    )
    tr = w.run()
    assert reopened(w) == {"listed_loop": 6.0, "listed_open": np.inf, "unlisted_loop": np.inf}
    np.testing.assert_array_equal(tr.capacity, [0] * 6 + [1 / 3] * 6)
    assert list(w.shared.whitelisted) == [True, True, False]
    assert w.state[1] == w.state[2] == FirmState.CLOSED
    np.testing.assert_allclose(lost(tr, "not_allowed")[6:], 2 / 3)
    np.testing.assert_allclose(lost(tr, "not_allowed")[:5], 1.0)


def test_a_batch_on_a_fractional_day_is_released_the_next_whole_day():
    batch = {"day": 4.5, "firms": ["listed_loop"]}
    w = world(
        LOCKDOWN_FIRMS, level="lockdown", days=8, reopening={**ONE_TEAM, "whitelists": [batch]}
    )
    w.run()
    assert w.reopened_at[0] == 6.0


def test_firms_not_listed_apply_when_the_zone_reaches_controlled():
    # lockdown days 0–7, controlled from day 8. listed_loop is listed on day 2
    # (reviewed [2,3)); the others prepare on day 8 and one team reviews them in
    # firm order (no priority tags): [8,9) and [9,10).
    timeline = [{"day": 0, "level": "lockdown"}, {"day": 8, "level": "controlled"}]
    batch = {"day": 2, "firms": ["listed_loop"]}
    w = world(
        LOCKDOWN_FIRMS, level=timeline, days=12, reopening={**ONE_TEAM, "whitelists": [batch]}
    )
    tr = w.run()
    assert reopened(w) == {"listed_loop": 3.0, "listed_open": 9.0, "unlisted_loop": 10.0}
    np.testing.assert_allclose(tr.capacity, [0] * 3 + [1 / 3] * 6 + [2 / 3] + [1] * 2)


def test_normal_level_needs_no_review():
    # controlled until day 3 with fail_prob 1 (a queued firm never passes), then
    # normal: a firm allowed only then reopens the day it applies, unreviewed.
    timeline = [{"day": 0, "level": "lockdown"}, {"day": 3, "level": "normal"}]
    w = world([firm("a")], level=timeline, days=6, reopening={**ONE_TEAM, "fail_prob": 1.0})
    tr = w.run()
    assert w.reopened_at[0] == 3.0
    assert w.get(Reopening).attempts[0] == 0
    np.testing.assert_array_equal(tr.capacity, [0, 0, 0, 1, 1, 1])


SELECTION_FIRMS = [
    firm("f0", baseline_output=5, staff=10, tags=["backbone"]),
    firm("f1", baseline_output=9, staff=40, sector="food"),
    firm("f2", baseline_output=9, staff=30, above_scale=True),
    firm(
        "f3", baseline_output=2, staff=50, inputs=[{"good": "g", "from": "f4", "per_output": 0.1}]
    ),
    firm("f4", baseline_output=1, staff=5, inputs=[{"good": "h", "from": "f5", "per_output": 0.1}]),
    firm("f5", baseline_output=1, staff=5, tags=["livelihood", "backbone"]),
]


@pytest.mark.parametrize(
    "batch, expected",
    [
        ({"firms": ["f3", "f1"]}, {"f1", "f3"}),
        ({"tags": ["backbone"]}, {"f0", "f5"}),
        ({"tags": ["livelihood", "specialized"]}, {"f5"}),
        ({"sectors": ["food"]}, {"f1"}),
        ({"above_scale": True}, {"f2"}),
        # largest baselines: 9, 9 (f1 before f2 by firm order), then 5
        ({"top_n": {"n": 2}}, {"f1", "f2"}),
        ({"top_n": {"n": 3}}, {"f0", "f1", "f2"}),
        ({"top_n": {"n": 2, "by": "staff"}}, {"f3", "f1"}),
        ({"top_n": {"n": 0}}, set()),
        # f3's park supplier is f4 (only the direct supplier, not f4's supplier f5)
        ({"firms": ["f3"], "suppliers_of_listed": True}, {"f3", "f4"}),
        ({"suppliers_of_listed": True}, set()),
        ({"top_n": {"n": 1}}, {"f1"}),
        # selectors combine: each adds its firms to those of the others
        (
            {"firms": ["f3"], "tags": ["livelihood"], "sectors": ["food"], "above_scale": True},
            {"f3", "f5", "f1", "f2"},
        ),
        ({"tags": ["backbone"], "top_n": {"n": 1}}, {"f0", "f5", "f1"}),
        ({"sectors": ["food"], "firms": ["f4"], "suppliers_of_listed": True}, {"f1", "f4", "f5"}),
    ],
)
def test_white_list_rules_select_the_expected_firms(batch, expected):
    w = world(SELECTION_FIRMS, level="lockdown", reopening={"whitelists": [{"day": 3, **batch}]})
    w.get(Reopening).release_whitelists(2)
    assert not w.shared.whitelisted.any()
    w.get(Reopening).release_whitelists(3)
    assert {w.firms.ids[i] for i in np.flatnonzero(w.shared.whitelisted)} == expected


def test_suppliers_of_listed_covers_firms_listed_by_earlier_batches():
    batches = [
        {"day": 1, "firms": ["f3"]},
        {"day": 2, "firms": ["f4"]},
        {"day": 3, "suppliers_of_listed": True},
    ]
    w = world(SELECTION_FIRMS, level="lockdown", reopening={"whitelists": batches})
    for d in range(4):
        w.get(Reopening).release_whitelists(d)
    assert {w.firms.ids[i] for i in np.flatnonzero(w.shared.whitelisted)} == {"f3", "f4", "f5"}


# --- liaison --------------------------------------------------------------------------


def test_liaison_halves_the_apply_delay():
    # apply_days 4; one team with one liaison slot, which goes to the priority firm c
    # (speedup 2): c applies at t=2 and opens on day 3; a applies at 4, opens day 5.
    cfg = {**ONE_TEAM, "apply_days": 4, "liaison": {"firms_per_team": 1, "speedup": 2}}
    w = world(applicants("ac"), level="controlled", days=8, reopening=cfg)
    w.run()
    assert list(w.firms.liaison) == [False, True]
    assert reopened(w) == {"a": 5.0, "c": 3.0}


def test_liaison_goes_by_priority_then_size_and_respects_its_tags():
    firms = [
        firm("small_top", baseline_output=1, tags=["epidemic_supplies"]),
        firm("big", baseline_output=50),
        firm("mid", baseline_output=20, tags=["backbone"]),
        firm("bigger", baseline_output=60),
    ]
    cfg = {"service_teams": 2, "priority": PRIORITY, "liaison": {"firms_per_team": 1}}
    w = world(firms, reopening=cfg)
    assert [w.firms.ids[i] for i in np.flatnonzero(w.firms.liaison)] == ["small_top", "mid"]
    cfg["liaison"] = {"firms_per_team": 1, "tags": ["livelihood", "specialized"]}
    assert not world(firms, reopening=cfg).firms.liaison.any()
    cfg = {"service_teams": 3, "priority": PRIORITY, "liaison": {"firms_per_team": 1}}
    assert [w.firms.ids[i] for i in np.flatnonzero(world(firms, reopening=cfg).firms.liaison)] == [
        "small_top",
        "mid",
        "bigger",
    ]
    cfg["liaison"] = {"firms_per_team": 0}
    assert not world(firms, reopening=cfg).firms.liaison.any()


def test_priority_keys_use_the_first_listed_tag_a_firm_carries():
    firms = [firm("a", tags=["backbone", "livelihood"]), firm("b"), firm("c", tags=["backbone"])]
    w = world(firms, reopening={"priority": PRIORITY})
    np.testing.assert_array_equal(w.firms.priority, [1, 3, 2])


def test_queued_firms_reopen_when_the_zone_no_longer_needs_a_review():
    # Controlled days 0–2, normal from day 3 (`review: false`). One team with
    # 5-day reviews: c is under review [0, 5); b and a wait in the queue. From
    # day 3 no review is needed: they reopen on day 3 instead of days 10 and 15.
    timeline = [{"day": 0, "level": "controlled"}, {"day": 3, "level": "normal"}]
    cfg = {**ONE_TEAM, "review_days": 5}
    w = world(applicants("abc"), level=timeline, days=8, reopening=cfg)
    tr = w.run()
    assert reopened(w) == {"c": 5.0, "b": 3.0, "a": 3.0}
    np.testing.assert_array_equal(tr.review_queue, [2, 2, 2, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(tr.capacity, [0, 0, 0, 11 / 111, 11 / 111, 1, 1, 1])
    assert w.get(Reopening).attempts.tolist() == [0, 0, 1]


def test_rectifying_firms_reopen_when_the_zone_no_longer_needs_a_review():
    # a fails its first review [0, 1) and would rectify for 10 days, then re-apply;
    # the zone goes normal on day 4: a reopens on day 4, once, and is not reviewed
    # again when its rectification ends.
    timeline = [{"day": 0, "level": "controlled"}, {"day": 4, "level": "normal"}]
    cfg = {**ONE_TEAM, "fail_prob": 0.5, "rectify_days": 10}
    w = world([firm("a", ramp_days=3)], level=timeline, days=16, reopening=cfg)
    w.get(Reopening).fail_u[0] = [0.0] + [1.0] * (w.get(Reopening).fail_u.shape[1] - 1)
    tr = w.run()
    assert w.reopened_at[0] == 4.0
    assert w.get(Reopening).attempts[0] == 1
    np.testing.assert_allclose(tr.capacity, [0] * 4 + [1 / 3, 2 / 3] + [1] * 10)


def test_a_firm_that_fails_every_predrawn_review_can_still_pass_later():
    # Review outcomes are drawn in advance for MAX_ATTEMPTS attempts. A firm that
    # fails all of them (here forced; probability p^8 in general, one firm in 256
    # at fail_prob 0.5) must keep its chance p of failing on later attempts, not
    # fail for ever on a reused draw.
    cfg = {**ONE_TEAM, "fail_prob": 0.5, "rectify_days": 1}
    for rep in range(5):
        w = world([firm("a")], replication=rep, level="controlled", days=120, reopening=cfg)
        w.get(Reopening).fail_u[0] = 0.0
        w.run()
        assert w.get(Reopening).attempts[0] > reopening.MAX_ATTEMPTS
        # attempt k (from 1) ends at 2k − 1: open on that day
        assert w.reopened_at[0] == 2 * w.get(Reopening).attempts[0] - 1


def test_a_team_freed_at_the_instant_a_priority_firm_applies_takes_that_firm():
    # Lockdown with white lists: x and a are listed on day 0, c (top priority) on
    # day 1. Preparation: x 0.5 days, a 0.6, c 1.0. One team, 1.5-day reviews:
    # x is reviewed [0.5, 2.0); at t=2.0 the team is free and both a (queued since
    # 0.6) and c (applying at exactly 2.0) wait: c goes first, whatever the order
    # in which the simulator happens to process those two events of t=2.0.
    firms = [
        firm(x, closed_loop=True, tags=[t] if t else [])
        for x, t in (("x", None), ("a", "backbone"), ("c", "epidemic_supplies"))
    ]
    cfg = {
        **ONE_TEAM,
        "review_days": 1.5,
        "whitelists": [{"day": 0, "firms": ["x", "a"]}, {"day": 1, "firms": ["c"]}],
    }
    w = world(firms, level="lockdown", days=6, reopening=cfg)
    w.get(Reopening).apply_days[:] = [0.5, 0.6, 1.0]
    w.run()
    assert reopened(w) == {"x": 2.0, "c": 3.5, "a": 5.0}


def test_teams_beyond_two_per_firm_are_not_started_and_change_nothing():
    # A firm has at most one reopening application and one credit line waiting or under
    # review, so 2n + 1 teams never all work; a million (legal, with a warning) took
    # minutes to start. The trace is the same as with 2n + 1 teams.
    firms = [firm(f"f{i}", staff=10, cash_days=5) for i in range(4)]
    relief = {"measures": [{"id": "c", "kind": "credit_line", "amount_days": 10}]}
    traces = []
    for teams in (9, 1_000_000):
        started = time.perf_counter()
        w = world(
            firms,
            level="controlled",
            days=30,
            reopening={"service_teams": teams, "fail_prob": 0.5, "review_days": 2},
            finance={"relief": relief},
        )
        traces.append(w.run())
        assert time.perf_counter() - started < 5
        assert sum(len(idle) for idle in w.get(Reopening).idle) <= 9
    for name, value in vars(traces[0]).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, getattr(traces[1], name))


# --- readiness: preparation time per class, tag and batch ------------------------------

CLASSES = {"fast": {}, "slow": {}}
"""Two firm classes with nothing but their names (listed firms keep their own fields)."""
MANY_TEAMS = {"service_teams": 10, "review_days": 1}
"""Enough one-day reviews that nobody waits: a firm applying at t opens on day ⌈t⌉ + 1."""


def test_preparation_time_is_given_per_class_and_tag_with_tags_before_classes():
    # controlled from day 0: everyone may apply at once. Park default 5 days; class fast
    # 1, class slow 3, tag backbone 2 (which beats slow's 3 for s_bb). Each is reviewed
    # the day after it applies: a at 1 → day 2, s_bb at 2 → day 3, s at 3 → day 4,
    # plain at 5 → day 6.
    firms = [
        firm("a", **{"class": "fast"}),
        firm("s", **{"class": "slow"}),
        firm("s_bb", tags=["backbone"], **{"class": "slow"}),
        firm("plain"),
    ]
    cfg = {
        **MANY_TEAMS,
        "apply_days": 5,
        "apply_days_by": [
            {"class": "fast", "apply_days": 1},
            {"class": "slow", "apply_days": 3},
            {"tags": ["backbone", "livelihood"], "apply_days": 2},
        ],
    }
    w = world(firms, level="controlled", days=8, reopening=cfg, firm_classes=CLASSES)
    tr = w.run()
    assert list(w.get(Reopening).apply_days) == [1, 3, 2, 5]
    assert reopened(w) == {"a": 2.0, "s": 4.0, "s_bb": 3.0, "plain": 6.0}
    np.testing.assert_allclose(tr.capacity, [0, 0, 1 / 4, 2 / 4, 3 / 4, 3 / 4, 1, 1])
    check_invariants(tr)


def test_the_first_rule_of_a_kind_naming_a_firm_wins():
    firms = [firm("x", tags=["backbone", "livelihood"])]
    cfg = {
        "apply_days_by": [
            {"tags": ["livelihood"], "apply_days": 4},
            {"tags": ["backbone"], "apply_days": 6},
        ]
    }
    assert list(world(firms, level="controlled", reopening=cfg).get(Reopening).apply_days) == [4]


def test_closed_loop_readiness_shortens_preparation():
    # apply_days 4 for both; the closed-loop firm's is multiplied by 0.25: it applies at
    # t = 1 and opens on day 2; the other applies at 4 and opens on day 5.
    firms = [firm("loop", closed_loop=True), firm("open")]
    cfg = {**MANY_TEAMS, "apply_days": 4, "closed_loop_apply_factor": 0.25}
    w = world(firms, level="controlled", days=7, reopening=cfg)
    tr = w.run()
    assert reopened(w) == {"loop": 2.0, "open": 5.0}
    np.testing.assert_allclose(tr.capacity, [0, 0, 0.5, 0.5, 0.5, 1, 1])
    # without the factor both open on day 5: readiness moved the curve earlier
    w = world(firms, level="controlled", days=7, reopening={**cfg, "closed_loop_apply_factor": 1})
    w.run()
    assert reopened(w) == {"loop": 5.0, "open": 5.0}


def test_a_batch_gives_its_firms_its_own_preparation_time_before_their_tags():
    # Lockdown throughout. Batch `ready` (day 2) lists x, batch `later` (day 2) lists y;
    # both carry tag backbone (3 days), the park's default is 6. x takes its batch's 0
    # days: applies at 2, open on day 3; y takes its tag's 3: applies at 5, open day 6.
    firms = [
        firm("x", closed_loop=True, tags=["backbone"]),
        firm("y", closed_loop=True, tags=["backbone"]),
        firm("z", closed_loop=True),
    ]
    cfg = {
        **MANY_TEAMS,
        "apply_days": 6,
        "whitelists": [
            {"id": "ready", "day": 2, "firms": ["x"]},
            {"id": "later", "day": 2, "firms": ["x", "y"]},
        ],
        "apply_days_by": [
            {"batch": "ready", "apply_days": 0},
            {"tags": ["backbone"], "apply_days": 3},
        ],
    }
    w = world(firms, level="lockdown", days=8, reopening=cfg)
    w.run()
    assert reopened(w) == {"x": 3.0, "y": 6.0, "z": np.inf}
    assert w.shared.release_ids == ("ready", "later")
    assert list(w.shared.released_by) == [0, 1, -1]


def test_a_batch_releases_only_firms_that_had_not_started_reopening():
    # Zone park is controlled: p starts preparing at once (3 days). Batch b lists it on
    # day 1 with 0 days of preparation: too late, p was released by its zone's level and
    # keeps its 3 days (open day 4). q, in a zone under lockdown, is listed on day 1 by
    # the unnamed second batch, which released it (3 days: open day 5).
    firms = [firm("p"), firm("q", region="shut", closed_loop=True)]
    cfg = {
        **MANY_TEAMS,
        "apply_days": 3,
        "whitelists": [{"id": "b", "day": 1, "firms": ["p"]}, {"day": 1, "firms": ["q"]}],
        "apply_days_by": [{"batch": "b", "apply_days": 0}],
    }
    regions = [
        {"id": "park", "timeline": [{"day": 0, "level": "controlled"}]},
        {"id": "shut", "timeline": [{"day": 0, "level": "lockdown"}]},
    ]
    w = world(firms, days=6, reopening=cfg, regions=regions)
    w.run()
    assert w.shared.release_ids == ("b", "whitelists[1]")
    assert list(w.shared.released_by) == [-1, 1]
    assert reopened(w) == {"p": 4.0, "q": 5.0}


def test_a_new_group_moves_no_other_firms_preparation_draws():
    # Common random numbers: each rule draws from its own stream, keyed by its group, so
    # adding the rule of class slow leaves the draws of every other firm as they were,
    # and the park default's draws (stream "reopening") are those of a park without rules.
    firms = [firm(f"f{i}", **({"class": "fast"} if i % 3 == 0 else {})) for i in range(9)]
    firms += [firm(f"s{i}", **{"class": "slow"}) for i in range(4)]
    exp = {"exponential": {"mean": 3}}
    fast = {"class": "fast", "apply_days": {"uniform": {"from": 0, "to": 2}}}
    slow = {"class": "slow", "apply_days": {"uniform": {"from": 5, "to": 9}}}

    def days(*rules):
        cfg = {"apply_days": exp, "apply_days_by": list(rules)}
        w = world(firms, replication=3, level="controlled", reopening=cfg, firm_classes=CLASSES)
        return w.get(Reopening).apply_days

    plain, one, two, swapped = days(), days(fast), days(fast, slow), days(slow, fast)
    is_slow = np.array([f["id"].startswith("s") for f in firms])
    is_fast = np.array([f.get("class") == "fast" for f in firms])
    np.testing.assert_array_equal(two[~is_slow], one[~is_slow])
    np.testing.assert_array_equal(two, swapped)
    np.testing.assert_array_equal(one[~is_fast], plain[~is_fast])
    assert np.all((two[is_slow] >= 5) & (two[is_slow] <= 9))
    assert np.all(two[is_fast] <= 2)


def test_each_preparation_rule_draws_from_the_stream_of_its_group():
    # Stream "apply_days_by" narrowed to the rule's group: `class:fast`, `tags:` with the
    # tags sorted and joined by `+`, `batch:ID`. Two rules with the same distribution
    # therefore draw different times.
    firms = [firm(f"f{i}", **{"class": "fast"}) for i in range(3)]
    firms += [firm(f"t{i}", tags=["livelihood"]) for i in range(3)]
    days = {"uniform": {"from": 1, "to": 4}}
    cfg = {
        "whitelists": [{"id": "b", "day": 0, "firms": ["t0"]}],
        "apply_days_by": [
            {"class": "fast", "apply_days": days},
            {"tags": ["livelihood", "backbone"], "apply_days": days},
            {"batch": "b", "apply_days": {"uniform": {"from": 7, "to": 8}}},
        ],
    }
    w = world(firms, replication=4, level="lockdown", reopening=cfg, firm_classes=CLASSES)
    r, rules, n = w.get(Reopening), w.cfg.reopening.apply_days_by, 6

    def drawn(rule, group):
        return rule.apply_days.sample(stream(w.cfg.seed, 4, "apply_days_by", stream_key(group)), n)

    fast = drawn(rules[0], "class:fast")
    tagged = drawn(rules[1], "tags:backbone+livelihood")
    np.testing.assert_array_equal(r.apply_days, [*fast[:3], *tagged[3:]])
    assert not np.any(np.isin(fast, tagged))
    np.testing.assert_array_equal(r.batch_days[0], drawn(rules[2], "batch:b"))
    assert np.all((r.batch_days[0] >= 7) & (r.batch_days[0] <= 8))


def test_closed_loop_readiness_shortens_a_batchs_preparation_too():
    # Controlled zone; batch b (day 0) lists x (closed-loop) and z with 1 day of
    # preparation; the park's default is 3. A factor of 2 doubles the closed-loop firms'
    # times, the batch's as well: z applies at 1 (open day 2), x at 2 (day 3), u at 3
    # (day 4), y (closed-loop, unlisted) at 6 (day 7).
    firms = [
        firm("x", closed_loop=True),
        firm("z"),
        firm("y", closed_loop=True),
        firm("u"),
    ]
    cfg = {
        **MANY_TEAMS,
        "apply_days": 3,
        "closed_loop_apply_factor": 2,
        "whitelists": [{"id": "b", "day": 0, "firms": ["x", "z"]}],
        "apply_days_by": [{"batch": "b", "apply_days": 1}],
    }
    w = world(firms, level="controlled", days=8, reopening=cfg)
    r = w.get(Reopening)
    assert list(r.apply_days) == [6, 3, 6, 3]
    assert list(r.batch_days[0]) == [2, 1, 2, 1]
    w.run()
    assert reopened(w) == {"x": 3.0, "z": 2.0, "y": 7.0, "u": 4.0}


# --- review priority by size and class --------------------------------------------------


def test_priority_groups_rank_above_scale_firms_and_classes():
    firms = [
        firm("sme", **{"class": "slow"}),
        firm("big", above_scale=True),
        firm("bb", tags=["backbone"]),
        firm("big_bb", above_scale=True, tags=["backbone"]),
        firm("other"),
    ]
    order = [{"above_scale": True}, "backbone", {"class": "slow", "above_scale": False}]
    w = world(firms, reopening={"priority": order}, firm_classes=CLASSES)
    np.testing.assert_array_equal(w.firms.priority, [2, 0, 1, 0, 3])


def test_lower_review_priority_makes_small_firms_wait_behind_above_scale_ones():
    # One team, one-day reviews, everyone applying at t = 0: the above-scale firms (listed
    # last in the file) are reviewed first, the small ones after them.
    firms = [firm("s1"), firm("s2"), firm("b1", above_scale=True), firm("b2", above_scale=True)]
    cfg = {"service_teams": 1, "review_days": 1, "priority": [{"above_scale": True}]}
    w = world(firms, level="controlled", days=6, reopening=cfg)
    w.run()
    assert reopened(w) == {"b1": 1.0, "b2": 2.0, "s1": 3.0, "s2": 4.0}


# --- rule-based approvals ----------------------------------------------------------------

SIZED = [firm(f"f{k}", baseline_output=k, closed_loop=True) for k in (3, 1, 5, 2, 4)]
"""Five closed-loop firms of baselines 3, 1, 5, 2, 4 (file order f3, f1, f5, f2, f4)."""


def listed_on(w, days: int) -> list[list[str]]:
    """Firms each day's approvals listed, opening the days one by one."""
    out, before = [], np.zeros(w.firms.n, dtype=bool)
    for d in range(days):
        w.get(Reopening).release_whitelists(d)
        w.get(Reopening).release_approvals(d)
        now = w.shared.whitelisted.copy()
        out.append(sorted(w.firms.ids[i] for i in np.flatnonzero(now & ~before)))
        before = now
    return out


def test_an_approval_rule_releases_k_firms_a_day_largest_first():
    # From day 1, two a day by size: f5 f4, then f3 f2, then f1. Each is reviewed the
    # day after approval (lockdown: closed-loop firms may run once listed).
    rule = {"id": "district", "start_day": 1, "per_day": 2, "order": "size"}
    cfg = {**MANY_TEAMS, "approvals": [rule]}
    assert listed_on(world(SIZED, level="lockdown", reopening=cfg), 5) == [
        [],
        ["f4", "f5"],
        ["f2", "f3"],
        ["f1"],
        [],
    ]
    w = world(SIZED, level="lockdown", days=6, reopening=cfg)
    tr = w.run()
    assert reopened(w) == {"f5": 2.0, "f4": 2.0, "f3": 3.0, "f2": 3.0, "f1": 4.0}
    np.testing.assert_allclose(tr.capacity, np.array([0, 0, 9, 14, 15, 15]) / 15)
    assert w.shared.release_ids == ("district",)
    assert list(w.shared.released_by) == [0] * 5


def test_an_approval_rule_goes_by_priority_then_firm_order():
    firms = [
        firm("a", closed_loop=True),
        firm("b", closed_loop=True, tags=["backbone"]),
        firm("c", closed_loop=True),
        firm("d", closed_loop=True, tags=["livelihood"]),
    ]
    cfg = {"priority": ["livelihood", "backbone"], "approvals": [{"id": "r", "per_day": 1}]}
    got = listed_on(world(firms, level="lockdown", reopening=cfg), 5)
    assert got == [["d"], ["b"], ["a"], ["c"], []]


def test_a_share_of_eligible_firms_a_day_rounds_the_running_total_down():
    # share 0.3 of 5 eligible firms = 1.5 a day: running totals 1, 3, 4 (floor 4.5), 5
    # (of 6): 1, 2, 1, 1 firms, largest first.
    rule = {"id": "r", "share_per_day": 0.3, "order": "size"}
    got = listed_on(world(SIZED, level="lockdown", reopening={"approvals": [rule]}), 5)
    assert got == [["f5"], ["f3", "f4"], ["f2"], ["f1"], []]


def test_approvals_skip_listed_firms_respect_eligibility_and_stop_at_end_day():
    # The batch of day 0 lists f5. The rule approves only firms below scale with at most
    # 10 staff, one a day from day 0 to day 2 (end_day 2.5: none from day 3).
    firms = [{**f} for f in SIZED]
    firms[0]["above_scale"] = True  # f3 is above scale
    firms[1]["staff"] = 11  # f1 has too many staff
    rule = {
        "id": "r",
        "per_day": 1,
        "end_day": 2.5,
        "order": "size",
        "eligible": {"above_scale": False, "max_staff": 10},
    }
    cfg = {"whitelists": [{"day": 0, "firms": ["f5"]}], "approvals": [rule]}
    got = listed_on(world(firms, level="lockdown", reopening=cfg), 5)
    assert got == [["f4", "f5"], ["f2"], [], [], []]


def test_approvals_start_on_their_start_day_and_none_are_made_on_the_end_day():
    # One a day by size from day 1 to day 2: end_day 3 is the first day without.
    rule = {"id": "r", "per_day": 1, "start_day": 1, "end_day": 3, "order": "size"}
    got = listed_on(world(SIZED, level="lockdown", reopening={"approvals": [rule]}), 5)
    assert got == [[], ["f5"], ["f4"], [], []]


def test_two_approval_rules_and_a_batch_each_name_the_firms_they_released():
    # Batch w lists f1 on day 0. Rule `late` (listed first) runs on days 2-3, rule
    # `early` on days 0-1, one firm a day each, largest first: early approves f5 and
    # f4, late f3 and f2. release_ids: w, late, early.
    cfg = {
        "whitelists": [{"id": "w", "day": 0, "firms": ["f1"]}],
        "approvals": [
            {"id": "late", "start_day": 2, "end_day": 4, "per_day": 1, "order": "size"},
            {"id": "early", "end_day": 2, "per_day": 1, "order": "size"},
        ],
    }
    w = world(SIZED, level="lockdown", reopening=cfg)
    assert listed_on(w, 5) == [["f1", "f5"], ["f4"], ["f3"], ["f2"], []]
    assert w.shared.release_ids == ("w", "late", "early")
    # file order f3, f1, f5, f2, f4
    assert list(w.shared.released_by) == [1, 0, 2, 1, 2]


def test_approval_eligibility_needs_every_condition_at_once():
    # Eligible: class fast, tag backbone, sector s, above scale, closed-loop, at most
    # 10 staff. Each firm but `ok` fails exactly one condition.
    good = {"class": "fast", "tags": ["backbone"], "above_scale": True, "closed_loop": True}
    firms = [
        firm("no_class", **{**good, "class": "slow"}, staff=5),
        firm("no_tag", **{**good, "tags": []}, staff=5),
        firm("ok", **good, staff=10),  # at the staff limit: eligible
        firm("no_sector", **good, sector="t", staff=5),
        firm("small", **{**good, "above_scale": False}, staff=5),
        firm("open", **{**good, "closed_loop": False}, staff=5),
        firm("big", **good, staff=11),
    ]
    eligible = {
        "classes": ["fast"],
        "tags": ["backbone"],
        "sectors": ["s"],
        "above_scale": True,
        "closed_loop": True,
        "max_staff": 10,
    }
    cfg = {"approvals": [{"id": "r", "per_day": 1, "eligible": eligible}]}
    w = world(firms, level="lockdown", reopening=cfg, firm_classes=CLASSES)
    assert list(w.get(Reopening).approval_order[0]) == [2]


def test_random_approvals_follow_the_rules_own_stream():
    # order: random sorts the eligible firms by one uniform each from stream "approvals"
    # narrowed to the rule's id; another rule beside it changes nothing.
    rule = {"id": "lottery", "per_day": 5, "order": "random"}
    w = world(SIZED, replication=2, level="lockdown", reopening={"approvals": [rule]})
    u = stream(w.cfg.seed, 2, "approvals", stream_key("lottery")).random(5)
    assert list(w.get(Reopening).approval_order[0]) == list(np.argsort(u))
    other = {"id": "other", "per_day": 1, "order": "random", "start_day": 50}
    w2 = world(SIZED, replication=2, level="lockdown", reopening={"approvals": [other, rule]})
    np.testing.assert_array_equal(w2.get(Reopening).approval_order[1], np.argsort(u))


def test_an_approval_rule_may_have_its_own_preparation_time():
    rule = {"id": "r", "per_day": 5, "order": "size"}
    cfg = {
        **MANY_TEAMS,
        "apply_days": 3,
        "approvals": [rule],
        "apply_days_by": [{"batch": "r", "apply_days": 1}],
    }
    w = world(SIZED, level="lockdown", days=4, reopening=cfg)
    w.run()
    assert set(reopened(w).values()) == {2.0}


# --- bad input ----------------------------------------------------------------------------

BAD_BASE = """\
name: t
regions:
  - id: park
firm_classes:
  chem: {}
enterprises:
  - {id: a, class: chem, sector: s, region: park, baseline_output: 3, staff: 10}
reopening:
"""


@pytest.mark.parametrize(
    "text, line, path, message",
    [
        (
            "  approvals:\n    - {id: d, share_per_day: 1.5}\n",
            10,
            ("reopening", "approvals", 0, "share_per_day"),
            "should be less than or equal to 1; found 1.5",
        ),
        (
            "  approvals:\n    - {id: d, per_day: 2, share_per_day: 0.5}\n",
            10,
            ("reopening", "approvals", 0),
            "give exactly one of `per_day` and `share_per_day`",
        ),
        (
            "  approvals:\n    - {id: d, per_day: -2}\n",
            10,
            ("reopening", "approvals", 0, "per_day"),
            "should be greater than or equal to 0; found -2",
        ),
        (
            "  approvals:\n    - {id: d, per_day: 2, start_day: 5, end_day: 3}\n",
            10,
            ("reopening", "approvals", 0),
            "`end_day` (3) must be after `start_day` (5)",
        ),
        (
            "  approvals:\n    - {id: d, per_day: 2, eligible: {classes: [chme]}}\n",
            10,
            ("reopening", "approvals", 0, "eligible", "classes", 0),
            "unknown firm class 'chme' (did you mean 'chem'?)",
        ),
        (
            "  apply_days_by:\n    - {batch: frist, apply_days: 1}\n",
            10,
            ("reopening", "apply_days_by", 0, "batch"),
            "unknown white-list batch 'frist'",
        ),
        (
            "  apply_days_by:\n    - {class: chem, tags: [backbone], apply_days: 1}\n",
            10,
            ("reopening", "apply_days_by", 0),
            "give exactly one of `class`, `tags`, `batch` to say which firms "
            "(got `class` and `tags`)",
        ),
        (
            "  apply_days_by:\n    - {class: chem, apply_days: {uniform: {from: -2, to: 1}}}\n",
            10,
            ("reopening", "apply_days_by", 0, "apply_days"),
            "below the allowed minimum 0",
        ),
        (
            "  apply_days_by:\n    - {class: chem, apply_days: 1}\n"
            "    - {class: chem, apply_days: 2}\n",
            9,
            ("reopening", "apply_days_by"),
            "item 1 gives the preparation time of class chem again (first in item 0)",
        ),
        (
            "  apply_days_by:\n    - {class: chemm, apply_days: 1}\n",
            10,
            ("reopening", "apply_days_by", 0, "class"),
            "unknown firm class 'chemm' (did you mean 'chem'?)",
        ),
        (
            "  closed_loop_apply_factor: -0.5\n",
            9,
            ("reopening", "closed_loop_apply_factor"),
            "should be greater than or equal to 0; found -0.5",
        ),
        (
            "  priority: [backbone, 3]\n",
            9,
            ("reopening", "priority", 1),
            "expected a tag, or a group such as {above_scale: true} or {class: NAME}",
        ),
        (
            "  priority: [{class: chm}]\n",
            9,
            ("reopening", "priority", 0, "class"),
            "unknown firm class 'chm' (did you mean 'chem'?)",
        ),
    ],
)
def test_bad_readiness_and_approval_keys_are_located(tmp_path, text, line, path, message):
    f = tmp_path / "s.yaml"
    f.write_text(BAD_BASE + text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (str(f), line, path)
    assert message in p.message


# --- random durations, staggered starts, mixed queues -----------------------------------

CASH = {"margin": 0.0, "fixed_cost_share": 0.125, "wage_share": 0.125, "grace_days": 100}
"""Costs 0.25 a day, no revenue, nobody fails: `cash_days: 5` (1.25) is short of 10
days of costs from the start, so a credit line is applied for at the first close."""
CREDIT = {"relief": {"measures": [{"id": "loan", "kind": "credit_line", "amount_days": 20}]}}
"""A credit line of 20 days of costs (5.0), reviewed by a service team."""


def test_reopening_draws_from_its_own_named_streams_in_a_fixed_order():
    # Preparation days from stream "reopening"; from stream "review", in this order:
    # review days (8 attempts a firm), pass/fail uniforms, rectification days.
    cfg = {
        "apply_days": {"uniform": {"from": 0, "to": 2}},
        "review_days": {"triangular": {"from": 0.5, "mode": 1, "to": 3}},
        "rectify_days": {"exponential": {"mean": 2}},
    }
    w = world([firm("a"), firm("b")], replication=3, level="controlled", reopening=cfg)
    r, rc, n, k = w.get(Reopening), w.cfg.reopening, 2, reopening.MAX_ATTEMPTS
    opening = stream(w.cfg.seed, 3, "reopening")
    np.testing.assert_array_equal(r.apply_days, rc.apply_days.sample(opening, n))
    review = stream(w.cfg.seed, 3, "review")
    np.testing.assert_array_equal(r.review_days, rc.review_days.sample(review, n * k).reshape(n, k))
    np.testing.assert_array_equal(r.fail_u, review.random((n, k)))
    np.testing.assert_array_equal(
        r.rectify_days, rc.rectify_days.sample(review, n * k).reshape(n, k)
    )


def test_random_preparation_and_review_days_in_a_run():
    # One team. Each firm files after its own preparation (uniform on [0, 2]); the
    # first to file is reviewed at once, the other when it has filed and the team is
    # free. Review days are triangular: each firm's first pre-drawn duration.
    cfg = {
        **ONE_TEAM,
        "apply_days": {"uniform": {"from": 0, "to": 2}},
        "review_days": {"triangular": {"from": 0.5, "mode": 1, "to": 3}},
    }
    for rep in range(6):  # b files first in reps 2–5; in rep 5 a files after b's review
        w = world(
            [firm("a"), firm("b")], replication=rep, level="controlled", days=12, reopening=cfg
        )
        r = w.get(Reopening)
        apply, review = r.apply_days.copy(), r.review_days[:, 0].copy()
        w.run()
        first, second = np.argsort(apply)
        end = apply[first] + review[first]
        want = {first: end, second: max(end, apply[second]) + review[second]}
        assert reopened(w) == {"a": want[0], "b": want[1]}


def test_a_firm_that_needs_no_review_reopens_alone():
    # Normal zone: each firm reopens when it has prepared, a at t=0 and b at t=2.5.
    w = world([firm("a"), firm("b", baseline_output=3)], days=4)
    w.get(Reopening).apply_days[:] = [0.0, 2.5]
    tr = w.run()
    assert reopened(w) == {"a": 0.0, "b": 2.5}
    np.testing.assert_array_equal(tr.capacity, [0.25, 0.25, 1, 1])


def test_credit_lines_and_reopenings_share_one_team_in_key_order():
    # a and b (same priority) prepare for 1 day; at the close of day 0 (t=1) both are
    # short of cash and apply for credit; at t=1 both also file to reopen. Order at
    # equal priority and time: credit lines first, the later firm first, then the
    # reopenings in firm order. One team, 1-day reviews: credit b [1,2), credit a
    # [2,3), reopen a [3,4), reopen b [4,5). An approval at t is paid at the close of
    # day t (the close of day t - 1 comes first at the instant t).
    w = world(
        [firm("a", cash_days=5), firm("b", cash_days=5)],
        level="controlled",
        days=7,
        reopening={**ONE_TEAM, "apply_days": 1},
        finance={**CASH, **CREDIT},
    )
    tr = w.run()
    assert reopened(w) == {"a": 4.0, "b": 5.0}
    np.testing.assert_array_equal(tr.relief_spent, [0, 0, 5, 10, 10, 10, 10])
    # recorded at the close: day 0 sees the two credit lines just filed (the
    # reopenings come later at t=1); day 1 three left after credit b; then one fewer
    np.testing.assert_array_equal(tr.review_queue, [2, 3, 2, 1, 0, 0, 0])
    np.testing.assert_array_equal(tr.capacity, [0, 0, 0, 0, 0.5, 1, 1])


def test_a_firms_credit_line_and_its_reopening_are_reviewed_at_once_when_teams_are_free():
    # One firm, five teams (2n + 1 = 3 of them started): the credit line and the
    # reopening, both filed at t=1, are reviewed side by side [1, 3): open on day 3,
    # the credit paid at the close of day 3.
    w = world(
        [firm("a", cash_days=5)],
        level="controlled",
        days=5,
        reopening={"service_teams": 5, "review_days": 2, "apply_days": 1},
        finance={**CASH, **CREDIT},
    )
    tr = w.run()
    assert reopened(w) == {"a": 3.0}
    np.testing.assert_array_equal(tr.relief_spent, [0, 0, 0, 5, 5])


def test_waiving_reviews_in_one_zone_leaves_the_other_zones_applications_queued():
    # park goes normal on day 1; east stays controlled. One team, 2-day reviews: x
    # (priority, east) is under review [0, 2); a (park) and b (east) wait. At t=1 a
    # applies for credit (close of day 0), then its zone needs no review: a reopens,
    # its reopening application leaves the queue, its credit line stays. At t=2 the
    # team takes b (filed at t=0) [2, 4), then a's credit line [4, 6), paid at the
    # close of day 6.
    regions = [
        {
            "id": "park",
            "timeline": [{"day": 0, "level": "controlled"}, {"day": 1, "level": "normal"}],
        },
        {"id": "east", "timeline": [{"day": 0, "level": "controlled"}]},
        {"id": "out"},
    ]
    firms = [
        firm("x", region="east", tags=["backbone"]),
        firm("a", cash_days=5),
        firm("b", region="east"),
    ]
    w = world(
        firms,
        days=8,
        regions=regions,
        reopening={**ONE_TEAM, "review_days": 2},
        finance={**CASH, **CREDIT},
    )
    tr = w.run()
    assert reopened(w) == {"x": 2.0, "a": 1.0, "b": 4.0}
    np.testing.assert_array_equal(tr.relief_spent, [0] * 6 + [5, 5])
    # a, b and a's credit line at the close of day 0; a's reopening leaves on day 1
    np.testing.assert_array_equal(tr.review_queue[:5], [3, 2, 1, 1, 0])


def test_a_team_goes_on_after_firms_that_failed_in_the_queue_or_under_review():
    # One team, 3-day reviews, in priority order a, c, b. a (under review [0, 3)) and
    # c (queued) have one day of costs in cash (0.25): below zero at the close of
    # day 1, out of business then (grace 1). At t=3 the team drops a, skips c and reviews b
    # [3, 6).
    firms = [
        firm("a", cash_days=1, tags=["epidemic_supplies"]),
        firm("b"),
        firm("c", cash_days=1, tags=["livelihood"]),
    ]
    w = world(
        firms,
        level="controlled",
        days=8,
        reopening={**ONE_TEAM, "review_days": 3},
        finance={**CASH, "grace_days": 1},
    )
    w.run()
    assert reopened(w) == {"a": np.inf, "b": 6.0, "c": np.inf}
    assert w.get(Reopening).attempts.tolist() == [1, 1, 0]
    assert [FirmState(s).name for s in w.state] == ["FAILED", "OPEN", "FAILED"]


def test_review_waits_with_staggered_applications():
    # One team, half-day reviews. a files at 0 (reviewed [0, 0.5), wait 0), b at 0.25
    # ([0.5, 1), wait 0.25), c at 2 ([2, 2.5), wait 0): day 0's mean wait is 0.125,
    # day 1 has no review, day 2's is 0.
    w = world(
        [firm("a"), firm("b"), firm("c")],
        level="controlled",
        days=4,
        reopening={**ONE_TEAM, "review_days": 0.5},
    )
    w.get(Reopening).apply_days[:] = [0.0, 0.25, 2.0]
    tr = w.run()
    np.testing.assert_array_equal(tr.review_wait, [0.125, np.nan, 0.0, np.nan])


def test_a_review_fails_when_its_uniform_is_below_fail_prob_not_at_it():
    # fail_prob 0.5: a's first uniform is just below (fails, rectifies 2 days, passes
    # on its second review [3, 4)); b's is exactly 0.5 (passes at once).
    cfg = {"service_teams": 2, "review_days": 1, "rectify_days": 2, "fail_prob": 0.5}
    w = world([firm("a"), firm("b")], level="controlled", days=6, reopening=cfg)
    u = w.get(Reopening).fail_u
    u[:] = 1.0
    u[:, 0] = [np.nextafter(0.5, 0), 0.5]
    w.run()
    assert reopened(w) == {"a": 4.0, "b": 1.0}


def test_the_last_predrawn_attempt_uses_its_own_durations():
    # a fails its first 7 reviews (1 day each, 1 day to rectify: attempt k starts at
    # 2k) and passes the 8th, the last pre-drawn, which takes 3 days: open at 14 + 3.
    cfg = {**ONE_TEAM, "fail_prob": 0.5, "rectify_days": 1}
    w = world([firm("a")], level="controlled", days=20, reopening=cfg)
    r = w.get(Reopening)
    k = reopening.MAX_ATTEMPTS
    r.fail_u[0] = [0.0] * (k - 1) + [1.0]
    r.review_days[0] = [1.0] * (k - 1) + [3.0]
    w.run()
    assert w.reopened_at[0] == 2 * (k - 1) + 3
    assert r.attempts[0] == k


def test_late_attempts_draw_from_each_firms_own_seeded_stream():
    # Both firms fail every pre-drawn review (forced) at fail_prob 0.5; from then on
    # each attempt's uniform comes from stream "review" narrowed to the firm. Two
    # teams, 1-day reviews, 1-day rectification: attempt k ends at 2k - 1.
    cfg = {"service_teams": 2, "fail_prob": 0.5, "rectify_days": 1}
    for rep in range(5):
        w = world(
            [firm("a"), firm("b")], replication=rep, level="controlled", days=80, reopening=cfg
        )
        w.get(Reopening).fail_u[:] = 0.0
        w.run()
        for i in range(2):
            late = stream(w.cfg.seed, rep, "review", i)
            extra = 1
            while late.random() < 0.5:
                extra += 1
            attempts = reopening.MAX_ATTEMPTS + extra
            assert w.get(Reopening).attempts[i] == attempts
            assert w.reopened_at[i] == 2 * attempts - 1


def test_ramp_factor_is_zero_before_reopening_and_never_warns():
    # Not yet reopened (inf), or reopening tomorrow (k = 0), with a ramp under a day:
    # 0. No ramp: 1, whatever k (k / 0 is never looked at). A ramp of 1e-320 days:
    # full speed on the first day (k / ramp overflows to inf, clipped to 1).
    reopened_at = np.array([np.inf, 3.4, -np.inf, 0.0, 3.0, 0.0])
    ramp = np.array([0.5, 0.5, 0.0, 0.0, 0.0, 1e-320])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ramp_factor(2, reopened_at, ramp, 1.0)
    np.testing.assert_array_equal(got, [0, 0, 1, 1, 1, 1])


def test_the_review_series_declare_their_units_types_and_missing_days():
    w = world([firm("a")], level="controlled", days=3, reopening=ONE_TEAM)
    empty = w.recorder.trace()  # nothing recorded yet: every day is missing
    assert np.all(np.isnan(empty.review_wait))
    assert math.isnan(w.get(Reopening).mean_wait)  # no day closed: no review started
    tr = w.run()
    queue, wait = tr.series["review_queue"], tr.series["review_wait"]
    assert (queue.unit, wait.unit) == ("applications", "days")
    assert queue.values.dtype == np.int64 and wait.values.dtype == np.float64
    assert queue.doc == (
        "applications (reopening and credit) waiting for a team at the end of the day"
    )
    assert wait.doc == "mean wait of the reviews started that day (NaN if none)"
