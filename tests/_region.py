"""A small region of three parks for the tests of results per park (issue 20.3).

`north` (zone `n_zone`) is locked down until day 6, `south` (`s_zone`) is controlled
until day 2, `east` (`e_zone`) is normal from the start. Supply crosses parks: the
south assembler `s_asm` needs parts from the north maker `n_part` (critical, two days
of stock), so north's closure costs south output — the "unsynchronised reopening" cost
— and the east maker `e_part` supplies `n_asm` in the north. Every firm runs with no
staff and no ramp-up, reviews never fail, so the curves are easy to follow.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from sim.model.world import run
from sim.record import Trace
from sim.scenario.expand import Park, expand
from sim.scenario.schema import Scenario

PARKS = ("north", "south", "east")
"""The region's parks, in scenario order."""


def _firm(fid: str, zone: str, baseline: float, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": fid,
        "sector": "s",
        "region": zone,
        "baseline_output": baseline,
        "staff": 0,
        "ramp_days": 0,
    }
    out.update(kw)
    return out


def _part(src: str) -> dict[str, Any]:
    return {"good": f"part_{src}", "from": src, "per_output": 0.5, "stock_days": 2.0}


REGION: dict[str, Any] = {
    "name": "three_parks",
    "days": 20,
    "regions": [
        {
            "id": "n_zone",
            "timeline": [{"day": 0, "level": "lockdown"}, {"day": 6, "level": "normal"}],
        },
        {
            "id": "s_zone",
            "timeline": [{"day": 0, "level": "controlled"}, {"day": 2, "level": "normal"}],
        },
        {"id": "e_zone", "timeline": [{"day": 0, "level": "normal"}]},
        {"id": "out"},
    ],
    "parks": [
        {"id": "north", "name": "北区", "zones": ["n_zone"]},
        {"id": "south", "zones": ["s_zone"]},
        {"id": "east", "zones": ["e_zone"]},
    ],
    "enterprises": [
        _firm("n_part", "n_zone", 2.0),
        _firm("n_asm", "n_zone", 1.0, inputs=[_part("e_part")]),
        _firm("s_asm", "s_zone", 4.0, inputs=[_part("n_part")]),
        _firm("s_other", "s_zone", 1.0),
        _firm("e_part", "e_zone", 1.0),
    ],
    "reopening": {"fail_prob": 0.0, "ramp_days": 0, "apply_days": 0, "review_days": 1},
    "workforce": {"quarantine_days": 0},
    "outbreaks": {"rate_per_1000_staff_day": 0.0},
}
"""The region as a scenario document."""


def region_dict(**changes: Any) -> dict[str, Any]:
    """A copy of the region's document with top-level keys replaced."""
    data = copy.deepcopy(REGION)
    data.update(copy.deepcopy(changes))
    return data


def region_scenario(**changes: Any) -> Scenario:
    """The region, validated."""
    return Scenario.model_validate(region_dict(**changes))


def region_park(**changes: Any) -> Park:
    """The region, expanded."""
    return expand(region_scenario(**changes), None)


def region_trace(replication: int = 0, **changes: Any) -> Trace:
    """One replication of the region."""
    return run(region_park(**changes), replication=replication)


def write_region(folder: Path, **changes: Any) -> Path:
    """The region as a scenario file in `folder`."""
    path = Path(folder) / "region.yaml"
    path.write_text(yaml.safe_dump(region_dict(**changes), allow_unicode=True), encoding="utf-8")
    return path
