"""The cross-reference walker: ids declared in the schema, checked in one pass.

Most tests run `check_references` on plain data with a `locate` that keeps the key
path, so each asserts the exact path and message; `test_load_errors.py` has the
same messages located at file, line and column through the loader.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from sim.scenario import refs, schema
from sim.scenario.errors import KeyPath, Problem, ScenarioError
from sim.scenario.ids import Declares, Kind, Provides, Ref
from sim.scenario.jsonschema import reference_markdown, scenario_schema
from sim.scenario.load import load_scenario
from sim.scenario.refs import check_references, declared, field_note
from sim.scenario.schema import (
    FIRM,
    REGION,
    SECTOR,
    TAG,
    Frozen,
    Ident,
    Scenario,
)

Found = dict[KeyPath, str]


def locate(path: KeyPath, message: str) -> Problem:
    return Problem(message, path=path)


def found(data: Any, registry_rows: Any = None, model: type[BaseModel] = Scenario) -> Found:
    problems = check_references(data, locate, registry_rows, model=model)
    out = {p.path: p.message for p in problems}
    assert len(out) == len(problems), "two problems at one key"
    return out


def park(**sections: Any) -> dict[str, Any]:
    """A valid park of two firms and a supplier, with `sections` replacing its own."""
    data: dict[str, Any] = {
        "name": "t",
        "regions": [{"id": "park"}, {"id": "out"}],
        "suppliers": [{"id": "sup", "region": "out", "capacity": 5}],
        "enterprises": [
            {"id": "a", "sector": "s", "region": "park", "baseline_output": 1, "staff": 1},
            {
                "id": "b",
                "sector": "s",
                "region": "park",
                "baseline_output": 1,
                "staff": 1,
                "inputs": [{"good": "x", "from": ["a", "sup"], "per_output": 1}],
            },
        ],
    }
    return data | copy.deepcopy(sections)


def test_a_valid_park_has_no_problems() -> None:
    assert found(park()) == {}
    Scenario.model_validate(park())


# --- every reference of the schema, dangling -------------------------------------

DANGLING = park(
    regions=[{"id": "park", "timeline": [{"day": 0, "level": "lockdwn"}]}, {"id": "out"}],
    firm_classes={
        "widget": {
            "sector": "w",
            "region": "parc",
            "tags": ["bakbone"],
            "tag_shares": {"livelyhood": 0.5},
            "inputs": [
                {
                    "good": "x",
                    "from": ["suq"],
                    "from_sector": "ww",
                    "from_parks": ["north"],
                    "per_output": 1,
                }
            ],
        }
    },
    parks=[{"id": "east", "zones": ["prk"]}, {"id": "west", "zones": ["out"]}],
    corridors=[{"id": "c", "between": ["east", "weest"], "stations": ["tt"]}],
    generate=[{"class": "widgit", "count": 2}],
    registry=[{"file": "firms.csv", "class": "wigdet", "classes": {"w": "widgte"}}],
    enterprises=[
        {
            "id": "a",
            "class": "widgett",
            "sector": "s",
            "region": "prak",
            "baseline_output": 1,
            "staff": 1,
            "tags": ["backbone", "supportin"],
            "inputs": [{"good": "x", "from": "sop", "alternative": "bb", "per_output": 1}],
        }
    ],
    suppliers=[{"id": "sup", "region": "mars", "capacity": 5}],
    supply={"coordination": {"suppliers": ["sub"]}},
    logistics={
        "grants": [{"day": 1, "firms": ["ab"]}],
        "transfer_stations": [
            {"id": "t", "serves": ["pak"], "park": "easst", "partner_for": ["aa"]}
        ],
    },
    reopening={
        "priority": ["livelihood", "backbon", {"class": "widgt"}],
        "liaison": {"tags": ["low_labour"]},
        "whitelists": [
            {
                "day": 1,
                "firms": ["widget0001"],
                "tags": ["spec"],
                "sectors": ["ss"],
                "parks": ["wset"],
            }
        ],
        "mutual_recognition": {"parks": ["south"]},
        "apply_days_by": [
            {"class": "wdget", "apply_days": 1},
            {"tags": ["livelihod"], "apply_days": 1},
            {"batch": "frist", "apply_days": 1},
        ],
        "approvals": [
            {
                "id": "first",
                "per_day": 1,
                "eligible": {
                    "classes": ["widge"],
                    "tags": ["backbne"],
                    "sectors": ["sw"],
                    "parks": ["eats"],
                },
            }
        ],
    },
    continuity=[
        {
            "classes": ["widgets"],
            "tags": ["specialised"],
            "sectors": ["sx"],
            "firms": ["aa"],
            "levels": ["lockd"],
            "share": 0.5,
        }
    ],
    outbreaks={"raise_level": {"cases": 1, "level": "lockdow"}},
    workforce={
        "origins": [{"region": "hubei", "share": 0.5}],
        "classes": {"widgt": {"local_return": [{"day": 0, "share": 1}]}},
    },
    finance={
        "relief": {
            "measures": [
                {
                    "id": "m",
                    "kind": "tax_cut",
                    "eligible": {"tags": ["lowlabor"], "sectors": ["w2"]},
                }
            ]
        }
    },
    demand={"final": [{"sectors": ["s", "w4"], "index": [{"day": 0, "value": 0.5}]}]},
    reporting={"key_firms": ["ba"]},
)

EXPECTED: list[tuple[type[BaseModel], str, KeyPath, str]] = [
    (
        schema.LevelChange,
        "level",
        ("regions", 0, "timeline", 0, "level"),
        "unknown control level 'lockdwn' (did you mean 'lockdown'?); "
        "defined: controlled, lockdown, normal",
    ),
    (
        schema.FirmClass,
        "region",
        ("firm_classes", "widget", "region"),
        "unknown region 'parc' (did you mean 'park'?)",
    ),
    (
        schema.FirmClass,
        "tags",
        ("firm_classes", "widget", "tags", 0),
        "unknown tag 'bakbone' (did you mean 'backbone'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.FirmClass,
        "tag_shares",
        ("firm_classes", "widget", "tag_shares", "livelyhood"),
        "unknown tag 'livelyhood' (did you mean 'livelihood'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.InputRule,
        "sources",
        ("firm_classes", "widget", "inputs", 0, "from", 0),
        "'suq' is neither a firm nor a supplier (did you mean 'sup'?)",
    ),
    (
        schema.InputRule,
        "from_sector",
        ("firm_classes", "widget", "inputs", 0, "from_sector"),
        "no firm, class or registry row has sector 'ww' (did you mean 'w'?); sectors: s, w",
    ),
    (
        schema.Enterprise,
        "firm_class",
        ("enterprises", 0, "class"),
        "unknown firm class 'widgett' (did you mean 'widget'?)",
    ),
    (
        schema.Enterprise,
        "region",
        ("enterprises", 0, "region"),
        "unknown region 'prak' (did you mean 'park'?)",
    ),
    (
        schema.Enterprise,
        "tags",
        ("enterprises", 0, "tags", 1),
        "unknown tag 'supportin' (did you mean 'supporting'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.Input,
        "sources",
        ("enterprises", 0, "inputs", 0, "from"),
        "'sop' is neither a firm nor a supplier (did you mean 'sup'?)",
    ),
    (
        schema.Input,
        "alternative",
        ("enterprises", 0, "inputs", 0, "alternative"),
        "'bb' is neither a firm nor a supplier",
    ),
    (
        schema.Generate,
        "firm_class",
        ("generate", 0, "class"),
        "unknown firm class 'widgit' (did you mean 'widget'?)",
    ),
    (
        schema.Registry,
        "firm_class",
        ("registry", 0, "class"),
        "unknown firm class 'wigdet' (did you mean 'widget'?)",
    ),
    (
        schema.Registry,
        "classes",
        ("registry", 0, "classes", "w"),
        "unknown firm class 'widgte' (did you mean 'widget'?)",
    ),
    (schema.Supplier, "region", ("suppliers", 0, "region"), "unknown region 'mars'"),
    (
        schema.Coordination,
        "suppliers",
        ("supply", "coordination", "suppliers", 0),
        "unknown supplier 'sub' (did you mean 'sup'?)",
    ),
    (
        schema.PassGrant,
        "firms",
        ("logistics", "grants", 0, "firms", 0),
        "unknown firm 'ab' (did you mean 'a'?)",
    ),
    (
        schema.TransferStation,
        "serves",
        ("logistics", "transfer_stations", 0, "serves", 0),
        "unknown region 'pak' (did you mean 'park'?)",
    ),
    (
        schema.TransferStation,
        "partner_for",
        ("logistics", "transfer_stations", 0, "partner_for", 0),
        "unknown firm 'aa' (did you mean 'a'?)",
    ),
    (
        schema.Reopening,
        "priority",
        ("reopening", "priority", 1),
        "unknown tag 'backbon' (did you mean 'backbone'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.Liaison,
        "tags",
        ("reopening", "liaison", "tags", 0),
        "unknown tag 'low_labour' (did you mean 'low_labor'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.WhitelistBatch,
        "firms",
        ("reopening", "whitelists", 0, "firms", 0),
        # `generate` names its firms after the class it names, even a misspelt one
        "unknown firm 'widget0001' (did you mean 'widgit0001'?)",
    ),
    (
        schema.WhitelistBatch,
        "tags",
        ("reopening", "whitelists", 0, "tags", 0),
        "unknown tag 'spec'; known tags: backbone, epidemic_supplies, foreign_invested, "
        "livelihood, low_labor, specialized, supply_security, supporting "
        "(declare new ones in `extra_tags`)",
    ),
    (
        schema.WhitelistBatch,
        "sectors",
        ("reopening", "whitelists", 0, "sectors", 0),
        "unknown sector 'ss' (did you mean 's'?); sectors: s, w",
    ),
    (
        schema.PriorityGroup,
        "firm_class",
        ("reopening", "priority", 2, "class"),
        "unknown firm class 'widgt' (did you mean 'widget'?)",
    ),
    (
        schema.ApplyDaysRule,
        "firm_class",
        ("reopening", "apply_days_by", 0, "class"),
        "unknown firm class 'wdget' (did you mean 'widget'?)",
    ),
    (
        schema.ApplyDaysRule,
        "tags",
        ("reopening", "apply_days_by", 1, "tags", 0),
        "unknown tag 'livelihod' (did you mean 'livelihood'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.ApplyDaysRule,
        "batch",
        ("reopening", "apply_days_by", 2, "batch"),
        "unknown white-list batch 'frist' (did you mean 'first'?)",
    ),
    (
        schema.ApprovalEligibility,
        "classes",
        ("reopening", "approvals", 0, "eligible", "classes", 0),
        "unknown firm class 'widge' (did you mean 'widget'?)",
    ),
    (
        schema.ApprovalEligibility,
        "tags",
        ("reopening", "approvals", 0, "eligible", "tags", 0),
        "unknown tag 'backbne' (did you mean 'backbone'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.ApprovalEligibility,
        "sectors",
        ("reopening", "approvals", 0, "eligible", "sectors", 0),
        "unknown sector 'sw' (did you mean 'w'?); sectors: s, w",
    ),
    (
        schema.ContinuityRule,
        "classes",
        ("continuity", 0, "classes", 0),
        "unknown firm class 'widgets' (did you mean 'widget'?)",
    ),
    (
        schema.ContinuityRule,
        "tags",
        ("continuity", 0, "tags", 0),
        "unknown tag 'specialised' (did you mean 'specialized'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.ContinuityRule,
        "sectors",
        ("continuity", 0, "sectors", 0),
        "unknown sector 'sx' (did you mean 's'?); sectors: s, w",
    ),
    (
        schema.ContinuityRule,
        "firms",
        ("continuity", 0, "firms", 0),
        "unknown firm 'aa' (did you mean 'a'?)",
    ),
    (
        schema.ContinuityRule,
        "levels",
        ("continuity", 0, "levels", 0),
        "unknown control level 'lockd' (did you mean 'lockdown'?); "
        "defined: controlled, lockdown, normal",
    ),
    (
        schema.LevelRaise,
        "level",
        ("outbreaks", "raise_level", "level"),
        "unknown control level 'lockdow' (did you mean 'lockdown'?); "
        "defined: controlled, lockdown, normal",
    ),
    (
        schema.Origin,
        "region",
        ("workforce", "origins", 0, "region"),
        "unknown region 'hubei'",
    ),
    (
        schema.Workforce,
        "classes",
        ("workforce", "classes", "widgt"),
        "unknown firm class 'widgt' (did you mean 'widget'?)",
    ),
    (
        schema.Eligibility,
        "tags",
        ("finance", "relief", "measures", 0, "eligible", "tags", 0),
        "unknown tag 'lowlabor' (did you mean 'low_labor'?); known tags: backbone, "
        "epidemic_supplies, foreign_invested, livelihood, low_labor, specialized, "
        "supply_security, supporting (declare new ones in `extra_tags`)",
    ),
    (
        schema.Eligibility,
        "sectors",
        ("finance", "relief", "measures", 0, "eligible", "sectors", 0),
        "unknown sector 'w2' (did you mean 'w'?); sectors: s, w",
    ),
    (
        schema.FinalDemand,
        "sectors",
        ("demand", "final", 0, "sectors", 1),
        "unknown sector 'w4' (did you mean 'w'?); sectors: s, w",
    ),
    (
        schema.Reporting,
        "key_firms",
        ("reporting", "key_firms", 0),
        "unknown firm 'ba' (did you mean 'a'?)",
    ),
    (
        schema.IndustrialPark,
        "zones",
        ("parks", 0, "zones", 0),
        "unknown region 'prk' (did you mean 'park'?)",
    ),
    (
        schema.Corridor,
        "between",
        ("corridors", 0, "between", 1),
        "unknown park 'weest' (did you mean 'west'?)",
    ),
    (
        schema.Corridor,
        "stations",
        ("corridors", 0, "stations", 0),
        "unknown station 'tt' (did you mean 't'?)",
    ),
    (
        schema.InputRule,
        "from_parks",
        ("firm_classes", "widget", "inputs", 0, "from_parks", 0),
        "unknown park 'north'",
    ),
    (
        schema.TransferStation,
        "park",
        ("logistics", "transfer_stations", 0, "park"),
        "unknown park 'easst' (did you mean 'east'?)",
    ),
    (
        schema.WhitelistBatch,
        "parks",
        ("reopening", "whitelists", 0, "parks", 0),
        "unknown park 'wset' (did you mean 'west'?)",
    ),
    (
        schema.MutualRecognition,
        "parks",
        ("reopening", "mutual_recognition", "parks", 0),
        "unknown park 'south'",
    ),
    (
        schema.ApprovalEligibility,
        "parks",
        ("reopening", "approvals", 0, "eligible", "parks", 0),
        "unknown park 'eats' (did you mean 'east'?)",
    ),
]
"""Each reference of the schema, the key path of its dangling name in DANGLING, and
the message (one (model, field) may appear twice: `tags` of a firm and of a class)."""


def test_every_dangling_reference_is_reported_at_its_key_with_its_message() -> None:
    got = found(DANGLING)
    assert got == {path: message for _, _, path, message in EXPECTED}


def test_the_dangling_case_covers_every_reference_field_of_the_schema() -> None:
    marked = {(m, f) for m, f, mark in refs.marks() if isinstance(mark, Ref)}
    assert marked == {(m, f) for m, f, _, _ in EXPECTED}, (
        "a reference field was added to the schema: add a dangling name for it to "
        "DANGLING and EXPECTED"
    )


def test_the_dangling_case_is_otherwise_a_valid_scenario() -> None:
    """Only references are wrong in DANGLING: the schema accepts it."""
    Scenario.model_validate(DANGLING)


# --- duplicates ------------------------------------------------------------------


def test_every_id_declared_unique_is_reported_when_given_twice() -> None:
    data = park(
        regions=[{"id": "park"}, {"id": "out"}, {"id": "park"}],
        suppliers=[
            {"id": "sup", "region": "out", "capacity": 5},
            {"id": "sup", "region": "out", "capacity": 1},
        ],
        logistics={"transfer_stations": [{"id": "t"}, {"id": "t"}]},
        reopening={
            "whitelists": [{"id": "w", "day": 1}, {"id": "w", "day": 2}, {"day": 3}],
            "approvals": [{"id": "w", "per_day": 1}, {"id": "d", "per_day": 1}],
        },
        finance={"relief": {"measures": [{"id": "m", "kind": "tax_cut"}] * 2}},
        continuity=[{"id": "c", "share": 1}, {"id": "c", "share": 0.5}],
    )
    data["enterprises"].append(dict(data["enterprises"][0]))
    data["enterprises"].append(dict(data["enterprises"][0], id="sup"))
    data["enterprises"][1]["inputs"].append({"good": "x", "from": "sup", "per_output": 2})
    assert found(data) == {
        ("regions", 2, "id"): "duplicate region id 'park'",
        ("suppliers", 1, "id"): "duplicate supplier id 'sup'",
        ("logistics", "transfer_stations", 1, "id"): "duplicate station id 't'",
        ("reopening", "whitelists", 1, "id"): "duplicate white-list batch id 'w'",
        ("reopening", "approvals", 0, "id"): "duplicate white-list batch id 'w'",
        ("continuity", 1, "id"): "duplicate continuity rule id 'c'",
        ("finance", "relief", "measures", 1, "id"): "duplicate relief measure id 'm'",
        ("enterprises", 2, "id"): "duplicate firm id 'a'",
        ("enterprises", 3, "id"): "firm id 'sup' is also a supplier id",
        ("enterprises", 1, "inputs", 1, "good"): "good 'x' is already input 0 of this recipe; "
        "give each good once (one line can have several `from`)",
    }


def test_a_good_is_unique_in_its_recipe_not_in_the_scenario() -> None:
    data = park()
    data["enterprises"][0]["inputs"] = [{"good": "x", "from": "sup", "per_output": 1}]
    assert found(data) == {}
    rule = {"good": "x", "from_sector": "s", "per_output": 1}
    data["firm_classes"] = {"c": {"inputs": [rule, {**rule, "good": "y"}, rule]}}
    assert found(data) == {
        ("firm_classes", "c", "inputs", 2, "good"): "good 'x' is already input 0 of this "
        "recipe; give each good once (one line can have several `from`)"
    }


def test_sectors_and_extra_tags_may_repeat() -> None:
    assert found(park(extra_tags=["green", "green", "backbone"])) == {}


# --- ids nobody writes: generated firms and registry rows --------------------------


def with_generate(**sections: Any) -> dict[str, Any]:
    return park(
        firm_classes={"mk": {"sector": "make", "region": "park"}},
        generate=[{"class": "mk", "count": 30}],
        **sections,
    )


def test_generated_firms_can_be_named_up_to_their_count() -> None:
    batch = {"day": 1, "firms": ["mk0001", "mk0030"], "sectors": ["make"]}
    assert found(with_generate(reopening={"whitelists": [batch]})) == {}
    batch["firms"] = ["mk0031"]
    assert found(with_generate(reopening={"whitelists": [batch]})) == {
        ("reopening", "whitelists", 0, "firms", 0): "unknown firm 'mk0031' (did you mean 'mk0030'?)"
    }


def test_scale_firms_rescales_the_generated_ids_references_may_name() -> None:
    batch = {"day": 1, "firms": ["mk0030"]}
    data = with_generate(reopening={"whitelists": [batch]}, scale={"firms": 10})
    assert found(data) == {
        ("reopening", "whitelists", 0, "firms", 0): "unknown firm 'mk0030' (did you mean 'mk0010'?)"
    }
    data["scale"]["firms"] = 40
    assert found(data) == {}


def test_an_id_prefix_names_the_generated_firms() -> None:
    data = with_generate(reopening={"whitelists": [{"day": 1, "firms": ["m-07"]}]})
    data["generate"][0]["id_prefix"] = "m-"
    assert found(data) == {
        ("reopening", "whitelists", 0, "firms", 0): "unknown firm 'm-07' (did you mean 'm-0027'?)"
    }


def test_generated_ids_already_taken_are_reported_at_their_generate_entry() -> None:
    data = with_generate()
    data["generate"].append({"class": "mk", "count": 5})
    data["enterprises"][0]["id"] = "mk0004"
    data["enterprises"][1]["inputs"][0]["from"] = ["mk0004", "sup"]
    assert found(data) == {
        ("generate", 0): "makes firm ids already used by another firm or supplier: "
        "mk0004; give it a different `id_prefix`",
        ("generate", 1): "makes firm ids already used by another firm or supplier: "
        "mk0001, mk0002, mk0003 and 2 more; give it a different `id_prefix`",
    }


def test_generated_ids_taken_by_a_supplier() -> None:
    data = with_generate(suppliers=[{"id": "mk0002", "region": "out", "capacity": 1}])
    data["enterprises"][1]["inputs"][0]["from"] = "a"
    assert found(data) == {
        ("generate", 0): "makes firm ids already used by another firm or supplier: "
        "mk0002; give it a different `id_prefix`"
    }


def test_a_malformed_count_makes_no_ids_and_no_crash() -> None:
    for count in ("many", -3, None, 10**9, True):
        data = with_generate()
        data["generate"][0]["count"] = count
        data["reopening"] = {"whitelists": [{"day": 1, "firms": ["mk0001"]}]}
        problems = found(data)
        assert set(problems) <= {("reopening", "whitelists", 0, "firms", 0)}


def test_registry_rows_give_firm_ids_and_sectors() -> None:
    data = park(
        registry=[{"file": "firms.csv"}],
        reopening={"whitelists": [{"day": 1, "firms": ["r1", "r3"], "sectors": ["bread"]}]},
    )
    rows = {0: [(2, {"id": "r1", "sector": "bread"}), (3, {"id": "r2"})]}
    assert found(data, rows) == {("reopening", "whitelists", 0, "firms", 1): "unknown firm 'r3'"}
    assert found(data) == {
        ("reopening", "whitelists", 0, "firms", 0): "unknown firm 'r1'",
        ("reopening", "whitelists", 0, "firms", 1): "unknown firm 'r3'",
        ("reopening", "whitelists", 0, "sectors", 0): "unknown sector 'bread'; sectors: s",
    }


def test_declared_refuses_kinds_that_sections_make() -> None:
    assert declared(Scenario.model_validate(park()), (REGION, TAG))[REGION] == {"park", "out"}
    with pytest.raises(ValueError, match="made by sections"):
        declared(park(), (FIRM,))
    with pytest.raises(ValueError, match="made by sections"):
        declared(park(), (SECTOR,))


# --- defaults, and data the schema will refuse -------------------------------------


def test_control_levels_default_to_the_built_in_ones_and_custom_ones_replace_them() -> None:
    data = park(outbreaks={"raise_level": {"cases": 1, "level": "lockdown"}})
    assert found(data) == {}
    data["control_levels"] = {"open": {"operate": "all"}}
    assert found(data) == {
        ("outbreaks", "raise_level", "level"): "unknown control level 'lockdown'; defined: open"
    }


def test_malformed_control_levels_are_judged_by_the_defaults() -> None:
    """The schema says `control_levels` should be a mapping; names of levels elsewhere
    are not also all reported unknown."""
    data = park(outbreaks={"raise_level": {"cases": 1, "level": "lockdown"}})
    data["control_levels"] = ["open"]
    assert found(data) == {}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "text",
        {"regions": 5, "enterprises": [7, None, "x"], "generate": {"a": 1}},
        {"regions": [{"id": 3}, {"id": ["a"]}], "suppliers": [{"id": None}]},
        {"firm_classes": {"c": None, "d": {"inputs": "x", "tag_shares": [1]}}},
        {"enterprises": [{"id": "a", "inputs": [{"from": {"x": 1}, "alternative": 5}]}]},
        {"reopening": {"whitelists": [{"firms": [[["deep"]]], "tags": {"a": 1}}]}},
        {"control_levels": {"x": 1}, "regions": [{"timeline": [{"level": 5}, 7]}]},
    ],
)
def test_malformed_data_never_raises(data: Any) -> None:
    check_references(data, locate, {})


def test_a_key_written_by_its_field_name_is_checked_too() -> None:
    """Models accept a field's name beside its alias (`sources:` for `from:`)."""
    data = park()
    data["enterprises"][1]["inputs"][0] = {"good": "x", "sources": ["nobody"], "per_output": 1}
    Scenario.model_validate(park())
    assert found(data) == {
        ("enterprises", 1, "inputs", 0, "sources", 0): "'nobody' is neither a firm nor a supplier"
    }


def test_one_name_for_a_list_and_a_list_for_one_name() -> None:
    data = park()
    data["enterprises"][0]["tags"] = "bakbone"  # a list of tags, written as one
    data["enterprises"][0]["region"] = ["park", "mars"]  # one region, written as a list
    got = found(data)
    assert got[("enterprises", 0, "tags")].startswith("unknown tag 'bakbone'")
    assert got[("enterprises", 0, "region", 1)] == "unknown region 'mars'"
    assert len(got) == 2


def test_a_firm_supplying_itself_is_not_a_dangling_name() -> None:
    data = park()
    data["enterprises"][1]["inputs"][0]["from"] = ["a", "b"]
    data["enterprises"][1]["inputs"][0]["alternative"] = "b"
    assert found(data) == {
        ("enterprises", 1, "inputs", 0, "from", 1): "firm 'b' cannot supply itself",
        ("enterprises", 1, "inputs", 0, "alternative"): "firm 'b' cannot supply itself",
    }


# --- did you mean, and long lists of known names ---------------------------------------


def test_the_list_of_known_names_is_cut_after_thirty() -> None:
    data = park(extra_tags=[f"t{i:03d}" for i in range(100)])
    data["enterprises"][0]["tags"] = ["zzz"]
    message = found(data)[("enterprises", 0, "tags", 0)]
    assert "known tags: backbone, epidemic_supplies," in message
    assert message.endswith(" and 78 more (declare new ones in `extra_tags`)")


def test_a_suggestion_among_many_generated_ids_is_drawn_from_a_bounded_pool() -> None:
    data = with_generate(reopening={"whitelists": [{"day": 1, "firms": ["mk0l2345"]}]})
    data["generate"][0]["count"] = 100_000
    message = found(data)[("reopening", "whitelists", 0, "firms", 0)]
    assert message.startswith("unknown firm 'mk0l2345' (did you mean 'mk0")


def test_the_checker_words_a_csv_column_like_the_key_it_stands_for() -> None:
    checker = refs.Checker(locate)
    ref = refs.ref_of(schema.Registry, "firm_class")
    checker.check(("class",), "fod", ref, {"food": None, "tools": None})
    assert [p.message for p in checker.problems] == [
        "unknown firm class 'fod' (did you mean 'food'?)"
    ]


# --- located through the loader ------------------------------------------------------


def test_a_tag_share_names_its_key_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: t\n"
        "regions: [{id: park}]\n"
        "firm_classes:\n"
        "  c:\n"
        "    sector: s\n"
        "    region: park\n"
        "    baseline_output: 1\n"
        "    staff: 1\n"
        "    tag_shares: {backbone: 0.5, livelyhood: 0.5}\n"
        "generate: [{class: c, count: 2}]\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert str(p).startswith(
        f"{path}:9:33: firm_classes.c.tag_shares.livelyhood: unknown tag 'livelyhood' "
        "(did you mean 'livelihood'?); known tags: "
    )


# --- the next section: one annotation ------------------------------------------------------

ORIGIN = Kind("origin")


class Migration(Frozen):
    """Stands in for a section a later issue adds: where migrant workers come from."""

    origins: list[Annotated[Ident, Ref(REGION)]] = Field(default_factory=list)
    """Regions migrants return from."""
    routes: list[Annotated[Ident, Declares(ORIGIN)]] = Field(default_factory=list)
    """Named routes."""
    via: Annotated[Ident, Ref(ORIGIN)] | None = None
    """The route most take."""


class MigrationScenario(Scenario):
    migration: Migration = Migration()
    """Migration."""


def test_a_new_section_is_checked_by_its_annotations_alone() -> None:
    data = park(migration={"origins": ["out", "inland"], "routes": ["r1", "r2", "r1"], "via": "r3"})
    assert found(data, model=MigrationScenario) == {
        ("migration", "origins", 1): "unknown region 'inland'",
        ("migration", "routes", 2): "duplicate origin id 'r1'",
        ("migration", "via"): "unknown origin 'r3'",
    }
    assert field_note(Migration, "origins", MigrationScenario) == (
        "Refers to an id of a region: `regions[].id`."
    )
    assert field_note(Migration, "via", MigrationScenario) == (
        "Refers to an id of an origin: `migration.routes[]`."
    )


# --- the schema's marks, and what the documentation says of them ------------------------------


def test_every_kind_referred_to_is_declared_somewhere() -> None:
    declared_kinds = {m.kind for _, _, m in refs.marks() if isinstance(m, Declares)}
    made = {k for _, _, m in refs.marks() if isinstance(m, Provides) for k in m.kinds}
    built_in = {k for k in refs.kinds_of() if k.builtin}
    for _, field, mark in refs.marks():
        if isinstance(mark, Ref):
            for kind in mark.kinds:
                assert kind in declared_kinds | made | built_in, (field, kind)
    names = [k.name for k in refs.kinds_of()]
    assert len(names) == len(set(names))


def test_notes_say_what_a_key_declares_or_refers_to() -> None:
    assert field_note(schema.Input, "sources") == (
        "Refers to an id of a firm or supplier: `enterprises[].id`, the firms `generate` "
        "makes, the rows of `registry` CSV files or `suppliers[].id`."
    )
    assert field_note(schema.Enterprise, "id") == (
        "Declares an id of a firm, unique among firms and suppliers."
    )
    assert field_note(schema.Enterprise, "tags") == (
        "Refers to an id of a tag: the built-in tags or `extra_tags[]`."
    )
    assert field_note(schema.LevelChange, "level") == (
        "Refers to an id of a control level: the keys of `control_levels`."
    )
    assert field_note(schema.Input, "good") == "Declares an id of a good, unique in this list."
    assert field_note(schema.Enterprise, "baseline_output") == ""


def test_the_json_schema_and_the_key_reference_carry_the_notes() -> None:
    out = scenario_schema()
    described = out["$defs"]["Input"]["properties"]["from"]["description"]
    assert described.startswith("Firm or external supplier id(s) it is bought from")
    assert described.endswith(field_note(schema.Input, "sources"))
    assert out["properties"]["generate"]["description"] == (
        "Firms generated from classes. Gives firm ids that are not written in the scenario."
    )
    json.dumps(out)
    assert "| `from` | list of text |" in reference_markdown()
    assert "Refers to an id of a firm or supplier:" in reference_markdown()
