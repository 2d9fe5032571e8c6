"""The supply network: who buys which good from whom, as arrays built once per World.

An *input line* is one good in one firm's recipe; a *link* is one source of one
line (a park firm or an external supplier, with its lead time). Producers are
numbered park firms first (0..n-1), then external suppliers (n..). The network
is read by supply (orders, stocks), logistics (routes, their zones and corridors),
outbound and reopening (the suppliers of listed firms); nobody writes it. What changes
during a run (the share of a line bought from each source, after a source
fails) belongs to supply.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.firms import Firms
from sim.scenario.expand import Park

CRIT = {"critical": 0, "important": 1, "non_critical": 2}


class Network:
    """Input lines, their links to sources, and the external suppliers."""

    def __init__(self, park: Park, firms: Firms) -> None:
        sc = park.scenario
        n = firms.n
        self.supplier_ids = tuple(s.id for s in sc.suppliers)
        sup_idx = {s: n + k for k, s in enumerate(self.supplier_ids)}
        line_firm: list[int] = []
        good: list[int] = []
        per: list[float] = []
        crit: list[int] = []
        cut: list[float] = []
        stock_days: list[float] = []
        link_line: list[int] = []
        link_src: list[int] = []
        link_share: list[float] = []
        link_lead: list[int] = []
        goods: dict[str, int] = {}
        alt_of_line: dict[int, int] = {}
        park_lead = sc.supply.park_lead_days
        sup_lead = {s.id: s.lead_days for s in sc.suppliers}
        for i, f in enumerate(park.firms):
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
                    if src in firms.index:
                        link_src.append(firms.index[src])
                        lead = park_lead
                    else:
                        link_src.append(sup_idx[src])
                        lead = sup_lead[src]
                    link_share.append(share)
                    link_lead.append(max(1, math.ceil(lead - 1e-9)))
        self.n_firms = n
        self.goods = tuple(goods)
        """Names of the goods, in order of first appearance (`input:<good>` causes)."""
        self.alt_of_line = alt_of_line
        """Input line → its alternative source's link (share 0 until a source fails)."""
        self.line_firm = np.array(line_firm, dtype=np.int64)
        self.line_good = np.array(good, dtype=np.int64)
        self.per_output = np.array(per, dtype=float)
        """Goods used per unit of output."""
        self.crit = np.array(crit, dtype=np.int64)
        """0 critical, 1 important, 2 non-critical."""
        self.cut = np.array(cut, dtype=float)
        """Output cut per unit of shortage of an important input."""
        self.need = self.per_output * firms.baseline[self.line_firm]
        """Goods a line uses in a day at baseline output."""
        self.stock_days = np.array(stock_days, dtype=float)
        """Initial stock of each line, in days of need."""
        self.link_line = np.array(link_line, dtype=np.int64)
        self.link_src = np.array(link_src, dtype=np.int64)
        """Producer of each link: a firm number, or n + supplier number."""
        self.link_share = np.array(link_share, dtype=float)
        """Share of its line's orders each link receives at the start of a run."""
        self.link_lead = np.array(link_lead, dtype=np.int64)
        """Whole days from shipment to arrival."""
        self.link_firm = self.line_firm[self.link_line]
        """Customer (park firm) of each link."""
        self.n_lines = len(line_firm)
        self.n_links = len(link_line)
        self.has_lines = self.n_lines > 0
        self.n_producers = n + len(self.supplier_ids)
        self.sup_capacity = np.array([s.capacity for s in sc.suppliers], dtype=float)
        """Goods an external supplier ships per day once open."""
        self.sup_region = np.array(
            [firms.region_ids.index(s.region) for s in sc.suppliers], dtype=np.int64
        )
        self.sup_whitelisted = np.array([s.whitelisted for s in sc.suppliers], dtype=bool)
        self.producer_region = np.concatenate([firms.region, self.sup_region])
        """Zone of every producer (park firms, then suppliers)."""
        self.link_corridor = np.full(self.n_links, -1, dtype=np.int64)
        """Corridor each link travels along (-1: none): a link between firms of two parks
        that a corridor joins."""
        if sc.corridors and self.n_links:
            self._corridors(park, firms)

    def _corridors(self, park: Park, firms: Firms) -> None:
        """Links between firms of two parks joined by a corridor travel along it, and take
        its `lead_days` when it gives one (instead of `supply.park_lead_days`)."""
        corridors = park.scenario.corridors
        n_parks = len(firms.park_ids)
        at = {p: k for k, p in enumerate(firms.park_ids)}
        pair_keys: list[int] = []
        pair_corridor: list[int] = []
        for c, cor in enumerate(corridors):
            a, b = at[cor.between[0]], at[cor.between[1]]
            pair_keys += [a * n_parks + b, b * n_parks + a]
            pair_corridor += [c, c]
        order = np.argsort(pair_keys)
        keys = np.array(pair_keys, dtype=np.int64)[order]
        corridor_of = np.array(pair_corridor, dtype=np.int64)[order]
        links = np.flatnonzero(self.link_src < self.n_firms)
        src_park = firms.park[self.link_src[links]]
        dst_park = firms.park[self.link_firm[links]]
        cross = src_park != dst_park
        links = links[cross]
        key = src_park[cross] * n_parks + dst_park[cross]
        pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        hit = keys[pos] == key
        links = links[hit]
        along = corridor_of[pos[hit]]
        self.link_corridor[links] = along
        lead = np.array(
            [math.nan if c.lead_days is None else c.lead_days for c in corridors], dtype=float
        )[along]
        given = ~np.isnan(lead)
        days = np.maximum(1, np.ceil(lead[given] - 1e-9)).astype(np.int64)
        self.link_lead[links[given]] = days

    @property
    def input_causes(self) -> tuple[str, ...]:
        """Causes of output lost for want of each good: `input:<good>`."""
        return tuple(f"input:{g}" for g in self.goods)

    def park_suppliers_of(self, customers: np.ndarray) -> np.ndarray:
        """Park firms that supply any input of the given firms (upstream support; Jinshan,
        12 May 2022)."""
        mask = np.zeros(self.n_firms, dtype=bool)
        if not self.has_lines:
            return mask
        sel = customers[self.line_firm[self.link_line]] & (self.link_src < self.n_firms)
        mask[self.link_src[sel]] = True
        return mask

    def firm_supplier_links(self, customers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(customer, supplier) firm numbers of every link by which a park firm supplies
        one of the given firms (one pair per link; a region's reopening keeps those within
        a park, or across recognising parks)."""
        if not self.has_lines:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        cust = self.line_firm[self.link_line]
        sel = customers[cust] & (self.link_src < self.n_firms)
        return cust[sel], self.link_src[sel]
