"""Staff on post: local commuting, closed-loop housing, migrant return and quarantine.

Counts per firm, not one process per worker. Locals come when their zone allows
commuting, or earlier only as far as the firm can house or bus them: dormitory
beds, point-to-point bus seats (once the firm has been clean of cases long
enough; Jinshan, 12 May 2022) and park employee-station beds (员工驿站) shared by priority.
Migrants return along a curve and by chartered buses (Changzhou, 29 Feb 2020), then
quarantine before going on post. Close contacts of a case are isolated (an
`Isolation` from outbreaks). Too few staff on post is this mechanism's limit
(`labour`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim import quantiles
from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.model.requests import Isolation
from sim.model.shared import clean_days
from sim.model.state import C_LABOUR

if TYPE_CHECKING:
    from sim.model.world import World

WORKFORCE_PARTS = ("on_post", "local_on_post", "migrant_on_post", "quarantined", "isolated", "away")
"""Workforce counts recorded daily (people)."""


def return_share(points: list[tuple[float, float]], day: float) -> float:
    """Cumulative share of migrants back by `day` (linear between the points).

    Before the first point nobody is back: every migrant starts the run away, so
    a point (0, s) means a share s arrives on day 0 (and then quarantines).
    """
    days = [p[0] for p in points]
    shares = [p[1] for p in points]
    return float(np.interp(day, days, shares, left=0.0))


class Workforce(Mechanism):
    """Workforce counts per firm and the daily rules that move them."""

    name = "workforce"
    streams = ("workforce",)
    takes = (Isolation,)
    publishes = ("on_post",)
    causes = (Cause("labour", "too few staff on post"),)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        firms = world.park.firms
        cfg = world.cfg.workforce
        n = world.firms.n
        self.total = world.firms.staff
        self.migrants = np.rint(np.array([f.migrant_share for f in firms]) * self.total).astype(
            np.int64
        )
        self.locals = self.total - self.migrants
        self.beds = np.array([f.dorm_beds for f in firms], dtype=np.int64)
        self.seats = np.array([f.bus_seats for f in firms], dtype=np.int64)
        self.away = self.migrants.copy()
        # Rings of days: someone who would leave quarantine or isolation after the
        # last day never leaves within the run, so no ring needs more than days + 1
        # slots (a quarantine of 99,999 days costs a run of 120 days 121 rows).
        horizon = world.days + 1
        self.q_len = min(max(int(np.ceil(cfg.quarantine_days)), 0), horizon)
        self.quarantine = np.zeros((self.q_len + 1, n), dtype=np.int64)
        self.ready = np.zeros(n, dtype=np.int64)
        self.iso_len = min(max(int(np.ceil(world.cfg.outbreaks.isolation_days)), 0), horizon)
        self.isolation = np.zeros((self.iso_len + 1, n), dtype=np.int64)
        self.isolated = np.zeros(n, dtype=np.int64)
        self.on_post = np.zeros(n, dtype=np.int64)
        self.local_on_post = np.zeros(n, dtype=np.int64)
        self.station_alloc = np.zeros(n, dtype=np.int64)
        self.curve_days = np.array([p.day for p in cfg.migrant_return], dtype=float)
        self.curve_shares = np.array([p.share for p in cfg.migrant_return], dtype=float)
        self.rng = world.rng("workforce")
        initially = world.firms.initially_open
        self.ready[initially] = self.away[initially]
        self.away[initially] = 0
        self.prev_share = np.zeros(n)
        """Share of each firm's migrants back by the previous day (none before day 0)."""
        self.buses: dict[int, int] = {}
        for bus in cfg.chartered_buses:
            d = int(np.ceil(bus.day))
            self.buses[d] = self.buses.get(d, 0) + bus.seats

    def open_day(self, day: int) -> None:
        """Migrants arriving today enter quarantine; those whose quarantine ends go on
        post; isolated contacts whose isolation ends come back."""
        self.arrivals(day)

    def limit(self) -> Limit:
        """Labour: staff on post today as a share of headcount."""
        w = self.world
        return Limit(self.post(w.operating, clean_days(w.shared.last_case, w.day)), C_LABOUR)

    def close_day(self, day: int) -> None:
        """Close contacts of today's cases leave their posts."""
        for iso in self.world.board.take(Isolation):
            self.isolate(iso.day, iso.firms, iso.counts)

    def series(self) -> Sequence[Series]:
        return (
            Series(
                "workforce",
                "people",
                "staff on post (locals and migrants), in quarantine, isolated, and away",
                self._counts,
                axes=(WORKFORCE_PARTS,),
                dtype=np.int64,
            ),
        )

    def _counts(self) -> tuple[int, ...]:
        migrant_on = np.maximum(self.on_post - self.local_on_post, 0)
        return (
            self.on_post.sum(),
            self.local_on_post.sum(),
            migrant_on.sum(),
            self.quarantine.sum(),
            self.isolated.sum(),
            self.away.sum(),
        )

    def arrivals(self, d: int) -> None:
        """Migrants arriving today enter quarantine; those whose quarantine ends go on post.

        A firm with a liaison has its return delays divided by the liaison speedup:
        by day d its share back is the curve's share at d × speedup.
        """
        w = self.world
        n = w.firms.n
        speed = np.where(w.firms.liaison, w.cfg.reopening.liaison.speedup, 1.0)
        share = np.interp(d * speed, self.curve_days, self.curve_shares, left=0.0)
        prev = self.prev_share
        self.prev_share = share
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(prev >= 1, 0.0, np.clip((share - prev) / (1 - prev), 0.0, 1.0))
        # One uniform per firm per day, turned into a binomial count by inverse
        # transform: a lever that changes one firm's count (a bus, a liaison) does
        # not shift the draws of the others (common random numbers).
        u = self.rng.random(n)
        back = np.zeros_like(self.away)
        todo = (self.away > 0) & (p > 0)
        if todo.any():
            q = quantiles.binomial(u[todo], self.away[todo], p[todo])
            back[todo] = np.maximum(q, 0).astype(np.int64)
        seats = self.buses.get(d, 0)
        if seats > 0:
            still = self.away - back
            order = np.lexsort((np.arange(n), w.firms.priority))
            want = still[order]
            got = np.minimum(want, np.maximum(seats - (np.cumsum(want) - want), 0))
            extra = np.zeros_like(still)
            extra[order] = got
            back = back + extra
        self.away -= back
        slot = d % (self.q_len + 1)
        if self.q_len == 0:
            self.ready += back
        else:
            self.ready += self.quarantine[slot]
            self.quarantine[slot] = 0
            self.quarantine[(d + self.q_len) % (self.q_len + 1)] += back
        iso_slot = d % (self.iso_len + 1)
        self.isolated -= self.isolation[iso_slot]
        self.isolation[iso_slot] = 0

    def isolate(self, d: int, firms: np.ndarray, counts: np.ndarray) -> None:
        """Close contacts of today's cases leave their posts for the isolation period.

        Contacts are among today's staff on post (already net of anyone isolated):
        migrants still away or in quarantine cannot be contacts.
        """
        if self.iso_len == 0:
            return
        n = np.minimum(counts, self.on_post[firms])
        self.isolated[firms] += n
        self.isolation[(d + 1 + self.iso_len) % (self.iso_len + 1), firms] += n

    def post(self, operating: np.ndarray, clean_days: np.ndarray) -> np.ndarray:
        """Staff on post today at operating firms; returns the labour share of each firm."""
        w = self.world
        cfg = w.cfg.workforce
        lv = w.shared.levels
        commute = lv.commuting[lv.firm]
        present = np.maximum(self.locals + self.ready - self.isolated, 0)
        bus_ok = clean_days >= cfg.clean_days_for_bus
        housed = self.beds + np.where(bus_ok, self.seats, 0)
        need_station = operating & ~commute & (present > housed)
        beds = cfg.employee_station_beds
        self.station_alloc[:] = 0
        if beds > 0 and need_station.any():
            cand = np.flatnonzero(need_station)
            order = cand[np.lexsort((cand, w.firms.priority[cand]))]
            want = (present - housed)[order]
            got = np.minimum(want, np.maximum(beds - (np.cumsum(want) - want), 0))
            self.station_alloc[order] = got
        capacity = np.where(commute, present, np.minimum(present, housed + self.station_alloc))
        on = np.where(operating, capacity, 0)
        self.on_post = on
        w.shared.on_post = on
        locals_present = np.minimum(self.locals, present)
        self.local_on_post = np.minimum(on, locals_present)
        share = np.divide(on, self.total, out=np.ones(w.firms.n), where=self.total > 0)
        share = np.minimum(share, 1.0)
        if cfg.min_crew_share > 0:
            share = np.where(share < cfg.min_crew_share, 0.0, share)
        return share
