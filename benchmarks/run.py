"""parksim's speed and memory at park and city scale: one command, one process, one table.

    python benchmarks/run.py  # full set (~4 min on 2 cores) → benchmarks/results.json
    python benchmarks/run.py --quick  # reduced set (< 1 min), prints only
    python benchmarks/run.py --out FILE.json  # elsewhere

Everything is measured in this one process, in this order, so that the
yardstick and the model see the same machine:

1. the bare SimPy event loop: 15,000 processes each waking once a day for 180
   days, the fastest a process-per-firm design could go (the ceiling);
2. one replication of the demo park, and of the synthetic city
   `scenarios/bench_city.yaml` at 1,000, 5,000 and 15,000 firms × 180 days:
   wall time (median of several repeats for the small ones), firm-days per
   second, the ratio of the wall time to what the bare loop takes for the same
   firm-days, and the tracemalloc peak of the replication (an untimed run);
3. the exponent of wall time against firms (log-log least squares);
4. the whole CLI at 15,000 firms in a subprocess (import, load, run, write),
   with the peak resident memory of that process;
5. replications on 2 local workers against 1 (runs per second);
6. the whole CLI on the synthetic province `scenarios/bench_region.yaml` (8 linked
   parks, 100,000 firms × 180 days), against the 15,000-firm CLI of step 4, and
   with `--stretch` at 450,000 firms.

The machine's speed drifts between runs (other jobs, clock boost); the ratio to
the bare loop measured in the same run does not, so compare commits by the
ratios in `results.json` rather than by seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import multiprocessing as mp
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import simpy  # noqa: E402

from sim import __version__  # noqa: E402
from sim.experiment import runner  # noqa: E402
from sim.experiment.runner import run_replications  # noqa: E402
from sim.model.world import run  # noqa: E402
from sim.scenario.expand import Park  # noqa: E402
from sim.scenario.load import load_scenario  # noqa: E402

T = TypeVar("T")

DEMO = ROOT / "scenarios" / "demo_park.yaml"
CITY = ROOT / "scenarios" / "bench_city.yaml"
REGION = ROOT / "scenarios" / "bench_region.yaml"
CITY_DAYS = 180
BARE_PROCESSES = 15_000
CALIBRATION_DAYS = 60

DEMO_MAX_S = 0.5
"""Target: demo park, 1 replication × 120 days, simulation time."""
CLI_MAX_S = 10.0
CLI_STRETCH_S = 5.0
"""Targets: whole CLI process at 15,000 firms × 180 days, 1 replication."""
CLI_MAX_MB = 400.0
SCALE_MAX_RATIO = 16.0
"""Target: time at 15,000 firms at most 16× the time at 1,000 firms."""
EXPONENT_MAX = 1.1
"""Wall time ∝ firms^k: k must be about 1 (linear), not 2."""
STRETCH_FIRM_DAYS_PER_S = 540_000.0
"""15,000 firms × 180 days in 5 s."""
WORKERS_MIN_SPEEDUP = 1.9
REGION_FIRMS = 100_000
REGION_MAX_S = 15.0
REGION_MAX_MB = 1000.0
"""Targets (issue 20): the whole CLI on 100,000 firms in 8 linked parks × 180 days."""
REGION_MAX_RATIO = 6.0
"""Target: that time at most 6× the whole CLI at 15,000 firms in one park, same run."""
STRETCH_FIRMS = 450_000
STRETCH_MAX_S = 90.0
STRETCH_MAX_MB = 4000.0
"""Stretch (`--stretch`): every above-scale industrial firm of the country, ~450,000."""
SINGLE_PARK_MAX_SLOWDOWN = 1.10
SWEEP_RESULTS = ROOT / "benchmarks" / "sweep_tiny_results.json"
"""The last `python benchmarks/sweep_throughput.py --tiny` (2,000 demo runs, 2 workers)."""
SWEEP_EXECUTOR = "dask LocalCluster, automatic batches"
SWEEP_MIN_SPEEDUP = 1.8
"""Issue 20: a 2,000-run sweep on a 2-worker LocalCluster at ≥ 1.8× serial throughput…"""
SWEEP_MAX_OVERHEAD = 0.10
"""…with the scheduling overhead, (wall − Σ run times ÷ 2) ÷ wall, under 10 %."""
"""Target: the 15,000-firm replication, in bare-loop units, at most 10 % slower than the
figure in the previous results file."""


@dataclass
class Case:
    """One replication of one scenario, timed and traced."""

    name: str
    scenario: str
    firms: int
    days: int
    load_s: float
    walls: list[float]
    wall_s: float
    firm_days_per_s: float
    ratio_to_bare: float
    """Median over repeats of wall ÷ the bare loop's time for as many process-days."""
    bare_s_per_firm_day: list[float]
    """The bare loop's seconds per process-day measured just before each repeat."""
    tracemalloc_peak_mb: float | None
    truck_trips: int | None
    """Truck trips declared at transfer stations (each one runs as several SimPy processes)."""
    targets: list[dict[str, Any]] = field(default_factory=list)


def bare_loop(processes: int, days: int) -> float:
    """Seconds for the bare SimPy loop: `processes` generators each waking once a day."""

    def firm(env: simpy.Environment):
        while True:
            yield env.timeout(1)

    gc.collect()
    t0 = time.perf_counter()
    env = simpy.Environment()
    for _ in range(processes):
        env.process(firm(env))
    env.run(until=days)
    return time.perf_counter() - t0


def bare_rate() -> float:
    """Seconds per process-day of the bare loop right now (15,000 processes, 60 days).

    Run just before each timed replication, so that the ratio of that
    replication to the bare loop is taken on the same machine state even when
    other jobs come and go during the benchmark.
    """
    return bare_loop(BARE_PROCESSES, CALIBRATION_DAYS) / (BARE_PROCESSES * CALIBRATION_DAYS)


def timed(fn: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    """Wall seconds of `repeats` calls of `fn`, and the bare loop's rate just before each."""
    walls, rates = [], []
    for _ in range(repeats):
        rates.append(bare_rate())
        gc.collect()
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
    return walls, rates


def traced_peak_mb(fn: Callable[[], T]) -> tuple[float, T]:
    """Peak Python + numpy memory (tracemalloc) allocated while `fn` runs, in MB; its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6, result


def fit_exponent(firms: Sequence[float], walls: Sequence[float]) -> float:
    """k in wall ≈ c · firms^k, by least squares on the logs."""
    slope, _ = np.polyfit(np.log(np.asarray(firms, float)), np.log(np.asarray(walls, float)), 1)
    return float(slope)


def maxrss_mb(ru_maxrss: int) -> float:
    """`ru_maxrss` in MB (Linux reports KiB, macOS bytes)."""
    return ru_maxrss / 1e6 if sys.platform == "darwin" else ru_maxrss * 1024 / 1e6


def whole_cli(firms: int, days: int, repeats: int, scenario: Path = CITY) -> dict[str, Any]:
    """`parksim run` on a scenario (the bench city) in a subprocess: median wall time, the
    median CPU time of the process, and its peak RSS."""
    rates, runs = [], []
    for _ in range(repeats):
        rates.append(bare_rate())
        runs.append(_cli_once(firms, days, scenario))
    walls = [r["wall_s"] for r in runs]
    return {
        "command": runs[0]["command"],
        "firms": firms,
        "days": days,
        "walls": walls,
        "wall_s": statistics.median(walls),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "cpus": [r["cpu_s"] for r in runs],
        "firm_days_per_s": firms * days / statistics.median(walls),
        "ratio_to_bare": statistics.median(
            w / (r * firms * days) for w, r in zip(walls, rates, strict=True)
        ),
        "bare_s_per_firm_day": rates,
        "maxrss_mb": max(r["maxrss_mb"] for r in runs),
    }


def _cli_once(firms: int, days: int, scenario: Path = CITY) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="parksim-bench-") as tmp:
        args = [
            "run",
            str(scenario.relative_to(ROOT)),
            "--replications",
            "1",
            "--days",
            str(days),
            "--set",
            f"scale.firms={firms}",
            "--no-plots",
            "--quiet",
            "--out",
            str(Path(tmp) / "out"),
        ]
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path}
        err_path = Path(tmp) / "stderr.txt"
        with err_path.open("wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "sim.cli", *args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(
                f"parksim {' '.join(args)} exited {proc.returncode}:\n{err_path.read_text()}"
            )
    return {
        "command": "parksim " + " ".join(args[:-1]) + " DIR",
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": maxrss_mb(usage.ru_maxrss),
    }


def _touch(days: int) -> int:
    """A task that does nothing (measures a worker's start-up)."""
    return days


def worker_startup(park: Park) -> float:
    """Seconds for a fresh local worker, started as `run_replications` starts them (forked
    where possible, else spawned with the park), to answer its first task."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=mp.get_context(runner.start_method()),
        initializer=runner._adopt,
        initargs=(park,),
    ) as pool:
        pool.submit(_touch, park.scenario.days).result()
    return time.perf_counter() - t0


def bare_parallel(processes: int, days: int) -> dict[str, float]:
    """The yardstick of parallelism: the bare loop alone, then twice at once, on 2 workers.

    Both workers are started (and warmed up) before the clock starts, so this is
    what the machine gives two independent runs right now (other jobs included).
    """
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as pool:
        for f in [pool.submit(time.sleep, 0.5) for _ in range(2)]:
            f.result()
        t0 = time.perf_counter()
        pool.submit(bare_loop, processes, days).result()
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        for f in [pool.submit(bare_loop, processes, days) for _ in range(2)]:
            f.result()
        two = time.perf_counter() - t0
    return {"wall_s_1_run": one, "wall_s_2_runs": two, "speedup": 2 * one / two}


def workers_speedup(
    park: Park, label: str, replications: int, bare_days: int = CITY_DAYS, pairs: int = 3
) -> dict[str, Any]:
    """Runs per second of `run_replications` on 2 local workers against 1.

    Measured as `pairs` pairs (1 worker, then 2) and judged by the median of the
    pairs' ratios: on a shared machine one slow stretch moves a single ratio by
    0.3, while a pair sees the same machine for both of its halves.
    """
    startup = worker_startup(park)
    bare = bare_parallel(BARE_PROCESSES, bare_days)
    walls: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(pairs):
        for workers in (1, 2):
            gc.collect()
            t0 = time.perf_counter()
            run_replications(park, replications, workers=workers)
            walls[workers].append(time.perf_counter() - t0)
    ratios = [a / b for a, b in zip(walls[1], walls[2], strict=True)]
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    return {
        "park": label,
        "replications": replications,
        "walls_1_worker": walls[1],
        "walls_2_workers": walls[2],
        "speedups": ratios,
        "wall_s_1_worker": one,
        "wall_s_2_workers": two,
        "runs_per_s_1_worker": replications / one,
        "runs_per_s_2_workers": replications / two,
        "speedup": statistics.median(ratios),
        "worker_startup_s": startup,
        "bare_loop_2_processes": bare,
    }


def target(
    name: str, label: str, value: float, limit: float, unit: str, *, below: bool = True
) -> dict[str, Any]:
    """A target and whether `value` meets it (at most `limit`, or at least if not `below`).

    `label` is how the table's row shows it (the row says what is measured).
    """
    met = value <= limit if below else value >= limit
    return {
        "target": name,
        "label": label,
        "value": value,
        "limit": limit,
        "unit": unit,
        "met": bool(met),
    }


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import scipy

    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "scipy": scipy.__version__,
        "parksim": __version__,
    }


def git_commit() -> dict[str, Any]:
    """The commit measured, and whether the model or scenarios had uncommitted changes."""

    def git(*a: str) -> str:
        return subprocess.run(
            ["git", *a], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        return {
            "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--", "sim", "scenarios")),
        }
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def loadavg() -> list[float] | None:
    """1-, 5- and 15-minute load averages (other jobs slow every number down)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def measure_case(
    name: str,
    path: Path,
    sets: Sequence[str],
    repeats: int,
    trace_memory: bool,
    say: Callable[[str], None],
) -> Case:
    """Load a scenario, time `repeats` replications (median), then trace one for memory."""
    t0 = time.perf_counter()
    park = load_scenario(path, sets=sets)
    load_s = time.perf_counter() - t0
    days = park.scenario.days
    firms = len(park.firms)
    walls, rates = timed(lambda: run(park, 0), repeats)
    wall = statistics.median(walls)
    ratio = statistics.median(w / (r * firms * days) for w, r in zip(walls, rates, strict=True))
    say(f"{name}: {firms:,} firms × {days} days, {wall:.2f} s (median of {repeats})")
    peak, trips = None, None
    if trace_memory:
        peak, trace = traced_peak_mb(lambda: run(park, 0))
        trips = int(trace.funnel[-1, :, 0].sum()) if trace.funnel.size else 0
    return Case(
        name=name,
        scenario=str(path.relative_to(ROOT)),
        firms=firms,
        days=days,
        load_s=load_s,
        walls=walls,
        wall_s=wall,
        firm_days_per_s=firms * days / wall,
        ratio_to_bare=ratio,
        bare_s_per_firm_day=rates,
        tracemalloc_peak_mb=peak,
        truck_trips=trips,
    )


def benchmark(
    quick: bool,
    say: Callable[[str], None],
    previous: dict[str, Any] | None = None,
    stretch: bool = False,
    sweep: bool = False,
) -> dict[str, Any]:
    """Run the whole set; returns the results document. `previous` (the last results
    file) gives the 15,000-firm figure the new one may not exceed by 10 %; `stretch` adds
    the 450,000-firm province; `sweep` measures the Dask sweep afresh (otherwise its last
    figures are read back)."""
    started = dt.datetime.now(dt.UTC)
    load_start = loadavg()
    say(f"bare SimPy loop: {BARE_PROCESSES:,} processes × {CITY_DAYS} days")
    bare_walls = [bare_loop(BARE_PROCESSES, CITY_DAYS)]
    bare_per = bare_walls[0] / (BARE_PROCESSES * CITY_DAYS)

    sizes = (1_000, 5_000) if quick else (1_000, 5_000, 15_000)
    repeats = {1_000: 3, 5_000: 1} if quick else {1_000: 5, 5_000: 3, 15_000: 3}
    cases = [measure_case("demo park", DEMO, [], 3 if quick else 7, True, say)]
    for n in sizes:
        cases.append(
            measure_case(
                f"bench city {n:,}",
                CITY,
                [f"scale.firms={n}", f"days={CITY_DAYS}"],
                repeats[n],
                not quick or n <= 1_000,
                say,
            )
        )
    city = [c for c in cases if c.scenario.endswith("bench_city.yaml")]
    # Judged on wall times corrected for drift: each case's time in bare-loop units
    # (its ratio × firm-days), so a busy spell during one size does not bend the fit.
    firms = [c.firms for c in city]
    corrected = [c.ratio_to_bare * c.firms * c.days for c in city]
    exponent = fit_exponent(firms, corrected)
    scaling = {
        "firms": firms,
        "wall_s": [c.wall_s for c in city],
        "exponent": exponent,
        "time_ratio": corrected[-1] / corrected[0],
        "exponent_raw_wall": fit_exponent(firms, [c.wall_s for c in city]),
        "time_ratio_raw_wall": city[-1].wall_s / city[0].wall_s,
        "firms_ratio": city[-1].firms / city[0].firms,
    }

    cli = None
    if not quick:
        say("whole CLI: parksim run bench_city.yaml at 15,000 firms (subprocess, 3 times)")
        cli = whole_cli(15_000, CITY_DAYS, 3)
    region_firms, region_repeats = (5_000, 1) if quick else (REGION_FIRMS, 3)
    say(
        f"whole CLI: parksim run bench_region.yaml at {region_firms:,} firms "
        f"(subprocess, {region_repeats} times)"
    )
    region = whole_cli(region_firms, CITY_DAYS, region_repeats, REGION)
    region_stretch = None
    if stretch:
        say(f"whole CLI: parksim run bench_region.yaml at {STRETCH_FIRMS:,} firms (stretch)")
        region_stretch = whole_cli(STRETCH_FIRMS, CITY_DAYS, 1, REGION)

    w_firms, w_reps = (1_000, 8) if quick else (5_000, 8)
    say(f"replications: {w_reps} × bench city {w_firms:,} on 1 then 2 workers")
    w_park = load_scenario(CITY, sets=[f"scale.firms={w_firms}", f"days={CITY_DAYS}"])
    workers = workers_speedup(
        w_park, f"bench city {w_firms:,} × {CITY_DAYS} days", w_reps, 30 if quick else CITY_DAYS
    )

    if not quick:  # the ceiling again: a drift during the run shows
        say("bare SimPy loop again")
        bare_walls.append(bare_loop(BARE_PROCESSES, CITY_DAYS))
        bare_per = statistics.mean(bare_walls) / (BARE_PROCESSES * CITY_DAYS)

    demo = cases[0]
    demo.targets.append(target("demo park < 0.5 s", "< 0.5 s", demo.wall_s, DEMO_MAX_S, "s"))
    biggest = city[-1]
    if biggest.firms >= 15_000:
        biggest.targets.append(
            target(
                "15k firm-days/s ≥ 540k (stretch)",
                "≥ 540k/s (stretch)",
                biggest.firm_days_per_s,
                STRETCH_FIRM_DAYS_PER_S,
                "firm-days/s",
                below=False,
            )
        )
    targets = [t for c in cases for t in c.targets]
    scale_targets = [
        target("exponent ≈ 1", "exponent ≤ 1.1", exponent, EXPONENT_MAX, ""),
    ]
    if biggest.firms >= 15_000:
        scale_targets.insert(
            0, target("t(15k) ≤ 16 × t(1k)", "≤ 16×", scaling["time_ratio"], SCALE_MAX_RATIO, "×")
        )
    scaling["targets"] = scale_targets
    targets += scale_targets
    if cli is not None:
        cli["targets"] = [
            target("CLI 15k < 10 s", "< 10 s", cli["wall_s"], CLI_MAX_S, "s"),
            target("CLI 15k < 5 s (stretch)", "< 5 s (stretch)", cli["wall_s"], CLI_STRETCH_S, "s"),
            target("CLI 15k peak RSS < 400 MB", "RSS < 400 MB", cli["maxrss_mb"], CLI_MAX_MB, "MB"),
        ]
        targets += cli["targets"]
    targets += region_targets(region, cli, city[-1], previous)
    if region_stretch is not None:
        region_stretch["targets"] = [
            target("stretch 450k < 90 s", "< 90 s", region_stretch["wall_s"], STRETCH_MAX_S, "s"),
            target(
                "stretch 450k peak RSS < 4 GB",
                "RSS < 4 GB",
                region_stretch["maxrss_mb"],
                STRETCH_MAX_MB,
                "MB",
            ),
        ]
        targets += region_stretch["targets"]
    workers["targets"] = [
        target(
            "2 workers ≥ 1.9× runs/s",
            "≥ 1.9×",
            workers["speedup"],
            WORKERS_MIN_SPEEDUP,
            "×",
            below=False,
        )
    ]
    targets += workers["targets"]
    sweep_res = sweep_figures(sweep, say)
    if sweep_res is not None:
        targets += sweep_res["targets"]

    return {
        "date": started.isoformat(timespec="seconds"),
        "quick": quick,
        **git_commit(),
        "machine": machine(),
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
        "bare_loop": {
            "processes": BARE_PROCESSES,
            "days": CITY_DAYS,
            "walls": bare_walls,
            "wall_s": statistics.mean(bare_walls),
            "process_days_per_s": 1 / bare_per,
            "s_per_process_day": bare_per,
        },
        "cases": [asdict(c) for c in cases],
        "scaling": scaling,
        "cli": cli,
        "region": region,
        "region_stretch": region_stretch,
        "workers": workers,
        "sweep": sweep_res,
        "targets": targets,
        "all_met": all(t["met"] for t in targets),
    }


def sweep_figures(refresh: bool, say: Callable[[str], None]) -> dict[str, Any] | None:
    """The Dask sweep of issue 20 against its targets: read from the last
    `sweep_throughput.py --tiny` results, or measured afresh (`refresh`: one trial of
    2,000 runs per configuration, ~6 minutes; three trials take the script itself)."""
    if refresh:
        import sweep_throughput  # benchmarks/ is on sys.path when run as a script

        say("sweep: 2,000 demo runs on a 2-worker LocalCluster and serially (~6 min)")
        sweep_throughput.tiny(2000, 1, SWEEP_RESULTS)
    if not SWEEP_RESULTS.is_file():
        return None
    doc = json.loads(SWEEP_RESULTS.read_text(encoding="utf-8"))
    row = next((r for r in doc.get("medians", []) if r.get("executor") == SWEEP_EXECUTOR), None)
    if row is None:
        return None
    speedup, overhead = float(row["speedup_vs_serial"]), float(row["overhead"])
    return {
        "date": doc.get("date"),
        "trials": len(doc.get("trials", [])),
        "runs": row["runs"],
        "tasks": row["tasks"],
        "runs_per_second": row["runs_per_second"],
        "speedup": speedup,
        "overhead": overhead,
        "cores_free": [
            doc.get("machine", {}).get("cores_free_before"),
            doc.get("machine", {}).get("cores_free_after"),
        ],
        "targets": [
            target(
                "sweep ≥ 1.8 × serial",
                "≥ 1.8× serial",
                speedup,
                SWEEP_MIN_SPEEDUP,
                "×",
                below=False,
            ),
            target("sweep overhead < 10 %", "overhead < 10 %", overhead, SWEEP_MAX_OVERHEAD, ""),
        ],
    }


def region_targets(
    region: dict[str, Any],
    cli: dict[str, Any] | None,
    biggest: Case,
    previous: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The province's targets (issue 20), set on `region` and on the 15,000-firm case;
    returns them all. Judged only at full size (100,000 and 15,000 firms)."""
    out: list[dict[str, Any]] = []
    region["targets"] = []
    if region["firms"] >= REGION_FIRMS:
        region["targets"] = [
            target("region 100k < 15 s", "< 15 s", region["wall_s"], REGION_MAX_S, "s"),
            target(
                "region 100k peak RSS < 1 GB",
                "RSS < 1 GB",
                region["maxrss_mb"],
                REGION_MAX_MB,
                "MB",
            ),
        ]
        if cli is not None:
            ratio = region["wall_s"] / cli["wall_s"]
            region["ratio_to_cli_15k"] = ratio
            region["cpu_ratio_to_cli_15k"] = region["cpu_s"] / cli["cpu_s"]
            region["targets"].append(
                target("t(region 100k) ≤ 6 × t(15k)", "≤ 6× 15k", ratio, REGION_MAX_RATIO, "×")
            )
        out += region["targets"]
    prev_case = next(
        (c for c in (previous or {}).get("cases", []) if c.get("name") == biggest.name), None
    )
    if prev_case is not None and biggest.firms >= 15_000:
        slowdown = biggest.ratio_to_bare / prev_case["ratio_to_bare"]
        biggest.targets.append(
            target(
                "15k ≤ 1.1 × previous",
                "≤ 1.1× prev",
                slowdown,
                SINGLE_PARK_MAX_SLOWDOWN,
                "×",
            )
        )
        out.append(biggest.targets[-1])
    return out


def _si(x: float) -> str:
    """1,234,567 → '1.23M'; for firm-days per second."""
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def _mb(x: float | None) -> str:
    return "" if x is None else f"{x:.1f}" if x < 10 else f"{x:.0f}"


def _met(targets: Sequence[dict[str, Any]]) -> dict[str, str]:
    return {
        "target": "; ".join(t["label"] for t in targets),
        "met": "; ".join("met" if t["met"] else "NOT met" for t in targets),
    }


COLUMNS = (
    "case",
    "firms × days",
    "load s",
    "wall s",
    "firm-days/s",
    "× bare loop",
    "× bare, prev",
    "peak MB",
    "target",
    "met",
)


def rows(res: dict[str, Any], previous: dict[str, Any] | None) -> list[dict[str, str]]:
    """The table: one row per measurement, with its target and whether it is met."""
    prev = {}
    if previous:
        prev = {c["name"]: c["ratio_to_bare"] for c in previous.get("cases", [])}
        if previous.get("cli"):
            prev["whole CLI"] = previous["cli"]["ratio_to_bare"]
        for key, label in (("region", "province, 8 parks (CLI)"), ("region_stretch", "stretch")):
            if previous.get(key) and previous[key]["firms"] >= REGION_FIRMS:
                prev[label] = previous[key]["ratio_to_bare"]
    b = res["bare_loop"]
    out = [
        {
            "case": "bare SimPy loop (the ceiling)",
            "firms × days": f"{b['processes']:,} proc × {b['days']}",
            "wall s": f"{b['wall_s']:.2f}",
            "firm-days/s": _si(b["process_days_per_s"]),
            "× bare loop": "1",
        }
    ]
    for c in res["cases"]:
        out.append(
            {
                "case": c["name"],
                "firms × days": f"{c['firms']:,} × {c['days']}",
                "load s": f"{c['load_s']:.2f}",
                "wall s": f"{c['wall_s']:.2f}",
                "firm-days/s": _si(c["firm_days_per_s"]),
                "× bare loop": f"{c['ratio_to_bare']:.2f}",
                "× bare, prev": _prev(prev.get(c["name"])),
                "peak MB": _mb(c["tracemalloc_peak_mb"]),
                **_met(c["targets"]),
            }
        )
    cli = res["cli"]
    if cli:
        out.append(
            {
                "case": "whole CLI (parksim run)",
                "firms × days": f"{cli['firms']:,} × {cli['days']}",
                "wall s": f"{cli['wall_s']:.2f}",
                "firm-days/s": _si(cli["firm_days_per_s"]),
                "× bare loop": f"{cli['ratio_to_bare']:.2f}",
                "× bare, prev": _prev(prev.get("whole CLI")),
                "peak MB": f"{cli['maxrss_mb']:.0f} RSS",
                **_met(cli["targets"]),
            }
        )
    for key, label in (("region", "province, 8 parks (CLI)"), ("region_stretch", "stretch")):
        reg = res.get(key)
        if not reg:
            continue
        vs = reg.get("ratio_to_cli_15k")
        out.append(
            {
                "case": f"{label}: bench_region",
                "firms × days": f"{reg['firms']:,} × {reg['days']}",
                "wall s": f"{reg['wall_s']:.2f}"
                + ("" if vs is None else f" (×{vs:.1f} the 15k CLI)"),
                "firm-days/s": _si(reg["firm_days_per_s"]),
                "× bare loop": f"{reg['ratio_to_bare']:.2f}",
                "× bare, prev": _prev(prev.get(label)),
                "peak MB": f"{reg['maxrss_mb']:.0f} RSS",
                **_met(reg["targets"]),
            }
        )
    sw = res.get("sweep")
    if sw:
        out.append(
            {
                "case": "sweep, 2-worker LocalCluster, batches",
                "firms × days": f"{sw['runs']:,} demo runs, {sw['tasks']} tasks",
                "wall s": f"{sw['runs_per_second']:.1f} runs/s",
                "firm-days/s": f"×{sw['speedup']:.2f} serial",
                "× bare loop": f"overhead {sw['overhead']:.1%}",
                "load s": f"{sw['date']}, {sw['trials']} trials",
                **_met(sw["targets"]),
            }
        )
    s = res["scaling"]
    out.append(
        {
            "case": "growth with firms",
            "firms × days": " → ".join(f"{n // 1000}k" for n in s["firms"]),
            "wall s": f"×{s['time_ratio']:.1f} (firms ×{s['firms_ratio']:.0f})",
            "firm-days/s": f"exponent {s['exponent']:.2f}",
            "× bare loop": f"raw ×{s['time_ratio_raw_wall']:.1f}, {s['exponent_raw_wall']:.2f}",
            **_met(s["targets"]),
        }
    )
    w = res["workers"]
    out.append(
        {
            "case": f"{w['replications']} replications, 1 → 2 workers",
            "firms × days": w["park"],
            "wall s": f"{w['wall_s_1_worker']:.1f} → {w['wall_s_2_workers']:.1f}",
            "firm-days/s": f"speed-up {w['speedup']:.2f}× (median of "
            + ", ".join(f"{x:.2f}" for x in w["speedups"])
            + ")",
            "× bare loop": f"bare loop ×{w['bare_loop_2_processes']['speedup']:.2f}",
            "load s": f"start-up {w['worker_startup_s']:.2f}",
            **_met(w["targets"]),
        }
    )
    return out


def _prev(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def render(res: dict[str, Any], previous: dict[str, Any] | None, markdown: bool) -> None:
    """Print the table (rich on a terminal, else Markdown to paste), then what it means."""
    m = res["machine"]
    title = (
        f"parksim benchmarks {res['date'][:10]}, commit {res['commit']}"
        + (" + uncommitted changes" if res["dirty"] else "")
        + (" (QUICK set)" if res["quick"] else "")
    )
    caption = (
        f"{m['cpu']}, {m['cpu_count']} cores, Python {m['python']}, numpy {m['numpy']}, "
        f"SimPy {m['simpy']}; load average {res['loadavg_start']} → {res['loadavg_end']}"
    )
    body = rows(res, previous)
    columns = [c for c in COLUMNS if any(r.get(c) for r in body)]
    notes = [
        "wall s: one replication (build the world + run it), median of repeats; "
        "load s: read, validate and expand the scenario.",
        "× bare loop: wall ÷ the bare SimPy loop's time for as many process-days, the loop "
        "timed just before each repeat (median over repeats): compare commits by this, "
        "not by seconds.",
        "peak MB: tracemalloc peak of one replication; whole CLI: peak RSS of the process.",
        "province: parksim run scenarios/bench_region.yaml (8 linked parks) in a subprocess, "
        "median of 3; × the 15k CLI: its wall time ÷ the whole CLI at 15,000 firms above; "
        "≤ 1.1× prev: the 15,000-firm replication's × bare loop ÷ the previous results'.",
        "growth: time at the largest size ÷ at 1,000 firms and the exponent k of time ≈ c · "
        "firms^k, on times corrected for drift (× bare loop × firm-days); raw: on wall seconds.",
        "workers: run_replications(park, N, workers=1) then workers=2, three times; the "
        "speed-up is the median of the three pairs' ratios; start-up: seconds for "
        "a worker started as run_replications starts them (forked where possible) to answer; "
        "bare loop ×: the speed-up "
        "of two bare loops at once on 2 warm workers, the machine's own ceiling right now.",
        "sweep: python benchmarks/sweep_throughput.py --tiny (2,000 runs of the demo park, "
        "automatic batches, against a serial tenth), medians of its trials, read from "
        "benchmarks/sweep_tiny_results.json (--sweep measures it afresh, one trial); "
        "overhead: (wall − the runs' own times ÷ 2) ÷ wall.",
    ]
    if previous:
        notes.append(
            f"× bare, prev: the ratio in the previous results (commit {previous.get('commit')}, "
            f"{str(previous.get('date'))[:10]})."
        )
    failed = [t["target"] for t in res["targets"] if not t["met"]]
    notes.append("all targets met" if not failed else "targets NOT met: " + "; ".join(failed))
    if markdown:
        print(f"{title}\n")
        print("| " + " | ".join(columns) + " |")
        print(
            "|"
            + "|".join("---" if c in ("case", "target", "met") else "--:" for c in columns)
            + "|"
        )
        for r in body:
            print("| " + " | ".join(r.get(c, "") for c in columns) + " |")
        print(f"\n{caption}\n")
        print("\n".join(notes))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=title, caption=caption)
    for c in columns:
        table.add_column(c, justify="left" if c in ("case", "target", "met") else "right")
    for r in body:
        style = "red" if "NOT" in r.get("met", "") else None
        table.add_row(*(r.get(c, "") for c in columns), style=style)
    console.print(table)
    console.print("\n".join(notes), highlight=False)


def profile(firms: int, top: int) -> list[dict[str, Any]]:
    """cProfile of one bench-city replication: the `top` functions by own time."""
    import cProfile
    import pstats

    park = load_scenario(CITY, sets=[f"scale.firms={firms}", f"days={CITY_DAYS}"])
    prof = cProfile.Profile()
    prof.enable()
    run(park, 0)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = []
    raw: dict[tuple[str, int, str], tuple] = stats.stats  # type: ignore[attr-defined]
    for (file, line, func), (_, ncalls, tottime, cumtime, _) in raw.items():
        where = file
        for root in (str(ROOT) + os.sep, *(p + os.sep for p in sys.path if p)):
            if file.startswith(root):
                where = file[len(root) :]
                break
        entries.append(
            {
                "function": f"{where}:{line}({func})",
                "calls": ncalls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
                "share": tottime / total,
            }
        )
    entries.sort(key=lambda e: -e["tottime_s"])
    print(
        f"cProfile, one replication of the bench city, {firms:,} firms × {CITY_DAYS} days: "
        f"{total:.2f} s profiled"
    )
    print(f"{'own s':>7} {'share':>6} {'cum s':>7} {'calls':>9}  function")
    for e in entries[:top]:
        print(
            f"{e['tottime_s']:7.2f} {e['share']:6.1%} {e['cumtime_s']:7.2f} {e['calls']:9d}  "
            f"{e['function']}"
        )
    return entries[:top]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON."""
    ap = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="parksim speed and memory: bare SimPy loop, demo park, bench city "
        "at 1k/5k/15k firms, whole CLI, the 8-park province, 2 workers.",
    )
    ap.add_argument("--quick", action="store_true", help="reduced set in under a minute")
    ap.add_argument(
        "--out",
        type=Path,
        help="results JSON (default benchmarks/results.json; --quick writes none unless given)",
    )
    ap.add_argument(
        "--profile",
        type=int,
        metavar="FIRMS",
        help="instead: cProfile one replication of the bench city at FIRMS firms, "
        "print the top functions by own time",
    )
    ap.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown (as when piped)"
    )
    ap.add_argument("--top", type=int, default=15, help="functions shown by --profile")
    ap.add_argument(
        "--stretch",
        action="store_true",
        help=f"also run the province at {STRETCH_FIRMS:,} firms (~1.5 min, ~3 GB)",
    )
    ap.add_argument(
        "--sweep",
        action="store_true",
        help="also measure the 2,000-run Dask sweep afresh (~6 min); without it, the last "
        "figures of benchmarks/sweep_tiny_results.json are reported",
    )
    args = ap.parse_args(argv)
    if args.profile:
        profile(args.profile, args.top)
        return 0
    out = args.out or (None if args.quick else ROOT / "benchmarks" / "results.json")
    previous = None
    if out is not None and out.exists():
        try:
            previous = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None

    def say(msg: str) -> None:
        print(f"  … {msg}", file=sys.stderr, flush=True)

    res = benchmark(args.quick, say, previous, args.stretch, args.sweep)
    render(res, previous, args.markdown or not sys.stdout.isatty())
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(res, indent=2, default=_json) + "\n", encoding="utf-8")
        os.replace(tmp, out)
        print(f"results → {out}")
    return 0


def _json(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    raise TypeError(type(x))


if __name__ == "__main__":
    sys.exit(main())
