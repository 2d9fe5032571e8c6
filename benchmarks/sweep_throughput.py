"""Sweep throughput: runs per second on each executor, on one fixed small sweep.

    python benchmarks/sweep_throughput.py [--replications 20] [--out benchmarks/sweep_results.json]
    python benchmarks/sweep_throughput.py --tiny [--tiny-runs 2000] [--trials 3]

The sweep is a grid on the demo park (120 days): service teams {2, 3, 4, 6} ×
passes per day {1, 2, 3}, 12 points × 20 replications = 240 runs by default. Each
executor runs it into a fresh folder without plots; the wall time counts
everything a user waits for (starting worker processes or the LocalCluster,
running, writing the folder): runs/s = runs / wall time. The steady rate leaves
the start-up out: runs finished after the first one ÷ the time from the first to
the last. The rows of every executor are checked to equal the serial ones.

Every executor there sends one run a task (`--batch-size 1`). `--tiny` measures
instead what batching does with many tiny tasks: 2,000 runs of the demo park (20
points × 100 replications) on 2 workers, one run a task against automatic batches,
on a Dask LocalCluster and on local processes, beside a serial reference (a tenth
of the runs: the same points, 10 replications), all alternated in each of
`--trials` trials; it reports each trial and the medians: runs/s, × serial, tasks
sent, and the scheduling overhead as the issue defines it, (wall − the sum of the
runs' own times ÷ 2) ÷ wall. Written to `benchmarks/sweep_tiny_results.json`.

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

TINY_SWEEP = """\
name: tiny_tasks
scenario: {scenario}
parameters:
  - {{path: reopening.service_teams, name: teams, levels: [2, 3, 4, 6]}}
  - {{path: logistics.passes_per_day, name: passes, levels: [1, 2, 3, 4, 5]}}
design: grid
replications: {replications}
outcomes: [lost_output_days]
seed: 7
"""

TINY_CONFIGS = (
    # label, executor, batch size (None: automatic)
    ("serial (a tenth of the runs)", "serial", 1),
    ("dask LocalCluster, one run a task", "dask", 1),
    ("dask LocalCluster, automatic batches", "dask", None),
    ("local, one run a task", "local", 1),
    ("local, automatic batches", "local", None),
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


def machine(free_before: float, load_before: list[float] | None) -> dict:
    """The machine, its load and the cores really free before and after."""
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cores_free_before": free_before,
        "cores_free_after": cores_free(),
    }


def median(xs: list[float]) -> float:
    import statistics

    return round(statistics.median(xs), 3)


def tiny(runs: int, trials: int, out: Path) -> None:
    """Many tiny tasks: one run a task against automatic batches, alternated per trial."""
    import pyarrow.parquet as pq

    from sim.experiment.executors import make_executor
    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweep_spec import load_sweep

    load_before = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    free_before = cores_free()
    points = 20
    trials_out: list[list[dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sweeps = {}
        for name, reps in (
            ("full", max(1, runs // points)),
            ("tenth", max(1, runs // points // 10)),
        ):
            f = Path(tmp) / f"{name}.yaml"
            f.write_text(
                TINY_SWEEP.format(scenario=ROOT / "scenarios" / "demo_park.yaml", replications=reps)
            )
            sweeps[name] = load_sweep(f)
        for trial in range(trials):
            rows = []
            for label, kind, size in TINY_CONFIGS:
                sweep = sweeps["tenth" if kind == "serial" else "full"]
                folder = Path(tmp) / f"t{trial}-{kind}-{size}"
                workers = None if kind == "serial" else 2
                t0 = time.perf_counter()
                with make_executor(kind, workers, batch_size=size) as ex:
                    res = run_sweep(sweep, folder, ex, plots=False)
                    tasks = getattr(ex, "tasks_submitted", res.total)
                wall = time.perf_counter() - t0
                own = sum(pq.read_table(folder / "runs.parquet")["wall_seconds"].to_pylist())
                n = workers or 1
                rows.append(
                    {
                        "executor": label,
                        "runs": res.total,
                        "tasks": tasks,
                        "wall_seconds": round(wall, 2),
                        "runs_per_second": round(res.total / wall, 2),
                        "overhead": round((wall - own / n) / wall, 3),
                    }
                )
                print(
                    f"  trial {trial + 1}, {label}: {res.total / wall:.2f} runs/s, "
                    f"{tasks} tasks, overhead {(wall - own / n) / wall:.0%}",
                    file=sys.stderr,
                )
            base = rows[0]["runs_per_second"]
            for r in rows:
                r["speedup_vs_serial"] = round(r["runs_per_second"] / base, 2)
            trials_out.append(rows)
    medians = [
        {
            "executor": label,
            "runs": trials_out[0][i]["runs"],
            "tasks": trials_out[0][i]["tasks"],
            **{
                k: median([t[i][k] for t in trials_out])
                for k in ("wall_seconds", "runs_per_second", "speedup_vs_serial", "overhead")
            },
        }
        for i, (label, _, _) in enumerate(TINY_CONFIGS)
    ]
    doc = {
        "date": dt.date.today().isoformat(),
        "machine": machine(free_before, load_before),
        "sweep": f"demo park 120 days, {points} points × {runs // points} replications "
        f"(serial: {runs // points // 10} replications), 2 workers",
        "trials": trials_out,
        "medians": medians,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print("| executor | runs | tasks | runs/s | × serial | overhead | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in medians:
        print(
            f"| {r['executor']} | {r['runs']} | {r['tasks']} | {r['runs_per_second']:.2f} | "
            f"{r['speedup_vs_serial']:.2f} | {r['overhead']:.1%} | {r['wall_seconds']:.1f} |"
        )
    m = doc["machine"]
    print(
        f"\nmedians of {trials} trials; {doc['date']}, {m['cores']} cores "
        f"({m['cores_free_before']} → {m['cores_free_after']} free by a busy-loop check, "
        f"load {m['load_average_before']} → {m['load_average_after']}) → {out}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument(
        "--out",
        type=Path,
        help="default benchmarks/sweep_results.json, "
        "or benchmarks/sweep_tiny_results.json with --tiny",
    )
    ap.add_argument("--tiny", action="store_true", help="the many-tiny-tasks case instead")
    ap.add_argument("--tiny-runs", type=int, default=2000)
    ap.add_argument("--trials", type=int, default=3)
    args = ap.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )  # worker processes import sim from this checkout
    if args.tiny:
        tiny(
            args.tiny_runs, args.trials, args.out or ROOT / "benchmarks" / "sweep_tiny_results.json"
        )
        return
    args.out = args.out or ROOT / "benchmarks" / "sweep_results.json"

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
            with make_executor(kind, workers, batch_size=1) as ex:
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
        "machine": machine(free_before, load_before),
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
