"""`calibration.md`: the report of a calibration — what ran and where it stopped, the
posterior of each parameter (median, 90 % interval, the value `calibrated.yaml`
sets), the generations, then the observations in sample (fit) and out of sample
(validation), each against the posterior predictive median and 90 % band. A joint
calibration adds which cases each parameter reaches and a table of the fit case by
case, and gives the observations case by case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.metrics import SHARE_METRICS

FILE = "calibration.md"


def _pct_or(v: Any, metric: str) -> str:
    if v is None:
        return ""
    if metric in SHARE_METRICS:
        return f"{100 * v:.1f} %"
    return f"{v:,.0f}" if abs(v) >= 10_000 else f"{v:.4g}"


def _yes_no(v: bool | None) -> str:
    return "" if v is None else "yes" if v else "no"


def table_markdown(table: Sequence[Mapping[str, Any]]) -> list[str]:
    """Observations as a Markdown table: observed, simulated median [90 % band], error
    (their case first, in a joint calibration)."""
    joint = any("case" in r for r in table)
    out = [
        ("| case " if joint else "")
        + "| observation | when | observed ± | simulated median [90 % band] | error | in band |",
        ("|---" if joint else "") + "|---|---|---|---|---|---|",
    ]
    for r in table:
        m = r["metric"]
        when = r["date"] or f"day {r['day']}"
        band = (
            f"{_pct_or(r['simulated_median'], m)} [{_pct_or(r['simulated_p05'], m)}, "
            f"{_pct_or(r['simulated_p95'], m)}]"
            if r["simulated_median"] is not None
            else "(no run)"
        )
        err = r["error"]
        if err is None:
            err_text = ""
        elif m in SHARE_METRICS:
            err_text = f"{100 * err:+.1f} points"
        elif abs(err) >= 10_000:
            err_text = f"{err:+,.0f}"
        else:
            err_text = f"{err:+.4g}"
        out.append(
            (f"| {r['case']} " if joint else "")
            + f"| {r['label'] or r['id']} (`{m}`/{r['group']}) | {when} | "
            f"{_pct_or(r['observed'], m)} ± {_pct_or(r['uncertainty'], m)} | {band} | "
            f"{err_text} | {_yes_no(r['in_band_90'])} |"
        )
    return out


def _distance(v: Any) -> str:
    return "" if v is None else f"{v:.3g}"


def _cases_markdown(result: Mapping[str, Any]) -> list[str]:
    """Joint calibrations: the fit case by case."""
    kind = "root mean square" if result["settings"]["distance"] == "rmse" else "mean absolute"
    lines = [
        "",
        "## Fit by case",
        "",
        f"The {kind} error of each case's observations at the posterior predictive "
        "medians, in units of their uncertainty (1: off by one stated uncertainty on "
        "average), and how many lie in their 90 % band. The distance the inference "
        "minimised is the mean over the cases with fitted observations of each case's "
        "mean "
        + ("squared" if result["settings"]["distance"] == "rmse" else "absolute")
        + " error, so that a case with many observations does not outweigh the others.",
        "",
        "| case | scenario | parameters reaching it | fitted | distance | in band | "
        "held out | distance | in band |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result["case_fit"]:
        lines.append(
            f"| {c['case']} | {c['scenario']} | {c['parameters'] or '(none)'} | {c['fitted']} | "
            f"{_distance(c['fitted_distance'])} | {c['fitted_in_band_90']} of {c['fitted']} | "
            f"{c['held_out']} | {_distance(c['held_out_distance'])} | "
            f"{c['held_out_in_band_90']} of {c['held_out']} |"
        )
    return lines


def report_markdown(
    result: Mapping[str, Any], table: Sequence[Mapping[str, Any]], wall: float, executor: str
) -> str:
    """`calibration.md`: the posterior, the fit, and the out-of-sample errors."""
    gens = result["generations"]
    if result.get("cases"):
        what = (
            f"Joint calibration of {len(result['cases'])} cases ("
            + ", ".join(f"`{c['id']}`: {c['scenario_name']}" for c in result["cases"])
            + f"), seed {result['seed']}"
        )
    else:
        what = f"Scenario `{result['scenario_name']}` ({result['scenario']}), seed {result['seed']}"
    lines = [
        f"# Calibration `{result['name']}`",
        "",
        what
        + (", **quick**" if result["quick"] else "")
        + f". {len(gens)} generation(s) of {result['settings']['population_size']} particles, "
        f"{result['model_runs']} particle runs ({result['settings']['replications']} "
        f"replication(s) each), then {result['predictive_draws']} posterior predictive runs; "
        f"stopped: {result['stop']}. {wall:.1f} s on {executor}.",
        "",
        "## Posterior",
        "",
        "| parameter | prior | median | 90 % interval | set in calibrated.yaml |",
        "|---|---|---|---|---|",
    ]
    for e in result["posterior"]:
        lo, hi = e["ci90"]
        if "cases" in e:
            where = "; ".join(f"{c}: `{'`, `'.join(paths)}`" for c, paths in e["cases"].items())
        else:
            where = f"`{'`, `'.join(e['paths'])}`"
        lines.append(
            f"| {e['name']} ({where}) | "
            f"{e['prior_range'][0]:.4g} to {e['prior_range'][1]:.4g} | {e['median']:.4g} | "
            f"{lo:.4g} to {hi:.4g} | {e['calibrated']} |"
        )
    lines += [
        "",
        "| generation | epsilon | acceptance rate | effective sample size |",
        "|---|---|---|---|",
    ]
    for g in gens:
        lines.append(
            f"| {g['t']} | {g['epsilon']:.4g} | {g['acceptance_rate']:.2f} | {g['ess']:.1f} |"
        )
    if result.get("case_fit"):
        lines += _cases_markdown(result)
    fit = [r for r in table if r["role"] == "fit"]
    held = [r for r in table if r["role"] == "held_out"]
    lines += [
        "",
        "## Fit (in sample)",
        "",
        "The observations the parameters were fitted to, against the posterior predictive "
        "runs. Agreement here is expected (these figures set the parameters) and says "
        "little about the model's validity.",
        "",
        *table_markdown(fit),
        "",
        "## Validation (out of sample)",
        "",
    ]
    if held:
        errs = [abs(r["error"]) for r in held if r["error"] is not None]
        inside = sum(1 for r in held if r["in_band_90"])
        lines += [
            "The held-out observations, which set nothing: the model's prediction from the "
            "fitted parameters.",
            "",
            *table_markdown(held),
            "",
            f"{inside} of {len(held)} held-out observation(s) inside the 90 % band; mean "
            f"absolute error {sum(errs) / len(errs):.4g} (in the series' units)."
            if errs
            else "No held-out observation could be simulated.",
        ]
    else:
        lines.append("No observation was held out (`hold_out`, `--hold-out`).")
    lines.append("")
    return "\n".join(lines)
