"""Counter-examples found by the property tests, shrunk to tiny parks by hand.

Those the model gets right now live as `@example(...)` cases on the property
test that found them, or here as plain tests where a hand-computed outcome says
more than the invariants. Those it still gets wrong are here too, as strict
xfails that state the bug: when the model is fixed they start passing, pytest
reports XPASS as a failure, and the fix's author turns them into plain tests or
examples (and drops any matching exemption in `strategies.py`).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from sim.model.reopening import Reopening
from sim.model.state import FirmState
from sim.model.supply import Supply
from tests.model._park import firm, world


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the main thread after `seconds` (a hang becomes a failure).

    The alarm repeats every second until the block ends: an exception raised
    where Python swallows it (a finaliser, a garbage-collection callback) would
    otherwise leave the hang in place.
    """

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_a_firm_failing_during_its_review_stays_failed():
    # Cash runs out on day 0 (no runway, 1 day of grace); the review started at
    # t=0 ends at t=2.5, in the middle of day 2.
    w = world(
        [firm("a", cash_days=0)],
        level="controlled",
        days=5,
        reopening={"review_days": 2.5},
        finance={"grace_days": 1},
    )
    tr = w.run()
    failed = tr.states.index("failed")
    assert tr.state_counts[0, failed] == 1
    np.testing.assert_array_equal(tr.capacity, 0.0)  # day 2 shows 1.0
    assert w.state[0] == FirmState.FAILED


@pytest.mark.parametrize("review_days", [0, 1e-300])
def test_reviews_that_always_fail_at_once_do_not_hang_the_run(review_days):
    # Found as a hang: with fail_prob 1 and reviews and rectification taking no
    # time, a firm failed and re-applied forever at t=0 (the loader refuses such
    # scenarios, sim/scenario/load.py `_endless_reviews`; this World bypasses it,
    # and a review of 1e-300 days passes the loader). A failed firm now re-applies
    # no sooner than an hour after its review began (reopening.MIN_RETRY_DAYS):
    # one attempt an hour, at t = 0, 1/24, ..., 83/24 before the run stops at
    # t = 3.5 (World.run goes half a day past the horizon).
    w = world(
        [firm("a")],
        level="controlled",
        days=3,
        reopening={"review_days": review_days, "rectify_days": 0, "fail_prob": 1.0},
    )
    with time_limit(2):
        tr = w.run()
    np.testing.assert_array_equal(tr.capacity, 0.0)
    assert w.get(Reopening).attempts[0] in (84, 85)  # 85 if t = 84/24 rounds to just below 3.5
    assert w.reopened_at[0] == np.inf


def test_the_retry_floor_leaves_reviews_that_take_an_hour_or_more_alone():
    # review 0.02 + rectify 0.03 days (72 minutes), always failing: attempts at
    # t = 0, 0.05, ..., 1.45 before the run stops at t = 1.5, not an hour apart
    w = world(
        [firm("a")],
        level="controlled",
        days=1,
        reopening={"review_days": 0.02, "rectify_days": 0.03, "fail_prob": 1.0},
    )
    w.run()
    assert w.get(Reopening).attempts[0] in (30, 31)


def test_a_line_whose_alternative_also_fails_keeps_its_demand_and_its_blame():
    # a buys from b, with c as the alternative; b fails on day 0, c on day 2 (no
    # margin, so neither earns its way out), and a keeps operating short of input.
    w = world(
        [
            firm(
                "a",
                initially_open=True,
                inputs=[
                    {
                        "good": "g",
                        "from": "b",
                        "alternative": "c",
                        "per_output": 0.5,
                        "stock_days": 0,
                    },
                ],
            ),
            firm("b", cash_days=0),
            firm("c", cash_days=2),
        ],
        level="normal",
        days=8,
        finance={"grace_days": 0, "switch_days": 0, "margin": 0},
    )
    tr = w.run()
    assert tr.state_counts[-1, tr.states.index("failed")] == 2
    np.testing.assert_allclose(w.get(Supply).link_share.sum(), 1.0)
    assert np.all(np.isfinite(tr.cost_by_producer))
