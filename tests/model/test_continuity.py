"""Firms that never fully stopped: a continuity rule keeps them running at a share of
their output under levels that halt everyone else.

Parks of firms of baseline 1 with no staff and no inputs (tests/model/_park.py), so
every number is worked out by hand: a kept firm produces its share, the rest of
its output is lost to `not_allowed`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.continuity import Continuity
from sim.model.state import FirmState
from sim.model.world import World
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from tests.model._park import check_invariants, firm, lost, park, trace, world

CHEM = {"chem": {}}
PLANT = firm("plant", **{"class": "chem"})
"""A continuous-process plant: class chem, not closed-loop."""
OTHER = firm("other")
KEEP = [{"classes": ["chem"], "levels": ["lockdown"], "share": 0.4}]
"""Plants of class chem keep 40 % of their output under lockdown."""


def test_a_continuous_plant_keeps_its_share_under_lockdown_and_the_rest_is_not_allowed():
    # Lockdown throughout: the plant is not closed-loop and is on no white list, so
    # without the rule nothing runs. With it: 0.4 of the plant's 1, of a park baseline
    # of 2: capacity 0.2; the plant's other 0.6 and all of `other` are lost to
    # `not_allowed` (0.8 of baseline).
    w = world([PLANT, OTHER], level="lockdown", days=5, continuity=KEEP, firm_classes=CHEM)
    tr = w.run()
    np.testing.assert_allclose(tr.capacity, 0.2)
    np.testing.assert_allclose(lost(tr, "not_allowed"), 0.8)
    np.testing.assert_allclose(tr.resumption, 0.5)
    np.testing.assert_array_equal(tr.series["continuity_firms"].values, 1)
    assert w.state[0] == FirmState.OPEN and w.reopened_at[0] == -math.inf
    assert w.state[1] == FirmState.CLOSED
    check_invariants(tr)
    # without the rule: nothing at all
    tr = trace([PLANT, OTHER], level="lockdown", days=5, firm_classes=CHEM)
    np.testing.assert_allclose(tr.capacity, 0.0)
    np.testing.assert_allclose(lost(tr, "not_allowed"), 1.0)


def test_a_kept_plant_runs_fully_without_review_when_the_level_lifts():
    # Lockdown days 0–4, controlled from day 5. The plant never stopped: from day 5 it is
    # open and allowed, full output at once. `other` applies on day 5 (no preparation)
    # and is reviewed [5, 6): open from day 6.
    timeline = [{"day": 0, "level": "lockdown"}, {"day": 5, "level": "controlled"}]
    w = world([PLANT, OTHER], level=timeline, days=8, continuity=KEEP, firm_classes=CHEM)
    tr = w.run()
    np.testing.assert_allclose(tr.capacity, [0.2] * 5 + [0.5] + [1.0] * 2)
    np.testing.assert_array_equal(tr.series["continuity_firms"].values, [1] * 5 + [0] * 3)
    assert w.get(Continuity).started == 1
    check_invariants(tr)


def test_only_listed_levels_keep_a_plant_running_and_a_later_start_ramps_up():
    # Custom levels: `sealed` halts everyone, the rule names only `lockdown`. Sealed days
    # 0–2, lockdown from day 3: the plant starts its kept share on day 3 and ramps up
    # over 4 days: min(k/4, 0.4) for k = 1, 2, ... → 0.25 (ramp-up binds), then 0.4.
    levels = {
        "sealed": {"operate": "whitelist", "commuting": False, "rank": 3},
        "lockdown": {"operate": "whitelist", "closed_loop_only": True, "rank": 2},
        "normal": {"operate": "all", "review": False},
    }
    timeline = [{"day": 0, "level": "sealed"}, {"day": 3, "level": "lockdown"}]
    plant = {**PLANT, "ramp_days": 4}
    w = world(
        [plant], level=timeline, days=6, continuity=KEEP, firm_classes=CHEM, control_levels=levels
    )
    tr = w.run()
    np.testing.assert_allclose(tr.capacity, [0, 0, 0, 0.25, 0.4, 0.4])
    np.testing.assert_allclose(lost(tr, "ramp_up"), [0, 0, 0, 0.75, 0, 0])
    np.testing.assert_allclose(lost(tr, "not_allowed"), [1, 1, 1, 0, 0.6, 0.6])
    assert w.reopened_at[0] == 3.0


def test_a_rule_may_keep_only_sealed_closed_loops_running():
    # Every firm tagged backbone keeps 0.5, but only if it can run closed-loop; under
    # lockdown the closed-loop firm is nonetheless halted (not white-listed).
    rule = [{"tags": ["backbone"], "closed_loop_only": True, "share": 0.5}]
    firms = [firm("sealed", tags=["backbone"], closed_loop=True), firm("leaky", tags=["backbone"])]
    tr = trace(firms, level="lockdown", days=3, continuity=rule)
    np.testing.assert_allclose(tr.capacity, 0.25)


def test_staff_on_post_still_bind_a_kept_plant():
    # Lockdown: no commuting. The plant has 10 local staff and 5 dorm beds: labour share
    # 0.5, below the rule's 0.8, so it produces 0.5 and the loss is `labour`.
    plant = {**PLANT, "staff": 10, "dorm_beds": 5}
    rule = [{"classes": ["chem"], "share": 0.8}]
    tr = trace([plant], level="lockdown", days=3, continuity=rule, firm_classes=CHEM)
    np.testing.assert_allclose(tr.capacity, 0.5)
    np.testing.assert_allclose(lost(tr, "labour"), 0.5)
    np.testing.assert_allclose(lost(tr, "not_allowed"), 0.0)


def test_a_white_listed_kept_firm_runs_fully():
    # A closed-loop plant kept at 0.4 is white-listed on day 2: the level then allows it
    # fully (it is open already: no review).
    plant = {**PLANT, "closed_loop": True}
    w = world(
        [plant],
        level="lockdown",
        days=4,
        continuity=KEEP,
        firm_classes=CHEM,
        reopening={"whitelists": [{"day": 2, "firms": ["plant"]}]},
    )
    tr = w.run()
    np.testing.assert_allclose(tr.capacity, [0.4, 0.4, 1, 1])


def test_the_first_rule_naming_a_firm_and_the_level_applies():
    rules = [
        {"firms": ["plant"], "levels": ["controlled"], "share": 0.9},
        {"classes": ["chem"], "share": 0.3},
        {"firms": ["plant"], "share": 0.7},
    ]
    tr = trace([PLANT], level="lockdown", days=2, continuity=rules, firm_classes=CHEM)
    np.testing.assert_allclose(tr.capacity, 0.3)


def test_a_level_that_lets_firms_apply_leaves_them_to_the_reopening_pipeline():
    # Controlled does not halt anyone: the rule changes nothing, the plant is reviewed.
    rule = [{"classes": ["chem"], "levels": ["controlled"], "share": 0.5}]
    w = world([PLANT], level="controlled", days=3, continuity=rule, firm_classes=CHEM)
    tr = w.run()
    np.testing.assert_allclose(tr.capacity, [0, 1, 1])
    assert w.reopened_at[0] == 1.0


def test_without_rules_continuity_does_nothing():
    w = world([PLANT, OTHER], level="lockdown", days=2, firm_classes=CHEM)
    assert not w.get(Continuity).active
    assert w.get(Continuity).limit() is None
    w.run()
    assert not w.shared.continuing.any()


# --- bad input -------------------------------------------------------------------------

BASE = """\
name: t
regions:
  - id: park
firm_classes:
  chem: {}
enterprises:
  - {id: a, class: chem, sector: s, region: park, baseline_output: 3, staff: 10}
continuity:
"""


@pytest.mark.parametrize(
    "text, path, message",
    [
        ("  - {classes: [chem], share: 1.5}\n", ("continuity", 0, "share"), "less than or equal"),
        ("  - {classes: [chem], share: 0}\n", ("continuity", 0, "share"), "greater than 0"),
        ("  - {classes: [chem], share: half}\n", ("continuity", 0, "share"), "found 'half'"),
        ("  - {classes: [chem]}\n", ("continuity", 0, "share"), "required key is missing"),
        (
            "  - {classes: [chme], share: 0.5}\n",
            ("continuity", 0, "classes", 0),
            "unknown firm class 'chme' (did you mean 'chem'?)",
        ),
        (
            "  - {tags: [steel], share: 0.5}\n",
            ("continuity", 0, "tags", 0),
            "unknown tag 'steel'",
        ),
        (
            "  - {firms: [b], share: 0.5}\n",
            ("continuity", 0, "firms", 0),
            "unknown firm 'b'",
        ),
        (
            "  - {levels: [lockdwn], share: 0.5}\n",
            ("continuity", 0, "levels", 0),
            "unknown control level 'lockdwn' (did you mean 'lockdown'?)",
        ),
    ],
)
def test_bad_continuity_rules_are_located(tmp_path, text, path, message):
    f = tmp_path / "s.yaml"
    f.write_text(BASE + text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (str(f), 9, path)
    assert message in p.message


# --- invariants on random small parks ------------------------------------------------------

LEVELS = ["lockdown", "controlled", "normal"]


class Watched(World):
    """A World that keeps, for each day, what continuity and production decided."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.log: list[tuple[np.ndarray, ...]] = []

    def _close_day(self, d: int) -> None:
        super()._close_day(d)
        kept = self.get(Continuity).share.copy()
        self.log.append((self.output.copy(), self.shared.allowed.copy(), kept, self.state.copy()))


@st.composite
def parks(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 5))
    firms = [
        firm(
            f"f{i}",
            baseline_output=draw(st.sampled_from([1.0, 2.0, 5.0])),
            staff=draw(st.sampled_from([0, 10])),
            dorm_beds=draw(st.sampled_from([0, 5, 10])),
            closed_loop=draw(st.booleans()),
            above_scale=draw(st.booleans()),
            tags=draw(st.sampled_from([[], ["backbone"]])),
            ramp_days=draw(st.sampled_from([0, 3])),
            **({"class": "chem"} if draw(st.booleans()) else {}),
        )
        for i in range(n)
    ]
    timeline = sorted(
        {draw(st.integers(0, 12)): draw(st.sampled_from(LEVELS)) for _ in range(3)}.items()
    )
    rules = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "share": st.sampled_from([0.2, 0.5, 1.0]),
                    "closed_loop_only": st.booleans(),
                    "levels": st.sampled_from([[], ["lockdown"], ["controlled"]]),
                    "tags": st.sampled_from([[], ["backbone"]]),
                    "classes": st.sampled_from([[], ["chem"]]),
                }
            ),
            max_size=2,
        )
    )
    approvals = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "per_day": st.integers(0, 2),
                    "start_day": st.integers(0, 8),
                    "order": st.sampled_from(["priority", "size", "random"]),
                    "eligible": st.sampled_from(
                        [{}, {"above_scale": False}, {"classes": ["chem"]}]
                    ),
                }
            ),
            max_size=2,
        )
    )
    for k, a in enumerate(approvals):
        a["id"] = f"r{k}"
    reopening = {
        "apply_days": draw(st.sampled_from([0, 1.5, {"exponential": {"mean": 2}}])),
        "apply_days_by": draw(
            st.sampled_from(
                [
                    [],
                    [{"class": "chem", "apply_days": 4}],
                    [{"tags": ["backbone"], "apply_days": 0}],
                ]
            )
        ),
        "closed_loop_apply_factor": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "priority": draw(st.sampled_from([[], [{"above_scale": True}, "backbone"]])),
        "approvals": approvals,
        "whitelists": [{"id": "w", "day": 3, "tags": ["backbone"]}],
        "fail_prob": draw(st.sampled_from([0.0, 0.3])),
    }
    return {
        "firms": firms,
        "level": [{"day": d, "level": lv} for d, lv in timeline],
        "continuity": rules,
        "reopening": reopening,
        "outbreaks": {"rate_per_1000_staff_day": draw(st.sampled_from([0.0, 20.0]))},
        "firm_classes": CHEM,
        "days": 18,
    }


@settings(max_examples=40, deadline=None)
@given(parks(), st.integers(0, 3))
def test_a_firm_the_level_halts_produces_only_what_continuity_keeps(kw, rep):
    w = Watched(park(**kw), rep)
    tr = w.run()
    check_invariants(tr)
    base = w.firms.baseline
    for d, (out, allowed, kept, state) in enumerate(w.log):
        halted = ~allowed & (out > 0)
        assert np.all(kept[halted] > 0), d
        assert np.all(out[halted] <= kept[halted] * base[halted] * (1 + 1e-12)), d
        assert np.all(out[state == FirmState.FAILED] == 0), d
    # a firm no batch or rule listed was released by its zone's level, if at all
    assert np.all((w.shared.released_by >= 0) <= w.shared.whitelisted)
