"""The daily production rule and the cause of every unit of lost output.

An operating firm produces `baseline × min(every mechanism's limit)`: labour
share, each input's factor, ramp factor, control cap, room in the finished-goods
store, a suspended closed-loop firm's share (and whatever limits a new mechanism
adds). The smallest factor binds and its cause takes the whole day's loss of that
firm; on a tie the limit first in `world.LIMIT_ORDER` keeps it (labour, inputs in
recipe order, ramp-up, control cap, finished-goods store, suspension, continuity's
share). A firm that is not operating loses everything, to the cause of its state
(`state.STATE_CAUSE`), or to `not_allowed` when it is open but its zone's level
halts it. An open firm its zone's level halts still operates when continuity keeps
it running (`shared.continuing`); continuity's limit then caps it at its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.state import C_NOT_ALLOWED, STATE_CAUSE, FirmState

if TYPE_CHECKING:
    from sim.model.mechanism import Mechanism
    from sim.model.world import World

_OPEN, _SUSPENDED = int(FirmState.OPEN), int(FirmState.SUSPENDED)


def produce(world: World, limiters: Sequence[Mechanism]) -> None:
    """Today's output, operating firms and cause of loss of every firm, onto the World.

    `limiters` are asked for their limit in tie order, after the firms operating
    today are known (`world.operating`), so a limit may depend on them (labour)."""
    w = world
    state = w.state
    open_ = state == _OPEN
    suspended_partial = (state == _SUSPENDED) & w.shared.partial
    running = open_ | suspended_partial
    allowed = w.shared.allowed
    operating = running & (allowed | w.shared.continuing)
    w.operating = operating

    cause = STATE_CAUSE[state].astype(np.int64)
    cause[running & ~allowed] = C_NOT_ALLOWED

    factor = np.ones(w.firms.n)
    bind = np.zeros(w.firms.n, dtype=np.int64)  # where nothing binds, nothing is lost
    for mechanism in limiters:
        lim = mechanism.limit()
        if lim is None:
            continue
        tighter = lim.factor < factor
        factor = np.where(tighter, lim.factor, factor)
        bind = np.where(tighter, lim.cause, bind)

    w.output = np.where(operating, w.firms.baseline * factor, 0.0)
    w.cause = np.where(operating, bind, cause)
