"""The simulated park: one clock, the firms' shared arrays, a board of requests and
one ordered tuple of mechanisms.

`run(park, replication)` builds a World from a validated Park and runs it,
returning a Trace. Discrete events (applications, reviews, rectification, truck
trips) are SimPy events of the mechanisms that own them; the daily accounting is
one step over arrays of all firms, in which each mechanism's hooks are called in
the order of `MECHANISMS`.

Order of events (fixed, never dependent on process registration order). Day d
covers simulated time [d, d+1). At the instant d+1, before any other event of
that instant (the day ticks are scheduled first), the driver closes day d and opens day
d+1; hooks of one phase run in `MECHANISMS` order:

1. settle day d: goods that trucks delivered during the day join the stocks
   (logistics);
2. production: every mechanism's limit, in `LIMIT_ORDER` (`production.produce`);
3. close day d: credit lines approved during the day are paid, then cash,
   relief and failures (finance) → credit applications join the review queue
   (reopening) → cases, suspensions (outbreaks) → inputs used, orders,
   shipments (supply) → passes asked for, trucks sent off (logistics) →
   finished goods stored (outbound) → contacts isolated (workforce) → unsold
   goods stored (demand);
4. record day d: every declared series (`sim.record`);
5. open day d+1: control levels, with raises asked for at the close (controls) →
   firms kept running under levels that halt them, and closed ones among them
   opened (continuity) → white-list releases, rule-based approvals and gates:
   firms allowed to start reopening (reopening)
   → suspensions ended (outbreaks) → customers of failed firms switch to
   alternatives, shipments due arrive (supply) → freight passes, station
   admissions (logistics) → finished goods trucked out (outbound) → migrant
   arrivals, quarantine and isolation ends (workforce).

Events during the day (a review finishing at t=3.4) change state for the day
they fall in; an event at exactly t=d+1 belongs to day d+1. Hence a firm whose
review ends at t=1.0 is open from day 1.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from typing import Any, TypeVar

import numpy as np
import simpy

from sim.model.clock import Clock
from sim.model.continuity import Continuity
from sim.model.controls import Controls
from sim.model.demand import Demand
from sim.model.finance import Finance
from sim.model.firms import Firms
from sim.model.logistics import Logistics
from sim.model.mechanism import Board, Mechanism, Request, overrides
from sim.model.network import Network
from sim.model.outbound import Outbound
from sim.model.outbreaks import Outbreaks
from sim.model.production import produce
from sim.model.reopening import Reopening
from sim.model.shared import Shared
from sim.model.state import BASE_CAUSES, CAUSE_DOCS, FirmState
from sim.model.streams import stream
from sim.model.supply import Supply
from sim.model.workforce import Workforce
from sim.record import Recorder, Trace
from sim.runtime import collector_paused
from sim.scenario.expand import Park
from sim.scenario.schema import Scenario

MECHANISMS: tuple[type[Mechanism], ...] = (
    Controls,
    Continuity,
    Finance,
    Reopening,
    Outbreaks,
    Supply,
    Logistics,
    Outbound,
    Workforce,
    Demand,
)
"""The mechanisms of the park, in the order their hooks are called each day (see the
module docstring). Controls first, so every other mechanism opens a day under its
levels; continuity next, so firms it keeps running are open before reopening's gates
look for closed firms to start; finance closes before reopening, whose recorded queue
includes the credit applications of that close; supply closes before logistics, which
sends off the shipments supply posted; workforce closes after outbreaks asked it to
isolate; demand, which only stores the day's unsold goods, closes last."""

LIMIT_ORDER: tuple[str, ...] = (
    "workforce",
    "supply",
    "reopening",
    "controls",
    "outbound",
    "outbreaks",
    "continuity",
    "demand",
)
"""Who keeps the blame when two limits are equally tight: the first listed (labour,
inputs, ramp-up, control cap, finished-goods store, suspension, the share continuity
keeps running, demand). Demand is last, so that a tie keeps the blame these had
before it existed. A mechanism with a limit that is not listed comes after these, in
tuple order."""

M = TypeVar("M", bound=Mechanism)


class Causes:
    """Causes of lost output in reporting order: `state.BASE_CAUSES`, the network's
    `input:<good>`, then any other cause a mechanism declares for the scenario
    (`Mechanism.causes_in`), in tuple order."""

    def __init__(
        self, network: Network, mechanisms: Sequence[type[Mechanism]], cfg: Scenario
    ) -> None:
        names = list(BASE_CAUSES) + list(network.input_causes)
        owner = dict.fromkeys(names, "state")
        doc = dict(CAUSE_DOCS)
        for name, good in zip(network.input_causes, network.goods, strict=True):
            owner[name] = "supply"
            doc[name] = f"too little {good} in stock: its suppliers have not shipped"
        for m in mechanisms:
            for cause in m.causes_in(cfg):
                if cause.name not in owner:
                    names.append(cause.name)
                if owner.get(cause.name, "state") == "state":
                    owner[cause.name] = m.name
                doc.setdefault(cause.name, cause.doc)
        self.names = tuple(names)
        self.owner = owner
        """Cause → mechanism declaring it (`state`: the firm's state alone)."""
        self.doc = doc
        """Cause → what it means."""
        self.code = {name: k for k, name in enumerate(self.names)}


class World:
    """One replication of a park: the clock, the firms, the shared arrays, the board
    and the mechanisms."""

    def __init__(
        self,
        park: Park,
        replication: int,
        days: int | None = None,
        mechanisms: Sequence[type[Mechanism]] = MECHANISMS,
    ) -> None:
        sc = park.scenario
        self.park = park
        self.cfg = sc
        self.days = days if days is not None else sc.days
        self.replication = replication
        self.env = Clock()
        self.day = 0
        self.firms = Firms(park)
        self.network = Network(park, self.firms)
        n = self.firms.n
        # the firms' shared arrays: the lifecycle, written by reopening (closed →
        # open), outbreaks (open ↔ suspended; the ramp of a firm back from one) and
        # finance (→ failed), and the day's production, written by the World
        self.state = np.full(n, FirmState.CLOSED, dtype=np.int8)
        self.reopened_at = np.full(n, math.inf)
        self.state[self.firms.initially_open] = FirmState.OPEN
        self.reopened_at[self.firms.initially_open] = -math.inf
        self.operating = np.zeros(n, dtype=bool)
        """Firms producing today (open, or suspended keeping a share, and allowed)."""
        self.output = np.zeros(n)
        """Each firm's output today (value units)."""
        self.cause = np.zeros(n, dtype=np.int64)
        """Cause code of each firm's lost output today (meaningful where it lost some)."""
        self.causes = Causes(self.network, mechanisms, sc)
        self.shared = Shared(self.firms, self.network)
        self.board = Board(_owners(mechanisms))
        self._streams: dict[str, np.random.Generator] = {}
        self.mechanisms: tuple[Mechanism, ...] = tuple(cls(self) for cls in mechanisms)
        """The mechanisms, built in tuple order (the order of the day)."""
        self._open = [m.open_day for m in self.mechanisms if overrides(m, "open_day")]
        self._settle = [m.settle_day for m in self.mechanisms if overrides(m, "settle_day")]
        self._close = [m.close_day for m in self.mechanisms if overrides(m, "close_day")]
        limiting = [m for m in self.mechanisms if overrides(m, "limit")]
        rank = {name: k for k, name in enumerate(LIMIT_ORDER)}
        self.limiters = sorted(limiting, key=lambda m: rank.get(m.name, len(rank)))
        """Mechanisms with a limit, in tie order (`LIMIT_ORDER`, then tuple order)."""
        self.recorder = Recorder(self)

    def rng(self, name: str) -> np.random.Generator:
        """The random stream `name` of this replication (`streams.stream`)."""
        gen = self._streams.get(name)
        if gen is None:
            gen = self._streams[name] = stream(self.cfg.seed, self.replication, name)
        return gen

    def cause_code(self, name: str) -> int:
        """Column of cause `name` in the trace's lost output."""
        return self.causes.code[name]

    def get(self, kind: type[M]) -> M:
        """The mechanism of class `kind` (for tests and tools; mechanisms never use it)."""
        for m in self.mechanisms:
            if isinstance(m, kind):
                return m
        raise LookupError(f"no {kind.__name__} in this world")

    # -- the day driver ---------------------------------------------------------

    def _driver(self, ticks: Sequence[simpy.Event]) -> Generator[simpy.Event, Any, None]:
        self._open_day(0)
        for d in range(self.days):
            yield ticks[d]
            self._close_day(d)
            if d + 1 < self.days:
                self._open_day(d + 1)

    def _open_day(self, d: int) -> None:
        self.day = d
        for hook in self._open:
            hook(d)

    def _close_day(self, d: int) -> None:
        for hook in self._settle:
            hook(d)
        produce(self, self.limiters)
        for hook in self._close:
            hook(d)
        self.recorder.record(d)

    def run(self) -> Trace:
        """Simulate every day of the horizon and return what was recorded."""
        # The day ticks are scheduled before anything else, so each is the first event
        # of its instant: no other event can come earlier at d + 1 (nothing else is
        # scheduled ahead of time at a higher priority than an ordinary timeout).
        ticks = [self.env.timeout(d + 1.0) for d in range(self.days)]
        self.env.process(self._driver(ticks))
        self.env.run(until=self.days + 0.5)
        return self.recorder.trace()


def _owners(mechanisms: Sequence[type[Mechanism]]) -> dict[type[Request], str]:
    """Request type → the one mechanism that takes it; every posted type must have one."""
    names = [m.name for m in mechanisms]
    if len(set(names)) != len(names):
        raise ValueError(f"two mechanisms share a name in {names}: names key streams and series")
    owners: dict[type[Request], str] = {}
    for m in mechanisms:
        for kind in m.takes:
            if kind in owners:
                raise ValueError(
                    f"{kind.__name__} is taken by both {owners[kind]} and {m.name}: "
                    "a request has one owner"
                )
            owners[kind] = m.name
    for m in mechanisms:
        for kind in m.posts:
            if kind not in owners:
                raise ValueError(
                    f"{m.name} posts {kind.__name__}, which no mechanism of this world takes"
                )
    return owners


def run(
    park: Park,
    replication: int,
    days: int | None = None,
    mechanisms: Sequence[type[Mechanism]] = MECHANISMS,
) -> Trace:
    """One replication of a park: the daily trace of everything observed."""
    with collector_paused():
        return World(park, replication, days, mechanisms).run()
