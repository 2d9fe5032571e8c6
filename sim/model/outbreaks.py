"""Positive cases at operating firms: suspension, isolation and zone escalation.

Cases arrive as a Poisson process whose daily rate grows with staff on post and
falls under closed-loop operation. A case suspends the firm (shorter, or only
partly, when it runs closed-loop), isolates close contacts and resets its
"days without a case" clock (seed 002: 14 clean days before point-to-point
commuting). Enough cases in a zone can raise its control level for a while.

Draws use a fixed number of uniforms per firm per day (inverse transform), so a
policy that changes which firms operate does not shift later draws.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim import quantiles
from sim.model.state import FirmState
from sim.scenario.dists import quantile

if TYPE_CHECKING:
    from sim.model.world import World


class Cases:
    """Case draws, suspensions and the clean-days clock of every firm."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cfg = world.cfg.outbreaks
        self.rng = world.rng["outbreaks"]
        self.last_case = np.full(world.n, -math.inf)
        self.suspended_until = np.zeros(world.n)
        self.partial = np.zeros(world.n, dtype=bool)
        self.total_cases = 0
        self.region_cases: list[np.ndarray] = []

    def clean_days(self, d: int) -> np.ndarray:
        """Days since each firm's last case (large if none)."""
        return np.minimum(d - self.last_case, 1e9)

    def draw(self, d: int) -> None:
        """Today's cases at operating firms; suspensions start tomorrow."""
        w = self.world
        n = w.n
        u = self.rng.random(n)
        dur_u = self.rng.random(n)
        iso_u = self.rng.random(n)
        rate = self.cfg.rate_per_1000_staff_day
        if rate <= 0:
            w.cases_today[:] = 0
            self._escalate(d, np.zeros(len(w.region_ids), dtype=np.int64))
            return
        on = w.staff.on_post.astype(float)
        factor = np.where(w.closed_loop, self.cfg.closed_loop_factor, 1.0)
        lam = rate / 1000.0 * on * factor * w.operating
        hit = u < -np.expm1(-lam)
        cases = np.zeros(n, dtype=np.int64)
        if hit.any():
            idx = np.flatnonzero(hit)
            p0 = np.exp(-lam[idx])
            # conditional on >= 1 case: inverse CDF at a uniform rescaled into (P(0), 1)
            q = p0 + (1 - p0) * (u[idx] / -np.expm1(-lam[idx]))
            cases[idx] = np.maximum(quantiles.poisson(np.minimum(q, 1 - 1e-12), lam[idx]), 1)
            self._suspend(d, idx, dur_u[idx])
            per_case = quantile(self.cfg.isolated_per_case, iso_u[idx])
            iso = np.rint(per_case * cases[idx]).astype(np.int64)
            w.staff.isolate(d, idx, iso)
            self.last_case[idx] = d
        w.cases_today[:] = cases
        self.total_cases += int(cases.sum())
        self._escalate(d, np.bincount(w.region, weights=cases, minlength=len(w.region_ids)))

    def _suspend(self, d: int, idx: np.ndarray, dur_u: np.ndarray) -> None:
        w = self.world
        closed = w.closed_loop[idx]
        open_days = quantile(self.cfg.suspension_days, dur_u)
        loop_days = quantile(self.cfg.closed_loop_suspension_days, dur_u)
        days = np.where(closed, loop_days, open_days)
        w.state[idx] = FirmState.SUSPENDED
        self.suspended_until[idx] = np.maximum(self.suspended_until[idx], d + 1 + days)
        self.partial[idx] = closed & (self.cfg.suspended_output_share > 0)

    def end_suspensions(self, d: int) -> None:
        """Suspended firms whose time is up resume (no new review)."""
        w = self.world
        back = (w.state == FirmState.SUSPENDED) & (self.suspended_until <= d)
        w.state[back] = FirmState.OPEN
        self.partial[back] = False

    def _escalate(self, d: int, region_cases: np.ndarray) -> None:
        rule = self.cfg.raise_level
        self.region_cases.append(region_cases)
        if rule is None:
            return
        window = max(math.ceil(rule.window_days), 1)
        recent = np.sum(self.region_cases[-window:], axis=0)
        lv = self.world.levels
        level = lv.names.index(rule.level)
        trig = recent >= rule.cases
        lv.raised_level[trig] = level
        lv.raised_until[trig] = d + 1 + rule.days
