"""How mechanisms meet: the hooks a mechanism offers, its limit on output, what it
records, and the board of typed requests it uses to ask others for something.

A mechanism (controls, reopening, supply, …) is one module with one class
deriving from `Mechanism`. The World calls its hooks once a day, in the order of
the mechanism tuple (`world.MECHANISMS`, which documents the day):

1. `open_day(day)`, at the start of the day: levels, releases, arrivals, passes;
2. during the day, its own SimPy events (reviews, trucks at a station);
3. `settle_day(day)`, at the end of the day before production: what arrived
   during the day is put where production will look for it;
4. `limit()`: the factor it imposes on each firm's output today and the cause to
   blame (`Limit`); the World combines the limits (`production.produce`);
5. `close_day(day)`, after production: cash, cases, orders, shipments, clocks;
6. the World records every series each mechanism declared (`series()`).

Mechanisms never call each other. What one needs from another goes either
through a `Request` posted on the World's `Board` and taken by the one mechanism
that declares it in `takes` (a credit application, a shipment, contacts to
isolate), or through an array in `shared.Shared` that its one owner writes and
others read. A mechanism's random numbers come from its own named streams
(`world.rng(name)`), so adding one leaves every other's numbers as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import Scenario


@dataclass(frozen=True, slots=True)
class Limit:
    """A cap on each firm's output today, as a share of its baseline.

    The World keeps, for each firm, the smallest factor of all limits, and blames
    the firm's lost output on that limit's cause; on a tie the limit listed first in
    `world.LIMIT_ORDER` keeps the blame. A factor of 1 (or more) imposes nothing.
    """

    factor: np.ndarray
    """Share of baseline each firm may produce (one value per firm)."""
    cause: int | np.ndarray
    """Cause code (`world.cause_code`) of the loss, one for all firms or one per firm."""


@dataclass(frozen=True)
class Series:
    """Something a mechanism records: one row per day, or one total per run.

    `read` is called once at the end of every day (after every close hook) for a
    daily series, or once after the last day for a run total; it returns the value
    in the series' shape (a number, or an array whose axes `axes` labels).
    """

    name: str
    """Unique within a run, e.g. `review_queue`; `Trace.series[name]`."""
    unit: str
    """Unit of each value: `firms`, `people`, `value units`, `days`, `share`, …"""
    doc: str
    """What the value is, in a planner's words."""
    read: Callable[[], ArrayLike]
    axes: tuple[tuple[str, ...], ...] = ()
    """Labels of each axis after the day (station ids, workforce parts, …)."""
    dtype: type = float
    daily: bool = True
    """False: one value for the whole run (e.g. lost output blamed on each supplier)."""
    fill: float = 0.0
    """Value of a day never recorded (a run cut short)."""


class Request:
    """Something one mechanism asks of another: posted on the board, taken by the one
    mechanism whose `takes` names its type, at the hook that mechanism documents."""

    __slots__ = ()


R = TypeVar("R", bound=Request)


class Board:
    """The queues of typed requests between mechanisms: one queue per request type.

    Requests of a type are taken in the order they were posted, by the mechanism
    that owns the type; nobody else reads them.
    """

    def __init__(self, owners: dict[type[Request], str]) -> None:
        self.owners = owners
        """Request type → name of the mechanism that takes it."""
        self._queues: dict[type[Request], list[Request]] = {kind: [] for kind in owners}

    def post(self, request: Request) -> None:
        """Leave `request` for its owner."""
        queue = self._queues.get(type(request))
        if queue is None:
            raise LookupError(f"no mechanism in this world takes {type(request).__name__}")
        queue.append(request)

    def take(self, kind: type[R]) -> list[R]:
        """Every request of type `kind` posted since the last take, oldest first."""
        queue = self._queues[kind]
        if not queue:
            return []
        out = list(queue)
        queue.clear()
        return out  # type: ignore[return-value]

    def pending(self, kind: type[Request]) -> int:
        """Requests of type `kind` waiting for their owner."""
        return len(self._queues[kind])


@dataclass(frozen=True)
class Cause:
    """A cause of lost output a mechanism may blame (see `state.BASE_CAUSES`)."""

    name: str
    doc: str = field(default="", compare=False)


class Mechanism:
    """One mechanism of the park: its declarations and its daily hooks (all optional).

    Subclasses set the class attributes and override the hooks they need; a hook
    left as it is here is never called. The constructor runs once per replication,
    in tuple order, and may read only the World's static tables (`world.firms`,
    `world.network`, `world.cfg`), the firm arrays and its own streams.
    """

    name: ClassVar[str] = ""
    """Names the mechanism in the tuple, the trace (series group) and its stream."""
    streams: ClassVar[tuple[str, ...]] = ()
    """Names of the random streams it draws from (`world.rng(name)`)."""
    takes: ClassVar[tuple[type[Request], ...]] = ()
    """Request types it owns: posted by others, taken by it alone."""
    posts: ClassVar[tuple[type[Request], ...]] = ()
    """Request types it posts (each must be taken by a mechanism of the tuple)."""
    publishes: ClassVar[tuple[str, ...]] = ()
    """Fields of `world.shared` it owns and writes (others only read them)."""
    writes: ClassVar[tuple[str, ...]] = ()
    """Arrays it writes that it does not own: the World's lifecycle arrays (`state`,
    `reopened_at`) or a field of `world.shared` shared on purpose (`stock`)."""
    causes: ClassVar[tuple[Cause, ...]] = ()
    """Causes its limit may blame; new names are appended to the trace's causes."""

    @classmethod
    def causes_in(cls, cfg: Scenario) -> tuple[Cause, ...]:
        """The causes it may blame in scenario `cfg`: `causes`, or none where its
        section is absent and its limit is off, so that such a scenario reports the
        causes (and files) it reported before the mechanism existed."""
        return cls.causes

    def __init__(self, world: World) -> None:
        self.world = world

    def open_day(self, day: int) -> None:
        """Start of `day`: what changes before anything happens that day."""

    def settle_day(self, day: int) -> None:
        """End of `day`, before production: what arrived during the day is put in place."""

    def limit(self) -> Limit | None:
        """Today's cap on each firm's output and its cause (None: no cap today)."""
        return None

    def close_day(self, day: int) -> None:
        """End of `day`, after production."""

    def series(self) -> Sequence[Series]:
        """What it records (read after every close hook of the day)."""
        return ()


def overrides(mechanism: Mechanism, hook: str) -> bool:
    """Whether `mechanism` has its own `hook` (the World calls only those)."""
    return getattr(type(mechanism), hook) is not getattr(Mechanism, hook)
