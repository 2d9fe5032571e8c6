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
from sim.experiment import sweep_spec
from sim.experiment.sweep_spec import Name
from sim.files import timeseries
from sim.files.resolved import scenario_json
from sim.metrics import SHARE_METRICS
from sim.scenario import dates
from sim.scenario.errors import KeyPath, Problem, ScenarioError
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


class Parameter(_Frozen):
    """One parameter to estimate: one or more scenario key paths that take its value."""

    path: str | list[str]
    """`--set` key path (e.g. `reopening.apply_days.lognormal.median`), or a list of paths
    that all take the same value (a behavioural parameter shared by several classes)."""
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

    @field_validator("path")
    @classmethod
    def _paths(cls, v: str | list[str]) -> str | list[str]:
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
        """Every key path that takes this parameter's value."""
        return (self.path,) if isinstance(self.path, str) else tuple(self.path)

    @property
    def label(self) -> str:
        """Column name in the results and label in plots."""
        return self.name or self.paths[0]

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


class CalibrationSpec(_Frozen):
    """A calibration file."""

    name: Name
    """Calibration name; results go to `results/<name>/` (`<name>-quick` with `--quick`)."""
    description: str = ""
    scenario: str = Field(min_length=1)
    """Base scenario file, relative to the calibration file."""
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
    `from:DATE` or `from:DAY` (that day and later), `metric:NAME`."""
    parameters: list[Parameter] = Field(min_length=1, max_length=20)
    """The parameters to estimate."""
    settings: Settings = Settings()
    quick: QuickSettings = QuickSettings()


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

    @property
    def series(self) -> tuple[str, str]:
        """(metric, group): the series of `timeseries.csv` it belongs to."""
        return self.metric, self.group


@dataclass(frozen=True)
class Calibration:
    """A checked calibration: the file, its base scenario, observations and identity."""

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

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(self.spec.parameters)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.spec.parameters)

    @property
    def fitted(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if not o.held_out)

    @property
    def held_out(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if o.held_out)

    def sets_for(self, values: Sequence[float]) -> tuple[str, ...]:
        """`--set`s that put drawn values (one per parameter) into the scenario."""
        out = list(self.base_sets)
        for p, theta in zip(self.spec.parameters, values, strict=True):
            v = p.value(float(theta))
            out += [sweep_spec.set_expr(path, v) for path in p.paths]
        return tuple(out)


def _at(source: Source, path: KeyPath, message: str) -> Problem:
    mark = source.mark_for(path)
    if mark is None:
        return Problem(message, path)
    return Problem(message, path, mark.file, mark.line, mark.column)


def _relative(spec_file: Path, text: str) -> Path:
    p = Path(text)
    return (p if p.is_absolute() else spec_file.parent / p).resolve()


def _problems(e: ValidationError, source: Source) -> list[Problem]:
    """Pydantic errors on the calibration file as located Problems."""
    models = (
        CalibrationSpec,
        Parameter,
        Prior,
        Range,
        Normal,
        LogNormal,
        ObservationItem,
        Settings,
        QuickSettings,
    )
    fields = sorted({f.alias or n for m in models for n, f in m.model_fields.items()})
    out = []
    for err in e.errors():
        loc: list[str | int] = []
        node = source.data
        for part in err["loc"]:
            if isinstance(node, dict) and part in node:
                node = node[part]
                loc.append(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
                loc.append(part)
            elif isinstance(node, dict) and isinstance(part, str) and part in fields:
                loc.append(part)
                break
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]) if loc else "", fields, n=1)
            msg = f"unknown key '{loc[-1] if loc else '?'}'" + (
                f" (did you mean '{close[0]}'?)" if close else ""
            )
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            if msg.startswith("Input should be"):
                msg = "should be" + msg[len("Input should be") :]
            found = err.get("input")
            if not isinstance(found, dict | list) and len(repr(found)) < 60:
                msg += f"; found {found!r}"
        out.append(_at(source, tuple(loc), msg))
    return out


# --------------------------------------------------------------------------- series


def scenario_series(park: Park) -> dict[str, tuple[str, ...]]:
    """Every series `timeseries.csv` holds for this scenario: metric → its groups, in
    file order (one day of replication 0 is run to read them off the real file rows)."""
    from sim.model.world import run

    return timeseries.scenario_series(run(park, 0, 1))


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


def _inline_observations(source: Source) -> list[_Raw]:
    items = source.data.get("observations")
    if not isinstance(items, list):
        return []
    return [
        _Raw(dict(item), _at(source, ("observations", i), ""))
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
    """Whether a hold-out selector picks an observation (None: the selector is unreadable)."""
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
    return fnmatch.fnmatchcase(o.id, selector)


def hold_out(
    observations: Sequence[Observation],
    selectors: Sequence[tuple[str, Problem]],
    start: dt.date | None,
) -> tuple[tuple[Observation, ...], list[Problem]]:
    """Observations with `held_out` set by the selectors; a selector that picks nothing
    or cannot be read is a problem located where it was written."""
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
                        "or from:DATE, from:DAY, metric:NAME)",
                    )
                )
            held.update(hits)
    out = tuple(dataclasses.replace(o, held_out=o.id in held) for o in observations)
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


def _check_parameter(
    source: Source,
    scenario_file: Path,
    p: Parameter,
    i: int,
    spec_source: Source,
) -> list[Problem]:
    """A parameter's paths against the base scenario: numbers there, and its prior's range
    accepted at both ends and inside (the sweep's check)."""
    problems: list[Problem] = []
    lo, hi = p.the_prior.support()
    key: KeyPath = ("parameters", i, "path")
    for k, path in enumerate(p.paths):
        where = _at(spec_source, (*key, k) if isinstance(p.path, list) else key, "")
        found, value = _value_at(source.data, parse_set(f"{path}=0")[0])
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
                    message=f"'{path}' is not a number in the scenario (it holds {kind}); "
                    "give the path of a number inside it",
                )
            )
            continue
        trial = sweep_spec.Parameter.model_validate(
            {"path": path, "from": lo, "to": hi, "integer": p.integer}
        )
        problems += sweep_spec.check_parameter(source, scenario_file, trial, where)
    return problems


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


def load_calibration(
    path: Path | str, *, quick: bool = False, hold_out_cli: Sequence[str] = ()
) -> Calibration:
    """Read and check a calibration file; raises ScenarioError with every problem found.

    `hold_out_cli` adds `--hold-out` selectors to the file's `hold_out`.
    """
    path = Path(path)
    source = load_yaml(path)
    if not isinstance(source.data, dict):
        raise ScenarioError([_at(source, (), "a calibration file must be a mapping of keys")])
    try:
        spec = CalibrationSpec.model_validate(
            source.data, context=sweep_spec.base_context(path, source.data)
        )
    except ValidationError as e:
        raise ScenarioError(_problems(e, source)) from None

    problems: list[Problem] = []
    labels = [p.label for p in spec.parameters]
    for i, p in enumerate(spec.parameters):
        if labels.count(p.label) > 1:
            problems.append(
                _at(
                    source,
                    ("parameters", i, "name" if p.name else "path"),
                    f"two parameters are named '{p.label}'; give each a `name`",
                )
            )
    scenario_file = _relative(path, spec.scenario)
    policies = tuple(_relative(path, p) for p in spec.policies)
    obs_file = _relative(path, spec.observations) if isinstance(spec.observations, str) else None
    files = [(("scenario",), scenario_file)]
    files += [(("policies", i), f) for i, f in enumerate(policies)]
    if obs_file is not None:
        files.append((("observations",), obs_file))
    problems += [_at(source, k, f"file not found: {f}") for k, f in files if not f.is_file()]
    if problems:
        raise ScenarioError(problems)

    settings = spec.settings
    if quick:
        q = {**QUICK_DEFAULTS, **spec.quick.model_dump(exclude_none=True)}
        settings = settings.model_copy(update=q)
    base_sets = list(spec.sets)
    try:
        base_source = load_source(scenario_file, policies, base_sets)
        base = validate_source(base_source, scenario_file)
    except ScenarioError as e:
        raise ScenarioError(sweep_spec._at_set_lines(e.problems, spec.sets, source)) from None

    for i, p in enumerate(spec.parameters):
        problems += _check_parameter(base_source, scenario_file, p, i, source)

    raws: list[_Raw] = []
    if obs_file is not None:
        cwd = Path.cwd()
        shown = str(obs_file.relative_to(cwd)) if obs_file.is_relative_to(cwd) else str(obs_file)
        rows, probs = _csv_observations(obs_file, shown)
        raws += rows
        problems += probs
    else:
        raws += _inline_observations(source)
    if spec.scenario_observations:
        raws += _scenario_observations(base, scenario_file, base_source)
    series = scenario_series(base)
    observations: list[Observation] = []
    for raw in raws:
        o, probs = _check_observation(raw, base, series)
        problems += probs
        if o is not None:
            observations.append(o)
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
    selectors = [(s, _at(source, ("hold_out", i), "")) for i, s in enumerate(spec.hold_out)]
    selectors += [(s, Problem("", file="--hold-out")) for s in hold_out_cli]
    held, probs = hold_out(observations, selectors, base.scenario.start_date)
    problems += probs
    if not raws and not problems:
        problems.append(
            _at(
                source,
                ("observations",),
                "no observations: give a CSV file or a list here, or use a scenario with "
                "reporting.observations",
            )
        )
    if held and all(o.held_out for o in held) and not problems:
        problems.append(
            _at(
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
        "parameters": [
            p.model_dump(mode="json", by_alias=True, exclude={"truth"}) for p in spec.parameters
        ],
        "fitted": [
            [o.day, o.metric, o.group, o.value, o.uncertainty] for o in held if not o.held_out
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
    )
