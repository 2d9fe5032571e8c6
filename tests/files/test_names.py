"""Display names: the `name:` a scenario gives firms, suppliers, stations and zones,
shown where people read, ids kept as join keys (issue 18.4)."""

from __future__ import annotations

from pathlib import Path

from sim.files.names import (
    PARK_FIRM,
    REGION,
    STATION,
    SUPPLIER,
    display,
    json_names,
    merged,
    of_park,
    read_names,
)
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"
SECOND = SCENARIOS / "policies" / "second_transfer_station.yaml"


def test_the_demo_park_names_its_suppliers_station_and_zone() -> None:
    names = of_park(load_scenario(DEMO))
    assert names[SUPPLIER]["chipco"] == "Chip maker (Shanghai)"
    assert names[STATION] == {"north_gate": "North gate transfer station"}
    assert names[REGION]["park"] == "Demo industrial park"
    assert "elec0001" not in names[PARK_FIRM]  # generated firms have no name: left out
    assert display(names, SUPPLIER, "chipco") == "Chip maker (Shanghai)"
    assert display(names, PARK_FIRM, "elec0001") == "elec0001"  # falls back to the id
    assert display({}, "sector", "food") == "food"


def test_options_add_the_names_of_what_they_add() -> None:
    names = merged([load_scenario(DEMO), load_scenario(DEMO, [SECOND])])
    assert names[STATION] == {
        "north_gate": "North gate transfer station",
        "south_gate": "South gate transfer station",
    }


def test_names_round_trip_through_json(tmp_path: Path) -> None:
    names = {SUPPLIER: {"b": "乙厂", "a": "甲厂"}, PARK_FIRM: {"f": "firm"}, STATION: {}}
    doc = {"names": json_names(names)}
    assert list(doc["names"]) == [SUPPLIER, STATION, REGION]  # firms stay in the tables
    assert list(doc["names"][SUPPLIER]) == ["a", "b"]
    assert read_names(doc)[SUPPLIER] == {"a": "甲厂", "b": "乙厂"}
    assert read_names({}) == {} and read_names({"names": [1]}) == {}
