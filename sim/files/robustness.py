"""`robustness.csv` of a comparison folder and the "Robustness" section of
`comparison.md` (what `parksim compare --robust` prints is `sim.output.compare_text`): the
comparison as given and again with each uncertain input at the low and at the high end of
its range, one at a time (`sim.comparison.Robustness`).

`robustness.csv` is tidy, one row per run of the comparison × option × metric:
`input,end,value,option,rank,metric,mean,diff,diff_lo,diff_hi,n_pairs,significant,
same_sign` — `input` empty and `end` `as_given` for the comparison as given; `rank` by
mean lost output (1 = least); `diff` the paired difference from the baseline with its
95 % CI; `same_sign` whether the difference has the sign it has as given (empty for the
baseline). The metrics are lost output and days to 80 % (`ROBUST_METRICS`).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.comparison import ROBUST_METRICS, Comparison, Robustness, diff_sign
from sim.files.cells import number
from sim.metrics import DAYS_TO_80, LOST_OUTPUT_DAYS

CSV = "robustness.csv"
COLUMNS = (
    "input",
    "end",
    "value",
    "option",
    "rank",
    "metric",
    "mean",
    "diff",
    "diff_lo",
    "diff_hi",
    "n_pairs",
    "significant",
    "same_sign",
)
AS_GIVEN = "as_given"
_SHORT = {LOST_OUTPUT_DAYS: "Δ lost output", DAYS_TO_80: "Δ days to 80 %"}


def rows(rob: Robustness) -> list[list[str]]:
    """The cells of `robustness.csv`, header first."""
    out = [list(COLUMNS)]
    runs: list[tuple[str, str, str, Comparison]] = [("", AS_GIVEN, "", rob.nominal)]
    runs += [(e.key, e.end, e.value, e.comparison) for e in rob.ends]
    for key, end, value, cmp in runs:
        ranks = {name: k for k, name in enumerate(rob.ranking(cmp), 1)}
        for option in cmp.options:
            for metric in ROBUST_METRICS:
                r = cmp.get(option, metric)
                if r is None:
                    continue
                lo, hi = r.diff_ci95 if r.diff_ci95 is not None else (None, None)
                base = option == cmp.baseline
                same = diff_sign(r) == diff_sign(rob.nominal.get(option, metric))
                out.append(
                    [
                        key,
                        end,
                        value,
                        option,
                        str(ranks[option]),
                        metric,
                        number(r.mean),
                        number(r.diff),
                        number(lo),
                        number(hi),
                        str(r.n_pairs),
                        "true" if r.significant else "false",
                        "" if base else ("true" if same else "false"),
                    ]
                )
    return out


def _delta(cmp: Comparison, option: str, metric: str) -> str:
    r = cmp.get(option, metric)
    if r is None or r.diff is None:
        return "n/a"
    text = f"{0.0 if r.diff == 0 else r.diff:+.1f}"
    return text + (" *" if r.significant else "")


def _columns(rob: Robustness) -> list[tuple[str, Comparison]]:
    return [("as given", rob.nominal), *((e.label, e.comparison) for e in rob.ends)]


def ranking_table(rob: Robustness) -> list[list[str]]:
    """Rank × (as given, each end): the option in that place, header first."""
    cols = _columns(rob)
    ranked = [rob.ranking(c) for _, c in cols]
    rows_ = [["rank", *(label for label, _ in cols)]]
    for k in range(len(rob.nominal.options)):
        rows_.append([str(k + 1), *(r[k] if k < len(r) else "—" for r in ranked)])
    return rows_


def verdict(rob: Robustness, option: str, metric: str) -> str:
    """`yes, significant everywhere` / `yes` / `no: at key = value` / `no difference`."""
    signs = rob.signs(option, metric)
    if all(s == 0 for s in signs):
        return "no difference anywhere"
    if rob.keeps_sign(option, metric):
        return (
            "yes, significant everywhere" if rob.significant_everywhere(option, metric) else "yes"
        )
    return "no: " + ", ".join(e.label for e in rob.flips(option, metric))


def differences_table(rob: Robustness) -> list[list[str]]:
    """Option × metric: the paired difference as given and at each end, and whether it
    keeps its sign, header first (the baseline left out)."""
    cols = _columns(rob)
    out = [["option", "difference", *(label for label, _ in cols), "keeps its sign"]]
    for option in rob.ranking(rob.nominal):
        if option == rob.nominal.baseline:
            continue
        for metric in ROBUST_METRICS:
            out.append(
                [
                    option,
                    _SHORT.get(metric, metric),
                    *(_delta(c, option, metric) for _, c in cols),
                    verdict(rob, option, metric),
                ]
            )
    return out


def section(rob: Robustness, render: Callable[[list[list[str]]], str]) -> list[str]:
    """The lines of comparison.md's "Robustness to uncertain inputs"."""
    inputs = list(dict.fromkeys(e.key for e in rob.ends))
    ranges = [
        f"`{k}` from {lo.value} to {hi.value}"
        for k in inputs
        for lo, hi in [
            (
                next(e for e in rob.ends if e.key == k and e.end == "low"),
                next(e for e in rob.ends if e.key == k and e.end == "high"),
            )
        ]
    ]
    changed = rob.changed()
    holds = (
        "The ranking holds at every end."
        if not changed
        else "The ranking changes at " + ", ".join(f"`{e.label}`" for e in changed) + "."
    )
    return [
        "## Robustness to uncertain inputs",
        "",
        f"Uncertain inputs (`--robust`): {'; '.join(ranges)}. Each was set to its low and "
        "then its high value, **one at a time**, every other input as given, and the whole "
        "comparison run again with the same seeds and replications. An option that sets "
        "the input itself keeps its own value. " + holds,
        "",
        "Options ranked by mean lost output, best first:",
        "",
        render(ranking_table(rob)),
        "",
        "Paired differences from the baseline (`*` 95 % CI excludes 0); a difference keeps "
        "its sign when it is on the same side of 0 as given and at every end:",
        "",
        render(differences_table(rob)),
        "",
        f"Every number, with its CI, is in `{CSV}`.",
        "",
    ]
