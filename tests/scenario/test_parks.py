"""A region of parks: the loader refuses what cannot be one region, at its key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario as load

BASE = """\
name: r
days: 20
replications: 1
regions:
  - {id: za, timeline: [{day: 0, level: lockdown}, {day: 10, level: normal}]}
  - {id: zb}
  - {id: out}
parks:
  - {id: a, name: 甲园, zones: [za]}
  - {id: b, zones: [zb]}
enterprises:
  - {id: f1, sector: s, region: za, baseline_output: 10, staff: 10}
  - {id: f2, sector: s, region: zb, baseline_output: 10, staff: 10,
     inputs: [{good: g, from: f1, per_output: 1}]}
"""


def _load(tmp_path: Path, text: str) -> ScenarioError:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load(path)
    return err.value


def _messages(err: ScenarioError) -> str:
    return "\n".join(str(p) for p in err.problems)


def test_a_region_of_two_parks_loads_and_firms_know_their_park(tmp_path: Path) -> None:
    from sim.model.firms import Firms

    path = tmp_path / "r.yaml"
    path.write_text(BASE, encoding="utf-8")
    park = load(path)
    firms = Firms(park)
    assert firms.park_ids == ("a", "b")
    assert firms.park.tolist() == [0, 1]
    assert firms.region_park.tolist() == [0, 1, -1]


def test_a_scenario_without_parks_is_one_park(tmp_path: Path) -> None:
    from sim.model.firms import Firms

    data = yaml.safe_load(BASE)
    del data["parks"]
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    firms = Firms(load(path))
    assert firms.park_ids == ()
    assert firms.n_parks == 1
    assert firms.park.tolist() == [0, 0]


def test_two_parks_with_one_id_are_refused_at_the_second(tmp_path: Path) -> None:
    err = _load(tmp_path, BASE.replace("{id: b, zones", "{id: a, zones"))
    assert ("parks", 1, "id") in [p.path for p in err.problems]
    assert "duplicate park id 'a'" in _messages(err)


def test_a_zone_in_two_parks_is_refused(tmp_path: Path) -> None:
    err = _load(tmp_path, BASE.replace("zones: [zb]", "zones: [zb, za]"))
    assert "parks[1].zones[1]: zone 'za' is already listed at parks[0].zones[0]" in _messages(err)


def test_a_corridor_from_a_park_to_itself_is_refused_at_its_key(tmp_path: Path) -> None:
    err = _load(tmp_path, BASE + "corridors:\n  - {id: c, between: [a, a]}\n")
    (problem,) = err.problems
    assert problem.path == ("corridors", 0, "between")
    assert problem.line == 16
    assert "a corridor links two different parks" in problem.message


def test_a_corridor_to_an_unknown_park_is_refused(tmp_path: Path) -> None:
    err = _load(tmp_path, BASE + "corridors:\n  - {id: c, between: [a, c]}\n")
    (problem,) = err.problems
    assert problem.path == ("corridors", 0, "between", 1)
    assert "unknown park 'c'" in problem.message


def test_two_corridors_for_one_pair_and_corridors_without_parks_are_refused(
    tmp_path: Path,
) -> None:
    two = BASE + "corridors:\n  - {id: c, between: [a, b]}\n  - {id: d, between: [b, a]}\n"
    assert "as corridors[0] does" in _messages(_load(tmp_path, two))
    data = yaml.safe_load(BASE)
    del data["parks"]
    data["corridors"] = [{"id": "c", "between": ["a", "b"]}]
    err = _load(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    assert "corridors link parks: give `parks` too" in _messages(err)


def test_a_firm_in_a_zone_of_no_park_is_refused_at_its_region(tmp_path: Path) -> None:
    err = _load(tmp_path, BASE.replace("region: zb,", "region: out,"))
    (problem,) = err.problems
    assert problem.path == ("enterprises", 1, "region")
    assert "which no park lists in its `zones`" in problem.message


def test_generated_firms_outside_every_park_give_one_problem_at_their_class(
    tmp_path: Path,
) -> None:
    text = BASE + (
        "firm_classes:\n  c: {sector: s, region: out, baseline_output: 1, staff: 1}\n"
        "generate:\n  - {class: c, count: 50}\n"
    )
    err = _load(tmp_path, text)
    (problem,) = err.problems
    assert problem.path == ("firm_classes", "c", "region")
