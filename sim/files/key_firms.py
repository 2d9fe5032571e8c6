"""`key_firms.csv`: where the key firms lost their days — each key firm's path through
reopening, per replication, as stretches of days in one phase:
`replication,firm,name,sector,phase,cause,from_day,to_day,lost_days`.

The phases follow the firm's state at the end of each day: `closed` (not yet allowed:
waiting for the white list or the zone's level), `preparing`, `queued` (waiting for a
service team), `reviewing`, `rectifying`, `suspended` (after a positive case),
`failed`; an open firm is `ramping` (reopened, not yet at full speed), `limited`
(held below its baseline by another cause, named in `cause`: labour, an input,
logistics, the zone's level …) or `full`. `from_day` and `to_day` are the first and
last day of the stretch; `lost_days` is the output the firm lost in it, in days of its
own baseline output. The key firms are the scenario's `reporting.key_firms`, or up to
12 chosen by `sim.record.key_firm_numbers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.files.cells import float_column, int_column, number, read_columns, text
from sim.model.state import FirmState
from sim.record import Trace
from sim.scenario.expand import Park

FILE = "key_firms.csv"
COLUMNS = (
    "replication",
    "firm",
    "name",
    "sector",
    "phase",
    "cause",
    "from_day",
    "to_day",
    "lost_days",
)
SERIES = ("key_firm_state", "key_firm_cause", "key_firm_output")
"""The declared series this file holds."""

RAMPING, LIMITED, FULL = "ramping", "limited", "full"
PHASES = (
    "closed",
    "preparing",
    "queued",
    "reviewing",
    "rectifying",
    RAMPING,
    LIMITED,
    FULL,
    "suspended",
    "failed",
)
"""Every phase, in the order a firm usually goes through them."""
FULL_SHARE = 1 - 1e-9
"""Output share from which an open firm counts as at full speed."""


def phases(trace: Trace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(phase index into `PHASES`, cause name index into `trace.causes` or -1, lost share)
    of every key firm on every day, each (days, key firms)."""
    state = trace.series["key_firm_state"].values
    cause = trace.series["key_firm_cause"].values
    share = trace.series["key_firm_output"].values
    by_state = np.array(
        [PHASES.index(s.name.lower() if s != FirmState.OPEN else FULL) for s in FirmState]
    )
    phase = by_state[state]
    is_open = state == int(FirmState.OPEN)
    ramp = trace.causes.index("ramp_up") if "ramp_up" in trace.causes else -1
    full = share >= FULL_SHARE
    phase = np.where(is_open & full, PHASES.index(FULL), phase)
    phase = np.where(is_open & ~full & (cause == ramp), PHASES.index(RAMPING), phase)
    limited = is_open & ~full & (cause != ramp)
    phase = np.where(limited, PHASES.index(LIMITED), phase)
    shown_cause = np.where(limited, cause, -1)
    return phase, shown_cause, 1.0 - share


def rows(traces: Sequence[Trace], park: Park) -> list[str]:
    """The lines of the file, header first: per replication, per key firm (in the order
    they are shown), its stretches in day order."""
    out = [",".join(COLUMNS)]
    about = {f.id: f for f in park.firms}
    for t in traces:
        phase, cause, lost = phases(t)
        for k, fid in enumerate(t.key_firms):
            firm = about[fid]
            head = f"{t.replication},{text(fid)},{text(firm.name or '')},{text(firm.sector)}"
            start = 0
            for d in range(1, t.days + 1):
                if d < t.days and (phase[d, k], cause[d, k]) == (phase[start, k], cause[start, k]):
                    continue
                why = t.causes[cause[start, k]] if cause[start, k] >= 0 else ""
                out.append(
                    f"{head},{PHASES[phase[start, k]]},{text(why)},{start},{d - 1},"
                    f"{number(float(lost[start:d, k].sum()))}"
                )
                start = d
    return out


@dataclass(frozen=True)
class Stretch:
    """Days a key firm spent in one phase (one row of the file)."""

    replication: int
    firm: str
    name: str
    sector: str
    phase: str
    cause: str
    from_day: int
    to_day: int
    lost_days: float

    @property
    def label(self) -> str:
        """The firm as a chart names it: its name and id, or its id."""
        return f"{self.name} ({self.firm})" if self.name else self.firm


def read(path: Path) -> list[Stretch]:
    """Read the file, in file order; [] if header only."""
    path = Path(path)
    cols = read_columns(path, COLUMNS)
    rep = int_column(path, cols["replication"], "replication")
    lo = int_column(path, cols["from_day"], "from_day")
    hi = int_column(path, cols["to_day"], "to_day")
    lost = float_column(path, cols["lost_days"], "lost_days")
    return [
        Stretch(
            int(rep[i]),
            cols["firm"][i],
            cols["name"][i],
            cols["sector"][i],
            cols["phase"][i],
            cols["cause"][i],
            int(lo[i]),
            int(hi[i]),
            float(lost[i]),
        )
        for i in range(len(rep))
    ]
