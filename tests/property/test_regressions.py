"""Counter-examples found by the property tests, shrunk to tiny parks by hand.

Those the model gets right now live as `@example(...)` cases on the property
test that found them. Those it still gets wrong are here, as strict xfails that
state the bug: when the model is fixed they start passing, pytest reports
XPASS as a failure, and the fix's author moves them into the property test
(and drops the matching exemption in `test_world_invariants.py`).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from sim.model.state import FirmState
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


@pytest.mark.xfail(
    strict=True,
    raises=TimeoutError,
    reason="model bug (sim/model/reopening.py:148-190): with fail_prob 1 and review_days "
    "and rectify_days both 0, a firm fails and re-applies forever at one instant (the "
    "loader now refuses such scenarios, sim/scenario/load.py `_endless_reviews`, but a "
    "World built from them still hangs)",
)
def test_reviews_that_always_fail_at_once_do_not_hang_the_run():
    w = world(
        [firm("a")],
        level="controlled",
        days=3,
        reopening={"review_days": 0, "rectify_days": 0, "fail_prob": 1.0},
    )
    with time_limit(2):
        tr = w.run()
    np.testing.assert_array_equal(tr.capacity, 0.0)


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
    np.testing.assert_allclose(w.goods.link_share.sum(), 1.0)
    assert np.all(np.isfinite(tr.cost_by_producer))
