"""parksim from Python: load a scenario, run it, compare options, sweep parameters.

```python
from parksim import load_scenario, run, compare, sweep
```

Each call writes the same results folder as its command (`parksim run`, `compare`,
`sweep`), through the same code, and returns a typed result holding that folder's
tables as they were written, read back from the files: JSON files as dicts, CSV and
Parquet files as `pyarrow.Table`s (pyarrow is a core dependency; `table.to_pylist()`
gives rows as dicts, `table.column("value").to_numpy()` a numpy array,
`table.to_pandas()` a DataFrame when pandas is installed). `RunResult.open(folder)`
and its siblings read a folder written earlier.

Bad input raises `ScenarioError`, whose text is exactly what the command prints
(every problem with its file, line, column and key path; `.problems` lists them);
a folder that cannot be written raises `FolderError`. Neither writes anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.files import comparison as comparison_files
from sim.files import summary as summary_file
from sim.files import sweep as sweep_files
from sim.files import timeseries as timeseries_file
from sim.files.cells import read_json
from sim.files.inputs import Inputs
from sim.output.folder import COMPARISON, RUN, FolderError, claim, default_folder
from sim.record import Trace
from sim.scenario.errors import ScenarioError
from sim.scenario.expand import Park

__all__ = [
    "CompareResult",
    "FolderError",
    "Options",
    "Park",
    "RunResult",
    "ScenarioError",
    "SweepResult",
    "compare",
    "compare_options",
    "load_options",
    "load_scenario",
    "read_csv",
    "run",
    "sweep",
]

PathLike = str | Path
Progress = Callable[[int], None]
"""progress(k): k more replications finished."""
OptionProgress = Callable[[str, int], None]
"""progress(option, k): k more replications of the option finished (0: it starts)."""


def read_csv(path: PathLike) -> pa.Table:
    """A CSV file of a results folder as a table, column types inferred from the whole
    file (empty cells are nulls)."""
    path = Path(path)
    size = max(path.stat().st_size, 1)
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=size + 1),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
    )


def _sets(
    sets: Sequence[str], replications: int | None, seed: int | None, days: int | None
) -> list[str]:
    """`--set`s, then `replications=`, `seed=`, `days=` when given (as the CLI orders them)."""
    out = list(sets)
    for key, v in (("replications", replications), ("seed", seed), ("days", days)):
        if v is not None:
            out.append(f"{key}={v}")
    return out


def load_scenario(
    scenario: PathLike,
    policies: Sequence[PathLike] = (),
    sets: Sequence[str] = (),
) -> Park:
    """A scenario file validated and expanded into its park, as `parksim run` loads it:
    the overlays `policies` merged in order, then the `--set` expressions `sets`
    (`"days=60"`, `"reopening.service_teams=4"`).

    `park.scenario` is the validated scenario (every default filled in), `park.firms`
    every concrete firm, `park.warnings` what is legal but probably not meant. Raises
    ScenarioError (located problems) on bad input.
    """
    from sim.scenario.load import load_scenario as _load

    return _load(Path(scenario), [Path(p) for p in policies], list(sets))


# --------------------------------------------------------------------------- run


@dataclass(frozen=True)
class RunResult:
    """A run's results folder and its tables."""

    folder: Path
    summary: dict[str, Any]
    """`summary.json`: every summary metric's mean, CI and per-replication values."""
    timeseries: pa.Table
    """`timeseries.csv`: `day, replication, metric, group, value`, one row per day,
    replication and daily indicator (`value` null where the day has none)."""
    manifest: dict[str, Any]
    """`manifest.json`: versions, code, command, times and the SHA-256 of every file."""
    traces: tuple[Trace, ...] = field(default=(), repr=False)
    """The replications' raw daily arrays (`sim.record.Trace`), when this process ran them
    (empty when the folder was opened)."""

    @classmethod
    def open(cls, folder: PathLike) -> RunResult:
        """The results of a run folder written earlier."""
        folder = Path(folder)
        return cls(
            folder=folder,
            summary=read_json(folder / summary_file.FILE),
            timeseries=read_csv(folder / timeseries_file.FILE),
            manifest=read_json(folder / "manifest.json"),
        )

    def table(self, name: str) -> pa.Table:
        """Any CSV file of the folder by name (`causes.csv`, `states.csv`, ...)."""
        return read_csv(self.folder / name)

    def daily(self, metric: str = "capacity", group: str = "park") -> pa.Table:
        """One daily indicator: `day, replication, value` rows."""
        import pyarrow.compute as pc

        t = self.timeseries
        mask = pc.and_(pc.equal(t["metric"], metric), pc.equal(t["group"], group))
        return t.filter(mask).select(["day", "replication", "value"])


def run(
    scenario: PathLike | Park,
    *,
    policies: Sequence[PathLike] = (),
    sets: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    out: PathLike | None = None,
    workers: int = 1,
    plots: bool = True,
    report: bool = False,
    lang: str | None = None,
    force: bool = False,
    scenario_file: PathLike | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run every replication of a scenario and write its results folder, as `parksim run`.

    `scenario` is a scenario file (with `policies`, `sets` and the `replications`,
    `seed`, `days` overrides as on the command line) or a park from `load_scenario`
    (then give the overrides to `load_scenario`; `scenario_file` names its file in the
    folder). `out` defaults to `results/<scenario name>/`; `workers` > 1 runs
    replications on local processes with the same numbers. `plots`, `report` and
    `lang` are the command's `--no-plots`, `--report` and `--lang`. Raises
    ScenarioError on bad input, FolderError when `out` is not parksim's to replace
    (unless `force` moves it aside), ValueError for `workers` < 1.
    """
    from sim.experiment.runner import run_replications
    from sim.files.inputs import run_inputs
    from sim.output.results import write_run

    if workers < 1:
        raise ValueError("workers must be at least 1")
    if isinstance(scenario, Park):
        park = scenario
        if replications is not None or seed is not None or days is not None or sets or policies:
            raise ValueError(
                "a loaded park takes no policies, sets or overrides; give them to load_scenario"
            )
    else:
        park = load_scenario(scenario, policies, _sets(sets, replications, seed, days))
        scenario_file = scenario_file or scenario
    started = dt.datetime.now(dt.UTC)
    sc = park.scenario
    folder = Path(out) if out is not None else default_folder(sc.name)
    source = Path(scenario_file) if scenario_file is not None else None
    with claim(folder, RUN, force=force):
        copies = _copies(lambda: run_inputs(park, source))
        traces = run_replications(park, sc.replications, None, workers, progress)
        folder = write_run(
            folder,
            park,
            traces,
            scenario_file=source,
            started=started,
            executor=_executor(workers),
            plots=plots,
            force=force,
            lang=lang,
            report=report,
            inputs=copies,
        )
    return dataclasses.replace(RunResult.open(folder), traces=tuple(traces))


def _copies(gather: Callable[[], Inputs]) -> Inputs:
    """The copies of the input files, read before anything runs (so that the folder keeps
    what ran even if a file is edited meanwhile); FolderError when one cannot be read."""
    try:
        return gather()
    except OSError as e:
        raise FolderError(
            f"{e.filename}: cannot be copied into the results folder "
            f"({e.strerror or e}); nothing was written"
        ) from None


def _executor(workers: int) -> str:
    """How the manifest names where replications ran."""
    return "serial" if workers <= 1 else f"local processes ({workers})"


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class CompareResult:
    """A comparison's results folder and its tables."""

    folder: Path
    meta: dict[str, Any]
    """`comparison.json`: scenario, seed, replications, days, the baseline, the shared
    `--set`s and every option."""
    table: pa.Table
    """`comparison.csv`: every option × metric, its mean with 95 % CI and its paired
    difference from the baseline with 95 % CI."""
    capacity: pa.Table
    """`compare_timeseries.csv`: each option's daily park capacity per replication."""
    manifest: dict[str, Any]

    @classmethod
    def open(cls, folder: PathLike) -> CompareResult:
        """The results of a comparison folder written earlier."""
        folder = Path(folder)
        return cls(
            folder=folder,
            meta=read_json(folder / comparison_files.JSON),
            table=read_csv(folder / comparison_files.CSV),
            capacity=read_csv(folder / comparison_files.TIMESERIES),
            manifest=read_json(folder / "manifest.json"),
        )

    def rows(self, metric: str) -> list[dict[str, Any]]:
        """The rows of `comparison.csv` of one metric, an option each."""
        return [r for r in self.table.to_pylist() if r["metric"] == metric]


def compare(
    scenario: PathLike,
    *,
    policies: Sequence[PathLike] = (),
    variants: Sequence[str] | Mapping[str, Sequence[str]] = (),
    sets: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    out: PathLike | None = None,
    workers: int = 1,
    plots: bool = True,
    report: bool = False,
    lang: str | None = None,
    force: bool = False,
    progress: OptionProgress | None = None,
) -> CompareResult:
    """Run the baseline and every option on the same seeds and write the comparison
    folder, as `parksim compare`.

    Options are the overlay files `policies` (named after their stems) and the
    `variants`: `"NAME: key=value; key=value"` texts as `--variant` takes them, or a
    mapping of name to `--set`s. `sets` and the overrides apply to every option. `out`
    defaults to `results/<scenario name>_compare/`. Raises ScenarioError on bad input
    (each problem tagged with its option; no option besides the baseline is one too),
    FolderError when `out` is not parksim's to replace, ValueError for `workers` < 1.
    """
    options = load_options(scenario, policies, variants, _sets(sets, replications, seed, days))
    return compare_options(
        options,
        out=out,
        workers=workers,
        plots=plots,
        report=report,
        lang=lang,
        force=force,
        progress=progress,
    ).result


def load_options(
    scenario: PathLike,
    policies: Sequence[PathLike] = (),
    variants: Sequence[str] | Mapping[str, Sequence[str]] = (),
    sets: Sequence[str] = (),
) -> Options:
    """The options of a comparison, loaded and checked (`compare`'s first half): the
    baseline, one per overlay, one per variant; ScenarioError on bad input or when
    there is nothing to compare the baseline with."""
    from sim.experiment.compare import load_options as _load
    from sim.scenario.errors import Problem

    if isinstance(variants, Mapping):
        variants = [f"{name}: {'; '.join(s)}" for name, s in variants.items()]
    options = _load(Path(scenario), [Path(p) for p in policies], list(variants), list(sets))
    if len(options) < 2:
        raise ScenarioError([Problem("give at least one --policy or --variant")])
    return Options(Path(scenario), tuple(sets), tuple(options))


@dataclass(frozen=True)
class Options:
    """The checked options of a comparison (`load_options`)."""

    scenario: Path
    sets: tuple[str, ...]
    """The `--set`s every option shares."""
    options: tuple[Any, ...]
    """`sim.experiment.compare.Option`s, the baseline first."""


def compare_options(
    options: Options,
    *,
    out: PathLike | None = None,
    workers: int = 1,
    plots: bool = True,
    report: bool = False,
    lang: str | None = None,
    force: bool = False,
    progress: OptionProgress | None = None,
    robust: Sequence[Any] = (),
    moved: Callable[[Path | None], None] | None = None,
) -> Compared:
    """`compare`'s second half: run loaded options and write the folder. With `robust`
    (`sim.experiment.robust.load_robust`'s runs), the comparison again at each end of
    each uncertain input, and `robustness.csv`. `moved` is told where `force` moved an
    older content of the folder (None: nothing was moved)."""
    from sim.comparison import RobustEnd, Robustness, compare_traces
    from sim.files.comparison_explain import explain
    from sim.output.compare_report import option_inputs, write_compare

    if workers < 1:
        raise ValueError("workers must be at least 1")
    started = dt.datetime.now(dt.UTC)
    sc = options.options[0].park.scenario
    margin = sc.reporting.relapse_margin
    folder = Path(out) if out is not None else default_folder(sc.name, "_compare")
    with claim(folder, COMPARISON, force=force) as was:
        if moved is not None:
            moved(was)
        copies = _copies(lambda: option_inputs(options.scenario, options.options))
        traces = _run_options(options.options, sc.replications, workers, progress, "")
        cmp = compare_traces(traces, sc.reporting.sustain_days, margin)
        robustness = None
        if robust:
            ends = []
            for r in robust:
                where = f"{r.input.expression(r.end)}: "
                found = _run_options(r.options, sc.replications, workers, progress, where)
                ends.append(
                    RobustEnd(
                        r.input.key,
                        r.end,
                        r.input.value(r.end),
                        compare_traces(found, sc.reporting.sustain_days, margin),
                    )
                )
            robustness = Robustness(cmp, tuple(ends))
        explained = explain(traces, [o.park for o in options.options])
        write_compare(
            folder,
            options.options,
            traces,
            cmp,
            scenario_file=options.scenario,
            shared_sets=options.sets,
            started=started,
            executor=_executor(workers),
            plots=plots,
            force=force,
            robust=robustness,
            robust_inputs=list({r.input.key: r.input.as_json() for r in robust}.values()),
            explained=explained,
            lang=lang,
            report=report,
            inputs=copies,
        )
    return Compared(CompareResult.open(folder), cmp, explained, robustness)


def _run_options(
    options: Sequence[Any],
    n: int,
    workers: int,
    progress: OptionProgress | None,
    where: str,
) -> dict[str, list[Trace]]:
    """Every replication of every option; `progress(where + name, 0)` as an option starts,
    `progress(where + name, k)` as k more replications finish."""
    from sim.experiment.runner import run_replications

    traces = {}
    for o in options:
        name = f"{where}{o.name}"
        if progress:
            progress(name, 0)

        def advance(k: int, name: str = name) -> None:
            if progress:
                progress(name, k)

        traces[o.name] = run_replications(o.park, n, None, workers, advance)
    return traces


@dataclass(frozen=True)
class Compared:
    """What `compare_options` wrote and worked out: the folder read back, the
    comparison, what holds each option back, and the robustness check (or None)."""

    result: CompareResult
    comparison: Any
    """`sim.comparison.Comparison`."""
    explained: Any
    """`sim.files.comparison_explain.Explanation`."""
    robustness: Any
    """`sim.comparison.Robustness`, or None without `robust`."""


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class SweepResult:
    """A sweep's results folder and its tables."""

    folder: Path
    spec: dict[str, Any]
    """`sweep.json`: the sweep as run (parameters, design points, identity, code,
    sampler call, analysis)."""
    runs: pa.Table
    """`runs.parquet`: one row per (point, replication): ids, status, parameters, every
    metric and curve outcome."""
    points: pa.Table
    """`points.csv`: per point and outcome, mean and 95 % CI over its replications."""
    sensitivity: dict[str, Any] | None
    """`sensitivity.json` (sampled designs): indices, warnings, convergence; None for a
    grid."""
    manifest: dict[str, Any]

    @classmethod
    def open(cls, folder: PathLike) -> SweepResult:
        """The results of a complete sweep folder written earlier."""
        folder = Path(folder)
        sens = folder / sweep_files.SENSITIVITY
        return cls(
            folder=folder,
            spec=sweep_files.read_spec(folder),
            runs=pq.read_table(folder / sweep_files.RUNS),
            points=read_csv(folder / sweep_files.POINTS),
            sensitivity=sweep_files.read_sensitivity(folder) if sens.is_file() else None,
            manifest=read_json(folder / "manifest.json"),
        )

    def daily(self) -> pa.Table | None:
        """The `daily/` dataset (`store: {daily: [...]}`): one row per run and day; None
        when the sweep keeps no daily series. Read on demand: it may be large."""
        path = self.folder / sweep_files.DAILY
        return pq.read_table(path) if path.is_dir() else None


def sweep(
    sweep_file: PathLike,
    *,
    out: PathLike | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    allow_code_change: bool = False,
    analyse_only: bool = False,
    plots: bool = True,
    report: bool = False,
    lang: str | None = None,
    force: bool = False,
) -> SweepResult:
    """Run a sweep file resumably and write its folder, as `parksim sweep`.

    `executor` is `serial`, `local` (`workers` processes) or `dask` (`scheduler`
    address); a folder holding some of the runs is resumed. `analyse_only` recomputes
    points, indices and plots of a finished folder without running. Raises
    ScenarioError on a bad sweep file, FolderError on a folder that is not this sweep's
    (unless `fresh`) or whose runs other code made (unless `allow_code_change`).
    """
    from sim.experiment.executors import make_executor
    from sim.experiment.sweep import analyse_sweep, run_sweep
    from sim.experiment.sweep_spec import load_sweep

    sw = load_sweep(Path(sweep_file))
    folder = Path(out) if out is not None else default_folder(sw.spec.name)
    if analyse_only:
        analyse_sweep(sw, folder, plots=plots, force=force, lang=lang, report=report)
        return SweepResult.open(folder)
    with make_executor(
        executor, workers, scheduler, None, key_prefix=f"parksim-{sw.sha256[:12]}"
    ) as ex:
        run_sweep(
            sw,
            folder,
            ex,
            fresh=fresh,
            retry_failed=retry_failed,
            plots=plots,
            force=force,
            lang=lang,
            report=report,
            allow_code_change=allow_code_change,
        )
    return SweepResult.open(folder)
