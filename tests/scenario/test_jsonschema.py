"""The JSON Schema editors use agrees with what the loader accepts and rejects."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sim.scenario.jsonschema import scenario_schema
from sim.scenario.source import load_yaml

ROOT_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEMO = ROOT_SCENARIOS / "demo_park.yaml"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = scenario_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def demo() -> Any:
    return copy.deepcopy(load_yaml(DEMO).data)


def errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_schema_is_valid_json_schema_2020_12() -> None:
    schema = scenario_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "regions"}


def test_demo_scenario_validates(validator: Draft202012Validator, demo: Any) -> None:
    assert errors(validator, demo) == []


def test_shipped_scenarios_validate_against_the_schema(validator: Draft202012Validator) -> None:

    for path in sorted(ROOT_SCENARIOS.glob("*.yaml")):
        assert errors(validator, load_yaml(path).data) == [], path.name


def test_from_accepts_one_id_or_a_list(validator: Draft202012Validator, demo: Any) -> None:
    demo["enterprises"][0]["inputs"][0]["from"] = ["packco", "medmask"]
    assert errors(validator, demo) == []
    demo["enterprises"][0]["inputs"][0]["from"] = 3
    assert errors(validator, demo) != []


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["enterprises"][0].update(baseline_ouput=3), "enterprises/0"),
        (lambda d: d.update(replication=3), ""),
        (lambda d: d["reopening"]["liaison"].update(speeddup=2), "reopening/liaison"),
        (lambda d: d["firm_classes"]["food"].update(tag_share={"x": 1}), "firm_classes/food"),
    ],
    ids=["firm", "top", "nested", "class"],
)
def test_unknown_keys_fail(validator: Draft202012Validator, demo: Any, edit, where: str) -> None:
    edit(demo)
    found = [e for e in validator.iter_errors(demo) if "additional" in e.message.lower()]
    assert found, errors(validator, demo)
    assert any("/".join(map(str, e.absolute_path)) == where for e in found)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["enterprises"][0].update(migrant_share=1.5),
        lambda d: d["suppliers"][0].update(capacity=-5),
        lambda d: d.update(days=0),
        lambda d: d.update(replications=0),
        lambda d: d["reopening"].update(review_days={"gamma": {"k": 1}}),
        lambda d: d["reopening"].update(review_days={"uniform": {"from": 1, "too": 2}}),
        lambda d: d["reopening"].update(review_days=True),
        lambda d: d["enterprises"][0].update(staff="ten"),
        lambda d: d.update(control_levels={"x": {"operate": "sometimes"}}),
        lambda d: d.pop("regions"),
    ],
    ids=[
        "share",
        "capacity",
        "days",
        "replications",
        "dist-kind",
        "dist-key",
        "bool-dist",
        "type",
        "literal",
        "required",
    ],
)
def test_values_the_loader_rejects_fail(validator: Draft202012Validator, demo: Any, edit) -> None:
    edit(demo)
    assert errors(validator, demo)


def test_distributions_in_the_schema(validator: Draft202012Validator, demo: Any) -> None:
    for value in (
        2,
        0.5,
        {"uniform": {"from": 1, "to": 2}},
        {"triangular": {"from": 1, "mode": 2, "to": 3}},
        {"normal": {"mean": 1, "sd": 0.5, "min": 0}},
        {"lognormal": {"median": 1, "sigma": 0.2}},
        {"exponential": {"mean": 1}},
        {"choice": {"values": [1, 2], "weights": [1, 3]}},
    ):
        demo["reopening"]["review_days"] = value
        demo["enterprises"][0]["inputs"][0]["from"] = ["packco"]
        demo["enterprises"][1]["inputs"][0]["from"] = ["packco"]
        assert not [e for e in errors(validator, demo) if e.startswith("reopening")], value
