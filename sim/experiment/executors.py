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

The local and Dask executors send items in batches, several runs to a task
(`sim.experiment.batching`: a fixed size, or one chosen from the measured run
time), so that tens of thousands of tiny runs do not drown a scheduler. Few tasks
are in flight at once (`max_in_flight`, by default a few per worker) so memory
stays flat however large the sweep, and every future is dropped as soon as its
results are handed over: the caller persists them before asking for the next one.
That matters on Dask, which recomputes finished tasks whose futures the client
still holds when the worker that holds their results dies. A batch's results come
back together or not at all, so a run is handed over once, whatever dies when.

Workers can be recycled after `recycle_after` runs each, to contain slow leaks over
a long sweep: on Dask a worker is closed gracefully and restarted by its nanny (as
Dask's own `--lifetime --lifetime-restart` does, but counted in runs), one worker
at a time; locally the pool is drained and replaced.

The numbers never depend on the executor: each item carries everything that
decides its result (the sweep's tasks carry their scenario and replication).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim.experiment.batching import Batcher, batch_key, describe_batching, run_batch

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
    items whose results were not yet handed over are submitted again, each alone; an
    item in flight during `MAX_POOL_BREAKS` breaks is given up as failed.

    `batch_size` items go in one task (None: chosen from the run time); at most
    `max_in_flight` tasks are in flight (default 4 per worker). With `recycle_after`,
    once the pool has been given that many items per worker it is drained and
    replaced by fresh processes (Python 3.11's `max_tasks_per_child` can hang).

    With `keep_pool`, the workers outlive one `map_unordered` call and serve the next
    (a calibration maps many small batches; starting workers for each would dominate),
    until `close`.
    """

    name = "local"

    def __init__(
        self,
        workers: int | None = None,
        context: str = "spawn",
        *,
        keep_pool: bool = False,
        batch_size: int | None = 1,
        max_in_flight: int | None = None,
        recycle_after: int | None = None,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.context = context
        self.keep_pool = keep_pool
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.recycle_after = recycle_after
        self._pool: ProcessPoolExecutor | None = None
        self._pool_items = 0
        self.tasks_submitted = 0
        """Tasks (batches) submitted so far, for benchmarks and tests."""
        self.pools_started = 0

    def describe(self) -> str:
        extra = _tuning(self.batch_size, self.max_in_flight, self.recycle_after)
        return f"local ({self.workers} processes, {self.context}{extra})"

    def _new_pool(self) -> ProcessPoolExecutor:
        self.pools_started += 1
        self._pool_items = 0
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context(self.context),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    def _spent(self) -> bool:
        """The pool has been given `recycle_after` items per worker: drain and replace it."""
        limit = self.recycle_after
        return limit is not None and self._pool_items >= limit * self.workers

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any], key: Callable[[Any], str] = str
    ) -> Iterator[Outcome]:
        batches = Batcher(items, self.batch_size)
        inflight: dict[Future[Any], list[Any]] = {}
        breaks: dict[int, int] = {}
        finished = False
        try:
            while batches or inflight:
                if self._pool is None:
                    self._pool = self._new_pool()
                spent = self._spent()
                if spent and not inflight:
                    self.close()
                    continue
                window = batches.window(self.workers, self.max_in_flight)
                while not spent and batches and len(inflight) < window:
                    batch = batches.take(self.workers)
                    inflight[self._pool.submit(run_batch, fn, batch)] = batch
                    self._pool_items += len(batch)
                    self.tasks_submitted += 1
                    spent = self._spent()
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    batch = inflight.pop(fut)
                    try:
                        results = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        inflight[fut] = batch  # handled below with the rest
                        continue
                    except Exception as e:  # e.g. a task or result that cannot be pickled
                        raise ExecutorError(
                            f"local worker processes could not run {key(batch[0])}: "
                            f"{describe_error(e)}"
                        ) from e
                    del fut
                    batches.observe(s for _, s in results)
                    for item, (value, _) in zip(batch, results, strict=True):
                        yield item, value, None
                if broken:
                    yield from self._recover(inflight, batches, breaks)
            finished = True
        finally:
            if not (finished and self.keep_pool):
                self.close(wait=finished)

    def _recover(
        self, inflight: dict[Future[Any], list[Any]], batches: Batcher, breaks: dict[int, int]
    ) -> Iterator[Outcome]:
        """After a worker died: keep finished results, resubmit the rest alone on a new pool."""
        again = []
        for fut, batch in list(inflight.items()):
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                for item, (value, _) in zip(batch, fut.result(), strict=True):
                    yield item, value, None
                continue
            for item in batch:
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
        batches.again(again, suspect=True)
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


def _tuning(size: int | None, max_in_flight: int | None, recycle_after: int | None) -> str:
    """`; batches of 7 runs, ≤ 8 tasks in flight, recycled after 500 runs` (what was set)."""
    parts = [describe_batching(size)]
    if max_in_flight:
        parts.append(f"≤ {max_in_flight} tasks in flight")
    if recycle_after:
        parts.append(f"workers recycled after {recycle_after} runs")
    return "; " + ", ".join(parts)


def _run_batch_on_worker(
    fn: Callable[[Any], Any], items: list[Any]
) -> tuple[list[tuple[Any, float]], str]:
    """In a Dask worker: the batch's results and run times, and this worker's address."""
    from distributed import get_worker

    return run_batch(fn, items), get_worker().address


def _recycle_worker(dask_worker: Any) -> bool:
    """On a Dask worker: close gracefully (its tasks move elsewhere, unblamed) and let its
    nanny start a fresh process, as Dask's `lifetime_restart` does. False without a nanny
    (nothing would start it again), then the worker is left alone."""
    if dask_worker.nanny is None:
        return False
    dask_worker.io_loop.add_callback(
        dask_worker.close_gracefully, restart=True, reason="parksim-recycle"
    )
    return True


class DaskExecutor(_Closing):
    """Tasks on a Dask cluster (`distributed`): a batch of items per task, keyed by
    `key(first item)` and the number of items that follow it.

    With `address` (`tcp://host:port`) or `scheduler_file` it joins a running
    cluster (started with `dask scheduler` / `dask worker`, or by dask-jobqueue);
    with neither it starts a `LocalCluster` of `workers` single-threaded worker
    processes on 127.0.0.1 and closes it at the end. Lost workers are Dask's
    business: their tasks are rescheduled, and a task that keeps killing workers
    comes back as `KilledWorker`; a batch's items are then run again one by one, and
    an item that still kills workers alone is recorded as a failed run.

    `batch_size`, `max_in_flight` (default 4 tasks per worker thread) and
    `recycle_after` (runs per worker process) as in the module doc.
    """

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        scheduler_file: str | os.PathLike[str] | None = None,
        workers: int | None = None,
        key_prefix: str = "parksim",
        *,
        batch_size: int | None = 1,
        max_in_flight: int | None = None,
        recycle_after: int | None = None,
    ) -> None:
        from distributed import Client, LocalCluster

        self.key_prefix = key_prefix
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.recycle_after = recycle_after
        self.tasks_submitted = 0
        """Tasks (batches) submitted so far, for benchmarks and tests."""
        self.workers_recycled = 0
        self._runs_on: dict[str, int] = {}
        self._due: list[str] = []
        self._recycling: str | None = None
        self._no_nanny = False
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
        extra = _tuning(self.batch_size, self.max_in_flight, self.recycle_after)
        return f"dask ({self.where}, {self.threads()} worker threads{extra})"

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any], key: Callable[[Any], str] = str
    ) -> Iterator[Outcome]:
        from distributed import KilledWorker, as_completed

        batches = Batcher(items, self.batch_size)
        inflight: dict[Hashable, list[Any]] = {}
        done_iter = as_completed()
        threads, checked = self.threads(), time.monotonic()

        def submit() -> None:
            window = batches.window(threads, self.max_in_flight)
            while batches and len(inflight) < window:
                batch = batches.take(threads)
                fut = self.client.submit(
                    _run_batch_on_worker,
                    fn,
                    batch,
                    key=batch_key(self.key_prefix, key(batch[0]), len(batch)),
                    pure=False,
                )
                inflight[fut.key] = batch
                done_iter.add(fut)
                self.tasks_submitted += 1

        submit()
        for fut in done_iter:
            batch = inflight.pop(fut.key)
            try:
                results, worker = fut.result()
            except KilledWorker as e:
                fut.release()
                if len(batch) > 1:  # find the culprit: each of its runs alone
                    batches.again(batch, suspect=True)
                else:
                    yield batch[0], None, describe_error(e)
                submit()
                continue
            except Exception as e:
                raise ExecutorError(
                    f"the Dask cluster could not run {key(batch[0])}: {describe_error(e)} "
                    "(is parksim, with the same versions of dask and distributed, installed "
                    "on the scheduler and on every worker?)"
                ) from e
            fut.release()
            del fut
            batches.observe(s for _, s in results)
            for item, (value, _) in zip(batch, results, strict=True):
                yield item, value, None
            if time.monotonic() - checked > 2.0:  # workers may have joined or left
                threads, checked = self.threads(), time.monotonic()
            self._ran(worker, len(batch))
            submit()

    def _ran(self, worker: str, runs: int) -> None:
        """Count a worker's runs; recycle the workers that are due, one at a time, while
        another worker is up to take over their tasks."""
        if self.recycle_after is None or self._no_nanny:
            return
        n = self._runs_on[worker] = self._runs_on.get(worker, 0) + runs
        if n >= self.recycle_after and worker not in self._due and worker != self._recycling:
            self._due.append(worker)
        if not self._due:
            return
        up = self.client.nthreads()
        if self._recycling in up:
            return  # the last one is still closing
        self._due = [w for w in self._due if w in up]
        if not self._due or len(up) < 2:
            return
        chosen = self._due.pop(0)
        answer = self.client.run(_recycle_worker, workers=[chosen], on_error="return")
        if answer.get(chosen) is False:
            self._no_nanny = True  # `dask worker --no-nanny`: nothing would restart it
        elif answer.get(chosen) is True:
            self._recycling = chosen
            self.workers_recycled += 1

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
    batch_size: int | None = 1,
    max_in_flight: int | None = None,
    recycle_after: int | None = None,
) -> SerialExecutor | LocalExecutor | DaskExecutor:
    """The executor named on the command line (`keep_pool`: local workers serve every
    `map_unordered` call until the executor is closed; `batch_size` None: automatic).
    The serial executor runs every item in turn and ignores the batching options."""
    tuning: dict[str, Any] = {
        "batch_size": batch_size,
        "max_in_flight": max_in_flight,
        "recycle_after": recycle_after,
    }
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalExecutor(workers, keep_pool=keep_pool, **tuning)
    if kind == "dask":
        return DaskExecutor(scheduler, scheduler_file, workers, key_prefix, **tuning)
    raise ValueError(f"unknown executor {kind!r}; use serial, local or dask")
