"""The fast transfer-station funnel gives the numbers of the one-process-per-trip model.

`sim.model.logistics` computes when each admitted truck is cleared from the bays'
free times and books deliveries to the day they fall in, instead of running
three SimPy processes per trip (tests/model/reference_logistics.py, the original
method). Issue 8 allows results to change only as far as the change of method
explains; here the method changes nothing: every daily series is identical.
"""

from __future__ import annotations

import pytest

from sim.model.logistics import Logistics
from sim.model.world import MECHANISMS, run
from sim.scenario.load import load_scenario
from tests._helpers import assert_same_trace
from tests.conftest import SCENARIOS
from tests.model import reference_logistics

CASES = [
    ("demo_park.yaml", ()),
    ("chengdu_transfer_station.yaml", ()),
    ("demo_park.yaml", ("logistics.transfer_stations[0].bays=1", "logistics.retry_days=0.5")),
    ("bench_city.yaml", ("scale.firms=400", "days=90")),
    ("bench_city.yaml", ("scale.firms=400", "days=90", "logistics.routing=nearest")),
]


@pytest.mark.parametrize(("name", "sets"), CASES)
def test_same_trace_as_process_per_trip(name: str, sets: tuple[str, ...]) -> None:
    park = load_scenario(SCENARIOS / name, sets=sets)
    fast = [run(park, rep) for rep in range(2)]
    oracle = tuple(reference_logistics.Logistics if m is Logistics else m for m in MECHANISMS)
    slow = [run(park, rep, mechanisms=oracle) for rep in range(2)]
    assert any(t.funnel[-1, :, 2].sum() > 0 for t in fast), "no truck was cleared"
    for a, b in zip(fast, slow, strict=True):
        assert_same_trace(a, b)
