"""The daily production rule and the cause of every unit of lost output.

An operating firm produces `baseline × min(labour share, each input's factor,
ramp factor, control cap)`. A critical input's factor is its availability; an
important input's is `1 − shortage_cut × (1 − availability)`; a non-critical
input has none. The smallest factor binds and its cause takes the whole day's
loss of that firm (ties go to the first in the order labour, inputs in recipe
order, ramp-up, control cap, finished-goods store). A short input whose goods
are held by logistics (no pass yet, or in a transfer station) is blamed on
`logistics`, otherwise on `input:<good>`. A firm trucking output out stops
when its finished-goods store is full (`output_full`). A firm that is not
operating loses everything, to the cause of its state (`state.STATE_CAUSE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.state import (
    C_CAP,
    C_INPUT0,
    C_LABOUR,
    C_LOGISTICS,
    C_NOT_ALLOWED,
    C_OUTPUT_FULL,
    C_RAMP,
    C_SUSPENDED,
    STATE_CAUSE,
    FirmState,
)

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass
class DayResult:
    """What production decided for each firm today."""

    output: np.ndarray
    cause: np.ndarray
    """Cause index of each firm's lost output (meaningful where output < baseline)."""
    operating: np.ndarray
    labour: np.ndarray
    bind_line: np.ndarray
    """Input line whose shortage bound each firm's output (-1: none)."""


def ramp_factor(
    day: int, reopened_at: np.ndarray, ramp_days: np.ndarray, shape: float
) -> np.ndarray:
    """Output cap on `day` of firms reopened at `reopened_at`: min(1, (k/ramp)^shape).

    k = 1 on the day of reopening, 2 the next day, ...; a zero ramp means full speed.
    """
    k = day - np.floor(reopened_at) + 1
    # a ramp of 1e-320 days overflows k / ramp_days to inf, which the clip makes 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = np.where(ramp_days > 0, np.clip(k / ramp_days, 0.0, 1.0) ** shape, 1.0)
    return np.where(np.isfinite(f), f, 1.0)


def produce(world: World) -> DayResult:
    """Output and binding cause of every firm for the day being closed."""
    w = world
    d = w.day
    n = w.n
    open_ = w.state == FirmState.OPEN
    suspended_partial = (w.state == FirmState.SUSPENDED) & w.cases.partial
    allowed = w.may_operate()
    operating = (open_ | suspended_partial) & allowed
    w.operating = operating
    labour = w.staff.post(operating, w.cases.clean_days(d))

    cause = STATE_CAUSE[w.state].astype(np.int64)
    cause[(open_ | suspended_partial) & ~allowed] = C_NOT_ALLOWED

    factor = labour.copy()
    bind = np.full(n, C_LABOUR, dtype=np.int64)
    bind_line = np.full(n, -1, dtype=np.int64)
    goods = w.goods
    if goods.has_lines:
        avail = goods.availability()
        line_f = np.where(
            goods.crit == 0,
            avail,
            np.where(goods.crit == 1, 1.0 - goods.cut * (1.0 - avail), 1.0),
        )
        firm_min = np.ones(n)
        np.minimum.at(firm_min, goods.line_firm, line_f)
        # first line (recipe order) attaining the firm's minimum
        at_min = line_f <= firm_min[goods.line_firm]
        lines = np.flatnonzero(at_min)
        firms_of, first = np.unique(goods.line_firm[lines], return_index=True)
        input_cause = np.full(n, -1, dtype=np.int64)
        line_of = lines[first]
        held = w.logistics.held_by_line()[line_of] > 1e-9
        input_cause[firms_of] = np.where(held, C_LOGISTICS, C_INPUT0 + goods.line_good[line_of])
        tighter = firm_min < factor
        factor = np.where(tighter, firm_min, factor)
        bind = np.where(tighter & (input_cause >= 0), input_cause, bind)
        bind_line[firms_of] = line_of
        bind_line[~tighter] = -1
    ramp = ramp_factor(d, w.reopened_at, w.ramp_days, w.cfg.reopening.ramp_shape)
    tighter = ramp < factor
    factor = np.where(tighter, ramp, factor)
    bind = np.where(tighter, C_RAMP, bind)
    cap = w.levels.cap[w.firm_level()]
    tighter = cap < factor
    factor = np.where(tighter, cap, factor)
    bind = np.where(tighter, C_CAP, bind)
    room = goods.output_room()
    tighter = room < factor
    factor = np.where(tighter, room, factor)
    bind = np.where(tighter, C_OUTPUT_FULL, bind)
    if suspended_partial.any():
        share = w.cfg.outbreaks.suspended_output_share
        tighter = suspended_partial & (share < factor)
        factor = np.where(tighter, share, factor)
        bind = np.where(tighter, C_SUSPENDED, bind)

    output = np.where(operating, w.baseline * factor, 0.0)
    cause = np.where(operating, bind, cause)
    bind_line = np.where(operating & ((cause >= C_INPUT0) | (cause == C_LOGISTICS)), bind_line, -1)
    w.output = output
    if goods.has_lines:
        goods.consume(output)
    goods.store_output(output)
    return DayResult(
        output=output, cause=cause, operating=operating, labour=labour, bind_line=bind_line
    )
