"""The `parksim` command: subcommands, exit codes and progress; no model logic.

Exit codes: 0 success, 1 internal error, 2 bad input (scenario, overlay, --set,
registry, usage).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim import __version__
from sim.scenario.errors import ScenarioError
from sim.text import columns, pad

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
    _shown_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    _force_arg(p)


def _lang_arg(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--lang", choices=("en", "zh"), help=help)


def _shown_args(p: argparse.ArgumentParser) -> None:
    """--no-plots, --no-report and --lang of the commands that write a results folder."""
    p.add_argument(
        "--no-plots",
        action="store_true",
        help="skip drawing plots (and so the report, which is made of them)",
    )
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    _lang_arg(
        p,
        "language of plots, report and summary: en (English) or zh (Chinese); "
        "default: the scenario's reporting.lang",
    )


def _report_wanted(args: argparse.Namespace) -> bool:
    return not (args.no_plots or args.no_report)


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
        metavar="'NAME: [OVERLAY.yaml;] KEY.PATH=VALUE; ...'",
        help="one option made of overlay files and --set expressions (overlays first, then "
        "the sets), e.g. 'teams6: reopening.service_teams=6' (repeatable)",
    )
    cmp.add_argument(
        "--robust",
        action="append",
        default=[],
        metavar="KEY.PATH=LOW..HIGH",
        help="an input you are unsure of: run the whole comparison again with it at LOW and "
        "at HIGH, one input at a time, and say whether the ranking holds (repeatable)",
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
    _lang_arg(plot, "language of the plots: en or zh (default: the language they were drawn in)")

    rep = sub.add_parser(
        "report",
        help="write the planner's report (one HTML page) of a run, comparison or sweep folder",
        description="Write report.html: the headline, the official curves, lost output by "
        "cause, bottlenecks, the key firms' paths (runs), the options ranked (comparisons) or "
        "the sensitivity ranking (sweeps), what was assumed and the caveats, in one "
        "self-contained page (figures embedded, nothing fetched).",
    )
    rep.add_argument("results", type=Path, help="a run, comparison or sweep folder")
    _lang_arg(rep, "en or zh (default: the language of the folder's plots)")
    rep.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write it (default: RESULTS/report.html, listed in the manifest)",
    )

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
    _shown_args(swp)
    swp.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _force_arg(swp)
    _sweep_analysis_args(swp)

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


def _sweep_analysis_args(p: argparse.ArgumentParser) -> None:
    """`parksim sweep`'s options of re-analysis and code identity."""
    p.add_argument(
        "--analyse-only",
        action="store_true",
        help="run nothing: recompute points.csv, the sensitivity indices and the plots of a "
        "finished sweep folder with the sweep file's current outcomes and design settings",
    )
    p.add_argument(
        "--allow-code-change",
        action="store_true",
        help="resume a sweep whose runs were made by other parksim code (another source "
        "SHA-256) instead of refusing; the session log records it",
    )


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
    """Load, run every replication, write the results folder, print the summary
    (`sim.api.run` does the work)."""
    from sim import api
    from sim.output.folder import RUN, claim, default_folder
    from sim.scenario.load import print_warnings

    try:
        park = api.load_scenario(args.scenario, args.policy, _overrides(args))
    except ScenarioError as e:
        return _fail_input(e)
    print_warnings(park, file=sys.stderr)
    if args.workers < 1:
        print("parksim run: --workers must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    sc = park.scenario
    out = args.out or default_folder(sc.name)
    with claim(out, RUN, force=args.force) as moved, contextlib.ExitStack() as stack:
        _said_moved("run", moved)
        progress = None
        if not args.quiet and sys.stderr.isatty():
            from rich.progress import Progress

            bar = stack.enter_context(Progress(transient=True, auto_refresh=False))
            task = bar.add_task(f"{sc.name}: replications", total=sc.replications)
            progress = _advance(bar, task)
        api.run(
            park,
            out=out,
            workers=args.workers,
            plots=not args.no_plots,
            report=_report_wanted(args),
            lang=args.lang,
            force=args.force,
            scenario_file=args.scenario,
            progress=progress,
        )
    if not args.quiet:
        _print_summary(out, args.lang or sc.reporting.lang)
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


def _print_summary(out: Path, lang: str = "en") -> None:
    """The headline of a finished run, read back from its `summary.json`: every metric
    with its 95 % CI and the largest causes of lost output (in `lang`), and the report."""
    from sim.files import report, summary
    from sim.metrics import DAYS_TO_PREFIX
    from sim.output import i18n

    def tr(key: str, **kw: Any) -> str:
        return i18n.tr(f"cli.{key}", lang, **kw)

    def label(name: str) -> str:
        return name if lang == "en" else i18n.metric(name, lang)

    summ = summary.read(out / summary.FILE).raw
    n = summ["replications"]
    width = max([18, *(columns(label(name)) for name in summ["metrics"])])
    print(tr("run_head", scenario=summ["scenario"], n=n, days=summ["days"], out=out))
    for name, m in summ["metrics"].items():
        if name.startswith(DAYS_TO_PREFIX) and "median" in m:
            print(f"  {pad(label(name), width)} {_censored(m, n, tr)}")
            continue
        if m["mean"] is None:
            txt = tr("never", k=m["reached"], n=n)
        else:
            lo, hi = m["ci95"]
            txt = tr("mean_ci", mean=f"{m['mean']:.3f}", lo=f"{lo:.3f}", hi=f"{hi:.3f}")
            if name.startswith(DAYS_TO_PREFIX) and m["reached"] < n:
                txt += tr("reached", k=m["reached"], n=n)
        print(f"  {pad(label(name), width)} {txt}")
    top = sorted(summ["causes"].items(), key=lambda kv: -(kv[1]["mean"] or 0))[:5]
    print(
        tr("causes")
        + tr("cause_sep").join(
            f"{i18n.cause(c, lang)} {v['mean']:.2f}" for c, v in top if (v["mean"] or 0) > 0
        )
    )
    _print_parks(out, lang)
    if (out / report.FILE).is_file():
        print(tr("report", path=out / report.FILE))


def _print_parks(out: Path, lang: str) -> None:
    """A region's parks whose closure cost the others output, the costliest first (from
    `parks.csv`; nothing for a single park)."""
    from sim.files import parks
    from sim.output.report import closure_text

    if not (out / parks.PARKS).is_file():
        return
    for row in parks.read(out / parks.PARKS):
        if row.cost_elsewhere_value > 0:
            print("  " + closure_text(row, lang))


def _censored(m: dict[str, Any], n: int, tr: Callable[..., str]) -> str:
    """A days-to-X line: the Kaplan–Meier median and its CI (a missing end: beyond the
    horizon), how many replications reached the level."""

    def day(v: float | None) -> str:
        return f"{v:.0f}" if v is not None else f">{m['censored_at']}"

    if m["median"] is None and m["reached"] == 0:
        return tr("never", k=0, n=n)
    lo, hi = m["median_ci95"]
    txt = tr("median", median=day(m["median"]), lo=day(lo), hi=day(hi))
    if m["reached"] < n:
        txt += tr("reached", k=m["reached"], n=n)
    return txt


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and every option on the same seeds; write and print the comparison
    (`sim.api.compare_options` does the work)."""
    from sim import api
    from sim.experiment.robust import load_robust
    from sim.files.comparison_md import main_table, render_table
    from sim.output.compare_text import holds_back_table, relapse_rule, robustness_lines
    from sim.output.folder import default_folder

    if args.workers < 1:
        print("parksim compare: --workers must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    if not args.policy and not args.variant:
        print("parksim compare: give at least one --policy or --variant", file=sys.stderr)
        return EXIT_INPUT
    shared = _overrides(args)
    try:
        loaded = api.load_options(args.scenario, args.policy, args.variant, shared)
        robust_runs = load_robust(args.robust, args.scenario, args.policy, args.variant, shared)
    except ScenarioError as e:
        return _fail_input(e)
    options = loaded.options
    _print_option_warnings(options)
    sc = options[0].park.scenario
    n = sc.replications
    margin = sc.reporting.relapse_margin
    out = args.out or default_folder(sc.name, "_compare")
    runs = len(options) * (1 + len(robust_runs))
    with contextlib.ExitStack() as stack:
        progress = None
        if not args.quiet and sys.stderr.isatty():
            from rich.progress import Progress

            bar = stack.enter_context(Progress(transient=True, auto_refresh=False))
            task = bar.add_task("options × replications", total=n * runs)
            advance = _advance(bar, task)

            def progress(name: str, k: int) -> None:
                if k == 0:
                    bar.update(task, description=f"{name}: replications")
                else:
                    advance(k)

        done = api.compare_options(
            loaded,
            out=out,
            workers=args.workers,
            plots=not args.no_plots,
            report=_report_wanted(args),
            lang=args.lang,
            force=args.force,
            progress=progress,
            robust=robust_runs,
            moved=lambda m: _said_moved("compare", m),
        )
    cmp, explained, robust = done.comparison, done.explained, done.robustness
    if not args.quiet:
        from sim.files import report
        from sim.output import i18n

        lang = args.lang or sc.reporting.lang
        print(
            i18n.tr(
                "cli.compare_head",
                lang,
                scenario=sc.name,
                k=len(options),
                n=n,
                days=sc.days,
                seed=sc.seed,
                out=out,
            )
        )
        table = [[i18n.table_cell(c, lang) for c in row] for row in main_table(cmp, sc.start_date)]
        print(render_table(table))
        print(i18n.tr("cli.compare_star", lang))
        print(relapse_rule(sc.reporting.sustain_days, margin, lang))
        print(i18n.tr("cli.holds_back", lang))
        table = holds_back_table(
            cmp, explained.sources, explained.loads, explained.names, sc.start_date, lang
        )
        print(render_table(table))
        if robust is not None:
            print("\n".join(robustness_lines(robust, lang)))
        if (out / report.FILE).is_file():
            print(i18n.tr("cli.report", lang, path=out / report.FILE))
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


def _complete_folder(folder: Path, command: str, done: str) -> tuple[dict[str, Any], str] | None:
    """A complete parksim results folder's manifest and kind, or None (said on stderr)."""
    from sim.files.manifest import FILE as MANIFEST
    from sim.files.manifest import read_manifest

    if folder.is_symlink() or not folder.is_dir():
        print(f"parksim {command}: {folder}: not a results folder", file=sys.stderr)
        return None
    doc, kind = read_manifest(folder)
    if doc is None:
        print(
            f"parksim {command}: {folder / MANIFEST}: {kind}; only a complete parksim "
            f"results folder can be {done}",
            file=sys.stderr,
        )
        return None
    return doc, kind


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw plots from a results folder's files, and list them in its manifest.

    Only a complete parksim folder holding nothing but its own files is drawn
    into (`sim.output.folder`), under its lock, so no file parksim did not write
    is touched and `parksim verify` still passes afterwards.
    """
    from sim.files.manifest import CALIBRATION, COMPARISON, SWEEP
    from sim.output.folder import claim
    from sim.output.results import refresh_manifest

    folder = args.results
    opened = _complete_folder(folder, "plot", "redrawn")
    if opened is None:
        return EXIT_INPUT
    doc, kind = opened
    lang = args.lang or doc.get("lang") or "en"
    with claim(folder, kind):
        try:
            if kind == SWEEP:
                from sim.output.sweep_plots import draw_sweep_plots

                paths = draw_sweep_plots(folder, lang)
            elif kind == COMPARISON:
                from sim.output.compare_plots import draw_compare_plots

                paths = draw_compare_plots(folder, lang)
            elif kind == CALIBRATION:
                from sim.output.calibration_plots import draw_calibration_plots

                paths = draw_calibration_plots(folder, lang)
            else:
                from sim.output.plots import draw_run_plots

                paths = draw_run_plots(folder, lang)
        except (FileNotFoundError, ValueError) as e:
            print(f"parksim plot: {e}", file=sys.stderr)
            return EXIT_INPUT
        finally:
            refresh_manifest(folder, lang)
    for p in paths:
        print(p)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of a results folder: into it (listed in its manifest, under its
    lock, like `parksim plot`) or to `--out`."""
    from sim.files import report as report_file
    from sim.output.folder import claim
    from sim.output.report import KINDS, ReportError, write_report
    from sim.output.results import refresh_manifest

    folder = args.results
    opened = _complete_folder(folder, "report", "reported on")
    if opened is None:
        return EXIT_INPUT
    doc, kind = opened
    if kind not in KINDS:
        print(
            f"parksim report: {folder}: a {kind} folder has no report (its summary is "
            "calibration.md)",
            file=sys.stderr,
        )
        return EXIT_INPUT
    lang = args.lang or doc.get("lang") or "en"
    try:
        inside = args.out is not None and args.out.resolve().is_relative_to(folder.resolve())
        if inside and args.out.resolve() != (folder / report_file.FILE).resolve():
            print(
                f"parksim report: --out {args.out}: inside the results folder, where only "
                f"parksim's own files go; leave out --out to write {folder / report_file.FILE}",
                file=sys.stderr,
            )
            return EXIT_INPUT
        if args.out is not None and not inside:
            if args.out.is_dir():
                print(
                    f"parksim report: --out {args.out}: is a folder; name a file", file=sys.stderr
                )
                return EXIT_INPUT
            path = write_report(folder, lang, out=args.out, manifest=doc)
        else:
            with claim(folder, kind):
                try:
                    path = write_report(folder, lang, manifest=doc)
                finally:
                    refresh_manifest(folder)
    except (ReportError, FileNotFoundError, ValueError) as e:
        print(f"parksim report: {e}", file=sys.stderr)
        return EXIT_INPUT
    print(path)
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


def _executor_flags_ok(args: argparse.Namespace, command: str) -> bool:
    """Whether the executor flags of `sweep` or `calibrate` go together (said when not)."""
    if args.workers is not None and args.workers < 1:
        print(f"parksim {command}: --workers must be at least 1", file=sys.stderr)
        return False
    if (args.scheduler or args.scheduler_file) and args.executor != "dask":
        print(
            f"parksim {command}: --scheduler and --scheduler-file need --executor dask",
            file=sys.stderr,
        )
        return False
    return True


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file on an executor, resumably; write runs, points, indices and plots."""
    import time

    from sim.experiment.executors import ExecutorError, make_executor
    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweep_spec import load_sweep
    from sim.files.sweep import LEDGER, read_ledger
    from sim.output.folder import SWEEP, FolderError, claim, default_folder
    from sim.output.sweep_store import report

    if not _executor_flags_ok(args, "sweep"):
        return EXIT_INPUT
    if args.analyse_only and (args.fresh or args.retry_failed):
        print(
            "parksim sweep: --analyse-only runs nothing; it cannot go with --fresh or "
            "--retry-failed",
            file=sys.stderr,
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
    if args.analyse_only:
        return _analyse_sweep(args, sweep, out)
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
                lang=args.lang,
                report=_report_wanted(args),
                allow_code_change=args.allow_code_change,
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
        lang = args.lang or sweep.base.scenario.reporting.lang
        for line in report(out, lang):
            print(line)
    _print_index_warnings(out)
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def _analyse_sweep(args: argparse.Namespace, sweep: Any, out: Path) -> int:
    """`parksim sweep --analyse-only`: recompute a finished folder's analysis, run nothing."""
    from sim.experiment.sweep import analyse_sweep
    from sim.output.folder import FolderError
    from sim.output.sweep_store import report

    try:
        result = analyse_sweep(
            sweep,
            out,
            plots=not args.no_plots,
            force=args.force,
            lang=args.lang,
            report=_report_wanted(args),
        )
    except FolderError as e:
        print(f"parksim sweep: {e}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        for line in report(out, args.lang or sweep.base.scenario.reporting.lang):
            print(line)
    _print_index_warnings(out)
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def _print_index_warnings(out: Path) -> None:
    """The warnings of `sensitivity.json` (indices not to be trusted, and what to do)."""
    from sim.output.sweep_store import warning_lines

    for line in warning_lines(out):
        print(line, file=sys.stderr)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Check a calibration file, run (or resume) ABC-SMC on an executor, write the folder."""
    import time

    from sim.experiment.executors import ExecutorError, make_executor
    from sim.output.folder import FolderError, default_folder

    if not _executor_flags_ok(args, "calibrate"):
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
    "report": cmd_report,
    "verify": cmd_verify,
    "sweep": cmd_sweep,
    "calibrate": cmd_calibrate,
}


def _console_safe() -> None:
    """A console that cannot show Chinese (a Windows code page such as cp1252) prints a
    Chinese name as `\\u7532` instead of failing the command mid-way."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `parksim` and `run_sim.py`; returns the exit code."""
    from sim.output.folder import FolderError

    args = build_parser().parse_args(argv)
    _console_safe()
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
