"""Scenario file → overlays → `--set` → validated, cross-checked, expanded Park.

Everything a planner can get wrong is found here, at the edge, and reported at
once with file, line, column and key path; the model trusts what it receives.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, TextIO, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.runtime import collector_paused
from sim.scenario import budget
from sim.scenario.dists import dist_min
from sim.scenario.errors import KeyPath, Problem, ScenarioError, pydantic_message, shown
from sim.scenario.expand import (
    Park,
    expand,
    ledger_options,
    registry_label,
    registry_path,
)
from sim.scenario.ledger import Ledger, read_ledger
from sim.scenario.overlay import apply_set, merge
from sim.scenario.refs import check_references
from sim.scenario.schema import Registry, Scenario
from sim.scenario.source import Source, load_yaml
from sim.scenario.warn import check_warnings


def _key_homes() -> dict[str, list[str]]:
    """Where each key of the scenario format is written: key → the sections holding it
    (`outbreaks`, `logistics.transfer_stations[]`, `firm_classes.<name>`)."""
    homes: dict[str, list[str]] = {}

    def models_in(annotation: Any, suffix: str = "") -> list[tuple[type[BaseModel], str]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [(annotation, suffix)]
        origin, args = get_origin(annotation), get_args(annotation)
        if origin in (list, tuple, Sequence):
            return [m for a in args for m in models_in(a, suffix + "[]")]
        if origin is dict and len(args) == 2:
            return models_in(args[1], suffix + ".<name>")
        return [m for a in args for m in models_in(a, suffix)]

    def walk(model: type[BaseModel], where: str, seen: frozenset[type[BaseModel]]) -> None:
        for name, f in model.model_fields.items():
            key = f.alias or name
            homes.setdefault(key, []).append(where or "the top level")
            for sub, suffix in models_in(f.annotation):
                if sub not in seen:
                    walk(sub, f"{where}.{key}{suffix}".lstrip("."), seen | {sub})

    walk(Scenario, "", frozenset({Scenario}))
    return homes


def _clean_loc(data: Any, loc: Sequence[Any]) -> KeyPath:
    """The part of a pydantic location that names real keys (drops union tags)."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif last and isinstance(node, dict) and isinstance(part, str):
            if not out or out[-1] != part:  # a distribution's tag is also its only key
                out.append(part)
        elif isinstance(part, str) and isinstance(node, dict | list):
            continue
        else:
            continue
    return tuple(out)


def _message(err: Any, homes: dict[str, list[str]]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        places = homes.get(key, [])
        if 0 < len(places) <= 3:
            return f"unknown key '{key}' here; it belongs in " + " or ".join(places)
        if places:
            return f"unknown key '{key}' here"
        close = difflib.get_close_matches(key, sorted(homes), n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "required key is missing"
    return f"{pydantic_message(err)}; found {shown(err.get('input'))}"


def problems_from_validation(e: ValidationError, source: Source) -> list[Problem]:
    """Pydantic errors as located Problems.

    A typo such as `baseline_ouput` makes two pydantic errors: the unknown key
    and the required `baseline_output` it was meant to be. Only the typo is
    reported, with the missing key as its suggestion.
    """
    homes = _key_homes()
    errors = e.errors()
    paths = [_clean_loc(source.data, err["loc"]) for err in errors]
    missing = {p for p, err in zip(paths, errors, strict=True) if err["type"] == "missing" and p}
    meant: dict[KeyPath, str] = {}
    for path, err in zip(paths, errors, strict=True):
        if err["type"] == "extra_forbidden" and path:
            siblings = sorted(str(m[-1]) for m in missing if m[:-1] == path[:-1])
            close = difflib.get_close_matches(str(path[-1]), siblings, n=1, cutoff=0.6)
            if close:
                meant[path] = close[0]
    explained = {(*path[:-1], key) for path, key in meant.items()}
    out = []
    for path, err in zip(paths, errors, strict=True):
        if err["type"] == "missing" and path in explained:
            continue
        if path in meant and err["type"] == "extra_forbidden":
            message = f"unknown key '{path[-1]}' (did you mean '{meant[path]}'?)"
        else:
            message = _message(err, homes)
        out.append(_located(source, path, message))
    return out


def _located(source: Source, path: KeyPath, message: str) -> Problem:
    mark = source.mark_for(path)
    if mark is None:
        return Problem(message, path=path)
    return Problem(message, path=path, file=mark.file, line=mark.line, column=mark.column)


def _read_registries(
    data: dict[str, Any], scenario_file: Path | None
) -> tuple[dict[int, Ledger], list[Problem]]:
    """The file of each registry (read once: for cross-references, then for
    expansion), and problems reading them, within the budget's bytes and firms.

    A file that cannot be read is reported with the scenario's own problems, so
    a missing file is not mistaken for dangling references to its firms. An
    entry the schema refuses is not read (the schema's problem says why).
    """
    out: dict[int, Ledger] = {}
    problems: list[Problem] = []
    regs = data.get("registry")
    if not isinstance(regs, list):
        return out, problems
    limits = budget.limits_of(data)
    for i, raw in enumerate(regs):
        try:
            reg = Registry.model_validate(raw)
        except ValidationError:
            continue
        ledger, probs = read_ledger(
            registry_path(scenario_file, reg.file),
            registry_label(scenario_file, reg.file),
            ledger_options(reg),
            max_bytes=limits.registry_bytes,
            max_rows=budget.max_firms(limits),
        )
        problems.extend(probs)
        out[i] = ledger
    return out, problems


def _relocate(source: Source, problem: Problem) -> Problem:
    """A problem known only by key path, located in the scenario text."""
    if problem.file is not None or not problem.path:
        return problem
    return _located(source, problem.path, problem.message)


def _endless_reviews(scenario: Scenario, source: Source) -> list[Problem]:
    """A review that always fails, with reviews and rectification that can take no time,
    would loop forever at one instant of the simulation (the run would hang)."""
    r = scenario.reopening
    if r.fail_prob < 1 or dist_min(r.review_days) + dist_min(r.rectify_days) > 0:
        return []
    return [
        _located(
            source,
            ("reopening", "fail_prob"),
            "with fail_prob 1 every review fails, and review_days and rectify_days can "
            "both be 0, so a firm would fail and re-apply forever at one instant; "
            "make fail_prob less than 1 or give reviews or rectification some time",
        )
    ]


def _check_mapping(source: Source) -> None:
    """A scenario's top level is a mapping of sections; say so at the file's first line."""
    if isinstance(source.data, dict):
        return
    mark = source.mark_for(())
    kind = {list: "a list", str: "text", type(None): "nothing"}.get(
        type(source.data), f"a single value ({shown(source.data)})"
    )
    raise ScenarioError(
        [
            Problem(
                f"a scenario must be a mapping of sections (name:, regions:, ...); found {kind}",
                file=mark.file if mark else None,
                line=mark.line if mark else None,
            )
        ]
    )


def _start_levels(scenario: Scenario, source: Source) -> list[Problem]:
    """Zones start at `normal` (until their timeline's first entry): custom
    `control_levels` without one need every timeline to start at day 0."""
    if "normal" in scenario.control_levels:
        return []
    problems = []
    for i, region in enumerate(scenario.regions):
        if region.timeline and region.timeline[0].day == 0:
            continue
        where: KeyPath = ("regions", i, "timeline") if region.timeline else ("regions", i)
        first = ""
        if region.timeline:
            first = f" (its first entry is on day {region.timeline[0].day:g})"
        problems.append(
            _located(
                source,
                where,
                f"zone {shown(region.id)} starts at level `normal`{first}, and "
                "`control_levels` defines no `normal`; define one, or start the "
                "zone's timeline at day 0",
            )
        )
    return problems


def validate_source(source: Source, scenario_file: Path | None) -> Park:
    """Check a parsed scenario (schema, budget and references), then expand it into a
    Park whose `warnings` list what is legal but probably not meant."""
    _check_mapping(source)
    data: dict[str, Any] = source.data
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems.extend(problems_from_validation(e, source))
    registries, registry_problems = _read_registries(data, scenario_file)
    problems.extend(registry_problems)
    rows = {i: len(r.rows) for i, r in registries.items()}
    # Before ids are generated for cross-references or firms expanded: both take
    # memory in proportion to the firms a scenario makes.
    planned = budget.check_planned(data, rows, data.get("days"), data.get("replications"))
    if planned:
        raise ScenarioError([*problems, *(_relocate(source, p) for p in planned)])
    locate = partial(_located, source)
    problems.extend(check_references(data, locate, {i: r.rows for i, r in registries.items()}))
    if scenario is not None:
        problems.extend(_endless_reviews(scenario, source))
        problems.extend(_start_levels(scenario, source))
    if problems or scenario is None:
        raise ScenarioError(problems)
    try:
        park = expand(scenario, scenario_file, registries)
    except ScenarioError as e:
        raise ScenarioError(_relocate(source, p) for p in e.problems) from None
    problems = _trucks_per_day(park, source) or budget.check(park, data, rows, locate)
    if problems:
        raise ScenarioError(problems)
    days_mark = source.mark_for(("days",))
    shortened = days_mark is not None and days_mark.file.startswith("--set")
    warnings = sorted(
        check_warnings(park, locate, shortened=shortened),
        key=lambda p: (p.file or "", p.line or 0, p.column or 0),
    )
    return dataclasses.replace(park, warnings=tuple(warnings))


def render_warnings(warnings: Sequence[Problem]) -> str:
    """Warnings one per line, as `warning: file:line:col: key.path: why`."""
    return "\n".join(f"warning: {w}" for w in warnings)


def print_warnings(park: Park, file: TextIO | None = None) -> None:
    """Print a loaded park's warnings (stderr by default), if it has any."""
    if park.warnings:
        print(render_warnings(park.warnings), file=file if file is not None else sys.stderr)


MAX_TRUCKS_PER_DAY_OF_INPUT = 1000
"""More trucks than this for one day of one firm's input means `truck_load` is in
the wrong unit (every truck is a separate trip through a station)."""


def _many(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "more than 1e+308"


def _trucks_per_day(park: Park, source: Source) -> list[Problem]:
    """Refuse a `truck_load` so small that freight would move as millions of trips,
    where trips can happen at all (a station, and a level that asks for passes)."""
    sc = park.scenario
    lg = sc.logistics
    if not lg.transfer_stations or not any(c.freight_pass for c in sc.control_levels.values()):
        return []
    need, firm = max(
        ((i.per_output * f.baseline_output, f.id) for f in park.firms for i in f.inputs),
        default=(0.0, ""),
    )
    if need / lg.truck_load <= MAX_TRUCKS_PER_DAY_OF_INPUT:
        return []
    return [
        _located(
            source,
            ("logistics", "truck_load"),
            f"one day of input for firm {shown(firm)} ({need:.3g}) would take "
            f"{_many(need / lg.truck_load)} trucks of {lg.truck_load:g}; give truck_load in "
            f"the units of output (at least {need / MAX_TRUCKS_PER_DAY_OF_INPUT:.3g}), or "
            "check that firm's baseline_output and per_output",
        )
    ]


def load_source(path: Path, policies: Sequence[Path] = (), sets: Sequence[str] = ()) -> Source:
    """The scenario file with overlays merged on in order, then each `--set` applied.

    The file must hold a mapping: otherwise that is the problem, at its line, not
    an overlay or a `--set` (`--days` is one) that cannot go into it."""
    source = load_yaml(path)
    _check_mapping(source)
    for p in policies:
        source = merge(source, load_yaml(p))
    for expr in sets:
        source = apply_set(source, expr)
    return source


def load_scenario(
    path: Path | str, policies: Sequence[Path | str] = (), sets: Sequence[str] = ()
) -> Park:
    """Load, merge, validate and expand a scenario; raises ScenarioError on bad input."""
    path = Path(path)
    overlays = tuple(Path(p) for p in policies)
    with collector_paused():
        source = load_source(path, overlays, sets)
        park = validate_source(source, path)
    return dataclasses.replace(park, loaded_from=(path, *overlays))
