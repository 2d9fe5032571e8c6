"""Results folders never replace what parksim did not write, and one writer at a time.

A folder of a user's files, reached by `--out` or by a scenario name that climbs
out of `results/`, is neither removed nor changed by `run`, `compare` or
`sweep`, with or without `--force` (which moves it aside whole). A file, the
working folder or a symbolic link can never be a results folder. Two writers of
one folder: the second is refused with the holder's pid. `verify` checks more
than hashes: the files of a folder must describe one run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.output.folder import FolderLock, lock_path
from sim.output.results import verify
from tests.conftest import ROOT, SCENARIOS

DEMO = SCENARIOS / "demo_park.yaml"
FAST = ["--days", "10", "--replications", "1", "--no-plots", "--quiet"]
POLICY = SCENARIOS / "policies" / "more_service_teams.yaml"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` with its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder of a user's own files, including a `manifest.json` of another program."""
    v = tmp_path / "victim"
    (v / "sub").mkdir(parents=True)
    (v / "notes.txt").write_text("my notes\n")
    (v / "sub" / "ledger.csv").write_text("id,name\n1,一号厂\n")
    (v / "manifest.json").write_text('{"name": "my web app", "files": {}}\n')
    (v / "summary.json").write_text('{"mine": true}\n')
    return v


def sweep_file(folder: Path, name: str = "tiny") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nscenario: {DEMO}\nset: [days=10]\nseed: 3\n"
        "parameters:\n  - {path: reopening.service_teams, name: teams, levels: [1, 2]}\n"
        "design: {method: grid}\nreplications: 1\noutcomes: [lost_output_days]\n"
    )
    return path


def command(kind: str, tmp_path: Path) -> list[str]:
    if kind == "run":
        return ["run", str(DEMO), *FAST]
    if kind == "compare":
        return ["compare", str(DEMO), "--policy", str(POLICY), *FAST]
    return ["sweep", str(sweep_file(tmp_path)), "--executor", "serial", "--no-plots", "--quiet"]


def leftovers(folder: Path) -> list[Path]:
    """What parksim may have left beside a folder: its partial, its lock, an old copy."""
    names = [f"{folder.name}.partial", f".{folder.name}.parksim-lock"]
    names.append(f".{folder.name}.parksim-old")
    return [folder.with_name(n) for n in names if folder.with_name(n).exists()]


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_a_folder_of_unrelated_files_is_never_removed_or_changed(
    kind: str, victim: Path, tmp_path: Path, capsys
) -> None:
    before = snapshot(victim)
    assert main([*command(kind, tmp_path), "--out", str(victim)]) == 2
    err = capsys.readouterr().err
    assert str(victim) in err and "--force" in err
    assert "notes.txt" in err  # says what is there
    assert snapshot(victim) == before
    assert leftovers(victim) == []

    assert main([*command(kind, tmp_path), "--out", str(victim), "--force"]) == 0
    err = capsys.readouterr().err
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("victim.moved-")]
    assert len(moved) == 1 and str(moved[0]) in err
    assert snapshot(moved[0]) == before  # moved aside whole, not one byte changed
    assert verify(victim) == []
    assert leftovers(victim) == []


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_a_scenario_name_cannot_reach_outside_results(
    kind: str, victim: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    text = DEMO.read_text(encoding="utf-8").replace("name: demo_park", "name: ../../victim", 1)
    scen = tmp_path / "escape.yaml"
    scen.write_text(text, encoding="utf-8")
    shutil.copy(SCENARIOS / "demo_park_food.csv", tmp_path)
    before = snapshot(victim)
    args = command(kind, tmp_path)
    args[1] = str(scen)
    for extra in ([], ["--force"]):
        assert main([*args, *extra]) == 2
        assert "name" in capsys.readouterr().err
        assert snapshot(victim) == before
    assert not (work / "results").exists() or not any((work / "results").iterdir())


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_out_an_existing_file_or_the_working_folder_is_refused_untouched(
    kind: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    f = tmp_path / "report.docx"
    f.write_bytes(b"PK\x03\x04 a user's document")
    before = f.read_bytes(), f.stat().st_mtime_ns
    for extra in ([], ["--force"]):
        assert main([*command(kind, tmp_path), "--out", str(f), *extra]) == 2
        assert "not a folder" in capsys.readouterr().err
        assert (f.read_bytes(), f.stat().st_mtime_ns) == before
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("report")) == [
            "report.docx"
        ]
    work = tmp_path / "cwd"
    work.mkdir()
    (work / "keep.txt").write_text("x")
    monkeypatch.chdir(work)
    for out in (".", "..", str(work)):
        assert main([*command(kind, tmp_path), "--out", out, "--force"]) == 2
        assert "working folder" in capsys.readouterr().err
    assert sorted(p.name for p in work.iterdir()) == ["keep.txt"]


def test_a_link_is_never_followed_into_a_users_folder(victim: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(victim, target_is_directory=True)
    before = snapshot(victim)
    assert main(["run", str(DEMO), *FAST, "--out", str(link), "--force"]) == 2
    assert link.is_symlink() and snapshot(victim) == before


def test_a_parksim_folder_holding_a_users_file_is_not_replaced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "res"
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 0
    assert main(["run", str(DEMO), *FAST, "--out", str(out), "--seed", "2"]) == 0  # ours: fine
    (out / "my_analysis.xlsx").write_bytes(b"mine")
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 2
    assert "my_analysis.xlsx" in capsys.readouterr().err
    assert (out / "my_analysis.xlsx").read_bytes() == b"mine"
    # an edited results file is the user's now, too
    (out / "my_analysis.xlsx").unlink()
    (out / "summary.json").write_text("{}")
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 2
    assert "changed since" in capsys.readouterr().err
    assert main(["run", str(DEMO), *FAST, "--out", str(out), "--force"]) == 0
    (moved,) = tmp_path.glob("res.moved-*")
    assert (moved / "summary.json").read_text() == "{}"


def test_a_folder_of_another_kind_is_not_replaced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "res"
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 0
    assert main(["compare", str(DEMO), "--policy", str(POLICY), *FAST, "--out", str(out)]) == 2
    assert "a parksim run folder" in capsys.readouterr().err
    assert verify(out) == []


def test_a_partial_folder_is_removed_only_if_parksim_left_it(tmp_path: Path, capsys) -> None:
    out = tmp_path / "res"
    partial = tmp_path / "res.partial"
    partial.mkdir()
    (partial / "summary.json").write_text("{}")  # what a killed run leaves
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 0
    assert not partial.exists() and verify(out) == []
    partial.mkdir()
    (partial / "thesis.tex").write_text("mine")
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 2
    assert "res.partial" in capsys.readouterr().err
    assert (partial / "thesis.tex").read_text() == "mine"
    assert main(["run", str(DEMO), *FAST, "--out", str(out), "--force"]) == 0
    (moved,) = tmp_path.glob("res.partial.moved-*")
    assert (moved / "thesis.tex").read_text() == "mine"


def test_a_lock_left_by_a_killed_writer_is_stale(tmp_path: Path) -> None:
    out = tmp_path / "res"
    lock_path(out).write_text('{"pid": 999999999, "host": "gone"}\n')  # nobody holds it
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 0
    assert not lock_path(out).exists() and verify(out) == []


def test_a_held_lock_refuses_a_second_writer_and_names_the_holder(tmp_path, capsys) -> None:
    out = tmp_path / "res"
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom sim.output.folder import FolderLock\n"
        "lock = FolderLock(Path(sys.argv[1])).acquire()\nprint('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(out)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and f"pid {holder.pid}" in err
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 0  # the kill freed it


def test_two_runs_started_at_once_on_one_folder(tmp_path: Path) -> None:
    out = tmp_path / "res"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(seed: int) -> subprocess.Popen[str]:
        args = ["run", str(DEMO), "--days", "120", "--replications", "12", "--quiet"]
        return subprocess.Popen(
            [sys.executable, "-m", "sim.cli", *args, "--seed", str(seed), "--out", str(out)],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    first = start(1)
    deadline = time.monotonic() + 60
    while not lock_path(out).exists() or not lock_path(out).read_text().strip():
        assert first.poll() is None, "the first run ended before it took the folder"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = start(2)
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 2, err2
    assert str(out) in err2 and f"pid {first.pid}" in err2
    assert "Traceback" not in err2
    assert verify(out) == []
    assert json.loads((out / "summary.json").read_text())["seed"] == 1


# --------------------------------------------------------------------------- verify


def _rehash(folder: Path) -> None:
    """What a careless writer does: list the folder's current files in its manifest."""
    from sim.output.folder import sha256_file

    mf = folder / "manifest.json"
    doc = json.loads(mf.read_text())
    doc["files"] = {name: sha256_file(folder / name) for name in doc["files"]}
    mf.write_text(json.dumps(doc))


def test_a_hand_mixed_folder_fails_verify(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(DEMO), *FAST, "--out", str(a), "--seed", "1"]) == 0
    assert main(["run", str(DEMO), *FAST, "--out", str(b), "--seed", "2"]) == 0
    mixed = tmp_path / "mixed"
    shutil.copytree(a, mixed)
    shutil.copy(b / "summary.json", mixed / "summary.json")
    problems = verify(mixed)
    assert any("summary.json: content differs" in p for p in problems)
    _rehash(mixed)
    problems = verify(mixed)
    assert any("seed is 2 but the manifest says 1" in p for p in problems), problems

    # the manifest of one run over the tables of a run with other replications
    c = tmp_path / "c"
    assert main(["run", str(DEMO), *FAST, "--out", str(c), "--replications", "2"]) == 0
    shutil.rmtree(mixed)
    shutil.copytree(a, mixed)
    shutil.copy(c / "causes.csv", mixed / "causes.csv")
    _rehash(mixed)
    assert any("causes.csv: holds replications" in p for p in verify(mixed))

    # a required file missing from both the folder and its manifest
    shutil.rmtree(mixed)
    shutil.copytree(a, mixed)
    (mixed / "timeseries.csv").unlink()
    doc = json.loads((mixed / "manifest.json").read_text())
    del doc["files"]["timeseries.csv"]
    (mixed / "manifest.json").write_text(json.dumps(doc))
    assert any("timeseries.csv: missing (every run folder" in p for p in verify(mixed))


@pytest.mark.parametrize(
    "manifest",
    [
        "[1, 2]",
        '{"parksim": "0.1.0", "files": ["summary.json"]}',
        '{"parksim": "0.1.0", "files": {"summary.json": 5}}',
        '{"parksim": "0.1.0"}',
        "not json at all",
        '{"files": {}}',
    ],
)
def test_verify_a_manifest_of_the_wrong_shape_is_bad_input(tmp_path, manifest, capsys) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    assert main(["verify", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "Traceback" not in err


def test_verify_refuses_a_manifest_listing_paths_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "res"
    assert main(["run", str(DEMO), *FAST, "--out", str(out)]) == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    from sim.output.folder import sha256_file

    for name in ("../secret.txt", str(secret), "plots/../../secret.txt"):
        doc = json.loads((out / "manifest.json").read_text())
        doc["files"][name] = sha256_file(secret)
        (out / "manifest.json").write_text(json.dumps(doc))
        problems = verify(out)
        assert any(f"lists '{name}'" in p for p in problems), problems
        doc["files"].pop(name)
        (out / "manifest.json").write_text(json.dumps(doc))
    (out / "plots").symlink_to(tmp_path, target_is_directory=True)
    doc = json.loads((out / "manifest.json").read_text())
    doc["files"]["plots/secret.txt"] = sha256_file(secret)
    (out / "manifest.json").write_text(json.dumps(doc))
    assert any("outside the folder" in p for p in verify(out))


def test_no_results_file_holds_nan_or_infinity(tmp_path: Path) -> None:
    # a station where nothing is ever cleared: the mean wait of cleared trips does not exist
    out = tmp_path / "res"
    assert (
        main(
            [
                "run",
                str(DEMO),
                "--days",
                "30",
                "--replications",
                "1",
                "--quiet",
                "--set",
                "logistics.transfer_stations.0.bays=0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    for p in out.rglob("*"):
        if p.suffix in (".csv", ".json", ".md", ".yaml"):
            text = p.read_text(encoding="utf-8").lower()
            for token in ("nan", "inf"):
                for line in text.splitlines():
                    cells = line.replace('"', "").replace(":", ",").replace(" ", ",").split(",")
                    assert token not in cells, f"{p.name}: {line}"
    json.loads(
        (out / "summary.json").read_text(),
        parse_constant=lambda c: pytest.fail(f"summary.json holds {c}"),
    )


def test_the_lock_is_re_entrant_within_a_process_and_released(tmp_path: Path) -> None:
    out = tmp_path / "res"
    with FolderLock(out):
        assert lock_path(out).exists()
        pid = json.loads(lock_path(out).read_text())["pid"]
        assert pid == os.getpid()
    assert not lock_path(out).exists()


def test_an_out_below_a_file_or_climbing_back_is_bad_input_and_creates_nothing(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("f").write_text("x")
    for out in ("f/sub", "f/a/b", "results/../f"):
        assert main(["run", str(DEMO), *FAST, "--out", out]) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
