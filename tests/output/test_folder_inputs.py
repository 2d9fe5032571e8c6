"""Run and comparison folders keep copies of the files they ran from (issue 19.1): the
scenario, every overlay in order (a comparison's by option), every ledger, named in the
resolved scenario so that it runs again from the folder alone, to the same numbers;
`parksim verify` checks the copies like every other file."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from sim import api
from sim.cli import main
from sim.output.results import verify
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

LEDGER = "ledgers/example_park_ledger.xlsx"
DAILY = ("timeseries.csv", "causes.csv", "states.csv", "logistics.csv", "key_firms.csv")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The ledger park, its workbook and two overlays, in a folder that can be removed."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(SCENARIOS / "ledger_park.yaml", root)
    shutil.copytree(SCENARIOS / "ledgers", root / "ledgers")
    (root / "teams.yaml").write_text("reopening:\n  service_teams: 5\n", encoding="utf-8")
    (root / "fewer.yaml").write_text("reopening:\n  service_teams: 2\n", encoding="utf-8")
    return root


def _run(project: Path, out: Path, *extra: str) -> None:
    args = ["run", str(project / "ledger_park.yaml"), "--replications", "2", "--days", "40"]
    assert main([*args, *extra, "--out", str(out), "--no-plots", "--quiet"]) == 0


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_run_folder_holds_its_inputs_byte_for_byte(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(
        project,
        out,
        "--policy",
        str(project / "teams.yaml"),
        "--policy",
        str(project / "fewer.yaml"),
    )
    originals = {
        "inputs/scenario/ledger_park.yaml": project / "ledger_park.yaml",
        "inputs/policies/1-teams.yaml": project / "teams.yaml",
        "inputs/policies/2-fewer.yaml": project / "fewer.yaml",
        "inputs/registry/1/example_park_ledger.xlsx": project / LEDGER,
    }
    copies = {k: v for k, v in _files(out).items() if k.startswith("inputs/")}
    assert copies == {k: p.read_bytes() for k, p in originals.items()}
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, data in copies.items():
        assert doc["files"][name] == hashlib.sha256(data).hexdigest()
    assert [(c["role"], c["file"]) for c in doc["inputs"]] == [
        ("scenario", "inputs/scenario/ledger_park.yaml"),
        ("policies", "inputs/policies/1-teams.yaml"),
        ("policies", "inputs/policies/2-fewer.yaml"),
        ("registry", "inputs/registry/1/example_park_ledger.xlsx"),
    ]
    assert doc["inputs"][3]["source"] == str((project / LEDGER).resolve())
    assert verify(out) == []


def test_a_run_runs_again_from_its_folder_alone_to_the_same_numbers(
    project: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    _run(project, first, "--policy", str(project / "fewer.yaml"), "--set", "seed=5")
    shutil.rmtree(project)  # the originals are gone; the folder is all there is
    moved = tmp_path / "elsewhere" / "first"
    moved.parent.mkdir()
    first.rename(moved)
    again = tmp_path / "again"
    args = ["run", str(moved / "scenario.resolved.yaml"), "--out", str(again)]
    assert main([*args, "--no-plots", "--quiet"]) == 0
    for name in DAILY:
        assert (again / name).read_bytes() == (moved / name).read_bytes(), name
    one, two = (json.loads((f / "summary.json").read_text()) for f in (moved, again))
    assert one["metrics"] == two["metrics"] and one["seed"] == two["seed"] == 5


def test_verify_finds_a_copy_changed_or_not_the_one_described(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    _run(project, out, "--policy", str(project / "teams.yaml"))
    copy = out / "inputs" / "policies" / "1-teams.yaml"
    kept = copy.read_bytes()
    copy.write_bytes(kept.replace(b"5", b"6"))
    problems = verify(out)
    assert problems == [f"{copy}: content differs from the manifest (SHA-256)"]
    # The file list re-hashed to hide it: the description of the copy still tells.
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    doc["files"]["inputs/policies/1-teams.yaml"] = hashlib.sha256(copy.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    problems = verify(out)
    assert len(problems) == 1 and problems[0].startswith(f"{copy}: is not the copy of"), problems
    copy.unlink()
    assert any("missing" in p for p in verify(out))


def test_a_folder_written_before_copies_were_kept_still_verifies(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    _run(project, out)
    shutil.rmtree(out / "inputs")
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del doc["inputs"]
    doc["files"] = {k: v for k, v in doc["files"].items() if not k.startswith("inputs/")}
    (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    assert verify(out) == []


def test_a_run_of_a_loaded_park_copies_the_overlays_it_was_loaded_with(
    project: Path, tmp_path: Path
) -> None:
    park = load_scenario(project / "ledger_park.yaml", [project / "fewer.yaml"], ["days=30"])
    done = api.run(park, out=tmp_path / "run", plots=False)
    assert [c["file"] for c in done.manifest["inputs"]] == [
        "inputs/scenario/ledger_park.yaml",
        "inputs/policies/1-fewer.yaml",
        "inputs/registry/1/example_park_ledger.xlsx",
    ]


def test_an_input_gone_before_the_run_is_refused_and_nothing_written(
    project: Path, tmp_path: Path
) -> None:
    park = load_scenario(project / "ledger_park.yaml", [project / "fewer.yaml"], ["days=30"])
    (project / "fewer.yaml").unlink()
    with pytest.raises(api.FolderError, match=r"fewer\.yaml: cannot be copied"):
        api.run(park, out=tmp_path / "run", plots=False)
    assert not (tmp_path / "run").exists()


def test_a_comparison_copies_each_options_overlays_and_reruns_each_option(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", str(project / "ledger_park.yaml"), "--policy", str(project / "teams.yaml")]
    args += ["--variant", f"both: {project / 'teams.yaml'}; {project / 'fewer.yaml'}"]
    args += ["--replications", "2", "--days", "40", "--out", str(out), "--no-plots", "--quiet"]
    assert main(args) == 0
    copies = {k: v for k, v in _files(out).items() if k.startswith("inputs/")}
    teams, fewer = (project / "teams.yaml").read_bytes(), (project / "fewer.yaml").read_bytes()
    assert copies == {
        "inputs/scenario/ledger_park.yaml": (project / "ledger_park.yaml").read_bytes(),
        "inputs/policies/teams/1-teams.yaml": teams,
        "inputs/policies/both/1-teams.yaml": teams,
        "inputs/policies/both/2-fewer.yaml": fewer,
        "inputs/registry/1/example_park_ledger.xlsx": (project / LEDGER).read_bytes(),
    }
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [c.get("option") for c in doc["inputs"]] == [None, "teams", "both", "both", None]
    assert verify(out) == []
    shutil.rmtree(project)
    series = (out / "compare_timeseries.csv").read_text(encoding="utf-8-sig").splitlines()
    curves = {o: [r for r in series if r.startswith(f"{o},")] for o in ("baseline", "both")}
    assert len(curves["both"]) == 2 * 40
    assert [r.split(",", 1)[1] for r in curves["both"]] != [
        r.split(",", 1)[1] for r in curves["baseline"]
    ], "the options differ, so each must rerun its own"
    for option in ("baseline", "both"):
        again = tmp_path / option
        scenario = out / "options" / f"{option}.resolved.yaml"
        assert main(["run", str(scenario), "--out", str(again), "--no-plots", "--quiet"]) == 0
        rows = (again / "timeseries.csv").read_text(encoding="utf-8-sig").splitlines()
        capacity = [r.split(",") for r in rows if ",capacity,park," in r]
        want = [r.split(",")[1:] for r in curves[option]]
        assert [[d, rep, v] for d, rep, _, _, v in capacity] == want
