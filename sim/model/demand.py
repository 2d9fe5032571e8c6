"""Demand: a firm sells only what is ordered, and stores what it cannot sell.

A firm's output goes to park customers (the firms whose input lines name it as a
source, `network.Network`) and to final buyers outside the park (the domestic
market, exports). At baseline a customer buys `per_output × its baseline` of
each of its input lines, split equally among the line's sources; what a firm
sells to park customers at baseline is the sum over the lines it supplies, and
the rest of its baseline output is its *final demand* (none if park customers
take it all). Each day a firm receives orders of

    final demand × the index of its sector today (`demand.final`)
    + the baseline purchases of its park customers that are operating today.

A customer that is shut (closed, preparing, under review, suspended, failed, or
halted by its zone's level) takes nothing: a closed downstream firm pulls its
upstream firm's output down. (Jinshan's third white list, 12 May 2022, put
upstream and downstream supporting firms, 上下游配套企业, among its five kinds:
a firm reopened without its customers has nobody to sell to.)
A firm may make more than it is ordered as far as its store of unsold goods
has room (`demand.stock_days` days of its baseline output, empty at day 0); its
limit is `(orders + room) / baseline`, blamed on `demand`. On a day it
operates, goods made beyond the orders join the store and orders beyond the
output are served from it, so a store filled while customers were shut
empties when orders exceed what the firm makes. The store is its own, not the
outbound finished-goods store (`outbound.py`): that one holds goods already
sold and waiting for trucks, only the trucked-out share and only where freight
is blocked, and it has one writer; a firm that trucks nothing out would have
no room at all in it.

When is demand known? Production happens once a day for all firms, so the
orders must be fixed before it: they are read from `world.operating`, the firms
operating today, which the World sets from the lifecycle state, suspensions and
zone levels before it asks any mechanism for its limit (labour reads it the
same way). A customer that reopens today orders today. Orders follow whether a
customer runs, not how much it makes: a customer held to 20 % by its staff
still orders its baseline purchases, so that two firms supplying each other can
never hold each other down for good (with yesterday's output instead, any dip
of one would cap the other for the rest of the run). A customer's own low
demand therefore reaches its suppliers only through supply's orders, one level
per link, not through this limit. Two simplifications: shares of each line's
sources are the ones the network starts with (a customer that switches to its
alternative after a source fails is not counted in the alternative's orders),
and a customer orders its baseline purchases, not supply's restocking orders
above them.

This mechanism draws no random numbers and reads only the network, the firms
and the World's production arrays; nobody reads its state. Its limit comes
last in `world.LIMIT_ORDER`: when it ties with labour, an input, ramp-up, the
control cap, the outbound store or a suspension, the old cause keeps the blame
(those are what a planner's levers act on; with no demand section, nothing
moves).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.scenario.schema import DemandPoint, Scenario

if TYPE_CHECKING:
    from sim.model.world import World

DEMAND = Cause(
    "demand",
    "too few orders: park customers are shut or final demand is low, and the store of "
    "unsold goods is full",
)


class Demand(Mechanism):
    """Orders from park customers and final buyers, and each firm's store of unsold goods."""

    name = "demand"
    causes = (DEMAND,)

    @classmethod
    def causes_in(cls, cfg: Scenario) -> tuple[Cause, ...]:
        """`demand` only where the scenario has a `demand` section."""
        return cls.causes if cfg.demand is not None else ()

    def __init__(self, world: World) -> None:
        super().__init__(world)
        cfg = world.cfg.demand
        self.on = cfg is not None
        if cfg is None:
            return
        firms, net = world.firms, world.network
        n = firms.n
        park = (net.link_src < n) & (net.link_share > 0)
        self.link_seller = net.link_src[park]
        """Park firm selling on each link to a park customer."""
        self.link_buyer = net.link_firm[park]
        """Its customer."""
        self.link_take = (net.need[net.link_line] * net.link_share)[park]
        """Goods the customer buys on the link in a day at baseline."""
        self.park_sales = np.bincount(self.link_seller, weights=self.link_take, minlength=n)
        """Each firm's sales to park customers in a day at baseline (value units)."""
        self.final_sales = np.maximum(firms.baseline - self.park_sales, 0.0)
        """Each firm's sales to final buyers in a day at baseline (value units)."""
        self.code = world.cause_code(DEMAND.name)
        self.cap = cfg.stock_days * firms.baseline
        """Room of each firm's store of unsold goods (value units)."""
        self.unsold = np.zeros(n)
        """Goods made and not sold, in each firm's store."""
        self.orders = np.zeros(n)
        """Each firm's orders today (value units)."""
        entry = np.full(n, len(cfg.final), dtype=np.int64)
        for k, fd in enumerate(cfg.final):
            if not fd.sectors:
                entry[entry == len(cfg.final)] = k
        for k, fd in enumerate(cfg.final):
            if fd.sectors:
                entry[firms.in_sectors(list(fd.sectors))] = k
        self.entry = entry
        """Entry of `demand.final` giving each firm's index (the last row: none, 1)."""
        days = np.arange(world.days, dtype=float)
        self.index = np.ones((len(cfg.final) + 1, world.days))
        """Index of each entry (row) on each day (column)."""
        for k, fd in enumerate(cfg.final):
            self.index[k] = index_on(fd.index, days)

    def limit(self) -> Limit | None:
        """Orders plus the room left in the store, as a share of baseline."""
        if not self.on:
            return None
        w = self.world
        running = w.operating[self.link_buyer]
        park = np.bincount(self.link_seller, weights=self.link_take * running, minlength=w.firms.n)
        self.orders = self.final_sales * self.index[self.entry, w.day] + park
        room = np.maximum(self.cap - self.unsold, 0.0)
        return Limit((self.orders + room) / w.firms.baseline, self.code)

    def close_day(self, day: int) -> None:
        """Output beyond the orders joins the store; orders beyond it are served from it."""
        if not self.on:
            return
        w = self.world
        after = np.clip(self.unsold + w.output - self.orders, 0.0, self.cap)
        self.unsold = np.where(w.operating, after, self.unsold)

    def series(self) -> Sequence[Series]:
        if not self.on:
            return ()
        return (
            Series(
                "orders",
                "value units",
                "orders firms received (park customers operating, final buyers)",
                lambda: float(self.orders.sum()),
            ),
            Series(
                "unsold_goods",
                "value units",
                "goods made and not yet sold, in firms' stores of unsold goods",
                lambda: float(self.unsold.sum()),
            ),
        )


def index_on(points: Sequence[DemandPoint], days: np.ndarray) -> np.ndarray:
    """The index curve at each of `days`: linear between points, flat outside them, and
    where points share a day the later one from that day on."""
    at = np.array([p.day for p in points])
    value = np.array([p.value for p in points])
    k = np.searchsorted(at, days, side="right")
    lo = np.clip(k - 1, 0, len(at) - 1)
    hi = np.clip(k, 0, len(at) - 1)
    span = at[hi] - at[lo]
    frac = np.divide(days - at[lo], span, out=np.zeros_like(days), where=span > 0)
    out: np.ndarray = value[lo] + (value[hi] - value[lo]) * np.clip(frac, 0.0, 1.0)
    return out
