"""The transfer-station funnel as first written: one SimPy process per truck leg.

Kept as a test oracle for `sim.model.logistics`, whose stations compute each
trip's clearing time from the bays' free times and deliver goods at the day's
close. Every trip here is a process (to the station, through a
`simpy.Resource` of bays, to its firm), the straightforward reading of seed 004.
Both must give the same numbers (tests/model/test_logistics_equivalence.py).
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.model import logistics
from sim.scenario.dists import quantile


class Station(logistics.Station):
    """A station whose bays are a SimPy Resource and whose trips are processes."""

    def __init__(self, owner, cfg, k) -> None:
        super().__init__(owner, cfg, k)
        self.bays = simpy.Resource(owner.world.env, capacity=max(cfg.bays, 1))

    def admit_today(self) -> None:
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
                self.world.env.process(self.owner.redeclare_process(trip))

    def _handle(self, trip):
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
        w.env.process(self.owner.deliver_process(trip))


class Logistics(logistics.Logistics):
    """Passes as in the model; trips as processes through process-based stations."""

    def __init__(self, world) -> None:
        super().__init__(world)
        self.stations = [Station(self, s, k) for k, s in enumerate(self.cfg.transfer_stations)]

    def dispatch(self, d, links, qty) -> None:
        w = self.world
        g = self.net
        load = self.cfg.truck_load
        for link, q in zip(links.tolist(), qty.tolist(), strict=True):
            if q <= 0:
                continue
            n_trips = max(1, math.ceil(q / load - 1e-9))
            lead = float(g.link_lead[link])
            for _ in range(n_trips):
                u = self.rng.random(2)
                trip = logistics.Trip(
                    link, int(g.link_line[link]), q / n_trips, lead / 2, float(u[0]), float(u[1])
                )
                self.in_transit_trips += 1
                w.env.process(self._to_station(trip))

    def _to_station(self, trip):
        yield self.world.env.timeout(trip.leg)
        self._declare(trip, self._open_stations())

    def redeclare_process(self, trip):
        yield self.world.env.timeout(self.cfg.retry_days)
        trip.u_admit = float(self.rng.random())
        self._declare(trip, self._open_stations())

    def deliver_process(self, trip):
        w = self.world
        yield w.env.timeout(trip.leg)
        w.shared.stock[trip.line] += trip.qty
        w.shared.in_transit[trip.line] -= trip.qty
        self.in_transit_trips -= 1

    def receive(self, d: int) -> None:
        """Deliveries happen in `deliver_process`, as they arrive."""
