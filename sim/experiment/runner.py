"""Run the replications of one scenario, serially or on local processes.

Replication r always uses the streams of `SeedSequence(seed, spawn_key=(r, k))`,
so the numbers do not depend on the executor or on the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from sim.model.world import run
from sim.record import Trace
from sim.scenario.expand import Park

Progress = Callable[[int], None]


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
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run, park, r, days): r for r in range(replications)}
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            if progress:
                progress(1)
    return [out[r] for r in range(replications)]
