"""The folder of a policy comparison: written whole or not at all, with a manifest.

Like a run's results folder (`sim.output.results`), it is built in `<out>.partial/`,
every file fsync'd, and renamed to `<out>` at the end, so a folder without
`.partial` is complete and `parksim verify` checks it against `manifest.json`.

Files:
- `comparison.csv`: one row per option and metric (mean, 95 % CI, paired difference
  from the baseline with its 95 % CI, significance);
- `comparison.md`: the planner's table, options ranked by lost output;
- `comparison.json`: what was compared (scenario, seed, replications, days, start
  date, options with their overlay files and `--set`s);
- `compare_timeseries.csv` (`option,day,replication,capacity`) and
  `compare_causes.csv` (`option,replication,cause,lost_output_days`): what the plots
  are drawn from;
- `options/<name>.resolved.yaml`: each option's scenario as run;
- `plots/compare_*.png` and `manifest.json`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.comparison import Comparison, Row
from sim.experiment.compare import Option
from sim.metrics import CAUSE_PREFIX, label
from sim.output.compare_plots import (
    CAUSES_CSV,
    COMPARISON_COLUMNS,
    COMPARISON_CSV,
    COMPARISON_JSON,
    TIMESERIES_CSV,
)
from sim.output.folder import COMPARISON, claim
from sim.output.results import (
    _write,
    build,
    json_text,
    resolved_yaml,
    scenario_json,
    write_manifest,
)
from sim.record import Trace

COMPARISON_MD = "comparison.md"
HEADLINE_DAYS = "days_to_80"
HEADLINE_LOST = "lost_output_days"
HEADLINE_FINAL = "final_capacity"
TOP_CAUSES = 3


# --------------------------------------------------------------------------- formatting


def _num(v: float | None) -> str:
    """A CSV cell: 10 significant digits, empty when missing or not finite."""
    if v is None or not math.isfinite(v):
        return ""
    return f"{v:.10g}"


def _fixed(v: float | None, digits: int = 1, sign: bool = False) -> str:
    if v is None:
        return "n/a"
    if v == 0:
        v = 0.0  # no "-0.0"
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


def _digits(v: float, digits: int) -> int:
    """Decimals that show a small non-zero difference as non-zero (0.012, not +0.0)."""
    a = abs(v)
    if a == 0 or a >= 0.5 * 10**-digits:
        return digits
    return min(6, digits + max(1, int(-math.floor(math.log10(a))) - digits + 1))


def _delta(row: Row | None, digits: int = 1, brackets: bool = True) -> str:
    """`-4.1 [-5.0, -3.2] *`: paired difference, its 95 % CI and the significance mark;
    `0` when every pair is equal."""
    if row is None or row.diff is None:
        return "n/a"
    if row.diff == 0 and row.diff_ci95 in (None, (0.0, 0.0)):
        return "0"
    k = _digits(row.diff, digits)
    text = _fixed(row.diff, k, sign=True)
    if brackets and row.diff_ci95 is not None:
        lo, hi = row.diff_ci95
        text += f" [{_fixed(lo, k, True)}, {_fixed(hi, k, True)}]"
    if row.significant:
        text += " *" if brackets else "*"
    if brackets and row.n_pairs and row.n_pairs < row.n:
        text += f" ({row.n_pairs} pairs)"
    return text


def _when(day: float, start: dt.date | None) -> str:
    if start is None:
        return ""
    when = start + dt.timedelta(days=round(day))
    return f" ({when.day} {when:%b})"


# --------------------------------------------------------------------------- tables


def comparison_rows(cmp: Comparison) -> list[list[str]]:
    """The cells of `comparison.csv`, header first."""
    rows = [list(COMPARISON_COLUMNS)]
    for r in cmp.rows:
        lo, hi = r.ci95 if r.ci95 is not None else (None, None)
        dlo, dhi = r.diff_ci95 if r.diff_ci95 is not None else (None, None)
        rows.append(
            [
                r.option,
                r.metric,
                _num(r.mean),
                _num(lo),
                _num(hi),
                str(r.n),
                _num(r.diff),
                _num(dlo),
                _num(dhi),
                str(r.n_pairs),
                "true" if r.significant else "false",
            ]
        )
    return rows


def timeseries_rows(traces: Mapping[str, Sequence[Trace]]) -> list[list[str]]:
    """`option,day,replication,capacity` (capacity = park output / baseline, 0..1)."""
    rows = [["option", "day", "replication", "capacity"]]
    for name, ts in traces.items():
        for t in ts:
            cap = t.capacity
            rows.extend(
                [name, str(d), str(t.replication), _num(float(cap[d]))] for d in range(t.days)
            )
    return rows


def causes_rows(traces: Mapping[str, Sequence[Trace]]) -> list[list[str]]:
    """`option,replication,cause,lost_output_days`: each replication's loss by cause."""
    from sim.metrics import cause_totals

    rows = [["option", "replication", "cause", "lost_output_days"]]
    for name, ts in traces.items():
        for t in ts:
            for cause, v in cause_totals(t).items():
                rows.append([name, str(t.replication), cause, _num(v)])
    return rows


def _csv(rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def main_table(cmp: Comparison, start: dt.date | None = None) -> list[list[str]]:
    """The planner's table, header first: options ranked by mean lost output."""
    header = [
        "rank",
        "option",
        "days to 80 %",
        "Δ days to 80 % [95 % CI]",
        "lost output (baseline-days)",
        "Δ lost output [95 % CI]",
        "final capacity",
    ]
    rows = [header]
    for rank, name in enumerate(cmp.ranked(HEADLINE_LOST), 1):
        d80 = cmp.get(name, HEADLINE_DAYS)
        lost = cmp.get(name, HEADLINE_LOST)
        final = cmp.get(name, HEADLINE_FINAL)
        if d80 is None or d80.mean is None:
            days = "never" if d80 is not None else "n/a"
        else:
            days = _fixed(d80.mean) + _when(d80.mean, start)
            if d80.n < cmp.replications:
                days += f", reached {d80.n}/{cmp.replications}"
        base = name == cmp.baseline
        rows.append(
            [
                str(rank),
                name,
                days,
                "(baseline)" if base else _delta(d80),
                _fixed(lost.mean if lost else None),
                "(baseline)" if base else _delta(lost),
                "n/a" if final is None or final.mean is None else f"{final.mean * 100:.1f} %",
            ]
        )
    return rows


def causes_table(cmp: Comparison, top: int = TOP_CAUSES) -> list[list[str]]:
    """Each option's largest causes of lost output (mean baseline-days, Δ vs baseline)."""
    ordinals = ["largest cause", "second", "third", *(f"#{k}" for k in range(4, top + 1))]
    rows = [["option", *ordinals[:top]]]
    for name in cmp.ranked(HEADLINE_LOST):
        lost = [r for r in cmp.rows if r.option == name and r.metric.startswith(CAUSE_PREFIX)]
        lost = [r for r in lost if r.mean is not None and r.mean > 0]
        lost.sort(key=lambda r: -(r.mean or 0.0))
        cells = []
        for r in lost[:top]:
            text = f"{r.metric[len(CAUSE_PREFIX) :]} {_fixed(r.mean)}"
            if name != cmp.baseline and r.diff is not None:
                text += f" (Δ {_delta(r, brackets=False)})"
            cells.append(text)
        rows.append([name, *cells, *["—"] * (top - len(cells))])
    return rows


def metrics_table(cmp: Comparison) -> list[list[str]]:
    """Every summary metric (not the causes) for every option, header first: the
    baseline's mean [95 % CI], each other option's mean and Δ vs baseline."""
    ranked = cmp.ranked(HEADLINE_LOST)
    rows = [["metric", *ranked]]
    for metric in cmp.metrics:
        if metric.startswith(CAUSE_PREFIX):
            continue
        cells = [label(metric)]
        for name in ranked:
            r = cmp.get(name, metric)
            if r is None or r.mean is None:
                cells.append("never" if r is not None and metric.startswith("days_to") else "n/a")
                continue
            k = _digits(r.mean, 2) if abs(r.mean) < 10 else 1
            text = _fixed(r.mean, k)
            if name == cmp.baseline:
                if r.ci95 is not None and r.ci95[0] != r.ci95[1]:
                    text += f" [{_fixed(r.ci95[0], k)}, {_fixed(r.ci95[1], k)}]"
            else:
                text += f" (Δ {_delta(r, k, brackets=False)})"
            if metric.startswith("days_to") and r.n < cmp.replications:
                text += f", reached {r.n}/{cmp.replications}"
            cells.append(text)
        rows.append(cells)
    return rows


def _one_line(text: str) -> str:
    """`text` with its line breaks turned into spaces (a Markdown line must not break)."""
    return " ".join(text.splitlines())


def _cell(text: str) -> str:
    """A table cell: one line, `|` escaped (ids such as goods, in cause names, may hold it)."""
    return _one_line(text).replace("|", "\\|")


def _code(text: str) -> str:
    """`text` as one inline code span, whatever backticks it holds (CommonMark: fenced by
    a longer run of backticks, padded with a space when it starts or ends with one)."""
    text = _one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """A Markdown pipe table padded so that it also reads well as plain text."""
    rows = [[_cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), sep, *(line(r) for r in rows[1:])])


SIGNIFICANCE_NOTE = (
    "`*` the 95 % CI of the paired difference excludes 0. "
    "Negative Δ is better for days and lost output."
)


def markdown(cmp: Comparison, meta: Mapping[str, Any]) -> str:
    """`comparison.md`: title, what was run, how to read it, and the two tables."""
    start = dt.date.fromisoformat(meta["start_date"]) if meta.get("start_date") else None
    n = cmp.replications
    shared = ", ".join(_code(f"--set {x}") for x in meta.get("shared_sets") or ())
    lines = [
        f"# Policy options compared — {_one_line(meta['scenario'])}",
        "",
        f"- scenario: {_code(meta['scenario_file'])} ({_one_line(meta['scenario'])})",
        f"- {n} replication{'s' if n != 1 else ''} per option, seed {meta['seed']}, "
        f"{meta['days']} days" + (f" from {start.isoformat()}" if start else ""),
        f"- options: {', '.join(_describe(o) for o in meta['options'])}",
        *([f"- applied to every option: {shared}"] if shared else []),
        "",
        "**How to read this.** Every option was run with the same seed and the same "
        "replication numbers as the baseline, so replication r of each option meets the "
        "same random events wherever the option does not change them (common random "
        "numbers). Δ is the option minus the baseline, taken replication by replication "
        "and averaged; the bracket is its 95 % confidence interval. When the interval "
        "excludes 0 the difference is marked `*`: it is unlikely to be noise. Lost output "
        "is Σ(1 − capacity) over the horizon, in baseline-days (days of pre-shock park "
        "output); days to 80 % is the first day capacity reaches 80 % and stays there "
        f"for {meta['sustain_days']} days, averaged over the replications that reach it. "
        "Options are ranked by mean lost output, best first.",
        "",
        render_table(main_table(cmp, start)),
        "",
        SIGNIFICANCE_NOTE,
        "",
        "## Where the output is lost",
        "",
        "Mean lost output by cause, baseline-days (Δ vs baseline, `*` significant).",
        "",
        render_table(causes_table(cmp)),
        "",
        "## Every summary metric",
        "",
        "Baseline: mean [95 % CI]; other options: mean (Δ vs baseline, `*` significant).",
        "",
        render_table(metrics_table(cmp)),
        "",
        "Every metric of every option with its CIs, and the paired differences with theirs, "
        "is in `comparison.csv`.",
        "",
    ]
    return "\n".join(lines)


def _describe(opt: Mapping[str, Any]) -> str:
    what = [_code(x) for x in (*opt.get("policies", []), *opt.get("sets", []))]
    return f"**{_one_line(opt['name'])}**" + (f" ({', '.join(what)})" if what else "")


# --------------------------------------------------------------------------- folder


def comparison_meta(
    options: Sequence[Option], scenario_file: Path, shared_sets: Sequence[str]
) -> dict[str, Any]:
    """`comparison.json`: what was compared, enough to draw the plots and rerun it."""
    sc = options[0].park.scenario
    return {
        "scenario": sc.name,
        "scenario_file": str(scenario_file),
        "seed": sc.seed,
        "replications": sc.replications,
        "days": sc.days,
        "start_date": sc.start_date.isoformat() if sc.start_date else None,
        "sustain_days": sc.reporting.sustain_days,
        "baseline": options[0].name,
        "shared_sets": list(shared_sets),
        "options": [
            {
                "name": o.name,
                "kind": o.kind,
                "policies": list(o.policies),
                "sets": list(o.sets),
                "scenario_sha256": hashlib.sha256(scenario_json(o.park).encode()).hexdigest(),
            }
            for o in options
        ],
    }


def write_compare(
    out: Path,
    options: Sequence[Option],
    traces: Mapping[str, Sequence[Trace]],
    cmp: Comparison,
    *,
    scenario_file: Path,
    shared_sets: Sequence[str] = (),
    started: dt.datetime,
    executor: str,
    plots: bool = True,
    force: bool = False,
) -> Path:
    """Write the comparison folder atomically; returns its final path.

    Raises FolderError (nothing changed) when `out` is not parksim's to replace,
    unless `force` moves it aside (see `sim.output.folder`).
    """
    if not options or options[0].name != cmp.baseline:
        raise ValueError(f"the first option must be the baseline '{cmp.baseline}'")

    def fill(partial: Path) -> None:
        meta = comparison_meta(options, scenario_file, shared_sets)
        _write(partial / COMPARISON_JSON, json_text(meta))
        _write(partial / COMPARISON_CSV, _csv(comparison_rows(cmp)))
        _write(partial / COMPARISON_MD, markdown(cmp, meta))
        _write(partial / TIMESERIES_CSV, _csv(timeseries_rows(traces)))
        _write(partial / CAUSES_CSV, _csv(causes_rows(traces)))
        (partial / "options").mkdir()
        for o in options:
            _write(
                partial / "options" / f"{o.name}.resolved.yaml",
                resolved_yaml(o.park, scenario_file),
            )
        if plots:
            from sim.output.compare_plots import draw_compare_plots

            draw_compare_plots(partial)
        _write_manifest(partial, meta, started, executor, plots)

    with claim(out, COMPARISON, force=force):
        return build(out, COMPARISON, fill, force=force)


def _write_manifest(
    partial: Path, meta: Mapping[str, Any], started: dt.datetime, executor: str, plots: bool
) -> None:
    about = {
        "kind": COMPARISON,
        "plots": plots,
        **{k: meta[k] for k in ("scenario", "scenario_file", "seed", "replications", "days")},
        "common_random_numbers": "every option runs replications 0..N-1 with the same seed",
        "options": meta["options"],
    }
    write_manifest(partial, about, started, executor)
