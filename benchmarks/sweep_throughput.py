"""Sweep throughput: runs per second on each executor, on one fixed small sweep.

    python benchmarks/sweep_throughput.py [--replications 20] [--out benchmarks/sweep_results.json]

The sweep is a grid on the demo park (120 days): service teams {2, 3, 4, 6} ×
passes per day {1, 2, 3}, 12 points × 20 replications = 240 runs by default. Each
executor runs it into a fresh folder without plots; the wall time counts
everything a user waits for (starting worker processes or the LocalCluster,
running, writing the folder): runs/s = runs / wall time. The steady rate leaves
the start-up out: runs finished after the first one ÷ the time from the first to
the last. The rows of every executor are checked to equal the serial ones.

Before and after, it checks how many cores it really gets (two busy loops in two
processes against one alone): on a shared machine other work can hold a core,
and then no executor can scale. Prints a table and writes the numbers, the
machine, that check and the date to `benchmarks/sweep_results.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SWEEP = """\
name: throughput
scenario: {scenario}
parameters:
  - {{path: reopening.service_teams, name: teams, levels: [2, 3, 4, 6]}}
  - {{path: logistics.passes_per_day, name: passes, levels: [1, 2, 3]}}
design: grid
replications: {replications}
outcomes: [lost_output_days, days_to_80]
seed: 7
"""

CONFIGS = (
    ("serial", "serial", None),
    ("local, 1 worker", "local", 1),
    ("local, 2 workers", "local", 2),
    ("dask LocalCluster, 2 workers", "dask", 2),
)


def _spin(n: int) -> float:
    """Pure-Python busy loop; returns its wall seconds."""
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i
    return time.perf_counter() - t0


def cores_free(n: int = 5_000_000) -> float:
    """How many cores this benchmark really gets now: 2 × (one loop's time alone) ÷
    (the time two loops take side by side in two processes). 2.0 on an idle 2-core
    machine; near 1.0 when other work holds a core (then no executor can scale)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    alone = min(_spin(n) for _ in range(2))
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        list(pool.map(_spin, [n // 10] * 2))  # start both workers first
        t0 = time.perf_counter()
        list(pool.map(_spin, [n] * 2))
        pair = time.perf_counter() - t0
    return round(2 * alone / pair, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "sweep_results.json")
    args = ap.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )  # worker processes import sim from this checkout

    import pyarrow.parquet as pq

    from sim.experiment.executors import make_executor
    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweep_spec import load_sweep

    load_before = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    free_before = cores_free()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = Path(tmp) / "throughput.yaml"
        sweep_file.write_text(
            SWEEP.format(
                scenario=ROOT / "scenarios" / "demo_park.yaml", replications=args.replications
            )
        )
        sweep = load_sweep(sweep_file)
        reference = None
        for label, kind, workers in CONFIGS:
            out = Path(tmp) / kind / str(workers)
            stamps: list[float] = []

            def note(done: int, failed: int, total: int, stamps: list[float] = stamps) -> None:
                stamps.append(time.perf_counter())

            t0 = time.perf_counter()
            with make_executor(kind, workers) as ex:
                started = time.perf_counter() - t0
                res = run_sweep(sweep, out, ex, plots=False, progress=note)
            wall = time.perf_counter() - t0
            # stamps[0] is the start; stamps[1] the first finished run
            steady = (len(stamps) - 2) / (stamps[-1] - stamps[1])
            table = pq.read_table(out / "runs.parquet").drop(["wall_seconds"])
            if reference is None:
                reference = table
            same = table.equals(reference)
            results.append(
                {
                    "executor": label,
                    "runs": res.total,
                    "wall_seconds": round(wall, 2),
                    "startup_seconds": round(started, 2),
                    "runs_per_second": round(res.total / wall, 2),
                    "first_run_seconds": round(stamps[1] - t0, 2),
                    "steady_runs_per_second": round(steady, 2),
                    "rows_equal_serial": same,
                }
            )
            print(f"  {label}: {res.total / wall:.2f} runs/s ({wall:.1f} s)", file=sys.stderr)
    base = results[0]["runs_per_second"]
    steady_base = results[0]["steady_runs_per_second"]
    for r in results:
        r["speedup_vs_serial"] = round(r["runs_per_second"] / base, 2)
        r["steady_speedup_vs_serial"] = round(r["steady_runs_per_second"] / steady_base, 2)
    doc = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "cores_free_before": free_before,
            "cores_free_after": cores_free(),
        },
        "sweep": f"demo park 120 days, 12 points × {args.replications} replications",
        "results": results,
    }
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(
        "| executor | runs | wall s | runs/s | × serial | first run after s "
        "| steady runs/s | × serial | rows = serial |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for r in results:
        print(
            f"| {r['executor']} | {r['runs']} | {r['wall_seconds']:.1f} | "
            f"{r['runs_per_second']:.2f} | {r['speedup_vs_serial']:.2f} | "
            f"{r['first_run_seconds']:.1f} | {r['steady_runs_per_second']:.2f} | "
            f"{r['steady_speedup_vs_serial']:.2f} | "
            f"{'yes' if r['rows_equal_serial'] else 'NO'} |"
        )
    m = doc["machine"]
    print(
        f"\n{doc['date']}, {m['cores']} cores ({m['cores_free_before']} → "
        f"{m['cores_free_after']} free by a busy-loop check) → {args.out}"
    )


if __name__ == "__main__":
    main()
