"""The results folder of a run: written whole or not at all, with a manifest.

Files are written into `<out>.partial/`, fsync'd, then the folder is renamed to
`<out>` (replacing an older one in one step, see `publish`), so a folder without
`.partial` is complete. The rename is flushed to disk too (`sim.output.durable`),
so a power cut after "done" cannot bring the older folder back.
`manifest.json` lists the SHA-256 of every file; `verify` checks them. The copies
of the input files (`inputs/`, `sim.files.inputs`) are written into the partial
folder like every other file, so they are published with it or not at all.

What each file holds, and how it is spelled, is its owner's (`sim.files.<file>`);
this module decides when and where they are written.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sim
from sim.files import (
    bottlenecks,
    causes,
    key_firms,
    logistics,
    names,
    parks,
    resolved,
    states,
    summary,
    timeseries,
)
from sim.files import report as report_file
from sim.files.cells import excel, json_text, lines
from sim.files.folders import PLOTS_DIR
from sim.files.inputs import Copy, Inputs, run_inputs
from sim.files.manifest import code_identity, hashes, sha256_file, versions
from sim.model.streams import SPAWN_SCHEME
from sim.output.durable import fsync_dir, fsync_tree
from sim.output.folder import (
    MANIFEST,
    RUN,
    FolderError,
    claim,
    clear_partial,
    partial_path,
    prepare,
    read_manifest,
    walk,
)
from sim.output.verify import check_folder
from sim.record import Trace
from sim.runtime import collector_paused
from sim.scenario.expand import Park


def write_file(path: Path, text: str) -> None:
    """Write a results file as UTF-8 with LF line ends, flushed to disk."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file of a folder being built as the bytes given (an input's copy), flushed
    to disk, making the folders it lies in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_inputs(partial: Path, copies: Sequence[Copy]) -> None:
    """The copies of the input files, in `inputs/` of a folder being built."""
    for c in copies:
        write_bytes(partial / c.file, c.data)


def write_run(
    out: Path,
    park: Park,
    traces: Sequence[Trace],
    *,
    scenario_file: Path | None,
    started: dt.datetime,
    executor: str,
    plots: bool = True,
    force: bool = False,
    lang: str | None = None,
    report: bool = False,
    inputs: Inputs | None = None,
) -> Path:
    """Write the whole results folder atomically; returns its final path.

    `inputs/` holds the copies of `inputs` (`sim.files.inputs.run_inputs`, best
    gathered before the run; by default gathered now from `park` and `scenario_file`).
    Plots and, with `report`, `report.html` are in `lang` (default: the scenario's
    `reporting.lang`).

    Raises FolderError (nothing changed) when `out` is not parksim's to replace
    (see `sim.output.folder`), unless `force` moves it aside.
    """
    with claim(out, RUN, force=force), collector_paused():
        return build(
            out,
            RUN,
            lambda partial: _fill(
                partial,
                park,
                traces,
                scenario_file,
                started,
                executor,
                plots,
                lang or park.scenario.reporting.lang,
                report,
                inputs if inputs is not None else run_inputs(park, scenario_file),
            ),
            force=force,
        )


def build(out: Path, kind: str, fill: Callable[[Path], None], *, force: bool = False) -> Path:
    """Build a `kind` folder in `NAME.partial/` with `fill`, then publish it as `out`.

    The caller holds `out` (`folder.claim`); a partial folder left by a killed
    writer is removed first, and only if it holds nothing but parksim's files.
    """
    out = Path(os.path.abspath(out))
    clear_partial(out, kind, force=force)
    partial = partial_path(out)
    try:
        partial.mkdir(parents=True)
    except OSError as e:
        raise FolderError(f"{out}: cannot create it ({e.strerror or e})") from e
    try:
        fill(partial)
        publish(partial, out, kind, force=force)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out


def _fill(
    partial: Path,
    park: Park,
    traces: Sequence[Trace],
    scenario_file: Path | None,
    started: dt.datetime,
    executor: str,
    plots: bool,
    lang: str,
    report: bool,
    inputs: Inputs,
) -> None:
    sc = park.scenario
    summ = summary.document(park, traces)
    n_firms = summ["firms"]

    def table(rows: Sequence[str]) -> str:
        return excel(lines(rows), sc.reporting.csv_bom)

    write_file(partial / summary.FILE, json_text(summ))
    write_file(partial / timeseries.FILE, table(timeseries.rows(traces)))
    write_file(partial / causes.FILE, table(causes.rows(traces)))
    write_file(partial / states.FILE, table(states.rows(traces)))
    write_file(partial / logistics.FILE, table(logistics.rows(traces)))
    named = names.of_park(park)
    write_file(partial / bottlenecks.FILE, table(bottlenecks.rows(traces, n_firms, named)))
    write_file(partial / key_firms.FILE, table(key_firms.rows(traces, park)))
    write_inputs(partial, inputs.copies)
    if parks.has_parks(traces):
        sustain = sc.reporting.sustain_days
        write_file(partial / parks.PARKS, table(parks.rows(traces, park, sustain)))
        write_file(partial / parks.CAUSES, table(parks.cause_rows(traces)))
    registries = inputs.registries(park)
    write_file(partial / resolved.FILE, resolved.resolved_yaml(park, resolved.FILE, registries))
    if plots:
        from sim.output.plots import draw_run_plots

        draw_run_plots(partial, lang)
    about = {
        "kind": RUN,
        "scenario": sc.name,
        "scenario_file": str(scenario_file) if scenario_file else None,
        "scenario_sha256": summ["scenario_sha256"],
        "inputs": [c.describe() for c in inputs.copies],
        "seed": sc.seed,
        "replications": len(traces),
        "days": summ["days"],
        "plots": plots,
        "lang": lang,
        "report": report,
    }
    if report:
        from sim.output.report import write_report

        write_report(partial, lang, manifest=about)
    write_manifest(partial, about, started, executor)


def write_manifest(
    partial: Path, about: dict[str, Any], started: dt.datetime, executor: str
) -> None:
    """Write `manifest.json` last into a folder being built: versions, the code that ran
    (`code`: git commit, uncommitted changes, SHA-256 of the package's source), what was
    run (`about`), how and when, and the SHA-256 of every file already in the folder."""
    ended = dt.datetime.now(dt.UTC)
    manifest: dict[str, Any] = {
        "parksim": sim.__version__,
        "versions": versions(),
        "code": code_identity(),
        **about,
        "spawn_scheme": SPAWN_SCHEME,
        "executor": executor,
        "command": sys.argv,
        "started": started.isoformat(),
        "ended": ended.isoformat(),
        "wall_seconds": round((ended - started).total_seconds(), 3),
        "files": hashes(partial),
    }
    write_file(partial / MANIFEST, json_text(manifest))


def refresh_manifest(folder: Path, lang: str | None = None) -> None:
    """List the files of a complete folder again in its manifest, after `parksim plot`
    redrew its charts or `parksim report` wrote its report, in `lang` when given (the
    folder is held and holds only parksim's files)."""
    doc, _ = read_manifest(folder)
    assert doc is not None, "refresh_manifest needs a parksim folder"
    files = sorted(name for name, _ in walk(folder) if name != MANIFEST)
    doc["files"] = {name: sha256_file(folder / name) for name in files}
    doc["plots"] = any(name.startswith(f"{PLOTS_DIR}/") for name in files)
    doc["report"] = report_file.FILE in files
    if lang is not None:
        doc["lang"] = lang
    tmp = folder.with_name(f".{folder.name}.{MANIFEST}.tmp")
    write_file(tmp, json_text(doc))
    os.replace(tmp, folder / MANIFEST)
    fsync_dir(folder)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux `renameat2(RENAME_EXCHANGE)`); False where the
    system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # libc older than glibc 2.28, or not glibc
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _old(out: Path) -> Path:
    """Where an older folder waits while a new one takes its name (no atomic swap)."""
    return out.with_name(f".{out.name}.parksim-old")


def recover(out: Path) -> None:
    """Finish a replacement of `out` cut short (where folders cannot be swapped in one
    step, `out` is renamed to `.NAME.parksim-old` before the new folder takes its name):
    bring the older folder back if `out` is missing, else drop the leftover."""
    old = _old(out)
    if not old.is_dir() or old.is_symlink():
        return
    if out.exists() or out.is_symlink():
        shutil.rmtree(old)
    else:
        os.replace(old, out)
        fsync_dir(out.parent)


def publish(partial: Path, out: Path, kind: str = RUN, *, force: bool = False) -> None:
    """Rename a finished `NAME.partial/` folder to `NAME`, replacing an older one whole.

    The caller holds `out` (`folder.claim`); what is at `out` is checked again
    here, at the last moment: a folder that is not parksim's (files appeared in it
    meanwhile) is refused, or moved aside with `force`, never replaced.

    A kill at any moment leaves `NAME` complete, old or new: the two folders are
    swapped in one step (the old one then lies in `NAME.partial/` until removed);
    where that is not possible, a kill between the two renames leaves the old one
    as `.NAME.parksim-old`, which `recover` (run first here) restores.

    Against a power cut, every file and folder of `NAME.partial/` is flushed
    before the rename, and the parent folder after it, before the old folder is
    removed: once this returns, `NAME` is the new folder on disk too.
    """
    recover(out)
    prepare(out, kind, force=force)
    fsync_tree(partial)
    if not out.exists():
        os.replace(partial, out)
        fsync_dir(out.parent)
    elif _exchange(partial, out):
        fsync_dir(out.parent)
        shutil.rmtree(partial)
    else:
        old = _old(out)
        os.replace(out, old)
        os.replace(partial, out)
        fsync_dir(out.parent)
        shutil.rmtree(old)


def verify(folder: Path) -> list[str]:
    """Problems with a results folder (empty if sound): not a parksim folder, a manifest
    of the wrong shape or listing paths outside the folder, files missing, changed or
    not listed, files its kind requires absent, or files that describe different runs."""
    return check_folder(folder)
