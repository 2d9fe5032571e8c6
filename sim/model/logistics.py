"""Controlled freight: passes, logistics transfer stations and the truck funnel.

Seed 004 (Chengdu, Qingtaishan 物流中转站): trucks are *declared*, some are
*admitted* (testing, limited lanes), the admitted are *cleared* (unloaded,
disinfected, reloaded onto closed-loop local trucks). Seed 002: two
cross-province passes and a nearby partner firm acting as a transfer point
unblocked a firm.

A shipment is *controlled* when it crosses between two zones and either zone's
level requires freight passes. A controlled route (one supplier → one input
line) ships only once it holds a pass; passes are issued at a limited rate per
day, liaised firms first, then by priority. With a pass, goods travel as truck
trips through a transfer station (when the scenario has any; otherwise they
travel directly), each trip a SimPy process. Turned-back trips
re-declare after a delay. Goods held by logistics (a route waiting for a pass,
trips not yet cleared) are what the `logistics` cause of lost output refers to.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.scenario.dists import quantile

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import TransferStation


class Station:
    """One transfer station: admission (testing) and bays, with its daily funnel counts."""

    def __init__(self, world: World, cfg: TransferStation, k: int) -> None:
        self.world = world
        self.cfg = cfg
        self.k = k
        self.bays = simpy.Resource(world.env, capacity=max(cfg.bays, 1))
        self.waiting_admission: list[Trip] = []
        self.in_system = 0
        self.declared = 0
        self.admitted = 0
        self.cleared = 0
        self.wait_sum = 0.0
        self.held = np.zeros(world.goods.n_lines) if world.goods.has_lines else np.zeros(0)
        regions = world.region_ids
        self.serves = {regions.index(r) for r in cfg.serves}
        self.partner = {world.index[f] for f in cfg.partner_for}

    def is_open(self, t: float) -> bool:
        """Whether the station works at time `t`."""
        c = self.cfg
        return c.opening_day <= t and (c.closing_day is None or t < c.closing_day)

    def admit_today(self, rng: np.random.Generator) -> None:
        """Testing: up to `admit_per_day` waiting trips are tested; failures are turned back."""
        if not self.is_open(self.world.env.now) or not self.waiting_admission:
            return
        cap = self.cfg.admit_per_day
        n = len(self.waiting_admission) if cap is None else min(cap, len(self.waiting_admission))
        batch, self.waiting_admission = self.waiting_admission[:n], self.waiting_admission[n:]
        for trip in batch:
            if trip.u_admit < self.cfg.admit_share:
                self.admitted += 1
                self.world.env.process(self._handle(trip))
            else:
                trip.turned_back += 1
                self.world.env.process(self.world.logistics.redeclare(trip))

    def _handle(self, trip: Trip):
        w = self.world
        cfg = self.cfg
        if cfg.bays <= 0:
            return
        with self.bays.request() as bay:
            yield bay
            hours = float(quantile(cfg.handling_hours, np.array([trip.u_handle]))[0])
            yield w.env.timeout(hours / cfg.hours_per_day)
        self.cleared += 1
        self.wait_sum += w.env.now - trip.declared_at
        self.in_system -= 1
        self.held[trip.line] -= trip.qty
        w.env.process(w.logistics.deliver(trip))


class Trip:
    """One truck trip of goods for one input line."""

    __slots__ = (
        "declared_at",
        "leg",
        "line",
        "link",
        "qty",
        "station",
        "turned_back",
        "u_admit",
        "u_handle",
    )

    def __init__(self, link: int, line: int, qty: float, leg: float, u: np.ndarray) -> None:
        self.link = link
        self.line = line
        self.qty = qty
        self.leg = leg
        self.u_admit = float(u[0])
        self.u_handle = float(u[1])
        self.turned_back = 0
        self.declared_at = 0.0
        self.station: Station | None = None


class Logistics:
    """Passes for controlled routes, and the transfer stations their trips go through."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cfg = world.cfg.logistics
        g = world.goods
        self.rng = world.rng["logistics"]
        self.stations = [Station(world, s, k) for k, s in enumerate(self.cfg.transfer_stations)]
        self.via_stations = bool(self.stations)
        """Controlled freight goes through a station only if the scenario has any."""
        n_links = len(g.link_line)
        self.has_pass = np.zeros(n_links, dtype=bool)
        self.requested_at = np.full(n_links, np.inf)
        firm_region = world.region
        sup_region = np.array(
            [world.region_ids.index(s.region) for s in world.cfg.suppliers], dtype=np.int64
        )
        self.src_region = np.concatenate([firm_region, sup_region])[g.link_src]
        self.dst_region = firm_region[g.line_firm[g.link_line]]
        self.cross = self.src_region != self.dst_region
        self.dst_firm = g.line_firm[g.link_line]
        self.src_firm = np.where(g.link_src < world.n, g.link_src, -1)
        self.pass_held = np.zeros(g.n_lines)
        self.out_pass = np.zeros(world.n, dtype=bool)
        self.out_requested = np.full(world.n, np.inf)
        self.gate_wait: list[Trip] = []
        self.in_transit_trips = 0
        self.grants = {}
        for grant in self.cfg.grants:
            d = math.ceil(grant.day)
            self.grants.setdefault(d, []).extend(world.index[f] for f in grant.firms)

    def controlled(self) -> np.ndarray:
        """Links whose shipment today crosses a zone boundary where freight needs a pass."""
        lv = self.world.levels
        needs = lv.freight_pass[lv.current]
        return self.cross & (needs[self.src_region] | needs[self.dst_region])

    def issue_passes(self, d: int) -> None:
        """Grants of the day, then `passes_per_day` passes to waiting routes by priority."""
        w = self.world
        for f in self.grants.get(d, []):
            self.has_pass |= (self.dst_firm == f) | (self.src_firm == f)
            self.out_pass[f] = True
        ctrl = self.controlled()
        links = np.flatnonzero(ctrl & ~self.has_pass & np.isfinite(self.requested_at))
        firms = np.flatnonzero(
            self.outbound_controlled() & ~self.out_pass & np.isfinite(self.out_requested)
        )
        if not len(links) and not len(firms):
            return
        rate = self.cfg.passes_per_day
        if rate is None:
            self.has_pass[links] = True
            self.out_pass[firms] = True
            return
        who = np.concatenate([self.dst_firm[links], firms])
        when = np.concatenate([self.requested_at[links], self.out_requested[firms]])
        kind = np.r_[np.zeros(len(links), dtype=np.int64), np.ones(len(firms), dtype=np.int64)]
        idx = np.concatenate([links, firms])
        order = np.lexsort((idx, kind, when, w.priority[who], ~w.liaison[who]))[:rate]
        self.has_pass[idx[order][kind[order] == 0]] = True
        self.out_pass[idx[order][kind[order] == 1]] = True

    def outbound_controlled(self) -> np.ndarray:
        """Firms whose outbound trucks need a pass today (their zone controls freight)."""
        lv = self.world.levels
        return lv.freight_pass[self.world.firm_level()]

    def outbound_allowed(self) -> np.ndarray:
        """Firms whose finished goods can leave today; blocked ones ask for a pass."""
        w = self.world
        ctrl = self.outbound_controlled()
        blocked = ctrl & ~self.out_pass
        asking = blocked & (w.goods.finished > 0) & ~np.isfinite(self.out_requested)
        self.out_requested[asking] = w.day
        return ~blocked

    def shippable(self) -> np.ndarray:
        """Links that may ship today: uncontrolled, or controlled with a pass."""
        ctrl = self.controlled()
        return ~ctrl | self.has_pass

    def note_blocked(self, d: int, blocked_backlog: np.ndarray) -> None:
        """Controlled routes with orders but no pass ask for one; record goods held."""
        g = self.world.goods
        asking = (blocked_backlog > 0) & ~np.isfinite(self.requested_at)
        self.requested_at[asking] = d
        self.pass_held = np.bincount(g.link_line, weights=blocked_backlog, minlength=g.n_lines)

    def dispatch(self, d: int, links: np.ndarray, qty: np.ndarray) -> None:
        """Controlled shipments leave as truck trips towards a transfer station."""
        w = self.world
        g = w.goods
        load = self.cfg.truck_load
        for link, q in zip(links.tolist(), qty.tolist(), strict=True):
            if q <= 0:
                continue
            n_trips = max(1, math.ceil(q / load - 1e-9))
            lead = float(g.link_lead[link])
            for _ in range(n_trips):
                u = self.rng.random(2)
                trip = Trip(link, int(g.link_line[link]), q / n_trips, lead / 2, u)
                self.in_transit_trips += 1
                w.env.process(self._to_station(trip))

    def _choose(self, trip: Trip) -> Station | None:
        now = self.world.env.now
        dst = int(self.dst_firm[trip.link])
        src = int(self.src_firm[trip.link])
        region = int(self.src_region[trip.link])
        open_ = [s for s in self.stations if s.is_open(now)]
        partner = [s for s in open_ if s.partner and (dst in s.partner or src in s.partner)]
        if partner:
            return partner[0]
        general = [s for s in open_ if not s.partner and (not s.serves or region in s.serves)]
        if not general:
            return None
        if self.cfg.routing == "nearest":
            return general[0]
        return min(general, key=lambda s: (s.in_system, s.k))

    def _to_station(self, trip: Trip):
        w = self.world
        yield w.env.timeout(trip.leg)
        self._declare(trip)

    def _declare(self, trip: Trip) -> None:
        station = self._choose(trip)
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

    def redeclare(self, trip: Trip):
        """A turned-back trip comes back after `retry_days` and declares again."""
        yield self.world.env.timeout(self.cfg.retry_days)
        trip.u_admit = float(self.rng.random())
        self._declare(trip)

    def deliver(self, trip: Trip):
        """A cleared trip finishes its journey on a closed-loop local truck."""
        w = self.world
        yield w.env.timeout(trip.leg)
        w.goods.receive(trip.line, trip.qty)
        self.in_transit_trips -= 1

    def open_day(self, d: int) -> None:
        """Start of day: passes, trips waiting for a station to open, admissions."""
        self.issue_passes(d)
        if self.gate_wait:
            waiting, self.gate_wait = self.gate_wait, []
            for trip in waiting:
                self._declare(trip)
        for s in self.stations:
            s.admit_today(self.rng)

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
        """(stations, 6) today's cumulative declared, admitted, cleared, queue, waits."""
        out = np.zeros((len(self.stations), 5))
        for k, s in enumerate(self.stations):
            out[k] = (s.declared, s.admitted, s.cleared, s.in_system, s.wait_sum)
        return out
