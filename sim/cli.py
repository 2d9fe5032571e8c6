"""The `parksim` command: subcommands, exit codes and progress; no model logic.

Exit codes: 0 success, 1 internal error, 2 bad input (scenario, overlay, --set,
registry, usage).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim import __version__
from sim.scenario.errors import ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument(
        "--policy",
        action="append",
        default=[],
        type=Path,
        metavar="OVERLAY.yaml",
        help="overlay merged onto the scenario (repeatable, applied in order)",
    )
    _set_arg(p, "override one value, e.g. reopening.service_teams=10 (repeatable)")


def _set_arg(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument(
        "--set", action="append", default=[], dest="sets", metavar="KEY.PATH=VALUE", help=help
    )


def _replication_args(p: argparse.ArgumentParser, replications: str, seed: str, out: str) -> None:
    """Options of the commands that run replications (run, compare)."""
    p.add_argument("--replications", type=int, help=replications)
    p.add_argument("--seed", type=int, help=seed)
    p.add_argument("--days", type=int, help="horizon in days")
    p.add_argument("--out", type=Path, help=out)
    p.add_argument(
        "--workers", type=int, default=1, help="local processes for replications (default 1)"
    )
    p.add_argument("--no-plots", action="store_true", help="skip drawing plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    _force_arg(p)


def _force_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="if the output folder holds anything parksim did not write, move it aside "
        "(to NAME.moved-<time>) instead of refusing; nothing is deleted",
    )


def _batching_args(p: argparse.ArgumentParser) -> None:
    """How runs are grouped into tasks and workers recycled (local and dask executors)."""
    p.add_argument(
        "--batch-size",
        metavar="auto|N",
        help="runs per task: auto (the default: about a second of runs a task, from the "
        "measured run time) or N",
    )
    p.add_argument(
        "--max-in-flight",
        type=int,
        metavar="N",
        help="tasks sent to the workers ahead of their results, at most (default: 4 per worker)",
    )
    p.add_argument(
        "--recycle-after",
        type=int,
        metavar="N",
        help="replace each worker process with a fresh one after it has done N runs, to "
        "contain slow leaks over a long sweep (default: never)",
    )


def _batching(args: argparse.Namespace, command: str) -> dict[str, Any] | None:
    """The batching options as executor keywords; None (after saying why) when invalid."""
    from sim.experiment.batching import parse_batch_size

    given = [
        f"--{name.replace('_', '-')}"
        for name in ("batch_size", "max_in_flight", "recycle_after")
        if getattr(args, name) is not None
    ]
    problems = []
    if given and args.executor == "serial":
        problems.append(
            f"{', '.join(given)} {'needs' if len(given) == 1 else 'need'} --executor local "
            "or dask (serial runs one at a time)"
        )
    for name in ("max_in_flight", "recycle_after"):
        value = getattr(args, name)
        if value is not None and value < 1:
            problems.append(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    size = None
    try:
        size = parse_batch_size(args.batch_size)
    except ValueError as e:
        problems.append(f"--batch-size: {e}")
    for problem in problems:
        print(f"parksim {command}: {problem}", file=sys.stderr)
    if problems:
        return None
    return {
        "batch_size": size,
        "max_in_flight": args.max_in_flight,
        "recycle_after": args.recycle_after,
    }


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    ap = _Parser(prog="parksim", description="Industrial park recovery after an epidemic lockdown.")
    ap.add_argument("--version", action="version", version=f"parksim {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write a results folder")
    _scenario_args(run)
    _replication_args(
        run, "number of replications", "root random seed", "results folder (default results/<name>)"
    )

    cmp = sub.add_parser(
        "compare",
        help="run policy options against the baseline with common random numbers",
        description="Run the scenario as given (the baseline) and each option with the same "
        "seeds, and write paired differences with 95 % CIs, a table and plots.",
    )
    cmp.add_argument("scenario", type=Path, help="base scenario YAML file")
    cmp.add_argument(
        "--policy",
        action="append",
        default=[],
        type=Path,
        metavar="OVERLAY.yaml",
        help="one option: this overlay on the scenario, named after the file (repeatable)",
    )
    cmp.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="'NAME: KEY.PATH=VALUE; ...'",
        help="one option made of --set expressions, e.g. "
        "'teams6: reopening.service_teams=6' (repeatable)",
    )
    _set_arg(cmp, "override one value in every option, baseline included (repeatable)")
    _replication_args(
        cmp,
        "replications per option",
        "root random seed (the same for every option)",
        "output folder (default results/<name>_compare)",
    )

    val = sub.add_parser("validate", help="check a scenario and print what it holds")
    _scenario_args(val)
    val.add_argument(
        "--json",
        action="store_true",
        help="print what the scenario holds as JSON (the same facts as the text)",
    )

    sch = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sch.add_argument(
        "--markdown",
        action="store_true",
        help="print the key reference (as in scenarios/README.md) instead",
    )

    plot = sub.add_parser("plot", help="redraw the plots of a results folder")
    plot.add_argument("results", type=Path)

    ver = sub.add_parser("verify", help="check a results folder against its manifest")
    ver.add_argument("results", type=Path)

    swp = sub.add_parser(
        "sweep",
        help="run a sweep file: parameters over a design × replications, resumable",
        description="Run every (point, replication) of a sweep file on the chosen executor, "
        "recording each run as it finishes; run the same command again after an "
        "interruption to finish the rest. Exit code 3 when some runs failed.",
    )
    swp.add_argument("sweep", type=Path, help="sweep YAML file")
    swp.add_argument(
        "--executor",
        choices=("serial", "local", "dask"),
        default="local",
        help="serial (this process), local (processes on this machine; the default) or dask",
    )
    swp.add_argument(
        "--workers",
        type=int,
        help="local: processes; dask without --scheduler: LocalCluster workers "
        "(default: the number of cores)",
    )
    swp.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask: join the scheduler at tcp://HOST:PORT"
    )
    swp.add_argument(
        "--scheduler-file", type=Path, metavar="FILE", help="dask: join the scheduler in FILE"
    )
    _batching_args(swp)
    swp.add_argument("--out", type=Path, help="sweep folder (default results/<sweep name>)")
    swp.add_argument(
        "--fresh", action="store_true", help="discard what the folder holds and start over"
    )
    swp.add_argument(
        "--retry-failed", action="store_true", help="run the failed runs of the folder again"
    )
    swp.add_argument("--no-plots", action="store_true", help="skip drawing plots")
    swp.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _force_arg(swp)

    cal = sub.add_parser(
        "calibrate",
        help="estimate scenario parameters from published figures (ABC-SMC), resumable",
        description="Fit the parameters of a calibration file to its observations with "
        "pyabc's ABC-SMC, score held-out observations out of sample, and write the posterior, "
        "a calibrated.yaml overlay, tables and plots. Run the same command again after an "
        "interruption to resume; the posterior is the same as without the interruption.",
    )
    cal.add_argument("calibration", type=Path, help="calibration YAML file")
    cal.add_argument(
        "--quick",
        action="store_true",
        help="a small, fast calibration (the file's `quick:` settings) for CI and trials; "
        "writes results/<name>-quick by default",
    )
    cal.add_argument(
        "--hold-out",
        action="append",
        default=[],
        dest="hold_out",
        metavar="SELECTOR",
        help="hold an observation back from the fit and score it out of sample: an id "
        "(glob), from:DATE, from:DAY or metric:NAME (repeatable; adds to the file's hold_out)",
    )
    cal.add_argument(
        "--executor",
        choices=("serial", "local", "dask"),
        default="local",
        help="where particles run: serial, local processes (the default) or dask",
    )
    cal.add_argument(
        "--workers", type=int, help="local processes or LocalCluster workers (default: cores)"
    )
    cal.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask: join the scheduler at tcp://HOST:PORT"
    )
    cal.add_argument(
        "--scheduler-file", type=Path, metavar="FILE", help="dask: join the scheduler in FILE"
    )
    cal.add_argument(
        "--out", type=Path, help="calibration folder (default results/<calibration name>)"
    )
    cal.add_argument(
        "--fresh", action="store_true", help="discard what the folder holds and start over"
    )
    cal.add_argument("--no-plots", action="store_true", help="skip drawing plots")
    cal.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _force_arg(cal)
    return ap


def _fail_input(err: ScenarioError) -> int:
    print(err.render(), file=sys.stderr)
    return EXIT_INPUT


def _overrides(args: argparse.Namespace) -> list[str]:
    sets = list(args.sets)
    for key in ("replications", "seed", "days"):
        v = getattr(args, key, None)
        if v is not None:
            sets.append(f"{key}={v}")
    return sets


def cmd_run(args: argparse.Namespace) -> int:
    """Load, run every replication, write the results folder, print the summary."""
    from sim.experiment.runner import run_replications
    from sim.output.folder import RUN, claim, default_folder
    from sim.output.results import write_run
    from sim.scenario.load import load_scenario, print_warnings

    started = dt.datetime.now(dt.UTC)
    try:
        park = load_scenario(args.scenario, args.policy, _overrides(args))
    except ScenarioError as e:
        return _fail_input(e)
    print_warnings(park, file=sys.stderr)
    if args.workers < 1:
        print("parksim run: --workers must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    sc = park.scenario
    out = args.out or default_folder(sc.name)
    with claim(out, RUN, force=args.force) as moved:
        _said_moved("run", moved)
        show = not args.quiet and sys.stderr.isatty()
        if show:
            from rich.progress import Progress

            with Progress(transient=True, auto_refresh=False) as bar:
                task = bar.add_task(f"{sc.name}: replications", total=sc.replications)
                traces = run_replications(
                    park, sc.replications, None, args.workers, _advance(bar, task)
                )
        else:
            traces = run_replications(park, sc.replications, None, args.workers)
        executor = "serial" if args.workers <= 1 else f"local processes ({args.workers})"
        write_run(
            out,
            park,
            traces,
            scenario_file=args.scenario,
            started=started,
            executor=executor,
            plots=not args.no_plots,
            force=args.force,
        )
    if not args.quiet:
        _print_summary(out)
    return EXIT_OK


def _said_moved(command: str, moved: Path | None) -> None:
    if moved is not None:
        print(
            f"parksim {command}: --force: what was in the output folder was moved to {moved}",
            file=sys.stderr,
        )


def _advance(bar: Any, task: Any) -> Callable[[int], None]:
    """Progress callback: advance the bar and redraw it. Bars do not refresh on their
    own: a refresh thread would keep local workers from being forked."""

    def advance(k: int) -> None:
        bar.advance(task, k)
        bar.refresh()

    return advance


def _print_summary(out: Path) -> None:
    """The headline of a finished run, read back from its `summary.json`: every metric
    with its 95 % CI and the largest causes of lost output."""
    from sim.files import summary
    from sim.metrics import DAYS_TO_PREFIX

    summ = summary.read(out / summary.FILE).raw
    n = summ["replications"]
    print(f"{summ['scenario']}: {n} replication(s) × {summ['days']} days → {out}")
    for name, m in summ["metrics"].items():
        if name.startswith(DAYS_TO_PREFIX) and "median" in m:
            print(f"  {name:<18} {_censored(m, n)}")
            continue
        if m["mean"] is None:
            txt = f"never reached ({m['reached']}/{n} replications)"
        else:
            lo, hi = m["ci95"]
            txt = f"{m['mean']:.3f}  (95% CI {lo:.3f} – {hi:.3f})"
            if name.startswith(DAYS_TO_PREFIX) and m["reached"] < n:
                txt += f"  reached in {m['reached']}/{n}"
        print(f"  {name:<18} {txt}")
    top = sorted(summ["causes"].items(), key=lambda kv: -(kv[1]["mean"] or 0))[:5]
    print(
        "  lost output by cause (baseline-days): "
        + ", ".join(f"{c} {v['mean']:.2f}" for c, v in top if (v["mean"] or 0) > 0)
    )


def _censored(m: dict[str, Any], n: int) -> str:
    """A days-to-X line: the Kaplan–Meier median and its CI (a missing end: beyond the
    horizon), how many replications reached the level."""

    def day(v: float | None) -> str:
        return f"{v:.0f}" if v is not None else f">{m['censored_at']}"

    if m["median"] is None and m["reached"] == 0:
        return f"never reached (0/{n} replications)"
    lo, hi = m["median_ci95"]
    txt = f"median {day(m['median'])}  (95% CI {day(lo)} – {day(hi)})"
    if m["reached"] < n:
        txt += f"  reached in {m['reached']}/{n}"
    return txt


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and every option on the same seeds; write and print the comparison."""
    from sim.comparison import compare_traces
    from sim.experiment.compare import load_options
    from sim.experiment.runner import run_replications
    from sim.files.comparison_md import main_table, render_table
    from sim.output.compare_report import write_compare
    from sim.output.folder import COMPARISON, claim, default_folder

    started = dt.datetime.now(dt.UTC)
    if args.workers < 1:
        print("parksim compare: --workers must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    shared = _overrides(args)
    try:
        options = load_options(args.scenario, args.policy, args.variant, shared)
    except ScenarioError as e:
        return _fail_input(e)
    if len(options) < 2:
        print("parksim compare: give at least one --policy or --variant", file=sys.stderr)
        return EXIT_INPUT
    _print_option_warnings(options)
    sc = options[0].park.scenario
    n = sc.replications
    out = args.out or default_folder(sc.name, "_compare")
    traces = {}
    with claim(out, COMPARISON, force=args.force) as moved:
        _said_moved("compare", moved)
        if not args.quiet and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True, auto_refresh=False) as bar:
                task = bar.add_task("options × replications", total=n * len(options))
                for o in options:
                    bar.update(task, description=f"{o.name}: replications")
                    traces[o.name] = run_replications(
                        o.park, n, None, args.workers, _advance(bar, task)
                    )
        else:
            for o in options:
                traces[o.name] = run_replications(o.park, n, None, args.workers)
        cmp = compare_traces(traces, sc.reporting.sustain_days)
        executor = "serial" if args.workers <= 1 else f"local processes ({args.workers})"
        write_compare(
            out,
            options,
            traces,
            cmp,
            scenario_file=args.scenario,
            shared_sets=shared,
            started=started,
            executor=executor,
            plots=not args.no_plots,
            force=args.force,
        )
    if not args.quiet:
        print(
            f"{sc.name}: {len(options)} options × {n} replication(s) × {sc.days} days, "
            f"seed {sc.seed} (the same for every option) → {out}"
        )
        print(render_table(main_table(cmp, sc.start_date)))
        print("* the 95 % CI of the paired difference from the baseline excludes 0")
    return EXIT_OK


def _print_option_warnings(options: Sequence[Any]) -> None:
    """Each option's warnings once: the baseline's as they are, an option's own tagged."""
    from sim.scenario.load import render_warnings

    seen = {str(w) for w in options[0].park.warnings}
    if options[0].park.warnings:
        print(render_warnings(options[0].park.warnings), file=sys.stderr)
    for o in options[1:]:
        own = [w for w in o.park.warnings if str(w) not in seen]
        if own:
            text = render_warnings(own).replace("\n", f" (option '{o.name}')\n")
            print(f"{text} (option '{o.name}')", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a scenario and print what a planner must check in it (`sim.scenario.summary`),
    as text or, with `--json`, as data; warnings (legal but probably not meant) go to stderr."""
    import json

    from sim.scenario import summary
    from sim.scenario.load import load_scenario, print_warnings

    try:
        park = load_scenario(args.scenario, args.policy, args.sets)
    except ScenarioError as e:
        return _fail_input(e)
    print_warnings(park, file=sys.stderr)
    facts = summary.summarise(park)
    if args.json:
        data = summary.as_json(facts)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if not _encodable(text):  # a console without Chinese: \u escapes, still JSON
            text = json.dumps(data, indent=2)
    else:
        text = summary.render(facts, str(args.scenario))
        if not _encodable(text):
            encoding = sys.stdout.encoding or "ascii"
            text = text.encode(encoding, "backslashreplace").decode(encoding)
    print(text)
    return EXIT_OK


def _encodable(text: str) -> bool:
    """Whether stdout can print `text` (a Windows pipe in a Western code page cannot
    print Chinese names)."""
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of scenario files."""
    from sim.scenario.jsonschema import reference_markdown, schema_text

    print(reference_markdown() if args.markdown else schema_text(), end="")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw plots from a results folder's files, and list them in its manifest.

    Only a complete parksim folder holding nothing but its own files is drawn
    into (`sim.output.folder`), under its lock, so no file parksim did not write
    is touched and `parksim verify` still passes afterwards.
    """
    from sim.files.manifest import CALIBRATION, COMPARISON, SWEEP, read_manifest
    from sim.files.manifest import FILE as MANIFEST
    from sim.output.folder import claim
    from sim.output.results import refresh_manifest

    folder = args.results
    if folder.is_symlink() or not folder.is_dir():
        print(f"parksim plot: {folder}: not a results folder", file=sys.stderr)
        return EXIT_INPUT
    doc, kind = read_manifest(folder)
    if doc is None:
        print(
            f"parksim plot: {folder / MANIFEST}: {kind}; only a complete parksim results "
            "folder can be redrawn",
            file=sys.stderr,
        )
        return EXIT_INPUT
    with claim(folder, kind):
        try:
            if kind == SWEEP:
                from sim.output.sweep_plots import draw_sweep_plots

                paths = draw_sweep_plots(folder)
            elif kind == COMPARISON:
                from sim.output.compare_plots import draw_compare_plots

                paths = draw_compare_plots(folder)
            elif kind == CALIBRATION:
                from sim.output.calibration_plots import draw_calibration_plots

                paths = draw_calibration_plots(folder)
            else:
                from sim.output.plots import draw_run_plots

                paths = draw_run_plots(folder)
        except (FileNotFoundError, ValueError) as e:
            print(f"parksim plot: {e}", file=sys.stderr)
            return EXIT_INPUT
        finally:
            refresh_manifest(folder)
    for p in paths:
        print(p)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """Check every file of a results folder against its manifest."""
    from sim.output.results import verify

    problems = verify(args.results)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return EXIT_INPUT
    print(f"{args.results}: all files match the manifest")
    return EXIT_OK


EXIT_FAILED_RUNS = 3
"""`parksim sweep`: the sweep finished, but some runs failed (recorded with their error)."""


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file on an executor, resumably; write runs, points, indices and plots."""
    import time

    from sim.experiment.executors import ExecutorError, make_executor
    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweep_spec import load_sweep
    from sim.files.sweep import LEDGER, read_ledger
    from sim.output.folder import SWEEP, FolderError, claim, default_folder
    from sim.output.sweep_store import report

    if args.workers is not None and args.workers < 1:
        print("parksim sweep: --workers must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    if (args.scheduler or args.scheduler_file) and args.executor != "dask":
        print(
            "parksim sweep: --scheduler and --scheduler-file need --executor dask", file=sys.stderr
        )
        return EXIT_INPUT
    batching = _batching(args, "sweep")
    if batching is None:
        return EXIT_INPUT
    try:
        sweep = load_sweep(args.sweep)
    except ScenarioError as e:
        return _fail_input(e)
    from sim.scenario.load import print_warnings

    print_warnings(sweep.base, file=sys.stderr)
    out = args.out or default_folder(sweep.spec.name)
    try:
        executor = make_executor(
            args.executor,
            args.workers,
            args.scheduler,
            str(args.scheduler_file) if args.scheduler_file else None,
            key_prefix=f"parksim-{sweep.sha256[:12]}",
            **batching,
        )
    except ImportError as e:
        print(
            f"parksim sweep: --executor dask needs Dask's distributed package ({e}); "
            "install it with: pip install 'parksim[dask]'",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except (OSError, TimeoutError) as e:
        where = args.scheduler or args.scheduler_file
        print(f"parksim sweep: cannot reach the Dask scheduler {where}: {e}", file=sys.stderr)
        return EXIT_INPUT
    label = f"{sweep.spec.name}: runs"
    try:
        with executor, contextlib.ExitStack() as stack:
            _said_moved("sweep", stack.enter_context(claim(out, SWEEP, force=args.force)))
            if not args.quiet and sys.stderr.isatty():
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                )

                bar = stack.enter_context(
                    Progress(
                        TextColumn("{task.description}"),
                        BarColumn(),
                        MofNCompleteColumn(),
                        TextColumn("{task.fields[failed]} failed"),
                        TextColumn("ETA"),
                        TimeRemainingColumn(),
                        transient=True,
                    )
                )
                task = bar.add_task(label, total=sweep.runs, failed=0)

                def progress(done: int, failed: int, total: int) -> None:
                    bar.update(task, completed=done, total=total, failed=failed)

            else:
                last = [0.0]

                def progress(done: int, failed: int, total: int) -> None:
                    now = time.monotonic()
                    if not args.quiet and (now - last[0] >= 30 or done == total):
                        last[0] = now
                        print(f"{label} {done}/{total}, {failed} failed", file=sys.stderr)

            result = run_sweep(
                sweep,
                out,
                executor,
                fresh=args.fresh,
                retry_failed=args.retry_failed,
                plots=not args.no_plots,
                progress=progress,
                force=args.force,
            )
    except FolderError as e:
        print(f"parksim sweep: {e}", file=sys.stderr)
        return EXIT_INPUT
    except (KeyboardInterrupt, ExecutorError) as e:
        kept = len(read_ledger(out))
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else str(e)
        print(
            f"parksim sweep: {why}; {kept} finished run(s) are kept in {out / LEDGER}; "
            "run the same command again to finish the rest",
            file=sys.stderr,
        )
        return 130 if isinstance(e, KeyboardInterrupt) else EXIT_INTERNAL
    if not args.quiet:
        for line in report(out):
            print(line)
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Check a calibration file, run (or resume) ABC-SMC on an executor, write the folder."""
    import time

    from sim.experiment.executors import ExecutorError, make_executor
    from sim.output.folder import FolderError, default_folder

    if args.workers is not None and args.workers < 1:
        print("parksim calibrate: --workers must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    if (args.scheduler or args.scheduler_file) and args.executor != "dask":
        print(
            "parksim calibrate: --scheduler and --scheduler-file need --executor dask",
            file=sys.stderr,
        )
        return EXIT_INPUT
    import importlib.util

    from sim.experiment.calibrate import CalibrationError, run_calibration
    from sim.experiment.calibration_spec import load_calibration
    from sim.files import calibration
    from sim.output.calibration import report_lines

    if importlib.util.find_spec("pyabc") is None:
        print(
            "parksim calibrate: needs pyabc, the optional extra; install it with: "
            "pip install 'parksim[calibrate]'",
            file=sys.stderr,
        )
        return EXIT_INPUT
    try:
        cal = load_calibration(args.calibration, quick=args.quick, hold_out_cli=args.hold_out)
    except ScenarioError as e:
        return _fail_input(e)
    out = args.out or default_folder(cal.spec.name, "-quick" if args.quick else "")
    try:
        executor = make_executor(
            args.executor,
            args.workers,
            args.scheduler,
            str(args.scheduler_file) if args.scheduler_file else None,
            key_prefix=f"parksim-cal-{cal.sha256[:12]}",
            keep_pool=True,
        )
    except ImportError as e:
        print(
            f"parksim calibrate: --executor dask needs Dask's distributed package ({e})",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except (OSError, TimeoutError) as e:
        where = args.scheduler or args.scheduler_file
        print(f"parksim calibrate: cannot reach the Dask scheduler {where}: {e}", file=sys.stderr)
        return EXIT_INPUT
    name = cal.spec.name
    try:
        with executor, contextlib.ExitStack() as stack:
            if not args.quiet and sys.stderr.isatty():
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

                bar = stack.enter_context(
                    Progress(
                        TextColumn("{task.description}"),
                        BarColumn(),
                        MofNCompleteColumn(),
                        TextColumn("accepted, {task.fields[runs]} model runs"),
                        transient=True,
                    )
                )
                task = bar.add_task(name, total=1, runs=0)

                def progress(stage: str, done: int, total: int, runs: int) -> None:
                    bar.update(
                        task, description=f"{name}: {stage}", completed=done, total=total, runs=runs
                    )

            else:
                last: list[Any] = ["", 0.0]

                def progress(stage: str, done: int, total: int, runs: int) -> None:
                    now = time.monotonic()
                    if args.quiet:
                        return
                    if stage != last[0] or now - last[1] >= 30 or done == total:
                        last[0], last[1] = stage, now
                        print(
                            f"{name}: {stage}: {done}/{total}, {runs} model runs", file=sys.stderr
                        )

            result = run_calibration(
                cal,
                out,
                executor,
                fresh=args.fresh,
                plots=not args.no_plots,
                progress=progress,
                force=args.force,
            )
    except FolderError as e:
        print(f"parksim calibrate: {e}", file=sys.stderr)
        return EXIT_INPUT
    except (KeyboardInterrupt, ExecutorError, CalibrationError) as e:
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else str(e)
        print(
            f"parksim calibrate: {why}; every finished generation is kept in "
            f"{out / calibration.DB}; run the same command again to resume",
            file=sys.stderr,
        )
        return 130 if isinstance(e, KeyboardInterrupt) else EXIT_INTERNAL
    if not args.quiet:
        if result.already_complete:
            print(f"{out}: already complete ({result.stop}); nothing to do")
        for line in report_lines(out):
            print(line)
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "compare": cmd_compare,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "plot": cmd_plot,
    "verify": cmd_verify,
    "sweep": cmd_sweep,
    "calibrate": cmd_calibrate,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `parksim` and `run_sim.py`; returns the exit code."""
    from sim.output.folder import FolderError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as e:
        return _fail_input(e)
    except FolderError as e:
        print(f"parksim {args.command}: {e}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("parksim: interrupted; no partial results folder was kept", file=sys.stderr)
        return 130
    except Exception as e:
        if args.debug or os.environ.get("PARKSIM_DEBUG"):
            traceback.print_exc()
        print(
            f"parksim: internal error: {type(e).__name__}: {e} (run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
