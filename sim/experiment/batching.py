"""Runs grouped into tasks, so that a cluster spends its time on runs, not on scheduling.

A demo-park run takes about 0.07 s; as one Dask task each, the scheduler, the
client and the two sockets every result crosses cost a noticeable share of that,
and tens of thousands of tiny tasks stall a scheduler. So an executor sends a
*batch* of runs as one task: the worker runs them one after the other and sends
back every result with its run time.

The batch size is either fixed by the user or chosen from the measured run time:
first one run per worker thread, then as many runs as take about
`TARGET_TASK_SECONDS` (at most `MAX_AUTO_BATCH`), and never so many that fewer
than two tasks per worker thread are left at the end of the sweep, so the workers
finish together. A batch is a run of consecutive items (a sweep's runs come point by
point, so the runs of a batch mostly share one park).

Which runs share a batch never changes a number: every run carries everything that
decides its result (a sweep's replication draws from streams derived from its own
point and replication, not from its batch or its worker).

When a task is lost with a worker, only its runs that have not come back are run
again (a batch's results come back together or not at all), so every run is recorded
once. When a batch keeps killing workers (a run that segfaults, exhausts memory),
its runs are *suspects*: each is then run alone, so only the culprit is recorded as
failed and the others finish.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

TARGET_TASK_SECONDS = 1.0
"""Automatic batches hold about this many seconds of runs."""
MAX_AUTO_BATCH = 100
"""Automatic batches hold at most this many runs."""
TASKS_PER_THREAD_LEFT = 2
"""Automatic batches shrink so that at least this many tasks per worker thread remain."""

AUTO = "auto"


def parse_batch_size(text: str | int | None) -> int | None:
    """`auto` (or None) → None; a whole number ≥ 1 → itself. ValueError otherwise."""
    if text is None or (isinstance(text, str) and text.strip().lower() == AUTO):
        return None
    try:
        n = int(str(text).strip())
    except ValueError:
        raise ValueError(f"expected `{AUTO}` or a whole number ≥ 1, got {text!r}") from None
    if n < 1:
        raise ValueError(f"expected `{AUTO}` or a whole number ≥ 1, got {n}")
    return n


def describe_batching(size: int | None) -> str:
    """`batches of N runs`, `one run a task` or `automatic batches of ~1 s`."""
    if size is None:
        return f"automatic batches of ~{TARGET_TASK_SECONDS:g} s"
    return "one run a task" if size == 1 else f"batches of {size} runs"


def run_batch(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[tuple[Any, float]]:
    """In a worker: `fn(item)` for each item in turn, with its run time in seconds."""
    out = []
    for item in items:
        t0 = time.perf_counter()
        value = fn(item)
        out.append((value, time.perf_counter() - t0))
    return out


class Batcher:
    """The items not yet sent to a worker, and how many go in the next task.

    `size` None chooses the batch size from the run times reported with `observe`;
    a number fixes it. Suspects (items of a task that killed workers) go first, alone.
    """

    def __init__(self, items: Iterable[Any], size: int | None) -> None:
        self.pending: deque[Any] = deque(items)
        self.suspects: deque[Any] = deque()
        self.size = size
        self._runs = 0
        self._seconds = 0.0

    def __bool__(self) -> bool:
        return bool(self.pending or self.suspects)

    @property
    def measured(self) -> bool:
        """Whether a run time has been seen (automatic batches wait for one)."""
        return self._runs > 0

    def observe(self, seconds: Iterable[float]) -> None:
        """Run times of finished runs."""
        for s in seconds:
            self._runs += 1
            self._seconds += s

    def next_size(self, threads: int) -> int:
        """Runs in the next task, for a cluster of `threads` worker threads."""
        if self.size is not None:
            return self.size
        if not self._runs:
            return 1
        mean = self._seconds / self._runs
        best = MAX_AUTO_BATCH if mean <= 0 else round(TARGET_TASK_SECONDS / mean)
        tail = len(self.pending) // (TASKS_PER_THREAD_LEFT * max(1, threads))
        return max(1, min(best, MAX_AUTO_BATCH, tail))

    def take(self, threads: int) -> list[Any]:
        """The items of the next task: one suspect alone, else the next batch of items."""
        if self.suspects:
            return [self.suspects.popleft()]
        n = min(self.next_size(threads), len(self.pending))
        return [self.pending.popleft() for _ in range(n)]

    def again(self, items: Sequence[Any], *, suspect: bool) -> None:
        """Items of a task that did not come back: to the front, alone if `suspect`."""
        (self.suspects if suspect else self.pending).extendleft(reversed(items))

    def window(self, threads: int, max_in_flight: int | None) -> int:
        """Tasks in flight at most: `max_in_flight`, else a few per worker thread; while
        automatic batching has no run time yet, one task per thread."""
        if self.size is None and not self.measured:
            n = max(1, threads)
            return min(n, max_in_flight) if max_in_flight else n
        return max_in_flight or 4 * max(1, threads)


def batch_key(prefix: str, first: str, n: int) -> str:
    """A task's key: its first run's key, and how many runs follow it."""
    return f"{prefix}-{first}" if n == 1 else f"{prefix}-{first}+{n - 1}"
