"""The scenario models: defaults, immutability, and the demo scenario."""

from __future__ import annotations

import types
import typing
from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.scenario.dists import Fixed, Triangular
from sim.scenario.load import load_scenario
from sim.scenario.schema import (
    MAX_DAYS,
    ControlLevel,
    Enterprise,
    Frozen,
    Input,
    InputRule,
    Region,
    Reopening,
    Scenario,
    Supply,
    Workforce,
    default_levels,
)
from sim.scenario.source import load_yaml

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo_park.yaml"
MINIMAL = {
    "name": "m",
    "regions": [{"id": "park"}],
    "enterprises": [{"id": "a", "sector": "s", "region": "park", "baseline_output": 2, "staff": 5}],
}


def test_three_default_control_levels() -> None:
    levels = default_levels()
    assert list(levels) == ["lockdown", "controlled", "normal"]
    lock, controlled, normal = levels.values()
    assert (lock.operate, lock.closed_loop_only, lock.commuting) == ("whitelist", True, False)
    assert (lock.freight_pass, lock.review, lock.rank) == (True, True, 2)
    assert (controlled.operate, controlled.freight_pass, controlled.rank) == ("apply", True, 1)
    assert controlled.commuting and not controlled.closed_loop_only
    assert (normal.operate, normal.review, normal.freight_pass, normal.rank) == (
        "all",
        False,
        False,
        0,
    )
    assert all(level.output_cap == 1.0 for level in levels.values())


def test_a_scenario_gets_the_default_levels_and_sections() -> None:
    sc = Scenario.model_validate(MINIMAL)
    assert sc.control_levels == default_levels()
    assert (sc.days, sc.seed, sc.replications) == (120, 1, 10)
    assert sc.supply == Supply()
    assert (sc.supply.stock_days, sc.supply.reorder_days, sc.supply.order_up_to_days) == (7, 5, 10)
    assert sc.reopening.service_teams == 5
    assert sc.reopening.review_days == Fixed(value=1)
    assert [(p.day, p.share) for p in sc.workforce.migrant_return] == [(0, 1.0)]
    assert sc.regions[0].timeline == []
    firm = sc.enterprises[0]
    assert (firm.migrant_share, firm.dorm_beds, firm.closed_loop, firm.tags) == (0, 0, False, [])
    assert firm.ramp_days is None


def test_defaults_are_not_shared_between_scenarios() -> None:
    a = Scenario.model_validate(MINIMAL)
    b = Scenario.model_validate(MINIMAL)
    assert a.control_levels is not b.control_levels
    assert a.workforce.migrant_return == b.workforce.migrant_return


def test_models_are_frozen() -> None:
    sc = Scenario.model_validate(MINIMAL)
    with pytest.raises(ValidationError, match="frozen"):
        sc.days = 3  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        sc.enterprises[0].staff = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        sc.control_levels["lockdown"].output_cap = 0.5  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        sc.reopening.review_days.value = 2  # type: ignore[union-attr]
    assert sc.days == 120


def test_unknown_keys_are_rejected_everywhere() -> None:
    with pytest.raises(ValidationError, match="baseline_ouput"):
        Enterprise(id="a", sector="s", region="p", baseline_ouput=1, staff=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="extra_forbidden"):
        ControlLevel.model_validate({"operate": "all", "opreate": "all"})
    with pytest.raises(ValidationError, match="extra_forbidden"):
        Scenario.model_validate({**MINIMAL, "replication": 3})


def test_from_and_class_are_the_yaml_names() -> None:
    inp = Input.model_validate({"good": "x", "from": "sup", "per_output": 1})
    assert inp.sources == ["sup"]  # one source may be written without a list
    assert inp.model_dump(by_alias=True)["from"] == ["sup"]
    assert Input.model_validate({"good": "x", "from": ["a", "b"], "per_output": 1}).sources == [
        "a",
        "b",
    ]
    with pytest.raises(ValidationError):
        Input.model_validate({"good": "x", "from": [], "per_output": 1})


def test_an_input_rule_needs_some_source() -> None:
    with pytest.raises(ValidationError, match="give `from`"):
        InputRule.model_validate({"good": "x", "per_output": 1})
    rule = InputRule.model_validate({"good": "x", "from_sector": "s", "per_output": 1})
    assert rule.links == Fixed(value=1)


def test_ids_must_be_plain_names() -> None:
    for bad in ("", "two words", "a,b", "x=1", "a[0]", "x" * 101):
        with pytest.raises(ValidationError):
            Region(id=bad)


def test_timeline_accepts_equal_days() -> None:
    r = Region.model_validate(
        {"id": "p", "timeline": [{"day": 0, "level": "a"}, {"day": 0, "level": "b"}]}
    )
    assert [c.level for c in r.timeline] == ["a", "b"]


def test_migrant_return_must_be_monotone() -> None:
    with pytest.raises(ValidationError, match="non-decreasing"):
        Workforce.model_validate(
            {"migrant_return": [{"day": 0, "share": 0.5}, {"day": 5, "share": 0.2}]}
        )
    with pytest.raises(ValidationError, match="at least one point"):
        Workforce.model_validate({"migrant_return": []})


def test_demo_scenario_validates_and_expands_to_38_firms() -> None:
    sc = Scenario.model_validate(load_yaml(DEMO).data)
    assert sc.name == "demo_park"
    assert str(sc.start_date) == "2022-04-01"
    assert (sc.days, sc.seed, sc.replications) == (120, 7, 10)
    assert [r.id for r in sc.regions] == ["park", "shanghai", "jiangsu"]
    assert isinstance(sc.reopening.review_days, Triangular)
    park = load_scenario(DEMO)
    assert len(park.firms) == 38
    assert len({f.id for f in park.firms}) == 38
    assert Counter(f.sector for f in park.firms) == {
        "pharma": 4,
        "electronics": 10,
        "auto_parts": 14,
        "food": 10,
    }
    assert park.scenario == sc


def test_a_validated_scenario_dumps_and_reads_back_equal() -> None:
    sc = load_scenario(DEMO).scenario
    again = Scenario.model_validate(sc.model_dump(by_alias=True))
    assert again == sc
    assert Reopening.model_validate(Reopening().model_dump(by_alias=True)) == Reopening()


# --- upper bounds of distributions ----------------------------------------------------


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    """`model` and every section model reachable from its fields."""

    def walk(tp: object) -> None:
        if isinstance(tp, type) and issubclass(tp, Frozen) and tp not in seen:
            _models(tp, seen)
        for arg in typing.get_args(tp):
            walk(arg)

    seen.add(model)
    for f in model.model_fields.values():
        walk(f.annotation)
    return seen


DIST_FIELDS = sorted(
    (
        (m.__name__, name, f.rebuild_annotation())
        for m in _models(Scenario, set())
        for name, f in m.model_fields.items()
        if "dists.Fixed" in str(f.rebuild_annotation())
    ),
    key=lambda t: t[:2],
)


def test_the_walk_finds_the_distribution_fields() -> None:
    found = {(m, n) for m, n, _ in DIST_FIELDS}
    assert {("Reopening", "review_days"), ("FirmClass", "staff"), ("InputRule", "links")} <= found
    assert len(found) >= 19  # as of writing


@pytest.mark.parametrize(
    "value",
    [
        {"triangular": {"from": 1, "mode": 1, "to": 1e300}},  # numpy's triangular overflows
        {"uniform": {"from": 1, "to": 1e300}},
        1e300,
        {"choice": {"values": [1, 1e300]}},
        {"normal": {"mean": 1, "sd": 1e300, "min": 1}},
        {"lognormal": {"median": 1, "sigma": 300}},
        {"exponential": {"mean": 1e300}},
    ],
    ids=["triangular", "uniform", "fixed", "choice", "normal", "lognormal", "exponential"],
)
@pytest.mark.parametrize("annotation", [pytest.param(a, id=f"{m}.{n}") for m, n, a in DIST_FIELDS])
def test_every_distribution_field_refuses_astronomical_draws(annotation, value):
    adapter = TypeAdapter(annotation)
    adapter.validate_python(1)  # in range for every field (shares, links, delays)
    # refused for its upper end (or, for `links` >= 1, a lognormal's or exponential's 0)
    with pytest.raises(ValidationError, match=r"above the|below the allowed minimum 1"):
        adapter.validate_python(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ({"triangular": {"from": 1, "mode": 2, "to": MAX_DAYS}}, True),
        ({"triangular": {"from": 1, "mode": 2, "to": MAX_DAYS + 1}}, False),
        # a heavy tail is fine while 1 draw in 10^12 stays below the limit
        ({"exponential": {"mean": 3000}}, True),  # 10^-12 quantile: 82,893 days
        ({"exponential": {"mean": 4000}}, False),  # 110,524 days
        ({"lognormal": {"median": 6, "sigma": 1.3}}, True),  # 56,195 days
        ({"lognormal": {"median": 6, "sigma": 1.5}}, False),  # 229,460 days
        ({"normal": {"mean": 10, "sd": 20_000, "min": 0}}, False),  # 140,700 days
        ({"normal": {"mean": 10, "sd": 20_000, "min": 0, "max": 500}}, True),
    ],
)
def test_durations_stay_within_100_000_days_save_a_negligible_tail(value, ok) -> None:
    data = {"review_days": value}
    if ok:
        Reopening.model_validate(data)
        return
    with pytest.raises(ValidationError) as info:
        Reopening.model_validate(data)
    (err,) = info.value.errors()
    assert err["loc"][0] == "review_days"
    assert "100000" in err["msg"]
    if "normal" in value:
        assert "add `max:` to the normal" in err["msg"]


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if model.__module__ == "sim.scenario.dists":
        return  # a distribution's parameters are bounded by the field that holds it
    seen.add(model)
    for f in model.model_fields.values():
        for sub in _nested(f.annotation):
            if sub not in seen:
                _models(sub, seen)


def _nested(tp: object) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in typing.get_args(tp) for m in _nested(a)]


def _upper_bound(f: typing.Any) -> float | None:
    """The `le` (or a distribution's `maximum`) of a field, looking inside `X | None`."""
    metas = [f, *f.metadata]
    for arg in typing.get_args(f.annotation):
        if typing.get_origin(arg) is typing.Annotated:
            for m in typing.get_args(arg)[1:]:
                metas.extend([m, *getattr(m, "metadata", [])])
    for m in metas:
        if getattr(m, "le", None) is not None:
            return m.le
        extra = getattr(m, "json_schema_extra", None)
        if isinstance(extra, dict) and "maximum" in extra:
            return extra["maximum"]
    return None


def _numeric(tp: object) -> bool:
    if tp in (int, float):
        return True
    if typing.get_origin(tp) is typing.Annotated:
        return _numeric(typing.get_args(tp)[0])
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return (
        typing.get_origin(tp) in (typing.Union, types.UnionType)
        and len(args) == 1
        and (_numeric(args[0]))
    )


def test_every_plain_number_in_the_schema_has_an_upper_bound() -> None:
    # Issue 13: an unbounded number (quarantine_days: 1e15, a subsidy of 1e308) either
    # sized memory or overflowed to inf in summary.json. Distribution fields carry their
    # bound as the JSON Schema's `maximum`.
    models: set[type[BaseModel]] = set()
    _models(Scenario, models)
    unbounded = sorted(
        f"{m.__name__}.{name}"
        for m in models
        for name, f in m.model_fields.items()
        if (_numeric(f.annotation) or "Dist" in str(f.annotation) or "Fixed" in str(f.annotation))
        and _upper_bound(f) is None
    )
    assert unbounded == []


# --- documented defaults and ranges (issue 18) -------------------------------------

NOT_LEVERS = {
    "Scenario": "run settings (horizon, seed, replications)",
    "Limits": "budgets on the size of a run, not the park",
    "Scale": "a size knob for synthetic parks",
    "Generate": "how many firms a class makes: the park itself",
    "Reporting": "how metrics are read off the curves",
    "Observation": "published figures to compare with, not inputs",
}
"""Sections whose numbers are not levers or guesses about the park, and why."""


def _a_number(f: object) -> bool:
    tp = f.annotation  # type: ignore[attr-defined]
    if typing.get_origin(tp) is dict:
        tp = typing.get_args(tp)[1]
    return _numeric(tp) or "Dist" in str(tp) or "Fixed" in str(tp)


def test_every_lever_says_its_typical_range_or_why_it_has_none() -> None:
    """Every number a planner sets or guesses has `Typical: <range>`, `Typical: none ...`
    (with the reason) or `Typical: as <other key>` in its description, which the JSON
    Schema and the key reference carry. Days of the scenario's own timeline are exempt."""
    from sim.scenario import dates

    models: set[type[BaseModel]] = set()
    _models(Scenario, models)
    missing = []
    checked = 0
    for m in models:
        if m.__name__ in NOT_LEVERS:
            continue
        for name, f in m.model_fields.items():
            if not _a_number(f) or dates.is_day_field(f):
                continue
            checked += 1
            doc = " ".join((f.description or "").split())
            typical = doc.partition("Typical: ")[2]
            if not (
                typical[:1].isdigit()
                or typical.startswith(("about ", "a few", "one ", "hundreds", "as `"))
                or (typical.startswith("none") and len(typical) > len("none, x."))
            ):
                missing.append(f"{m.__name__}.{name}: {typical[:30]!r}")
    assert missing == []
    assert checked > 90


def test_the_defaults_and_words_a_planner_needs_are_documented() -> None:
    from sim.scenario.jsonschema import scenario_schema
    from sim.scenario.schema import KNOWN_TAGS, Logistics

    levels = " ".join((Scenario.model_fields["control_levels"].description or "").split())
    for phrase in (
        "`lockdown` lets only white-listed firms that can run closed-loop operate",
        "`controlled` lets any firm that applies operate after an on-site review",
        "`normal` lets every firm operate at once, with no review and no pass",
    ):
        assert phrase in levels
    lock, controlled, normal = default_levels().values()
    assert (lock.operate, lock.closed_loop_only, lock.commuting) == ("whitelist", True, False)
    assert (controlled.operate, normal.operate, normal.review) == ("apply", "all", False)
    tags = Enterprise.model_fields["tags"].description or ""
    assert [t for t in KNOWN_TAGS if f"`{t}`" not in tags] == []
    back = " ".join((Workforce.model_fields["migrant_return"].description or "").split())
    assert "Absent: every migrant is back on day 0" in back
    passes = " ".join((Logistics.model_fields["passes_per_day"].description or "").split())
    assert "A route is one source" in passes
    station = scenario_schema()["$defs"]["TransferStation"]["properties"]["handling_hours"]
    assert "Typical: 2–4 h a trip" in " ".join(station["description"].split())


def test_every_observed_metric_is_a_daily_curve_of_the_park() -> None:
    """A published figure names a curve that timeseries.csv has (group `park`), so the
    plots can draw it and a calibration can fit it; 复工率 is `resumed`."""
    import typing

    from sim.metrics import SHARE_METRICS
    from sim.scenario.schema import Observation

    allowed = typing.get_args(Observation.model_fields["metric"].annotation)
    assert "resumed" in allowed
    assert set(allowed) <= set(SHARE_METRICS)
