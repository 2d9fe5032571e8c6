"""Run the replications of one scenario, serially or on local processes.

Replication r always draws from the streams `SeedSequence(seed, spawn_key=(r,
key(name)))` (`sim.model.streams`), so the numbers do not depend on the executor
or on the number of workers.

Local workers are forked from this process on Linux when no other thread is
running (forking a threaded process can deadlock the child):
a forked worker starts in milliseconds with parksim imported and the park in
memory. Otherwise they are spawned, import parksim afresh (about a second) and
receive the park once, when they start, not with every replication.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from sim.model.world import run
from sim.record import Trace
from sim.scenario.expand import Park

Progress = Callable[[int], None]

_park: Park | None = None
"""The park of this worker process (set once, when the worker starts)."""


def _adopt(park: Park) -> None:
    global _park
    _park = park


def _replicate(replication: int, days: int | None) -> Trace:
    assert _park is not None, "worker started without a park"
    return run(_park, replication, days)


def start_method() -> str:
    """`fork` on Linux while this process runs a single thread, else `spawn` (macOS
    system libraries are not safe to fork, which is why Python spawns there)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def run_replications(
    park: Park,
    replications: int,
    days: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[Trace]:
    """Traces of replications 0..N-1, in order, whatever order they finished in."""
    if workers <= 1 or replications <= 1:
        traces = []
        for r in range(replications):
            traces.append(run(park, r, days))
            if progress:
                progress(1)
        return traces
    out: dict[int, Trace] = {}
    ctx = mp.get_context(start_method())
    with ProcessPoolExecutor(
        max_workers=min(workers, replications),
        mp_context=ctx,
        initializer=_adopt,
        initargs=(park,),
    ) as pool:
        futures = {pool.submit(_replicate, r, days): r for r in range(replications)}
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            if progress:
                progress(1)
    return [out[r] for r in range(replications)]
