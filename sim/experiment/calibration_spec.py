"""Calibration files: which scenario, which observations, which parameters with priors.

A calibration file names a base scenario (with optional overlays and `--set`s, as a
sweep file does), the published figures to fit (`observations`: an inline list or
a CSV file, plus the scenario's own `reporting.observations`), the figures to hold
back and score out of sample (`hold_out`), the parameters to estimate by `--set`
key path with a prior each, and the settings of the ABC-SMC run:

```yaml
name: demo_teams
scenario: ../demo_park.yaml
set: [days=40]
observations: demo_observations.csv       # or a list of {day|date, metric, group, value, ...}
hold_out: ["from:2022-03-01"]             # ids (globs), `from:DAY|DATE`, or `metric:NAME`
parameters:
  - name: teams
    path: reopening.service_teams
    prior: {uniform: {from: 1, to: 10}}
    integer: true
settings: {population_size: 100, generations: 6, seed: 7}
quick: {population_size: 30, generations: 3}   # what --quick runs instead
```

The file is checked like a scenario and a sweep file, every problem at once with
its file, line and key path, before anything runs: the schema below; every
observation against the scenario (the metric and group must be series of the run's
`timeseries.csv`, its day inside the horizon, a date on or after `start_date`);
every parameter path with the sweep's `--set` machinery at both ends of its prior
and inside it (`sim.experiment.sweep_spec.check_parameter`), and refused when the
scenario holds something other than a number there.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import fnmatch
import hashlib
import json
import math
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

import sim
from sim.experiment import spec_errors, sweep_spec
from sim.experiment.sweep_spec import Name
from sim.files import timeseries
from sim.files.resolved import scenario_json
from sim.metrics import SHARE_METRICS
from sim.scenario import dates
from sim.scenario.errors import KeyPath, Problem, ScenarioError, format_path
from sim.scenario.expand import Park
from sim.scenario.load import load_source, validate_source
from sim.scenario.overlay import ById, Index, Key, PathSelector, parse_set
from sim.scenario.source import Source, load_yaml

DEFAULT_SHARE_UNCERTAINTY = 0.05
"""± given to a share observation that states none (5 points)."""
DEFAULT_COUNT_UNCERTAINTY = 0.05
"""± given to any other observation that states none, as a share of its value (at least 1)."""
QUICK_DEFAULTS = {
    "population_size": 30,
    "generations": 3,
    "predictive_draws": 20,
    "max_simulations": 2_000,
}
"""What `--quick` runs when the file has no `quick:` section."""
OBSERVATION_COLUMNS = ("id", "day", "date", "metric", "group", "value", "uncertainty")
"""Columns of an observations CSV (besides `label` and `source`); `day` or `date`."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Range(_Frozen):
    """A `from`/`to` pair (dates, for a day key: they count from the scenario's
    `start_date`)."""

    from_: float = Field(alias="from", allow_inf_nan=False)
    to: float = Field(allow_inf_nan=False)

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _days(cls, v: Any, info: ValidationInfo) -> Any:
        return dates.day_value(v, info)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.from_ < self.to:
            raise ValueError(f"`from` ({self.from_:g}) must be below `to` ({self.to:g})")
        return self


class LogRange(Range):
    """A `from`/`to` pair of positive numbers."""

    @model_validator(mode="after")
    def _positive(self) -> LogRange:
        if self.from_ <= 0:
            raise ValueError(f"a loguniform prior needs `from` above 0; found {self.from_:g}")
        return self


class Normal(_Frozen):
    """A normal prior, optionally cut to a range."""

    mean: float = Field(allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)
    from_: float | None = Field(default=None, alias="from", allow_inf_nan=False)
    to: float | None = Field(default=None, allow_inf_nan=False)

    @field_validator("mean", "from_", "to", mode="before")
    @classmethod
    def _days(cls, v: Any, info: ValidationInfo) -> Any:
        return dates.day_value(v, info)

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.from_ is not None and self.to is not None and not self.from_ < self.to:
            raise ValueError(f"`from` ({self.from_:g}) must be below `to` ({self.to:g})")
        return self


class LogNormal(_Frozen):
    """A lognormal prior by its median and the sd of its log."""

    median: float = Field(gt=0, allow_inf_nan=False)
    sigma: float = Field(gt=0, allow_inf_nan=False)


class Prior(_Frozen):
    """Prior of one parameter: exactly one of the four kinds."""

    uniform: Range | None = None
    loguniform: LogRange | None = None
    normal: Normal | None = None
    lognormal: LogNormal | None = None

    @model_validator(mode="after")
    def _one(self) -> Prior:
        given = [k for k in ("uniform", "loguniform", "normal", "lognormal") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of uniform: {from, to}, loguniform: {from, to}, "
                "normal: {mean, sd}, lognormal: {median, sigma}"
                + (f"; found {', '.join(given)}" if given else "")
            )
        return self

    @property
    def kind(self) -> str:
        """`uniform`, `loguniform`, `normal` or `lognormal`."""
        return next(k for k in ("uniform", "loguniform", "normal", "lognormal") if getattr(self, k))

    def scipy(self) -> tuple[str, tuple[float, ...], dict[str, float]]:
        """(scipy.stats name, args, kwargs) of this prior (what pyabc's `RV` takes)."""
        if self.uniform:
            lo, hi = self.uniform.from_, self.uniform.to
            return "uniform", (lo, hi - lo), {}
        if self.loguniform:
            return "loguniform", (self.loguniform.from_, self.loguniform.to), {}
        if self.normal:
            n = self.normal
            a = -math.inf if n.from_ is None else (n.from_ - n.mean) / n.sd
            b = math.inf if n.to is None else (n.to - n.mean) / n.sd
            return "truncnorm", (a, b), {"loc": n.mean, "scale": n.sd}
        assert self.lognormal is not None
        return "lognorm", (self.lognormal.sigma,), {"scale": self.lognormal.median}

    def support(self) -> tuple[float, float]:
        """The range values are drawn from (0.1 % and 99.9 % quantiles where unbounded)."""
        from scipy import stats

        name, args, kwargs = self.scipy()
        dist = getattr(stats, name)(*args, **kwargs)
        lo, hi = dist.support()
        if not math.isfinite(lo):
            lo = dist.ppf(0.001)
        if not math.isfinite(hi):
            hi = dist.ppf(0.999)
        return float(lo), float(hi)


def _checked_paths(v: str | list[str]) -> str | list[str]:
    """Key paths as `--set` reads them, stripped; refused with a hint when unreadable."""
    paths = [v] if isinstance(v, str) else v
    if not paths:
        raise ValueError("give at least one path")
    for p in paths:
        try:
            parse_set(f"{p}=0")
        except ScenarioError as e:
            raise ValueError(
                "; ".join(q.message.split(": ", 1)[-1] for q in e.problems)
                + " (a path like logistics.transfer_stations[id=north_gate].bays)"
            ) from None
    return v.strip() if isinstance(v, str) else [p.strip() for p in v]


class Parameter(_Frozen):
    """One parameter to estimate: one or more scenario key paths that take its value."""

    path: str | list[str] | None = None
    """`--set` key path (e.g. `reopening.apply_days.lognormal.median`), or a list of paths
    that all take the same value (a behavioural parameter shared by several classes).
    In a joint calibration, a shared parameter's path is set in every case it applies to
    (and must exist in each)."""
    name: str | None = Field(default=None, min_length=1, max_length=100)
    """Column name in the results (default: the path)."""
    prior: Prior | None = None
    """`{uniform: {from, to}}`, `{loguniform: {from, to}}`, `{normal: {mean, sd[, from,
    to]}}` or `{lognormal: {median, sigma}}`."""
    from_: sweep_spec.DayOrNumber = Field(default=None, alias="from")
    """Shorthand of a uniform prior (as in sweep files): its lowest value (a date, for a
    day key)."""
    to: sweep_spec.DayOrNumber = None
    """Shorthand of a uniform prior: its highest value."""
    integer: bool = False
    """Round the value to a whole number when it goes into the scenario."""
    truth: float | None = Field(default=None, allow_inf_nan=False)
    """The value that made synthetic observations, when known (drawn on the plots; not
    used by the inference)."""
    cases: list[Name] | None = None
    """Joint calibrations, shared parameters only: the cases it applies to (default:
    every case). Its path must exist in each of them; name the cases here when it does
    not exist in some."""
    case_paths: dict[str, str | list[str]] | None = None
    """Joint calibrations, shared parameters only: the key path(s) it sets in a named
    case instead of `path` (the same behaviour written under another key there, e.g.
    another class's name). A case named here is one it applies to."""

    @field_validator("path")
    @classmethod
    def _paths(cls, v: str | list[str] | None) -> str | list[str] | None:
        return None if v is None else _checked_paths(v)

    @field_validator("case_paths")
    @classmethod
    def _case_paths(cls, v: dict[str, str | list[str]] | None) -> dict[str, str | list[str]] | None:
        return None if v is None else {k: _checked_paths(p) for k, p in v.items()}

    @model_validator(mode="before")
    @classmethod
    def _dates_on_days(cls, data: Any) -> Any:
        if isinstance(data, dict):
            path = data.get("path")
            paths = path if isinstance(path, list) else [path]
            sweep_spec.refuse_dates_off_days(
                paths, [data.get("from"), data.get("to"), data.get("prior")]
            )
        return data

    @model_validator(mode="after")
    def _one_prior(self) -> Parameter:
        if self.path is None and not self.case_paths:
            raise ValueError("give a `path` (or, in a joint calibration, `case_paths`)")
        shorthand = self.from_ is not None or self.to is not None
        if self.prior is not None and shorthand:
            raise ValueError("give either `prior` or `from` and `to`, not both")
        if self.prior is None:
            if self.from_ is None or self.to is None:
                raise ValueError("give a `prior`, or both `from` and `to` (a uniform prior)")
            if not self.from_ < self.to:
                raise ValueError(
                    f"the prior's range is empty: `from` ({self.from_:g}) must be below "
                    f"`to` ({self.to:g})"
                )
        return self

    @property
    def paths(self) -> tuple[str, ...]:
        """Every key path that takes this parameter's value (in a joint calibration: in
        the cases without their own `case_paths`)."""
        if self.path is None:
            return ()
        return (self.path,) if isinstance(self.path, str) else tuple(self.path)

    def paths_in(self, case: str) -> tuple[str, ...]:
        """The key paths this parameter sets in a case (its `case_paths` there, else
        its `path`)."""
        if self.case_paths and case in self.case_paths:
            p = self.case_paths[case]
            return (p,) if isinstance(p, str) else tuple(p)
        return self.paths

    @property
    def label(self) -> str:
        """Column name in the results and label in plots."""
        if self.name:
            return self.name
        if self.paths:
            return self.paths[0]
        assert self.case_paths
        return self.paths_in(next(iter(self.case_paths)))[0]

    def identity(self) -> dict[str, Any]:
        """What of it decides the posterior (its `truth` does not; the joint keys only
        when given, so that a one-scenario calibration keeps its identity)."""
        exclude = {"truth"} | {k for k in ("cases", "case_paths") if getattr(self, k) is None}
        if self.path is None:
            exclude.add("path")
        return self.model_dump(mode="json", by_alias=True, exclude=exclude)

    @property
    def the_prior(self) -> Prior:
        """The prior, the `from`/`to` shorthand read as a uniform one."""
        if self.prior is not None:
            return self.prior
        assert self.from_ is not None and self.to is not None
        return Prior(uniform=Range(**{"from": self.from_, "to": self.to}))

    def value(self, theta: float) -> float | int:
        """The value that goes into the scenario for a drawn `theta`."""
        return math.floor(theta + 0.5) if self.integer else float(f"{theta:.12g}")


class ObservationItem(_Frozen):
    """One published figure: when, which series of `timeseries.csv`, what value."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    """Name in the tables and for `--hold-out` (default `metric/group/date or day`)."""
    day: int | None = Field(default=None, ge=0)
    """Day of the figure (day 0 = the scenario's `start_date`); a date written here is
    read as `date`."""
    date: dt.date | None = None
    """Calendar date of the figure (needs the scenario's `start_date`)."""
    metric: str = Field(min_length=1)
    """Series name as in `timeseries.csv` (`capacity`, `resumption`, `staff_on_post`, ...)."""
    group: str = "park"
    """Group as in `timeseries.csv` (`park`, or a sector for `capacity`)."""
    value: float = Field(allow_inf_nan=False)
    """Reported value in the series' units (shares 0..1; people; firms)."""
    uncertainty: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """± of the figure in the same units: each error is divided by it in the distance."""
    label: str = ""
    """Short text for tables and plots."""
    source: str = ""
    """Where it was reported (place and date)."""

    @model_validator(mode="before")
    @classmethod
    def _date_as_day(cls, data: Any) -> Any:
        """`day: 2022-04-29` is the figure's date."""
        if isinstance(data, dict) and dates.looks_like_date(data.get("day")):
            if data.get("date") in (None, ""):
                data = {k: v for k, v in data.items() if k != "day"} | {"date": data["day"]}
        return data

    @model_validator(mode="after")
    def _day_or_date(self) -> ObservationItem:
        if (self.day is None) == (self.date is None):
            raise ValueError("give either `day` or `date`")
        return self


class Settings(_Frozen):
    """How the ABC-SMC run goes and when it stops."""

    population_size: int = Field(default=100, ge=5, le=100_000)
    """Particles per generation."""
    generations: int = Field(default=8, ge=1, le=1000)
    """Generations at most."""
    min_epsilon: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Stop when the acceptance threshold (a distance) falls to this or below."""
    max_simulations: int = Field(default=100_000, ge=1)
    """Stop after the generation during which the model runs reach this many."""
    replications: int = Field(default=1, ge=1, le=1000)
    """Model replications per particle; the distance uses their mean curve."""
    common_random_numbers: bool = False
    """False: each particle runs its own replications (the posterior includes the model's
    noise). True: every particle runs replications 0..n-1 (a smoother fit, conditional on
    those random draws)."""
    distance: Literal["rmse", "mae"] = "rmse"
    """Root mean square or mean absolute error over the fitted observations, each error
    divided by the observation's uncertainty."""
    predictive_draws: int = Field(default=100, ge=1, le=100_000)
    """Particles drawn from the posterior and run again for the predictive band and the
    fit and validation tables."""
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    """Root seed of the calibration (default: the scenario's)."""


class QuickSettings(_Frozen):
    """What `--quick` changes (a smaller, faster calibration for CI and trials)."""

    population_size: int | None = Field(default=None, ge=5, le=100_000)
    generations: int | None = Field(default=None, ge=1, le=1000)
    max_simulations: int | None = Field(default=None, ge=1)
    predictive_draws: int | None = Field(default=None, ge=1, le=100_000)


class CaseSpec(_Frozen):
    """One case of a joint calibration: a scenario with its own observations, hold-outs
    and case-specific parameters (facts of that place the articles do not give)."""

    id: Name
    """Name of the case (in the tables, plots and `--hold-out case:ID`)."""
    scenario: str = Field(min_length=1)
    """The case's scenario file, relative to the calibration file."""
    policies: list[str] = Field(default_factory=list)
    """Overlay files merged onto the case's scenario, in order."""
    sets: list[str] = Field(default_factory=list, alias="set")
    """`--set` expressions applied to the case before the parameters."""
    observations: str | list[dict[str, Any]] = Field(default_factory=list)
    """The case's observations: a CSV file or an inline list."""
    scenario_observations: bool = True
    """Also use the case scenario's `reporting.observations`."""
    hold_out: list[str] = Field(default_factory=list)
    """Selectors of the case's observations to hold out (as the file's `hold_out`)."""
    parameters: list[Parameter] = Field(default_factory=list, max_length=20)
    """Parameters of this case only (`cases` and `case_paths` are not taken here)."""


class CalibrationSpec(_Frozen):
    """A calibration file: one scenario (`scenario`), or several fitted jointly (`cases`)."""

    name: Name
    """Calibration name; results go to `results/<name>/` (`<name>-quick` with `--quick`)."""
    description: str = ""
    scenario: str | None = Field(default=None, min_length=1)
    """Base scenario file, relative to the calibration file (one-scenario calibrations)."""
    cases: list[CaseSpec] | None = Field(default=None, min_length=1, max_length=50)
    """A joint calibration: the cases, each with its scenario and observations; the
    `parameters` below are shared by them."""
    policies: list[str] = Field(default_factory=list)
    """Overlay files merged onto the scenario, in order (relative to this file)."""
    sets: list[str] = Field(default_factory=list, alias="set")
    """`--set` expressions applied before the parameters, e.g. `days=42`."""
    observations: str | list[dict[str, Any]] = Field(default_factory=list)
    """Observations: a CSV file (relative to this file) or an inline list of
    `ObservationItem`s (each checked on its own, against the scenario)."""
    scenario_observations: bool = True
    """Also use the scenario's `reporting.observations` (their `tolerance` as uncertainty)."""
    hold_out: list[str] = Field(default_factory=list)
    """Observations held back from the fit and scored out of sample: ids (glob patterns),
    `from:DATE` or `from:DAY` (that day and later), `metric:NAME`, and in a joint
    calibration `case:ID`."""
    parameters: list[Parameter] = Field(default_factory=list, max_length=20)
    """The parameters to estimate (in a joint calibration: those shared by the cases)."""
    settings: Settings = Settings()
    quick: QuickSettings = QuickSettings()

    @model_validator(mode="after")
    def _one_or_several(self) -> CalibrationSpec:
        if (self.scenario is None) == (self.cases is None):
            raise ValueError(
                "give either `scenario` (one scenario) or `cases` (a joint calibration of "
                "several)" + (", not both" if self.scenario is not None else "")
            )
        if self.cases is not None:
            given = [
                k
                for k, v in (
                    ("policies", self.policies),
                    ("set", self.sets),
                    ("observations", self.observations),
                )
                if v
            ]
            if given:
                raise ValueError(
                    f"with `cases`, give {', '.join(f'`{k}`' for k in given)} in each case"
                )
        return self


# --------------------------------------------------------------------------- checked


@dataclass(frozen=True)
class Observation:
    """One observation, checked against the scenario."""

    id: str
    day: int
    date: dt.date | None
    metric: str
    group: str
    value: float
    uncertainty: float
    label: str
    source: str
    origin: str
    """Where it was written: `file:line`."""
    held_out: bool = False
    case: str = ""
    """The case it belongs to, in a joint calibration (its `id` is then `case/id`)."""

    @property
    def series(self) -> tuple[str, str]:
        """(metric, group): the series of `timeseries.csv` it belongs to."""
        return self.metric, self.group


@dataclass(frozen=True)
class Case:
    """One scenario of a calibration, as checked: its file, overlays, sets and base, and
    the key paths each parameter sets in it. A one-scenario calibration has one case,
    with the id ``""``."""

    id: str
    scenario: Path
    policies: tuple[Path, ...]
    base_sets: tuple[str, ...]
    base: Park
    """The case's scenario as validated (overlays and sets applied)."""
    base_source: Source
    paths: tuple[tuple[str, ...], ...]
    """Per parameter of the calibration (in its order): the key paths it sets in this
    case (empty: it does not apply here)."""

    def sets_for(self, values: Sequence[float], parameters: Sequence[Parameter]) -> tuple[str, ...]:
        """`--set`s that put drawn values (one per parameter) into this case."""
        out = list(self.base_sets)
        for p, paths, theta in zip(parameters, self.paths, values, strict=True):
            v = p.value(float(theta))
            out += [sweep_spec.set_expr(path, v) for path in paths]
        return tuple(out)


@dataclass(frozen=True)
class Calibration:
    """A checked calibration: the file, its base scenario(s), observations and identity.

    `scenario`, `policies`, `base_sets`, `base` and `base_source` are those of the first
    case (the only one of a one-scenario calibration)."""

    file: Path
    spec: CalibrationSpec
    scenario: Path
    policies: tuple[Path, ...]
    base_sets: tuple[str, ...]
    base: Park
    """The base scenario as validated (overlays and sets applied)."""
    base_source: Source
    observations: tuple[Observation, ...]
    settings: Settings
    """The settings in force (`quick` applied when asked)."""
    quick: bool
    seed: int
    sha256: str
    """Identity of the inference: everything that decides the posterior except the
    stopping rules (so raising `generations` continues a finished calibration)."""
    cases: tuple[Case, ...] = ()
    """Every case, in the file's order (one for a one-scenario calibration)."""
    all_parameters: tuple[Parameter, ...] = ()
    """The shared parameters, then each case's own, in the file's order."""

    @property
    def joint(self) -> bool:
        """A joint calibration of several cases (the file has `cases`)."""
        return self.spec.cases is not None

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return self.all_parameters or tuple(self.spec.parameters)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.parameters)

    @property
    def fitted(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if not o.held_out)

    @property
    def held_out(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if o.held_out)

    def case(self, case_id: str) -> Case:
        """The case of that id."""
        return next(c for c in self.cases if c.id == case_id)

    def sets_for(self, values: Sequence[float], case: Case | None = None) -> tuple[str, ...]:
        """`--set`s that put drawn values (one per parameter) into a case's scenario (the
        first case by default)."""
        if not self.cases:
            out = list(self.base_sets)
            for p, theta in zip(self.parameters, values, strict=True):
                v = p.value(float(theta))
                out += [sweep_spec.set_expr(path, v) for path in p.paths]
            return tuple(out)
        return (case or self.cases[0]).sets_for(values, self.parameters)


def _problems(e: ValidationError, source: Source) -> list[Problem]:
    """Pydantic errors on the calibration file as located Problems."""
    models = (
        CalibrationSpec,
        CaseSpec,
        Parameter,
        Prior,
        Range,
        Normal,
        LogNormal,
        ObservationItem,
        Settings,
        QuickSettings,
    )
    return spec_errors.problems(e, source, models)


# --------------------------------------------------------------------------- series


STATION_METRICS = (
    "declared",
    "admitted",
    "cleared",
    "declared_total",
    "admitted_total",
    "cleared_total",
    "queue",
)
"""Series of `logistics.csv` an observation may name (group: the station's id): truck
trips declared, admitted and cleared that day and since day 0, and trips in the station
at the end of the day."""


def scenario_series(park: Park) -> dict[str, tuple[str, ...]]:
    """Every series `timeseries.csv` holds for this scenario: metric → its groups, in
    file order (one day of replication 0 is run to read them off the real file rows),
    then the transfer stations' series of `logistics.csv` (`STATION_METRICS`, group:
    the station's id)."""
    from sim.model.world import run

    trace = run(park, 0, 1)
    out = timeseries.scenario_series(trace)
    if trace.stations:
        out.update({m: tuple(trace.stations) for m in STATION_METRICS})
    return out


# --------------------------------------------------------------------------- observations


@dataclass(frozen=True)
class _Raw:
    """An observation as written, before it is checked against the scenario."""

    item: dict[str, Any]
    where: Problem
    """A problem located where it was written (message empty)."""
    default_uncertainty: float | None = None


def _csv_observations(path: Path, label: str) -> tuple[list[_Raw], list[Problem]]:
    """Rows of an observations CSV as raw observations, located at `label:line`."""
    problems: list[Problem] = []
    raws: list[_Raw] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        return [], [Problem(f"cannot be read ({e})", file=label)]
    lines = text.splitlines()
    rows = list(csv.reader(lines))
    if not rows:
        return [], [Problem("is empty; it needs a header row", file=label, line=1)]
    header = [h.strip() for h in rows[0]]
    known = (*OBSERVATION_COLUMNS, "label", "source")
    for k, h in enumerate(header):
        if h not in known:
            close = difflib.get_close_matches(h, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                Problem(
                    f"unknown column '{h}'{hint}; columns are {', '.join(known)}",
                    file=label,
                    line=1,
                    column=k + 1,
                )
            )
    for need in ("metric", "value"):
        if need not in header:
            problems.append(Problem(f"the column '{need}' is missing", file=label, line=1))
    if "day" not in header and "date" not in header:
        problems.append(Problem("needs a 'day' or a 'date' column", file=label, line=1))
    if problems:
        return [], problems
    for no, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(f"has {len(row)} cells; the header has {len(header)}", file=label, line=no)
            )
            continue
        item = {h: c.strip() for h, c in zip(header, row, strict=True) if c.strip() != ""}
        raws.append(_Raw(item, Problem("", file=label, line=no)))
    return raws, problems


def _inline_observations(source: Source, at: KeyPath = ()) -> list[_Raw]:
    """The inline `observations` of the mapping at key path `at` of the file."""
    node: Any = source.data
    for k in at:
        node = node[k]
    items = node.get("observations")
    if not isinstance(items, list):
        return []
    return [
        _Raw(dict(item), spec_errors.at(source, (*at, "observations", i), ""))
        for i, item in enumerate(items)
        if isinstance(item, dict)
    ]


def _scenario_observations(park: Park, scenario_file: Path, source: Source) -> list[_Raw]:
    out = []
    for i, o in enumerate(park.scenario.reporting.observations):
        path: KeyPath = ("reporting", "observations", i)
        mark = source.mark_for(path)
        where = Problem("", path, mark.file, mark.line, mark.column) if mark else Problem("", path)
        item = {
            "day": o.day,
            "metric": o.metric,
            "group": "park",
            "value": o.value,
            "label": o.label,
            "source": o.source,
        }
        out.append(_Raw(item, where, o.tolerance if o.tolerance > 0 else None))
    return out


def _default_uncertainty(metric: str, value: float) -> float:
    if metric in SHARE_METRICS:
        return DEFAULT_SHARE_UNCERTAINTY
    return max(DEFAULT_COUNT_UNCERTAINTY * abs(value), 1.0)


def _check_observation(
    raw: _Raw, park: Park, series: dict[str, tuple[str, ...]]
) -> tuple[Observation | None, list[Problem]]:
    """One observation checked against the scenario, or the problems with it."""

    def bad(message: str) -> Problem:
        return dataclasses.replace(raw.where, message=message)

    try:
        item = ObservationItem.model_validate(raw.item)
    except ValidationError as e:
        msgs = []
        for err in e.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            found = err.get("input")
            if err["type"] not in ("missing", "extra_forbidden") and not isinstance(found, dict):
                msg += f"; found {found!r}"
            msgs.append(f"{where}: {msg}" if where else msg)
        return None, [bad(m) for m in msgs]
    sc = park.scenario
    problems = []
    if item.metric not in series:
        close = difflib.get_close_matches(item.metric, list(series), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(
            bad(
                f"unknown metric '{item.metric}'{hint}; the run's timeseries.csv has "
                + ", ".join(series)
            )
        )
    elif item.group not in series[item.metric]:
        groups = series[item.metric]
        problems.append(
            bad(
                f"metric '{item.metric}' has no group '{item.group}'; its groups are "
                + ", ".join(groups)
            )
        )
    day = item.day
    if item.date is not None:
        if sc.start_date is None:
            problems.append(
                bad(
                    f"date {item.date.isoformat()} given, but the scenario has no start_date "
                    "to count days from; give `day` instead, or set start_date"
                )
            )
        elif item.date < sc.start_date:
            problems.append(
                bad(
                    f"date {item.date.isoformat()} is before the scenario's start_date "
                    f"{sc.start_date.isoformat()} (day 0)"
                )
            )
        else:
            day = (item.date - sc.start_date).days
    if day is not None and day >= sc.days:
        when = f"date {item.date.isoformat()} (day {day})" if item.date else f"day {day}"
        problems.append(
            bad(
                f"{when} is outside the horizon: the run has days 0-{sc.days - 1}; "
                f"raise `days` (e.g. set: [days={day + 1}])"
            )
        )
    if problems or day is None:
        return None, problems
    date = item.date or (sc.start_date + dt.timedelta(days=day) if sc.start_date else None)
    uncertainty = item.uncertainty or raw.default_uncertainty
    if uncertainty is None:
        uncertainty = _default_uncertainty(item.metric, item.value)
    oid = item.id or f"{item.metric}/{item.group}/{date.isoformat() if date else f'day{day}'}"
    return (
        Observation(
            id=oid,
            day=day,
            date=date,
            metric=item.metric,
            group=item.group,
            value=item.value,
            uncertainty=uncertainty,
            label=item.label,
            source=item.source,
            origin=raw.where.where(),
        ),
        [],
    )


def _selector_matches(selector: str, o: Observation, start: dt.date | None) -> bool | None:
    """Whether a hold-out selector picks an observation (None: the selector is unreadable).
    In a joint calibration an id glob matches the full id (`case/id`) or the case's own."""
    if selector.startswith("from:"):
        when = selector[5:].strip()
        if when.isdecimal():
            return o.day >= int(when)
        try:
            date = dt.date.fromisoformat(when)
        except ValueError:
            return None
        return o.date is not None and o.date >= date
    if selector.startswith("metric:"):
        return o.metric == selector[7:].strip()
    if selector.startswith("case:"):
        return o.case == selector[5:].strip()
    if o.case and fnmatch.fnmatchcase(o.id.removeprefix(f"{o.case}/"), selector):
        return True
    return fnmatch.fnmatchcase(o.id, selector)


def hold_out(
    observations: Sequence[Observation],
    selectors: Sequence[tuple[str, Problem]],
    start: dt.date | None,
) -> tuple[tuple[Observation, ...], list[Problem]]:
    """Observations with `held_out` set by the selectors (kept where already set); a
    selector that picks nothing or cannot be read is a problem located where it was
    written."""
    problems = []
    held: set[str] = set()
    for sel, where in selectors:
        hits = []
        for o in observations:
            m = _selector_matches(sel, o, start)
            if m is None:
                problems.append(
                    dataclasses.replace(
                        where,
                        message=f"hold-out {sel!r}: cannot read the date; write from:YYYY-MM-DD "
                        "or from:DAY",
                    )
                )
                break
            if m:
                hits.append(o.id)
        else:
            if not hits:
                ids = ", ".join(o.id for o in observations[:6])
                more = ", ..." if len(observations) > 6 else ""
                problems.append(
                    dataclasses.replace(
                        where,
                        message=f"hold-out {sel!r} matches no observation (ids: {ids}{more}; "
                        "or from:DATE, from:DAY, metric:NAME"
                        + (", case:ID)" if any(o.case for o in observations) else ")"),
                    )
                )
            held.update(hits)
    out = tuple(dataclasses.replace(o, held_out=o.held_out or o.id in held) for o in observations)
    return out, problems


# --------------------------------------------------------------------------- parameters


def _value_at(data: Any, selectors: Sequence[PathSelector]) -> tuple[bool, Any]:
    """(found, value) at a parsed key path of the scenario data."""
    node = data
    for s in selectors:
        if isinstance(node, dict) and isinstance(s, Key) and s.name in node:
            node = node[s.name]
        elif isinstance(node, list):
            if isinstance(s, ById):
                hit = [x for x in node if isinstance(x, dict) and str(x.get("id")) == s.id]
                if not hit:
                    return False, None
                node = hit[0]
            else:
                k = s.index if isinstance(s, Index) else int(s.name) if s.name.isdecimal() else -1
                if not 0 <= k < len(node):
                    return False, None
                node = node[k]
        else:
            return False, None
    return True, node


def _unwrap(annotation: Any) -> Any:
    """The type under `Annotated` and `| None`; a list of the alternatives of a union."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return args
            annotation = args[0]
        else:
            return annotation


def _field(model: type[BaseModel], key: str) -> Any:
    """The annotation of a model's field named `key` (by alias or name), or None."""
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def _missing_step(data: Any, selectors: Sequence[PathSelector]) -> str | None:
    """Where a key path leaves what the scenario has, or None. A field of the schema may
    be absent (it has a default), but a key of a mapping the scenario names itself (a
    firm class, a registry) or a list item must be there: `--set` would otherwise make
    one up (a new, unused firm class), and the parameter would set nothing."""
    from sim.scenario.schema import Scenario

    annotation: Any = Scenario
    node = data
    walked: list[str] = []
    for s in selectors:
        t = _unwrap(annotation)
        if isinstance(t, list):  # a union (a distribution): the member with this key
            name = s.name if isinstance(s, Key) else ""
            t = next(
                (
                    m
                    for m in map(_unwrap, t)
                    if isinstance(m, type) and issubclass(m, BaseModel) and _field(m, name)
                ),
                None,
            )
        here = ".".join(walked) or "the scenario"
        if isinstance(t, type) and issubclass(t, BaseModel):
            if not isinstance(s, Key) or _field(t, s.name) is None:
                return None  # not a field: the set machinery names it
            annotation = _field(t, s.name)
            node = node.get(s.name) if isinstance(node, dict) else None
            walked.append(s.name)
        elif typing.get_origin(t) is dict:
            key = s.name if isinstance(s, Key) else s.id if isinstance(s, ById) else str(s)
            if not isinstance(node, dict) or key not in node:
                names = ", ".join(map(str, node)) if isinstance(node, dict) and node else "none"
                return f"{here} has no '{key}' (it has: {names})"
            annotation = typing.get_args(t)[1]
            node = node[key]
            walked.append(key)
        elif typing.get_origin(t) is list:
            found, item = _value_at(node if isinstance(node, list) else [], [s])
            if not found:
                return None if isinstance(node, list) else f"{here} has no items"
            annotation = typing.get_args(t)[0]
            node = item
            walked.append(f"[{s.id if isinstance(s, ById) else getattr(s, 'index', s)}]")
        else:
            return None
    return None


def _check_parameter(
    source: Source,
    scenario_file: Path,
    p: Parameter,
    paths_at: Sequence[tuple[str, Problem]],
    case: str = "",
    shared: bool = False,
) -> list[Problem]:
    """A parameter's paths (each with where it is written) against a base scenario:
    numbers there, and its prior's range accepted at both ends and inside (the sweep's
    check). `case` names the case of a joint calibration in the messages."""
    problems: list[Problem] = []
    lo, hi = p.the_prior.support()
    where_in = f"in case '{case}' ({scenario_file.name})" if case else "in the scenario"
    for path, where in paths_at:
        selectors = parse_set(f"{path}=0")[0]
        missing = _missing_step(source.data, selectors)
        if missing:
            text = f"'{path}' does not exist {where_in}: {missing}"
            if case and shared:
                text += (
                    f"; if it does not apply there, list the cases it applies to in the "
                    f"parameter's `cases` (without '{case}'), or give its path there in "
                    "`case_paths`"
                )
            problems.append(dataclasses.replace(where, message=text))
            continue
        found, value = _value_at(source.data, selectors)
        if found and (isinstance(value, bool) or not isinstance(value, int | float)):
            kind = (
                "a mapping"
                if isinstance(value, dict)
                else "a list"
                if isinstance(value, list)
                else f"{value!r}"
            )
            problems.append(
                dataclasses.replace(
                    where,
                    message=f"'{path}' is not a number {where_in} (it holds {kind}); "
                    "give the path of a number inside it",
                )
            )
            continue
        trial = sweep_spec.Parameter.model_validate(
            {"path": path, "from": lo, "to": hi, "integer": p.integer}
        )
        for q in sweep_spec.check_parameter(source, scenario_file, trial, where):
            message = q.message
            if len(paths_at) > 1 and " is refused by the scenario:" in message:
                continue  # the paths take one value together: probed together below
            if case:
                missing = f"'{path}' does not exist in the scenario"
                if message.startswith(missing):
                    message = f"'{path}' does not exist {where_in}" + message[len(missing) :]
                    if shared:
                        message += (
                            f"; if it does not apply there, list the cases it applies to in "
                            f"the parameter's `cases` (without '{case}'), or give its path "
                            f"there in `case_paths`"
                        )
                else:
                    message = message.replace(
                        " is refused by the scenario:", f" is refused {where_in}:"
                    )
            problems.append(dataclasses.replace(q, message=message))
    if len(paths_at) > 1 and not problems:
        problems += _probe_together(source, scenario_file, p, paths_at, where_in)
    return problems


def _probe_together(
    source: Source,
    scenario_file: Path,
    p: Parameter,
    paths_at: Sequence[tuple[str, Problem]],
    where_in: str,
) -> list[Problem]:
    """The paths of one parameter set to one value together (as every run sets them) at
    both ends of its prior and inside: the scenario's refusal, located at the first."""
    from sim.scenario.overlay import apply_set

    lo, hi = p.the_prior.support()
    paths = [q for q, _ in paths_at]
    for u in (lo, lo + sweep_spec.PROBE * (hi - lo), hi):
        value = p.value(u)
        trial = source
        for path in paths:
            trial = apply_set(trial, sweep_spec.set_expr(path, value))
        try:
            validate_source(trial, scenario_file)
        except ScenarioError as e:
            q = e.problems[0]
            qpath = f"{format_path(q.path)}: " if q.path else ""
            message = q.message.split("': ", 1)[-1] if q.message.startswith("'") else q.message
            text = (
                f"{' and '.join(repr(x) for x in paths)} = {json.dumps(value)} (together) is "
                f"refused {where_in.replace('in the scenario', 'by the scenario')}: "
                f"{qpath}{message}"
            )
            return [dataclasses.replace(paths_at[0][1], message=text)]
    return []


# --------------------------------------------------------------------------- loading


def _pyabc_version() -> str | None:
    """pyabc's version: part of a calibration's identity, since its proposals decide the
    posterior (None when it is not installed; the command then says how to install it)."""
    from importlib import metadata

    try:
        return metadata.version("pyabc")
    except metadata.PackageNotFoundError:
        return None


def _identity(cal: dict[str, Any]) -> str:
    text = json.dumps(cal, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _quick(spec: CalibrationSpec, quick: bool) -> Settings:
    settings = spec.settings
    if quick:
        q = {**QUICK_DEFAULTS, **spec.quick.model_dump(exclude_none=True)}
        settings = settings.model_copy(update=q)
    return settings


def _at_set_lines(
    problems: Sequence[Problem], sets: Sequence[str], source: Source, at: KeyPath
) -> list[Problem]:
    """Problems located at a `--set` expression, moved to the file's `set:` line under
    the key path `at` (a case's)."""
    moved = sweep_spec._at_set_lines(problems, sets, source)
    if not at:
        return moved
    out = []
    for q in moved:
        if q.path and q.path[0] == "set":
            q = spec_errors.at(source, (*at, *q.path), q.message)
        out.append(q)
    return out


def _observations_of(
    raws: Sequence[_Raw], base: Park, series: dict[str, tuple[str, ...]], case: str = ""
) -> tuple[list[Observation], list[Problem]]:
    """The raw observations checked against a case's scenario (ids `case/id` in a joint
    calibration)."""
    problems: list[Problem] = []
    out: list[Observation] = []
    for raw in raws:
        o, probs = _check_observation(raw, base, series)
        problems += probs
        if o is not None:
            out.append(dataclasses.replace(o, id=f"{case}/{o.id}", case=case) if case else o)
    return out, problems


def _duplicate_ids(observations: Sequence[Observation]) -> list[Problem]:
    problems = []
    first_at: dict[str, Observation] = {}
    for o in observations:
        if o.id in first_at:
            file, _, line = o.origin.rpartition(":")
            problems.append(
                Problem(
                    f"observation id '{o.id}' is used twice (also at {first_at[o.id].origin}); "
                    "give each an `id`",
                    file=file or o.origin,
                    line=int(line) if line.isdigit() else None,
                )
            )
        first_at.setdefault(o.id, o)
    return problems


def _shown(file: Path) -> str:
    cwd = Path.cwd()
    return str(file.relative_to(cwd)) if file.is_relative_to(cwd) else str(file)


def load_calibration(
    path: Path | str, *, quick: bool = False, hold_out_cli: Sequence[str] = ()
) -> Calibration:
    """Read and check a calibration file; raises ScenarioError with every problem found.

    `hold_out_cli` adds `--hold-out` selectors to the file's `hold_out`. A file with
    `cases` is a joint calibration (`_load_joint`).
    """
    path = Path(path)
    source = load_yaml(path)
    if not isinstance(source.data, dict):
        raise ScenarioError(
            [spec_errors.at(source, (), "a calibration file must be a mapping of keys")]
        )
    try:
        spec = CalibrationSpec.model_validate(
            source.data, context=sweep_spec.base_context(path, source.data)
        )
    except ValidationError as e:
        raise ScenarioError(_problems(e, source)) from None
    if spec.cases is not None:
        return _load_joint(path, source, spec, quick, hold_out_cli)

    problems: list[Problem] = []
    if not spec.parameters:
        problems.append(
            spec_errors.at(source, ("parameters",), "give at least one parameter to estimate")
        )
    labels = [p.label for p in spec.parameters]
    for i, p in enumerate(spec.parameters):
        if labels.count(p.label) > 1:
            problems.append(
                spec_errors.at(
                    source,
                    ("parameters", i, "name" if p.name else "path"),
                    f"two parameters are named '{p.label}'; give each a `name`",
                )
            )
        for key in ("cases", "case_paths"):
            if getattr(p, key) is not None:
                problems.append(
                    spec_errors.at(
                        source,
                        ("parameters", i, key),
                        f"`{key}` is for joint calibrations (a file with `cases`); this one "
                        "has one `scenario`",
                    )
                )
        if p.path is None and not problems:
            problems.append(spec_errors.at(source, ("parameters", i), "give a `path`"))
    assert spec.scenario is not None
    scenario_file = spec_errors.relative(path, spec.scenario)
    policies = tuple(spec_errors.relative(path, p) for p in spec.policies)
    obs_file = (
        spec_errors.relative(path, spec.observations)
        if isinstance(spec.observations, str)
        else None
    )
    files = [(("scenario",), scenario_file)]
    files += [(("policies", i), f) for i, f in enumerate(policies)]
    if obs_file is not None:
        files.append((("observations",), obs_file))
    problems += [
        spec_errors.at(source, k, f"file not found: {f}") for k, f in files if not f.is_file()
    ]
    if problems:
        raise ScenarioError(problems)

    settings = _quick(spec, quick)
    base_sets = list(spec.sets)
    try:
        base_source = load_source(scenario_file, policies, base_sets)
        base = validate_source(base_source, scenario_file)
    except ScenarioError as e:
        raise ScenarioError(sweep_spec._at_set_lines(e.problems, spec.sets, source)) from None

    for i, p in enumerate(spec.parameters):
        key: KeyPath = ("parameters", i, "path")
        paths_at = [
            (q, spec_errors.at(source, (*key, k) if isinstance(p.path, list) else key, ""))
            for k, q in enumerate(p.paths)
        ]
        problems += _check_parameter(base_source, scenario_file, p, paths_at)

    raws: list[_Raw] = []
    if obs_file is not None:
        rows, probs = _csv_observations(obs_file, _shown(obs_file))
        raws += rows
        problems += probs
    else:
        raws += _inline_observations(source)
    if spec.scenario_observations:
        raws += _scenario_observations(base, scenario_file, base_source)
    observations, probs = _observations_of(raws, base, scenario_series(base))
    problems += probs
    problems += _duplicate_ids(observations)
    selectors = [
        (s, spec_errors.at(source, ("hold_out", i), "")) for i, s in enumerate(spec.hold_out)
    ]
    selectors += [(s, Problem("", file="--hold-out")) for s in hold_out_cli]
    held, probs = hold_out(observations, selectors, base.scenario.start_date)
    problems += probs
    if not raws and not problems:
        problems.append(
            spec_errors.at(
                source,
                ("observations",),
                "no observations: give a CSV file or a list here, or use a scenario with "
                "reporting.observations",
            )
        )
    if held and all(o.held_out for o in held) and not problems:
        problems.append(
            spec_errors.at(
                source,
                ("hold_out",) if spec.hold_out else (),
                f"every observation ({len(held)}) is held out; nothing is left to fit",
            )
        )
    if problems:
        raise ScenarioError(problems)

    seed = settings.seed if settings.seed is not None else base.scenario.seed
    identity = {
        "parksim": sim.__version__,
        "pyabc": _pyabc_version(),
        "scenario": scenario_json(base),
        "parameters": [p.identity() for p in spec.parameters],
        "fitted": [
            [o.day, o.metric, o.group, o.value, o.uncertainty] for o in held if not o.held_out
        ],
        "settings": settings.model_dump(
            mode="json",
            exclude={"generations", "min_epsilon", "max_simulations", "predictive_draws"},
        ),
        "seed": seed,
    }
    case = Case(
        id="",
        scenario=scenario_file,
        policies=policies,
        base_sets=tuple(base_sets),
        base=base,
        base_source=base_source,
        paths=tuple(p.paths for p in spec.parameters),
    )
    return Calibration(
        file=path.resolve(),
        spec=spec,
        scenario=scenario_file,
        policies=policies,
        base_sets=tuple(base_sets),
        base=base,
        base_source=base_source,
        observations=held,
        settings=settings,
        quick=quick,
        seed=seed,
        sha256=_identity(identity),
        cases=(case,),
        all_parameters=tuple(spec.parameters),
    )


def _joint_parameters(
    spec: CalibrationSpec, source: Source
) -> tuple[list[Parameter], list[KeyPath], list[str | None], list[Problem]]:
    """Every parameter of a joint calibration (shared, then each case's), where each is
    written, the case that owns it (None: shared), and the problems of their keys."""
    assert spec.cases is not None
    ids = [c.id for c in spec.cases]
    params: list[Parameter] = []
    at: list[KeyPath] = []
    owner: list[str | None] = []
    problems: list[Problem] = []
    for i, p in enumerate(spec.parameters):
        params.append(p)
        at.append(("parameters", i))
        owner.append(None)
        for j, c in enumerate(p.cases or []):
            if c not in ids:
                problems.append(
                    spec_errors.at(
                        source,
                        ("parameters", i, "cases", j),
                        f"no case '{c}' in this calibration (cases: {', '.join(ids)})",
                    )
                )
        if p.cases is not None and not p.cases:
            problems.append(
                spec_errors.at(source, ("parameters", i, "cases"), "applies to no case")
            )
        for c in p.case_paths or {}:
            if c not in ids:
                problems.append(
                    spec_errors.at(
                        source,
                        ("parameters", i, "case_paths", c),
                        f"no case '{c}' in this calibration (cases: {', '.join(ids)})",
                    )
                )
            elif p.cases is not None and c not in p.cases:
                problems.append(
                    spec_errors.at(
                        source,
                        ("parameters", i, "case_paths", c),
                        f"gives a path in case '{c}', which the parameter's `cases` leaves out",
                    )
                )
        if p.path is None and p.cases:
            for j, c in enumerate(p.cases):
                if c in ids and c not in (p.case_paths or {}):
                    problems.append(
                        spec_errors.at(
                            source,
                            ("parameters", i, "cases", j),
                            f"applies to case '{c}' but has no path there: give `path`, or "
                            f"`case_paths: {{{c}: ...}}`",
                        )
                    )
    for k, case in enumerate(spec.cases):
        for i, p in enumerate(case.parameters):
            params.append(p)
            at.append(("cases", k, "parameters", i))
            owner.append(case.id)
            for key in ("cases", "case_paths"):
                if getattr(p, key) is not None:
                    problems.append(
                        spec_errors.at(
                            source,
                            ("cases", k, "parameters", i, key),
                            f"`{key}` is for shared parameters (the file's `parameters`); a "
                            f"parameter of case '{case.id}' applies there only",
                        )
                    )
            if p.path is None and p.cases is None:
                problems.append(
                    spec_errors.at(source, ("cases", k, "parameters", i), "give a `path`")
                )
    if not params:
        problems.append(
            spec_errors.at(
                source,
                ("parameters",),
                "give at least one parameter to estimate (shared here, or in a case)",
            )
        )
    labels = [p.label for p in params]
    for p, where in zip(params, at, strict=True):
        if labels.count(p.label) > 1:
            key = "name" if p.name else "path"
            problems.append(
                spec_errors.at(
                    source,
                    (*where, key),
                    f"two parameters are named '{p.label}'; give each a `name`",
                )
            )
    return params, at, owner, problems


def _paths_in_case(
    p: Parameter, where: KeyPath, owner: str | None, case: str, source: Source
) -> list[tuple[str, Problem]]:
    """The key paths a parameter sets in a case, each with where it is written (none:
    it does not apply there)."""
    if owner is not None:
        if owner != case:
            return []
        key: KeyPath = (*where, "path")
        return [
            (q, spec_errors.at(source, (*key, k) if isinstance(p.path, list) else key, ""))
            for k, q in enumerate(p.paths)
        ]
    if p.cases is not None and case not in p.cases:
        return []
    if p.case_paths and case in p.case_paths:
        written = p.case_paths[case]
        key = (*where, "case_paths", case)
        return [
            (q, spec_errors.at(source, (*key, k) if isinstance(written, list) else key, ""))
            for k, q in enumerate(p.paths_in(case))
        ]
    key = (*where, "path")
    return [
        (q, spec_errors.at(source, (*key, k) if isinstance(p.path, list) else key, ""))
        for k, q in enumerate(p.paths)
    ]


def _load_joint(
    path: Path,
    source: Source,
    spec: CalibrationSpec,
    quick: bool,
    hold_out_cli: Sequence[str],
) -> Calibration:
    """A joint calibration: every case's scenario, observations and parameter paths
    checked, every problem at once."""
    assert spec.cases is not None
    params, at, owner, problems = _joint_parameters(spec, source)
    ids = [c.id for c in spec.cases]
    for k, c in enumerate(spec.cases):
        if ids.index(c.id) != k:
            problems.append(
                spec_errors.at(
                    source, ("cases", k, "id"), f"two cases are named '{c.id}'; name each once"
                )
            )
    files: list[tuple[KeyPath, Path]] = []
    for k, c in enumerate(spec.cases):
        files.append((("cases", k, "scenario"), spec_errors.relative(path, c.scenario)))
        files += [
            (("cases", k, "policies", i), spec_errors.relative(path, f))
            for i, f in enumerate(c.policies)
        ]
        if isinstance(c.observations, str):
            files.append((("cases", k, "observations"), spec_errors.relative(path, c.observations)))
    problems += [
        spec_errors.at(source, key, f"file not found: {f}") for key, f in files if not f.is_file()
    ]
    overall = [
        (s, spec_errors.at(source, ("hold_out", i), "")) for i, s in enumerate(spec.hold_out)
    ]
    overall += [(s, Problem("", file="--hold-out")) for s in hold_out_cli]
    for s, where in overall:
        if s.startswith("case:") and s[5:].strip() not in ids:
            problems.append(
                dataclasses.replace(
                    where,
                    message=f"hold-out {s!r}: no case '{s[5:].strip()}' in this calibration "
                    f"(cases: {', '.join(ids)})",
                )
            )
    if problems:
        raise ScenarioError(problems)

    settings = _quick(spec, quick)
    cases: list[Case] = []
    observations: list[Observation] = []
    for k, c in enumerate(spec.cases):
        scenario_file = spec_errors.relative(path, c.scenario)
        policies = tuple(spec_errors.relative(path, f) for f in c.policies)
        try:
            base_source = load_source(scenario_file, policies, list(c.sets))
            base = validate_source(base_source, scenario_file)
        except ScenarioError as e:
            problems += _at_set_lines(e.problems, c.sets, source, ("cases", k))
            continue
        paths = []
        for i, p in enumerate(params):
            paths_at = _paths_in_case(p, at[i], owner[i], c.id, source)
            problems += _check_parameter(
                base_source, scenario_file, p, paths_at, c.id, shared=owner[i] is None
            )
            paths.append(tuple(q for q, _ in paths_at))
        raws: list[_Raw] = []
        if isinstance(c.observations, str):
            obs_file = spec_errors.relative(path, c.observations)
            rows, probs = _csv_observations(obs_file, _shown(obs_file))
            raws += rows
            problems += probs
        else:
            raws += _inline_observations(source, ("cases", k))
        if c.scenario_observations:
            raws += _scenario_observations(base, scenario_file, base_source)
        found, probs = _observations_of(raws, base, scenario_series(base), c.id)
        problems += probs
        selectors = [
            (s, spec_errors.at(source, ("cases", k, "hold_out", i), ""))
            for i, s in enumerate(c.hold_out)
        ]
        found_held, probs = hold_out(found, selectors, base.scenario.start_date)
        problems += probs
        observations += found_held
        if not raws:
            problems.append(
                spec_errors.at(
                    source,
                    ("cases", k),
                    f"case '{c.id}' has no observations: give `observations` (a CSV file or a "
                    "list), or use a scenario with reporting.observations",
                )
            )
        cases.append(
            Case(
                id=c.id,
                scenario=scenario_file,
                policies=policies,
                base_sets=tuple(c.sets),
                base=base,
                base_source=base_source,
                paths=tuple(paths),
            )
        )
    problems += _duplicate_ids(observations)
    held, probs = hold_out(observations, overall, None)
    problems += probs
    if held and all(o.held_out for o in held) and not problems:
        problems.append(
            spec_errors.at(
                source,
                ("hold_out",) if spec.hold_out else ("cases",),
                f"every observation ({len(held)}) of every case is held out; nothing is left "
                "to fit",
            )
        )
    if problems:
        raise ScenarioError(problems)

    first = cases[0]
    seed = settings.seed if settings.seed is not None else first.base.scenario.seed
    identity = {
        "parksim": sim.__version__,
        "pyabc": _pyabc_version(),
        "cases": [{"id": c.id, "scenario": scenario_json(c.base)} for c in cases],
        "parameters": [
            {**p.identity(), **({"case": o} if o is not None else {})}
            for p, o in zip(params, owner, strict=True)
        ],
        "paths": [[list(x) for x in c.paths] for c in cases],
        "fitted": [
            [o.case, o.day, o.metric, o.group, o.value, o.uncertainty]
            for o in held
            if not o.held_out
        ],
        "settings": settings.model_dump(
            mode="json",
            exclude={"generations", "min_epsilon", "max_simulations", "predictive_draws"},
        ),
        "seed": seed,
    }
    return Calibration(
        file=path.resolve(),
        spec=spec,
        scenario=first.scenario,
        policies=first.policies,
        base_sets=first.base_sets,
        base=first.base,
        base_source=first.base_source,
        observations=held,
        settings=settings,
        quick=quick,
        seed=seed,
        sha256=_identity(identity),
        cases=tuple(cases),
        all_parameters=tuple(params),
    )
