"""`parksim verify`: is a results folder whole, unchanged, and one run's output?

Hashes alone do not say that: a folder into which two writers put files would
still hash right against the manifest written last. So besides the SHA-256 of
every listed file, a folder must hold every file its kind requires, list no
path outside itself, hold nothing unlisted, and its files must describe the
same run: `summary.json` (or `comparison.json`, `sweep.json`, `calibration.json`) and the manifest
name the same scenario, seed, replications and days, and the daily tables hold
exactly those replications and days.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.files import calibration, comparison, key_firms, report, resolved, summary, sweep
from sim.files.cells import read_columns, read_json
from sim.files.folders import KIND_REQUIRED, PLOTS_DIR, RUN_DAILY
from sim.files.manifest import (
    CALIBRATION,
    COMPARISON,
    RUN,
    SWEEP,
    read_manifest,
    sha256_file,
    unsafe_name,
)
from sim.files.manifest import FILE as MANIFEST
from sim.output.folder import walk


def check_folder(folder: Path) -> list[str]:
    """Every problem with a results folder, one line each (empty when it is sound)."""
    if folder.is_symlink() or not folder.is_dir():
        return [f"{folder}: not a folder"]
    doc, kind = read_manifest(folder)
    if doc is None:
        return [f"{folder / MANIFEST}: {kind} (not a complete parksim results folder)"]
    files: dict[str, str] = doc["files"]
    problems: list[str] = []
    root = folder.resolve()
    for name, digest in sorted(files.items()):
        why = unsafe_name(name)
        p = folder / name
        if why is None and p.resolve().parent != (root / name).parent:
            why = "leads outside the folder through a link"
        if why:
            problems.append(f"{folder / MANIFEST}: lists '{name}', which {why}")
        elif p.is_symlink() or (p.exists() and not p.is_file()):
            problems.append(f"{p}: not a regular file")
        elif not p.is_file():
            problems.append(f"{p}: missing")
        elif sha256_file(p) != digest:
            problems.append(f"{p}: content differs from the manifest (SHA-256)")
    if problems:
        return problems
    for name, st in walk(folder):
        if name != MANIFEST and name not in files:
            what = "not listed in the manifest"
            if not stat.S_ISREG(st.st_mode):
                what += " (and not a regular file)"
            problems.append(f"{folder / name}: {what}")
    for name in KIND_REQUIRED[kind]:
        if name not in files:
            problems.append(f"{folder / name}: missing (every {kind} folder has it)")
    if doc.get("plots") is True and not any(n.startswith(f"{PLOTS_DIR}/") for n in files):
        problems.append(f"{folder / PLOTS_DIR}: missing (the manifest says plots were drawn)")
    if doc.get("report") is True and report.FILE not in files:
        problems.append(f"{folder / report.FILE}: missing (the manifest says it was written)")
    if report.FILE in files:
        problems += _check_report(folder, doc, kind)
    if problems:
        return problems
    try:
        problems += _check_inputs(folder, doc, kind)
        if kind == RUN:
            problems += _check_run(folder, doc)
        elif kind == COMPARISON:
            problems += _check_comparison(folder, doc)
        elif kind == SWEEP:
            problems += _check_sweep(folder, doc)
        elif kind == CALIBRATION:
            problems += _check_calibration(folder, doc)
    except (OSError, ValueError, KeyError, TypeError) as e:
        problems.append(f"{folder}: a results file cannot be read ({type(e).__name__}: {e})")
    return problems


def _check_report(folder: Path, doc: dict[str, Any], kind: str) -> list[str]:
    """The report describes this folder: its kind, scenario and seed are the manifest's."""
    meta = report.read_meta(folder / report.FILE)
    scenario = doc.get("scenario") if kind != SWEEP else None
    want = {"kind": kind, "seed": str(doc.get("seed"))}
    if scenario is not None:
        want["scenario"] = str(scenario)
    wrong = [k for k, v in want.items() if meta.get(k) != v]
    if not wrong:
        return []
    said = ", ".join(f"{k} {meta.get(k)!r} (manifest: {want[k]!r})" for k in wrong)
    return [f"{folder / report.FILE}: describes another folder: {said}"]


def _json(path: Path) -> Any:
    """A JSON file of the folder as written (what it holds is checked by the caller)."""
    return read_json(path)


def _same(
    folder: Path, what: str, mine: dict[str, Any], manifest: dict[str, Any], keys: Iterable[str]
) -> list[str]:
    """Disagreements between a results file and the manifest on the keys both have."""
    out = []
    for k in keys:
        if k in mine and k in manifest and mine[k] != manifest[k]:
            out.append(
                f"{folder / what}: {k} is {mine[k]!r} but the manifest says {manifest[k]!r} "
                "(files of different runs mixed in one folder)"
            )
    return out


def _days_and_replications(path: Path, column: str = "replication") -> tuple[set[int], int]:
    """The replications a daily table holds and its last day (-1 when empty)."""
    cols = read_columns(path, ("day", column))
    reps = {int(r) for r in cols[column]}
    last = max((int(d) for d in cols["day"]), default=-1)
    return reps, last


def _check_tables(
    folder: Path, tables: Iterable[str], reps: int, days: int, column: str = "replication"
) -> list[str]:
    out = []
    for name in tables:
        got, last = _days_and_replications(folder / name, column)
        if got != set(range(reps)) or last != days - 1:
            out.append(
                f"{folder / name}: holds replications {sorted(got)[:5]}… up to day {last}, "
                f"but the run had {reps} replication(s) of {days} days "
                "(files of different runs mixed in one folder)"
            )
    return out


def _check_inputs(folder: Path, doc: dict[str, Any], kind: str) -> list[str]:
    """The copies of the input files that the manifest (a sweep: `sweep.json`) describes
    are in the folder, each with the SHA-256 it was copied with (`sim.files.inputs`)."""
    if kind == SWEEP:
        spec = _json(folder / sweep.SPEC)
        described = spec.get("inputs") if isinstance(spec, dict) else None
    else:
        described = doc.get("inputs")
    if not isinstance(described, list):
        return []
    files: dict[str, str] = doc["files"]
    out = []
    for entry in described:
        name, digest = entry["file"], entry["sha256"]
        if name not in files:
            out.append(f"{folder / name}: missing (the copy of {entry.get('source')})")
        elif files[name] != digest:
            out.append(
                f"{folder / name}: is not the copy of {entry.get('source')} that was made "
                "(its SHA-256 differs from the one the inputs were copied with)"
            )
    return out


def _check_run(folder: Path, doc: dict[str, Any]) -> list[str]:
    summ = _json(folder / summary.FILE)
    if not isinstance(summ, dict):
        return [f"{folder / summary.FILE}: not a parksim summary"]
    keys = ("scenario", "seed", "replications", "days", "scenario_sha256")
    problems = _same(folder, summary.FILE, summ, doc, keys)
    if problems:
        return problems
    reps, days = int(summ["replications"]), int(summ["days"])
    problems = _check_tables(folder, RUN_DAILY, reps, days)
    if key_firms.FILE in doc["files"]:
        cols = read_columns(folder / key_firms.FILE, ("replication", "to_day"))
        got = {int(r) for r in cols["replication"]}
        last = max((int(d) for d in cols["to_day"]), default=days - 1)
        if not got <= set(range(reps)) or last != days - 1:
            problems.append(
                f"{folder / key_firms.FILE}: holds replications {sorted(got)[:5]}… up to day "
                f"{last}, but the run had {reps} replication(s) of {days} days "
                "(files of different runs mixed in one folder)"
            )
    return problems


def _check_comparison(folder: Path, doc: dict[str, Any]) -> list[str]:
    meta = _json(folder / comparison.JSON)
    if not isinstance(meta, dict):
        return [f"{folder / comparison.JSON}: not a parksim comparison"]
    keys = ("scenario", "seed", "replications", "days", "options")
    problems = _same(folder, comparison.JSON, meta, doc, keys)
    names = [o["name"] for o in meta["options"]]
    for name in names:
        p = folder / resolved.option_file(name)
        if not p.is_file():
            problems.append(f"{p}: missing (option '{name}' of {comparison.JSON})")
    if problems:
        return problems
    seen = set(read_columns(folder / comparison.TIMESERIES, ("option",))["option"])
    if seen != set(names):
        problems.append(
            f"{folder / comparison.TIMESERIES}: holds options {sorted(seen)}, but "
            f"{comparison.JSON} lists {sorted(names)} (files of different comparisons mixed)"
        )
    return problems


def _check_sweep(folder: Path, doc: dict[str, Any]) -> list[str]:
    import pyarrow.parquet as pq

    spec = _json(folder / sweep.SPEC)
    if not isinstance(spec, dict):
        return [f"{folder / sweep.SPEC}: not a parksim sweep"]
    problems = []
    if "sweep_sha256" in doc and spec.get("sha256") != doc["sweep_sha256"]:
        problems.append(
            f"{folder / sweep.SPEC}: describes another sweep than the manifest (SHA-256 differs)"
        )
    rows = pq.read_metadata(folder / sweep.RUNS).num_rows
    if "runs" in doc and rows != doc["runs"]:
        problems.append(
            f"{folder / sweep.RUNS}: holds {rows} runs but the manifest says {doc['runs']}"
        )
    return problems


def _check_calibration(folder: Path, doc: dict[str, Any]) -> list[str]:
    """calibration.json is the manifest's calibration, and the tables hold what both say:
    the particles, the predictive draws and one fit row per observation."""
    import pyarrow.parquet as pq

    meta = _json(folder / calibration.SPEC)
    if not isinstance(meta, dict):
        return [f"{folder / calibration.SPEC}: not a parksim calibration"]
    problems = []
    if meta.get("sha256") != doc.get("calibration_sha256"):
        problems.append(
            f"{folder / calibration.SPEC}: describes another calibration than the manifest "
            "(SHA-256 differs)"
        )
    rows = pq.read_metadata(folder / calibration.POSTERIOR_PARQUET).num_rows
    if "particles" in doc and rows != doc["particles"]:
        problems.append(
            f"{folder / calibration.POSTERIOR_PARQUET}: holds {rows} particles but the manifest "
            f"says {doc['particles']}"
        )
    cases = [c["id"] for c in meta.get("cases") or []]
    overlays = [f"{calibration.OVERLAYS}/{c}.yaml" for c in cases] + [calibration.CASES]
    for name in overlays if cases else [calibration.OVERLAY]:
        if not (folder / name).is_file():
            problems.append(
                f"{folder / name}: missing (every calibration folder of its kind has it)"
            )
    fit = calibration.read_table(folder, calibration.FIT)
    observations = meta.get("observations") or []
    if [r["id"] for r in fit] != [o["id"] for o in observations]:
        problems.append(
            f"{folder / calibration.FIT}: its observations are not those of {calibration.SPEC} "
            "(files of different calibrations mixed)"
        )
    draws = {row["draw"] for row in calibration.read_table(folder, calibration.PREDICTIVE)}
    if len(draws) > int(doc.get("predictive_draws", len(draws))):
        problems.append(
            f"{folder / calibration.PREDICTIVE}: holds {len(draws)} draws but the manifest says "
            f"{doc['predictive_draws']}"
        )
    return problems
