"""Renames that publish finished folders reach the disk: the parent folder is fsync'd.

A rename is atomic at once but durable only once the folder holding the name is
flushed; before that, a power cut can undo it. These tests record, in order,
every rename and every fsync the writers make (the fsync'd path read back from
`/proc/self/fd`), and check that each published folder was flushed whole before
it took its name and that its parent was flushed after.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import sim.output.results as results
from sim.cli import main
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.output.durable import fsync_dir, fsync_tree
from sim.output.results import recover, verify
from tests._helpers import small_demo_run
from tests._helpers import write_small_run as write
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads fsync'd paths from /proc/self/fd"
)

DEMO = SCENARIOS / "demo_park.yaml"


class Disk:
    """Records renames (by destination) and fsyncs (by path), in the order they happen."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, Path]] = []
        real_fsync, real_replace, real_exchange = os.fsync, os.replace, results._exchange

        def fsync(fd: int) -> None:
            self.events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}"))))
            real_fsync(fd)

        def replace(src, dst) -> None:
            real_replace(src, dst)
            self.events.append(("rename", Path(dst).resolve()))

        def exchange(a: Path, b: Path) -> bool:
            done = real_exchange(a, b)
            if done:
                self.events.append(("rename", Path(b).resolve()))
            return done

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(results, "_exchange", exchange)

    def last_rename(self, path: Path) -> int:
        path = path.resolve()
        hits = [k for k, e in enumerate(self.events) if e == ("rename", path)]
        assert hits, f"{path} was never renamed into place"
        return hits[-1]

    def synced(self, path: Path, start: int = 0, stop: int | None = None) -> bool:
        return ("fsync", path.resolve()) in self.events[start:stop]

    def check_published(self, out: Path, partial: Path) -> None:
        """`partial` flushed whole (files and folders) before it became `out`; `out`'s
        parent flushed after."""
        k = self.last_rename(out)
        assert self.synced(out.parent, k + 1), "the rename was not flushed"
        for p in [out, *out.rglob("*")]:
            before = partial / p.relative_to(out)
            assert self.synced(before, 0, k), f"{before} not flushed before the rename"


@pytest.fixture(scope="module")
def small_run():
    return small_demo_run()


def test_a_new_results_folder_is_flushed_then_renamed_then_its_parent_flushed(
    tmp_path, monkeypatch, small_run
) -> None:
    out = tmp_path / "res"
    disk = Disk(monkeypatch)
    write(out, small_run, plots=True)  # matplotlib's PNGs were never fsync'd by it
    assert any(p.suffix == ".png" for p in out.rglob("*"))
    disk.check_published(out, tmp_path / "res.partial")
    assert verify(out) == []


@pytest.mark.parametrize("swap", [True, False], ids=["one-step swap", "two renames"])
def test_replacing_a_results_folder_flushes_the_rename_before_the_old_one_goes(
    tmp_path, monkeypatch, small_run, swap
) -> None:
    out = tmp_path / "res"
    write(out, small_run)
    disk = Disk(monkeypatch)
    if not swap:
        monkeypatch.setattr(results, "_exchange", lambda a, b: False)
    removed: list[int] = []
    real_rmtree = results.shutil.rmtree

    def rmtree(path, *a, **k):
        removed.append(len(disk.events))
        real_rmtree(path, *a, **k)

    monkeypatch.setattr(results.shutil, "rmtree", rmtree)
    write(out, small_run)
    k = disk.last_rename(out)
    assert removed and disk.synced(out.parent, k + 1, removed[-1])
    assert verify(out) == []


def test_recovering_the_older_folder_flushes_its_rename(tmp_path, monkeypatch, small_run) -> None:
    out = tmp_path / "res"
    write(out, small_run)
    os.replace(out, tmp_path / ".res.parksim-old")  # a kill between the two renames
    disk = Disk(monkeypatch)
    recover(out)
    k = disk.last_rename(out)
    assert disk.synced(tmp_path, k + 1)
    assert verify(out) == []


def test_a_comparison_folder_is_flushed_and_its_rename_too(tmp_path, monkeypatch) -> None:
    out = tmp_path / "cmp"
    disk = Disk(monkeypatch)
    args = ["compare", str(DEMO), "--variant", "five: reopening.service_teams=5"]
    args += ["--replications", "1", "--days", "10", "--out", str(out), "--quiet", "--no-plots"]
    assert main(args) == 0
    disk.check_published(out, tmp_path / "cmp.partial")
    assert (out / "options").is_dir()  # a sub-folder, flushed as well
    assert verify(out) == []


def test_a_sweep_flushes_every_file_before_its_manifest_and_the_manifest_after(
    tmp_path, monkeypatch
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"name: s\nscenario: {DEMO}\nset: [days=10]\nseed: 3\n"
        "parameters:\n  - {path: reopening.service_teams, name: teams, levels: [1, 4]}\n"
        "design: grid\nreplications: 1\noutcomes: [lost_output_days]\n"
    )
    out = tmp_path / "sweep"
    disk = Disk(monkeypatch)
    run_sweep(load_sweep(spec), out, SerialExecutor(), plots=True)
    k = disk.last_rename(out / "manifest.json")
    assert disk.synced(out, k + 1)
    for p in out.rglob("*"):
        if p.name != "manifest.json":
            assert disk.synced(p, 0, k), f"{p} not flushed before the manifest"
    assert verify(out) == []


def test_fsync_tree_flushes_files_and_then_folders_deepest_first(tmp_path, monkeypatch) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.txt").write_text("x")
    (tmp_path / "g.txt").write_text("y")
    disk = Disk(monkeypatch)
    fsync_tree(tmp_path)
    order = [p for _, p in disk.events]
    root = tmp_path.resolve()
    assert order == [
        root / "a" / "b" / "f.txt",
        root / "g.txt",
        root / "a" / "b",
        root / "a",
        root,
    ]
    disk.events.clear()
    fsync_dir(tmp_path)
    assert disk.events == [("fsync", root)]
