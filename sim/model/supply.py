"""Inputs: stock in days of cover, reorders, backlogs and shipments between producers.

Each firm's recipe lines hold a stock of one good. A line reorders on a stock
rule (reorder point and order-up-to level, in days of cover at baseline use);
its demand is split equally among its sources. A source ships from the day's
output (a park firm) or capacity (an external supplier once reopened); when
short, it rations its backlog in proportion. Shipments arrive after the
route's lead time. All of it is arrays over lines and links, updated once a day.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.world import World

CRIT = {"critical": 0, "important": 1, "non_critical": 2}


class Goods:
    """Stocks, orders and shipments of every input line."""

    def __init__(self, world: World) -> None:
        self.world = world
        sc = world.cfg
        n = world.n
        self.supplier_ids = tuple(s.id for s in sc.suppliers)
        sup_idx = {s: n + k for k, s in enumerate(self.supplier_ids)}
        line_firm, good, per, crit, cut, stock_days = [], [], [], [], [], []
        link_line, link_src, link_share, link_lead = [], [], [], []
        goods: dict[str, int] = {}
        alt_of_line: dict[int, int] = {}
        park_lead = sc.supply.park_lead_days
        sup_lead = {s.id: s.lead_days for s in sc.suppliers}
        for i, f in enumerate(world.park.firms):
            for inp in f.inputs:
                line = len(line_firm)
                line_firm.append(i)
                good.append(goods.setdefault(inp.good, len(goods)))
                per.append(inp.per_output)
                crit.append(CRIT[inp.criticality])
                cut.append(inp.shortage_cut)
                stock_days.append(
                    sc.supply.stock_days if inp.stock_days is None else inp.stock_days
                )
                sources = list(inp.sources)
                shares = [1.0 / len(sources)] * len(sources)
                if inp.alternative is not None and inp.alternative not in sources:
                    sources.append(inp.alternative)
                    shares.append(0.0)
                    alt_of_line[line] = len(link_line) + len(sources) - 1
                for src, share in zip(sources, shares, strict=True):
                    link_line.append(line)
                    if src in world.index:
                        link_src.append(world.index[src])
                        lead = park_lead
                    else:
                        link_src.append(sup_idx[src])
                        lead = sup_lead[src]
                    link_share.append(share)
                    link_lead.append(max(1, math.ceil(lead - 1e-9)))
        self.goods = tuple(goods)
        self.alt_of_line = alt_of_line
        """Input line → its alternative source's link (share 0 until a source fails)."""
        self.switches: dict[int, list[int]] = {}
        """Day → links whose failed source is replaced by the line's alternative."""
        self.line_firm = np.array(line_firm, dtype=np.int64)
        self.line_good = np.array(good, dtype=np.int64)
        self.per_output = np.array(per, dtype=float)
        self.crit = np.array(crit, dtype=np.int64)
        self.cut = np.array(cut, dtype=float)
        self.need = self.per_output * world.baseline[self.line_firm]
        self.stock = self.need * np.array(stock_days, dtype=float)
        self.link_line = np.array(link_line, dtype=np.int64)
        self.link_src = np.array(link_src, dtype=np.int64)
        self.link_share = np.array(link_share, dtype=float)
        self.link_lead = np.array(link_lead, dtype=np.int64)
        self.backlog = np.zeros(len(link_line))
        self.ring = int(self.link_lead.max()) + 1 if len(link_line) else 1
        self.pipe = np.zeros((self.ring, len(line_firm)))
        self.in_transit = np.zeros(len(line_firm))
        n_sup = len(self.supplier_ids)
        self.sup_capacity = np.array([s.capacity for s in sc.suppliers], dtype=float)
        rng = world.rng["supply"]
        self.sup_reopen = np.concatenate(
            [s.reopen_day.sample(rng, 1) for s in sc.suppliers] or [np.zeros(0)]
        )
        self.coordinated = np.zeros(n_sup, dtype=bool)
        self._coordinate(rng)
        sup_region = [world.region_ids.index(s.region) for s in sc.suppliers]
        self.sup_region = np.array(sup_region, dtype=np.int64)
        self.sup_whitelisted = np.array([s.whitelisted for s in sc.suppliers], dtype=bool)
        self.n_producers = n + n_sup
        self.n_lines = len(line_firm)
        self.link_firm = self.line_firm[self.link_line]
        self.outbound_share = np.array([f.outbound_share for f in world.park.firms])
        self.finished = np.zeros(n)
        self.finished_cap = sc.supply.finished_stock_days * world.baseline * self.outbound_share
        self.has_lines = len(line_firm) > 0
        starts = np.searchsorted(self.line_firm, np.arange(n))
        self.firm_has_lines = np.bincount(self.line_firm, minlength=n) > 0
        self.firm_first_line = np.minimum(starts, max(len(line_firm) - 1, 0))

    def _coordinate(self, rng: np.random.Generator) -> None:
        """Supply coordination shortens the remaining reopening delay of targeted suppliers."""
        co = self.world.cfg.supply.coordination
        n = self.world.n
        if not self.supplier_ids or (not co.suppliers and co.top_n == 0):
            return
        target = np.zeros(len(self.supplier_ids), dtype=bool)
        for sid in co.suppliers:
            target[self.supplier_ids.index(sid)] = True
        if co.top_n > 0 and len(self.link_src):
            ext = self.link_src >= n
            dep = np.bincount(
                self.link_src[ext] - n,
                weights=(self.need[self.link_line] * self.link_share)[ext],
                minlength=len(self.supplier_ids),
            )
            order = np.lexsort((np.arange(len(dep)), -dep))
            target[order[: co.top_n][dep[order[: co.top_n]] > 0]] = True
        late = target & (self.sup_reopen > co.start_day)
        self.sup_reopen[late] = co.start_day + (self.sup_reopen[late] - co.start_day) / co.speedup
        self.coordinated = target

    def supplier_open(self, d: int) -> np.ndarray:
        """External suppliers shipping today: reopened, and their zone lets them operate."""
        lv = self.world.levels
        level = lv.current[self.sup_region]
        allowed = (lv.operate[level] != 0) | self.sup_whitelisted
        return (self.sup_reopen <= d) & allowed

    def sources_failed(self, firms: np.ndarray, d: int) -> None:
        """Firms that failed stop supplying (their open orders wait unfilled); customers
        with an alternative switch to it after `finance.switch_days`."""
        dead = np.isin(self.link_src, firms) & (self.link_share > 0)
        when = d + 1 + max(math.ceil(self.world.cfg.finance.switch_days - 1e-9), 0)
        for link in np.flatnonzero(dead):
            if int(self.link_line[link]) in self.alt_of_line:
                self.switches.setdefault(when, []).append(int(link))

    def switch_sources(self, d: int) -> None:
        """Customers of failed firms start buying from their alternative source today."""
        for link in self.switches.pop(d, []):
            alt = self.alt_of_line[int(self.link_line[link])]
            if alt == link:  # the alternative itself failed: nobody left to switch to
                continue
            self.link_share[alt] += self.link_share[link]
            self.link_share[link] = 0.0
            self.backlog[alt] += self.backlog[link]  # open orders are placed anew
            self.backlog[link] = 0.0

    def ship_out(self) -> None:
        """Finished goods leave by truck where outbound freight is not blocked."""
        if not self.finished_cap.any():
            return
        allowed = self.world.logistics.outbound_allowed()
        self.finished[allowed] = 0.0

    def output_room(self) -> np.ndarray:
        """Output factor left by the finished-goods store (1 where it is not binding)."""
        w = self.world
        vol = w.baseline * self.outbound_share
        room = np.divide(self.finished_cap - self.finished, vol, out=np.ones(w.n), where=vol > 0)
        return np.clip(room, 0.0, 1.0)

    def store_output(self, output: np.ndarray) -> None:
        """The day's outbound output enters the finished-goods store."""
        self.finished += output * self.outbound_share

    def park_suppliers_of(self, customers: np.ndarray) -> np.ndarray:
        """Park firms that supply any input of the given firms (seed 002: upstream support)."""
        mask = np.zeros(self.world.n, dtype=bool)
        if not self.has_lines:
            return mask
        sel = customers[self.line_firm[self.link_line]] & (self.link_src < self.world.n)
        mask[self.link_src[sel]] = True
        return mask

    def arrivals(self, d: int) -> None:
        """Shipments due today join the stock, before today's production."""
        slot = d % self.ring
        self.stock += self.pipe[slot]
        self.in_transit -= self.pipe[slot]
        self.pipe[slot] = 0.0

    def availability(self) -> np.ndarray:
        """Each line's stock as a share of a full day's need (capped at 1)."""
        return np.minimum(
            np.divide(self.stock, self.need, out=np.ones_like(self.stock), where=self.need > 0), 1.0
        )

    def consume(self, output: np.ndarray) -> None:
        """Inputs used by today's output leave the stock."""
        use = self.per_output * output[self.line_firm]
        np.subtract(self.stock, np.minimum(use, self.stock), out=self.stock)

    def orders_and_shipments(self, d: int) -> None:
        """Lines below their reorder point order; sources ship what they can today."""
        w = self.world
        if not self.has_lines:
            w.logistics.dispatch(d, np.zeros(0, dtype=np.int64), np.zeros(0))
            return
        sc = w.cfg.supply
        pending = np.bincount(self.link_line, weights=self.backlog, minlength=len(self.need))
        position = self.stock + self.in_transit + pending
        order = np.where(
            position < sc.reorder_days * self.need, sc.order_up_to_days * self.need - position, 0.0
        )
        self.backlog += order[self.link_line] * self.link_share
        logi = w.logistics
        may = logi.shippable()
        due = np.where(may, self.backlog, 0.0)
        logi.note_blocked(d, self.backlog - due)
        cap = np.concatenate([w.output, self.sup_capacity * self.supplier_open(d)])
        if sc.backlog_rule == "priority":
            ship = self._fill_by_priority(due, cap)
        else:
            total = np.bincount(self.link_src, weights=due, minlength=self.n_producers)
            short = total > cap  # only a source short of its orders rations them
            ratio = np.ones_like(cap)
            ratio[short] = cap[short] / total[short]
            ship = due * ratio[self.link_src]
        self.backlog -= ship
        ctrl = logi.controlled() & logi.via_stations
        direct = np.where(ctrl, 0.0, ship)
        slots = (d + self.link_lead) % self.ring
        np.add.at(self.pipe, (slots, self.link_line), direct)
        logi.dispatch(d, np.flatnonzero(ctrl & (ship > 0)), ship[ctrl & (ship > 0)])
        self.in_transit += np.bincount(self.link_line, weights=ship, minlength=len(self.need))

    def _fill_by_priority(self, due: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """Each source fills its customers in review-priority order until it runs out."""
        w = self.world
        cust = self.link_firm
        order = np.lexsort((np.arange(len(due)), cust, w.priority[cust], self.link_src))
        src = self.link_src[order]
        b = due[order]
        cum = np.cumsum(b)
        first = np.r_[True, src[1:] != src[:-1]]
        base = np.maximum.accumulate(np.where(first, cum - b, 0.0))
        before = cum - b - base
        got = np.clip(cap[src] - before, 0.0, b)
        ship = np.empty_like(due)
        ship[order] = got
        return ship
