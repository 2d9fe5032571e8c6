"""What the recorder keeps of a region of parks (issue 20.3): lost output by park and
cause each day, and the run's lost output of each park's firms blamed on each park's
goods, on the three-park region of `tests/_region.py`."""

from __future__ import annotations

import numpy as np
import pytest

from sim.record import OUTSIDE
from tests._region import PARKS, REGION, region_dict, region_trace
from tests.model._park import check_invariants


def test_lost_output_by_park_and_cause_worked_out_by_hand() -> None:
    tr = region_trace()
    assert tr.park_ids == PARKS
    assert tr.lost_by_park.shape == (20, 3, len(tr.causes))
    total = tr.lost_by_park.sum(axis=0)
    north, south, east = (dict(zip(tr.causes, row, strict=True)) for row in total)
    # north (baseline 3) not allowed for six days
    assert north["not_allowed"] == 18.0
    assert sum(north.values()) == 18.0
    # south (baseline 5): one day awaiting review, then s_asm (4) idle on days 3-6
    assert south["awaiting_review"] == 5.0
    assert south["input:part_n_part"] == 16.0
    assert sum(south.values()) == 21.0
    assert sum(east.values()) == 0.0


def test_lost_by_park_adds_up_to_the_regions_lost_output_each_day() -> None:
    tr = region_trace()
    np.testing.assert_allclose(tr.lost_by_park.sum(axis=1), tr.lost, rtol=1e-12)
    check_invariants(tr)


def test_the_cost_of_norths_closure_falls_on_south() -> None:
    tr = region_trace()
    assert tr.series["cost_by_park"].axes == (PARKS, (*PARKS, OUTSIDE))
    expected = np.zeros((3, 4))
    expected[PARKS.index("south"), PARKS.index("north")] = 16.0
    np.testing.assert_allclose(tr.cost_by_park, expected)
    np.testing.assert_array_equal(tr.park_baseline, [3.0, 5.0, 1.0])
    np.testing.assert_array_equal(tr.park_firms, [2, 2, 1])


def _with_supplier(reopen: float) -> dict:
    """East's maker needs chips from an outside supplier reopening on `reopen`, and north's
    assembler draws on east: the loss is blamed outside, then on east."""
    data = region_dict()
    firms = data["enterprises"]
    east = next(f for f in firms if f["id"] == "e_part")
    east["inputs"] = [{"good": "chips", "from": "chipco", "per_output": 1.0, "stock_days": 1}]
    data["suppliers"] = [
        {"id": "chipco", "region": "out", "capacity": 100, "reopen_day": reopen, "lead_days": 1}
    ]
    return data


@pytest.mark.parametrize("reopen", [4, 9])
def test_columns_of_cost_by_park_add_up_to_cost_by_producer_by_the_producers_park(
    reopen: float,
) -> None:
    from sim.model.world import run
    from sim.scenario.expand import expand
    from sim.scenario.schema import Scenario

    park = expand(Scenario.model_validate(_with_supplier(reopen)), None)
    tr = run(park, replication=0)
    producer_park = {
        **{f["id"]: f["region"][0] for f in REGION["enterprises"]},
        "chipco": "o",
    }
    columns = {"n": 0, "s": 1, "e": 2, "o": 3}
    by_column = np.zeros(4)
    for pid, v in zip(tr.producers, tr.cost_by_producer, strict=True):
        by_column[columns[producer_park[pid]]] += v
    np.testing.assert_allclose(tr.cost_by_park.sum(axis=0), by_column, rtol=1e-12, atol=1e-12)
    # the outside supplier's lateness costs east; east's shortfall then costs north
    assert tr.cost_by_park[PARKS.index("east"), 3] > 0
    check_invariants(tr)
