"""Utility rationing: on listed days the grid supplies only part of the usual power,
so every firm in a rationed zone may produce at most that share of its baseline.

The worked example of docs/development.md ("Adding a mechanism"), which shows this
file verbatim: what a new mechanism's module and schema section look like.
tests/model/test_adding_a_mechanism.py plugs it in and runs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.scenario.schema import Day, Frozen, Ident, Scenario, Share

if TYPE_CHECKING:
    from sim.model.world import World


# --- the schema section (in sim/scenario/schema.py) -------------------------------


class Utility(Frozen):
    """Power rationing by the grid (the Kunshan article lists utilities among what reopening
    firms lacked)."""

    days: list[Day] = Field(default_factory=list)
    """Days on which power is rationed (a fractional day: from the next whole day)."""
    share: Share = 1.0
    """Output a firm may reach on a rationed day (share of baseline)."""
    regions: list[Ident] = Field(default_factory=list)
    """Zones rationed (all zones when empty)."""


class UtilityScenario(Scenario):
    """Stands in for the one field a real mechanism adds to `schema.Scenario`."""

    utility: Utility = Utility()
    """Utility rationing."""


# --- the mechanism (sim/model/utility.py) -------------------------------------------


class UtilityRationing(Mechanism):
    """On rationed days, firms of rationed zones produce at most the rationed share."""

    name = "utility"
    causes = (Cause("utility", "power rationed by the grid"),)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        cfg = world.cfg.utility  # type: ignore[attr-defined]
        self.days = {math.ceil(d) for d in cfg.days}
        zones = set(cfg.regions) or set(world.firms.region_ids)
        rationed = np.isin(world.firms.region_ids, sorted(zones))[world.firms.region]
        self.cap = np.where(rationed, cfg.share, 1.0)
        self.code = world.cause_code("utility")
        self.today = False

    def open_day(self, day: int) -> None:
        self.today = day in self.days

    def limit(self) -> Limit | None:
        return Limit(self.cap, self.code) if self.today else None

    def series(self) -> Sequence[Series]:
        return (
            Series(
                "rationed_firms",
                "firms",
                "firms whose power was rationed that day",
                lambda: int((self.cap < 1).sum()) if self.today else 0,
                dtype=np.int64,
            ),
        )
