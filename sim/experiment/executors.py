"""Where the runs of a sweep execute: in this process, on local processes, or on Dask.

All executors have one interface: `map_unordered(fn, items)` submits `fn(item)` for
every item and yields `(item, value, error)` as each finishes, in whatever order
they finish. The function is expected to catch its own exceptions (the sweep
records a model error as a failed run), so `error` is None except for a task that
kept killing the worker processes running it (a segfault, running out of memory):
that task is given up and the others go on. Any other failure of the machinery
(a task that cannot be unpickled on a scheduler or worker without parksim, a lost
connection) is not the task's fault and would fail every task alike, so it stops
the sweep with an `ExecutorError`; the runs recorded so far are kept.

Few items are in flight at once (a window of a few per worker) so memory stays
flat however large the sweep, and every future is dropped as soon as its result
is handed over: the caller persists it before asking for the next one. That
matters on Dask, which recomputes finished tasks whose futures the client still
holds when the worker that holds their results dies.

The numbers never depend on the executor: each item carries everything that
decides its result (the sweep's tasks carry their scenario and replication).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

Outcome = tuple[Any, Any, str | None]
"""(item, value, error): value is None when error is not."""

MAX_POOL_BREAKS = 3
"""A task in flight when the local pool broke this many times is recorded as failed."""


class ExecutorError(RuntimeError):
    """The executor itself failed (not one task): the sweep stops, resumable."""


def describe_error(e: BaseException) -> str:
    """`Type: message`, one line."""
    text = str(e).strip().replace("\n", " ")
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class Executor(Protocol):
    """Runs `fn` on items and yields outcomes as they complete."""

    name: str

    def describe(self) -> str:
        """What ran the tasks, for the manifest and the progress line."""
        ...

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any], key: Callable[[Any], str] = str
    ) -> Iterator[Outcome]:
        """Run `fn(item)` for every item; yield (item, value, error) as each finishes."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class _Closing:
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # type: ignore[attr-defined]


class SerialExecutor(_Closing):
    """Every task in this process, one after the other (debuggable, no pickling)."""

    name = "serial"

    def describe(self) -> str:
        return "serial (this process)"

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any], key: Callable[[Any], str] = str
    ) -> Iterator[Outcome]:
        for item in items:
            yield item, fn(item), None

    def close(self) -> None:
        pass


def _watch_parent(parent: int) -> None:
    """Exit when the driver that started this worker is gone (killed, not shut down)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _worker_init(parent: int) -> None:
    """In each local worker: Ctrl-C is the driver's to handle, and an orphan exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


class LocalExecutor(_Closing):
    """Tasks on `workers` processes of this machine (stdlib `ProcessPoolExecutor`).

    Workers are started with `spawn` (no state copied from the driver, the same on
    every OS) and ignore Ctrl-C, which the driver handles. If a worker process dies
    (killed, out of memory), the pool breaks: a new pool is started and only the
    tasks whose results were not yet handed over are submitted again; a task in
    flight during `MAX_POOL_BREAKS` breaks is given up as failed.

    With `keep_pool`, the workers outlive one `map_unordered` call and serve the next
    (a calibration maps many small batches; starting workers for each would dominate),
    until `close`.
    """

    name = "local"

    def __init__(
        self, workers: int | None = None, context: str = "spawn", *, keep_pool: bool = False
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.context = context
        self.keep_pool = keep_pool
        self._pool: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        return f"local ({self.workers} processes, {self.context})"

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context(self.context),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any], key: Callable[[Any], str] = str
    ) -> Iterator[Outcome]:
        pending: deque[Any] = deque(items)
        inflight: dict[Future[Any], Any] = {}
        breaks: dict[int, int] = {}
        window = 4 * self.workers
        finished = False
        try:
            while pending or inflight:
                if self._pool is None:
                    self._pool = self._new_pool()
                while pending and len(inflight) < window:
                    item = pending.popleft()
                    inflight[self._pool.submit(fn, item)] = item
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    item = inflight.pop(fut)
                    try:
                        value = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        inflight[fut] = item  # handled below with the rest
                        continue
                    except Exception as e:  # e.g. a task or result that cannot be pickled
                        raise ExecutorError(
                            f"local worker processes could not run {key(item)}: {describe_error(e)}"
                        ) from e
                    del fut
                    yield item, value, None
                if broken:
                    yield from self._recover(inflight, pending, breaks)
            finished = True
        finally:
            if not (finished and self.keep_pool):
                self.close(wait=finished)

    def _recover(
        self, inflight: dict[Future[Any], Any], pending: deque[Any], breaks: dict[int, int]
    ) -> Iterator[Outcome]:
        """After a worker died: keep finished results, resubmit the rest on a new pool."""
        again = []
        for fut, item in list(inflight.items()):
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                yield item, fut.result(), None
                continue
            n = breaks.get(id(item), 0) + 1
            breaks[id(item)] = n
            if n >= MAX_POOL_BREAKS:
                yield (
                    item,
                    None,
                    f"WorkerDied: a worker process died {n} times while this task was "
                    "in flight; given up",
                )
            else:
                again.append(item)
        inflight.clear()
        pending.extendleft(reversed(again))
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self, wait: bool = True) -> None:
        """Shut the pool down; with `wait=False` (an interrupted sweep) stop its workers now
        rather than let them finish runs nobody will record."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not wait:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
        pool.shutdown(wait=wait, cancel_futures=True)


class DaskExecutor(_Closing):
    """Tasks on a Dask cluster (`distributed`), one task per item, keyed by `key(item)`.

    With `address` (`tcp://host:port`) or `scheduler_file` it joins a running
    cluster (started with `dask scheduler` / `dask worker`, or by dask-jobqueue);
    with neither it starts a `LocalCluster` of `workers` single-threaded worker
    processes on 127.0.0.1 and closes it at the end. Lost workers are Dask's
    business: their tasks are rescheduled, and a task that keeps killing workers
    comes back as `KilledWorker`, recorded as a failed run.
    """

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        scheduler_file: str | os.PathLike[str] | None = None,
        workers: int | None = None,
        key_prefix: str = "parksim",
    ) -> None:
        from distributed import Client, LocalCluster

        self.key_prefix = key_prefix
        self.cluster: Any = None
        if address or scheduler_file:
            self.client = Client(
                address,
                scheduler_file=str(scheduler_file) if scheduler_file else None,
                timeout="30s",
            )
            self.where = str(address or scheduler_file)
        else:
            n = max(1, workers or os.cpu_count() or 1)
            self.cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # no dashboard; the scheduler's HTTP endpoint on a free loopback port
                # (its default, 8787, may be taken by another cluster on the machine)
                dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
            )
            self.client = Client(self.cluster)
            self.where = f"LocalCluster of {n} processes"

    def threads(self) -> int:
        """Worker threads in the cluster right now."""
        return max(1, sum(self.client.nthreads().values()))

    def describe(self) -> str:
        return f"dask ({self.where}, {self.threads()} worker threads)"

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any], key: Callable[[Any], str] = str
    ) -> Iterator[Outcome]:
        from distributed import KilledWorker, as_completed

        pending: deque[Any] = deque(items)
        inflight: dict[Hashable, Any] = {}
        done_iter = as_completed()
        window, checked = 4 * self.threads(), time.monotonic()

        def submit() -> None:
            while pending and len(inflight) < window:
                item = pending.popleft()
                fut = self.client.submit(fn, item, key=f"{self.key_prefix}-{key(item)}", pure=False)
                inflight[fut.key] = item
                done_iter.add(fut)

        submit()
        for fut in done_iter:
            item = inflight.pop(fut.key)
            try:
                value, error = fut.result(), None
            except KilledWorker as e:
                value, error = None, describe_error(e)
            except Exception as e:
                raise ExecutorError(
                    f"the Dask cluster could not run {key(item)}: {describe_error(e)} "
                    "(is parksim, with the same versions of dask and distributed, installed "
                    "on the scheduler and on every worker?)"
                ) from e
            fut.release()
            del fut
            yield item, value, error
            if time.monotonic() - checked > 2.0:  # workers may have joined or left
                window, checked = 4 * self.threads(), time.monotonic()
            submit()

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
                self.cluster = None


def make_executor(
    kind: str,
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_file: str | None = None,
    key_prefix: str = "parksim",
    *,
    keep_pool: bool = False,
) -> SerialExecutor | LocalExecutor | DaskExecutor:
    """The executor named on the command line (`keep_pool`: local workers serve every
    `map_unordered` call until the executor is closed)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalExecutor(workers, keep_pool=keep_pool)
    if kind == "dask":
        return DaskExecutor(scheduler, scheduler_file, workers, key_prefix)
    raise ValueError(f"unknown executor {kind!r}; use serial, local or dask")
