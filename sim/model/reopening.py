"""Staggered reopening: white lists, applications, on-site reviews, rectification, ramp-up.

Changzhou, 29 Feb 2020: "every firm's reopening reviewed on site"; Linyi, 28 Feb
2020: backbone, livelihood and epidemic-supply firms first; Jinshan, 12 May 2022:
cadres liaising with key firms. A firm allowed to start (its zone level admits it,
or a white-list batch names it) prepares and applies; service teams (a limited
resource) review applications in priority order; a failed review means
rectification and a new application. A failed review's next application comes no
sooner than MIN_RETRY_DAYS after that review began, so reviews that always fail in
no time cannot loop forever within one instant. The same teams review relief credit
lines (a `CreditApplication` from finance; the approval goes back as a
`CreditApproval`). A reopened firm ramps up over its ramp days: this
mechanism's limit (`ramp_up`).

Preparation time is the park's `apply_days` unless `apply_days_by` gives a group's
own: the batch that released the firm, else its tags, else its class (each rule
draws for every firm from its own stream, so adding a group moves no other
group's numbers), times `closed_loop_apply_factor` for firms that can run
closed-loop. Besides named white-list batches, approval rules release a number or
share of eligible firms each day. Which batch or rule released each firm is
published (`shared.released_by`).

In a region of parks (docs/regions.md) each park with its own `service_teams` has its
own pool of teams and queue; the other parks share the region's pool (without `parks`:
one pool, as before). A batch's `parks` limit its rule selections; its
`suppliers_of_listed` stop at the listing firm's park unless both parks recognise each
other's lists (`mutual_recognition`), which lists the suppliers in the other park the
same day or whole days later, released by the batch.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.model.requests import CreditApplication, CreditApproval
from sim.model.state import C_RAMP, FirmState
from sim.model.streams import stream, stream_key

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import ApplyDaysRule, Approval

MAX_ATTEMPTS = 8
"""Review attempts pre-drawn per firm. Later attempts reuse the last durations and
draw their pass/fail uniform from the firm's own stream (`late_stream`)."""

MIN_RETRY_DAYS = 1 / 24
"""A firm whose review failed files its next application no sooner than this after
the failed review began (one hour, in days): visiting the site, putting things
right and applying again take some time even when a scenario says 0 days. It
only lengthens rectification when review + rectification are shorter than this
(never in the shipped scenarios), and bounds the attempts a firm makes to one an
hour: reviews that always fail in zero time would otherwise fail and re-apply
forever within one instant, and tiny ones (1e-300 days) nearly as long."""

_CLOSED, _FAILED, _QUEUED, _REVIEWING, _RECTIFYING, _OPEN = (
    int(FirmState.CLOSED),
    int(FirmState.FAILED),
    int(FirmState.QUEUED),
    int(FirmState.REVIEWING),
    int(FirmState.RECTIFYING),
    int(FirmState.OPEN),
)
"""States read in the review loop, as plain ints: numpy compares an enum member only
after probing its class for array attributes, which is slow on Python 3.11."""

Job = tuple[tuple[int, float, int], int, float | None]
"""A queued application: ((priority, filed at, order), firm, credit review days).

A reopening application is ordered by (priority, time, firm); a credit line's by
(priority, time, -1 - firm), so at equal priority and time credit lines come
first, the later firm first. The credit review days are None for a reopening."""


_FIRM_OF_JOB = operator.itemgetter(1)
"""The firm of a queued job (priority key, firm, credit days)."""


def late_stream(world: World, i: int) -> np.random.Generator:
    """Firm i's own review stream, for attempts beyond MAX_ATTEMPTS.

    Stream "review" narrowed to firm i (`streams.stream`): it depends only on the
    firm, so other firms' draws never shift it (common random numbers).
    """
    return stream(world.cfg.seed, world.replication, "review", i)


def group_stream(world: World, rule: ApplyDaysRule) -> np.random.Generator:
    """The stream an `apply_days_by` rule draws its preparation times from.

    Stream "apply_days_by" narrowed to the rule's group (`class:NAME`, `tags:A+B`,
    `batch:ID`), so adding, removing or reordering rules moves no other rule's draws."""
    kind, name = rule.group()
    key = stream_key(f"{kind}:{name}")
    return stream(world.cfg.seed, world.replication, "apply_days_by", key)


def approval_stream(world: World, rule: Approval) -> np.random.Generator:
    """The stream an approval rule with `order: random` draws its order from: stream
    "approvals" narrowed to the rule's id."""
    return stream(world.cfg.seed, world.replication, "approvals", stream_key(rule.id))


def recognising_parks(world: World) -> np.ndarray | None:
    """Parks that recognise each other's white lists (`reopening.mutual_recognition`; its
    `parks`, or every park when empty), as a mask over the parks; None without
    recognition or without parks."""
    mr = world.cfg.reopening.mutual_recognition
    ids = world.firms.park_ids
    if mr is None or not ids:
        return None
    return np.array([not mr.parks or p in mr.parks for p in ids], dtype=bool)


def ramp_factor(
    day: int, reopened_at: np.ndarray, ramp_days: np.ndarray, shape: float
) -> np.ndarray:
    """Output cap on `day` of firms reopened at `reopened_at`: min(1, (k/ramp)^shape).

    k = 1 on the day of reopening, 2 the next day, ...; a zero ramp means full speed.
    """
    k = day - np.floor(reopened_at) + 1
    # a ramp of 1e-320 days overflows k / ramp_days to inf, which the clip makes 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = np.where(ramp_days > 0, np.clip(k / ramp_days, 0.0, 1.0) ** shape, 1.0)
    return np.where(np.isfinite(f), f, 1.0)


class Reopening(Mechanism):
    """White lists and gates, the review queue and the service teams that work it,
    and the ramp-up of reopened firms.

    Teams take applications at the end of each instant (`Clock.at_end_of_instant`), not the
    moment one is filed or a team comes free: applications filed at the same
    instant as a team finishes a review are all in the queue when it chooses, so
    the choice follows priority and never the order in which SimPy happens to
    process the events of that instant.
    """

    name = "reopening"
    streams = ("reopening", "review", "apply_days_by", "approvals")
    takes = (CreditApplication,)
    posts = (CreditApproval,)
    publishes = ("whitelisted", "allowed", "release_ids", "released_by")
    writes = ("state", "reopened_at")
    causes = (Cause("ramp_up", "reopened but not yet at full speed"),)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        cfg = world.cfg.reopening
        firms = world.firms
        n = firms.n
        rng_open = world.rng("reopening")
        rng = world.rng("review")
        self.ramp_days = np.array(
            [cfg.ramp_days if f.ramp_days is None else f.ramp_days for f in world.park.firms],
            dtype=float,
        )
        self.apply_days = cfg.apply_days.sample(rng_open, n)
        """Preparation days of each firm unless the batch releasing it has its own."""
        self.release_ids = tuple(
            b.id if b.id is not None else f"whitelists[{k}]" for k, b in enumerate(cfg.whitelists)
        ) + tuple(a.id for a in cfg.approvals)
        world.shared.release_ids = self.release_ids
        self.released_by = world.shared.released_by
        self.batch_days: dict[int, np.ndarray] = {}
        """Preparation days of each firm if released by the batch or rule of this index in
        `release_ids` (only those with an `apply_days_by` rule)."""
        self._group_apply_days()
        self.review_days = cfg.review_days.sample(rng, n * MAX_ATTEMPTS).reshape(n, MAX_ATTEMPTS)
        self.fail_u = rng.random((n, MAX_ATTEMPTS))
        self.rectify_days = cfg.rectify_days.sample(rng, n * MAX_ATTEMPTS).reshape(n, MAX_ATTEMPTS)
        self.speed = np.where(firms.liaison, cfg.liaison.speedup, 1.0)
        """Liaised firms prepare and rectify this many times faster."""
        self.attempts = np.zeros(n, dtype=np.int64)
        self.late: dict[int, np.random.Generator] = {}
        """Streams of firms that used up their pre-drawn attempts."""
        self.queued_at = np.zeros(n)
        self.pool = firms.team_pool
        """Pool of teams that reviews each firm's applications (`Firms.team_pool`)."""
        self.queues: list[list[Job]] = [[] for _ in firms.pool_teams]
        """Applications waiting for a team of each pool (heaps)."""
        self.idle: list[list[simpy.Event]] = [[] for _ in firms.pool_teams]
        """One event per free team of each pool, succeeded with the job it is to review."""
        self._dispatch_pending = False
        self.wait_sum = 0.0
        self.wait_count = 0
        self._wait_seen = (0.0, 0)
        self.mean_wait = math.nan
        """Mean wait (days) of the reviews started on the day last closed (NaN: none)."""
        self.whitelisted = world.shared.whitelisted
        self.approval_order = [self._approval_order(a) for a in cfg.approvals]
        """Firms each approval rule may approve, in the order it approves them."""
        self.approved = [0] * len(cfg.approvals)
        """Firms each approval rule has approved so far."""
        self.recognised = recognising_parks(world)
        """Parks that recognise each other's white lists (None: no recognition)."""
        mr = cfg.mutual_recognition
        self.recognition_delay = 0 if mr is None else math.ceil(mr.delay_days)
        """Whole days from a batch to the other parks' listing of its firms' suppliers."""
        self.recognition: list[tuple[int, np.ndarray, int]] = []
        """Suppliers listed by recognition after a delay: (day, firms, batch index)."""
        # A firm has at most one reopening application and one credit line in the queue
        # or under review at a time, so teams beyond 2n + 1 would only ever wait: they
        # are not started (teams are alike, so which one takes a job changes nothing),
        # and a million teams for 38 firms cost no more than 77. In a region each pool
        # counts its own firms (a pool no firm uses starts no team).
        sizes = np.bincount(self.pool, minlength=len(firms.pool_teams))
        for p, teams in enumerate(firms.pool_teams):
            m = int(sizes[p])
            for _ in range(min(teams, 2 * m + 1) if m else 0):
                world.env.process(self._team(p))

    # -- the hooks ----------------------------------------------------------------

    def open_day(self, day: int) -> None:
        """White-list batches of the day, then approvals, then the firms they and the levels
        let start."""
        self.release_whitelists(day)
        self.release_approvals(day)
        self._open_gates()

    def limit(self) -> Limit:
        """Reopened firms ramp up to full speed over their ramp days."""
        w = self.world
        ramp = ramp_factor(w.day, w.reopened_at, self.ramp_days, w.cfg.reopening.ramp_shape)
        return Limit(ramp, C_RAMP)

    def close_day(self, day: int) -> None:
        """Credit applications filed today join the queue; the day's mean review wait."""
        for app in self.world.board.take(CreditApplication):
            for i, days in zip(app.firms.tolist(), app.review_days.tolist(), strict=True):
                self._file_credit(i, days)
        ws, wc = self.wait_sum, self.wait_count
        s0, c0 = self._wait_seen
        self.mean_wait = (ws - s0) / (wc - c0) if wc > c0 else math.nan
        self._wait_seen = (ws, wc)

    def series(self) -> Sequence[Series]:
        return (
            Series(
                "review_queue",
                "applications",
                "applications (reopening and credit) waiting for a team at the end of the day",
                self.queued,
                dtype=np.int64,
            ),
            Series(
                "review_wait",
                "days",
                "mean wait of the reviews started that day (NaN if none)",
                lambda: self.mean_wait,
                fill=math.nan,
            ),
            *self._park_series(),
        )

    def queued(self) -> int:
        """Applications waiting for a team, in every pool (the region's queue)."""
        return sum(len(q) for q in self.queues)

    def _park_series(self) -> tuple[Series, ...]:
        """In a region of parks, the queue of each park (none without `parks`)."""
        firms = self.world.firms
        if not firms.park_ids:
            return ()
        n_parks = len(firms.park_ids)

        def by_park() -> np.ndarray:
            out = np.zeros(n_parks, dtype=np.int64)
            for q in self.queues:
                if q:
                    waiting = np.fromiter(map(_FIRM_OF_JOB, q), dtype=np.int64, count=len(q))
                    out += np.bincount(firms.park[waiting], minlength=n_parks)
            return out

        return (
            Series(
                "review_queue_by_park",
                "applications",
                "applications (reopening and credit) of each park's firms waiting for a team "
                "at the end of the day",
                by_park,
                axes=(firms.park_ids,),
                dtype=np.int64,
            ),
        )

    # -- white lists and gates ----------------------------------------------------

    def release_whitelists(self, day: int) -> None:
        """White-list batches released today add their firms to the list (after the
        suppliers that other parks list today by recognising an earlier batch)."""
        w = self.world
        firms = w.firms
        if self.recognition:
            due = [r for r in self.recognition if r[0] == day]
            self.recognition = [r for r in self.recognition if r[0] != day]
            for _, rec, k in due:
                self._release(rec & ~self.whitelisted, k)
        for k, batch in enumerate(w.cfg.reopening.whitelists):
            if int(np.ceil(batch.day)) != day:
                continue
            sel = np.zeros(firms.n, dtype=bool)
            for fid in batch.firms:
                sel[firms.index[fid]] = True
            within = firms.in_parks(batch.parks) if batch.parks else None
            picked = sel if within is None else np.zeros(firms.n, dtype=bool)
            if batch.tags:
                picked |= firms.with_tags(batch.tags)
            if batch.sectors:
                picked |= firms.in_sectors(batch.sectors)
            if batch.above_scale:
                picked |= firms.above_scale
            if batch.top_n is not None:
                size = firms.baseline if batch.top_n.by == "baseline_output" else firms.staff
                order = np.lexsort((np.arange(firms.n), -size))
                if within is not None:
                    order = order[within[order]]
                picked[order[: batch.top_n.n]] = True
            if within is not None:
                sel |= picked & within
            if batch.suppliers_of_listed:
                listed = self.whitelisted | sel
                if not firms.park_ids:
                    sel |= w.network.park_suppliers_of(listed)
                else:
                    sel |= self._suppliers_of(listed, day, k)
            self._release(sel & ~self.whitelisted, k)

    def _suppliers_of(self, listed: np.ndarray, day: int, k: int) -> np.ndarray:
        """In a region, the suppliers of `listed` firms in their own park; those in other
        parks too when both parks recognise each other's lists (`mutual_recognition`):
        the same day with no delay, else listed `ceil(delay_days)` days later by batch k."""
        w = self.world
        park = w.firms.park
        cust, src = w.network.firm_supplier_links(listed)
        own = park[cust] == park[src]
        out = np.zeros(w.firms.n, dtype=bool)
        out[src[own]] = True
        if self.recognised is None:
            return out
        rec = ~own & self.recognised[park[cust]] & self.recognised[park[src]]
        others = np.zeros(w.firms.n, dtype=bool)
        others[src[rec]] = True
        if self.recognition_delay == 0:
            return out | others
        if others.any():
            self.recognition.append((day + self.recognition_delay, others, k))
        return out

    def release_approvals(self, day: int) -> None:
        """Approval rules running today approve their next firms: those eligible, not yet
        listed and not yet reopening, in the rule's order, up to its running total."""
        w = self.world
        rules = w.cfg.reopening.approvals
        first = len(w.cfg.reopening.whitelists)
        for k, rule in enumerate(rules):
            start = math.ceil(rule.start_day)
            if day < start or (rule.end_day is not None and day >= math.ceil(rule.end_day)):
                continue
            days = day - start + 1
            order = self.approval_order[k]
            if rule.per_day is not None:
                target = rule.per_day * days
            else:
                assert rule.share_per_day is not None  # one of the two (schema)
                target = math.floor(len(order) * rule.share_per_day * days + 1e-9)
            want = target - self.approved[k]  # >= 0: a running total, never exceeded
            free = order[(w.state[order] == _CLOSED) & ~self.whitelisted[order]][:want]
            if len(free):
                sel = np.zeros(w.firms.n, dtype=bool)
                sel[free] = True
                self._release(sel, first + k)
                self.approved[k] += len(free)

    def _release(self, new: np.ndarray, k: int) -> None:
        """Firms `new` are listed by batch or rule `k` of `release_ids`; it released those
        that had not started reopening."""
        self.released_by[new & (self.world.state == _CLOSED)] = k
        self.whitelisted |= new

    def _approval_order(self, rule: Approval) -> np.ndarray:
        """Firms eligible for an approval rule, in the order it approves them."""
        firms = self.world.firms
        el = rule.eligible
        ok = np.ones(firms.n, dtype=bool)
        if el.classes:
            ok &= firms.in_classes(el.classes)
        if el.tags:
            ok &= firms.with_tags(el.tags)
        if el.sectors:
            ok &= firms.in_sectors(el.sectors)
        if el.above_scale is not None:
            ok &= firms.above_scale == el.above_scale
        if el.closed_loop is not None:
            ok &= firms.closed_loop == el.closed_loop
        if el.max_staff is not None:
            ok &= firms.staff <= el.max_staff
        if el.parks:
            ok &= firms.in_parks(el.parks)
        idx = np.flatnonzero(ok)
        if rule.order == "priority":
            key = firms.priority[idx]
        elif rule.order == "size":
            key = -firms.baseline[idx]
        else:  # a uniform for every firm, then masked: common random numbers
            key = approval_stream(self.world, rule).random(firms.n)[idx]
        return idx[np.lexsort((idx, key))]

    def _group_apply_days(self) -> None:
        """Preparation days per group (`apply_days_by`) and for closed-loop firms."""
        w = self.world
        cfg = w.cfg.reopening
        firms = w.firms
        n = firms.n
        days = self.apply_days
        rules = cfg.apply_days_by
        # class rules, then tag rules over them; within a kind the first listed wins
        for kind in ("class", "tags"):
            for rule in reversed([r for r in rules if r.group()[0] == kind]):
                drawn = rule.apply_days.sample(group_stream(w, rule), n)
                if kind == "class":
                    picked = firms.in_classes([str(rule.firm_class)])
                else:
                    picked = firms.with_tags(rule.tags)
                days = np.where(picked, drawn, days)
        for rule in rules:
            if rule.batch is not None:
                drawn = rule.apply_days.sample(group_stream(w, rule), n)
                self.batch_days[self.release_ids.index(rule.batch)] = drawn
        if cfg.closed_loop_apply_factor != 1.0:
            factor = np.where(firms.closed_loop, cfg.closed_loop_apply_factor, 1.0)
            days = days * factor
            for k, drawn in self.batch_days.items():
                self.batch_days[k] = drawn * factor
        self.apply_days = days

    def _open_gates(self) -> None:
        """Closed firms whose zone level (or white list) now admits them start preparing.

        Firms still waiting for a review (queued or rectifying) when their zone's level
        stops requiring one (e.g. `normal`) reopen at once instead of waiting for a team.
        """
        w = self.world
        lv = w.shared.levels
        lvl = lv.firm
        allowed = (lv.operate[lvl] != 0) | self.whitelisted
        allowed &= ~lv.closed_loop_only[lvl] | w.firms.closed_loop
        w.shared.allowed = allowed
        state = w.state
        ready = (state == FirmState.CLOSED) & allowed
        ready &= (lv.operate[lvl] != 0) | self.whitelisted
        waiting = (state == _QUEUED) | (state == _RECTIFYING)
        waived = waiting & allowed & ~lv.review[lvl]
        if waived.any():
            self._waive(np.flatnonzero(waived))
        for i in np.flatnonzero(ready):
            state[i] = FirmState.PREPARING
            w.env.process(self._prepare(int(i)))

    # -- applications and reviews -------------------------------------------------

    def _reopen(self, i: int) -> None:
        """A firm passes review (or needs none): it is open from now, ramping up."""
        w = self.world
        w.state[i] = _OPEN
        w.reopened_at[i] = w.env.now

    def _prepare(self, i: int) -> Generator[simpy.Event, Any, None]:
        """Preparation before applying (Linyi, 28 Feb 2020: ready firms at once, others later)."""
        own = self.batch_days.get(int(self.released_by[i]))
        delay = (self.apply_days[i] if own is None else own[i]) / self.speed[i]
        if delay > 0:
            yield self.world.env.timeout(delay)
        self._file(i)

    def _file(self, i: int) -> None:
        """Firm `i` files an application (or reopens at once if no review is needed)."""
        w = self.world
        if w.state[i] == _FAILED:
            return
        lv = w.shared.levels
        if not lv.review[lv.current[w.firms.region[i]]]:
            self._reopen(i)
            return
        w.state[i] = _QUEUED
        self.queued_at[i] = w.env.now
        p = int(self.pool[i])
        heapq.heappush(self.queues[p], ((int(w.firms.priority[i]), w.env.now, i), i, None))
        self._dispatch_soon(p)

    def _file_credit(self, i: int, review_days: float) -> None:
        """Firm `i`'s credit line joins the queue: the teams review it like a reopening."""
        w = self.world
        key = (int(w.firms.priority[i]), w.env.now, -1 - i)
        p = int(self.pool[i])
        heapq.heappush(self.queues[p], (key, i, review_days))
        self._dispatch_soon(p)

    def _dispatch_soon(self, p: int) -> None:
        """Hand queued applications to free teams at the end of this instant (pool `p`
        has both)."""
        if self._dispatch_pending or not self.idle[p] or not self.queues[p]:
            return
        self._dispatch_pending = True
        self.world.env.at_end_of_instant(self._dispatch)

    def _dispatch(self) -> None:
        """Each pool's free teams take its queued applications (pools in order)."""
        self._dispatch_pending = False
        for idle, queue in zip(self.idle, self.queues, strict=True):
            while idle and queue:
                idle.pop(0).succeed(heapq.heappop(queue))

    def _team(self, p: int) -> Generator[simpy.Event, Any, None]:
        """A team of pool `p`: takes the pool's next application, reviews it, and again."""
        w = self.world
        p_fail = w.cfg.reopening.fail_prob
        state = w.state
        idle = self.idle[p]
        while True:
            job = simpy.Event(w.env)
            idle.append(job)
            self._dispatch_soon(p)
            _, i, credit_days = yield job
            if credit_days is not None:
                yield w.env.timeout(credit_days)
                w.board.post(CreditApproval(i))
                continue
            if state[i] == _FAILED:  # went out of business while queued
                continue
            state[i] = _REVIEWING
            self.wait_sum += w.env.now - self.queued_at[i]
            self.wait_count += 1
            k = min(self.attempts[i], MAX_ATTEMPTS - 1)
            fail_u = self._fail_u(i)
            self.attempts[i] += 1
            review = float(self.review_days[i, k])
            yield w.env.timeout(review)
            if state[i] == _FAILED:  # ran out of cash during the review
                continue
            if fail_u < p_fail:
                state[i] = _RECTIFYING
                rectify = self.rectify_days[i, k] / self.speed[i]
                w.env.process(self._rectify(i, max(rectify, MIN_RETRY_DAYS - review)))
            else:
                self._reopen(i)

    def _fail_u(self, i: int) -> float:
        """Uniform deciding firm i's next review: pre-drawn, then from its own stream."""
        k = int(self.attempts[i])
        if k < MAX_ATTEMPTS:
            return float(self.fail_u[i, k])
        if i not in self.late:
            self.late[i] = late_stream(self.world, i)
        return float(self.late[i].random())

    def _rectify(self, i: int, days: float) -> Generator[simpy.Event, Any, None]:
        yield self.world.env.timeout(days)
        if self.world.state[i] == _RECTIFYING:  # not reopened meanwhile
            self._file(i)

    def _waive(self, firms: np.ndarray) -> None:
        """Firms queued or rectifying whose zone no longer requires a review reopen now."""
        gone = np.zeros(self.world.firms.n, dtype=bool)
        gone[firms] = True
        for queue in self.queues:
            items = [job for job in queue if job[2] is not None or not gone[job[1]]]
            heapq.heapify(items)
            queue[:] = items
        for i in firms:
            self._reopen(int(i))
