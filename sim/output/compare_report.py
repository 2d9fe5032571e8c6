"""The folder of a policy comparison: written whole or not at all, with a manifest.

Like a run's results folder (`sim.output.results`), it is built in `<out>.partial/`,
every file fsync'd, and renamed to `<out>` at the end, so a folder without
`.partial` is complete and `parksim verify` checks it against `manifest.json`.

Files (each defined by its owner in `sim.files`):
- `comparison.json`, `comparison.csv`, `compare_timeseries.csv`,
  `compare_causes.csv` (`sim.files.comparison`): what was compared, every option's
  metrics with paired differences, and what the plots are drawn from;
- `comparison.md` (`sim.files.comparison_md`): the planner's table, options ranked
  by lost output;
- `options/<name>.resolved.yaml` (`sim.files.resolved`): each option's scenario as run,
  its registries named by their copies;
- `inputs/` (`sim.files.inputs`): copies of the scenario file, each option's overlays
  (`inputs/policies/<option>/<k>-<file>`) and every registry the options read;
- `compare_bottlenecks.csv`, `compare_stations.csv` (`sim.files.comparison_explain`):
  what holds each option back;
- `robustness.csv` (`sim.files.robustness`), with `--robust`;
- `plots/compare_*.png` (`sim.output.compare_plots`), `report.html`
  (`sim.output.report`, unless turned off) and `manifest.json`.

CSV files start with a UTF-8 byte-order mark unless the baseline's
`reporting.csv_bom` is false.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.comparison import Comparison, Robustness
from sim.files import comparison, comparison_explain, comparison_md, resolved, robustness
from sim.files.cells import csv_lines, excel, json_text
from sim.files.comparison import ComparedOption
from sim.files.comparison_explain import Explanation
from sim.files.inputs import Inputs, comparison_inputs
from sim.files.names import json_names
from sim.output.folder import COMPARISON, claim
from sim.output.results import build, write_file, write_inputs, write_manifest
from sim.record import Trace


def write_compare(
    out: Path,
    options: Sequence[ComparedOption],
    traces: Mapping[str, Sequence[Trace]],
    cmp: Comparison,
    *,
    scenario_file: Path,
    shared_sets: Sequence[str] = (),
    started: dt.datetime,
    executor: str,
    plots: bool = True,
    force: bool = False,
    robust: Robustness | None = None,
    robust_inputs: Sequence[Mapping[str, str]] = (),
    explained: Explanation | None = None,
    lang: str | None = None,
    report: bool = False,
    inputs: Inputs | None = None,
) -> Path:
    """Write the comparison folder atomically; returns its final path. With `robust`
    (the comparison again at each end of the `robust_inputs`), `robustness.csv` too.
    `inputs/` holds the copies of `inputs` (`sim.files.inputs.comparison_inputs`, best
    gathered before the options run; by default gathered now).

    Raises FolderError (nothing changed) when `out` is not parksim's to replace,
    unless `force` moves it aside (see `sim.output.folder`). Plots and, with `report`,
    `report.html` are in `lang` (default: the baseline's `reporting.lang`).
    """
    if not options or options[0].name != cmp.baseline:
        raise ValueError(f"the first option must be the baseline '{cmp.baseline}'")

    reporting = options[0].park.scenario.reporting
    language = lang or reporting.lang
    if explained is None:
        explained = comparison_explain.explain(traces, [o.park for o in options])

    def table(rows: Sequence[Sequence[str]]) -> str:
        return excel(csv_lines(rows), reporting.csv_bom)

    copies = inputs if inputs is not None else option_inputs(scenario_file, options)

    def fill(partial: Path) -> None:
        meta = comparison.comparison_meta(options, scenario_file, shared_sets)
        meta["relapse_margin"] = reporting.relapse_margin
        meta["names"] = json_names(explained.names)
        if robust is not None:
            meta["robust"] = {"one_at_a_time": True, "inputs": [dict(r) for r in robust_inputs]}
        write_file(partial / comparison.JSON, json_text(meta))
        write_file(partial / comparison.CSV, table(comparison.comparison_rows(cmp)))
        section = robustness.section(robust, comparison_md.render_table) if robust else []
        write_file(
            partial / comparison_md.FILE, comparison_md.markdown(cmp, meta, explained, section)
        )
        write_file(partial / comparison.TIMESERIES, table(comparison.timeseries_rows(traces)))
        write_file(partial / comparison.CAUSES, table(comparison.causes_rows(traces)))
        write_file(
            partial / comparison_explain.BOTTLENECKS,
            table(comparison_explain.bottleneck_rows(explained.sources, explained.names)),
        )
        write_file(
            partial / comparison_explain.STATIONS, table(comparison_explain.station_rows(traces))
        )
        if robust is not None:
            write_file(partial / robustness.CSV, table(robustness.rows(robust)))
        write_inputs(partial, copies.copies)
        (partial / resolved.OPTIONS_DIR).mkdir()
        for o in options:
            where = resolved.option_file(o.name)
            registries = copies.registries(o.park)
            write_file(partial / where, resolved.resolved_yaml(o.park, where, registries))
        if plots:
            from sim.output.compare_plots import draw_compare_plots

            draw_compare_plots(partial, language)
        about = _about(meta, plots, language, report)
        about["inputs"] = [c.describe() for c in copies.copies]
        if report:
            from sim.output.report import write_report

            write_report(partial, language, manifest=about)
        write_manifest(partial, about, started, executor)

    with claim(out, COMPARISON, force=force):
        return build(out, COMPARISON, fill, force=force)


def option_inputs(scenario_file: Path, options: Sequence[ComparedOption]) -> Inputs:
    """The copies of a comparison's input files (`sim.files.inputs.comparison_inputs`):
    the scenario, each option's overlays, every registry."""
    return comparison_inputs(scenario_file, [(o.name, o.policies, o.park) for o in options])


def _about(meta: Mapping[str, Any], plots: bool, lang: str, report: bool) -> dict[str, Any]:
    """What the manifest says of the comparison (beside versions, times and files)."""
    return {
        "kind": COMPARISON,
        "plots": plots,
        **{k: meta[k] for k in ("scenario", "scenario_file", "seed", "replications", "days")},
        "common_random_numbers": "every option runs replications 0..N-1 with the same seed",
        "options": meta["options"],
        "lang": lang,
        "report": report,
    }
