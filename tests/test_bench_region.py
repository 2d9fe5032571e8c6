"""The synthetic province: 8 linked parks, 100,000 firms at default scale; it resizes with
one knob, runs, and keeps most supply links within a park.

Speed is measured by `benchmarks/run.py`, never asserted here.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from sim.model.world import run
from sim.scenario.load import load_scenario
from sim.scenario.source import load_yaml
from tests.conftest import SCENARIOS

REGION = SCENARIOS / "bench_region.yaml"


@pytest.fixture(scope="module")
def small_region():
    return load_scenario(REGION, sets=["scale.firms=1000", "days=40"])


def _park_of(park):
    zone = {z: p.id for p in park.scenario.parks for z in p.zones}
    return {f.id: zone[f.region] for f in park.firms}


def test_the_file_makes_100000_firms_in_8_parks_with_staggered_timelines() -> None:
    # read without expanding: loading 100,000 firms takes seconds (the benchmark does it)
    data = load_yaml(REGION).data
    assert sum(g["count"] for g in data["generate"]) == 100_000
    assert len(data["parks"]) == 8
    zones = [z for p in data["parks"] for z in p["zones"]]
    timelines = {
        r["id"]: tuple((t["day"], t["level"]) for t in r["timeline"])
        for r in data["regions"]
        if r["id"] in zones
    }
    assert len(set(timelines.values())) == 8  # unsynchronised reopening
    sectors = Counter(
        data["firm_classes"][g["class"]]["region"] for g in data["generate"]
    )  # classes per park zone: 2–4 sectors each
    assert all(2 <= n <= 4 for n in sectors.values()) and len(sectors) == 8


def test_scale_firms_resizes_keeping_the_mix_of_parks(small_region) -> None:
    parks = Counter(_park_of(small_region).values())
    assert sum(parks.values()) == 1000
    assert parks == {
        "hitech": 150,
        "autocity": 140,
        "steeltown": 100,
        "riverside": 120,
        "weaving": 120,
        "granary": 120,
        "borderport": 110,
        "hills": 140,
    }


def test_most_supply_links_stay_within_a_park(small_region) -> None:
    park_of = _park_of(small_region)
    same = [
        park_of[s] == park_of[f.id]
        for f in small_region.firms
        for inp in f.inputs
        for s in inp.sources
        if s in park_of
    ]
    assert len(same) > 900
    assert 0.70 <= np.mean(same) <= 0.85  # the header says about 75 %
    crossing = {
        (park_of[f.id], park_of[s])
        for f in small_region.firms
        for inp in f.inputs
        for s in inp.sources
        if s in park_of and park_of[s] != park_of[f.id]
    }
    corridors = {frozenset(c.between) for c in small_region.scenario.corridors}
    # links leave a park only for a neighbour on a corridor
    assert {frozenset(pair) for pair in crossing} <= corridors
    assert len(crossing) >= 10


def test_every_park_has_its_own_timeline_and_most_their_own_teams(small_region) -> None:
    sc = small_region.scenario
    assert len(sc.parks) == 8 and len(sc.corridors) >= 8
    assert sum(p.service_teams is not None for p in sc.parks) == 6
    assert sum(p.passes_per_day is not None for p in sc.parks) == 6
    assert all(c.stations and c.lead_days and c.passes_per_day for c in sc.corridors)
    assert any(b.parks for b in sc.reopening.whitelists)
    assert sc.reopening.mutual_recognition is not None


def test_small_region_runs_with_invariants(small_region) -> None:
    trace = run(small_region, 0)
    assert trace.days == 40
    cap = trace.capacity
    assert np.all((cap >= -1e-12) & (cap <= 1 + 1e-9))
    assert cap[0] < 0.2 < cap[-1]
    np.testing.assert_allclose(trace.lost_days.sum(axis=1), 1 - cap, atol=1e-9)
    assert np.all(trace.state_counts.sum(axis=1) == 1000)
