"""Kinds a scenario value must have before pydantic's lax coercion sees it.

Pydantic reads `True` as the number 1, the text `yes`/`on`/`1` as true and the
integer 0 as the date 1970-01-01. A scenario file is read with YAML 1.2 rules,
where `yes` and `on` are text, so a planner writing `closed_loop: yes` or
`staff: true` would get a silent, surprising value. `check` refuses these, for
every field of every model, from the field's annotation (not field by field):

* a number (int or float) is never a boolean;
* a boolean is only `true` or `false`;
* a date is text written `YYYY-MM-DD` (or a `datetime.date`, from Python);
* and -0.0 is read as 0.0.

Lists and mappings are checked item by item. Text that holds a number (a CSV
registry cell such as `"12"`) is left to pydantic, which reads it as the number.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel

Check = Callable[[Any], str | None]
"""Why a raw value does not have the kind its field needs, or None when it does."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _bool(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        return "should be true or false (YAML 1.2 reads yes, no, on and off as text)"
    return "should be true or false"


def _number(v: Any) -> str | None:
    if isinstance(v, bool):
        return "should be a number, not true or false"
    return None


def _date(v: Any) -> str | None:
    if isinstance(v, dt.datetime):
        return "should be a date written YYYY-MM-DD, not a date and time"
    if isinstance(v, dt.date) or (isinstance(v, str) and _DATE.match(v.strip())):
        return None
    return "should be a date written YYYY-MM-DD (e.g. 2022-04-01)"


def _items(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, list):
            return None  # not a list at all: pydantic says so
        for i, x in enumerate(v):
            why = inner(x)
            if why is not None:
                return f"item {i} {why}"
        return None

    return check


def _values(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return None
        for k, x in v.items():
            why = inner(x)
            if why is not None:
                return f"the value of {k!r} {why}"
        return None

    return check


def _optional(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        return None if v is None else inner(v)

    return check


def checker(annotation: Any) -> Check | None:
    """The check a field of this annotation needs (None: nothing to check)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return checker(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None  # a union of several kinds (distributions) checks itself
        inner = checker(args[0])
        return None if inner is None else _optional(inner)
    if origin in (list, tuple):
        items = get_args(annotation)
        inner = checker(items[0]) if items else None
        return None if inner is None else _items(inner)
    if origin is dict:
        pair = get_args(annotation)
        inner = checker(pair[1]) if len(pair) == 2 else None
        return None if inner is None else _values(inner)
    if origin is Literal or not isinstance(annotation, type):
        return None
    if issubclass(annotation, BaseModel):
        return None
    if annotation is bool:
        return _bool
    if annotation in (int, float):
        return _number
    if annotation is dt.date:
        return _date
    return None


_CHECKS: dict[tuple[type, str], Check | None] = {}


def check(model: type[BaseModel], field: str | None, value: Any) -> Any:
    """`value` for `model.field` unchanged, or a ValueError saying what kind it should be."""
    if field is None:
        return value
    key = (model, field)
    try:
        fn = _CHECKS[key]
    except KeyError:
        info = model.model_fields.get(field)
        fn = _CHECKS[key] = None if info is None else checker(info.annotation)
    if fn is not None:
        why = fn(value)
        if why is not None:
            raise ValueError(why)
    if type(value) is float and value == 0.0:
        return 0.0  # -0.0 is 0: it would print as "-0.0" in results and dumps
    return value
