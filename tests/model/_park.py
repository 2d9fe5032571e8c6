"""Tiny parks for model tests: a scenario dict with test defaults, run or built.

Defaults make a park whose outcome is easy to work out on paper: one zone `park`
at a given level, an outside region `out` for suppliers, firms with baseline 1,
no staff (labour share 1), no inputs and no ramp-up; reviews never fail and
migrants need no quarantine. Every test states what it changes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from sim.model.world import World, run
from sim.record import WORKFORCE_PARTS, Trace
from sim.scenario.expand import Park, expand
from sim.scenario.schema import Scenario

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo_park.yaml"
"""The shipped demo scenario."""

NEVER = 10_000
"""A reopening day beyond every test horizon."""


def firm(fid: str, **kw: Any) -> dict[str, Any]:
    """A firm in zone `park`: baseline 1, no staff, no inputs, full speed at once."""
    out: dict[str, Any] = {
        "id": fid,
        "sector": "s",
        "region": "park",
        "baseline_output": 1.0,
        "staff": 0,
        "ramp_days": 0,
    }
    out.update(kw)
    return out


def supplier(sid: str, *, reopen: float = 0, capacity: float = 1000, lead: float = 1) -> dict:
    """An external supplier in region `out`."""
    return {
        "id": sid,
        "region": "out",
        "capacity": capacity,
        "reopen_day": reopen,
        "lead_days": lead,
    }


def scenario(
    firms: list[dict[str, Any]],
    *,
    days: int = 20,
    level: str | list[dict[str, Any]] = "normal",
    schema: type[Scenario] = Scenario,
    **sections: Any,
) -> Scenario:
    """A park (zone `park` at `level`, or a timeline) with extra or merged sections,
    validated by `schema` (a subclass adds a section, as a new mechanism's would)."""
    timeline = [{"day": 0, "level": level}] if isinstance(level, str) else level
    data: dict[str, Any] = {
        "name": "t",
        "days": days,
        "regions": [{"id": "park", "timeline": timeline}, {"id": "out"}],
        "enterprises": firms,
        "reopening": {"fail_prob": 0.0, "ramp_days": 0},
        "workforce": {"quarantine_days": 0},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **copy.deepcopy(value)}
        else:
            data[key] = copy.deepcopy(value)
    return schema.model_validate(data)


def park(firms: list[dict[str, Any]], **kw: Any) -> Park:
    """The expanded park of `scenario(firms, **kw)`."""
    return expand(scenario(firms, **kw), None)


def trace(firms: list[dict[str, Any]], replication: int = 0, **kw: Any) -> Trace:
    """Run one replication of a tiny park."""
    return run(park(firms, **kw), replication=replication)


def world(firms: list[dict[str, Any]], replication: int = 0, **kw: Any) -> World:
    """A built, not yet run, World of a tiny park."""
    return World(park(firms, **kw), replication)


def lost(tr: Trace, cause: str) -> np.ndarray:
    """Daily loss of one cause, in baseline-days."""
    return tr.lost_days[:, tr.causes.index(cause)]


def only_cause(tr: Trace, cause: str) -> np.ndarray:
    """Days on which every unit of lost output is attributed to `cause` (and some is lost)."""
    k = tr.causes.index(cause)
    other = np.delete(tr.lost_days, k, axis=1)
    return (tr.lost_days[:, k] > 0) & np.all(other == 0, axis=1)


def check_invariants(tr: Trace) -> None:
    """Full-run invariants every trace must satisfy (BoARIO's habit)."""
    cap = tr.capacity
    assert np.all(cap >= 0) and np.all(cap <= 1 + 1e-12)
    np.testing.assert_allclose(tr.lost_days.sum(axis=1), 1 - cap, atol=1e-12)
    assert np.all(tr.lost_days >= -1e-12)
    assert np.all((tr.resumption >= 0) & (tr.resumption <= 1))
    assert np.all(tr.state_counts.sum(axis=1) == tr.n_firms)
    assert np.all(tr.workforce >= 0)
    # lost output by cause is baseline − output, in value units too; sectors add up
    np.testing.assert_allclose(
        tr.lost.sum(axis=1), tr.baseline_total - tr.output, rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(tr.output_sector.sum(axis=1), tr.output, rtol=1e-9, atol=1e-12)
    assert np.all((tr.resumption_weighted >= 0) & (tr.resumption_weighted <= 1 + 1e-12))
    sec = tr.capacity_sector[:, tr.baseline_sector > 0]
    assert np.all((sec >= 0) & (sec <= 1 + 1e-12))
    # staff: on post = locals + migrants on post; nobody counted twice
    wf = {p: tr.workforce[:, k] for k, p in enumerate(WORKFORCE_PARTS)}
    assert np.all(wf["on_post"] == wf["local_on_post"] + wf["migrant_on_post"])
    assert np.all(wf["on_post"] + wf["quarantined"] + wf["away"] <= tr.staff_total)
    assert np.all(wf["isolated"] + wf["quarantined"] + wf["away"] <= tr.staff_total)
    # station funnels: cumulative, declared >= admitted >= cleared >= 0, queue >= 0
    f = tr.funnel
    assert np.all(f[..., 0] >= f[..., 1]) and np.all(f[..., 1] >= f[..., 2])
    assert np.all(f[..., 2] >= 0) and np.all(f[..., 3] >= 0)
    assert np.all(np.diff(f[..., :3], axis=0) >= 0)
    # counts never negative; relief paid is cumulative
    for counts in (tr.review_queue, tr.cases, tr.trips_in_transit, tr.cash_negative):
        assert np.all(counts >= 0)
    assert np.all(tr.cash_negative <= tr.n_firms)
    assert np.all(tr.relief_spent >= 0) and np.all(np.diff(tr.relief_spent) >= -1e-9)
