"""Golden numbers: every shipped scenario and policy overlay at a fixed seed, checked
bit for bit against committed output (`test_golden/*.yml`).

Each file holds, for two replications, the SHA-256 of every daily series the model
records (float64 bytes, so a change in the last bit shows) and the summary
metrics in full precision (so a reviewer sees by how much a number moved).
The tolerance is 0: a refactor must leave every file as it is.

When a change is *meant* to move numbers, regenerate them and review the diff:

    .venv/bin/pytest tests/golden --force-regen

and say in the CHANGELOG which numbers moved and why.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.experiment.runner import run_replications
from sim.metrics import summary
from sim.record import Trace
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

REPLICATIONS = 2

CASES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "bench_city": ("bench_city.yaml", (), ("scale.firms=1500", "days=60")),
    "bench_region": ("bench_region.yaml", (), ("scale.firms=1500", "days=60")),
    "changzhou_2020": ("changzhou_2020.yaml", (), ()),
    "delta_region": ("delta_region.yaml", (), ()),
    "chengdu_transfer_station": ("chengdu_transfer_station.yaml", (), ()),
    "demo_park": ("demo_park.yaml", (), ()),
    "jinshan_2022": ("jinshan_2022.yaml", (), ()),
    "kunshan_electronics": ("kunshan_electronics.yaml", (), ()),
    "ledger_park": ("ledger_park.yaml", (), ()),
    "linyi_priority": ("linyi_priority.yaml", (), ()),
}
"""name → (scenario, overlays, --sets); every overlay is added below on its base."""

for _policy in sorted((SCENARIOS / "policies").glob("*.yaml")):
    _base = _policy.stem.split("_")[0]
    _base_file = {
        "kunshan": "kunshan_electronics.yaml",
        "linyi": "linyi_priority.yaml",
        "mutual": "delta_region.yaml",
    }.get(_base, "demo_park.yaml")
    CASES[f"policy_{_policy.stem}"] = (_base_file, (f"policies/{_policy.name}",), ())


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:32]


def series(t: Trace) -> dict[str, str]:
    """Digest of every daily series and per-run total of one replication's trace."""
    out: dict[str, str] = {}
    for name in (
        "output",
        "resumption",
        "resumption_weighted",
        "resumption_above_scale",
        "review_queue",
        "review_wait",
        "cases",
        "trips_in_transit",
        "relief_spent",
        "cash_negative",
        "cost_by_producer",
        "cost_by_logistics",
    ):
        out[name] = _digest(np.asarray(getattr(t, name), dtype=float))
    for k, s in enumerate(t.sectors):
        out[f"output_sector/{s}"] = _digest(t.output_sector[:, k].astype(float))
    for k, c in enumerate(t.causes):
        out[f"lost/{c}"] = _digest(t.lost[:, k].astype(float))
    for k, s in enumerate(t.states):
        out[f"state/{s}"] = _digest(t.state_counts[:, k].astype(float))
    from sim.record import WORKFORCE_PARTS

    for k, p in enumerate(WORKFORCE_PARTS):
        out[f"workforce/{p}"] = _digest(t.workforce[:, k].astype(float))
    for k, st in enumerate(t.stations):
        out[f"funnel/{st}"] = _digest(t.funnel[:, k, :].astype(float))
    return out


def golden(name: str) -> dict[str, Any]:
    scenario, overlays, sets = CASES[name]
    park = load_scenario(SCENARIOS / scenario, [SCENARIOS / p for p in overlays], sets)
    sc = park.scenario
    traces = run_replications(park, REPLICATIONS, None, 1)
    metrics, causes = summary(traces, sc.reporting.sustain_days)
    return {
        "scenario": scenario,
        "overlays": list(overlays),
        "sets": list(sets),
        "seed": sc.seed,
        "days": sc.days,
        "firms": len(park.firms),
        "summary": {k: v["mean"] for k, v in metrics.items()},
        "lost_by_cause": {k: v["mean"] for k, v in causes.items()},
        "series": {f"replication_{t.replication}": series(t) for t in traces},
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_numbers(name: str, data_regression: Any) -> None:
    data_regression.check(golden(name), basename=name)


def test_every_shipped_scenario_has_golden_numbers() -> None:
    shipped = {p.stem for p in SCENARIOS.glob("*.yaml")}
    assert shipped <= set(CASES)
    stored = {p.stem for p in (Path(__file__).parent / "test_golden").glob("*.yml")}
    assert stored == set(CASES)
