"""What mechanisms publish for each other to read: one owner writes each array.

Readers look a field up at the moment they need it (`world.shared.on_post`) and
keep no reference across days: an owner may replace its array. Until its owner
writes it, a field holds the neutral value given here (nothing allowed to halt a
firm, nothing held by logistics), so a world may run without some mechanisms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.firms import Firms
from sim.model.network import Network


@dataclass
class Levels:
    """Control levels by zone (Kunshan, undated: zoned, graded, differentiated control).

    Tables are indexed by level (in `names` order); `current` gives each zone's
    level today and `firm` each firm's (its zone's), both set by controls when a
    day opens and unchanged until the next."""

    names: tuple[str, ...]
    operate: np.ndarray
    """Who may operate: 0 white-listed firms only, 1 firms that apply, 2 all."""
    closed_loop_only: np.ndarray
    commuting: np.ndarray
    review: np.ndarray
    """Whether reopening needs an on-site review."""
    cap: np.ndarray
    """Output ceiling (share of baseline)."""
    freight_pass: np.ndarray
    """Whether freight crossing the zone's boundary needs a pass."""
    rank: np.ndarray
    current: np.ndarray
    firm: np.ndarray


def open_levels(n_firms: int, n_regions: int) -> Levels:
    """One level, `normal`, everywhere: everything allowed, nothing capped."""
    one = np.ones(1, dtype=bool)
    return Levels(
        names=("normal",),
        operate=np.array([2]),
        closed_loop_only=~one,
        commuting=one,
        review=~one,
        cap=np.ones(1),
        freight_pass=~one,
        rank=np.zeros(1, dtype=np.int64),
        current=np.zeros(n_regions, dtype=np.int64),
        firm=np.zeros(n_firms, dtype=np.int64),
    )


class Shared:
    """Published arrays, each with its one writer (named in its owner's `publishes`)."""

    def __init__(self, firms: Firms, network: Network) -> None:
        n = firms.n
        self.levels = open_levels(n, len(firms.region_ids))
        """controls: each zone's and each firm's control level today."""
        self.whitelisted = np.zeros(n, dtype=bool)
        """reopening: firms named by a white-list batch released so far."""
        self.allowed = np.ones(n, dtype=bool)
        """reopening: firms whose zone level (or white list) lets them operate today
        once reopened."""
        self.release_ids: tuple[str, ...] = ()
        """reopening: the white-list batches (their `id`, or `whitelists[k]` for one
        without) and then the approval rules (their `id`), in scenario order: the names
        `released_by` indexes."""
        self.released_by = np.full(n, -1, dtype=np.int64)
        """reopening: index in `release_ids` of the batch or approval rule that released
        each firm, i.e. the first to list it while it had not yet started reopening (-1:
        none; it started, if at all, because its zone's level let it)."""
        self.continuing = np.zeros(n, dtype=bool)
        """continuity: firms that may keep running at part of their output today although
        their zone's level halts them (a continuous-process plant, a sealed loop)."""
        self.partial = np.zeros(n, dtype=bool)
        """outbreaks: suspended firms that keep part of their output (closed loop)."""
        self.last_case = np.full(n, -np.inf)
        """outbreaks: day of each firm's last case (-inf: none)."""
        self.on_post = np.zeros(n, dtype=np.int64)
        """workforce: staff on post today (set when production asks for labour)."""
        self.stock = np.zeros(network.n_lines)
        """supply: goods in stock per input line. Explicitly shared: logistics adds the
        goods its trucks deliver (in place, in the order they arrive)."""
        self.in_transit = np.zeros(network.n_lines)
        """supply: goods shipped and not yet in stock, per input line. Explicitly
        shared: logistics removes what it delivers."""
        self.binding_line = np.full(n, -1, dtype=np.int64)
        """supply: the input line whose shortage cost each firm output today (-1: none)."""
        self.blamed = np.zeros(network.n_links)
        """supply: output its customer lost today blamed on each link's producer (value
        units; what `cost_by_producer` adds up by producer). Read by the recorder to split
        that cost by the customer's and the producer's parks."""
        self.held = np.zeros(network.n_lines)
        """logistics: goods per input line held by logistics when production runs (no
        pass yet, waiting for a station to open, or in a station)."""
        self.may_ship = np.ones(network.n_links, dtype=bool)
        """logistics: links that may ship today (uncontrolled, or holding a pass)."""
        self.via_station = np.zeros(network.n_links, dtype=bool)
        """logistics: links whose shipments today go as truck trips through a station."""
        self.out_pass = np.zeros(n, dtype=bool)
        """logistics: firms holding a pass for their outbound trucks."""


def clean_days(last_case: np.ndarray, day: int) -> np.ndarray:
    """Days since each firm's last case (`Shared.last_case`; large if none)."""
    days: np.ndarray = np.minimum(day - last_case, 1e9)
    return days
