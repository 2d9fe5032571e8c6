"""`comparison.md`: the planner's report of a comparison — what was run, how to read
it, the options ranked by mean lost output with days to 80 % and paired differences
from the baseline (95 % CI, `*` when it excludes 0), each option's largest causes of
lost output, and every summary metric. Markdown pipe tables padded so that the file
also reads well as plain text; the same table is printed after `parksim compare`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sim.comparison import Comparison, Row
from sim.files import explain_md
from sim.files.comparison_explain import Explanation
from sim.metrics import (
    CAUSE_PREFIX,
    DAYS_TO_80,
    DAYS_TO_PREFIX,
    FINAL_CAPACITY,
    LOST_OUTPUT_DAYS,
    RELAPSED_80,
    label,
)
from sim.text import columns, pad

FILE = "comparison.md"
HEADLINE_DAYS = DAYS_TO_80
HEADLINE_LOST = LOST_OUTPUT_DAYS
"""The options are ranked by it, best (least lost) first."""
HEADLINE_FINAL = FINAL_CAPACITY
TOP_CAUSES = 3
"""How many causes of lost output the report names for each option."""


# --------------------------------------------------------------------------- formatting


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


def _apart(row: Row) -> str:
    """Days-to-X pairs left out of the difference: `2 reached only here, 1 only in the
    baseline` (empty when none)."""
    parts = []
    if row.only_option:
        parts.append(f"{row.only_option} reached only here")
    if row.only_baseline:
        parts.append(f"{row.only_baseline} only in the baseline")
    return ", ".join(parts)


def _delta(row: Row | None, digits: int = 1, brackets: bool = True) -> str:
    """`-4.1 [-5.0, -3.2] *`: paired difference, its 95 % CI and the significance mark;
    `0` when every pair is equal; for days to a level, the pairs where only one side
    reached it, counted apart (`(8 pairs; 2 reached only here)`)."""
    apart = _apart(row) if row is not None and brackets else ""
    if row is None or row.diff is None:
        return f"n/a ({apart})" if apart else "n/a"
    if row.diff == 0 and row.diff_ci95 in (None, (0.0, 0.0)):
        return f"0 ({row.n_pairs} pairs; {apart})" if apart else "0"
    k = _digits(row.diff, digits)
    text = _fixed(row.diff, k, sign=True)
    if brackets and row.diff_ci95 is not None:
        lo, hi = row.diff_ci95
        text += f" [{_fixed(lo, k, True)}, {_fixed(hi, k, True)}]"
    if row.significant:
        text += " *" if brackets else "*"
    if brackets and row.n_pairs and (row.n_pairs < row.n or apart):
        text += f" ({row.n_pairs} pairs{'; ' + apart if apart else ''})"
    return text


def _when(day: float, start: dt.date | None) -> str:
    if start is None:
        return ""
    when = start + dt.timedelta(days=round(day))
    return f" ({when.day} {when:%b})"


# --------------------------------------------------------------------------- tables


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
            days += explain_md.relapse_note(cmp.get(name, RELAPSED_80))
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
                never = r is not None and metric.startswith(DAYS_TO_PREFIX)
                cells.append("never" if never else "n/a")
                continue
            k = _digits(r.mean, 2) if abs(r.mean) < 10 else 1
            text = _fixed(r.mean, k)
            if name == cmp.baseline:
                if r.ci95 is not None and r.ci95[0] != r.ci95[1]:
                    text += f" [{_fixed(r.ci95[0], k)}, {_fixed(r.ci95[1], k)}]"
            else:
                text += f" (Δ {_delta(r, k, brackets=False)})"
            if metric.startswith(DAYS_TO_PREFIX) and r.n < cmp.replications:
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
    widths = [max(columns(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), sep, *(line(r) for r in rows[1:])])


SIGNIFICANCE_NOTE = (
    "`*` the 95 % CI of the paired difference excludes 0. "
    "Negative Δ is better for days and lost output."
)


def markdown(
    cmp: Comparison,
    meta: Mapping[str, Any],
    explained: Explanation | None = None,
    robust: Sequence[str] = (),
) -> str:
    """`comparison.md`: title, what was run, how to read it, and the tables; with an
    `explained` comparison, what holds each option back; then the lines of a `--robust`
    section."""
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
        explain_md.relapse_rule(meta.get("sustain_days"), meta.get("relapse_margin")),
        "",
        "## Where the output is lost",
        "",
        "Mean lost output by cause, baseline-days (Δ vs baseline, `*` significant).",
        "",
        render_table(causes_table(cmp)),
        "",
        *(explained.section(cmp, start, render_table) if explained else []),
        "## Every summary metric",
        "",
        "Baseline: mean [95 % CI]; other options: mean (Δ vs baseline, `*` significant).",
        "",
        render_table(metrics_table(cmp)),
        "",
        "Every metric of every option with its CIs, and the paired differences with theirs, "
        "is in `comparison.csv`.",
        "",
        *robust,
    ]
    return "\n".join(lines)


def _describe(opt: Mapping[str, Any]) -> str:
    what = [_code(x) for x in (*opt.get("policies", []), *opt.get("sets", []))]
    return f"**{_one_line(opt['name'])}**" + (f" ({', '.join(what)})" if what else "")
