"""What is observed each day of a replication, kept as numpy arrays (the Trace).

The model fills a Recorder at the end of each day; `metrics` and `output` read
the Trace. Nothing here writes files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.state import BASE_CAUSES, C_LOGISTICS, STATE_NAMES, FirmState

if TYPE_CHECKING:
    from sim.model.production import DayResult
    from sim.model.world import World

WORKFORCE_PARTS = ("on_post", "local_on_post", "migrant_on_post", "quarantined", "isolated", "away")
"""Workforce counts recorded daily (people)."""


@dataclass
class Trace:
    """Daily observations of one replication."""

    replication: int
    days: int
    sectors: tuple[str, ...]
    causes: tuple[str, ...]
    states: tuple[str, ...]
    n_firms: int
    n_above_scale: int
    staff_total: int
    baseline_total: float
    baseline_sector: np.ndarray
    output: np.ndarray
    """Park output per day (value units)."""
    output_sector: np.ndarray
    """(days, sectors) output."""
    resumption: np.ndarray
    """Share of firms operating."""
    resumption_weighted: np.ndarray
    """Share of baseline output held by operating firms."""
    resumption_above_scale: np.ndarray
    """Share of above-scale firms operating (NaN if there are none)."""
    lost: np.ndarray
    """(days, causes) lost output in value units."""
    state_counts: np.ndarray
    """(days, states) firms in each state."""
    workforce: np.ndarray
    """(days, WORKFORCE_PARTS) people."""
    review_queue: np.ndarray
    """Applications waiting for a team at the end of each day."""
    review_wait: np.ndarray
    """Mean wait (days) of reviews started that day (NaN if none)."""
    cases: np.ndarray
    """Positive cases found per day."""
    stations: tuple[str, ...]
    """Transfer station ids."""
    funnel: np.ndarray
    """(days, stations, 5) at the end of each day, cumulative: declared, admitted,
    cleared trips, trips in the station now, total wait (days) of cleared trips."""
    trips_in_transit: np.ndarray
    """Controlled truck trips on the road or in a station at the end of each day."""
    producers: tuple[str, ...]
    """Park firm ids, then external supplier ids (the sources of inputs)."""
    cost_by_producer: np.ndarray
    """Lost output (value units, whole run) blamed on each producer's missing goods."""
    relief_spent: np.ndarray
    """Relief paid so far (value units, cumulative) at the end of each day."""
    cash_negative: np.ndarray
    """Firms with cash below zero at the end of each day."""
    cost_by_logistics: np.ndarray
    """Lost output (value units, whole run) blamed on each station, then on goods
    waiting for a pass or for a station to open."""

    @property
    def capacity(self) -> np.ndarray:
        """Park output as a share of baseline, per day."""
        return self.output / self.baseline_total

    @property
    def capacity_sector(self) -> np.ndarray:
        """(days, sectors) output share of each sector's baseline."""
        return self.output_sector / self.baseline_sector

    @property
    def lost_days(self) -> np.ndarray:
        """(days, causes) lost output in baseline-days (sums to 1 − capacity each day)."""
        return self.lost / self.baseline_total


class Recorder:
    """Collects one row per day into preallocated arrays."""

    def __init__(self, world: World) -> None:
        self.w = world
        d = world.days
        self.causes = BASE_CAUSES + tuple(f"input:{g}" for g in world.goods.goods)
        n_sec = len(world.sectors)
        self.output = np.zeros(d)
        self.output_sector = np.zeros((d, n_sec))
        self.resumption = np.zeros(d)
        self.resumption_weighted = np.zeros(d)
        self.resumption_above = np.zeros(d)
        self.lost = np.zeros((d, len(self.causes)))
        self.states = np.zeros((d, len(STATE_NAMES)), dtype=np.int64)
        self.workforce = np.zeros((d, len(WORKFORCE_PARTS)), dtype=np.int64)
        self.queue = np.zeros(d, dtype=np.int64)
        self.wait = np.full(d, np.nan)
        self.cases = np.zeros(d, dtype=np.int64)
        n_st = len(world.logistics.stations)
        self.funnel = np.zeros((d, n_st, 5))
        self.trips = np.zeros(d, dtype=np.int64)
        self.cost_producer = np.zeros(world.goods.n_producers)
        self.cost_logistics = np.zeros(n_st + 1)
        self.relief = np.zeros(d)
        self.cash_negative = np.zeros(d, dtype=np.int64)
        self.baseline_sector = np.bincount(world.sector, weights=world.baseline, minlength=n_sec)
        self.n_above = int(world.above_scale.sum())
        self._wait_seen = (0.0, 0)

    def record(self, d: int, r: DayResult) -> None:
        """Store day `d`."""
        w = self.w
        self.output[d] = r.output.sum()
        self.output_sector[d] = np.bincount(w.sector, weights=r.output, minlength=len(w.sectors))
        op = r.operating
        self.resumption[d] = op.mean() if w.n else 0.0
        self.resumption_weighted[d] = w.baseline[op].sum() / w.baseline.sum() if w.n else 0.0
        self.resumption_above[d] = (
            (op & w.above_scale).sum() / self.n_above if self.n_above else np.nan
        )
        loss = w.baseline - r.output
        self.lost[d] = np.bincount(r.cause, weights=loss, minlength=len(self.causes))
        self.states[d] = np.bincount(w.state, minlength=len(STATE_NAMES))
        s = w.staff
        migrant_on = np.maximum(s.on_post - s.local_on_post, 0)
        self.workforce[d] = (
            s.on_post.sum(),
            s.local_on_post.sum(),
            migrant_on.sum(),
            s.quarantine.sum(),
            s.isolated.sum(),
            s.away.sum(),
        )
        self.queue[d] = len(w.reviews.queue.items)
        ws, wc = w.reviews.wait_sum, w.reviews.wait_count
        s0, c0 = self._wait_seen
        if wc > c0:
            self.wait[d] = (ws - s0) / (wc - c0)
        self._wait_seen = (ws, wc)
        self.cases[d] = w.cases_today.sum()
        self.funnel[d] = w.logistics.funnel()
        self.trips[d] = w.logistics.in_transit_trips
        self._blame(r, loss)
        self.relief[d] = w.finance.spent
        self.cash_negative[d] = int(np.sum(w.finance.cash < 0))

    def _blame(self, r: DayResult, loss: np.ndarray) -> None:
        """Share the loss of firms short of an input among the producers or logistics holding it."""
        w = self.w
        g = w.goods
        firms = np.flatnonzero(r.bind_line >= 0)
        if not len(firms):
            return
        lines = r.bind_line[firms]
        lost = loss[firms]
        logi = r.cause[firms] == C_LOGISTICS
        if (~logi).any():
            f_lines, f_lost = lines[~logi], lost[~logi]
            per_line = np.zeros(g.n_lines)
            np.add.at(per_line, f_lines, f_lost)
            weight = g.backlog + 1e-12 * g.link_share
            total = np.bincount(g.link_line, weights=weight, minlength=g.n_lines)
            share = weight / total[g.link_line]
            self.cost_producer += np.bincount(
                g.link_src, weights=share * per_line[g.link_line], minlength=g.n_producers
            )
        if logi.any():
            stations = w.logistics.stations
            held = np.stack([s.held for s in stations] + [w.logistics.waiting_by_line()])
            held = np.maximum(held[:, lines[logi]], 0.0)
            tot = held.sum(axis=0)
            tot[tot <= 0] = 1.0
            self.cost_logistics += (held / tot * lost[logi]).sum(axis=1)

    def trace(self) -> Trace:
        """The finished Trace."""
        w = self.w
        return Trace(
            replication=w.replication,
            days=w.days,
            sectors=w.sectors,
            causes=self.causes,
            states=STATE_NAMES,
            n_firms=w.n,
            n_above_scale=self.n_above,
            staff_total=int(w.staff.total.sum()),
            baseline_total=float(w.baseline.sum()),
            baseline_sector=self.baseline_sector,
            output=self.output,
            output_sector=self.output_sector,
            resumption=self.resumption,
            resumption_weighted=self.resumption_weighted,
            resumption_above_scale=self.resumption_above,
            lost=self.lost,
            state_counts=self.states,
            workforce=self.workforce,
            review_queue=self.queue,
            review_wait=self.wait,
            cases=self.cases,
            stations=tuple(s.cfg.id for s in w.logistics.stations),
            funnel=self.funnel,
            trips_in_transit=self.trips,
            producers=w.ids + w.goods.supplier_ids,
            cost_by_producer=self.cost_producer,
            cost_by_logistics=self.cost_logistics,
            relief_spent=self.relief,
            cash_negative=self.cash_negative,
        )


__all__ = ["WORKFORCE_PARTS", "FirmState", "Recorder", "Trace"]
