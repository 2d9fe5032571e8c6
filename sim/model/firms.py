"""The park's firms as numpy arrays indexed by firm number: what does not change
during a run (ids, sector, zone, size, tags, headcount, priority, liaison).

Built once per World from the expanded park; every mechanism reads it, none
writes it. Firm ids are strings in files and integers inside.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.scenario.expand import Park
from sim.scenario.schema import PriorityGroup, Scenario


class Firms:
    """Static attributes of every firm."""

    def __init__(self, park: Park) -> None:
        sc = park.scenario
        firms = park.firms
        n = len(firms)
        self.n = n
        self.ids = tuple(f.id for f in firms)
        self.index = {fid: i for i, fid in enumerate(self.ids)}
        """Firm id → firm number."""
        self.sectors = tuple(sorted({f.sector for f in firms}))
        sec_idx = {s: k for k, s in enumerate(self.sectors)}
        self.sector = np.array([sec_idx[f.sector] for f in firms], dtype=np.int64)
        self.region_ids = tuple(r.id for r in sc.regions)
        """Zones and outside regions, in scenario order."""
        reg_idx = {r: k for k, r in enumerate(self.region_ids)}
        self.region = np.array([reg_idx[f.region] for f in firms], dtype=np.int64)
        self.park_ids = tuple(p.id for p in sc.parks)
        """Parks of a region, in scenario order (empty: one park made of every zone)."""
        self.n_parks = max(1, len(self.park_ids))
        """Parks, counting a scenario without `parks` as one."""
        zone_park = {z: k for k, p in enumerate(sc.parks) for z in p.zones}
        self.region_park = np.array(
            [zone_park.get(r, -1 if sc.parks else 0) for r in self.region_ids], dtype=np.int64
        )
        """Park of each zone (-1: an outside region of a region of parks)."""
        self.park = self.region_park[self.region]
        """Park of each firm (0 for all in a scenario without `parks`)."""
        self.baseline = np.array([f.baseline_output for f in firms], dtype=float)
        """Output per day before the shock (value units)."""
        self.above_scale = np.array([f.above_scale for f in firms], dtype=bool)
        self.closed_loop = np.array([f.closed_loop for f in firms], dtype=bool)
        self.initially_open = np.array([f.initially_open for f in firms], dtype=bool)
        self.staff = np.array([f.staff for f in firms], dtype=np.int64)
        """Headcount (people)."""
        self.outbound_share = np.array([f.outbound_share for f in firms])
        """Share of output that leaves the park by truck."""
        self.classes = tuple(sorted({f.firm_class for f in firms if f.firm_class is not None}))
        """Firm classes of the park's firms, sorted."""
        cls_idx = {c: k for k, c in enumerate(self.classes)}
        self.firm_class = np.array(
            [-1 if f.firm_class is None else cls_idx[f.firm_class] for f in firms], dtype=np.int64
        )
        """Index of each firm's class in `classes` (-1: a listed firm of no class)."""
        self.tags = tuple(frozenset(f.tags) for f in firms)
        self.priority = priority_keys(
            list(sc.reopening.priority),
            self.tags,
            classes=self.classes,
            firm_class=self.firm_class,
            above_scale=self.above_scale,
        )
        """Park-wide priority of each firm (lower first): reviews, passes, relief, buses."""
        self.team_pool, self.pool_teams = team_pools(sc, self.park)
        """Pool of service teams reviewing each firm (0: the region's shared
        `reopening.service_teams`; k > 0: the k-th park giving its own `service_teams`),
        and the teams of each pool. Without `parks`: one pool, every firm in it."""
        self.liaison = region_liaison(park, self)
        """Firms a service team liaises with (Jinshan, 12 May 2022: cadres each liaising
        with 3–5 key firms): their reviews, passes and returning staff come faster. In a
        region each pool's teams liaise with its own firms; with `liaison.across_parks`,
        the firms of other parks supplying a liaised firm are liaised too."""

    def with_tags(self, tags: list[str]) -> np.ndarray:
        """Firms carrying any of `tags`."""
        wanted = set(tags)
        return np.array([bool(wanted & t) for t in self.tags], dtype=bool)

    def in_classes(self, classes: list[str]) -> np.ndarray:
        """Firms of any of `classes` (names no firm of the park has select nobody)."""
        codes = [self.classes.index(c) for c in classes if c in self.classes]
        return np.isin(self.firm_class, codes)

    def in_sectors(self, sectors: list[str]) -> np.ndarray:
        """Firms in any of `sectors` (names the park does not have select nobody)."""
        return np.isin(self.sector, [self.sectors.index(s) for s in sectors if s in self.sectors])

    def in_parks(self, parks: list[str]) -> np.ndarray:
        """Firms of any of `parks` (a region's park ids)."""
        return np.isin(self.park, [self.park_ids.index(p) for p in parks if p in self.park_ids])


def priority_keys(
    order: Sequence[str | PriorityGroup],
    tags: tuple[frozenset[str], ...],
    *,
    classes: tuple[str, ...] = (),
    firm_class: np.ndarray | None = None,
    above_scale: np.ndarray | None = None,
) -> np.ndarray:
    """Review priority of each firm: index of the first entry of `order` it matches (a
    tag it carries, or a group by class and size; lower = earlier), len(order) if none."""
    n = len(tags)
    keys = np.full(n, len(order), dtype=np.int64)
    for k in range(len(order) - 1, -1, -1):  # the first matching entry is written last
        entry = order[k]
        if isinstance(entry, str):
            hit = np.array([entry in t for t in tags], dtype=bool)
        else:
            hit = np.ones(n, dtype=bool)
            if entry.firm_class is not None:
                code = classes.index(entry.firm_class) if entry.firm_class in classes else -2
                hit &= (np.full(n, -1) if firm_class is None else firm_class) == code
            if entry.above_scale is not None:
                big = np.zeros(n, dtype=bool) if above_scale is None else above_scale
                hit &= big == entry.above_scale
        keys[hit] = k
    return keys


def liaison_mask(
    slots: int,
    wanted: set[str],
    tags: tuple[frozenset[str], ...],
    baseline: np.ndarray,
    priority: np.ndarray,
    among: np.ndarray | None = None,
) -> np.ndarray:
    """Firms with a liaison: `slots` (teams × firms per team) eligible firms, by
    priority then size (only firms of `among`, if given)."""
    mask = np.zeros(len(tags), dtype=bool)
    if slots <= 0:
        return mask
    eligible = np.array([not wanted or bool(wanted & t) for t in tags], dtype=bool)
    if among is not None:
        eligible &= among
    cand = np.flatnonzero(eligible)
    order = np.lexsort((cand, -baseline[cand], priority[cand]))
    mask[cand[order[:slots]]] = True
    return mask


def team_pools(sc: Scenario, park: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Pool of service teams of each firm and the teams of each pool: pool 0 is the
    region's `reopening.service_teams`, shared by the parks that give no `service_teams`
    of their own; each park that gives some has its own pool (1, 2, … in park order)."""
    teams = [sc.reopening.service_teams]
    park_pool = []
    for p in sc.parks:
        if p.service_teams is None:
            park_pool.append(0)
        else:
            park_pool.append(len(teams))
            teams.append(p.service_teams)
    if not sc.parks:
        return np.zeros(len(park), dtype=np.int64), tuple(teams)
    return np.array(park_pool, dtype=np.int64)[park], tuple(teams)


def region_liaison(park: Park, firms: Firms) -> np.ndarray:
    """Liaised firms: each pool's teams × `firms_per_team` of its own firms (by priority,
    then size), then, with `liaison.across_parks`, the firms of other parks that supply
    a liaised firm (Sichuan, 9 May 2022: teams pushed upstream firms elsewhere to
    reopen). Without `parks`: one pool, exactly `liaison_mask`."""
    sc = park.scenario
    li = sc.reopening.liaison
    args = (set(li.tags), firms.tags, firms.baseline, firms.priority)
    if not sc.parks:
        return liaison_mask(sc.reopening.service_teams * li.firms_per_team, *args)
    mask = np.zeros(firms.n, dtype=bool)
    for k, teams in enumerate(firms.pool_teams):
        mask |= liaison_mask(teams * li.firms_per_team, *args, among=firms.team_pool == k)
    if li.across_parks:
        liaised = mask.copy()
        for i, f in enumerate(park.firms):
            if not liaised[i]:
                continue
            for inp in f.inputs:
                for src in inp.sources:
                    j = firms.index.get(src)
                    if j is not None and firms.park[j] != firms.park[i]:
                        mask[j] = True
    return mask
