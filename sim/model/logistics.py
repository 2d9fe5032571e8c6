"""Controlled freight: passes, logistics transfer stations and the truck funnel.

Sichuan, 9 May 2022 (Chengdu, Qingtaishan 物流中转站): trucks are *declared*, some are
*admitted* (testing, limited lanes), the admitted are *cleared* (unloaded,
disinfected, reloaded onto closed-loop local trucks). Jinshan, 12 May 2022: two
cross-province passes and a nearby partner firm acting as a transfer point
unblocked a firm.

A shipment is *controlled* when it crosses between two zones and either zone's
level requires freight passes. A controlled route (one supplier → one input
line) ships only once it holds a pass; passes are issued at a limited rate per
day, liaised firms first, then by priority, and may be valid for a stated number
of days only (an expired pass is asked for again). With a pass, goods travel as truck
trips through a transfer station (when the scenario has any; otherwise they
travel directly): SimPy events at the moments trips reach the station and are
cleared, deliveries booked to the day they arrive. Turned-back trips
re-declare after a delay. Goods held by logistics (a route waiting for a pass,
trips not yet cleared) are what the `logistics` cause of lost output refers to.

In a region of parks (docs/regions.md), passes come from pools: a route along a
corridor that gives `passes_per_day` draws on the corridor's, any other route on its
receiving park's when the park gives one, a firm's outbound trucks on its park's, and
the rest on the region's shared `logistics.passes_per_day`; each pool issues up to its
rate a day, in the order above. A trip goes through its corridor's stations, or else
those of its receiving park and those of no park; a route with none travels directly.

Supply hands over its orders blocked for want of a pass (`BlockedOrders`) and its
shipments on controlled routes (`Shipments`); outbound asks for passes for its
trucks (`OutboundPass`). Goods a trip delivers join the input stocks shared with
supply before the day's production (`settle_day`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import simpy

from sim.model.mechanism import Mechanism, Series
from sim.model.requests import BlockedOrders, OutboundPass, Shipments
from sim.model.state import C_LOGISTICS
from sim.scenario.dists import quantile

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import TransferStation

FUNNEL = ("declared", "admitted", "cleared", "in_station", "wait_days")
"""A station's funnel counts at the end of each day, cumulative but for the trips in the
station now: trips declared, admitted, cleared, in the station; total wait (days)
of the cleared trips."""


class Station:
    """One transfer station: admission (testing) and bays, with its daily funnel counts.

    Bays serve admitted trips first come, first served. Since a trip's handling
    time is known when it is admitted, its clearing time follows from when a bay
    frees up (the earliest of the bays' free times): one event per trip, at the
    moment it is cleared, instead of a process queueing on a SimPy Resource.
    """

    def __init__(self, owner: Logistics, cfg: TransferStation, k: int) -> None:
        world = owner.world
        self.owner = owner
        self.world = world
        self.cfg = cfg
        self.k = k
        self.bay_free = [0.0] * max(cfg.bays, 0)
        """Heap of the times at which each bay finishes the trips it has taken on."""
        self.waiting_admission: list[Trip] = []
        self.in_system = 0
        self.declared = 0
        self.admitted = 0
        self.cleared = 0
        self.wait_sum = 0.0
        net = world.network
        self.held = np.zeros(net.n_lines) if net.has_lines else np.zeros(0)
        """Goods per input line in trips declared here and not yet cleared."""
        regions = world.firms.region_ids
        self.serves = {regions.index(r) for r in cfg.serves}
        self.partner = {world.firms.index[f] for f in cfg.partner_for}

    def is_open(self, t: float) -> bool:
        """Whether the station works at time `t`."""
        c = self.cfg
        return c.opening_day <= t and (c.closing_day is None or t < c.closing_day)

    def admit_today(self) -> None:
        """Testing: up to `admit_per_day` waiting trips are tested; failures are turned back.

        Admitted trips take the next free bay in order; a station without bays
        admits trips that are never cleared."""
        if not self.is_open(self.world.env.now) or not self.waiting_admission:
            return
        cap = self.cfg.admit_per_day
        n = len(self.waiting_admission) if cap is None else min(cap, len(self.waiting_admission))
        batch, self.waiting_admission = self.waiting_admission[:n], self.waiting_admission[n:]
        share = self.cfg.admit_share
        admitted = [trip for trip in batch if trip.u_admit < share]
        logi = self.owner
        for trip in batch:
            if trip.u_admit >= share:
                trip.turned_back += 1
                logi.redeclare(trip)
        self.admitted += len(admitted)
        if not admitted or not self.bay_free:
            return
        env = self.world.env
        now = env.now
        days = quantile(self.cfg.handling_hours, np.array([t.u_handle for t in admitted]))
        days = (days / self.cfg.hours_per_day).tolist()
        free = self.bay_free
        for trip, dt in zip(admitted, days, strict=True):
            start = max(now, free[0])
            done = start + dt
            heapq.heapreplace(free, done)
            ev = env.timeout(done - now, trip)
            ev.callbacks.append(self._clear)

    def _clear(self, ev: simpy.Event) -> None:
        trip = cast(Trip, ev.value)
        now = self.world.env.now
        self.cleared += 1
        self.wait_sum += now - trip.declared_at
        self.in_system -= 1
        self.held[trip.line] -= trip.qty
        self.owner.deliver(trip, now)


class Trip:
    """One truck trip of goods for one input line."""

    __slots__ = (
        "declared_at",
        "leg",
        "line",
        "link",
        "qty",
        "retry",
        "station",
        "turned_back",
        "u_admit",
        "u_handle",
    )

    def __init__(
        self, link: int, line: int, qty: float, leg: float, u_admit: float, u_handle: float
    ) -> None:
        self.link = link
        self.line = line
        self.qty = qty
        self.leg = leg
        self.u_admit = u_admit
        self.u_handle = u_handle
        self.turned_back = 0
        self.retry = False
        """Whether the trip is on its way back to declare again after being turned back."""
        self.declared_at = 0.0
        self.station: Station | None = None


class Logistics(Mechanism):
    """Passes for controlled routes and outbound trucks, and the transfer stations
    trips go through."""

    name = "logistics"
    streams = ("logistics",)
    takes = (BlockedOrders, Shipments, OutboundPass)
    publishes = ("held", "may_ship", "via_station", "out_pass")
    writes = ("stock", "in_transit")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.cfg = world.cfg.logistics
        net = world.network
        self.net = net
        self.rng = world.rng("logistics")
        self.stations = [Station(self, s, k) for k, s in enumerate(self.cfg.transfer_stations)]
        self.via_stations = bool(self.stations)
        """Controlled freight goes through a station only if the scenario has any."""
        n_links = net.n_links
        self.has_pass = np.zeros(n_links, dtype=bool)
        self.requested_at = np.full(n_links, np.inf)
        self.pass_day = np.full(n_links, -np.inf)
        """Day each route's pass was issued or granted (for `pass_valid_days`)."""
        firm_region = world.firms.region
        self.src_region = net.producer_region[net.link_src]
        self.dst_region = firm_region[net.link_firm]
        self.cross = self.src_region != self.dst_region
        self.dst_firm = net.link_firm
        self.src_firm = np.where(net.link_src < world.firms.n, net.link_src, -1)
        self._link_dst = self.dst_firm.tolist()
        self._link_src = self.src_firm.tolist()
        self._link_region = self.src_region.tolist()
        self.pass_held: np.ndarray = np.zeros(net.n_lines)
        """Goods per input line on routes waiting for a pass (at the last close)."""
        self.out_pass = world.shared.out_pass
        self.out_requested = np.full(world.firms.n, np.inf)
        self.out_pass_day = np.full(world.firms.n, -np.inf)
        """Day each firm's outbound pass was issued or granted."""
        self.gate_wait: list[Trip] = []
        self.in_transit_trips = 0
        self._arriving: dict[float, list[Trip]] = {}
        """Arrival time at the station area → trips arriving then, in order."""
        self._receipts: dict[int, list[tuple[float, int, int, float]]] = {}
        """Day → (time, order, input line, goods) of trips reaching their firm that day."""
        self._n_delivered = 0
        self.grants: dict[int, list[int]] = {}
        for grant in self.cfg.grants:
            d = math.ceil(grant.day)
            self.grants.setdefault(d, []).extend(world.firms.index[f] for f in grant.firms)
        self.cost_logistics = np.zeros(len(self.stations) + 1)
        self._pool_setup(world)
        self._station_setup(world)

    def _pool_setup(self, world: World) -> None:
        """Pass pools of a region: a route along a corridor that gives `passes_per_day`
        draws on the corridor's pool, any other route on its receiving park's pool when
        the park gives one, and a firm's outbound trucks on its park's pool; the rest
        share the region's `logistics.passes_per_day`. One pool (no parks, or no park or
        corridor with its own passes): `pool_rate` stays empty."""
        sc = world.cfg
        shared = self.cfg.passes_per_day
        rates: list[float] = [math.inf if shared is None else float(shared)]
        park_pool = np.zeros(max(1, len(sc.parks)), dtype=np.int64)
        for k, p in enumerate(sc.parks):
            if p.passes_per_day is not None:
                park_pool[k] = len(rates)
                rates.append(p.passes_per_day)
        corridor_pool = np.full(len(sc.corridors), -1, dtype=np.int64)
        for c, cor in enumerate(sc.corridors):
            if cor.passes_per_day is not None:
                corridor_pool[c] = len(rates)
                rates.append(cor.passes_per_day)
        self.pool_rate = np.zeros(0)
        """Passes each pool issues per day (pool 0: the region's shared pool; inf: no
        limit); empty when there is one pool."""
        self.link_pool = np.zeros(0, dtype=np.int64)
        """Pool each route draws its pass from."""
        self.firm_pool = np.zeros(0, dtype=np.int64)
        """Pool each firm's outbound pass comes from."""
        if len(rates) == 1:
            return
        firms = world.firms
        self.pool_rate = np.array(rates, dtype=float)
        self.firm_pool = park_pool[firms.park]
        link_pool = park_pool[firms.park[self.dst_firm]]
        along = self.net.link_corridor
        own = np.flatnonzero(along >= 0)
        own = own[corridor_pool[along[own]] >= 0]
        link_pool[own] = corridor_pool[along[own]]
        self.link_pool = link_pool

    def _station_setup(self, world: World) -> None:
        """Stations each route may declare at, in a region: a corridor's `stations` for
        routes along it, else the stations of the receiving park and those of no park
        (a station a corridor lists serves that corridor only). A route with no station
        to go through travels directly, as every route does in a scenario without
        stations. No parks: every route may use every station (`link_group` empty)."""
        sc = world.cfg
        self._link_ok: list[frozenset[int]] = []
        """The stations each route may use (its group's), by route."""
        self.link_group = np.zeros(0, dtype=np.int64)
        """Group of stations each route may use (an index of `group_stations`)."""
        self.group_stations: list[frozenset[int]] = []
        """Numbers of the stations of each group."""
        self.link_via = np.zeros(0, dtype=bool)
        """Routes that go through a station when controlled."""
        if not sc.parks or not self.stations:
            return
        station_at = {st.cfg.id: k for k, st in enumerate(self.stations)}
        on_corridor = {station_at[s] for c in sc.corridors for s in c.stations}
        park_at = {p.id: k for k, p in enumerate(sc.parks)}
        home = [None if st.cfg.park is None else park_at[st.cfg.park] for st in self.stations]
        groups = [
            frozenset(k for k, h in enumerate(home) if k not in on_corridor and h in (None, q))
            for q in range(len(sc.parks))
        ]
        corridor_group = np.full(len(sc.corridors), -1, dtype=np.int64)
        for c, cor in enumerate(sc.corridors):
            if cor.stations:
                corridor_group[c] = len(groups)
                groups.append(frozenset(station_at[s] for s in cor.stations))
        link_group = world.firms.park[self.dst_firm].copy()
        along = self.net.link_corridor
        own = np.flatnonzero(along >= 0)
        own = own[corridor_group[along[own]] >= 0]
        link_group[own] = corridor_group[along[own]]
        self.group_stations = groups
        self.link_group = link_group
        self.link_via = np.array([bool(g) for g in groups], dtype=bool)[link_group]
        self._link_ok = [groups[g] for g in link_group.tolist()]

    # -- the hooks ----------------------------------------------------------------

    def open_day(self, day: int) -> None:
        """Start of day: passes, trips waiting for a station to open, admissions; which
        routes may ship today and which go through a station."""
        w = self.world
        for ask in w.board.take(OutboundPass):
            self.out_requested[ask.firms] = ask.day
        self.issue_passes(day)
        if self.gate_wait:
            waiting, self.gate_wait = self.gate_wait, []
            open_ = self._open_stations()
            for trip in waiting:
                self._declare(trip, open_)
        for s in self.stations:
            s.admit_today()
        ctrl = self.controlled()
        w.shared.may_ship = ~ctrl | self.has_pass
        w.shared.via_station = ctrl & (self.link_via if len(self.link_group) else self.via_stations)

    def settle_day(self, day: int) -> None:
        """Goods of trips that reached their firm today join its stocks; what logistics
        still holds is published for production."""
        self.receive(day)
        if self.net.has_lines:
            self.world.shared.held = self.held_by_line()

    def close_day(self, day: int) -> None:
        """Routes blocked for want of a pass ask for one; today's controlled shipments
        leave as truck trips; the day's loss blamed on stations and passes."""
        board = self.world.board
        for blocked in board.take(BlockedOrders):
            self.note_blocked(blocked.day, blocked.backlog)
        for sent in board.take(Shipments):
            self.dispatch(sent.day, sent.links, sent.qty)
        self._blame()

    def series(self) -> Sequence[Series]:
        ids = tuple(s.cfg.id for s in self.stations)
        return (
            Series(
                "funnel",
                "trips (wait: days)",
                "each station's funnel at the end of the day: " + ", ".join(FUNNEL),
                self.funnel,
                axes=(ids, FUNNEL),
            ),
            Series(
                "trips_in_transit",
                "trips",
                "controlled truck trips on the road or in a station at the end of the day",
                lambda: self.in_transit_trips,
                dtype=np.int64,
            ),
            Series(
                "cost_by_logistics",
                "value units",
                "lost output over the run blamed on each station, then on goods waiting "
                "for a pass or for a station to open",
                lambda: self.cost_logistics,
                axes=((*ids, "waiting_for_pass_or_open_station"),),
                daily=False,
            ),
        )

    # -- passes -------------------------------------------------------------------

    def controlled(self) -> np.ndarray:
        """Links whose shipment today crosses a zone boundary where freight needs a pass."""
        lv = self.world.shared.levels
        needs = lv.freight_pass[lv.current]
        ctrl: np.ndarray = self.cross & (needs[self.src_region] | needs[self.dst_region])
        return ctrl

    def outbound_controlled(self) -> np.ndarray:
        """Firms whose outbound trucks need a pass today (their zone controls freight)."""
        lv = self.world.shared.levels
        needs: np.ndarray = lv.freight_pass[lv.firm]
        return needs

    def expire_passes(self, d: int) -> None:
        """Passes issued `pass_valid_days` ago (rounded up) or earlier expire today; their
        routes and firms ask again at once, as requests of today."""
        valid = self.cfg.pass_valid_days
        if valid is None:
            return
        last = d - math.ceil(valid)
        gone = self.has_pass & (self.pass_day <= last)
        self.has_pass[gone] = False
        self.requested_at[gone] = d
        out_gone = self.out_pass & (self.out_pass_day <= last)
        self.out_pass[out_gone] = False
        self.out_requested[out_gone] = d

    def issue_passes(self, d: int) -> None:
        """Expiries, grants of the day, then `passes_per_day` passes to waiting routes by
        priority."""
        firms_ = self.world.firms
        self.expire_passes(d)
        for f in self.grants.get(d, []):
            granted = (self.dst_firm == f) | (self.src_firm == f)
            self.has_pass |= granted
            self.pass_day[granted] = d
            self.out_pass[f] = True
            self.out_pass_day[f] = d
        ctrl = self.controlled()
        links = np.flatnonzero(ctrl & ~self.has_pass & np.isfinite(self.requested_at))
        firms = np.flatnonzero(
            self.outbound_controlled() & ~self.out_pass & np.isfinite(self.out_requested)
        )
        if not len(links) and not len(firms):
            return
        rate = self.cfg.passes_per_day
        if rate is None and not len(self.pool_rate):
            self.has_pass[links] = True
            self.pass_day[links] = d
            self.out_pass[firms] = True
            self.out_pass_day[firms] = d
            return
        who = np.concatenate([self.dst_firm[links], firms])
        when = np.concatenate([self.requested_at[links], self.out_requested[firms]])
        kind = np.r_[np.zeros(len(links), dtype=np.int64), np.ones(len(firms), dtype=np.int64)]
        idx = np.concatenate([links, firms])
        if len(self.pool_rate):
            self._issue_by_pool(d, who, when, kind, idx)
            return
        order = np.lexsort((idx, kind, when, firms_.priority[who], ~firms_.liaison[who]))[:rate]
        self._grant(d, idx[order], kind[order])

    def _issue_by_pool(
        self, d: int, who: np.ndarray, when: np.ndarray, kind: np.ndarray, idx: np.ndarray
    ) -> None:
        """Each pool issues up to its rate of passes to its waiting routes and firms, in
        the order of a single pool (liaised firms first, then by priority, then oldest
        request first)."""
        firms_ = self.world.firms
        n_links = int((kind == 0).sum())
        pool = np.concatenate([self.link_pool[idx[:n_links]], self.firm_pool[idx[n_links:]]])
        order = np.lexsort((idx, kind, when, firms_.priority[who], ~firms_.liaison[who], pool))
        in_order = pool[order]
        rank = np.arange(len(order)) - np.searchsorted(in_order, in_order)
        order = order[rank < self.pool_rate[in_order]]
        self._grant(d, idx[order], kind[order])

    def _grant(self, d: int, idx: np.ndarray, kind: np.ndarray) -> None:
        """Passes issued on day `d`: to routes (`kind` 0: `idx` a link) and to firms'
        outbound trucks (`kind` 1: `idx` a firm)."""
        issued = idx[kind == 0]
        out_issued = idx[kind == 1]
        self.has_pass[issued] = True
        self.pass_day[issued] = d
        self.out_pass[out_issued] = True
        self.out_pass_day[out_issued] = d

    def note_blocked(self, d: int, blocked_backlog: np.ndarray) -> None:
        """Controlled routes with orders but no pass ask for one; record goods held."""
        net = self.net
        asking = (blocked_backlog > 0) & ~np.isfinite(self.requested_at)
        self.requested_at[asking] = d
        self.pass_held = np.bincount(net.link_line, weights=blocked_backlog, minlength=net.n_lines)

    # -- trips --------------------------------------------------------------------

    def dispatch(self, d: int, links: np.ndarray, qty: np.ndarray) -> None:
        """Controlled shipments leave as truck trips towards a transfer station."""
        net = self.net
        keep = qty > 0
        links, qty = links[keep], qty[keep]
        if not len(links):
            return
        n_trips = np.maximum(1, np.ceil(qty / self.cfg.truck_load - 1e-9).astype(np.int64))
        u = self.rng.random((int(n_trips.sum()), 2)).tolist()
        lines = net.link_line[links].tolist()
        legs = (net.link_lead[links] / 2).tolist()
        per_trip = (qty / n_trips).tolist()
        k = 0
        for link, line, leg, q, n in zip(
            links.tolist(), lines, legs, per_trip, n_trips.tolist(), strict=True
        ):
            for _ in range(n):
                ua, uh = u[k]
                k += 1
                self._arrive(Trip(link, line, q, leg, ua, uh), leg)
        self.in_transit_trips += k

    def _arrive(self, trip: Trip, delay: float) -> None:
        """The trip reaches the station area after `delay` days and declares there.

        Trips reaching it at the same moment share one event, in the order they
        set off (the order separate events at that moment would have had)."""
        env = self.world.env
        when = env.now + delay
        group = self._arriving.get(when)
        if group is None:
            group = self._arriving[when] = []
            env.timeout(delay, when).callbacks.append(self._declare_group)
        group.append(trip)

    def _declare_group(self, ev: simpy.Event) -> None:
        open_ = self._open_stations()
        for trip in self._arriving.pop(cast(float, ev.value)):
            if trip.retry:
                trip.retry = False
                trip.u_admit = float(self.rng.random())
            self._declare(trip, open_)

    def _open_stations(self) -> list[Station]:
        now = self.world.env.now
        return [s for s in self.stations if s.is_open(now)]

    def _choose(self, trip: Trip, open_: list[Station]) -> Station | None:
        """Where a trip declares: a partner station of its firms, else the shortest queue
        (or the first listed, with `nearest`) among open stations serving its origin."""
        link = trip.link
        dst = self._link_dst[link]
        src = self._link_src[link]
        region = self._link_region[link]
        if self.group_stations:
            return self._choose_among(self._link_ok[link], dst, src, region, open_)
        partner = [s for s in open_ if s.partner and (dst in s.partner or src in s.partner)]
        if partner:
            return partner[0]
        general = [s for s in open_ if not s.partner and (not s.serves or region in s.serves)]
        if not general:
            return None
        if self.cfg.routing == "nearest":
            return general[0]
        return min(general, key=lambda s: (s.in_system, s.k))

    def _choose_among(
        self, ok: frozenset[int], dst: int, src: int, region: int, open_: list[Station]
    ) -> Station | None:
        """`_choose` in a region: only the open stations `ok` names are candidates."""
        partner = [
            s for s in open_ if s.k in ok and s.partner and (dst in s.partner or src in s.partner)
        ]
        if partner:
            return partner[0]
        general = [
            s for s in open_ if s.k in ok and not s.partner and (not s.serves or region in s.serves)
        ]
        if not general:
            return None
        if self.cfg.routing == "nearest":
            return general[0]
        return min(general, key=lambda s: (s.in_system, s.k))

    def _declare(self, trip: Trip, open_: list[Station]) -> None:
        station = self._choose(trip, open_)
        w = self.world
        if station is None:
            self.gate_wait.append(trip)
            return
        if trip.station is None:
            trip.station = station
            station.in_system += 1
            station.held[trip.line] += trip.qty
        elif trip.station is not station:
            trip.station.in_system -= 1
            trip.station.held[trip.line] -= trip.qty
            trip.station = station
            station.in_system += 1
            station.held[trip.line] += trip.qty
        trip.declared_at = w.env.now
        station.declared += 1
        station.waiting_admission.append(trip)

    def redeclare(self, trip: Trip) -> None:
        """A turned-back trip comes back after `retry_days` and declares again."""
        trip.retry = True
        self._arrive(trip, self.cfg.retry_days)

    def deliver(self, trip: Trip, cleared_at: float) -> None:
        """A cleared trip finishes its journey on a closed-loop local truck.

        Its goods join the stock at `cleared_at + leg`, in time for the
        production of the day that moment falls in. Nothing reads stocks during
        the day, so the receipt is booked then and applied at that day's close,
        in the order the trucks arrived."""
        at = cleared_at + trip.leg
        self._receipts.setdefault(math.floor(at), []).append(
            (at, self._n_delivered, trip.line, trip.qty)
        )
        self._n_delivered += 1

    def receive(self, d: int) -> None:
        """Goods of trips that reached their firm during day `d` join its stocks."""
        due = self._receipts.pop(d, None)
        if due is None:
            return
        due.sort()
        stock = self.world.shared.stock
        transit = self.world.shared.in_transit
        for _, _, line, qty in due:
            stock[line] += qty
            transit[line] -= qty
        self.in_transit_trips -= len(due)

    def waiting_by_line(self) -> np.ndarray:
        """Goods of each input line waiting for a pass or for a station to open."""
        held = self.pass_held.copy()
        for trip in self.gate_wait:
            held[trip.line] += trip.qty
        return held

    def held_by_line(self) -> np.ndarray:
        """Goods of each input line held by logistics (no pass yet, or in a station)."""
        held = self.waiting_by_line()
        for s in self.stations:
            held += s.held
        return held

    def funnel(self) -> np.ndarray:
        """(stations, 5) the funnel of each station now (`FUNNEL`)."""
        out = np.zeros((len(self.stations), 5))
        for k, s in enumerate(self.stations):
            out[k] = (s.declared, s.admitted, s.cleared, s.in_system, s.wait_sum)
        return out

    def _blame(self) -> None:
        """Share the loss of firms whose short input is held by logistics among the
        stations holding its goods and the routes waiting for a pass or a station."""
        w = self.world
        binding = w.shared.binding_line
        firms = np.flatnonzero(binding >= 0)
        if not len(firms):
            return
        logi = w.cause[firms] == C_LOGISTICS
        if not logi.any():
            return
        firms = firms[logi]
        lines = binding[firms]
        lost = w.firms.baseline[firms] - w.output[firms]
        held = np.stack([s.held for s in self.stations] + [self.waiting_by_line()])
        held = np.maximum(held[:, lines], 0.0)
        tot = held.sum(axis=0)
        tot[tot <= 0] = 1.0
        self.cost_logistics += (held / tot * lost).sum(axis=1)
