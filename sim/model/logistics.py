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
travel directly): SimPy events at the moments trips reach the station and are
cleared, deliveries booked to the day they arrive. Turned-back trips
re-declare after a delay. Goods held by logistics (a route waiting for a pass,
trips not yet cleared) are what the `logistics` cause of lost output refers to.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.scenario.dists import quantile

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import TransferStation


class Station:
    """One transfer station: admission (testing) and bays, with its daily funnel counts.

    Bays serve admitted trips first come, first served. Since a trip's handling
    time is known when it is admitted, its clearing time follows from when a bay
    frees up (the earliest of the bays' free times): one event per trip, at the
    moment it is cleared, instead of a process queueing on a SimPy Resource.
    """

    def __init__(self, world: World, cfg: TransferStation, k: int) -> None:
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
        self.held = np.zeros(world.goods.n_lines) if world.goods.has_lines else np.zeros(0)
        regions = world.region_ids
        self.serves = {regions.index(r) for r in cfg.serves}
        self.partner = {world.index[f] for f in cfg.partner_for}

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
        logi = self.world.logistics
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
        trip: Trip = ev.value
        now = self.world.env.now
        self.cleared += 1
        self.wait_sum += now - trip.declared_at
        self.in_system -= 1
        self.held[trip.line] -= trip.qty
        self.world.logistics.deliver(trip, now)


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
        self._link_dst = self.dst_firm.tolist()
        self._link_src = self.src_firm.tolist()
        self._link_region = self.src_region.tolist()
        self.pass_held = np.zeros(g.n_lines)
        self.out_pass = np.zeros(world.n, dtype=bool)
        self.out_requested = np.full(world.n, np.inf)
        self.gate_wait: list[Trip] = []
        self.in_transit_trips = 0
        self._arriving: dict[float, list[Trip]] = {}
        """Arrival time at the station area → trips arriving then, in order."""
        self._receipts: dict[int, list[tuple[float, int, int, float]]] = {}
        """Day → (time, order, input line, goods) of trips reaching their firm that day."""
        self._n_delivered = 0
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
        g = self.world.goods
        keep = qty > 0
        links, qty = links[keep], qty[keep]
        if not len(links):
            return
        n_trips = np.maximum(1, np.ceil(qty / self.cfg.truck_load - 1e-9).astype(np.int64))
        u = self.rng.random((int(n_trips.sum()), 2)).tolist()
        lines = g.link_line[links].tolist()
        legs = (g.link_lead[links] / 2).tolist()
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
        for trip in self._arriving.pop(ev.value):
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
        partner = [s for s in open_ if s.partner and (dst in s.partner or src in s.partner)]
        if partner:
            return partner[0]
        general = [s for s in open_ if not s.partner and (not s.serves or region in s.serves)]
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
        stock = self.world.goods.stock
        transit = self.world.goods.in_transit
        for _, _, line, qty in due:
            stock[line] += qty
            transit[line] -= qty
        self.in_transit_trips -= len(due)

    def open_day(self, d: int) -> None:
        """Start of day: passes, trips waiting for a station to open, admissions."""
        self.issue_passes(d)
        if self.gate_wait:
            waiting, self.gate_wait = self.gate_wait, []
            open_ = self._open_stations()
            for trip in waiting:
                self._declare(trip, open_)
        for s in self.stations:
            s.admit_today()

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
