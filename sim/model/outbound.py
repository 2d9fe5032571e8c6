"""The finished-goods store: output that leaves the park by truck.

A firm's outbound share of each day's output waits in its finished-goods store
until its trucks may leave. Where the firm's zone controls freight, its trucks
need an outbound pass: it asks logistics for one (`OutboundPass`) and ships
once it holds it. A full store stops production: this mechanism's limit
(`output_full`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.mechanism import Cause, Limit, Mechanism
from sim.model.requests import OutboundPass
from sim.model.state import C_OUTPUT_FULL

if TYPE_CHECKING:
    from sim.model.world import World


class Outbound(Mechanism):
    """Each firm's store of finished goods waiting for trucks."""

    name = "outbound"
    posts = (OutboundPass,)
    causes = (Cause("output_full", "the finished-goods store is full: trucks are blocked"),)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        firms = world.firms
        self.outbound_share = firms.outbound_share
        self.volume = firms.baseline * firms.outbound_share
        """Goods a firm sends out in a day at baseline output."""
        self.finished = np.zeros(firms.n)
        self.finished_cap = (
            world.cfg.supply.finished_stock_days * firms.baseline * self.outbound_share
        )
        self.asked = np.zeros(firms.n, dtype=bool)
        """Firms that have asked logistics for an outbound pass."""

    def open_day(self, day: int) -> None:
        """Finished goods leave by truck where outbound freight is not blocked; blocked
        firms with goods waiting ask for a pass."""
        if not self.finished_cap.any():
            return
        w = self.world
        lv = w.shared.levels
        blocked = lv.freight_pass[lv.firm] & ~w.shared.out_pass
        asking = blocked & (self.finished > 0) & ~self.asked
        if asking.any():
            self.asked |= asking
            w.board.post(OutboundPass(np.flatnonzero(asking), day))
        self.finished[~blocked] = 0.0

    def limit(self) -> Limit:
        """Output factor left by the finished-goods store (1 where it is not binding)."""
        vol = self.volume
        room = np.divide(
            self.finished_cap - self.finished, vol, out=np.ones_like(vol), where=vol > 0
        )
        return Limit(np.clip(room, 0.0, 1.0), C_OUTPUT_FULL)

    def close_day(self, day: int) -> None:
        """The day's outbound output enters the store."""
        self.finished += self.world.output * self.outbound_share
