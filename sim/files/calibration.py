"""The data files of a calibration folder (`parksim calibrate`):

```
calibration.json   what is calibrated and how (with its SHA-256 identity); when
                   complete also the generations, the posterior summary, the stop reason
history.db         pyabc's SQLite database: every finished generation (what a re-run
                   resumes from); history.db-journal while SQLite writes it
posterior.parquet  every particle of every generation: generation, particle, weight,
posterior.csv      distance, each parameter, the replications it ran (the last
                   generation is the posterior)
predictive.csv     the posterior predictive runs: `PREDICTIVE_COLUMNS`
fit.csv            per observation: observed, simulated median and 90 % band, error
validation.csv     the same for the held-out observations only (out of sample)
calibrated.yaml    an overlay setting the posterior medians (`--policy calibrated.yaml`)
```

A joint calibration (several cases) has a `case` column first in `predictive.csv`,
`fit.csv` and `validation.csv`, one overlay per case, `calibrated/<case>.yaml` (each
sets the shared parameters' medians at their key paths in that case, and the case's
own parameters), instead of `calibrated.yaml`, and `cases.csv`: how well the fit does
case by case (`CASE_COLUMNS`).

The report `calibration.md` is `sim.files.calibration_md`. The folder is written by
`sim.output.calibration`, its charts drawn by `sim.output.calibration_plots`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import yaml

from sim.files.cells import read_json, read_rows
from sim.scenario.expand import Park
from sim.scenario.source import Source

SPEC = "calibration.json"
DB = "history.db"
DB_JOURNAL = "history.db-journal"
POSTERIOR_PARQUET = "posterior.parquet"
POSTERIOR_CSV = "posterior.csv"
PREDICTIVE = "predictive.csv"
FIT = "fit.csv"
VALIDATION = "validation.csv"
OVERLAY = "calibrated.yaml"
OVERLAYS = "calibrated"
"""Joint calibrations: the folder of the per-case overlays, `calibrated/<case>.yaml`."""
CASES = "cases.csv"
"""Joint calibrations: the fit case by case."""
CASE_COLUMNS = (
    "case",
    "scenario",
    "parameters",
    "fitted",
    "fitted_distance",
    "fitted_in_band_90",
    "held_out",
    "held_out_distance",
    "held_out_in_band_90",
)
"""Columns of `cases.csv`: the case, its scenario's name, the parameters that reach it,
then for its fitted and its held-out observations: how many, their distance at the
posterior predictive medians (the calibration's `distance`: root mean square or mean
absolute error in units of their uncertainty) and how many lie in their 90 % band."""
FIT_COLUMNS = (
    "id",
    "role",
    "date",
    "day",
    "metric",
    "group",
    "observed",
    "uncertainty",
    "simulated_median",
    "simulated_p05",
    "simulated_p95",
    "error",
    "abs_error",
    "error_in_uncertainties",
    "in_band_90",
    "draws",
    "label",
    "source",
)
"""Columns of `fit.csv` and `validation.csv`."""
PREDICTIVE_COLUMNS = ("draw", "particle", "replications", "metric", "group", "day", "date", "value")
"""Columns of `predictive.csv`: one row per draw, series (metric, group of
`timeseries.csv`) and day."""


class Calibrated(Protocol):
    """What the files say of a calibration (`sim.experiment.calibration_spec.Calibration`
    is one, and so is each of its cases, `Case`): the scenario it calibrates, as a file
    and as validated."""

    @property
    def scenario(self) -> Path: ...
    @property
    def policies(self) -> tuple[Path, ...]: ...
    @property
    def base_sets(self) -> tuple[str, ...]: ...
    @property
    def base(self) -> Park: ...
    @property
    def base_source(self) -> Source: ...


def curve_key(metric: str, group: str) -> str:
    """How a predictive draw names the curve of a series of `timeseries.csv`."""
    return f"{metric}|{group}"


def fit_columns(joint: bool) -> tuple[str, ...]:
    """Columns of `fit.csv` and `validation.csv` (with `case` first in a joint calibration)."""
    return ("case", *FIT_COLUMNS) if joint else FIT_COLUMNS


def predictive_columns(joint: bool) -> tuple[str, ...]:
    """Columns of `predictive.csv` (with `case` first in a joint calibration)."""
    return ("case", *PREDICTIVE_COLUMNS) if joint else PREDICTIVE_COLUMNS


def predictive_rows(
    cases: Mapping[str, Calibrated], draws: Sequence[Mapping[str, Any]], joint: bool = False
) -> list[dict[str, Any]]:
    """Tidy rows of the predictive curves: one per draw, (case,) series and day. `cases`:
    the calibration's cases by id (`""` for the one of a one-scenario calibration); a
    draw's curves are keyed by (case id, `curve_key`)."""
    out = []
    for d in draws:
        reps = " ".join(str(r) for r in d["replications"])
        for (case, key), values in d["curves"].items():
            start = cases[case].base.scenario.start_date
            metric, group = key.split("|", 1)  # as `curve_key` joins them
            for day, v in enumerate(values):
                out.append(
                    {
                        **({"case": case} if joint else {}),
                        "draw": d["draw"],
                        "particle": d["particle"],
                        "replications": reps,
                        "metric": metric,
                        "group": group,
                        "day": day,
                        "date": (start + dt.timedelta(days=day)).isoformat() if start else None,
                        "value": v,
                    }
                )
    return out


# --------------------------------------------------------------------------- the overlay


def _put(tree: Any, base: Any, selectors: Sequence[Any], value: Any) -> Any:
    """`tree` (part of an overlay) with `value` at the selectors' path: mappings by key,
    list items by id (merged by id by the overlay rules) or, by position, a copy of the
    whole base list (an overlay replaces such a list whole)."""
    from sim.scenario.overlay import ById, Index

    if not selectors:
        return value
    s, rest = selectors[0], selectors[1:]
    if isinstance(base, list):
        if isinstance(s, ById):
            items = tree if isinstance(tree, list) else []
            base_item = next(
                (x for x in base if isinstance(x, dict) and str(x.get("id")) == s.id), {}
            )
            ids = [str(x.get("id")) if isinstance(x, dict) else None for x in items]
            pos = ids.index(s.id) if s.id in ids else None
            if pos is None:
                items.append({"id": base_item.get("id", s.id)})
                pos = len(items) - 1
            items[pos] = _put(items[pos], base_item, rest, value)
            return items
        k = s.index if isinstance(s, Index) else int(s.name)
        items = tree if isinstance(tree, list) and len(tree) == len(base) else copy.deepcopy(base)
        items[k] = _put(items[k], base[k], rest, value)
        return items
    tree = tree if isinstance(tree, dict) else {}
    below = base.get(s.name) if isinstance(base, dict) else None
    tree[s.name] = _put(tree.get(s.name), below, rest, value)
    return tree


def _paths(entry: Mapping[str, Any], case: str | None) -> list[str]:
    """The key paths a posterior entry sets in a case (None: a one-scenario calibration)."""
    if case is None:
        return list(entry["paths"])
    return list(entry.get("cases", {}).get(case, []))


def overlay(
    cal: Calibrated, posterior: Sequence[Mapping[str, Any]], case: str | None = None
) -> dict[str, Any]:
    """The overlay that sets every parameter's path(s) to its calibrated value (in a joint
    calibration: its paths in the case `case`, where it applies there)."""
    from sim.scenario.overlay import parse_set

    tree: dict[str, Any] = {}
    for entry in posterior:
        for path in _paths(entry, case):
            selectors, _ = parse_set(f"{path}=0")
            tree = _put(tree, cal.base_source.data, selectors, entry["calibrated"])
    return tree


def overlay_text(cal: Calibrated, result: Mapping[str, Any], case: str | None = None) -> str:
    """`calibrated.yaml` (or, in a joint calibration, `calibrated/<case>.yaml` of the case
    `cal`, id `case`): a commented overlay of the posterior medians."""
    use = OVERLAY if case is None else f"{OVERLAYS}/{case}.yaml"
    lines = [
        f"# Posterior medians of calibration '{result['name']}' (parksim calibrate), "
        f"seed {result['seed']}.",
    ]
    if case is not None:
        others = [c["id"] for c in result.get("cases", []) if c["id"] != case]
        lines.append(
            f"# Case '{case}' of a joint calibration (with {', '.join(others) or 'no other case'}):"
            " the shared parameters are fitted to every case at once."
        )
    lines.append(f"# Scenario: {cal.scenario}")
    if cal.policies:
        lines.append("# Calibrated with the overlays: " + ", ".join(str(p) for p in cal.policies))
    if cal.base_sets:
        lines.append("# and --set " + " ".join(cal.base_sets))
    lines.append(f"# Use: parksim run {cal.scenario} --policy {use}")
    for e in result["posterior"]:
        paths = _paths(e, case)
        if case is not None and not paths:
            continue
        lo, hi = e["ci90"]
        shared = ""
        if case is not None:
            where = e.get("cases", {})
            shared = (
                f" (shared by {', '.join(where)})" if len(where) > 1 else f" (case '{case}' only)"
            )
        lines.append(
            f"# {e['name']}: median {e['median']:.4g}, 90 % interval {lo:.4g} to {hi:.4g} "
            f"(prior {e['prior_range'][0]:.4g} to {e['prior_range'][1]:.4g}){shared}"
        )
    tree = overlay(cal, result["posterior"], case)
    if not tree:
        lines.append("# No calibrated parameter reaches this case.")
        return "\n".join(lines) + "\n{}\n"
    body = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
    return "\n".join(lines) + "\n" + body


# --------------------------------------------------------------------------- reading


def read_spec(folder: Path) -> dict[str, Any]:
    """`calibration.json` of a calibration folder."""
    return read_json(Path(folder) / SPEC, "calibration")


def read_table(folder: Path, name: str) -> list[dict[str, str]]:
    """Rows of one of the folder's CSV files (`POSTERIOR_CSV`, `PREDICTIVE`, `FIT`,
    `VALIDATION`) as text."""
    return read_rows(Path(folder) / name)
