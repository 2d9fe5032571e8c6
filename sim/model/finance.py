"""Cash, relief and failures: the money side of a long shutdown.

Each firm starts with a cash runway (days of fixed costs and wages). Every day
it earns `margin × output` and pays its fixed costs and wages, open or closed.
Relief (Kunshan, undated: rent waivers, tax and fee cuts, job-retention subsidies,
credit) lowers the burn or adds cash, firm by firm in review-priority order
while the programme budget lasts; credit lines need a service team's review
(a `CreditApplication` to reopening, answered by a `CreditApproval`).
A firm whose cash stays below zero beyond the grace period fails for good: its
output is lost for the rest of the run and its customers lose it as a source
(`SourcesFailed` to supply, which switches them to a named alternative after a
delay).

Cash is modelled only for firms with a runway (`cash_days` on the firm or in
`finance`); the others never fail and receive no relief.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.mechanism import Mechanism, Series
from sim.model.requests import CreditApplication, CreditApproval, SourcesFailed
from sim.model.state import FirmState

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import Eligibility

SHORT_DAYS = 10.0
"""A firm applies for a credit line once its cash covers fewer days of costs than this."""


class Finance(Mechanism):
    """Cash of every firm, the relief programme and failures."""

    name = "finance"
    streams = ("finance",)
    takes = (CreditApproval,)
    posts = (CreditApplication, SourcesFailed)
    writes = ("state",)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        cfg = world.cfg.finance
        self.cfg = cfg
        firms = world.firms
        n = firms.n
        rng = world.rng("finance")
        default = cfg.cash_days.sample(rng, n) if cfg.cash_days is not None else None
        own = np.array([math.nan if f.cash_days is None else f.cash_days for f in world.park.firms])
        days = own if default is None else np.where(np.isnan(own), default, own)
        self.modelled = ~np.isnan(days)
        self.fixed = cfg.fixed_cost_share * firms.baseline
        self.cost = self.fixed + cfg.wage_share * firms.baseline
        self.cash = np.where(self.modelled, np.nan_to_num(days) * self.cost, math.inf)
        self.neg_since = np.full(n, math.inf)
        self.credit_review_days = world.cfg.reopening.review_days.sample(rng, n)
        """Days a service team takes to review each firm's credit line."""
        self.applied = np.zeros(n, dtype=bool)
        self.credit_amount = np.zeros(n)
        self.spent = 0.0
        self.spent_by_measure = np.zeros(len(cfg.relief.measures))
        self.budget = math.inf if cfg.relief.budget is None else cfg.relief.budget
        self.eligible = [self._eligible(m.eligible) & self.modelled for m in cfg.relief.measures]
        self.order = np.lexsort((np.arange(n), firms.priority))

    def _eligible(self, e: Eligibility) -> np.ndarray:
        firms = self.world.firms
        ok = np.ones(firms.n, dtype=bool)
        if e.tags:
            ok &= firms.with_tags(e.tags)
        if e.sectors:
            ok &= firms.in_sectors(e.sectors)
        if e.above_scale is not None:
            ok &= firms.above_scale == e.above_scale
        if e.max_staff is not None:
            ok &= firms.staff <= e.max_staff
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

    def close_day(self, day: int) -> None:
        """Credit lines approved during the day are paid; then the day's cash step."""
        for approval in self.world.board.take(CreditApproval):
            self._grant_credit(approval.firm)
        self._step(day, self.world.output)

    def series(self) -> Sequence[Series]:
        return (
            Series(
                "relief_spent",
                "value units",
                "relief paid so far (cumulative) at the end of the day",
                lambda: self.spent,
            ),
            Series(
                "cash_negative",
                "firms",
                "firms with cash below zero at the end of the day",
                lambda: int(np.sum(self.cash < 0)),
                dtype=np.int64,
            ),
        )

    def _step(self, d: int, output: np.ndarray) -> None:
        """Close day `d`: revenue, costs, relief, credit applications and failures."""
        w = self.world
        alive = self.modelled & (w.state != FirmState.FAILED)
        if not alive.any():
            return
        cost = np.where(alive, self.cost, 0.0)
        for k, m in enumerate(self.cfg.relief.measures):
            if not (m.start_day <= d < m.start_day + m.days) or m.kind == "credit_line":
                continue
            who = self.eligible[k] & alive
            want: np.ndarray
            if m.kind == "rent_waiver":
                want = m.share * self.fixed
            elif m.kind == "tax_cut":
                want = m.share * self.cost
            else:
                want = m.per_worker_per_day * w.firms.staff
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
        failed = np.flatnonzero(fail)
        if len(failed):
            w.state[fail] = FirmState.FAILED
            w.board.post(SourcesFailed(failed, d))

    def _credit(self, d: int, alive: np.ndarray) -> None:
        """Eligible firms short of cash apply for their credit line (once each)."""
        for k, m in enumerate(self.cfg.relief.measures):
            if m.kind != "credit_line" or not (m.start_day <= d < m.start_day + m.days):
                continue
            who = self.eligible[k] & alive & ~self.applied
            if m.only_when_short:
                who &= self.cash < SHORT_DAYS * self.cost
            firms = np.flatnonzero(who)
            if not len(firms):
                continue
            self.applied[firms] = True
            self.credit_amount[firms] = m.amount_days * self.cost[firms]
            self.world.board.post(CreditApplication(firms, self.credit_review_days[firms]))

    def _grant_credit(self, i: int) -> None:
        """A service team approved firm i's credit line: the money is paid, within budget."""
        if self.world.state[i] == FirmState.FAILED:
            return
        want = np.zeros(self.world.firms.n)
        want[i] = self.credit_amount[i]
        paid = float(self._pay(want)[i])
        self.cash[i] += paid
        self.spent += paid
        for k, m in enumerate(self.cfg.relief.measures):
            if m.kind == "credit_line" and self.eligible[k][i]:
                self.spent_by_measure[k] += paid
                break
