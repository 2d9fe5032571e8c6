"""The results folder of a run: written whole or not at all, with a manifest.

Files are written into `<out>.partial/`, fsync'd, then the folder is renamed to
`<out>` (replacing an older one in one step, see `publish`), so a folder without
`.partial` is complete. The rename is flushed to disk too (`sim.output.durable`),
so a power cut after "done" cannot bring the older folder back.
`manifest.json` lists the SHA-256 of every file; `verify` checks them.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import hashlib
import json
import math
import os
import platform
import shutil
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import sim
from sim.metrics import summary
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
    sha256_file,
    walk,
)
from sim.output.verify import check_folder
from sim.record import WORKFORCE_PARTS, Trace
from sim.scenario.expand import Park

DEPENDENCIES = ("numpy", "simpy", "pydantic", "scipy", "matplotlib", "pyyaml", "rich")


def _fmt(v: float) -> str:
    """A number cell; NaN and infinities never reach a results file (an empty cell:
    the value does not exist, e.g. the mean wait on a day no trip was cleared)."""
    if not math.isfinite(v):
        return ""
    return f"{v:.10g}"


def finite(v: Any) -> Any:
    """`v` with every NaN or infinite float replaced by None (strict JSON)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [finite(x) for x in v]
    return v


def json_text(doc: Any) -> str:
    """Indented strict JSON of a results file: NaN and infinities become null."""
    return json.dumps(finite(doc), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _text(v: str) -> str:
    """A CSV cell for a name from the scenario (ids, sectors, goods may hold a `"`)."""
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def scenario_json(park: Park) -> str:
    """Canonical JSON of the validated scenario (what the SHA-256 is taken of)."""
    data = park.scenario.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def scenario_sha256(park: Park) -> str:
    """SHA-256 of the canonical JSON of the validated scenario: the identity of what ran."""
    return hashlib.sha256(scenario_json(park).encode()).hexdigest()


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def timeseries_rows(traces: Sequence[Trace]) -> list[str]:
    """`day,replication,metric,group,value` rows (shares 0..1, counts in people or firms)."""
    rows = ["day,replication,metric,group,value"]
    for t in traces:
        r = t.replication
        cap = t.capacity
        cap_sec = t.capacity_sector
        wf = t.workforce
        staff = max(t.staff_total, 1)
        series: list[tuple[str, str, np.ndarray]] = [("capacity", "park", cap)]
        series += [("capacity", _text(s), cap_sec[:, k]) for k, s in enumerate(t.sectors)]
        series += [
            ("resumption", "park", t.resumption),
            ("resumption_weighted", "park", t.resumption_weighted),
        ]
        if t.n_above_scale:
            series.append(("resumption_above_scale", "park", t.resumption_above_scale))
        series.append(("workforce", "park", wf[:, 0] / staff))
        series += [(f"staff_{p}", "park", wf[:, k]) for k, p in enumerate(WORKFORCE_PARTS)]
        series += [
            ("review_queue", "park", t.review_queue),
            ("review_wait_days", "park", t.review_wait),
            ("cases", "park", t.cases),
            ("trips_in_transit", "park", t.trips_in_transit),
            ("failed_firms", "park", t.state_counts[:, t.states.index("failed")]),
            ("cash_negative_firms", "park", t.cash_negative),
            ("relief_spent", "park", t.relief_spent),
        ]
        for d in range(t.days):
            for metric, group, arr in series:
                rows.append(f"{d},{r},{metric},{group},{_fmt(float(arr[d]))}")
    return rows


def causes_rows(traces: Sequence[Trace]) -> list[str]:
    """`day,replication,cause,lost_output` rows, lost output in baseline-days."""
    rows = ["day,replication,cause,lost_output"]
    for t in traces:
        lost = t.lost_days
        causes = [_text(c) for c in t.causes]
        for d in range(t.days):
            for k, c in enumerate(causes):
                rows.append(f"{d},{t.replication},{c},{_fmt(float(lost[d, k]))}")
    return rows


def logistics_rows(traces: Sequence[Trace]) -> list[str]:
    """Per station and day: trips declared, admitted, cleared that day and in total,
    trips in the station at the end of the day, mean wait of trips cleared that day."""
    rows = [
        "day,replication,station,declared,admitted,cleared,"
        "declared_total,admitted_total,cleared_total,queue,mean_wait_days"
    ]
    for t in traces:
        if not t.stations:
            continue
        prev = np.zeros((len(t.stations), 5))
        for d in range(t.days):
            cur = t.funnel[d]
            delta = cur - prev
            for k, st in enumerate(map(_text, t.stations)):
                dec, adm, clr, _, wait = delta[k]
                mean_wait = wait / clr if clr > 0 else float("nan")
                rows.append(
                    f"{d},{t.replication},{st},{int(dec)},{int(adm)},{int(clr)},"
                    f"{int(cur[k, 0])},{int(cur[k, 1])},{int(cur[k, 2])},{int(cur[k, 3])},"
                    f"{_fmt(mean_wait)}"
                )
            prev = cur
    return rows


def bottleneck_rows(traces: Sequence[Trace], n_firms: int) -> list[str]:
    """Suppliers (park firms and external) and stations ranked by the output they cost
    the park, in baseline-days (mean over replications with a 95 % CI)."""
    from sim.metrics import ci95

    if not traces:
        return ["rank,kind,id,lost_output_days,ci95_lo,ci95_hi"]
    t0 = traces[0]
    base = np.array([t.baseline_total for t in traces])
    prod = np.stack([t.cost_by_producer for t in traces]) / base[:, None]
    logi = np.stack([t.cost_by_logistics for t in traces]) / base[:, None]
    items = []
    for k, pid in enumerate(t0.producers):
        kind = "park_firm" if k < n_firms else "supplier"
        items.append((kind, pid, prod[:, k]))
    for k, st in enumerate(t0.stations):
        items.append(("station", st, logi[:, k]))
    items.append(("passes", "waiting_for_pass_or_open_station", logi[:, -1]))
    items = [it for it in items if it[2].mean() > 0]
    items.sort(key=lambda it: (-it[2].mean(), it[0], it[1]))
    rows = ["rank,kind,id,lost_output_days,ci95_lo,ci95_hi"]
    for rank, (kind, pid, v) in enumerate(items, 1):
        lo, hi = ci95(v.tolist()) or (float("nan"), float("nan"))
        rows.append(f"{rank},{kind},{_text(pid)},{_fmt(float(v.mean()))},{_fmt(lo)},{_fmt(hi)}")
    return rows


def states_rows(traces: Sequence[Trace]) -> list[str]:
    """`day,replication,state,count` rows: firms in each reopening state."""
    rows = ["day,replication,state,count"]
    for t in traces:
        for d in range(t.days):
            for k, s in enumerate(t.states):
                rows.append(f"{d},{t.replication},{s},{int(t.state_counts[d, k])}")
    return rows


def resolved_yaml(park: Park, scenario_file: Path | None) -> str:
    """The scenario actually run, every default spelled out (registry paths made absolute)."""
    data = park.scenario.model_dump(mode="json", by_alias=True)
    base = scenario_file.parent if scenario_file else Path.cwd()
    for reg in data.get("registry", []):
        reg["file"] = str((base / reg["file"]).resolve())
    head = "# The scenario as run by parksim, after overlays, --set and defaults.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def versions() -> dict[str, str]:
    """Versions of Python, parksim and its core dependencies."""
    out = {"python": platform.python_version(), "parksim": sim.__version__}
    for dep in DEPENDENCIES:
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = "not installed"
    return out


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
) -> Path:
    """Write the whole results folder atomically; returns its final path.

    Raises FolderError (nothing changed) when `out` is not parksim's to replace
    (see `sim.output.folder`), unless `force` moves it aside.
    """
    with claim(out, RUN, force=force):
        return build(
            out,
            RUN,
            lambda partial: _fill(partial, park, traces, scenario_file, started, executor, plots),
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
) -> Path:
    sc = park.scenario
    metrics, causes = summary(traces, sc.reporting.sustain_days)
    summ = {
        "scenario": sc.name,
        "seed": sc.seed,
        "replications": len(traces),
        "days": traces[0].days if traces else sc.days,
        "start_date": sc.start_date.isoformat() if sc.start_date else None,
        "sustain_days": sc.reporting.sustain_days,
        "observations": [o.model_dump(mode="json") for o in sc.reporting.observations],
        "firms": traces[0].n_firms if traces else len(park.firms),
        "scenario_sha256": scenario_sha256(park),
        "metrics": metrics,
        "causes": causes,
    }
    _write(partial / "summary.json", json_text(summ))
    _write(partial / "timeseries.csv", "\n".join(timeseries_rows(traces)) + "\n")
    _write(partial / "causes.csv", "\n".join(causes_rows(traces)) + "\n")
    _write(partial / "states.csv", "\n".join(states_rows(traces)) + "\n")
    _write(partial / "logistics.csv", "\n".join(logistics_rows(traces)) + "\n")
    n_firms = traces[0].n_firms if traces else len(park.firms)
    _write(partial / "bottlenecks.csv", "\n".join(bottleneck_rows(traces, n_firms)) + "\n")
    _write(partial / "scenario.resolved.yaml", resolved_yaml(park, scenario_file))
    if plots:
        from sim.output.plots import draw_run_plots

        draw_run_plots(partial)
    write_manifest(
        partial,
        {
            "kind": RUN,
            "scenario": sc.name,
            "scenario_file": str(scenario_file) if scenario_file else None,
            "scenario_sha256": summ["scenario_sha256"],
            "seed": sc.seed,
            "replications": len(traces),
            "days": summ["days"],
            "plots": plots,
        },
        started,
        executor,
    )


def write_manifest(
    partial: Path, about: dict[str, Any], started: dt.datetime, executor: str
) -> None:
    """Write `manifest.json` last into a folder being built: versions, what was run
    (`about`), how and when, and the SHA-256 of every file already in the folder."""
    ended = dt.datetime.now(dt.UTC)
    files = sorted(p for p in partial.rglob("*") if p.is_file())
    manifest: dict[str, Any] = {
        "parksim": sim.__version__,
        "versions": versions(),
        **about,
        "spawn_scheme": SPAWN_SCHEME,
        "executor": executor,
        "command": sys.argv,
        "started": started.isoformat(),
        "ended": ended.isoformat(),
        "wall_seconds": round((ended - started).total_seconds(), 3),
        "files": {str(p.relative_to(partial)): sha256_file(p) for p in files},
    }
    _write(partial / "manifest.json", json_text(manifest))


def refresh_manifest(folder: Path) -> None:
    """List the files of a complete folder again in its manifest, after `parksim plot`
    redrew its charts (the folder is held and holds only parksim's files)."""
    doc, _ = read_manifest(folder)
    assert doc is not None, "refresh_manifest needs a parksim folder"
    files = sorted(name for name, _ in walk(folder) if name != MANIFEST)
    doc["files"] = {name: sha256_file(folder / name) for name in files}
    doc["plots"] = any(name.startswith("plots/") for name in files)
    tmp = folder.with_name(f".{folder.name}.{MANIFEST}.tmp")
    _write(tmp, json_text(doc))
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
