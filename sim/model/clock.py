"""The park's one clock: a SimPy environment that can also run work at the end of an
instant, once every event of that instant has been processed.

Service teams choose their next firm at the end of an instant, so that every
application filed at that instant is in the queue when they choose, whatever
order SimPy happened to process the instant's events in (`Reopening`). SimPy has
no public way to schedule an event after all others of its instant, so the clock
does it in `step` (public API): when the next event lies later than now, the
callbacks left for the end of this instant run first. What they schedule at the
current instant (a team taking a job) is processed before the clock moves on,
and may leave further end-of-instant work, which then runs in turn.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy


class Clock(simpy.Environment):
    """`simpy.Environment` with end-of-instant callbacks (`at_end_of_instant`)."""

    def __init__(self) -> None:
        super().__init__()
        self._late: list[Callable[[], None]] = []

    def at_end_of_instant(self, callback: Callable[[], None]) -> None:
        """Call `callback()` once every event of the current instant has been processed
        (callbacks left at one instant run in the order they were left)."""
        self._late.append(callback)

    def step(self) -> None:
        """Process the next event, or first the end-of-instant callbacks if the next
        event lies later than now (or there is none)."""
        if self._late and self.peek() > self.now:
            late, self._late = self._late, []
            for callback in late:
                callback()
            return
        super().step()
