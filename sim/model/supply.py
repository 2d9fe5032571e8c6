"""Inputs: stock in days of cover, reorders, backlogs and shipments between producers.

Each firm's recipe lines (`network.Network`) hold a stock of one good. A line
reorders on a stock rule (reorder point and order-up-to level, in days of cover
at baseline use); its demand is split among its sources. A source ships from the
day's output (a park firm) or capacity (an external supplier once reopened,
ramping up over its `ramp_days`, and only its `park_share` of it for the park);
when short, it rations its backlog. Shipments arrive after the route's lead
time; on a controlled route they go to logistics instead (`Shipments`), and
orders that may not ship for want of a pass are reported to it
(`BlockedOrders`). A missing input is this mechanism's limit, blamed on
`input:<good>`, or on `logistics` when the goods are held by logistics.
All of it is arrays over lines and links, updated once a day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.mechanism import Cause, Limit, Mechanism, Series
from sim.model.requests import BlockedOrders, Shipments, SourcesFailed
from sim.model.state import C_LOGISTICS

if TYPE_CHECKING:
    from sim.model.world import World


def supplier_ramp(day: int, reopen: np.ndarray, ramp_days: np.ndarray) -> np.ndarray:
    """Share of their capacity external suppliers reopening at `reopen` may ship on `day`:
    min(1, k / ramp_days), k = 1 on the first day they ship (the whole day after a
    fractional reopening day); a zero ramp means full capacity at once."""
    k = day - np.ceil(reopen) + 1
    # a ramp of 1e-320 days overflows k / ramp_days to inf, which the clip makes 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = np.where(ramp_days > 0, np.clip(k / ramp_days, 0.0, 1.0), 1.0)
    share: np.ndarray = np.where(np.isfinite(f), f, 1.0)
    return share


class Supply(Mechanism):
    """Stocks, orders and shipments of every input line; external suppliers."""

    name = "supply"
    streams = ("supply",)
    takes = (SourcesFailed,)
    posts = (BlockedOrders, Shipments)
    publishes = ("stock", "in_transit", "binding_line", "blamed")
    causes = (Cause("logistics", "an input is short while its goods are held by logistics"),)
    """`input:<good>` causes follow the network's goods (`Network.input_causes`)."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        net = world.network
        sc = world.cfg
        self.net = net
        self.link_share = net.link_share.copy()
        """Share of its line's orders each link receives (changes when a source fails)."""
        self.switches: dict[int, list[int]] = {}
        """Day → links whose failed source is replaced by the line's alternative."""
        self.stock = net.need * net.stock_days
        self.in_transit = np.zeros(net.n_lines)
        world.shared.stock = self.stock
        world.shared.in_transit = self.in_transit
        self.backlog = np.zeros(net.n_links)
        """Goods ordered from each link and not yet shipped."""
        self.ring = int(net.link_lead.max()) + 1 if net.n_links else 1
        self.pipe = np.zeros((self.ring, net.n_lines))
        """Goods arriving on each day of the ring (day mod ring), per line."""
        rng = world.rng("supply")
        self.sup_reopen = np.concatenate(
            [s.reopen_day.sample(rng, 1) for s in sc.suppliers] or [np.zeros(0)]
        )
        """Day each external supplier reopens."""
        sups = sc.suppliers
        self.sup_capacity = net.sup_capacity * np.array([s.park_share for s in sups], dtype=float)
        """Goods each external supplier may ship to the park a day at full speed
        (its capacity times its park share)."""
        self.sup_ramp = np.array(
            [sc.supply.supplier_ramp_days if s.ramp_days is None else s.ramp_days for s in sups],
            dtype=float,
        )
        """Days each external supplier takes from reopening to full capacity (0: none)."""
        self.coordinated = np.zeros(len(net.supplier_ids), dtype=bool)
        self._coordinate()
        self.input0 = world.cause_code(net.input_causes[0]) if net.goods else 0
        """Cause code of the first good's `input:<good>` (the others follow in order)."""
        self.firm_line = np.full(world.firms.n, -1, dtype=np.int64)
        """Each firm's input line at its smallest factor today (recipe order on a tie)."""
        self.cost_producer = np.zeros(net.n_producers)

    # -- the hooks ----------------------------------------------------------------

    def open_day(self, day: int) -> None:
        """Customers of failed firms switch to alternatives; shipments due today arrive."""
        self._switch_sources(day)
        self._arrivals(day)

    def limit(self) -> Limit | None:
        """Each input's factor: a critical input's availability; an important input's
        `1 − shortage_cut × (1 − availability)`; a non-critical input none."""
        net = self.net
        if not net.has_lines:
            return None
        n = self.world.firms.n
        avail = np.minimum(
            np.divide(self.stock, net.need, out=np.ones_like(self.stock), where=net.need > 0), 1.0
        )
        line_f = np.where(
            net.crit == 0,
            avail,
            np.where(net.crit == 1, 1.0 - net.cut * (1.0 - avail), 1.0),
        )
        firm_min = np.ones(n)
        np.minimum.at(firm_min, net.line_firm, line_f)
        # first line (recipe order) attaining the firm's minimum
        at_min = line_f <= firm_min[net.line_firm]
        lines = np.flatnonzero(at_min)
        firms_of, first = np.unique(net.line_firm[lines], return_index=True)
        input_cause = np.full(n, -1, dtype=np.int64)
        line_of = lines[first]
        held = self.world.shared.held[line_of] > 1e-9
        input_cause[firms_of] = np.where(held, C_LOGISTICS, self.input0 + net.line_good[line_of])
        self.firm_line[:] = -1
        self.firm_line[firms_of] = line_of
        return Limit(firm_min, input_cause)

    def close_day(self, day: int) -> None:
        """Failed sources noted; today's inputs used; orders placed, goods shipped; the
        day's loss for want of inputs blamed on the producers that owe them."""
        w = self.world
        for failed in w.board.take(SourcesFailed):
            self._sources_failed(failed.firms, failed.day)
        if not self.net.has_lines:
            return
        self._consume(w.output)
        self._orders_and_shipments(day)
        self._blame()

    def series(self) -> Sequence[Series]:
        net = self.net
        return (
            Series(
                "cost_by_producer",
                "value units",
                "lost output over the run blamed on each producer's missing goods "
                "(park firms, then external suppliers)",
                lambda: self.cost_producer,
                axes=(self.world.firms.ids + net.supplier_ids,),
                daily=False,
            ),
        )

    # -- external suppliers -------------------------------------------------------

    def _coordinate(self) -> None:
        """Supply coordination shortens the remaining reopening delay of targeted suppliers."""
        co = self.world.cfg.supply.coordination
        net = self.net
        n = net.n_firms
        if not net.supplier_ids or (not co.suppliers and co.top_n == 0):
            return
        target = np.zeros(len(net.supplier_ids), dtype=bool)
        for sid in co.suppliers:
            target[net.supplier_ids.index(sid)] = True
        if co.top_n > 0 and net.n_links:
            ext = net.link_src >= n
            dep = np.bincount(
                net.link_src[ext] - n,
                weights=(net.need[net.link_line] * self.link_share)[ext],
                minlength=len(net.supplier_ids),
            )
            order = np.lexsort((np.arange(len(dep)), -dep))
            target[order[: co.top_n][dep[order[: co.top_n]] > 0]] = True
        late = target & (self.sup_reopen > co.start_day)
        self.sup_reopen[late] = co.start_day + (self.sup_reopen[late] - co.start_day) / co.speedup
        self.coordinated = target

    def supplier_open(self, d: int) -> np.ndarray:
        """External suppliers shipping today: reopened, and their zone lets them operate."""
        lv = self.world.shared.levels
        level = lv.current[self.net.sup_region]
        allowed = (lv.operate[level] != 0) | self.net.sup_whitelisted
        shipping: np.ndarray = (self.sup_reopen <= d) & allowed
        return shipping

    def supplier_capacity(self, d: int) -> np.ndarray:
        """Goods each external supplier may ship to the park today: its park share of its
        capacity while it ships, ramping up linearly after it reopens."""
        cap: np.ndarray = self.sup_capacity * self.supplier_open(d)
        if self.sup_ramp.any():
            cap = cap * supplier_ramp(d, self.sup_reopen, self.sup_ramp)
        return cap

    # -- sources that fail --------------------------------------------------------

    def _sources_failed(self, firms: np.ndarray, d: int) -> None:
        """Firms that failed stop supplying (their open orders wait unfilled); customers
        with an alternative switch to it after `finance.switch_days`."""
        net = self.net
        dead = np.isin(net.link_src, firms) & (self.link_share > 0)
        when = d + 1 + max(math.ceil(self.world.cfg.finance.switch_days - 1e-9), 0)
        for link in np.flatnonzero(dead):
            if int(net.link_line[link]) in net.alt_of_line:
                self.switches.setdefault(when, []).append(int(link))

    def _switch_sources(self, d: int) -> None:
        """Customers of failed firms start buying from their alternative source today."""
        for link in self.switches.pop(d, []):
            alt = self.net.alt_of_line[int(self.net.link_line[link])]
            if alt == link:  # the alternative itself failed: nobody left to switch to
                continue
            self.link_share[alt] += self.link_share[link]
            self.link_share[link] = 0.0
            self.backlog[alt] += self.backlog[link]  # open orders are placed anew
            self.backlog[link] = 0.0

    # -- stocks, orders and shipments ---------------------------------------------

    def _arrivals(self, d: int) -> None:
        """Shipments due today join the stock, before today's production."""
        slot = d % self.ring
        self.stock += self.pipe[slot]
        self.in_transit -= self.pipe[slot]
        self.pipe[slot] = 0.0

    def _consume(self, output: np.ndarray) -> None:
        """Inputs used by today's output leave the stock."""
        net = self.net
        use = net.per_output * output[net.line_firm]
        np.subtract(self.stock, np.minimum(use, self.stock), out=self.stock)

    def _orders_and_shipments(self, d: int) -> None:
        """Lines below their reorder point order; sources ship what they can today."""
        w = self.world
        net = self.net
        sc = w.cfg.supply
        need = net.need
        pending = np.bincount(net.link_line, weights=self.backlog, minlength=len(need))
        position = self.stock + self.in_transit + pending
        order = np.where(
            position < sc.reorder_days * need, sc.order_up_to_days * need - position, 0.0
        )
        self.backlog += order[net.link_line] * self.link_share
        due = np.where(w.shared.may_ship, self.backlog, 0.0)
        w.board.post(BlockedOrders(self.backlog - due, d))
        cap = np.concatenate([w.output, self.supplier_capacity(d)])
        if sc.backlog_rule == "priority":
            ship = self._fill_by_priority(due, cap)
        else:
            total = np.bincount(net.link_src, weights=due, minlength=net.n_producers)
            short = total > cap  # only a source short of its orders rations them
            ratio = np.ones_like(cap)
            ratio[short] = cap[short] / total[short]
            ship = due * ratio[net.link_src]
        self.backlog -= ship
        ctrl = w.shared.via_station
        direct = np.where(ctrl, 0.0, ship)
        slots = (d + net.link_lead) % self.ring
        np.add.at(self.pipe, (slots, net.link_line), direct)
        trucked = ctrl & (ship > 0)
        if trucked.any():
            w.board.post(Shipments(np.flatnonzero(trucked), ship[trucked], d))
        self.in_transit += np.bincount(net.link_line, weights=ship, minlength=len(need))

    def _fill_by_priority(self, due: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """Each source fills its customers in review-priority order until it runs out."""
        net = self.net
        cust = net.link_firm
        priority = self.world.firms.priority
        order = np.lexsort((np.arange(len(due)), cust, priority[cust], net.link_src))
        src = net.link_src[order]
        b = due[order]
        cum = np.cumsum(b)
        first = np.r_[True, src[1:] != src[:-1]]
        base = np.maximum.accumulate(np.where(first, cum - b, 0.0))
        before = cum - b - base
        got = np.clip(cap[src] - before, 0.0, b)
        ship = np.empty_like(due)
        ship[order] = got
        return ship

    # -- who is to blame ----------------------------------------------------------

    def _blame(self) -> None:
        """Share the loss of firms short of an input (not held by logistics) among the
        producers that owe the goods, by their open orders."""
        w = self.world
        net = self.net
        cause = w.cause
        is_input = (cause >= self.input0) & (cause < self.input0 + len(net.goods))
        binding = np.where(w.operating & (is_input | (cause == C_LOGISTICS)), self.firm_line, -1)
        w.shared.binding_line = binding
        w.shared.blamed = np.zeros(net.n_links)
        firms = np.flatnonzero(binding >= 0)
        if not len(firms):
            return
        lines = binding[firms]
        lost = w.firms.baseline[firms] - w.output[firms]
        own = cause[firms] != C_LOGISTICS
        if own.any():
            per_line = np.zeros(net.n_lines)
            np.add.at(per_line, lines[own], lost[own])
            weight = self.backlog + 1e-12 * self.link_share
            total = np.bincount(net.link_line, weights=weight, minlength=net.n_lines)
            share = weight / total[net.link_line]
            blamed = share * per_line[net.link_line]
            w.shared.blamed = blamed
            self.cost_producer += np.bincount(
                net.link_src, weights=blamed, minlength=net.n_producers
            )
