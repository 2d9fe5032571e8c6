"""Numbers at the edges of what the schema allows never make inf or NaN (issue 13).

Every plain number in a scenario has bounds (`schema.MAX_*`), chosen so that no
sum or product the model forms can overflow. This property takes a valid tiny
park (`strategies.scenarios`), puts some of its numbers at their bounds — the
largest allowed, just below it, the smallest, the smallest positive float — and
checks that the loader either refuses the result (a budget, an order) with
located problems, or the model runs a few days of it with every array of the
Trace finite: no inf anywhere, NaN only where the Trace documents it (the mean
review wait of a day without reviews, above-scale resumption of a park with no
above-scale firm).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.model.world import World
from sim.output.results import write_run
from sim.scenario.errors import ScenarioError
from sim.scenario.load import validate_source
from sim.scenario.schema import Scenario
from sim.scenario.source import Source
from tests.property.strategies import scenarios
from tests.property.test_regressions import time_limit

RUN_DAYS = 3
MAY_BE_NAN = {"review_wait", "resumption_above_scale", "resumed_above_scale", "groups"}
"""Trace arrays whose NaN means "no value that day" (see `sim.record.Trace`; `groups`: a
batch not yet released, a group with no baseline or no staff)."""
TEAMS = 1000
"""Service teams are each a process: a million is legal (with a warning) but slow to test."""

Leaf = tuple[tuple[Any, ...], float, float, bool]
"""(path, lowest, highest, whole number) of a number in the scenario data."""


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _bounds(field: Any) -> tuple[float, float, bool] | None:
    """(lowest, highest, integer) of a plain-number field, None for anything else."""
    ann = field.annotation
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    if typing.get_origin(ann) in (typing.Union, types.UnionType) and len(args) == 1:
        ann = args[0]
    metas = list(field.metadata)
    if typing.get_origin(ann) is typing.Annotated:
        ann, *extra = typing.get_args(ann)
        for m in extra:
            metas.extend([m, *getattr(m, "metadata", [])])
    if ann not in (int, float):
        return None
    lo, hi = 0.0, math.inf
    for m in metas:
        if getattr(m, "ge", None) is not None:
            lo = m.ge
        if getattr(m, "gt", None) is not None:
            lo = 5e-324 if ann is float else m.gt + 1
        if getattr(m, "le", None) is not None:
            hi = m.le
    return lo, hi, ann is int


def leaves(data: Any, model: type[BaseModel], path: tuple[Any, ...] = ()) -> list[Leaf]:
    """Every plain number in `data` (shaped like `model`), with its field's bounds."""
    out: list[Leaf] = []
    if not isinstance(data, dict):
        return out
    by_key = {(f.alias or name): f for name, f in model.model_fields.items()}
    for key, value in data.items():
        field = by_key.get(key)
        if field is None:
            continue
        here = (*path, key)
        bounds = _bounds(field)
        if bounds is not None and isinstance(value, int | float) and not isinstance(value, bool):
            out.append((here, *bounds))
            continue
        sub = _model_of(field.annotation)
        if sub is None or sub.__module__ == "sim.scenario.dists":
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                out.extend(leaves(item, sub, (*here, i)))
        elif isinstance(value, dict) and typing.get_origin(field.annotation) is dict:
            for name, item in value.items():
                out.extend(leaves(item, sub, (*here, name)))
        else:
            out.extend(leaves(value, sub, here))
    return out


def _edge(lo: float, hi: float, integer: bool) -> st.SearchStrategy[float]:
    if integer:
        return st.sampled_from([int(lo), int(hi), max(int(lo), int(hi) - 1)])
    return st.sampled_from([lo, hi, hi * (1 - 1e-12), 5e-324 if lo == 0 else lo, 1e-300])


@st.composite
def hostile(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A valid tiny park with 1–8 of its numbers at their edges, and which."""
    data = draw(scenarios())
    found = leaves(data, Scenario)
    done = []
    for path, lo, hi, integer in draw(
        st.lists(st.sampled_from(found), min_size=1, max_size=8, unique_by=lambda leaf: leaf[0])
    ):
        if path[-1] == "service_teams":
            hi = TEAMS
        if path[-1] in ("days", "replications") and len(path) == 1:
            continue  # the horizon is cut to a few days anyway
        value = draw(_edge(lo, hi, integer))
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        done.append(f"{'.'.join(map(str, path))}={value!r}")
    return data, done


@given(hostile())
def test_numbers_at_their_bounds_run_finite_or_are_refused(case) -> None:
    data, _done = case  # `_done` lists the numbers changed (shown on failure)
    try:
        park = validate_source(Source(data, {}), None)
    except ScenarioError as e:
        assert e.problems
        return
    with time_limit(60):
        trace = World(park, 0, days=min(park.scenario.days, RUN_DAYS)).run()
    arrays = {s.name: s.values for s in trace.declared()}
    arrays.update({k: v for k, v in vars(trace).items() if isinstance(v, np.ndarray)})
    assert {"output", "lost", "resumption", "review_wait"} <= set(arrays)
    for name, value in arrays.items():
        if value.dtype.kind not in "fiu":
            continue
        assert not np.isinf(value).any(), name
        if name not in MAY_BE_NAN:
            assert not np.isnan(value).any(), name
    assert math.isfinite(trace.baseline_total)


def _non_finite_cells(folder: Path) -> list[str]:
    """Cells of the folder's CSV and JSON files that spell NaN or an infinity."""
    bad: list[str] = []
    seen = bad.append
    for p in sorted(folder.rglob("*")):
        if p.suffix == ".csv":
            with p.open(newline="", encoding="utf-8") as f:
                for row in csv.reader(f):
                    bad += [f"{p.name}: {c}" for c in row if c.strip().lower() in NON_FINITE]
        elif p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"), parse_constant=seen)
    return bad


NON_FINITE = {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}


@settings(max_examples=25, deadline=None)
@given(hostile())
def test_no_results_file_holds_nan_or_infinity(case) -> None:
    data, _done = case
    try:
        park = validate_source(Source(data, {}), None)
    except ScenarioError:
        return
    with time_limit(60):
        traces = [World(park, r, days=min(park.scenario.days, RUN_DAYS)).run() for r in (0, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "res"
        write_run(
            out,
            park,
            traces,
            scenario_file=None,
            started=dt.datetime.now(dt.UTC),
            executor="serial",
            plots=False,
        )
        assert _non_finite_cells(out) == []
