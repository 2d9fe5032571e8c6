"""Positive cases at operating firms: suspension, isolation and zone escalation.

Cases arrive as a Poisson process whose daily rate grows with staff on post and
falls under closed-loop operation. A case suspends the firm (shorter, or only
partly, when it runs closed-loop: that part is this mechanism's limit,
`suspended`), has workforce isolate close contacts (an `Isolation`) and resets
its "days without a case" clock (Jinshan, 12 May 2022: 14 clean days before
point-to-point commuting). Enough cases in a zone raise its control level for a while (a
`LevelRaise` to controls).

The rate may follow a schedule over time (`rate_schedule`, linear between points)
and routine testing (核酸检测; Jinshan, 12 May 2022: commuting on fixed buses, stops,
people, routes and *testing*, 定检) lowers it (`testing`, a step per phase).

Draws use a fixed number of uniforms per firm per day (inverse transform), so a
policy that changes which firms operate, or the day's rate, does not shift later
draws: a scheduled or tested rate compares the same uniforms against a scaled
probability (common random numbers between options with and without testing).

A firm that failed at the same close (finance closes first) is not suspended: its
case counts, but it stays failed. With `ramp_after_suspension`, a firm that was
shut resumes by ramping up again: outbreaks writes its `reopened_at` (the day it
resumes), from which reopening's ramp-up counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim import quantiles
from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.model.requests import Isolation, LevelRaise
from sim.model.state import C_SUSPENDED, FirmState
from sim.scenario.dists import quantile

if TYPE_CHECKING:
    from sim.model.world import World


class Outbreaks(Mechanism):
    """Case draws, suspensions and the clean-days clock of every firm."""

    name = "outbreaks"
    streams = ("outbreaks",)
    posts = (Isolation, LevelRaise)
    publishes = ("partial", "last_case")
    writes = ("state", "reopened_at")
    causes = (Cause("suspended", "shut, or partly shut, after a case"),)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.cfg = world.cfg.outbreaks
        self.rng = world.rng("outbreaks")
        n = world.firms.n
        self.last_case = world.shared.last_case
        self.suspended_until = np.zeros(n)
        self.partial = world.shared.partial
        self.cases_today = np.zeros(n, dtype=np.int64)
        self.total_cases = 0
        self.region_cases: list[np.ndarray] = []
        self.schedule_days = np.array([p.day for p in self.cfg.rate_schedule], dtype=float)
        self.schedule_factor = np.array([p.factor for p in self.cfg.rate_schedule], dtype=float)
        self.testing_days = np.array([p.day for p in self.cfg.testing], dtype=float)
        self.testing_factor = np.array(
            [1.0 - p.coverage * p.effect for p in self.cfg.testing], dtype=float
        )
        """Rate multiplier of each testing phase: 1 − coverage × effect."""

    def rate_factor(self, day: int) -> float:
        """Multiplier on the base rate on `day`: the schedule's factor (linear between
        points, 1 before the first, the last one's after it) times the testing phase's."""
        f = 1.0
        if len(self.schedule_days):
            f = float(np.interp(day, self.schedule_days, self.schedule_factor, left=1.0))
        k = int(np.searchsorted(self.testing_days, day, side="right")) - 1
        if k >= 0:
            f *= float(self.testing_factor[k])
        return f

    def open_day(self, day: int) -> None:
        """Suspended firms whose time is up resume (no new review); with
        `ramp_after_suspension`, those that were shut ramp up again from today."""
        w = self.world
        back = (w.state == FirmState.SUSPENDED) & (self.suspended_until <= day)
        w.state[back] = FirmState.OPEN
        if self.cfg.ramp_after_suspension:
            w.reopened_at[back & ~self.partial] = day
        self.partial[back] = False

    def limit(self) -> Limit | None:
        """Suspended closed-loop firms keep only their stated share of output."""
        partly = (self.world.state == FirmState.SUSPENDED) & self.partial
        if not partly.any():
            return None
        share = np.where(partly, self.cfg.suspended_output_share, 1.0)
        return Limit(share, C_SUSPENDED)

    def close_day(self, day: int) -> None:
        """Today's cases at operating firms; suspensions start tomorrow."""
        w = self.world
        n = w.firms.n
        u = self.rng.random(n)
        dur_u = self.rng.random(n)
        iso_u = self.rng.random(n)
        rate = self.cfg.rate_per_1000_staff_day * self.rate_factor(day)
        if rate <= 0:
            self.cases_today[:] = 0
            self._escalate(day, np.zeros(len(w.firms.region_ids), dtype=np.int64))
            return
        on = w.shared.on_post.astype(float)
        factor = np.where(w.firms.closed_loop, self.cfg.closed_loop_factor, 1.0)
        lam = rate / 1000.0 * on * factor * w.operating
        hit = u < -np.expm1(-lam)
        cases = np.zeros(n, dtype=np.int64)
        if hit.any():
            idx = np.flatnonzero(hit)
            p0 = np.exp(-lam[idx])
            # conditional on >= 1 case: inverse CDF at a uniform rescaled into (P(0), 1)
            q = p0 + (1 - p0) * (u[idx] / -np.expm1(-lam[idx]))
            cases[idx] = np.maximum(quantiles.poisson(np.minimum(q, 1 - 1e-12), lam[idx]), 1)
            self._suspend(day, idx, dur_u[idx])
            per_case = quantile(self.cfg.isolated_per_case, iso_u[idx])
            iso = np.rint(per_case * cases[idx]).astype(np.int64)
            w.board.post(Isolation(idx, iso, day))
            self.last_case[idx] = day
        self.cases_today[:] = cases
        self.total_cases += int(cases.sum())
        regions = len(w.firms.region_ids)
        self._escalate(day, np.bincount(w.firms.region, weights=cases, minlength=regions))

    def series(self) -> Sequence[Series]:
        return (
            Series(
                "cases",
                "cases",
                "positive cases found that day",
                lambda: self.cases_today.sum(),
                dtype=np.int64,
            ),
        )

    def _suspend(self, d: int, idx: np.ndarray, dur_u: np.ndarray) -> None:
        """Firms with a case today are suspended from tomorrow, but for those that failed
        at today's close (finance closes first): failure is for good."""
        w = self.world
        alive = w.state[idx] != FirmState.FAILED
        idx, dur_u = idx[alive], dur_u[alive]
        closed = w.firms.closed_loop[idx]
        open_days = quantile(self.cfg.suspension_days, dur_u)
        loop_days = quantile(self.cfg.closed_loop_suspension_days, dur_u)
        days = np.where(closed, loop_days, open_days)
        w.state[idx] = FirmState.SUSPENDED
        self.suspended_until[idx] = np.maximum(self.suspended_until[idx], d + 1 + days)
        self.partial[idx] = closed & (self.cfg.suspended_output_share > 0)

    def _escalate(self, d: int, region_cases: np.ndarray) -> None:
        """Zones with enough cases in the window have their level raised from tomorrow."""
        rule = self.cfg.raise_level
        self.region_cases.append(region_cases)
        if rule is None:
            return
        window = max(math.ceil(rule.window_days), 1)
        recent = np.sum(self.region_cases[-window:], axis=0)
        trig = recent >= rule.cases
        if trig.any():
            self.world.board.post(LevelRaise(trig, rule.level, d + 1 + rule.days))
