"""Staff on post: local return and commuting, closed-loop housing, migrant return and
quarantine.

Counts per firm, not one process per worker. Locals come back along a curve (sealed
compounds and villages, schools shut; all at once when none is given), and those
back come when their zone allows commuting, or earlier only as far as the firm can
house or bus them: dormitory beds and the beds it adds under closed-loop rules (a
growing quantity), point-to-point bus seats (once the firm has been clean of cases
long enough; Jinshan, 12 May 2022) and park employee-station beds (员工驿站) and
rented hotel rooms shared by priority. Migrants of a listed origin region set off
once its control level lets people leave, travel, then quarantine; the others
return along a curve; chartered buses (Changzhou, 29 Feb 2020) bring back both.
Close contacts of a case are isolated (an `Isolation` from outbreaks). Too few
staff on post is this mechanism's limit (`labour`).

Local return and departures from the origins are expected counts, rounded (no
draws): a scenario's origins or local curve move no random number.

In a region of parks each park may keep its own pool (`parks[].workforce`): its own
local and migrant return curves, and its own employee-station beds, hotel rooms and
chartered buses, which serve only its firms; a park that gives a key shares the
region's `workforce` key with every other park that gives none. A firm class's
`local_return` is more specific than its park's and wins over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import quantiles
from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.model.requests import Isolation
from sim.model.shared import clean_days
from sim.model.state import C_LABOUR

if TYPE_CHECKING:
    from sim.model.world import World

WORKFORCE_PARTS = ("on_post", "local_on_post", "migrant_on_post", "quarantined", "isolated", "away")
"""Workforce counts recorded daily (people); `away`: migrants not yet at the park."""
RETURNING_PARTS = ("locals_away", "migrants_at_origin", "migrants_travelling")
"""Staff on their way back, recorded daily (people): locals not yet able to come
(`local_return`), migrants of listed origins who have not set off, and those on the
road (both also among the migrants `away`)."""
ONSITE_PARTS = ("dorm_beds", "added_beds", "shared_beds", "shared_beds_taken")
"""On-site housing recorded daily (people): every firm's dormitory beds, the beds
firms have added under closed-loop rules (`housing`), the park's shared beds
(employee stations and hotel rooms) and those taken by operating firms that day."""


def return_share(points: list[tuple[float, float]], day: float) -> float:
    """Cumulative share of migrants back by `day` (linear between the points).

    Before the first point nobody is back: every migrant starts the run away, so
    a point (0, s) means a share s arrives on day 0 (and then quarantines).
    """
    days = [p[0] for p in points]
    shares = [p[1] for p in points]
    return float(np.interp(day, days, shares, left=0.0))


def serving_order(pool: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Firm numbers in the order a pooled resource serves them: by pool, then by
    priority, then by firm number."""
    return np.lexsort((np.arange(len(pool)), priority, pool))


def fill_in_order(want: np.ndarray, pool: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """What each firm gets of its pool's `capacity` (beds, seats), the firms given in
    serving order (`serving_order`: each pool's firms together, by priority): each takes
    what it wants of what the firms before it in its pool left."""
    cum = np.zeros(len(want) + 1, dtype=np.int64)
    np.cumsum(want, out=cum[1:])
    first = np.searchsorted(pool, np.arange(len(capacity)))
    before = cum[:-1] - cum[first][pool]
    got: np.ndarray = np.minimum(want, np.maximum(capacity[pool] - before, 0))
    return got


def fill_by_priority(
    want: np.ndarray, pool: np.ndarray, capacity: np.ndarray, priority: np.ndarray
) -> np.ndarray:
    """What each firm gets of its pool's `capacity`, firms served by priority (then firm
    number) within their pool; `want`, `pool` (index into `capacity`) and `priority`
    per firm."""
    order = serving_order(pool, priority)
    out = np.zeros_like(want)
    out[order] = fill_in_order(want[order], pool[order], capacity)
    return out


def hotel_rooms(entries: Sequence[Any], days: int) -> np.ndarray:
    """Hotel beds available on each day 0..days (each entry from its day until the next)."""
    rooms = np.zeros(days + 1, dtype=np.int64)
    for entry in entries:
        start = int(np.ceil(entry.day))
        if start <= days:
            rooms[start:] = entry.beds
    return rooms


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
        initially = world.firms.initially_open
        self._origins(world, initially)
        self.away = self.migrants - self.origin_count.sum(axis=0)
        """Migrants who follow `migrant_return` and are not back yet."""
        # Rings of days: someone who would leave quarantine or isolation after the
        # last day never leaves within the run, so no ring needs more than days + 1
        # slots (a quarantine of 99,999 days costs a run of 120 days 121 rows). The
        # quarantine ring also holds migrants on the road: they leave it on the day
        # their journey and quarantine end.
        horizon = world.days + 1
        self.q_len = min(max(int(np.ceil(cfg.quarantine_days)), 0), horizon)
        self.delay = np.minimum(self.q_len + self.travel, horizon)
        """Days from setting off to going on post, per origin (capped as the rings)."""
        ring = max([self.q_len, *self.delay.tolist()]) + 1
        self.quarantine = np.zeros((ring, n), dtype=np.int64)
        self.on_road = np.zeros(max([0, *self.travel.tolist()]) + 1, dtype=np.int64)
        """Migrants arriving at the park by day (a ring of totals, for the record)."""
        self.travelling = 0
        self.ready = np.zeros(n, dtype=np.int64)
        self.iso_len = min(max(int(np.ceil(world.cfg.outbreaks.isolation_days)), 0), horizon)
        self.isolation = np.zeros((self.iso_len + 1, n), dtype=np.int64)
        self.isolated = np.zeros(n, dtype=np.int64)
        self.on_post = np.zeros(n, dtype=np.int64)
        self.local_on_post = np.zeros(n, dtype=np.int64)
        self.station_alloc = np.zeros(n, dtype=np.int64)
        self.curve_days = np.array([p.day for p in cfg.migrant_return], dtype=float)
        self.curve_shares = np.array([p.share for p in cfg.migrant_return], dtype=float)
        self._park_curves(world)
        self.rng = world.rng("workforce")
        self.ready[initially] = self.away[initially]
        self.away[initially] = 0
        self.prev_share = np.zeros(n)
        """Share of each firm's migrants back by the previous day (none before day 0)."""
        self.buses: dict[int, int] = {}
        for bus in cfg.chartered_buses:
            d = int(np.ceil(bus.day))
            self.buses[d] = self.buses.get(d, 0) + bus.seats
        self._park_buses(world)
        self._local_curves(world, initially)
        self._housing(world)

    # -- what the scenario gives, per firm ------------------------------------------

    def _class_rule(
        self, world: World, key: str, of_parks: bool = False
    ) -> tuple[list[Any], np.ndarray]:
        """The park-wide rule `key` and each class's own, and which one each firm
        follows: (rules, index per firm; -1 where the rule is absent).

        `of_parks`: a park of a region may give its own (`parks[].workforce`), which
        its firms follow unless their class gives one (the class is more specific)."""
        cfg = world.cfg.workforce
        park_wide = getattr(cfg, key)
        rules: list[Any] = [park_wide]
        of_park = np.zeros(world.firms.n_parks, dtype=np.int64)
        for k, p in enumerate(world.cfg.parks if of_parks else ()):
            rule = getattr(p.workforce, key)
            if rule is None:
                continue
            of_park[k] = len(rules)
            rules.append(rule)
        base = of_park[np.maximum(world.firms.park, 0)]
        of_class = np.full(len(world.firms.classes), -1, dtype=np.int64)
        for c, name in enumerate(world.firms.classes):
            own = cfg.classes.get(name)
            rule = None if own is None else getattr(own, key)
            if rule is None:
                continue
            of_class[c] = len(rules)
            rules.append(rule)
        fc = world.firms.firm_class
        which = base
        if len(of_class):
            mine = of_class[np.maximum(fc, 0)]
            which = np.where((fc >= 0) & (mine >= 0), mine, base)
        absent = np.array([r is None or (isinstance(r, list) and not r) for r in rules])
        which = np.where(absent[which], -1, which)
        return rules, which

    def _origins(self, world: World, initially: np.ndarray) -> None:
        """Migrants from each listed origin region (`origins`, park-wide or per class):
        each firm's count from each, the origin's region and journey."""
        rules, which = self._class_rule(world, "origins")
        n = world.firms.n
        region_idx = {r: k for k, r in enumerate(world.firms.region_ids)}
        region, travel, spread, counts = [], [], [], []
        for k, rule in enumerate(rules):
            if not rule:
                continue
            mine = (which == k) & ~initially
            cum = np.zeros(n)
            prev = np.zeros(n, dtype=np.int64)
            for origin in rule:
                cum = cum + origin.share
                upto = np.minimum(np.rint(cum * self.migrants).astype(np.int64), self.migrants)
                counts.append(np.where(mine, upto - prev, 0))
                prev = upto
                region.append(region_idx[origin.region])
                travel.append(int(np.ceil(origin.travel_days)))
                spread.append(origin.leave_over_days)
        self.origin_region = np.array(region, dtype=np.int64)
        self.travel = np.array(travel, dtype=np.int64)
        """Days on the road of each origin's migrants (rounded up)."""
        self.spread = np.array(spread, dtype=float)
        self.origin_count = (
            np.array(counts, dtype=np.int64) if counts else np.zeros((0, n), dtype=np.int64)
        )
        """Migrants of each firm (columns) from each origin (rows)."""
        self.departed = np.zeros_like(self.origin_count)
        """Of them, those who set off on their own."""
        self.bused = np.zeros_like(self.origin_count)
        """Of them, those a chartered bus brought."""
        self.leave_days = np.zeros(len(region))
        """Days so far on which each origin let people leave."""
        self.may_leave = np.zeros(len(region), dtype=bool)
        """Whether each origin lets people leave today."""
        levels = world.cfg.control_levels
        self.departures = {
            name: lv.commuting if lv.departures is None else lv.departures
            for name, lv in levels.items()
        }
        """Whether each named control level lets people leave."""

    def _local_curves(self, world: World, initially: np.ndarray) -> None:
        """The local return curve each firm follows (-1: every local can come)."""
        rules, which = self._class_rule(world, "local_return", of_parks=True)
        self.local_curve = np.where(initially, -1, which)
        self.local_points = [
            (np.array([p.day for p in r], dtype=float), np.array([p.share for p in r]))
            if r
            else (np.zeros(1), np.ones(1))
            for r in rules
        ]
        self.has_local_curve = bool((self.local_curve >= 0).any())
        self.local_back = self.locals.copy()
        """Locals able to come to work today."""

    def _park_curves(self, world: World) -> None:
        """The migrant return curve each firm follows: the region's (0) or its park's own."""
        parks = world.cfg.parks
        own = [p.workforce.migrant_return for p in parks]
        self.curve_of_park = np.zeros(world.firms.n_parks, dtype=np.int64)
        self.curves = [(self.curve_days, self.curve_shares)]
        for k, rule in enumerate(own):
            if rule is None:
                continue
            self.curve_of_park[k] = len(self.curves)
            self.curves.append(
                (
                    np.array([p.day for p in rule], dtype=float),
                    np.array([p.share for p in rule], dtype=float),
                )
            )
        curve_of = self.curve_of_park[np.maximum(world.firms.park, 0)]
        self.curve_firms = [np.flatnonzero(curve_of == c) for c in range(len(self.curves))]
        """Firms following each migrant return curve."""
        self.park_curves = len(self.curves) > 1

    def _park_buses(self, world: World) -> None:
        """Chartered buses of parks that give their own: seats by day and pool (0: the
        region's, shared by the parks that give none; 1 + k: park k's)."""
        parks = world.cfg.parks
        self.park_buses = any(p.workforce.chartered_buses is not None for p in parks)
        if not self.park_buses:
            return
        pools = world.firms.n_parks + 1
        seats: dict[int, np.ndarray] = {}
        for d, count in self.buses.items():
            seats.setdefault(d, np.zeros(pools, dtype=np.int64))[0] += count
        own = np.zeros(world.firms.n_parks, dtype=bool)
        for k, p in enumerate(parks):
            if p.workforce.chartered_buses is None:
                continue
            own[k] = True
            for bus in p.workforce.chartered_buses:
                d = int(np.ceil(bus.day))
                seats.setdefault(d, np.zeros(pools, dtype=np.int64))[1 + k] += bus.seats
        self.pool_seats = seats
        """Seats arriving on each day, per pool."""
        park = np.maximum(world.firms.park, 0)
        self.bus_pool = np.where(own[park], 1 + park, 0)
        """Bus pool of each firm."""
        self.bus_order = serving_order(self.bus_pool, world.firms.priority)
        """Firms in the order the buses serve them."""

    def _housing(self, world: World) -> None:
        """Beds firms add under closed-loop rules (`housing`), and the park's shared beds."""
        cfg = world.cfg.workforce
        rules, which = self._class_rule(world, "housing")
        n = world.firms.n
        growth = np.array([0.0 if r is None else r.growth_per_day for r in rules])
        ceiling = np.array([0.0 if r is None else r.ceiling_share for r in rules])
        on_open = np.array([r is not None and r.starts == "open" for r in rules])
        has = which >= 0
        w = np.maximum(which, 0)
        self.grows = has & (growth[w] > 0)
        self.growth = np.where(self.grows, growth[w] * self.total, 0.0)
        """Beds each firm adds per day once it has started."""
        top = np.floor(ceiling[w] * self.total + 1e-9).astype(np.int64)
        self.room = np.where(self.grows, np.maximum(top - self.beds, 0), 0)
        """Beds each firm may add at most (up to its ceiling)."""
        self.grow_on_open = self.grows & on_open[w]
        self.grow_from = np.full(n, np.inf)
        """Day each firm started adding beds (inf: not yet)."""
        self.added = np.zeros(n, dtype=np.int64)
        """Beds each firm has added so far."""
        self.any_growth = bool(self.grows.any())
        days = world.days
        self.shared_beds = np.full(days + 1, cfg.employee_station_beds, dtype=np.int64)
        """Employee-station beds plus hotel rooms available park-wide, by day."""
        for entry in cfg.hotel_beds:
            start = int(np.ceil(entry.day))
            if start <= days:
                self.shared_beds[start:] = cfg.employee_station_beds + entry.beds
        self._park_beds(world)
        self.bed_day = 0
        self.beds_today = int(self.shared_beds[0])

    def _park_beds(self, world: World) -> None:
        """Employee-station beds and hotel rooms of parks that give their own, in pools
        (0: the region's, shared by the parks that give none; 1 + k: park k's). Each key
        is its own pool: a park with its own station beds but no `hotel_beds` of its own
        has its stations to itself and shares the region's hotel rooms."""
        parks = world.cfg.parks
        cfg = world.cfg.workforce
        given = [(p.workforce.employee_station_beds, p.workforce.hotel_beds) for p in parks]
        self.park_beds = any(s is not None or h is not None for s, h in given)
        if not self.park_beds:
            return
        days = world.days
        pools = world.firms.n_parks + 1
        self.station_cap = np.zeros(pools, dtype=np.int64)
        """Employee-station beds of each pool."""
        self.station_cap[0] = cfg.employee_station_beds
        self.hotel_cap = np.zeros((days + 1, pools), dtype=np.int64)
        """Hotel beds of each pool, by day."""
        self.hotel_cap[:, 0] = hotel_rooms(cfg.hotel_beds, days)
        own_station = np.zeros(world.firms.n_parks, dtype=bool)
        own_hotel = np.zeros(world.firms.n_parks, dtype=bool)
        for k, (stations, hotels) in enumerate(given):
            if stations is not None:
                own_station[k] = True
                self.station_cap[1 + k] = stations
            if hotels is not None:
                own_hotel[k] = True
                self.hotel_cap[:, 1 + k] = hotel_rooms(hotels, days)
        park = np.maximum(world.firms.park, 0)
        self.station_pool = np.where(own_station[park], 1 + park, 0)
        """Employee-station pool of each firm."""
        self.hotel_pool = np.where(own_hotel[park], 1 + park, 0)
        """Hotel pool of each firm."""
        self.station_order = serving_order(self.station_pool, world.firms.priority)
        """Firms in the order the employee stations serve them."""
        self.hotel_order = serving_order(self.hotel_pool, world.firms.priority)
        """Firms in the order the hotel rooms serve them."""
        # the region's pools count only if some firm shares them
        shares_station = bool((self.station_pool == 0).any())
        shares_hotel = bool((self.hotel_pool == 0).any())
        self.station_cap[0] *= shares_station
        self.hotel_cap[:, 0] *= shares_hotel
        self.shared_beds = self.station_cap.sum() + self.hotel_cap.sum(axis=1)

    # -- the hooks --------------------------------------------------------------------

    def open_day(self, day: int) -> None:
        """Locals able to come today; migrants setting off from their origins, arriving
        and entering quarantine; those whose quarantine ends go on post; isolated
        contacts whose isolation ends come back."""
        self.bed_day = min(day, len(self.shared_beds) - 1)
        self.beds_today = int(self.shared_beds[self.bed_day])
        if self.has_local_curve:
            self.locals_return(day)
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
            Series(
                "returning",
                "people",
                "locals not yet able to come, migrants held at or setting off from their "
                "origin, and migrants on the road",
                self._returning,
                axes=(RETURNING_PARTS,),
                dtype=np.int64,
            ),
            Series(
                "onsite_capacity",
                "people",
                "staff firms can house on site: dormitory beds, beds added under "
                "closed-loop rules, shared beds (employee stations and hotels) and those taken",
                self._onsite,
                axes=(ONSITE_PARTS,),
                dtype=np.int64,
            ),
        )

    def _at_origin(self) -> int:
        """Migrants of listed origins who have not set off yet."""
        if not len(self.origin_region):
            return 0
        return int(self.origin_count.sum() - self.departed.sum() - self.bused.sum())

    def _counts(self) -> tuple[int, ...]:
        migrant_on = np.maximum(self.on_post - self.local_on_post, 0)
        return (
            self.on_post.sum(),
            self.local_on_post.sum(),
            migrant_on.sum(),
            self.quarantine.sum() - self.travelling,
            self.isolated.sum(),
            self.away.sum() + self._at_origin() + self.travelling,
        )

    def _returning(self) -> tuple[int, ...]:
        locals_away = (self.locals - self.local_back).sum() if self.has_local_curve else 0
        return (int(locals_away), self._at_origin(), self.travelling)

    def _onsite(self) -> tuple[int, ...]:
        return (
            int(self.beds.sum()),
            int(self.added.sum()),
            self.beds_today,
            int(self.station_alloc.sum()),
        )

    # -- the rules ----------------------------------------------------------------------

    def locals_return(self, d: int) -> None:
        """Locals able to come to work by day d: their curve's share, rounded."""
        shares = np.array(
            [np.interp(d, days, sh, left=0.0) for days, sh in self.local_points], dtype=float
        )
        c = self.local_curve
        back = np.rint(shares[np.maximum(c, 0)] * self.locals).astype(np.int64)
        self.local_back = np.where(c >= 0, back, self.locals)

    def origins_open(self) -> None:
        """Which origins let people leave today (their region's control level), and the
        days of departures each has allowed so far."""
        lv = self.world.shared.levels
        departs = np.array([self.departures.get(name, True) for name in lv.names])
        self.may_leave = departs[lv.current[self.origin_region]]
        self.leave_days = self.leave_days + self.may_leave

    def leaving(self, speed: np.ndarray) -> np.ndarray:
        """Migrants of each origin (rows) and firm (columns) setting off today on their
        own: evenly over `leave_over_days` of departures allowed (divided by the firm's
        liaison `speed`), but never those a chartered bus has fetched."""
        k = self.leave_days[:, None] * speed[None, :]
        spread = self.spread[:, None]
        # a spread of 1e-300 days overflows k / spread to inf, which the clip makes 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            frac = np.where(spread > 0, np.clip(k / spread, 0.0, 1.0), (k > 0) * 1.0)
        target = np.rint(frac * self.origin_count).astype(np.int64)
        target = np.minimum(target, self.origin_count - self.bused)
        out: np.ndarray = np.maximum(target - self.departed, 0)
        self.departed += out
        return out

    def arrivals(self, d: int) -> None:
        """Migrants arriving today enter quarantine; those whose quarantine ends go on post.

        A firm with a liaison has its return delays divided by the liaison speedup:
        by day d its share back is the curve's share at d × speedup. A chartered bus
        fetches migrants following the curve and those of origins that let people
        leave today (they skip the road); then the others of those origins set off.
        """
        w = self.world
        n = w.firms.n
        speed = np.where(w.firms.liaison, w.cfg.reopening.liaison.speedup, 1.0)
        if self.park_curves:
            share = np.zeros(n)
            for mine, (days, shares) in zip(self.curve_firms, self.curves, strict=True):
                share[mine] = np.interp(d * speed[mine], days, shares, left=0.0)
        else:
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
        n_origins = len(self.origin_region)
        if n_origins:
            self.origins_open()
        arrived = back
        pool_seats = self.pool_seats.get(d) if self.park_buses else None
        seats = self.buses.get(d, 0) if pool_seats is None else int(pool_seats.sum())
        if seats > 0:
            still = self.away - back
            # a bus also fetches migrants of an origin that lets them leave today
            at_origin = (self.origin_count - self.departed - self.bused) * self.may_leave[:, None]
            waiting = still + at_origin.sum(axis=0) if n_origins else still
            if pool_seats is not None:
                order = self.bus_order
                extra = np.zeros_like(still)
                extra[order] = fill_in_order(waiting[order], self.bus_pool[order], pool_seats)
            else:
                order = np.lexsort((np.arange(n), w.firms.priority))
                want = waiting[order]
                got = np.minimum(want, np.maximum(seats - (np.cumsum(want) - want), 0))
                extra = np.zeros_like(still)
                extra[order] = got
            from_curve = np.minimum(extra, still)
            back = back + from_curve
            arrived = back + (extra - from_curve)
            rest = extra - from_curve
            for o in range(n_origins if rest.any() else 0):
                took = np.minimum(rest, at_origin[o])
                self.bused[o] += took
                rest = rest - took
        self.away -= back
        rows = self.quarantine.shape[0]
        slot = d % rows
        self.ready += self.quarantine[slot]
        self.quarantine[slot] = 0
        if self.q_len == 0:
            self.ready += arrived
        else:
            self.quarantine[(d + self.q_len) % rows] += arrived
        if n_origins:
            self.set_off(d, self.leaving(speed))
        iso_slot = d % (self.iso_len + 1)
        self.isolated -= self.isolation[iso_slot]
        self.isolation[iso_slot] = 0

    def set_off(self, d: int, leave: np.ndarray) -> None:
        """Migrants setting off today from their origins: on the road for their
        journey, then in quarantine, in the ring until the day they go on post."""
        road = self.on_road.shape[0]
        self.travelling -= int(self.on_road[d % road])
        self.on_road[d % road] = 0
        rows = self.quarantine.shape[0]
        for o in range(len(leave)):
            if self.delay[o] == 0:
                self.ready += leave[o]
            else:
                self.quarantine[(d + self.delay[o]) % rows] += leave[o]
            if self.travel[o] > 0:
                total = int(leave[o].sum())
                self.travelling += total
                self.on_road[(d + self.travel[o]) % road] += total

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
        present = np.maximum(self.local_back + self.ready - self.isolated, 0)
        bus_ok = clean_days >= cfg.clean_days_for_bus
        if self.any_growth:
            self.add_beds(w.day, operating, commute)
            housed = self.beds + self.added + np.where(bus_ok, self.seats, 0)
        else:
            housed = self.beds + np.where(bus_ok, self.seats, 0)
        need_station = operating & ~commute & (present > housed)
        beds = self.beds_today
        self.station_alloc[:] = 0
        if self.park_beds:
            if beds > 0 and need_station.any():
                self.park_stations(need_station, present - housed)
        elif beds > 0 and need_station.any():
            cand = np.flatnonzero(need_station)
            order = cand[np.lexsort((cand, w.firms.priority[cand]))]
            want = (present - housed)[order]
            got = np.minimum(want, np.maximum(beds - (np.cumsum(want) - want), 0))
            self.station_alloc[order] = got
        capacity = np.where(commute, present, np.minimum(present, housed + self.station_alloc))
        on = np.where(operating, capacity, 0)
        self.on_post = on
        w.shared.on_post = on
        locals_present = np.minimum(self.local_back, present)
        self.local_on_post = np.minimum(on, locals_present)
        share = np.divide(on, self.total, out=np.ones(w.firms.n), where=self.total > 0)
        share = np.minimum(share, 1.0)
        if cfg.min_crew_share > 0:
            share = np.where(share < cfg.min_crew_share, 0.0, share)
        return share

    def park_stations(self, need: np.ndarray, short: np.ndarray) -> None:
        """Shared beds for the firms that `need` them, each short of `short` beds, in a
        region whose parks keep their own pools: first the employee stations of each
        firm's pool, then the hotel rooms of its pool, by priority within each pool."""
        got = self.station_alloc
        if self.station_cap.any():
            order = self.station_order[need[self.station_order]]
            got[order] = fill_in_order(short[order], self.station_pool[order], self.station_cap)
        rooms = self.hotel_cap[self.bed_day]
        if rooms.any():
            order = self.hotel_order[need[self.hotel_order]]
            rest = short[order] - got[order]
            got[order] += fill_in_order(rest, self.hotel_pool[order], rooms)

    def add_beds(self, day: int, operating: np.ndarray, commute: np.ndarray) -> None:
        """Beds firms have added by today under closed-loop rules: from the first day a
        firm is allowed to operate (or operates, by its `starts`) while its zone forbids
        commuting, its daily growth, up to its ceiling."""
        w = self.world
        start = np.where(self.grow_on_open, operating, w.shared.allowed) & ~commute
        start &= self.grows & np.isinf(self.grow_from)
        self.grow_from[start] = day
        k = day - self.grow_from + 1
        grown = np.floor(self.growth * np.where(np.isfinite(k), k, 0.0) + 1e-9)
        self.added = np.minimum(grown.astype(np.int64), self.room)
