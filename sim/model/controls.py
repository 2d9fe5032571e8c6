"""Epidemic control levels by zone: the scenario's timelines, raised by outbreaks.

Kunshan, undated: "zoned, graded, differentiated control". Each zone follows its timeline
(a change on a fractional day takes effect from the next whole day); enough cases
in a zone raise its level for a while (outbreaks asks, by a `LevelRaise`). The
level decides who may operate, commuting, reviews, freight passes and an output
ceiling, which is this mechanism's limit (`control_cap`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.mechanism import Cause, Limit, Mechanism
from sim.model.requests import LevelRaise
from sim.model.shared import Levels
from sim.model.state import C_CAP

if TYPE_CHECKING:
    from sim.model.world import World

OPERATE = {"whitelist": 0, "apply": 1, "all": 2}


class Controls(Mechanism):
    """Today's control level of every zone, and the output ceiling it sets."""

    name = "controls"
    takes = (LevelRaise,)
    publishes = ("levels",)
    causes = (Cause("control_cap", "the zone's output ceiling"),)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        sc = world.cfg
        names = tuple(sc.control_levels)
        idx = {nm: k for k, nm in enumerate(names)}
        levels = [sc.control_levels[nm] for nm in names]
        normal = idx.get("normal", int(np.argmin([lv.rank for lv in levels])))
        schedule = np.full((len(sc.regions), world.days + 1), normal, dtype=np.int64)
        for r, region in enumerate(sc.regions):
            for change in region.timeline:
                start = math.ceil(change.day)
                if start <= world.days:
                    schedule[r, start:] = idx[change.level]
        self.schedule = schedule
        """Level index by (zone, day) from the timelines."""
        self.raised_level = np.zeros(len(sc.regions), dtype=np.int64)
        self.raised_until = np.full(len(sc.regions), -1.0)
        """First day each zone's raise no longer applies (-1: never raised)."""
        current = schedule[:, 0].copy()
        self.levels = Levels(
            names=names,
            operate=np.array([OPERATE[lv.operate] for lv in levels]),
            closed_loop_only=np.array([lv.closed_loop_only for lv in levels]),
            commuting=np.array([lv.commuting for lv in levels]),
            review=np.array([lv.review for lv in levels]),
            cap=np.array([lv.output_cap for lv in levels], dtype=float),
            freight_pass=np.array([lv.freight_pass for lv in levels]),
            rank=np.array([lv.rank for lv in levels]),
            current=current,
            firm=current[world.firms.region],
        )
        world.shared.levels = self.levels

    def open_day(self, day: int) -> None:
        """Raises asked for at the last close, then each zone's level today."""
        for raise_ in self.world.board.take(LevelRaise):
            self.raised_level[raise_.regions] = self.levels.names.index(raise_.level)
            self.raised_until[raise_.regions] = raise_.until
        lv = self.levels
        base = self.schedule[:, min(day, self.schedule.shape[1] - 1)]
        raised = (self.raised_until > day) & (lv.rank[self.raised_level] > lv.rank[base])
        lv.current = np.where(raised, self.raised_level, base)
        lv.firm = lv.current[self.world.firms.region]

    def limit(self) -> Limit:
        """The zone's output ceiling."""
        return Limit(self.levels.cap[self.levels.firm], C_CAP)
