"""Staggered reopening: white lists, applications, on-site reviews, rectification.

Seed 003: "every firm's reopening reviewed on site"; seed 001: backbone,
livelihood and epidemic-supply firms first; seed 002: cadres liaising with key
firms. A firm allowed to start (its zone level admits it, or a white-list batch
names it) prepares and applies; service teams (a limited resource) review
applications in priority order; a failed review means rectification and a new
application. A failed review's next application comes no sooner than
MIN_RETRY_DAYS after that review began, so reviews that always fail in no time
cannot loop forever within one instant.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.state import MECHANISMS, FirmState

if TYPE_CHECKING:
    from sim.model.world import World

MAX_ATTEMPTS = 8
"""Review attempts pre-drawn per firm. Later attempts reuse the last durations and
draw their pass/fail uniform from the firm's own stream (`late_stream`)."""


def priority_keys(world: World) -> np.ndarray:
    """Review priority of each firm: index of its first priority tag (lower = earlier)."""
    order = list(world.cfg.reopening.priority)
    keys = np.full(world.n, len(order), dtype=np.int64)
    for i, tags in enumerate(world.tags):
        for k, t in enumerate(order):
            if t in tags:
                keys[i] = k
                break
    return keys


def liaison_mask(world: World) -> np.ndarray:
    """Firms with a liaison: teams × firms_per_team, by priority then size."""
    cfg = world.cfg.reopening
    slots = cfg.service_teams * cfg.liaison.firms_per_team
    mask = np.zeros(world.n, dtype=bool)
    if slots <= 0:
        return mask
    wanted = set(cfg.liaison.tags)
    eligible = np.array([not wanted or bool(wanted & t) for t in world.tags], dtype=bool)
    cand = np.flatnonzero(eligible)
    order = np.lexsort((cand, -world.baseline[cand], world.priority[cand]))
    mask[cand[order[:slots]]] = True
    return mask


def late_stream(world: World, i: int) -> np.random.Generator:
    """Firm i's own review stream, for attempts beyond MAX_ATTEMPTS.

    `SeedSequence(seed, spawn_key=(replication, index of "review", i))`: it depends
    only on the firm, so other firms' draws never shift it (common random numbers).
    """
    key = (world.replication, MECHANISMS.index("review"), i)
    return np.random.default_rng(np.random.SeedSequence(world.cfg.seed, spawn_key=key))


MIN_RETRY_DAYS = 1 / 24
"""A firm whose review failed files its next application no sooner than this after
the failed review began (one hour, in days): visiting the site, putting things
right and applying again take some time even when a scenario says 0 days. It
only lengthens rectification when review + rectification are shorter than this
(never in the shipped scenarios), and bounds the attempts a firm makes to one an
hour: reviews that always fail in zero time would otherwise fail and re-apply
forever within one instant, and tiny ones (1e-300 days) nearly as long."""


LATE = 2
"""SimPy event priority after URGENT (0) and NORMAL (1): an event scheduled LATE
runs once every other event of its instant has been processed."""

_FAILED, _QUEUED, _REVIEWING, _RECTIFYING = (
    int(FirmState.FAILED),
    int(FirmState.QUEUED),
    int(FirmState.REVIEWING),
    int(FirmState.RECTIFYING),
)
"""States read in the review loop, as plain ints: numpy compares an enum member only
after probing its class for array attributes, which is slow on Python 3.11."""


class ReviewQueue:
    """Applications waiting for a team: a heap of ((priority, filed at, firm), firm)."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[int, float, int], int]] = []


class Reviews:
    """The review queue and the service teams that work it.

    Teams take applications at the end of each instant (a LATE event), not the
    moment one is filed or a team comes free: applications filed at the same
    instant as a team finishes a review are all in the queue when it chooses, so
    the choice follows priority and never the order in which SimPy happens to
    process the events of that instant.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.cfg.reopening
        n = world.n
        rng_open = world.rng["reopening"]
        rng = world.rng["review"]
        self.apply_days = cfg.apply_days.sample(rng_open, n)
        self.review_days = cfg.review_days.sample(rng, n * MAX_ATTEMPTS).reshape(n, MAX_ATTEMPTS)
        self.fail_u = rng.random((n, MAX_ATTEMPTS))
        self.rectify_days = cfg.rectify_days.sample(rng, n * MAX_ATTEMPTS).reshape(n, MAX_ATTEMPTS)
        self.attempts = np.zeros(n, dtype=np.int64)
        self.late: dict[int, np.random.Generator] = {}
        """Streams of firms that used up their pre-drawn attempts."""
        self.queued_at = np.zeros(n)
        self.queue = ReviewQueue()
        self.idle: list[simpy.Event] = []
        """One event per free team, succeeded with the firm it is to review."""
        self._dispatch_pending = False
        self.wait_sum = 0.0
        self.wait_count = 0
        # A firm has at most one reopening application and one credit line in the queue
        # or under review at a time, so teams beyond 2n + 1 would only ever wait: they
        # are not started (teams are alike, so which one takes a job changes nothing),
        # and a million teams for 38 firms cost no more than 77.
        for _ in range(min(cfg.service_teams, 2 * n + 1)):
            world.env.process(self._team())

    def file(self, i: int) -> None:
        """Firm `i` files an application (or reopens at once if no review is needed)."""
        w = self.world
        if w.state[i] == _FAILED:
            return
        lvl = w.levels.current[w.region[i]]
        if not w.levels.review[lvl]:
            w.reopen(i)
            return
        w.state[i] = _QUEUED
        self.queued_at[i] = w.env.now
        heapq.heappush(self.queue.items, ((int(w.priority[i]), w.env.now, i), i))
        self._dispatch_soon()

    def file_credit(self, i: int) -> None:
        """Firm `i` applies for a relief credit line: the teams review it like a reopening."""
        w = self.world
        heapq.heappush(self.queue.items, ((int(w.priority[i]), w.env.now, -1 - i), -1 - i))
        self._dispatch_soon()

    def _dispatch_soon(self) -> None:
        """Hand queued applications to free teams at the end of this instant."""
        if self._dispatch_pending or not self.idle or not self.queue.items:
            return
        self._dispatch_pending = True
        event = simpy.Event(self.world.env)
        event.callbacks.append(self._dispatch)
        event._ok = True
        event._value = None
        self.world.env.schedule(event, LATE)

    def _dispatch(self, _event: simpy.Event) -> None:
        self._dispatch_pending = False
        while self.idle and self.queue.items:
            _, i = heapq.heappop(self.queue.items)
            self.idle.pop(0).succeed(i)

    def _team(self):
        w = self.world
        p_fail = w.cfg.reopening.fail_prob
        while True:
            job = simpy.Event(w.env)
            self.idle.append(job)
            self._dispatch_soon()
            i = yield job
            if i < 0:  # a credit-line application (see finance.py), not a reopening
                firm = -1 - i
                yield w.env.timeout(float(w.finance.credit_review_days[firm]))
                w.finance.grant_credit(firm)
                continue
            if w.state[i] == _FAILED:  # went out of business while queued
                continue
            w.state[i] = _REVIEWING
            self.wait_sum += w.env.now - self.queued_at[i]
            self.wait_count += 1
            k = min(self.attempts[i], MAX_ATTEMPTS - 1)
            fail_u = self._fail_u(i)
            self.attempts[i] += 1
            review = float(self.review_days[i, k])
            yield w.env.timeout(review)
            if w.state[i] == _FAILED:  # ran out of cash during the review
                continue
            if fail_u < p_fail:
                w.state[i] = _RECTIFYING
                rectify = self.rectify_days[i, k] / self._speed(i)
                w.env.process(self._rectify(i, max(rectify, MIN_RETRY_DAYS - review)))
            else:
                w.reopen(i)

    def _fail_u(self, i: int) -> float:
        """Uniform deciding firm i's next review: pre-drawn, then from its own stream."""
        k = int(self.attempts[i])
        if k < MAX_ATTEMPTS:
            return float(self.fail_u[i, k])
        if i not in self.late:
            self.late[i] = late_stream(self.world, i)
        return float(self.late[i].random())

    def _speed(self, i: int) -> float:
        w = self.world
        return w.cfg.reopening.liaison.speedup if w.liaison[i] else 1.0

    def _rectify(self, i: int, days: float):
        yield self.world.env.timeout(days)
        if self.world.state[i] == _RECTIFYING:  # not reopened meanwhile
            self.file(i)

    def waive(self, firms: np.ndarray) -> None:
        """Firms queued or rectifying whose zone no longer requires a review reopen now."""
        w = self.world
        gone = np.zeros(w.n, dtype=bool)
        gone[firms] = True
        items = [it for it in self.queue.items if it[1] < 0 or not gone[it[1]]]
        heapq.heapify(items)
        self.queue.items[:] = items
        for i in firms:
            w.reopen(int(i))

    def prepare(self, i: int):
        """Preparation before applying (seed 001: ready firms at once, others later)."""
        delay = self.apply_days[i] / self._speed(i)
        if delay > 0:
            yield self.world.env.timeout(delay)
        self.file(i)


def release_whitelists(world: World, day: int) -> None:
    """White-list batches released today add their firms to the list."""
    for batch in world.cfg.reopening.whitelists:
        if int(np.ceil(batch.day)) != day:
            continue
        sel = np.zeros(world.n, dtype=bool)
        for fid in batch.firms:
            sel[world.index[fid]] = True
        if batch.tags:
            wanted = set(batch.tags)
            sel |= np.array([bool(wanted & t) for t in world.tags], dtype=bool)
        if batch.sectors:
            secs = [world.sectors.index(s) for s in batch.sectors if s in world.sectors]
            sel |= np.isin(world.sector, secs)
        if batch.above_scale:
            sel |= world.above_scale
        if batch.top_n is not None and batch.top_n.n > 0:
            size = world.baseline if batch.top_n.by == "baseline_output" else world.staff.total
            order = np.lexsort((np.arange(world.n), -size))
            sel[order[: batch.top_n.n]] = True
        if batch.suppliers_of_listed:
            sel |= world.goods.park_suppliers_of(world.whitelisted | sel)
        world.whitelisted |= sel


def open_gates(world: World) -> None:
    """Closed firms whose zone level (or white list) now admits them start preparing.

    Firms still waiting for a review (queued or rectifying) when their zone's level
    stops requiring one (e.g. `normal`) reopen at once instead of waiting for a team.
    """
    allowed = world.may_operate()
    ready = (world.state == FirmState.CLOSED) & allowed
    lv = world.levels
    lvl = world.firm_level()
    ready &= (lv.operate[lvl] != 0) | world.whitelisted
    waiting = (world.state == _QUEUED) | (world.state == _RECTIFYING)
    waived = waiting & allowed & ~lv.review[lvl]
    if waived.any():
        world.reviews.waive(np.flatnonzero(waived))
    for i in np.flatnonzero(ready):
        world.state[i] = FirmState.PREPARING
        world.env.process(world.reviews.prepare(int(i)))
