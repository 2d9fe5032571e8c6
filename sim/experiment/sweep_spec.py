"""Sweep files: which scenario, which parameters vary by key path, over what design.

A sweep file names a base scenario (with optional overlays and `--set`s applied
to every point), the parameters to vary by `--set` key path, a design that
turns them into points (`grid`, `lhs`, `sobol`, `morris`), the replications per
point, the outcomes to analyse and a seed:

```yaml
name: demo_stations
scenario: ../demo_park.yaml
parameters:
  - {path: "logistics.transfer_stations[id=north_gate].bays", name: bays, levels: [1, 2, 3, 4]}
  - {path: logistics.passes_per_day, name: passes_per_day, from: 1, to: 5, integer: true}
design: {method: grid, points_per_axis: 5}
replications: 8
outcomes: [lost_output_days, days_to_80]
seed: 7
```

The file is checked like a scenario, every problem at once with its line: the
schema below (unknown keys, types, ranges), then each parameter's path against
the base scenario (the path is applied with the `--set` machinery at both ends of
a range and inside it, or at every level, and the result must still validate), so a path that
does not exist in the scenario is rejected naming the path and its line.

Samplers come from libraries, never from here: `scipy.stats.qmc.LatinHypercube`
for `lhs`, SALib's Saltelli/Sobol' sampler (N·(D+2) points, N a power of 2;
N·(2D+2) with `second_order`) and Morris trajectories (N·(D+1) points); the exact
call is recorded (`Sweep.sampler`). In these designs every value of a discrete
parameter gets an equal-width bin of the sampler's space, so each is drawn equally
often (`INTEGER_RULE`): a parameter given by `levels` is sampled as a position in
[0, k) and floored to a level, an `integer` range from ⌈from⌉ to ⌊to⌋ as a
coordinate in [⌈from⌉, ⌊to⌋ + 1) floored to a whole number. (Rounding a continuous
coordinate in [from, to] would give both ends half the weight of the others.) A
grid takes evenly spaced values of a range, ends included, rounded halves up.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import inspect
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

import sim
from sim.experiment import curves, spec_errors
from sim.files.manifest import sha256_file
from sim.files.resolved import scenario_json
from sim.files.sweep import RESERVED_COLUMNS
from sim.metrics import HEADLINE, METRICS
from sim.scenario import dates, strict
from sim.scenario.errors import (
    KeyPath,
    Problem,
    ScenarioError,
    format_path,
)
from sim.scenario.expand import Park, registry_path
from sim.scenario.load import load_source, validate_source
from sim.scenario.overlay import Key, apply_set, parse_set
from sim.scenario.schema import Scenario
from sim.scenario.source import Source, load_yaml

METHODS = ("grid", "lhs", "sobol", "morris")
DEFAULT_OUTCOMES = HEADLINE
PROBE = 0.381966
"""Where inside a range its path is tried besides the ends (a share of the range)."""
INTEGER_RULE = (
    "sampled designs (lhs, sobol, morris): an integer range from..to takes the whole "
    "numbers k = ceil(from)..floor(to), each given an equal-width bin [k, k+1) of the "
    "sampler's coordinate in [ceil(from), floor(to)+1), so each is drawn equally often "
    "(value = floor(coordinate), the upper end kept in the last bin); a `levels` "
    "parameter is a position in [0, number of levels) floored the same way. A grid takes "
    "points_per_axis evenly spaced values from..to, ends included, rounded halves up."
)
"""How the sampler's continuous coordinates become whole numbers and levels (recorded
in `sweep.json`)."""
MAX_PROBES = 25
"""Levels of a parameter tried against the scenario when the sweep is loaded: all of
them up to this many, else this many spread over the list, both ends included (each
try validates the whole scenario; a level the scenario refuses later fails its runs,
which are recorded with the error)."""

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _kind(cls, v: Any, info: ValidationInfo) -> Any:
        """`integer: yes` is not true, `from: true` is not 1 (see sim.scenario.strict)."""
        return strict.check(cls, info.field_name, v)


def names_a_day(path: str) -> bool:
    """Whether a `--set` key path names a day of the run (which may be given as a date)."""
    try:
        selectors, _ = parse_set(f"{path}=0")
    except ScenarioError:
        return False
    return dates.names_a_day(Scenario, [s.name if isinstance(s, Key) else None for s in selectors])


def refuse_dates_off_days(paths: Sequence[Any], values: Sequence[Any]) -> None:
    """A date among a parameter's range is for a day of the run: refuse it on any other
    key path, where it would silently become a day count."""
    if not any(_holds_date(v) for v in values):
        return
    for path in paths:
        if isinstance(path, str) and not names_a_day(path):
            raise ValueError(
                f"a date is given, but '{path.strip()}' is not a day of the run; give numbers "
                "(dates are for keys such as `day` or `opening_day`)"
            )


def _holds_date(v: Any) -> bool:
    if isinstance(v, dict):
        return any(_holds_date(x) for x in v.values())
    return dates.looks_like_date(v)


DayOrNumber = Annotated[float | None, Field(allow_inf_nan=False), BeforeValidator(dates.day_value)]
"""An end of a parameter's range: a number, or a date (for a day key path) counted from
the base scenario's `start_date`."""


def base_context(spec_file: Path, raw: Any) -> dict[str, Any]:
    """The validation context of a sweep or calibration file: its base scenario's
    `start_date` (with the file's overlays and `set:` applied), so that a date in the file
    counts from it; empty when the base cannot be read (its problems are reported later)."""
    if not isinstance(raw, dict):
        return {}
    scenario, policies, sets = raw.get("scenario"), raw.get("policies", []), raw.get("set", [])
    texts = (
        [scenario, *policies, *sets]
        if isinstance(policies, list) and isinstance(sets, list)
        else []
    )
    if not texts or not all(isinstance(t, str) for t in texts):
        return {}
    try:
        base = load_source(
            spec_errors.relative(spec_file, scenario),
            [spec_errors.relative(spec_file, p) for p in policies],
            sets,
        )
    except (ScenarioError, OSError, ValueError):
        return {}
    return dates.context(base.data)


class Parameter(_Frozen):
    """One parameter of the sweep: a scenario key path and the values it takes."""

    path: str = Field(min_length=1, max_length=500)
    """`--set` key path into the scenario, e.g. `logistics.transfer_stations[id=x].bays`."""
    name: str | None = Field(default=None, min_length=1, max_length=100)
    """Column name in the results (default: the path itself)."""
    from_: DayOrNumber = Field(default=None, alias="from")
    """Lowest value of a continuous range (for a day key, a date may be given: it counts
    from the base scenario's `start_date`)."""
    to: DayOrNumber = None
    """Highest value of a continuous range (a date, for a day key)."""

    @model_validator(mode="before")
    @classmethod
    def _dates_on_days(cls, data: Any) -> Any:
        if isinstance(data, dict):
            refuse_dates_off_days([data.get("path")], [data.get("from"), data.get("to")])
        return data

    integer: bool = False
    """Round values of the range to whole numbers."""
    levels: list[JsonValue] | None = Field(default=None, min_length=1, max_length=10_000)
    """The values to try, in order (numbers, text, or any YAML value such as a distribution)."""

    @field_validator("path")
    @classmethod
    def _path_syntax(cls, v: str) -> str:
        try:
            parse_set(f"{v}=0")
        except ScenarioError as e:
            raise ValueError(
                "; ".join(p.message.split(": ", 1)[-1] for p in e.problems)
                + " (a path like logistics.transfer_stations[id=north_gate].bays)"
            ) from None
        return v.strip()

    @model_validator(mode="after")
    def _range_or_levels(self) -> Parameter:
        has_range = self.from_ is not None or self.to is not None
        if self.levels is not None and has_range:
            raise ValueError("give either `levels` or `from` and `to`, not both")
        if self.levels is None:
            if self.from_ is None or self.to is None:
                raise ValueError("give `levels: [...]`, or both `from` and `to`")
            if not self.from_ < self.to:
                raise ValueError(f"`from` ({self.from_:g}) must be below `to` ({self.to:g})")
        elif self.integer:
            raise ValueError("`integer` applies to a `from`/`to` range, not to `levels`")
        else:
            texts = [json.dumps(v, sort_keys=True) for v in self.levels]
            dupes = sorted({t for t in texts if texts.count(t) > 1})
            if dupes:
                raise ValueError(f"levels repeat: {', '.join(dupes)}")
        return self

    @property
    def label(self) -> str:
        """Column name in the results and label in plots."""
        return self.name or self.path

    @property
    def whole(self) -> tuple[int, int]:
        """The lowest and highest whole number of an `integer` range."""
        assert self.from_ is not None and self.to is not None
        return math.ceil(self.from_), math.floor(self.to)


class Design(_Frozen):
    """How parameters become points."""

    method: Literal["grid", "lhs", "sobol", "morris"]
    """`grid` (every combination), `lhs` (Latin hypercube), `sobol` (Saltelli sampling for
    Sobol' indices), `morris` (elementary-effects trajectories)."""
    points_per_axis: int | None = Field(default=None, ge=2, le=10_000)
    """grid: values taken from each `from`/`to` range, evenly spaced, ends included."""
    samples: int | None = Field(default=None, ge=1, le=10_000_000)
    """lhs: number of points; sobol: base sample N (a power of 2; N·(D+2) points);
    morris: number of trajectories N (N·(D+1) points)."""
    morris_levels: int = Field(default=4, ge=2, le=1000)
    """morris: grid levels of each range."""
    second_order: bool = False
    """sobol: also estimate the second-order index S2 of every pair of parameters (their
    interaction alone); Saltelli's sample then has N·(2D+2) points instead of N·(D+2)."""
    num_resamples: int = Field(default=200, ge=10, le=100_000)
    """Bootstrap resamples behind the confidence interval of every sensitivity index
    (SALib's `num_resamples`); changing it only re-analyses."""
    conf_level: float = Field(default=0.95, gt=0.0, lt=1.0, allow_inf_nan=False)
    """Confidence level of the intervals of the sensitivity indices (SALib's
    `conf_level`); changing it only re-analyses."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _sizes(self) -> Design:
        if self.method == "grid" and self.samples is not None:
            raise ValueError("a grid takes `points_per_axis` (for ranges), not `samples`")
        if self.method == "grid":
            given = sorted({"num_resamples", "conf_level"} & self.model_fields_set)
            if given:
                raise ValueError(
                    f"`{given[0]}` sets the intervals of sensitivity indices, which a grid "
                    "does not compute (use lhs, sobol or morris)"
                )
        if self.second_order and self.method != "sobol":
            raise ValueError("`second_order` is for sobol designs (Saltelli sampling)")
        if self.method != "grid":
            if self.points_per_axis is not None:
                raise ValueError(f"`points_per_axis` is for grids; {self.method} takes `samples`")
            if self.samples is None:
                what = {
                    "lhs": "the number of points",
                    "sobol": "the base sample N, a power of 2 (N·(D+2) points)",
                    "morris": "the number of trajectories N (N·(D+1) points)",
                }[self.method]
                raise ValueError(f"{self.method} needs `samples`: {what}")
        if self.method == "sobol" and self.samples is not None:
            n = self.samples
            if n < 2 or n & (n - 1):
                below = 1 << (n.bit_length() - 1)
                raise ValueError(
                    f"sobol needs `samples` a power of 2 (Sobol' sequences lose their balance "
                    f"otherwise); found {n}, try {below if below >= 2 else 2} or {below * 2}"
                )
        return self


class SweepLimits(_Frozen):
    """Budgets of a sweep file, checked before its points are built."""

    points: int = Field(default=100_000, ge=1, le=10**12)
    """Most points a design may have (a grid's product of axis sizes, lhs `samples`,
    sobol N·(D+2) or N·(2D+2) with `second_order`, morris N·(D+1)); each point is a row
    in memory while the sweep is built."""
    runs: int = Field(default=1_000_000, ge=1, le=10**15)
    """Most runs a sweep may have: points × replications (each is a task and a row
    of `runs.parquet`)."""


class SweepKeep(_Frozen):
    """What a sweep keeps of each run beyond its summary metrics."""

    daily: list[str] = Field(default_factory=list)
    """Daily park series kept per run (`capacity`, `resumed`, ... as in `timeseries.csv`):
    written to `daily/` as Parquet, one row per run and day."""

    @field_validator("daily")
    @classmethod
    def _known_series(cls, v: list[str]) -> list[str]:
        bad = [s for s in v if s not in curves.SERIES]
        if bad:
            raise ValueError(
                f"unknown daily series {', '.join(repr(s) for s in bad)}; park series are "
                f"{', '.join(curves.SERIES)}"
            )
        if len(set(v)) < len(v):
            raise ValueError("a series is listed twice")
        return v


class SweepSpec(_Frozen):
    """A sweep file."""

    name: Name
    """Sweep name; results go to `results/<name>/` by default."""
    description: str = ""
    """Free text."""
    scenario: str = Field(min_length=1)
    """Base scenario file, relative to the sweep file."""
    policies: list[str] = Field(default_factory=list)
    """Overlay files merged onto the scenario at every point, in order (relative to the
    sweep file)."""
    sets: list[str] = Field(default_factory=list, alias="set")
    """`--set` expressions applied at every point (after the overlays, before the
    parameters), e.g. `days=60`."""
    parameters: list[Parameter] = Field(min_length=1, max_length=100)
    """The parameters that vary."""
    design: Design
    """How parameters become points (`grid`, or `{method: sobol, samples: 64}`...)."""
    replications: int | None = Field(default=None, ge=1, le=100_000)
    """Replications per point (default: the scenario's); replication r uses the same
    random streams at every point (common random numbers)."""
    outcomes: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES), min_length=1)
    """Outcomes to analyse and plot: summary metrics (every one is recorded anyway) or
    curve outcomes read off a daily park series: `capacity@30` (day 30),
    `resumption@2022-05-12` (a date, with `start_date`), `capacity@mean(0..30)` (the
    mean over days 0 to 30, both included)."""
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    """Root seed of the runs (overrides the scenario's) and of the sampler (default: the
    scenario's seed)."""
    limits: SweepLimits = SweepLimits()
    """Budgets of the sweep (`limits: {points: 1000000}` raises the default)."""
    store: SweepKeep = SweepKeep()
    """What to keep of each run beyond its metrics: `store: {daily: [capacity, resumed]}`
    keeps those daily park series in `daily/`."""

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, v: list[str]) -> list[str]:
        bad = [o for o in v if o not in METRICS and not curves.is_curve(o)]
        if bad:
            hints = [difflib.get_close_matches(o, METRICS, n=1) for o in bad]
            named = ", ".join(
                f"'{o}'" + (f" (did you mean '{h[0]}'?)" if h else "")
                for o, h in zip(bad, hints, strict=True)
            )
            raise ValueError(
                f"unknown metric {named}; metrics are {', '.join(METRICS)}, or a curve "
                "outcome such as capacity@30 or capacity@mean(0..30)"
            )
        if len(set(v)) < len(v):
            raise ValueError("an outcome is listed twice")
        return v


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class Point:
    """One point of the design: a value per parameter, and the `--set`s that make it."""

    point_id: int
    values: tuple[Any, ...]
    """One value per parameter, in the sweep's order."""
    sets: tuple[str, ...]


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: the file, its base scenario, its points and its identity."""

    file: Path
    spec: SweepSpec
    scenario: Path
    """Base scenario file (absolute)."""
    policies: tuple[Path, ...]
    """Overlay files (absolute)."""
    base_sets: tuple[str, ...]
    """`--set`s applied at every point: the sweep's own, then `seed=` when it sets one."""
    base: Park
    """The base scenario as validated (overlays and `base_sets` applied)."""
    seed: int
    replications: int
    points: tuple[Point, ...]
    x: np.ndarray
    """The sample in the sampler's space, one row per point (what SALib analyses)."""
    problem: dict[str, Any]
    """SALib problem: names and bounds of that space."""
    sampler: dict[str, Any]
    """The sampler call that made `x`: `function`, `arguments` (the seed among them)."""
    sha256: str
    """Identity of the runs: version, base scenario, registries and design points."""
    curves: tuple[curves.Curve, ...] = ()
    """The curve outcomes among the outcomes (`sim.experiment.curves`)."""
    daily: tuple[str, ...] = ()
    """Daily park series each run keeps: those `store.daily` names, then those the curve
    outcomes read."""

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter column names, in order."""
        return tuple(p.label for p in self.spec.parameters)

    @property
    def runs(self) -> int:
        """Points × replications."""
        return len(self.points) * self.replications


def set_expr(path: str, value: Any) -> str:
    """`--set` text giving `path` the value (JSON is YAML, so any value reads back exact)."""
    return f"{path}={json.dumps(value, ensure_ascii=False, sort_keys=True)}"


def _tidy(v: float) -> float:
    """A float without binary noise (0.30000000000000004 → 0.3)."""
    return float(f"{v:.12g}")


def _value(p: Parameter, u: float) -> Any:
    """The parameter's value at coordinate `u` of the sampler's space: a level or a whole
    number from the equal-width bin `u` falls in (`INTEGER_RULE`), or `u` itself."""
    if p.levels is not None:
        k = len(p.levels)
        return p.levels[min(max(math.floor(u), 0), k - 1)]
    if p.integer:
        lo, hi = p.whole
        return min(max(math.floor(u), lo), hi)
    return _tidy(u)


def _bounds(p: Parameter) -> list[float]:
    """The parameter's interval in the sampler's space: one unit per level or whole number."""
    if p.levels is not None:
        return [0.0, float(len(p.levels))]
    if p.integer:
        lo, hi = p.whole
        return [float(lo), float(hi + 1)]
    assert p.from_ is not None and p.to is not None
    return [p.from_, p.to]


def _grid_axis(p: Parameter, n: int | None) -> list[tuple[float, Any]]:
    """(coordinate, value) of every grid value of one parameter, without repeats: the
    levels, or `n` evenly spaced values of the range (whole numbers rounded halves up)."""
    if p.levels is not None:
        return [(float(i), v) for i, v in enumerate(p.levels)]
    assert p.from_ is not None and p.to is not None and n is not None
    out: list[tuple[float, Any]] = []
    seen: set[str] = set()
    for u in np.linspace(p.from_, p.to, n):
        c = float(u)
        if p.integer:
            lo, hi = p.whole
            c = float(min(max(math.floor(c + 0.5), lo), hi))
        v = _value(p, c)
        if json.dumps(v) not in seen:
            seen.add(json.dumps(v))
            out.append((c, v))
    return out


def _latin_hypercube(d: int, seed: int) -> Any:
    from scipy.stats import qmc

    if "rng" in inspect.signature(qmc.LatinHypercube).parameters:
        return qmc.LatinHypercube(d=d, rng=seed)
    return qmc.LatinHypercube(d=d, seed=seed)  # scipy < 1.15


def sampler_call(spec: SweepSpec, seed: int) -> dict[str, Any]:
    """The library call that draws the design's sample, as `sweep.json` records it: the
    function, what it is given first (`inputs`: the SALib `problem`, `Sweep.problem`), its
    keyword arguments (the seed among them) and what is done with its result."""
    d = spec.design
    if d.method == "grid":
        return {
            "function": "itertools.product",
            "arguments": {"points_per_axis": d.points_per_axis},
            "then": "every combination of each parameter's grid values, first parameter slowest",
        }
    if d.method == "lhs":
        return {
            "function": "scipy.stats.qmc.LatinHypercube",
            "arguments": {"d": len(spec.parameters), "rng": seed},
            "then": f".random({d.samples}), scaled onto the problem's bounds by "
            "scipy.stats.qmc.scale",
        }
    if d.method == "sobol":
        return {
            "function": "SALib.sample.sobol.sample",
            "inputs": ["problem"],
            "arguments": {
                "N": d.samples,
                "calc_second_order": d.second_order,
                "scramble": True,
                "skip_values": 0,
                "seed": seed,
            },
        }
    return {
        "function": "SALib.sample.morris.sample",
        "inputs": ["problem"],
        "arguments": {
            "N": d.samples,
            "num_levels": d.morris_levels,
            "optimal_trajectories": None,
            "local_optimization": True,
            "seed": seed,
        },
    }


def sample(spec: SweepSpec, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The design's sample in the sampler's space (one row per point) and its SALib problem,
    drawn by the call `sampler_call` describes."""
    params = spec.parameters
    problem = {
        "num_vars": len(params),
        "names": [p.label for p in params],
        "bounds": [_bounds(p) for p in params],
    }
    d = spec.design
    args = dict(sampler_call(spec, seed)["arguments"])
    given = dict(problem)  # SALib adds keys to the problem it is given
    if d.method == "grid":
        axes = [_grid_axis(p, d.points_per_axis) for p in params]
        x = np.array([[c for c, _ in combo] for combo in itertools.product(*axes)], dtype=float)
    elif d.method == "lhs":
        from scipy.stats import qmc

        assert d.samples is not None
        unit = _latin_hypercube(len(params), seed).random(d.samples)
        lo, hi = zip(*problem["bounds"], strict=True)
        x = qmc.scale(unit, lo, hi)
    elif d.method == "sobol":
        from SALib.sample import sobol as saltelli

        x = saltelli.sample(given, **args)
    else:
        from SALib.sample import morris

        x = morris.sample(given, **args)
    return np.asarray(x, dtype=float).reshape(-1, len(params)), problem


def point_count(spec: SweepSpec) -> tuple[int, KeyPath]:
    """How many points the design has, computed without building them, and the key
    that makes them many (a grid's longest axis, or the design's `samples`)."""
    d = spec.design
    n_params = len(spec.parameters)
    if d.method == "grid":
        sizes = [len(_grid_axis(p, d.points_per_axis)) for p in spec.parameters]
        longest = max(range(n_params), key=lambda i: sizes[i])
        p = spec.parameters[longest]
        key = "levels" if p.levels is not None else "path"
        where: KeyPath = ("parameters", longest, key) if sizes[longest] > 1 else ("design",)
        if p.levels is None and d.points_per_axis is not None and sizes[longest] > 1:
            where = ("design", "points_per_axis")
        return math.prod(sizes), where
    assert d.samples is not None
    return d.samples * rows_per_sample(spec), ("design", "samples")


def rows_per_sample(spec: SweepSpec) -> int:
    """Points per base sample of a sampled design: 1 (lhs), D+2 or 2D+2 (sobol, one block
    of Saltelli's sample), D+1 (morris, one trajectory)."""
    d, n_params = spec.design, len(spec.parameters)
    if d.method == "sobol":
        return 2 * n_params + 2 if d.second_order else n_params + 2
    return {"lhs": 1, "morris": n_params + 1}.get(d.method, 1)


def design_points(spec: SweepSpec, x: np.ndarray) -> tuple[Point, ...]:
    """The points of a sample, in its row order (which is what SALib's estimators expect)."""
    points = []
    for i, row in enumerate(x):
        values = tuple(_value(p, float(u)) for p, u in zip(spec.parameters, row, strict=True))
        sets = tuple(set_expr(p.path, v) for p, v in zip(spec.parameters, values, strict=True))
        points.append(Point(i, values, sets))
    return tuple(points)


# --------------------------------------------------------------------------- loading


def _problems(e: ValidationError, source: Source) -> list[Problem]:
    """Pydantic errors on the sweep file as located Problems."""
    return spec_errors.problems(e, source, (SweepSpec, Parameter, Design))


def _at_set_lines(problems: Sequence[Problem], sets: Sequence[str], source: Source) -> list:
    """Problems located at a `--set` expression, moved to the sweep file's `set:` line."""
    out = []
    for q in problems:
        hit = [
            i
            for i, expr in enumerate(sets)
            if q.file
            and q.file.startswith("--set")
            and (q.file == f"--set {expr}" or expr in q.message)
        ]
        if hit:
            where = spec_errors.at(source, ("set", hit[0]), "")
            qpath = f"{format_path(q.path)}: " if q.path else ""
            text = f"{sets[hit[0]]!r}: {qpath}{q.message.removeprefix(f'{sets[hit[0]]!r}: ')}"
            out.append(dataclasses.replace(where, message=text))
        else:
            out.append(q)
    return out


def check_parameter(
    source: Source,
    scenario_file: Path,
    p: Parameter,
    where: Problem,
) -> list[Problem]:
    """Problems of one parameter's path against the base scenario, located at the sweep."""
    if p.levels is not None:
        trials = list(p.levels)
        if len(trials) > MAX_PROBES:  # each probe validates the scenario: seconds for a city
            step = (len(trials) - 1) / (MAX_PROBES - 1)
            trials = [trials[round(k * step)] for k in range(MAX_PROBES)]
    else:
        assert p.from_ is not None and p.to is not None
        # An inner value off any round number, so a whole-number key refuses a range
        # that is not marked `integer` here rather than in every run.
        lo, hi = _bounds(p)
        inner = lo + PROBE * (hi - lo)
        trials = [_value(p, u) for u in (lo, inner, hi)]
    problems: list[Problem] = []
    seen: set[str] = set()
    for value in trials:
        expr = set_expr(p.path, value)
        try:
            validate_source(apply_set(source, expr), scenario_file)
        except ScenarioError as e:
            for q in e.problems:
                applies = q.file is not None and q.file.startswith("--set")
                message = q.message.removeprefix(f"{expr!r}: ")
                if applies and q.path and "unknown key" in message:
                    text = (
                        f"'{p.path}' does not exist in the scenario: {format_path(q.path)}: "
                        f"{message}"
                    )
                elif applies and "no item with id" in message:
                    text = f"'{p.path}' does not exist in the scenario: {message}"
                elif applies and ("does not exist" in message or "out of range" in message):
                    text = f"'{p.path}' does not exist in the scenario: {message}"
                else:
                    qpath = f"{format_path(q.path)}: " if q.path else ""
                    text = (
                        f"'{p.path}' = {json.dumps(value)} is refused by the scenario: "
                        f"{qpath}{message}"
                    )
                    if p.levels is None and not p.integer and "integer" in message:
                        text += " (add `integer: true` to the parameter)"
                if text not in seen:
                    seen.add(text)
                    problems.append(dataclasses.replace(where, message=text))
        if problems:
            break
    return problems


def _identity(base: Park, scenario_file: Path, points: Sequence[Point]) -> str:
    """SHA-256 of what decides the runs: version, base scenario, registries, points.

    Replications, outcomes, names and description are left out on purpose: raising
    `replications` then runs only the new replications, and changing outcomes only
    re-analyses. The seed is in the base scenario.
    """
    registries = []
    for reg in base.scenario.registry:
        f = registry_path(scenario_file, reg.file)
        registries.append(sha256_file(f) if f.is_file() else None)
    doc = {
        "parksim": sim.__version__,
        "scenario": scenario_json(base),
        "registries": registries,
        "points": [list(pt.sets) for pt in points],
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def load_sweep(path: Path | str) -> Sweep:
    """Read and check a sweep file and build its points; raises ScenarioError on bad input."""
    path = Path(path)
    source = load_yaml(path)
    if not isinstance(source.data, dict):
        raise ScenarioError([spec_errors.at(source, (), "a sweep file must be a mapping of keys")])
    try:
        spec = SweepSpec.model_validate(source.data, context=base_context(path, source.data))
    except ValidationError as e:
        raise ScenarioError(_problems(e, source)) from None

    problems: list[Problem] = []
    labels = [p.label for p in spec.parameters]
    for i, p in enumerate(spec.parameters):
        key: KeyPath = ("parameters", i, "name" if p.name else "path")
        if labels.count(p.label) > 1:
            problems.append(
                spec_errors.at(
                    source, key, f"two parameters are named '{p.label}'; give each a `name`"
                )
            )
        if p.label in RESERVED_COLUMNS or p.label in METRICS:
            problems.append(
                spec_errors.at(
                    source, key, f"'{p.label}' names a results column already; give a `name`"
                )
            )
        if p.integer and p.whole[0] > p.whole[1]:
            problems.append(
                spec_errors.at(
                    source,
                    ("parameters", i, "integer"),
                    f"no whole number lies between `from` ({p.from_:g}) and `to` ({p.to:g}); "
                    "widen the range or drop `integer`",
                )
            )
    is_grid = spec.design.method == "grid"
    grid_ranges = [i for i, p in enumerate(spec.parameters) if p.levels is None and is_grid]
    if grid_ranges and spec.design.points_per_axis is None:
        problems.append(
            spec_errors.at(
                source,
                ("design",),
                f"parameters[{grid_ranges[0]}] is a `from`/`to` range: a grid needs "
                "`points_per_axis` to know how many values to take from it",
            )
        )
    if not problems:
        count, where = point_count(spec)
        if count > spec.limits.points:
            problems.append(
                spec_errors.at(
                    source,
                    where,
                    f"this design has {count:,} points, more than `limits.points` "
                    f"({spec.limits.points:,}); take fewer values or samples, or raise "
                    "`limits.points` in the sweep file if the sweep is meant to be this large",
                )
            )
            raise ScenarioError(problems)
    scenario_file = spec_errors.relative(path, spec.scenario)
    policies = tuple(spec_errors.relative(path, p) for p in spec.policies)
    missing = [
        spec_errors.at(source, key, f"file not found: {f}")
        for key, f in [(("scenario",), scenario_file)]
        + [(("policies", i), f) for i, f in enumerate(policies)]
        if not f.is_file()
    ]
    if missing:
        raise ScenarioError(problems + missing)

    base_sets = list(spec.sets)
    if spec.seed is not None:
        base_sets.append(f"seed={spec.seed}")
    # The base scenario with the sweep's own overlays and --sets: its problems are its own,
    # except that a problem made by one of the sweep's `set:` lines is shown at that line.
    try:
        base_source = load_source(scenario_file, policies, base_sets)
        base = validate_source(base_source, scenario_file)
    except ScenarioError as e:
        raise ScenarioError(_at_set_lines(e.problems, spec.sets, source)) from None
    for i, p in enumerate(spec.parameters):
        problems += check_parameter(
            base_source, scenario_file, p, spec_errors.at(source, ("parameters", i, "path"), "")
        )
    if problems:
        raise ScenarioError(problems)

    found = _curves(spec, source, base)
    seed = base.scenario.seed
    reps = spec.replications or base.scenario.replications
    count, _ = point_count(spec)
    if count * reps > spec.limits.runs:
        where: KeyPath = ("replications",) if spec.replications else ("design",)
        raise ScenarioError(
            [
                spec_errors.at(
                    source,
                    where,
                    f"this sweep has {count * reps:,} runs ({count:,} points × {reps:,} "
                    f"replications), more than `limits.runs` ({spec.limits.runs:,}); take "
                    "fewer points or replications, or raise `limits.runs` in the sweep file",
                )
            ]
        )
    try:
        x, problem = sample(spec, seed)
    except ImportError as e:
        raise ScenarioError(
            [
                spec_errors.at(
                    source,
                    ("design",),
                    f"the {spec.design.method} design needs SALib ({e}); install it with "
                    "pip install 'parksim[sensitivity]'",
                )
            ]
        ) from None
    points = design_points(spec, x)
    return Sweep(
        file=path.resolve(),
        spec=spec,
        scenario=scenario_file,
        policies=policies,
        base_sets=tuple(base_sets),
        base=base,
        seed=seed,
        replications=reps,
        points=points,
        x=x,
        problem=problem,
        sampler=sampler_call(spec, seed),
        sha256=_identity(base, scenario_file, points),
        curves=found,
        daily=tuple(dict.fromkeys([*spec.store.daily, *(c.series for c in found)])),
    )


def _curves(spec: SweepSpec, source: Any, base: Park) -> tuple[curves.Curve, ...]:
    """The curve outcomes of the sweep, checked against the base scenario's `start_date`
    and horizon; ScenarioError at each bad one."""
    found, problems = [], []
    start = base.scenario.start_date
    for i, name in enumerate(spec.outcomes):
        if not curves.is_curve(name):
            continue
        try:
            parks = tuple(p.id for p in base.scenario.parks)
            found.append(curves.parse(name, start, base.scenario.days, parks=parks))
        except ValueError as e:
            problems.append(spec_errors.at(source, ("outcomes", i), str(e)))
    if problems:
        raise ScenarioError(problems)
    return tuple(found)
