"""The data files of a comparison folder (`parksim compare`):

- `comparison.json`: what was compared — scenario, seed, replications, days, start
  date, sustain days, the baseline, the `--set`s shared by every option, and each
  option (name, kind, overlay files, own `--set`s, SHA-256 of its scenario);
- `comparison.csv`: every option × metric, its mean with 95 % CI and its paired
  difference from the baseline with 95 % CI (`COLUMNS`; `sim.comparison.Row`); for
  days to a level, the pairs left out of the difference because only the option, only
  the baseline or neither reached the level (`only_option`, `only_baseline`,
  `neither`; 0 for other metrics);
- `compare_timeseries.csv`: each option's daily park capacity per replication;
- `compare_causes.csv`: each option's lost output by cause per replication, over the
  horizon, in baseline-days.

The report `comparison.md` is `sim.files.comparison_md`; each option's scenario,
`options/<name>.resolved.yaml`, is `sim.files.resolved`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim.comparison import Comparison
from sim.files.causes import order_causes
from sim.files.cells import blank_float_column, header_of, int_column, number, read_columns
from sim.files.resolved import scenario_sha256
from sim.files.summary import read_run_json
from sim.metrics import cause_totals
from sim.record import Trace
from sim.scenario.expand import Park

JSON = "comparison.json"
CSV = "comparison.csv"
TIMESERIES = "compare_timeseries.csv"
CAUSES = "compare_causes.csv"

COLUMNS = (
    "option",
    "metric",
    "mean",
    "ci95_lo",
    "ci95_hi",
    "n",
    "diff",
    "diff_lo",
    "diff_hi",
    "n_pairs",
    "significant",
    "only_option",
    "only_baseline",
    "neither",
)
CENSORED_COLUMNS = ("only_option", "only_baseline", "neither")
"""Columns added by issue 15.9: a file written before has none (read as 0)."""
TIMESERIES_COLUMNS = ("option", "day", "replication", "capacity")
CAUSES_COLUMNS = ("option", "replication", "cause", "lost_output_days")


class ComparedOption(Protocol):
    """What the files say of an option (`sim.experiment.compare.Option` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def park(self) -> Park: ...
    @property
    def policies(self) -> tuple[str, ...]: ...
    @property
    def sets(self) -> tuple[str, ...]: ...


# --------------------------------------------------------------------------- writing


def comparison_meta(
    options: Sequence[ComparedOption], scenario_file: Path, shared_sets: Sequence[str]
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
                "scenario_sha256": scenario_sha256(o.park),
            }
            for o in options
        ],
    }


def comparison_rows(cmp: Comparison) -> list[list[str]]:
    """The cells of `comparison.csv`, header first."""
    rows = [list(COLUMNS)]
    for r in cmp.rows:
        lo, hi = r.ci95 if r.ci95 is not None else (None, None)
        dlo, dhi = r.diff_ci95 if r.diff_ci95 is not None else (None, None)
        rows.append(
            [
                r.option,
                r.metric,
                number(r.mean),
                number(lo),
                number(hi),
                str(r.n),
                number(r.diff),
                number(dlo),
                number(dhi),
                str(r.n_pairs),
                "true" if r.significant else "false",
                str(r.only_option),
                str(r.only_baseline),
                str(r.neither),
            ]
        )
    return rows


def timeseries_rows(traces: Mapping[str, Sequence[Trace]]) -> list[list[str]]:
    """`option,day,replication,capacity` (capacity = park output / baseline, 0..1)."""
    rows = [list(TIMESERIES_COLUMNS)]
    for name, ts in traces.items():
        for t in ts:
            cap = t.capacity
            rows.extend(
                [name, str(d), str(t.replication), number(float(cap[d]))] for d in range(t.days)
            )
    return rows


def causes_rows(traces: Mapping[str, Sequence[Trace]]) -> list[list[str]]:
    """`option,replication,cause,lost_output_days`: each replication's loss by cause."""
    rows = [list(CAUSES_COLUMNS)]
    for name, ts in traces.items():
        for t in ts:
            for cause, v in cause_totals(t).items():
                rows.append([name, str(t.replication), cause, number(v)])
    return rows


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CompareMeta:
    """`comparison.json`: what was compared."""

    scenario: str
    seed: int | None
    replications: int | None
    days: int | None
    start_date: date | None
    sustain_days: int | None
    baseline: str
    options: tuple[str, ...]
    """Every option, baseline first, in the order given on the command line."""
    raw: dict[str, Any]


def read_meta(path: Path) -> CompareMeta:
    """Read `comparison.json`."""
    raw, common = read_run_json(path)
    if not isinstance(raw.get("options"), list):
        raise ValueError(f"{path}: expected an object with an 'options' list")
    names = tuple(str(o["name"]) for o in raw["options"] if isinstance(o, dict) and "name" in o)
    if not names:
        raise ValueError(f"{path}: no options listed")
    sustain = raw.get("sustain_days")
    return CompareMeta(
        **common,
        sustain_days=int(sustain) if isinstance(sustain, int | float) else None,
        baseline=str(raw.get("baseline") or names[0]),
        options=names,
        raw=raw,
    )


@dataclass(frozen=True)
class Stat:
    """One row of `comparison.csv` (NaN where the file has an empty cell)."""

    option: str
    metric: str
    mean: float
    ci95_lo: float
    ci95_hi: float
    n: int
    diff: float
    diff_lo: float
    diff_hi: float
    n_pairs: int
    significant: bool
    only_option: int = 0
    only_baseline: int = 0
    neither: int = 0


def read_comparison(path: Path) -> dict[tuple[str, str], Stat]:
    """Read `comparison.csv` into {(option, metric): Stat}."""
    path = Path(path)
    base = tuple(c for c in COLUMNS if c not in CENSORED_COLUMNS)
    cols = read_columns(path, base)
    header = set(header_of(path))
    if set(CENSORED_COLUMNS) <= header:
        cols.update(read_columns(path, CENSORED_COLUMNS))
    apart = {
        k: (int_column(path, cols[k], k) if k in cols else np.zeros(len(cols["option"]), int))
        for k in CENSORED_COLUMNS
    }
    num = {
        k: blank_float_column(path, cols[k], k)
        for k in ("mean", "ci95_lo", "ci95_hi", "diff", "diff_lo", "diff_hi")
    }
    n = int_column(path, cols["n"], "n")
    n_pairs = int_column(path, cols["n_pairs"], "n_pairs")
    out = {}
    for i, (opt, metric) in enumerate(zip(cols["option"], cols["metric"], strict=True)):
        out[(opt, metric)] = Stat(
            opt,
            metric,
            *(float(num[k][i]) for k in ("mean", "ci95_lo", "ci95_hi")),
            int(n[i]),
            *(float(num[k][i]) for k in ("diff", "diff_lo", "diff_hi")),
            int(n_pairs[i]),
            cols["significant"][i].strip().lower() == "true",
            *(int(apart[k][i]) for k in CENSORED_COLUMNS),
        )
    return out


def read_capacity(
    path: Path, options: Sequence[str], replications: int | None, days: int | None
) -> dict[str, np.ndarray]:
    """Read `compare_timeseries.csv`: {option: capacity[replication, day]} (NaN if absent)."""
    path = Path(path)
    cols = read_columns(path, TIMESERIES_COLUMNS)
    day = int_column(path, cols["day"], "day")
    rep = int_column(path, cols["replication"], "replication")
    cap = blank_float_column(path, cols["capacity"], "capacity")
    n_rep = replications if replications is not None else (int(rep.max()) + 1 if rep.size else 0)
    n_day = days if days is not None else (int(day.max()) + 1 if day.size else 0)
    if rep.size and (rep.max() >= n_rep or day.max() >= n_day):
        raise ValueError(f"{path}: rows beyond {n_rep} replications × {n_day} days")
    names = list(dict.fromkeys([*options, *cols["option"]]))
    index = {name: i for i, name in enumerate(names)}
    cube = np.full((len(names), n_rep, n_day), np.nan)
    opt = np.fromiter((index[o] for o in cols["option"]), dtype=np.intp, count=len(cap))
    cube[opt, rep, day] = cap
    return {name: cube[i] for name, i in index.items()}


def read_option_causes(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Read `compare_causes.csv`: (causes, {option: lost[replication, cause]}).

    Lost output is in baseline-days over the whole horizon; a cause an option did not
    report lost it nothing (0). Causes keep their order of appearance, `input:*` together.
    """
    path = Path(path)
    cols = read_columns(path, CAUSES_COLUMNS)
    rep = int_column(path, cols["replication"], "replication")
    lost = blank_float_column(path, cols["lost_output_days"], "lost_output_days")
    causes = order_causes(cols["cause"])
    c_index = {c: i for i, c in enumerate(causes)}
    n_rep = int(rep.max()) + 1 if rep.size else 0
    out: dict[str, np.ndarray] = {}
    for opt, r, c, v in zip(cols["option"], rep, cols["cause"], lost, strict=True):
        arr = out.setdefault(opt, np.full((n_rep, len(causes)), np.nan))
        arr[r, c_index[c]] = v
    for opt, arr in out.items():
        seen = ~np.isnan(arr).all(axis=1)
        out[opt] = np.nan_to_num(arr[seen], nan=0.0)
    return causes, out
