"""Days of the run written as calendar dates.

A planner thinks "the second white list came out on 29 April", not "on day 28".
Every key of a scenario that names a day of the run (`day`, `opening_day`,
`start_day`, a supplier's `reopen_day`, ...) is typed `schema.Day` (or
`schema.DayDist`), which carries the `DAY` mark of this module. Such a key takes a
day number (day 0 = the first day of the run) or, when the scenario has a
`start_date`, a calendar date: YAML's `2022-04-29` (text under the YAML 1.2 rules
scenario files are read with), or a `datetime.date` from Python. A date counts
from `start_date`: `start_date` itself is day 0.

Validation converts the date to its day number, so the model, the results and the
resolved scenario only ever see numbers: a scenario written with dates runs bit for
bit like the same scenario written with day numbers. A date before `start_date`, a
date in a scenario without one, or text that is no date is refused at its key.

The scenario's `start_date` reaches the validators as pydantic's validation
context (`context(data)`): `load.validate_source` passes it, and so does
`schema.Scenario.model_validate` when it is called without a context. Durations
(`ramp_days`, `quarantine_days`, ...) are not days of the run and take numbers only.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, GetJsonSchemaHandler, ValidationInfo
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

START_DATE = "start_date"
"""Key of the scenario's start date in the validation context (a `datetime.date`, or
None when the scenario has none)."""
START_GIVEN = "start_date_given"
"""Key saying the scenario wrote a `start_date` (perhaps not a valid one)."""

_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*\Z")

DIST_DAY_KEYS = frozenset({"from", "to", "mode", "mean", "median", "min", "max", "values"})
"""Parameters of a distribution of days that are themselves days (and so may be
dates); a spread (`sd`, `sigma`) or `weights` is not."""


class DayMark:
    """The mark on `schema.Day` and `schema.DayDist`: this key is a day of the run.

    It also makes the JSON Schema accept a date string beside the number, so that
    editors do not flag `day: 2022-04-29`."""

    def __repr__(self) -> str:
        return "DAY"

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        number = handler(core_schema)
        return {"anyOf": [number, {"type": "string", "format": "date"}]}


DAY = DayMark()
"""The one mark every day-of-the-run key carries."""


def context(data: Any) -> dict[str, Any]:
    """The validation context of a raw scenario: its `start_date` as a date (None if it
    has none, or one that cannot be read: the schema reports that at `start_date`)."""
    raw = data.get("start_date") if isinstance(data, dict) else None
    return {START_DATE: parse_date(raw), START_GIVEN: raw is not None}


def parse_date(v: Any) -> dt.date | None:
    """A calendar date written `YYYY-MM-DD` (or a `datetime.date`), else None."""
    if isinstance(v, dt.datetime):
        return None
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and _DATE.match(v):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            return None
    return None


def looks_like_date(v: Any) -> bool:
    """Whether a value is written as a date (valid or not): a `datetime.date`, or text
    of the form YYYY-MM-DD."""
    return isinstance(v, dt.date) or (isinstance(v, str) and bool(_DATE.match(v)))


def days_since(date: dt.date, start: dt.date) -> int:
    """Day number of `date` in a run whose day 0 is `start`."""
    return (date - start).days


def to_day(v: Any, start: dt.date | None, *, start_given: bool = True) -> int:
    """The day number of a value written as a date, or a ValueError saying why it is
    not one: no start date, before the start date, or not a calendar date."""
    if isinstance(v, dt.datetime):
        raise ValueError("should be a day number or a date written YYYY-MM-DD, not a date and time")
    date = parse_date(v)
    if date is None:
        raise ValueError(f"{str(v).strip()} is not a calendar date (YYYY-MM-DD)")
    if start is None:
        if start_given:
            raise ValueError(
                f"a date ({date}) counts from `start_date`, which is not a valid date; "
                "fix start_date or write the day number"
            )
        raise ValueError(
            f"a date ({date}) needs `start_date`, the date of day 0; set start_date "
            "or write the day number (0 = the first day)"
        )
    if date < start:
        raise ValueError(
            f"{date} is before `start_date` {start} (day 0); a day of the run is on or "
            "after start_date"
        )
    return days_since(date, start)


def _start(info: ValidationInfo | None) -> tuple[dt.date | None, bool]:
    ctx = info.context if info is not None and isinstance(info.context, dict) else {}
    return ctx.get(START_DATE), bool(ctx.get(START_GIVEN, ctx.get(START_DATE) is not None))


def day_value(v: Any, info: ValidationInfo) -> Any:
    """Validator of a day of the run: a date becomes its day number (as a float, as a
    number written there would); any other value is left to the number checks."""
    if looks_like_date(v):
        start, given = _start(info)
        return float(to_day(v, start, start_given=given))
    if isinstance(v, str):
        try:
            float(v)
        except ValueError:
            raise ValueError(
                "should be a day number (0 = the first day) or, with `start_date`, a date "
                "written YYYY-MM-DD"
            ) from None
    return v


def duration_value(v: Any) -> Any:
    """Validator of a duration in days: a date there is a mistake, said in words."""
    if looks_like_date(v):
        raise ValueError(
            "is a number of days (a duration), not a date; only keys that name a day of "
            "the run take dates"
        )
    return v


def dist_day_value(v: Any, info: ValidationInfo) -> Any:
    """Validator of a distribution of days: a date written alone, or as a day parameter
    of a distribution (`uniform: {from: 2022-04-10, to: 2022-04-20}`), becomes its day
    number; a spread (`sd`, `sigma`) or `weights` written as a date is left for the
    distribution to refuse."""
    if looks_like_date(v):
        return day_value(v, info)
    if isinstance(v, dict) and len(v) == 1:
        kind, params = next(iter(v.items()))
        if isinstance(params, dict):
            out = {}
            for k, x in params.items():
                if k in DIST_DAY_KEYS and k != "values" and looks_like_date(x):
                    x = day_value(x, info)
                elif k == "values" and isinstance(x, list):
                    x = [day_value(y, info) if looks_like_date(y) else y for y in x]
                out[k] = x
            return {kind: out}
    return v


def is_day(annotation: Any) -> bool:
    """Whether a field's annotation is a day of the run (it carries `DAY`, perhaps
    inside `X | None` or a list)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        args = typing.get_args(annotation)
        return any(isinstance(m, DayMark) for m in args[1:]) or is_day(args[0])
    if origin in (typing.Union, types.UnionType, list, tuple):
        return any(is_day(a) for a in typing.get_args(annotation))
    return False


def is_day_field(field: FieldInfo) -> bool:
    """Whether a model field is a day of the run: its type carries `DAY` (pydantic keeps
    the marks of a bare `Day` in the field's metadata, those of `Day | None` in its
    annotation)."""
    return any(isinstance(m, DayMark) for m in field.metadata) or is_day(field.annotation)


def is_day_name(name: str) -> bool:
    """Whether a key's name says it is a day of the run: `day`, or ending in `_day`
    (but not a rate such as `per_day` or `rate_per_1000_staff_day`)."""
    return name == "day" or (name.endswith("_day") and "per_" not in name)


def _unwrap(annotation: Any) -> list[Any]:
    """The kinds an annotation may hold: `X | None` and marks taken off."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [k for a in typing.get_args(annotation) if a is not type(None) for k in _unwrap(a)]
    return [annotation]


def names_a_day(model: type[BaseModel], path: Sequence[str | None]) -> bool:
    """Whether a key path into `model` ends at a day of the run, or at a day parameter
    of a distribution of days (`suppliers[id=x].reopen_day.uniform.from`). `path` holds
    the keys, with None (or a whole number as text) for a list item or a map entry."""
    kinds: list[Any] = [model]
    for k, part in enumerate(path):
        nxt: list[Any] = []
        for kind in kinds:
            origin = typing.get_origin(kind)
            if origin in (list, tuple) and (part is None or part.isdecimal()):
                nxt += _unwrap(typing.get_args(kind)[0])
            elif origin is dict:
                nxt += _unwrap(typing.get_args(kind)[1])
            elif isinstance(kind, type) and issubclass(kind, BaseModel) and part is not None:
                for name, f in kind.model_fields.items():
                    if part not in (name, f.alias):
                        continue
                    if is_day_field(f):
                        rest = path[k + 1 :]
                        return not rest or (len(rest) == 2 and rest[1] in DIST_DAY_KEYS)
                    nxt += _unwrap(f.annotation)
        kinds = nxt
    return False


def date_of(day: float, start: dt.date | None) -> dt.date | None:
    """Calendar date of a day of the run (a fractional day: the whole day it falls in)."""
    if start is None:
        return None
    try:
        return start + dt.timedelta(days=int(day))
    except OverflowError:
        return None
