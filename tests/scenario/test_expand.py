"""Generated firms and CSV registries: from classes to the concrete firms the model runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model.firms import Firms
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.expand import Park
from sim.scenario.ids import generated_ids
from sim.scenario.load import load_scenario
from sim.scenario.schema import Enterprise

GEN = """\
name: g
seed: 11
regions:
  - id: park
  - id: east
suppliers:
  - {id: sup1, region: east, capacity: 10}
  - {id: sup2, region: east, capacity: 10}
  - {id: sup3, region: east, capacity: 10}
firm_classes:
  maker:
    sector: make
    region: park
    above_scale_share: 0.5
    baseline_output: {uniform: {from: 2, to: 4}}
    staff: {uniform: {from: 10, to: 20}}
    migrant_share: {uniform: {from: 0.2, to: 0.4}}
    dorm_beds_share: {uniform: {from: 0.1, to: 0.3}}
    bus_seats_share: 0.5
    closed_loop_share: 0.3
    ramp_days: {triangular: {from: 1, mode: 2, to: 5}}
    tags: [supporting]
    tag_shares: {backbone: 0.5}
    inputs:
      - good: parts
        from_sector: make
        links: 2
        per_output: {uniform: {from: 0.1, to: 0.2}}
        criticality: important
        shortage_cut: 0.25
      - good: raw
        from: [sup1, sup2, sup3]
        links: 5
        per_output: 0.3
        stock_days: {uniform: {from: 4, to: 6}}
generate:
  - {class: maker, count: 30, id_prefix: mk}
"""
# Line 36 is `generate:`, line 37 its first entry; text appended starts at line 38.

OTHER = """\
  other:
    sector: other
    region: east
    baseline_output: {lognormal: {median: 1, sigma: 0.5}}
    staff: 5
"""


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Park:
    return load_scenario(write(tmp_path, text))


def error_of(tmp_path: Path, text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, text)
    return info.value


def only(err: ScenarioError) -> Problem:
    assert len(err.problems) == 1, str(err)
    return err.problems[0]


def with_class(text: str, cls: str) -> str:
    """`text` with one more firm class (inserted before `generate:`)."""
    return text.replace("generate:\n", cls + "generate:\n", 1)


def inputs_of(firm: Enterprise, good: str) -> list:
    return [i for i in firm.inputs if i.good == good]


# --- generate -----------------------------------------------------------------------


def test_generated_ids_are_zero_padded() -> None:
    assert generated_ids("mk", 3) == ["mk0001", "mk0002", "mk0003"]
    assert generated_ids("x", 12_345)[-1] == "x12345"
    assert generated_ids("x", 12_345)[0] == "x00001"
    assert generated_ids("x", 0) == []


def test_generate_makes_count_firms_with_prefixed_ids(tmp_path: Path) -> None:
    park = load(tmp_path, GEN)
    assert [f.id for f in park.firms] == [f"mk{i:04d}" for i in range(1, 31)]
    assert {(f.sector, f.region) for f in park.firms} == {("make", "park")}


def test_id_prefix_defaults_to_the_class_name(tmp_path: Path) -> None:
    park = load(tmp_path, GEN.replace(", id_prefix: mk", ""))
    assert park.firms[0].id == "maker0001"


def test_generated_attributes_lie_in_the_class_distributions(tmp_path: Path) -> None:
    firms = load(tmp_path, GEN).firms
    for f in firms:
        assert 2 <= f.baseline_output <= 4
        assert 10 <= f.staff <= 20
        assert 0.2 <= f.migrant_share <= 0.4
        assert round(0.1 * f.staff) <= f.dorm_beds <= round(0.3 * f.staff)
        assert f.bus_seats == round(0.5 * f.staff)
        assert f.ramp_days is not None and 1 <= f.ramp_days <= 5
        assert f.tags[0] == "supporting"
        assert set(f.tags) <= {"supporting", "backbone"}
        assert len(f.tags) == len(set(f.tags))
    # draws vary across firms (they are not all one value)
    assert len({f.baseline_output for f in firms}) == len(firms)
    for flag in (
        [f.above_scale for f in firms],
        [f.closed_loop for f in firms],
        ["backbone" in f.tags for f in firms],
    ):
        assert 0 < sum(flag) < len(firms)


def test_tag_shares_are_roughly_respected(tmp_path: Path) -> None:
    text = GEN.replace("count: 30", "count: 2000").replace("tag_shares: {backbone: 0.5}", "")
    text = text.replace("tags: [supporting]", "tag_shares: {backbone: 0.1, supporting: 0.9}")
    text = text.replace("closed_loop_share: 0.3", "closed_loop_share: 0")
    firms = load(tmp_path, text).firms
    assert sum("backbone" in f.tags for f in firms) / 2000 == pytest.approx(0.1, abs=0.03)
    assert sum("supporting" in f.tags for f in firms) / 2000 == pytest.approx(0.9, abs=0.03)
    assert not any(f.closed_loop for f in firms)


def test_generation_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = load(tmp_path, GEN).firms
    again = load(tmp_path, GEN).firms
    assert first == again
    other = load(tmp_path, GEN.replace("seed: 11", "seed: 12")).firms
    assert [f.id for f in other] == [f.id for f in first]
    assert [f.baseline_output for f in other] != [f.baseline_output for f in first]


def test_replications_and_policies_do_not_redraw_the_park(tmp_path: Path) -> None:
    first = load(tmp_path, GEN).firms
    changed = load(tmp_path, GEN + "replications: 3\nreopening: {service_teams: 9}\n").firms
    assert changed == first


def test_a_second_generate_entry_leaves_the_first_alone(tmp_path: Path) -> None:
    first = load(tmp_path, GEN).firms
    text = with_class(GEN, OTHER) + "  - {class: other, count: 7}\n"
    both = load(tmp_path, text).firms
    assert both[:30] == first
    assert [f.id for f in both[30:]] == [f"other{i:04d}" for i in range(1, 8)]
    assert {f.region for f in both[30:]} == {"east"}
    assert {f.staff for f in both[30:]} == {5}


def _without(firm: Enterprise, *fields: str) -> dict:
    return firm.model_dump(exclude=set(fields))


def test_redrawing_one_attribute_of_a_class_leaves_every_other_attribute_alone(
    tmp_path: Path,
) -> None:
    # Common random numbers (issue 15): one stream per attribute, tag share and input
    # rule of an entry. Sizes feed the links' weights, so a size change is compared
    # without the links; the other changes leave even the links alone.
    first = load(tmp_path, GEN).firms
    changes = {
        "migrant_share: {uniform: {from: 0.2, to: 0.4}}": (
            "migrant_share: {triangular: {from: 0, mode: 0.1, to: 0.9}}",
            ("migrant_share",),
        ),
        "tag_shares: {backbone: 0.5}": ("tag_shares: {backbone: 0.5, livelihood: 0.2}", ("tags",)),
        "closed_loop_share: 0.3": ("closed_loop_share: 0.9", ("closed_loop",)),
        "ramp_days: {triangular: {from: 1, mode: 2, to: 5}}": ("ramp_days: 3", ("ramp_days",)),
        "per_output: {uniform: {from: 0.1, to: 0.2}}": (
            "per_output: {normal: {mean: 0.3, sd: 0.05, min: 0}}",
            ("inputs",),
        ),
        "baseline_output: {uniform: {from: 2, to: 4}}": (
            "baseline_output: {lognormal: {median: 3, sigma: 1}}",
            ("baseline_output", "inputs"),
        ),
    }
    for old, (new, moved) in changes.items():
        assert old in GEN
        changed = load(tmp_path, GEN.replace(old, new)).firms
        assert [_without(a, *moved) for a in changed] == [_without(a, *moved) for a in first], old
        assert [_without(a) for a in changed] != [_without(a) for a in first], old
    # the per_output change keeps every link and the other rule whole
    changed = load(tmp_path, GEN.replace(*[(o, n) for o, (n, _) in changes.items()][4])).firms
    for a, b in zip(first, changed, strict=True):
        assert [i.sources for i in a.inputs] == [i.sources for i in b.inputs]
        assert a.inputs[1] == b.inputs[1]


def test_a_compare_option_redrawing_one_class_keeps_the_other_firms(tmp_path: Path) -> None:
    # what `parksim compare` does with an option: the base scenario plus an overlay
    base = write(tmp_path, with_class(GEN, OTHER) + "  - {class: other, count: 7}\n")
    overlay = tmp_path / "staff.yaml"
    overlay.write_text("firm_classes:\n  other:\n    staff: {uniform: {from: 50, to: 90}}\n")
    first = load_scenario(base).firms
    option = load_scenario(base, policies=[overlay]).firms
    assert option[:30] == first[:30]
    assert [_without(f, "staff", "dorm_beds", "bus_seats") for f in option[30:]] == [
        _without(f, "staff", "dorm_beds", "bus_seats") for f in first[30:]
    ]
    assert all(50 <= f.staff <= 90 for f in option[30:])


def test_an_entry_streams_follow_its_id_prefix_not_its_place(tmp_path: Path) -> None:
    first = load(tmp_path, with_class(GEN, OTHER) + "  - {class: other, count: 7}\n").firms
    text = with_class(GEN, OTHER).replace(
        "generate:\n", "generate:\n  - {class: other, count: 7}\n", 1
    )
    swapped = load(tmp_path, text).firms
    assert swapped[:7] == first[30:]
    assert [_without(f, "inputs") for f in swapped[7:]] == [
        _without(f, "inputs") for f in first[:30]
    ]


def test_input_links_come_from_the_sector_and_never_the_firm_itself(tmp_path: Path) -> None:
    firms = load(tmp_path, GEN).firms
    ids = {f.id for f in firms}
    linked: set[str] = set()
    for f in firms:
        (parts,) = inputs_of(f, "parts")
        assert len(parts.sources) == 2
        assert len(set(parts.sources)) == 2
        assert f.id not in parts.sources
        assert set(parts.sources) <= ids
        assert 0.1 <= parts.per_output <= 0.2
        assert parts.criticality == "important"
        assert parts.shortage_cut == 0.25
        assert parts.stock_days is None
        linked |= set(parts.sources)
    assert len(linked) > 5  # not all firms buy from the same pair


def test_links_are_capped_by_the_number_of_candidates(tmp_path: Path) -> None:
    firms = load(tmp_path, GEN).firms
    for f in firms:
        (raw,) = inputs_of(f, "raw")
        assert raw.sources == ["sup1", "sup2", "sup3"]  # links: 5, only three suppliers
        assert raw.per_output == 0.3
        assert raw.stock_days is not None and 4 <= raw.stock_days <= 6
    text = GEN.replace("count: 30", "count: 3").replace("links: 2", "links: 10")
    for f in load(tmp_path, text).firms:
        (parts,) = inputs_of(f, "parts")
        assert sorted(parts.sources) == sorted({"mk0001", "mk0002", "mk0003"} - {f.id})


def test_links_count_may_be_a_distribution(tmp_path: Path) -> None:
    text = GEN.replace("links: 2", "links: {choice: {values: [1, 3]}}")
    counts = {len(inputs_of(f, "parts")[0].sources) for f in load(tmp_path, text).firms}
    assert counts == {1, 3}


def test_named_and_sector_sources_are_not_chosen_twice(tmp_path: Path) -> None:
    text = GEN.replace("count: 30", "count: 4").replace("links: 2", "links: 10")
    text = text.replace("from_sector: make\n", "from_sector: make\n        from: [mk0001, sup1]\n")
    for f in load(tmp_path, text).firms:
        (parts,) = inputs_of(f, "parts")
        assert len(parts.sources) == len(set(parts.sources)), parts.sources
        assert sorted(parts.sources) == sorted(
            {"mk0001", "mk0002", "mk0003", "mk0004", "sup1"} - {f.id}
        )


def test_a_sector_with_no_firms_gives_no_input(tmp_path: Path) -> None:
    text = with_class(GEN, "  ghost: {sector: ghost, region: park, baseline_output: 1, staff: 1}\n")
    text = text.replace("from_sector: make", "from_sector: ghost")
    text += "  - {class: ghost, count: 0}\n"
    park = load(tmp_path, text)
    assert len(park.firms) == 30
    for f in park.firms:
        assert inputs_of(f, "parts") == []
        assert len(inputs_of(f, "raw")) == 1


def test_a_lone_firm_of_a_sector_does_not_buy_from_itself(tmp_path: Path) -> None:
    park = load(tmp_path, GEN.replace("count: 30", "count: 1"))
    (firm,) = park.firms
    assert inputs_of(firm, "parts") == []


def test_generate_zero_firms_alongside_listed_ones(tmp_path: Path) -> None:
    text = GEN.replace("count: 30", "count: 0") + (
        "enterprises:\n  - {id: solo, sector: make, region: park, baseline_output: 1, staff: 3}\n"
    )
    assert [f.id for f in load(tmp_path, text).firms] == ["solo"]


def test_generated_ids_clashing_with_listed_firms(tmp_path: Path) -> None:
    text = GEN + (
        "enterprises:\n  - {id: mk0007, sector: make, region: park, baseline_output: 1, staff: 3}\n"
    )
    p = only(error_of(tmp_path, text))
    assert (p.file, p.line, p.column) == (str(tmp_path / "scenario.yaml"), 37, 5)
    assert p.path == ("generate", 0)
    assert "mk0007" in p.message
    assert "id_prefix" in p.message


def test_two_generate_entries_making_the_same_ids(tmp_path: Path) -> None:
    p = only(error_of(tmp_path, GEN + "  - {class: maker, count: 2, id_prefix: mk}\n"))
    assert (p.file, p.line, p.path) == (str(tmp_path / "scenario.yaml"), 38, ("generate", 1))
    assert "mk0001, mk0002;" in p.message


def test_generated_ids_clashing_with_a_supplier(tmp_path: Path) -> None:
    text = GEN.replace("id: sup2,", "id: mk0030,").replace("sup2, ", "mk0030, ")
    p = only(error_of(tmp_path, text))
    assert (p.line, p.path) == (37, ("generate", 0))
    assert "mk0030" in p.message


def test_generate_needs_a_complete_class(tmp_path: Path) -> None:
    text = with_class(GEN, "  thin: {sector: thin, region: park, staff: 3}\n")
    text += "  - {class: thin, count: 2}\n"
    p = only(error_of(tmp_path, text))
    assert "class 'thin' used by generate[1] lacks baseline_output" in p.message
    assert (p.file, p.line, p.path) == (
        str(tmp_path / "scenario.yaml"),
        36,
        ("firm_classes", "thin"),
    )


def test_class_input_from_unknown_source_and_sector(tmp_path: Path) -> None:
    text = GEN.replace("from: [sup1, sup2, sup3]", "from: [sup1, sup4]")
    text = text.replace("from_sector: make", "from_sector: mkae")
    err = error_of(tmp_path, text)
    got = [(p.line, p.path[-2:]) for p in err.problems]
    assert got == [
        (26, (0, "from_sector")),
        (32, ("from", 1)),
    ]
    assert "did you mean 'make'?" in err.problems[0].message


def test_demo_park_expands_to_38_firms() -> None:
    root = Path(__file__).resolve().parents[2]
    park = load_scenario(root / "scenarios" / "demo_park.yaml")
    assert len(park.firms) == 38
    ids = [f.id for f in park.firms]
    assert ids[:4] == ["medmask", "pharmaA", "pharmaB", "pharmaC"]
    assert ids[4:14] == [f"elec{i:04d}" for i in range(1, 11)]
    assert ids[14:28] == [f"auto{i:04d}" for i in range(1, 15)]
    assert ids[28:] == [f"food{i:02d}" for i in range(1, 11)]
    for f in park.firms[14:28]:
        (elec,) = inputs_of(f, "electronics")
        assert 1 <= len(elec.sources) <= 3
        assert all(s.startswith("elec") for s in elec.sources)


# --- CSV registry ---------------------------------------------------------------------

REG = """\
name: r
seed: 3
regions:
  - id: park
  - id: east
suppliers:
  - {id: packco, region: east, capacity: 5}
firm_classes:
  food:
    sector: food
    region: park
    baseline_output: {uniform: {from: 2, to: 5}}
    staff: {uniform: {from: 100, to: 200}}
    migrant_share: 0.2
    dorm_beds_share: 0.5
    bus_seats_share: 0.25
    closed_loop_share: 1
    tags: [livelihood]
    inputs:
      - {good: packaging, from: packco, per_output: 0.1}
registry:
  - file: firms.csv
    class: food
"""


def registry(tmp_path: Path, data: bytes | str, text: str = REG) -> Path:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    (tmp_path / "firms.csv").write_bytes(raw)
    return write(tmp_path, text)


def registry_error(tmp_path: Path, data: bytes | str, text: str = REG) -> ScenarioError:
    path = registry(tmp_path, data, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def csv_name(tmp_path: Path) -> str:
    return str(tmp_path / "firms.csv")


def test_registry_rows_become_firms_with_class_defaults(tmp_path: Path) -> None:
    path = registry(
        tmp_path,
        "id,name,baseline_output,staff,region,tags,above_scale\n"
        "f1,Noodles,2.5,10,,,true\n"
        "f2,Bakery,4,40,east,livelihood;supply_security,no\n",
    )
    f1, f2 = load_scenario(path).firms
    assert (f1.id, f1.name, f1.baseline_output, f1.staff) == ("f1", "Noodles", 2.5, 10)
    assert (f1.sector, f1.region) == ("food", "park")  # from the class
    assert f1.migrant_share == 0.2
    assert f1.closed_loop is True
    assert f1.tags == ["livelihood"]
    assert f1.above_scale is True
    assert [(i.good, i.sources) for i in f1.inputs] == [("packaging", ["packco"])]
    assert f2.region == "east"  # the row overrides the class
    assert f2.tags == ["livelihood", "supply_security"]
    assert f2.above_scale is False


def test_registry_shares_apply_to_the_rows_staff(tmp_path: Path) -> None:
    path = registry(tmp_path, "id,baseline_output,staff\nf1,2,10\nf2,2,40\n")
    f1, f2 = load_scenario(path).firms
    assert (f1.dorm_beds, f1.bus_seats) == (5, 2)  # half and a quarter of 10, not of 100..200
    assert (f2.dorm_beds, f2.bus_seats) == (20, 10)


def test_registry_row_values_override_drawn_ones(tmp_path: Path) -> None:
    path = registry(
        tmp_path,
        "id,baseline_output,staff,migrant_share,dorm_beds,bus_seats,closed_loop,ramp_days\n"
        "f1,2,10,0.5,7,1,false,4\n",
    )
    (f1,) = load_scenario(path).firms
    assert (f1.migrant_share, f1.dorm_beds, f1.bus_seats) == (0.5, 7, 1)
    assert (f1.closed_loop, f1.ramp_days) == (False, 4)


def test_registry_class_without_size_distributions_still_gives_defaults(tmp_path: Path) -> None:
    text = REG.replace("    baseline_output: {uniform: {from: 2, to: 5}}\n", "")
    text = text.replace("    staff: {uniform: {from: 100, to: 200}}\n", "")
    (f1,) = load_scenario(registry(tmp_path, "id,baseline_output,staff\nf1,3,20\n", text)).firms
    assert (f1.sector, f1.region, f1.tags) == ("food", "park", ["livelihood"])
    assert f1.migrant_share == 0.2
    assert f1.closed_loop is True
    assert (f1.dorm_beds, f1.bus_seats) == (10, 5)
    assert len(f1.inputs) == 1


def test_registry_missing_values_come_from_the_class_distributions(tmp_path: Path) -> None:
    firms = load_scenario(registry(tmp_path, "id\n" + "".join(f"f{i}\n" for i in range(20)))).firms
    assert len(firms) == 20
    assert all(2 <= f.baseline_output <= 5 and 100 <= f.staff <= 200 for f in firms)
    assert all(f.dorm_beds == round(0.5 * f.staff) for f in firms)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("y", True),
        ("false", False),
        ("No", False),
        ("0", False),
        (" n ", False),
    ],
)
def test_registry_booleans(tmp_path: Path, cell: str, value: bool) -> None:
    data = f"id,baseline_output,staff,initially_open,closed_loop\nf1,1,5,{cell},{cell}\n"
    (f1,) = load_scenario(registry(tmp_path, data)).firms
    assert f1.initially_open is value
    assert f1.closed_loop is value


def test_registry_tolerates_bom_crlf_blank_lines_and_spaces(tmp_path: Path) -> None:
    data = "\ufeffid , baseline_output,staff\r\n f1 ,2, 10\r\n\r\n,,\r\nf2,3,12\r\n"
    path = registry(tmp_path, data.encode("utf-8"))
    assert [(f.id, f.staff) for f in load_scenario(path).firms] == [("f1", 10), ("f2", 12)]


def test_registry_class_column_chooses_the_class(tmp_path: Path) -> None:
    text = REG.replace(
        "registry:", "  shop: {sector: retail, region: east, migrant_share: 0.7}\nregistry:"
    )
    data = "id,class,baseline_output,staff\nf1,shop,1,4\nf2,,1,4\n"
    f1, f2 = load_scenario(registry(tmp_path, data, text)).firms
    assert (f1.sector, f1.region, f1.migrant_share, f1.inputs) == ("retail", "east", 0.7, [])
    assert (f2.sector, f2.region) == ("food", "park")
    assert (f1.firm_class, f2.firm_class) == ("shop", "food")


def test_every_made_firm_knows_its_class(tmp_path: Path) -> None:
    park = load(tmp_path, GEN)
    assert {f.firm_class for f in park.firms} == {"maker"}
    firms = Firms(park)
    assert firms.classes == ("maker",)
    assert (firms.firm_class == 0).all()


def test_registry_firms_can_be_referenced(tmp_path: Path) -> None:
    text = REG + (
        "enterprises:\n"
        "  - id: buyer\n"
        "    sector: food\n"
        "    region: park\n"
        "    baseline_output: 1\n"
        "    staff: 3\n"
        "    inputs: [{good: flour, from: f1, per_output: 0.2}]\n"
        "reopening:\n"
        "  whitelists: [{day: 1, firms: [f1]}]\n"
    )
    park = load_scenario(registry(tmp_path, "id,baseline_output,staff\nf1,1,5\n", text))
    assert [f.id for f in park.firms] == ["buyer", "f1"]


def test_registry_path_is_relative_to_the_scenario(tmp_path: Path, monkeypatch) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    path = registry(sub, "id,baseline_output,staff\nf1,1,5\n")
    monkeypatch.chdir(tmp_path)
    assert len(load_scenario(Path("sub") / path.name).firms) == 1


def test_demo_registry() -> None:
    root = Path(__file__).resolve().parents[2]
    food = load_scenario(root / "scenarios" / "demo_park.yaml").firms[28:]
    assert [f.name for f in food[:2]] == ["Food firm 1", "Food firm 2"]
    assert food[0].tags == ["livelihood", "supply_security"]
    assert (food[0].baseline_output, food[0].staff, food[0].above_scale) == (2.3, 34, True)
    assert all(f.sector == "food" and f.migrant_share == 0.2 for f in food)
    assert all(f.dorm_beds == round(0.3 * f.staff) for f in food)


# --- bad registries --------------------------------------------------------------------


def test_registry_without_id_column(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "name,staff\nx,3\n"))
    assert (p.file, p.line) == (csv_name(tmp_path), 1)
    assert "`id` column" in p.message


def test_registry_unknown_column(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "id,staff,baseline_ouput\nf1,3,2\n"))
    assert (p.file, p.line, p.column) == (csv_name(tmp_path), 1, 3)
    assert "unknown column 'baseline_ouput'" in p.message


def test_registry_duplicate_column(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "id,staff,staff\nf1,3,2\n"))
    assert (p.file, p.line) == (csv_name(tmp_path), 1)
    assert "twice" in p.message


def test_registry_wrong_cell_count(tmp_path: Path) -> None:
    err = registry_error(tmp_path, "id,baseline_output,staff\nf1,1,5\nf2,1\nf3,1,5,9\n")
    assert [(p.file, p.line) for p in err.problems] == [
        (csv_name(tmp_path), 3),
        (csv_name(tmp_path), 4),
    ]
    assert err.problems[0].message == "2 cells for 3 columns"
    assert err.problems[1].message == "4 cells for 3 columns"


def test_registry_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    data = 'id,name,baseline_output,staff\nf1,"Two\nlines",1,5\nf2,x,1\n'
    p = only(registry_error(tmp_path, data))
    assert p.line == 4


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        ("id,name,baseline_output,staff\nf1,Caf\u00e9,1,5\n".encode("latin-1"), 2, 7),
        (
            "id,name,baseline_output,staff\nf1,ok,1,5\nf2,\u4e2d\u6587,1,5\n".encode("gbk")
            + b"f3,\xff,1,5\n",
            4,
            4,
        ),
        (b"\xef\xbb\xbfid,name\r\nf1,\xe9t\xe9\r\n", 2, 4),
    ],
    ids=["latin-1", "gbk-with-a-bad-byte", "bom+latin-1"],
)
def test_registry_not_utf8(tmp_path: Path, data: bytes, line: int, column: int) -> None:
    # GBK text reads as GB18030 (test_ledger.py); a byte neither reads is shown where
    # the encoding that read furthest stopped
    p = only(registry_error(tmp_path, data))
    assert (p.file, p.line, p.column) == (csv_name(tmp_path), line, column)
    assert "UTF-8" in p.message


def test_registry_bad_number_in_a_cell(tmp_path: Path) -> None:
    data = "id,baseline_output,staff\nf1,1,5\nf2,lots,5\nf3,2,many\n"
    err = registry_error(tmp_path, data)
    assert [(p.file, p.line, p.path) for p in err.problems] == [
        (csv_name(tmp_path), 3, ("baseline_output",)),
        (csv_name(tmp_path), 4, ("staff",)),
    ]
    assert "'lots'" in err.problems[0].message
    assert "'many'" in err.problems[1].message


@pytest.mark.parametrize("cell", ["-3", "nan", "inf", "0"])
def test_registry_impossible_output_is_an_error_not_a_crash(tmp_path: Path, cell: str) -> None:
    text = REG.replace(
        "      - {good: packaging, from: packco, per_output: 0.1}\n",
        "      - {good: packaging, from: packco, per_output: 0.1}\n"
        "      - {good: food, from_sector: food, per_output: 0.1}\n",
    )
    data = f"id,baseline_output,staff\nf1,1,5\nf2,{cell},5\nf3,2,5\n"
    p = only(registry_error(tmp_path, data, text))
    assert (p.file, p.line, p.path) == (csv_name(tmp_path), 3, ("baseline_output",))


def test_registry_bad_boolean(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "id,baseline_output,staff,closed_loop\nf1,1,5,maybe\n"))
    assert (p.line, p.path) == (2, ("closed_loop",))
    assert "'maybe'" in p.message


def test_registry_unknown_class(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "id,class,baseline_output,staff\nf1,,1,5\nf2,fod,1,5\n"))
    assert (p.file, p.line) == (csv_name(tmp_path), 3)
    assert "unknown firm class 'fod'" in p.message


def test_registry_unknown_region(tmp_path: Path) -> None:
    p = only(
        registry_error(tmp_path, "id,region,baseline_output,staff\nf1,park,1,5\nf2,mars,1,5\n")
    )
    assert (p.file, p.line) == (csv_name(tmp_path), 3)
    assert "unknown region 'mars'" in p.message


def test_registry_unknown_tag(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "id,tags,baseline_output,staff\nf1,livelihood;bakbone,1,5\n"))
    assert (p.file, p.line) == (csv_name(tmp_path), 2)
    assert "bakbone" in p.message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n"])
def test_registry_empty_file(tmp_path: Path, data: bytes) -> None:
    p = only(registry_error(tmp_path, data))
    assert (p.file, p.line) == (csv_name(tmp_path), 1)
    assert p.message == "the firm registry is empty (no header row)"


def test_registry_file_missing(tmp_path: Path) -> None:
    text = REG + "reopening:\n  whitelists: [{day: 1, firms: [f1]}]\n"
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert any(p.file == csv_name(tmp_path) and "cannot read" in p.message for p in err.problems), (
        str(err)
    )


def test_registry_duplicate_ids(tmp_path: Path) -> None:
    text = REG + (
        "enterprises:\n  - {id: f1, sector: food, region: park, baseline_output: 1, staff: 3}\n"
    )
    err = registry_error(tmp_path, "id,baseline_output,staff\nf1,1,5\nf2,1,5\nf2,1,5\n", text)
    assert [(p.file, p.line) for p in err.problems] == [
        (csv_name(tmp_path), 2),
        (csv_name(tmp_path), 4),
    ]
    assert all("duplicate firm id" in p.message for p in err.problems)


def test_registry_ids_clashing_with_generated_firms(tmp_path: Path) -> None:
    text = REG + "generate:\n  - {class: food, count: 3, id_prefix: f}\n"
    p = only(registry_error(tmp_path, "id,baseline_output,staff\nf0002,1,5\n", text))
    assert (p.file, p.line) == (csv_name(tmp_path), 2)
    assert "duplicate firm id 'f0002'" in p.message


def test_registry_and_schema_problems_are_reported_together(tmp_path: Path) -> None:
    err = registry_error(tmp_path, "id,staff,oops\nf1,3,2\n", REG + "days: 0\n")
    files = {p.file for p in err.problems}
    assert files == {csv_name(tmp_path), str(tmp_path / "scenario.yaml")}


# --- registries as hostile input (issue 13) ----------------------------------------


def test_registry_yes_no_cells_outside_the_documented_words_are_refused(tmp_path: Path) -> None:
    for cell in ("on", "off", "maybe", "2"):
        data = f"id,baseline_output,staff,closed_loop\nf1,1,5,true\nf2,1,5,{cell}\n"
        p = only(registry_error(tmp_path, data))
        assert (p.file, p.line, p.path) == (csv_name(tmp_path), 3, ("closed_loop",))
        assert p.message == (
            f"'{cell}' is not a yes/no value; write true/yes/y/1/是 or false/no/n/0/否"
        )


def test_registry_firm_id_equal_to_a_supplier_id_is_refused(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, "id,baseline_output,staff\nf1,1,5\npackco,1,5\n"))
    assert (p.file, p.line, p.path) == (csv_name(tmp_path), 3, ("id",))
    assert p.message == "firm id 'packco' is also a supplier id"


@pytest.mark.parametrize("bad", ["a\u200bb", "a\u202eb", "a\x7fb", "\ufeffa"])
def test_registry_ids_with_control_or_invisible_characters_are_refused(
    tmp_path: Path, bad: str
) -> None:
    p = only(registry_error(tmp_path, f"id,baseline_output,staff\nf1,1,5\n{bad},1,5\n"))
    assert (p.file, p.line, p.path) == (csv_name(tmp_path), 3, ("id",))
    assert p.message.startswith("should be an id: text without blanks")


def test_a_nul_byte_in_a_registry_id_is_refused(tmp_path: Path) -> None:
    p = only(registry_error(tmp_path, b"id,baseline_output,staff\nf1,1,5\na\x00b,1,5\n"))
    assert (p.file, p.line, p.path) == (csv_name(tmp_path), 3, ("id",))
    assert p.message.startswith("should be an id: ") and p.message.endswith("'a\\x00b'")


def test_a_foreign_file_is_not_echoed_beyond_the_offending_cell(tmp_path: Path) -> None:
    # a registry path may climb out of the scenario's folder; what it finds there is
    # nobody's business beyond the first few characters of the first few cells
    secret = "root:x:0:0:root:/root:/bin/bash" + "s3cr3t" * 50
    header = ",".join(f"{secret}{i}" for i in range(20))
    err = registry_error(tmp_path, header + "\n" + "x," * 19 + "x\n")
    text = str(err)
    assert "s3cr3t" * 5 not in text
    # five columns by name, a count of the rest, and the missing `id` column
    assert len(err.problems) == 7
    assert "15 more unknown columns (is this a firm registry?)" in text
    long_class = "c" * 5000
    err = registry_error(tmp_path, f"id,class,baseline_output,staff\nf1,{long_class},1,5\n")
    assert len(str(err)) < 400


def test_a_registry_only_sector_can_be_named_by_classes_and_white_lists(tmp_path: Path) -> None:
    text = (
        REG.replace(
            "      - {good: packaging, from: packco, per_output: 0.1}\n",
            "      - {good: packaging, from: packco, per_output: 0.1}\n"
            "      - {good: bakery, from_sector: bread, per_output: 0.1}\n",
        )
        + "reopening:\n  whitelists: [{day: 1, sectors: [bread]}]\n"
    )
    park = load_scenario(
        registry(tmp_path, "id,sector,baseline_output,staff\nf1,bread,1,5\n", text)
    )
    assert [f.sector for f in park.firms] == ["bread"]
    text = text.replace("sectors: [bread]", "sectors: [braed]")
    path = registry(tmp_path, "id,sector,baseline_output,staff\nf1,bread,1,5\n", text)
    p = only(error_of(tmp_path, path.read_text()))
    assert p.path == ("reopening", "whitelists", 0, "sectors", 0)
    assert p.message.startswith("unknown sector 'braed' (did you mean 'bread'?); sectors: ")


def test_two_input_rules_of_a_class_for_the_same_good_are_refused(tmp_path: Path) -> None:
    text = GEN.replace("      - good: raw\n", "      - good: parts\n")
    p = only(error_of(tmp_path, text))
    assert p.path == ("firm_classes", "maker", "inputs", 1, "good")
    assert "good 'parts' is already input 0 of this recipe" in p.message
