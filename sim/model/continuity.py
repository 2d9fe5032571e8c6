"""Firms that never fully stopped: continuous-process plants and sealed closed loops that
keep part of their output under a level that halts everyone else.

Chemicals, steel, glass and wafer plants cannot simply be switched off, and firms
running sealed closed loops kept producing through lockdowns, before and outside
any city white list (docs/model.md, "What is simulated"). A `continuity` rule says
which firms (by class, tag, sector or id, optionally only closed-loop ones) keep
which share of their baseline under which levels.

Each day, after the levels are set and before white lists are released, a firm a
rule keeps running:

- may operate although its zone's level halts it (`shared.continuing`, which
  production reads), at most at the rule's share: this mechanism's limit, whose
  loss is blamed on `not_allowed` (the level is what halts the rest);
- if it had not started reopening (closed), it is open from today: it never
  stopped. On day 0 it is open from before the run, like an initially open firm
  (no ramp-up); a firm kept running only from a later day (its zone came to a
  listed level from one that halted it completely) ramps up from that day.

A firm kept open this way needs no review when its zone's level later lets it run
fully: it was never shut. A firm already preparing or awaiting review when its
zone reaches a listed level goes on through its review first. A level that does
not halt a firm (one that lets it apply) leaves it to the reopening pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.mechanism import Limit, Mechanism, Series
from sim.model.state import C_NOT_ALLOWED, FirmState

if TYPE_CHECKING:
    from sim.model.world import World

_CLOSED, _OPEN = int(FirmState.CLOSED), int(FirmState.OPEN)


class Continuity(Mechanism):
    """Which firms keep running under which levels, and at what share of baseline."""

    name = "continuity"
    publishes = ("continuing",)
    writes = ("state", "reopened_at")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        rules = world.cfg.continuity
        firms = world.firms
        n = firms.n
        names = tuple(world.cfg.control_levels)
        self.table = np.zeros((len(names), n))
        """Share each firm keeps under each level (by level, then firm; 0: none)."""
        for rule in reversed(rules):  # the first rule naming a firm and a level is written last
            picked = np.zeros(n, dtype=bool)
            if not (rule.classes or rule.tags or rule.sectors or rule.firms):
                picked[:] = True
            if rule.classes:
                picked |= firms.in_classes(rule.classes)
            if rule.tags:
                picked |= firms.with_tags(rule.tags)
            if rule.sectors:
                picked |= firms.in_sectors(rule.sectors)
            for fid in rule.firms:
                picked[firms.index[fid]] = True
            if rule.closed_loop_only:
                picked &= firms.closed_loop
            rows = np.array(
                [names.index(lv) for lv in rule.levels] or range(len(names)), dtype=np.int64
            )
            self.table[np.ix_(rows, np.flatnonzero(picked))] = rule.share
        self.active = bool(rules) and bool((self.table > 0).any())
        self.share = np.zeros(n)
        """Share of baseline each firm kept running by continuity may produce today (0:
        not kept running today)."""
        self.started = 0
        """Firms continuity opened (had not started reopening) so far in the run."""

    def open_day(self, day: int) -> None:
        """Firms today's level halts and a rule keeps running: they may operate at its
        share; those that had not started reopening are open from today."""
        if not self.active:
            return
        w = self.world
        lv = w.shared.levels
        lvl = lv.firm
        share = self.table[lvl, np.arange(w.firms.n)]
        halted = (lv.operate[lvl] == 0) | (lv.closed_loop_only[lvl] & ~w.firms.closed_loop)
        kept = halted & (share > 0)
        self.share = np.where(kept, share, 0.0)
        w.shared.continuing = kept
        start = kept & (w.state == _CLOSED)
        if start.any():
            w.state[start] = _OPEN
            w.reopened_at[start] = -math.inf if day == 0 else float(day)
            self.started += int(start.sum())

    def limit(self) -> Limit | None:
        """Firms running only because continuity keeps them may produce their share; the
        rest of their output is lost to the level (`not_allowed`)."""
        if not self.active:
            return None
        w = self.world
        capped = (self.share > 0) & ~w.shared.allowed
        if not capped.any():
            return None
        return Limit(np.where(capped, self.share, 1.0), C_NOT_ALLOWED)

    def series(self) -> Sequence[Series]:
        """`continuity_firms`, declared only when the scenario has continuity rules
        (a park without them has nothing to record, and its files stay as they were)."""
        if not self.world.cfg.continuity:
            return ()
        return (
            Series(
                "continuity_firms",
                "firms",
                "firms operating that day only because continuity keeps them running under "
                "a level that halts them",
                self._kept_operating,
                dtype=np.int64,
            ),
        )

    def _kept_operating(self) -> int:
        w = self.world
        return int((w.operating & (self.share > 0) & ~w.shared.allowed).sum())
