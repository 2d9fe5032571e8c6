"""The synthetic bench city: it loads, resizes with one knob, runs, and has supply hubs.

Speed is measured by `benchmarks/run.py`, never asserted here.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from benchmarks.run import fit_exponent
from sim.model.world import run
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

CITY = SCENARIOS / "bench_city.yaml"
UPSTREAM = ("electronics", "auto_parts", "packaging")
"""Sectors whose firms supply other park firms (`from_sector` in the scenario)."""


@pytest.fixture(scope="module")
def small_city():
    return load_scenario(CITY, sets=["scale.firms=300", "days=30"])


def test_default_city_is_15000_firms_with_every_mechanism_on():
    park = load_scenario(CITY)
    sc = park.scenario
    assert len(park.firms) == 15_000
    assert sc.days == 180
    assert len({f.sector for f in park.firms}) == 6
    assert 0.1 < np.mean([f.above_scale for f in park.firms]) < 0.3
    park_zones = {f.region for f in park.firms}
    assert len({s.region for s in sc.suppliers} - park_zones) == 4
    assert len(sc.logistics.transfer_stations) == 3
    batches = sc.reopening.whitelists
    assert any(b.tags for b in batches) and any(b.top_n for b in batches)
    assert sc.outbreaks.rate_per_1000_staff_day > 0
    assert all(f.cash_days is not None for f in park.firms)


def test_scale_firms_resizes_keeping_the_mix(small_city):
    sectors = Counter(f.sector for f in small_city.firms)
    assert sum(sectors.values()) == 300
    # 2500 : 3000 : 2500 : 2500 : 2000 : 2500 of 15,000, scaled to 300
    assert sectors == {
        "electronics": 50,
        "auto_parts": 60,
        "machinery": 50,
        "textiles": 50,
        "food": 40,
        "packaging": 50,
    }


def test_small_city_runs_with_invariants(small_city):
    trace = run(small_city, 0)
    assert trace.days == 30
    cap = trace.capacity
    assert np.all((cap >= -1e-12) & (cap <= 1 + 1e-9))
    assert cap[0] < 0.05 < cap[-1]  # locked down on day 0, recovering by day 30
    # lost output by cause adds up to the whole loss, every day
    np.testing.assert_allclose(trace.lost_days.sum(axis=1), 1 - cap, atol=1e-9)
    assert np.all(trace.lost >= -1e-9)
    assert np.all(trace.state_counts.sum(axis=1) == 300)
    assert trace.funnel[-1, :, 0].sum() > 0  # freight went through the stations
    assert trace.cases.sum() > 0


def test_supply_network_has_hubs(small_city):
    ids = {f.id for f in small_city.firms}
    degree = Counter(
        src for f in small_city.firms for inp in f.inputs for src in inp.sources if src in ids
    )
    out = np.array([degree[f.id] for f in small_city.firms if f.sector in UPSTREAM])
    # sources are drawn weighted by size: a few large firms supply many customers
    assert out.max() >= 10 * max(np.median(out), 1)
    assert np.sort(out)[-5:].sum() >= 0.15 * out.sum()


def test_fit_exponent_reads_the_power_law():
    firms = [1_000, 5_000, 15_000]
    assert fit_exponent(firms, [2e-4 * n for n in firms]) == pytest.approx(1.0)
    assert fit_exponent(firms, [1e-7 * n**2 for n in firms]) == pytest.approx(2.0)
