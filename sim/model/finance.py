"""Cash, relief and failures: the money side of a long shutdown.

Each firm starts with a cash runway (days of fixed costs and wages). Every day
it earns `margin × output` and pays its fixed costs and wages, open or closed.
Relief (seed 000: rent waivers, tax and fee cuts, job-retention subsidies,
credit) lowers the burn or adds cash, firm by firm in review-priority order
while the programme budget lasts; credit lines need a service team's review.
A firm whose cash stays below zero beyond the grace period fails for good: its
output is lost for the rest of the run and its customers lose it as a source
(switching to a named alternative after a delay).

Cash is modelled only for firms with a runway (`cash_days` on the firm or in
`finance`); the others never fail and receive no relief.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.state import FirmState

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import Eligibility

SHORT_DAYS = 10.0
"""A firm applies for a credit line once its cash covers fewer days of costs than this."""


class Finance:
    """Cash of every firm, the relief programme and failures."""

    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.cfg.finance
        self.cfg = cfg
        n = world.n
        rng = world.rng["finance"]
        default = cfg.cash_days.sample(rng, n) if cfg.cash_days is not None else None
        own = np.array([math.nan if f.cash_days is None else f.cash_days for f in world.park.firms])
        days = own if default is None else np.where(np.isnan(own), default, own)
        self.modelled = ~np.isnan(days)
        self.fixed = cfg.fixed_cost_share * world.baseline
        self.cost = self.fixed + cfg.wage_share * world.baseline
        self.cash = np.where(self.modelled, np.nan_to_num(days) * self.cost, math.inf)
        self.neg_since = np.full(n, math.inf)
        self.credit_review_days = world.cfg.reopening.review_days.sample(rng, n)
        self.applied = np.zeros(n, dtype=bool)
        self.credit_amount = np.zeros(n)
        self.spent = 0.0
        self.spent_by_measure = np.zeros(len(cfg.relief.measures))
        self.budget = math.inf if cfg.relief.budget is None else cfg.relief.budget
        self.eligible = [self._eligible(m.eligible) & self.modelled for m in cfg.relief.measures]
        self.order = np.lexsort((np.arange(n), world.priority))
        self.failed_today = np.zeros(0, dtype=np.int64)

    def _eligible(self, e: Eligibility) -> np.ndarray:
        w = self.world
        ok = np.ones(w.n, dtype=bool)
        if e.tags:
            wanted = set(e.tags)
            ok &= np.array([bool(wanted & t) for t in w.tags], dtype=bool)
        if e.sectors:
            ok &= np.isin(w.sector, [w.sectors.index(s) for s in e.sectors if s in w.sectors])
        if e.above_scale is not None:
            ok &= w.above_scale == e.above_scale
        if e.max_staff is not None:
            ok &= w.staff.total <= e.max_staff
        return ok

    def _pay(self, want: np.ndarray) -> np.ndarray:
        """Payments granted from the budget, firms in priority order until it runs out."""
        total = float(want.sum())
        if total <= self.budget - self.spent:
            return want
        ordered = want[self.order]
        room = max(self.budget - self.spent, 0.0)
        got = np.clip(room - (np.cumsum(ordered) - ordered), 0.0, ordered)
        out = np.zeros_like(want)
        out[self.order] = got
        return out

    def step(self, d: int, output: np.ndarray) -> None:
        """Close day `d`: revenue, costs, relief, credit applications and failures."""
        w = self.world
        alive = self.modelled & (w.state != FirmState.FAILED)
        if not alive.any():
            self.failed_today = np.zeros(0, dtype=np.int64)
            return
        cost = np.where(alive, self.cost, 0.0)
        for k, m in enumerate(self.cfg.relief.measures):
            if not (m.start_day <= d < m.start_day + m.days) or m.kind == "credit_line":
                continue
            who = self.eligible[k] & alive
            if m.kind == "rent_waiver":
                want = m.share * self.fixed
            elif m.kind == "tax_cut":
                want = m.share * self.cost
            else:
                want = m.per_worker_per_day * w.staff.total
            paid = self._pay(np.where(who, want, 0.0))
            self.spent += float(paid.sum())
            self.spent_by_measure[k] += float(paid.sum())
            self.cash += paid
        self.cash += np.where(alive, self.cfg.margin * output, 0.0) - cost
        self._credit(d, alive)
        neg = alive & (self.cash < 0)
        self.neg_since[neg & np.isinf(self.neg_since)] = d
        self.neg_since[~neg] = math.inf
        fail = neg & (d + 1 >= self.neg_since + self.cfg.grace_days)
        self.failed_today = np.flatnonzero(fail)
        if len(self.failed_today):
            w.state[fail] = FirmState.FAILED
            w.goods.sources_failed(self.failed_today, d)

    def _credit(self, d: int, alive: np.ndarray) -> None:
        w = self.world
        for k, m in enumerate(self.cfg.relief.measures):
            if m.kind != "credit_line" or not (m.start_day <= d < m.start_day + m.days):
                continue
            who = self.eligible[k] & alive & ~self.applied
            if m.only_when_short:
                who &= self.cash < SHORT_DAYS * self.cost
            for i in np.flatnonzero(who):
                self.applied[i] = True
                self.credit_amount[i] = m.amount_days * self.cost[i]
                w.reviews.file_credit(int(i))

    def grant_credit(self, i: int) -> None:
        """A service team approved firm i's credit line: the money is paid, within budget."""
        if self.world.state[i] == FirmState.FAILED:
            return
        want = np.zeros(self.world.n)
        want[i] = self.credit_amount[i]
        paid = float(self._pay(want)[i])
        self.cash[i] += paid
        self.spent += paid
        for k, m in enumerate(self.cfg.relief.measures):
            if m.kind == "credit_line" and self.eligible[k][i]:
                self.spent_by_measure[k] += paid
                break
