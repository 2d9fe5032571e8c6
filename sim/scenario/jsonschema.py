"""The JSON Schema of scenario files and the key reference, both from `schema.py`.

`parksim schema` prints the schema (editors use it to autocomplete and check
scenario files); `scenarios/README.md` embeds `reference_markdown()` so the
documentation of every key cannot drift from the code (a test checks it). Both say
what a key declares or refers to (`refs.field_note`, from the schema's marks).
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel

from sim.scenario import dates, refs, schema
from sim.scenario.dists import Dist

SCHEMA_ID = "https://parksim.invalid/scenario.schema.json"


def scenario_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a scenario file."""
    out = schema.Scenario.model_json_schema(by_alias=True)
    for model, name in dict.fromkeys((m, f) for m, f, _ in refs.marks(schema.Scenario)):
        where = out if model is schema.Scenario else out["$defs"][model.__name__]
        field = model.model_fields[name]
        prop = where["properties"][field.alias or name]
        prop["description"] = _describe(model, name)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **out}


def schema_text() -> str:
    """The schema as committed in `sim/scenario/scenario.schema.json`."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


_DIST_UNION = typing.get_args(Dist)[0]
"""The union of distribution models under `dists.Dist`'s annotations."""


def _without_day(tp: Any) -> Any:
    """`tp` with the day mark's annotation layer taken off (`Day` → float)."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        if any(isinstance(m, dates.DayMark) for m in meta):
            return base
    return tp


def _is_dist(tp: Any) -> bool:
    """Whether `tp` is the distribution syntax (possibly annotated with bounds)."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return bool(tp == _DIST_UNION)


def _type_name(tp: Any) -> str:
    bare = _without_day(tp)
    if bare is not tp:
        inner = _type_name(bare)
        return "day or date" + (" or distribution" if "distribution" in inner else "")
    if _is_dist(tp):
        return "number or distribution"
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = tuple(a for a in typing.get_args(tp) if a is not type(None))
        if any(_is_dist(a) for a in args):
            return "number or distribution"
        names = [_type_name(a) for a in args]
        return " or ".join(dict.fromkeys(names))
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(tp))
    if origin in (list, tuple):
        (arg,) = typing.get_args(tp)[:1] or (Any,)
        return f"list of {_type_name(arg)}"
    if origin is dict:
        _, val = typing.get_args(tp)
        return f"map of name → {_type_name(val)}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    return {int: "integer", float: "number", str: "text", bool: "true/false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        val = field.default_factory()
        if isinstance(val, dict) and val and isinstance(next(iter(val.values())), BaseModel):
            return "see below"
        if isinstance(val, list) and val and isinstance(val[0], BaseModel):
            return "`" + json.dumps([v.model_dump(mode="json") for v in val]) + "`"
        return f"`{json.dumps(val)}`"
    val = field.default
    if isinstance(val, BaseModel):
        dumped = val.model_dump(mode="json")
        return "defaults" if isinstance(dumped, dict) else f"`{json.dumps(dumped)}`"
    return f"`{json.dumps(val, default=str)}`"


def _number(x: float) -> str:
    """A bound as a planner reads it: 100,000 or 0.5."""
    if isinstance(x, int) or float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:g}"


def _bounds(field: Any) -> str:
    """The range a field accepts, from its constraints: ` (0–100,000)`, ` (> 0)`."""
    lo = hi = None
    lo_open = False
    metadata = list(field.metadata)
    annotation = field.annotation
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    for arg in typing.get_args(annotation) if union else ():  # `X | None`: X's constraints
        if typing.get_origin(arg) is typing.Annotated:
            for m in typing.get_args(arg)[1:]:
                metadata.extend([m, *getattr(m, "metadata", [])])
    for m in metadata:
        if getattr(m, "ge", None) is not None:
            lo = m.ge
        if getattr(m, "gt", None) is not None:
            lo, lo_open = m.gt, True
        if getattr(m, "le", None) is not None:
            hi = m.le
        if getattr(m, "max_length", None) is not None and hi is None:
            base = typing.get_origin(annotation)
            unit = "entries" if base in (list, dict) else "characters"
            return f" (at most {_number(m.max_length)} {unit})"
    extra: dict[str, Any] = {}
    for m in (field, *metadata):  # distributions carry their range for the JSON Schema
        if isinstance(getattr(m, "json_schema_extra", None), dict):
            extra |= m.json_schema_extra
    lo = extra.get("minimum", lo)
    hi = extra.get("maximum", hi)
    if lo is None and hi is None:
        return ""
    if hi is None:
        assert lo is not None
        return f" ({'>' if lo_open else '≥'} {_number(lo)})"
    if lo is None:
        return f" (≤ {_number(hi)})"
    return f" ({'> ' if lo_open else ''}{_number(lo)}{' and ≤ ' if lo_open else '–'}{_number(hi)})"


SECTIONS = (
    schema.Scenario,
    schema.ControlLevel,
    schema.Region,
    schema.LevelChange,
    schema.Enterprise,
    schema.Input,
    schema.FirmClass,
    schema.InputRule,
    schema.Generate,
    schema.Registry,
    schema.Scale,
    schema.Supplier,
    schema.Supply,
    schema.Coordination,
    schema.Logistics,
    schema.TransferStation,
    schema.PassGrant,
    schema.Reopening,
    schema.PriorityGroup,
    schema.ApplyDaysRule,
    schema.WhitelistBatch,
    schema.TopN,
    schema.Approval,
    schema.ApprovalEligibility,
    schema.Liaison,
    schema.MutualRecognition,
    schema.ContinuityRule,
    schema.Workforce,
    schema.ReturnPoint,
    schema.CharteredBus,
    schema.Origin,
    schema.Housing,
    schema.HotelBeds,
    schema.WorkforceClass,
    schema.IndustrialPark,
    schema.ParkWorkforce,
    schema.Corridor,
    schema.Outbreaks,
    schema.LevelRaise,
    schema.RatePoint,
    schema.ScreeningPhase,
    schema.Finance,
    schema.Relief,
    schema.ReliefMeasure,
    schema.Eligibility,
    schema.Demand,
    schema.FinalDemand,
    schema.DemandPoint,
    schema.Reporting,
    schema.Observation,
    schema.Limits,
)


def _describe(model: type[BaseModel], name: str) -> str:
    """A field's description: its docstring, then what it declares or refers to."""
    doc = model.model_fields[name].description or ""
    return " ".join(part for part in (doc, refs.field_note(model, name)) if part)


def reference_markdown() -> str:
    """Every key of every section: type, default, meaning and unit (generated)."""
    parts = []
    for model in SECTIONS:
        doc = (model.__doc__ or "").strip().splitlines()[0]
        parts.append(f"### {model.__name__}\n\n{doc}\n")
        parts.append("| key | type | default | meaning |\n|---|---|---|---|")
        for name, f in model.model_fields.items():
            key = f.alias or name
            desc = " ".join(_describe(model, name).split()).replace("|", "\\|")
            kind = _type_name(f.annotation)
            if dates.is_day_field(f) and not kind.startswith("day"):
                kind = "day or date" + (" or distribution" if "distribution" in kind else "")
            kind += _bounds(f)
            parts.append(f"| `{key}` | {kind} | {_default(f)} | {desc} |")
        parts.append("")
    return "\n".join(parts)
