"""The groups `park:<id>` of a region of parks (issue 20.3), on the three-park region of
`tests/_region.py`, worked out by hand; a scenario without `parks:` has none."""

from __future__ import annotations

import numpy as np

from sim.model.groups import MEASURES
from sim.record import Trace
from tests._region import PARKS, region_trace
from tests.model._park import firm, trace


def _measure(tr: Trace, group: str, measure: str) -> np.ndarray:
    s = tr.series["groups"]
    return s.values[:, s.axes[0].index(group), MEASURES.index(measure)]


def test_each_park_is_a_group_in_scenario_order() -> None:
    tr = region_trace()
    assert tr.series["groups"].axes[0] == tuple(f"park:{p}" for p in PARKS)


def test_park_capacity_and_resumption_worked_out_by_hand() -> None:
    tr = region_trace()
    # north: locked down to day 6, then open at once (no review under `normal`)
    np.testing.assert_array_equal(_measure(tr, "park:north", "capacity"), [0.0] * 6 + [1.0] * 14)
    np.testing.assert_array_equal(_measure(tr, "park:north", "resumption"), [0.0] * 6 + [1.0] * 14)
    # south: reviewed on day 0 (controlled), open days 1-2 on its two days of stock,
    # then s_asm (4 of 5) stands idle for want of north's parts until they arrive on day 7
    np.testing.assert_allclose(
        _measure(tr, "park:south", "capacity"), [0, 1, 1, 0.2, 0.2, 0.2, 0.2] + [1.0] * 13
    )
    # s_asm is open and resumed while idle, but not operating
    np.testing.assert_array_equal(_measure(tr, "park:south", "resumed")[1:], [1.0] * 19)
    # east: normal from the start
    np.testing.assert_array_equal(_measure(tr, "park:east", "capacity"), [1.0] * 20)


def test_park_groups_weigh_by_the_parks_own_baseline_and_add_up_to_the_region() -> None:
    tr = region_trace()
    base = {"north": 3.0, "south": 5.0, "east": 1.0}
    region = sum(_measure(tr, f"park:{p}", "capacity") * b for p, b in base.items())
    np.testing.assert_allclose(region, tr.output, rtol=1e-12)


def test_a_scenario_without_parks_has_no_park_group() -> None:
    tr = trace([firm("a", tags=["x"]), firm("b")], days=3)
    assert tr.series["groups"].axes[0] == ("tag:x",)
    assert "lost_by_park" not in tr.series and "cost_by_park" not in tr.series
    assert tr.park_ids == ()
