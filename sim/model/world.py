"""The simulated park: SimPy environment plus firm state in numpy arrays.

`run(park, replication)` builds a World from a validated Park and runs it,
returning a Trace. Discrete events (applications, reviews, rectification,
suspensions) are SimPy processes that change firm state; the daily accounting
(production, consumption, orders, workforce, cases, recording) is one step over
arrays of all firms.

Order of events (fixed, never dependent on process registration order). Day d
covers simulated time [d, d+1). At the instant d+1, before any other event of
that instant (an URGENT-priority tick), the driver:

1. closes day d: goods that cleared trucks delivered during the day →
   production → cash, relief and failures → outbreaks → orders and shipments →
   recording;
2. opens day d+1: control levels → white-list releases and gates (firms allowed
   to start reopening) → suspensions ended → customers of failed firms switch
   to alternatives → freight passes and station admissions → finished goods
   trucked out → deliveries and worker arrivals.

Events during the day (a review finishing at t=3.4) change state for the day
they fall in; an event at exactly t=d+1 belongs to day d+1. Hence a firm whose
review ends at t=1.0 is open from day 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.core import URGENT
from simpy.events import Event

from sim.model import (
    finance,
    logistics,
    outbreaks,
    production,
    reopening,
    supply,
    workforce,
)
from sim.model.state import FirmState, streams
from sim.record import Recorder, Trace
from sim.runtime import collector_paused
from sim.scenario.expand import Park

_OPEN = int(FirmState.OPEN)
"""As a plain int: numpy stores an enum member only after probing its class (slow on 3.11)."""


class _Tick(Event):
    """A timeout that fires before every other event of its instant."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, URGENT, delay)


@dataclass
class Levels:
    """Control levels by zone: the table from the timelines plus outbreak raises."""

    names: tuple[str, ...]
    operate: np.ndarray
    """0 whitelist, 1 apply, 2 all (by level index)."""
    closed_loop_only: np.ndarray
    commuting: np.ndarray
    review: np.ndarray
    cap: np.ndarray
    freight_pass: np.ndarray
    rank: np.ndarray
    schedule: np.ndarray
    """Level index by (region, day) from the timelines."""
    raised_level: np.ndarray
    raised_until: np.ndarray
    current: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class World:
    """Everything one replication of a park needs: config, clock, arrays, streams."""

    def __init__(self, park: Park, replication: int, days: int | None = None) -> None:
        sc = park.scenario
        self.park = park
        self.cfg = sc
        self.days = days if days is not None else sc.days
        self.replication = replication
        self.env = simpy.Environment()
        self.rng = streams(sc.seed, replication)
        self.day = 0
        firms = park.firms
        n = len(firms)
        self.n = n
        self.ids = tuple(f.id for f in firms)
        self.index = {fid: i for i, fid in enumerate(self.ids)}
        self.sectors = tuple(sorted({f.sector for f in firms}))
        sec_idx = {s: k for k, s in enumerate(self.sectors)}
        self.sector = np.array([sec_idx[f.sector] for f in firms], dtype=np.int64)
        self.region_ids = tuple(r.id for r in sc.regions)
        reg_idx = {r: k for k, r in enumerate(self.region_ids)}
        self.region = np.array([reg_idx[f.region] for f in firms], dtype=np.int64)
        self.baseline = np.array([f.baseline_output for f in firms], dtype=float)
        self.above_scale = np.array([f.above_scale for f in firms], dtype=bool)
        self.closed_loop = np.array([f.closed_loop for f in firms], dtype=bool)
        default_ramp = sc.reopening.ramp_days
        self.ramp_days = np.array(
            [default_ramp if f.ramp_days is None else f.ramp_days for f in firms], dtype=float
        )
        self.tags = tuple(frozenset(f.tags) for f in firms)
        self.state = np.full(n, FirmState.CLOSED, dtype=np.int8)
        self.reopened_at = np.full(n, math.inf)
        self.whitelisted = np.zeros(n, dtype=bool)
        self.priority = reopening.priority_keys(self)
        initially = np.array([f.initially_open for f in firms], dtype=bool)
        self.state[initially] = FirmState.OPEN
        self.reopened_at[initially] = -math.inf
        self.levels = _levels(self)
        self.output = np.zeros(n)
        self.operating = np.zeros(n, dtype=bool)
        self.cases_today = np.zeros(n, dtype=np.int64)
        self.staff = workforce.Staff(self)
        self.cases = outbreaks.Cases(self)
        self.goods = supply.Goods(self)
        self.logistics = logistics.Logistics(self)
        self.liaison = reopening.liaison_mask(self)
        self.reviews = reopening.Reviews(self)
        self.finance = finance.Finance(self)
        self.recorder = Recorder(self)

    # -- the day driver ---------------------------------------------------------

    def _driver(self):
        self._open_day(0)
        for d in range(self.days):
            yield _Tick(self.env, 1.0)
            self._close_day(d)
            if d + 1 < self.days:
                self._open_day(d + 1)

    def _open_day(self, d: int) -> None:
        self.day = d
        self._update_levels(d)
        reopening.release_whitelists(self, d)
        reopening.open_gates(self)
        self.cases.end_suspensions(d)
        self.logistics.open_day(d)
        self.goods.switch_sources(d)
        self.goods.ship_out()
        self.goods.arrivals(d)
        self.staff.arrivals(d)

    def _close_day(self, d: int) -> None:
        self.logistics.receive(d)
        result = production.produce(self)
        self.finance.step(d, result.output)
        self.cases.draw(d)
        self.goods.orders_and_shipments(d)
        self.recorder.record(d, result)

    def _update_levels(self, d: int) -> None:
        lv = self.levels
        base = lv.schedule[:, min(d, lv.schedule.shape[1] - 1)]
        raised = (lv.raised_until > d) & (lv.rank[lv.raised_level] > lv.rank[base])
        lv.current = np.where(raised, lv.raised_level, base)

    # -- state changes used by the mechanisms ----------------------------------

    def firm_level(self) -> np.ndarray:
        """Today's control level index of every firm's zone."""
        return self.levels.current[self.region]

    def may_operate(self) -> np.ndarray:
        """Whether each firm's zone level lets it operate today (if reopened)."""
        lv = self.levels
        lvl = self.firm_level()
        ok = (lv.operate[lvl] != 0) | self.whitelisted
        ok &= ~lv.closed_loop_only[lvl] | self.closed_loop
        return ok

    def reopen(self, i: int) -> None:
        """A firm passes review (or needs none): it is open from now, ramping up."""
        self.state[i] = _OPEN
        self.reopened_at[i] = self.env.now

    def run(self) -> Trace:
        """Simulate every day of the horizon and return what was recorded."""
        self.env.process(self._driver())
        self.env.run(until=self.days + 0.5)
        return self.recorder.trace()


def _levels(world: World) -> Levels:
    sc = world.cfg
    names = tuple(sc.control_levels)
    idx = {nm: k for k, nm in enumerate(names)}
    levels = [sc.control_levels[nm] for nm in names]
    op_code = {"whitelist": 0, "apply": 1, "all": 2}
    normal = idx.get("normal", int(np.argmin([lv.rank for lv in levels])))
    schedule = np.full((len(sc.regions), world.days + 1), normal, dtype=np.int64)
    for r, region in enumerate(sc.regions):
        for change in region.timeline:
            start = math.ceil(change.day)
            if start <= world.days:
                schedule[r, start:] = idx[change.level]
    return Levels(
        names=names,
        operate=np.array([op_code[lv.operate] for lv in levels]),
        closed_loop_only=np.array([lv.closed_loop_only for lv in levels]),
        commuting=np.array([lv.commuting for lv in levels]),
        review=np.array([lv.review for lv in levels]),
        cap=np.array([lv.output_cap for lv in levels], dtype=float),
        freight_pass=np.array([lv.freight_pass for lv in levels]),
        rank=np.array([lv.rank for lv in levels]),
        schedule=schedule,
        raised_level=np.zeros(len(sc.regions), dtype=np.int64),
        raised_until=np.full(len(sc.regions), -1.0),
        current=schedule[:, 0].copy(),
    )


def run(park: Park, replication: int, days: int | None = None) -> Trace:
    """One replication of a park: the daily trace of everything observed."""
    with collector_paused():
        return World(park, replication, days).run()
