"""`sim.files.inputs`: where each input file's copy lies, and which files are copied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.files.folders import KIND_FILES
from sim.files.inputs import (
    Inputs,
    comparison_inputs,
    input_file,
    registry_names,
    run_inputs,
)
from sim.files.manifest import COMPARISON, RUN, SWEEP
from sim.files.resolved import resolved_yaml
from sim.output.folder import is_known
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the ledger park (its scenario and its ledgers) in a folder of its own."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(SCENARIOS / "ledger_park.yaml", root)
    shutil.copytree(SCENARIOS / "ledgers", root / "ledgers")
    return root


def test_each_role_has_its_place() -> None:
    assert input_file("scenario", 1, "park.yaml") == "inputs/scenario/park.yaml"
    assert input_file("sweep", 1, "s.yaml") == "inputs/sweep/s.yaml"
    assert input_file("policies", 2, "a.yaml") == "inputs/policies/2-a.yaml"
    assert input_file("policies", 1, "a.yaml", "fast") == "inputs/policies/fast/1-a.yaml"
    assert input_file("registry", 3, "firms.xlsx") == "inputs/registry/3/firms.xlsx"


@pytest.mark.parametrize("kind", [RUN, COMPARISON, SWEEP])
def test_every_folder_kind_may_hold_copies_and_nothing_deeper(kind: str) -> None:
    assert any(p.startswith("inputs/") for p in KIND_FILES[kind])
    assert is_known("inputs/registry/1/firms.csv", kind)
    assert is_known("inputs/policies/fast/1-a.yaml", kind)
    assert not is_known("inputs/registry/1/deep/firms.csv", kind)


def test_a_resolved_scenario_names_copies_relative_to_itself() -> None:
    names = ["inputs/registry/1/a.csv", "inputs/registry/2/b.xlsx"]
    assert registry_names(names, "scenario.resolved.yaml") == names
    assert registry_names(names, "options/x.resolved.yaml") == [f"../{n}" for n in names]
    assert registry_names(names, "inputs/scenario.resolved.yaml") == [
        "registry/1/a.csv",
        "registry/2/b.xlsx",
    ]


def test_a_run_copies_its_scenario_its_overlays_in_order_and_its_ledger(project: Path) -> None:
    (project / "b.yaml").write_text("reopening:\n  service_teams: 5\n", encoding="utf-8")
    (project / "a.yaml").write_text("reopening:\n  service_teams: 2\n", encoding="utf-8")
    scen = project / "ledger_park.yaml"
    park = load_scenario(scen, [project / "b.yaml", project / "a.yaml"], ["days=20"])
    assert park.loaded_from == (scen, project / "b.yaml", project / "a.yaml")
    got = run_inputs(park, None)
    ledger = project / "ledgers" / "example_park_ledger.xlsx"
    assert [(c.role, c.file, c.source) for c in got.copies] == [
        ("scenario", "inputs/scenario/ledger_park.yaml", scen),
        ("policies", "inputs/policies/1-b.yaml", project / "b.yaml"),
        ("policies", "inputs/policies/2-a.yaml", project / "a.yaml"),
        ("registry", "inputs/registry/1/example_park_ledger.xlsx", ledger.resolve()),
    ]
    for c in got.copies:
        assert c.data == Path(c.source or "").read_bytes()
    assert got.registries(park) == ["inputs/registry/1/example_park_ledger.xlsx"]
    assert len(got.copies) == 4, "asking again copies nothing twice"


def test_a_ledger_read_by_two_options_or_asked_for_twice_is_copied_once(project: Path) -> None:
    scen = project / "ledger_park.yaml"
    park = load_scenario(scen)
    got = comparison_inputs(scen, [("baseline", (), park), ("other", (), park)])
    assert [c.role for c in got.copies] == ["scenario", "registry"]
    got = Inputs(scen)
    got.registries(park)
    got.registries(park)
    assert [c.file for c in got.copies] == ["inputs/registry/1/example_park_ledger.xlsx"]


def test_a_park_made_without_its_files_copies_the_scenario_file_given(project: Path) -> None:
    import dataclasses

    scen = project / "ledger_park.yaml"
    park = dataclasses.replace(load_scenario(scen), loaded_from=())
    got = run_inputs(park, scen)
    assert [c.role for c in got.copies] == ["scenario", "registry"]


def test_the_resolved_scenario_reads_the_copy(project: Path) -> None:
    scen = project / "ledger_park.yaml"
    park = load_scenario(scen)
    text = resolved_yaml(park, "scenario.resolved.yaml", Inputs(scen).registries(park))
    assert "- file: inputs/registry/1/example_park_ledger.xlsx\n" in text
    assert str(project) not in text
