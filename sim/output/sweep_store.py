"""The folder of a sweep: resumable while it runs, complete with a manifest when done.

```
results/<sweep>/
  sweep.json        the sweep as run: file, scenario, parameters, design points, SHA-256,
                    code, sampler call, analysis
  inputs/           copies of the sweep file, scenario, overlays, registries; the base
                    scenario resolved
  sessions.jsonl    a line when each session starts and one when it ends, fsync'd
  ledger.jsonl      one JSON line per finished run (failures included), fsync'd as it
                    arrives: the durable record, and what a re-run reads to skip work
  chunks/           Parquet snapshots of the ledger every N runs or T seconds while the
                    sweep runs (readable by any Parquet tool); removed when complete
  runs.parquet      when complete: one row per (point, replication), sorted
  points.csv, sensitivity.json, plots/, manifest.json
```

What each file holds is `sim.files.sweep`'s; this module decides when it is written.

The driver is the only writer. It holds an exclusive lock on the ledger while it
runs, so two drivers cannot write one folder; the lock goes with the process, so a
killed driver leaves nothing to clean up. A line cut short by a crash is dropped
when the ledger is opened again (that run is simply run again). A folder holding a
different sweep (another SHA-256 in `sweep.json`) is refused unless `fresh`; one
whose runs were made by other code (another `code.source_sha256`) is refused unless
`allow_code_change`, which the session log records. Every session appends a line
to `sessions.jsonl` when it starts and one when it ends, and tags the runs it
records with its number, so the manifest can list every session with its runs.
Every other file is written to a temporary name, fsync'd and renamed; the manifest
is written last and removed first, so a folder with `manifest.json` is complete.
Running a complete sweep again keeps it complete at every moment: its outputs are
kept as they are (they come from the same records) and only the manifest is
replaced, in one rename (it lists that session; the session log gets it when a
later session changes the folder); the manifest is removed, and the folder becomes
a sweep in progress, only when something changes (a run is recorded, `sweep.json`
or an input copy differs, plots are asked for and were not drawn, or the outputs
are recomputed on request).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.files import manifest as manifest_file
from sim.files.cells import json_text, read_rows
from sim.files.folders import PLOTS_DIR, temporary
from sim.files.inputs import INPUTS
from sim.files.manifest import FILE as MANIFEST
from sim.files.manifest import hashes, versions
from sim.files.report import FILE as REPORT
from sim.files.sweep import (
    CHUNKS,
    DAILY,
    LEDGER,
    POINTS,
    RUNS,
    SENSITIVITY,
    SESSIONS,
    SPEC,
    chunk_file,
    daily_file,
    flat,
    ledger_line,
    ledger_record,
    points_text,
    read_sensitivity,
    read_sessions,
    read_spec,
    rows_table,
    session_line,
    whole_lines,
)
from sim.output.durable import fsync_dir, fsync_tree
from sim.output.folder import SWEEP, FolderError, inspect, refusal
from sim.output.verify import check_folder

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, one driver per folder by convention
    fcntl = None  # type: ignore[assignment]

PLOTS = PLOTS_DIR
OUTPUTS = (RUNS, POINTS, SENSITIVITY, PLOTS, MANIFEST)
"""Files made when the sweep completes (removed when it runs again)."""
SWEEP_DEPENDENCIES = ("pyarrow", "SALib", "distributed", "dask")

CHUNK_RUNS = 500
"""Runs per chunk file at most."""
CHUNK_SECONDS = 60.0
"""Seconds between chunk files at most (when any run arrived)."""


class SweepFolderError(FolderError):
    """The folder cannot take this sweep (another sweep's results, locked, not a sweep)."""


class CodeChangedError(SweepFolderError):
    """The folder's runs were made by other code than the code installed now."""


def _code_refusal(folder: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    def which(c: Mapping[str, Any]) -> str:
        commit = c.get("git_commit")
        git = f", git commit {commit}" + (" with uncommitted changes" if c.get("git_dirty") else "")
        return f"source SHA-256 {c.get('source_sha256')}" + (git if commit else "")

    return (
        f"{folder}: its runs were made by other parksim code ({which(old)}) than the code "
        f"installed now ({which(new)}); resuming would mix two states of the model in one "
        "sweep. Run with --fresh to start over, --out to write elsewhere, or "
        "--allow-code-change to resume anyway (the session log records it)"
    )


def write_atomic(path: Path, write: Callable[[IO[bytes]], None], tmp: Path | None = None) -> None:
    """Write through `write(handle)` into a temporary file (`tmp`, by default beside
    `path`), fsync, rename, fsync the folder."""
    tmp = tmp or temporary(path)
    with tmp.open("wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """`write_atomic` for UTF-8 text with LF line ends."""
    write_atomic(path, lambda f: f.write(text.encode("utf-8")))


def _write_parquet(path: Path, table: pa.Table) -> None:
    write_atomic(path, lambda f: pq.write_table(table, f, compression="zstd"))


# --------------------------------------------------------------------------- the store


class SweepStore:
    """The one writer of a sweep folder: ledger appends while running, outputs at the end."""

    def __init__(
        self,
        folder: Path,
        handle: IO[bytes],
        records: dict[str, dict[str, Any]],
        complete: bool = False,
    ):
        self.folder = folder
        self._handle: IO[bytes] | None = handle
        self.records = records
        """Finished runs by run_id (the last record of a run_id wins)."""
        self.complete = complete
        """The folder holds this sweep complete (its manifest verifies), and nothing
        has changed it since it was opened."""
        self._pending: list[dict[str, Any]] = []
        self._last_chunk = time.monotonic()
        self._chunk_no = max(
            (int(p.stem.split("-")[-1]) for p in (folder / CHUNKS).glob("chunk-*.parquet")),
            default=0,
        )
        self.chunk_runs = CHUNK_RUNS
        self.chunk_seconds = CHUNK_SECONDS
        self.code_changed = False
        """The folder's runs were made by other code (resumed with `allow_code_change`)."""
        self.session: int | None = None
        """This session's number once `begin_session` logged it."""
        self._ran = 0
        self._ended = False
        self._deferred: dict[str, Any] | None = None
        """The start of this session, not yet in the log: the folder was complete and
        nothing has changed it (written by `_unfinish` when something does)."""
        self._carried: list[dict[str, Any]] = []
        """Sessions only the manifest lists (they found the folder complete and changed
        nothing), carried into the next manifest, and into the log once the folder
        changes."""
        self._quiet: dict[str, Any] | None = None
        """This session, when it ended having changed nothing."""

    @classmethod
    def open(
        cls,
        folder: Path,
        sweep: Mapping[str, Any],
        *,
        fresh: bool = False,
        inputs: Sequence[tuple[str, bytes]] = (),
        allow_code_change: bool = False,
        require: Sequence[str] | None = None,
    ) -> SweepStore:
        """Open (or start) the folder of `sweep` (the content of `sweep.json`, with `sha256`
        and `code`), keeping `inputs` (path in the folder, bytes) as copies.

        Raises SweepFolderError when the folder holds another sweep's results (unless
        `fresh`, which discards them), is not a sweep folder, or is being written by
        another driver; CodeChangedError when its runs were made by other code (unless
        `fresh` or `allow_code_change`). With `require` (run_ids) the folder must hold a
        sweep with a record of each of them (analysing only); it is then never
        refused for a code change. Nothing is changed when it refuses.
        """
        folder = Path(folder)
        spec_file, ledger = folder / SPEC, folder / LEDGER
        try:
            target = inspect(folder, SWEEP)
        except FolderError as e:
            raise SweepFolderError(str(e)) from None
        if not target.ours:
            raise SweepFolderError(refusal(target))
        is_sweep = spec_file.is_file() or ledger.is_file()
        if target.exists and not is_sweep and any(folder.iterdir()):
            raise SweepFolderError(
                f"{folder}: holds files a sweep writes but no {SPEC} or {LEDGER}; "
                "give another --out, or --force to move it aside (nothing is deleted)"
            )
        if is_sweep and not fresh:
            try:
                old = read_spec(folder).get("sha256")
            except (OSError, ValueError):
                old = None
            if old != sweep["sha256"]:
                raise SweepFolderError(
                    f"{folder}: holds the results of a different sweep (the scenario, the "
                    "design points or the parksim version differ from what it was run "
                    "with); run with --fresh to discard them, or --out to write elsewhere"
                )
        if require is not None and (fresh or not is_sweep):
            raise SweepFolderError(
                f"{folder}: holds no runs of this sweep to analyse; run `parksim sweep` "
                "without --analyse-only first"
            )
        old_code = _recorded_code(folder) if is_sweep and not fresh else None
        new_code = sweep.get("code") or {}
        changed = old_code is not None and old_code.get("source_sha256") != new_code.get(
            "source_sha256"
        )
        if changed and not allow_code_change and require is None:
            raise CodeChangedError(_code_refusal(folder, old_code or {}, new_code))
        folder.mkdir(parents=True, exist_ok=True)
        handle = ledger.open("a+b")
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise SweepFolderError(
                        f"{folder}: another parksim sweep is writing to this folder"
                    ) from None
            _manifest_tmp(folder).unlink(missing_ok=True)  # left by a crash in write_manifest
            complete = not fresh and (folder / MANIFEST).is_file() and check_folder(folder) == []
            if fresh:
                for p in folder.iterdir():
                    if p.name != LEDGER:
                        shutil.rmtree(p) if p.is_dir() else p.unlink()
                handle.truncate(0)
            records = _read_ledger(handle, ledger)
            if require is not None:
                missing = [r for r in require if r not in records]
                if missing:
                    raise SweepFolderError(
                        f"{folder}: {len(missing)} of the sweep's {len(require)} runs are not "
                        f"recorded yet (first: {missing[0]}); --analyse-only needs a finished "
                        "sweep: run `parksim sweep` without it to finish them"
                    )
            store = cls(folder, handle, records, complete)
            store.code_changed = changed
            if complete:
                logged = {int(x["session"]) for x in read_sessions(folder)}
                store._carried = [
                    x
                    for x in manifest_file.read(folder).get("sessions", [])
                    if isinstance(x, dict) and int(x.get("session", 0)) not in logged
                ]
            if not complete:
                for p in list(folder.rglob(".*.tmp")):  # left by a crash in write_atomic
                    p.unlink()
                store._unfinish()
            spec = json_text(dict(sweep))
            if not spec_file.is_file() or spec_file.read_text(encoding="utf-8") != spec:
                store._unfinish()
                write_text_atomic(spec_file, spec)
            store._keep_inputs(inputs)
        except BaseException:
            handle.close()
            raise
        return store

    def _keep_inputs(self, inputs: Sequence[tuple[str, bytes]]) -> None:
        """Copies of the input files in `inputs/`, as given (any other file there removed)."""
        root = self.folder / INPUTS
        wanted = dict(inputs)
        present = {p.relative_to(self.folder).as_posix() for p in root.rglob("*") if p.is_file()}
        stale = present - set(wanted)
        differ = [
            n
            for n, data in wanted.items()
            if not (self.folder / n).is_file() or (self.folder / n).read_bytes() != data
        ]
        if not stale and not differ:
            return
        self._unfinish()
        for name in sorted(stale):
            (self.folder / name).unlink()
        for name in differ:
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = wanted[name]
            write_atomic(path, lambda f, data=data: f.write(data))
        for d in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()

    def begin_session(self, info: Mapping[str, Any]) -> int:
        """Log the start of this session (`info`: mode, start, executor, command, code,
        …) in `sessions.jsonl`, fsync'd; the runs it records carry its number. In a
        complete folder the line waits until something changes the folder, so that a
        session that changes nothing touches no file but the manifest (which lists it)."""
        earlier = [int(s["session"]) for s in read_sessions(self.folder)]
        earlier += [int(s["session"]) for s in self._carried]
        self.session = 1 + max(earlier, default=0)
        start = {"session": self.session, "event": "start", **info}
        if self.complete:
            self._deferred = start
        else:
            self._log(start)
        return self.session

    def _log(self, event: Mapping[str, Any]) -> None:
        with (self.folder / SESSIONS).open("ab") as f:
            f.write(session_line(event).encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())

    def _end_session(self, status: str) -> None:
        """Log the end of this session: when, how it ended, the runs it recorded (kept for
        the manifest alone when the session changed nothing)."""
        if self.session is None or self._ended:
            return
        self._ended = True
        end = {
            "session": self.session,
            "event": "end",
            "ended": dt.datetime.now(dt.UTC).isoformat(),
            "status": status,
            "runs": self._ran,
        }
        if self._deferred is not None:
            self._quiet = _summary({**self._deferred, **end}, self._ran)
        else:
            self._log(end)

    def _write_waiting_sessions(self) -> None:
        """Into the log: the sessions only the manifest listed, then this one's start."""
        for x in self._carried:
            start, end = _events(x)
            self._log(start)
            self._log(end)
        self._carried = []
        if self._deferred is not None:
            self._log(self._deferred)
            self._deferred = None

    def sessions(self) -> list[dict[str, Any]]:
        """Every session of the folder for the manifest: number, mode, start and end,
        status, executor, runs recorded (ledger lines carrying its number) and its code."""
        counts: dict[int, int] = {}
        ledger = self.folder / LEDGER
        if ledger.is_file():
            for line in whole_lines(ledger.read_bytes()).decode("utf-8").splitlines():
                if line.strip():
                    k = json.loads(line).get("session")
                    if isinstance(k, int):
                        counts[k] = counts.get(k, 0) + 1
        out = [_summary(s, counts.get(int(s["session"]), 0)) for s in read_sessions(self.folder)]
        out += self._carried + ([self._quiet] if self._quiet else [])
        return sorted(out, key=lambda s: int(s["session"]))

    def unfinish(self) -> None:
        """Make the folder a sweep in progress, so that `finish` writes every output again."""
        self._unfinish()

    def _unfinish(self) -> None:
        """The folder is about to change: remove the manifest (first, on disk too), then
        the outputs made from the records."""
        self.complete = False
        (self.folder / MANIFEST).unlink(missing_ok=True)
        fsync_dir(self.folder)
        self._write_waiting_sessions()
        for name in OUTPUTS:
            p = self.folder / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    def append(self, record: Mapping[str, Any]) -> None:
        """Record one finished run durably (fsync'd) before anything else happens."""
        assert self._handle is not None, "the store is closed"
        if self.complete:
            self._unfinish()
        if self.session is not None:
            record = {**record, "session": self.session}
        self._handle.write(ledger_line(record).encode("utf-8"))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.records[str(record["run_id"])] = dict(record)
        self._ran += 1
        self._pending.append(dict(record))
        if (
            len(self._pending) >= self.chunk_runs
            or time.monotonic() - self._last_chunk >= self.chunk_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Write the runs recorded since the last chunk as a new chunk file."""
        self._last_chunk = time.monotonic()
        if not self._pending:
            return
        (self.folder / CHUNKS).mkdir(exist_ok=True)
        self._chunk_no += 1
        table = rows_table([flat(r) for r in self._pending])
        _write_parquet(self.folder / chunk_file(self._chunk_no), table)
        self._pending.clear()

    def close(self) -> None:
        """Write the last chunk, log the end of a session that did not finish (interrupted)
        and release the folder."""
        if self._handle is None:
            return
        try:
            self.flush()
            self._end_session("interrupted")
        finally:
            self._handle.close()
            self._handle = None

    def finish(
        self,
        runs: pa.Table,
        points: tuple[Sequence[str], Sequence[Mapping[str, Any]]],
        sensitivity: Mapping[str, Any] | None,
        manifest: Mapping[str, Any],
        *,
        plots: bool = True,
        lang: str = "en",
        report: bool = False,
        daily: Sequence[pa.Table] = (),
    ) -> None:
        """Write the outputs of a complete sweep, the manifest last, and release the folder.

        `daily` are the files of the `daily/` dataset, in order (none: no `daily/`).

        A folder that was complete when opened and has not changed keeps its outputs
        (made from the same records by the same parksim) and gets a new manifest only
        (and, with `report`, a new `report.html`), unless plots are asked for and were
        not drawn in `lang` (`plots` and `lang` in the manifest). Plots and the report are
        in `lang`.
        """
        folder = self.folder
        if self.complete:
            before = manifest_file.read(folder)
            drawn = bool(before.get(PLOTS))
            drawn_in = before.get("lang", "en")
            if not plots or (drawn and drawn_in == lang):
                shown = drawn_in if drawn else lang  # the language of the plots it holds
                self._end_session("complete")
                self.close()
                about = {
                    **manifest,
                    "sessions": self.sessions(),
                    PLOTS: drawn,
                    "lang": shown,
                    "report": report,
                }
                self._report(about, lang, report)
                write_manifest(folder, about)
                return
            self._unfinish()
        _write_parquet(folder / RUNS, runs)
        self._write_daily(daily)
        header, rows = points
        write_text_atomic(folder / POINTS, points_text(header, rows))
        if sensitivity is not None:
            write_text_atomic(folder / SENSITIVITY, json_text(dict(sensitivity)))
        if plots:
            from sim.output.sweep_plots import draw_sweep_plots

            draw_sweep_plots(folder, lang)
        self._end_session("complete")
        self.close()
        shutil.rmtree(folder / CHUNKS, ignore_errors=True)  # runs.parquet holds them all now
        about = {
            **manifest,
            "sessions": self.sessions(),
            PLOTS: plots,
            "lang": lang,
            "report": report,
        }
        self._report(about, lang, report)
        fsync_tree(folder)  # plots were never flushed; names of the rest maybe not
        write_manifest(folder, about)

    def _write_daily(self, tables: Sequence[pa.Table]) -> None:
        """`daily/` holding exactly these files (removed when there are none)."""
        root = self.folder / DAILY
        if not tables:
            shutil.rmtree(root, ignore_errors=True)
            return
        root.mkdir(exist_ok=True)
        names = {self.folder / daily_file(k) for k in range(len(tables))}
        for p in root.iterdir():
            if p not in names:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        for k, table in enumerate(tables):
            _write_parquet(self.folder / daily_file(k), table)

    def _report(self, about: Mapping[str, Any], lang: str, report: bool) -> None:
        """Write `report.html` (when asked) from the finished files, or drop an old one."""
        path = self.folder / REPORT
        if report:
            from sim.output.report import write_report

            write_report(self.folder, lang, manifest={**about, "kind": SWEEP})
        elif path.is_file():
            path.unlink()


def _summary(s: Mapping[str, Any], runs: int) -> dict[str, Any]:
    """A session as the manifest lists it, from its merged start and end events."""
    code = s.get("code") or {}
    return {
        "session": s["session"],
        "mode": s.get("mode"),
        "started": s.get("started"),
        "ended": s.get("ended"),
        "status": s.get("status", "killed"),
        "executor": s.get("executor"),
        "runs": runs,
        "source_sha256": code.get("source_sha256"),
        "git_commit": code.get("git_commit"),
        "git_dirty": code.get("git_dirty"),
        "allow_code_change": s.get("allow_code_change", False),
        "code_changed": s.get("code_changed", False),
    }


def _events(summary: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The start and end events of a session the manifest lists (`_summary` back)."""
    k = summary["session"]
    start = {
        "session": k,
        "event": "start",
        "mode": summary.get("mode"),
        "started": summary.get("started"),
        "executor": summary.get("executor"),
        "code": {c: summary.get(c) for c in ("source_sha256", "git_commit", "git_dirty")},
        "allow_code_change": summary.get("allow_code_change", False),
        "code_changed": summary.get("code_changed", False),
    }
    end = {
        "session": k,
        "event": "end",
        "ended": summary.get("ended"),
        "status": summary.get("status"),
        "runs": summary.get("runs", 0),
    }
    return start, end


def _recorded_code(folder: Path) -> dict[str, Any] | None:
    """The code identity `sweep.json` records (None: none recorded, or unreadable)."""
    try:
        code = read_spec(folder).get("code")
    except (OSError, ValueError):
        return None
    return code if isinstance(code, dict) and code.get("source_sha256") else None


def _read_ledger(handle: IO[bytes], path: Path) -> dict[str, dict[str, Any]]:
    """Records of the ledger; a last line cut short by a crash is dropped from the file."""
    handle.seek(0)
    found = handle.read()
    data = whole_lines(found)
    if len(data) < len(found):
        handle.truncate(len(data))
        handle.flush()
        os.fsync(handle.fileno())
    records: dict[str, dict[str, Any]] = {}
    for no, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            run_id, rec = ledger_record(line)
            records[run_id] = rec
        except (ValueError, KeyError, TypeError):
            raise SweepFolderError(
                f"{path}:{no}: not a run record; the ledger was changed by hand? "
                "(run with --fresh to start over)"
            ) from None
    return records


def sweep_versions() -> dict[str, str]:
    """Versions of Python, parksim, its core dependencies and the sweep extras."""
    return versions(SWEEP_DEPENDENCIES)


def write_manifest(folder: Path, info: Mapping[str, Any]) -> None:
    """`manifest.json`: `info`, versions, command, end time and the SHA-256 of every file."""
    doc = {
        "kind": SWEEP,
        "parksim": sim.__version__,
        **info,
        "versions": sweep_versions(),
        "command": sys.argv,
        "ended": dt.datetime.now(dt.UTC).isoformat(),
        "files": hashes(folder),
    }
    # the temporary file lies beside the folder, not in it: while an older manifest is
    # being replaced, the folder holds no file that manifest does not list
    text = json_text(doc).encode("utf-8")
    write_atomic(folder / MANIFEST, lambda f: f.write(text), tmp=_manifest_tmp(folder))


def _manifest_tmp(folder: Path) -> Path:
    """Where `write_manifest` writes the new manifest before renaming it into `folder`."""
    return folder.with_name(f".{folder.name}.{MANIFEST}.tmp")


def report(folder: Path, lang: str = "en") -> list[str]:
    """A few lines for the terminal, from a complete sweep folder's files: what ran, and
    per outcome the best and worst points (grid) or the indices (sampled designs), in
    `lang`; and where the report is."""
    from sim.files.report import FILE as REPORT_FILE
    from sim.output import i18n

    folder = Path(folder)
    man = manifest_file.read(folder)
    meta = read_spec(folder)
    lines = [
        i18n.tr(
            "cli.sweep_head",
            lang,
            sweep=man["sweep"],
            points=man["points"],
            replications=man["replications"],
            runs=man["runs"],
            now=man["runs_this_session"],
            failed=man["failed_runs"],
            executor=man["executor"],
            secs=f"{man['wall_seconds']:.1f}",
            folder=folder,
        )
    ]
    if (folder / REPORT_FILE).is_file():
        lines.append(i18n.tr("cli.report", lang, path=folder / REPORT_FILE))
    names = [p["name"] for p in meta["parameters"]]
    if (folder / SENSITIVITY).is_file():
        sens = read_sensitivity(folder)
        key, conf = {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf")}.get(
            sens["method"], ("S1", "S1_conf")
        )
        for outcome, entry in sens["outcomes"].items():
            share, of_means = entry.get("noise_share"), entry.get("noise_share_of_means")
            if share is None:
                noise = ""
            elif of_means is None:
                noise = i18n.tr("cli.sweep_noise", lang, share=f"{share:.0%}")
            else:
                noise = i18n.tr(
                    "cli.sweep_noise_means", lang, share=f"{share:.0%}", means=f"{of_means:.0%}"
                )
            head = f"  {outcome}" + noise
            ix = entry.get("indices")
            if not ix:
                lines.append(f"{head}: {entry.get('error', 'no indices')}")
                continue
            ranked = sorted(ix, key=lambda n: -(ix[n].get(key) or 0.0))
            lines.append(
                f"{head}: {key} "
                + ", ".join(f"{n} {ix[n][key]:.3g} ± {ix[n][conf]:.2g}" for n in ranked)
            )
        return lines
    rows = read_rows(folder / POINTS)
    for outcome in meta["outcomes"]:
        mine = [r for r in rows if r["metric"] == outcome and r["mean"] not in ("", "nan")]
        if not mine:
            continue
        mine.sort(key=lambda r: float(r["mean"]))

        def at(r: Mapping[str, str]) -> str:
            return ", ".join(f"{n}={r[n]}" for n in names)

        lo, hi = mine[0], mine[-1]
        lines.append(
            i18n.tr(
                "cli.sweep_grid",
                lang,
                outcome=outcome,
                lo=f"{float(lo['mean']):.4g}",
                at_lo=at(lo),
                hi=f"{float(hi['mean']):.4g}",
                at_hi=at(hi),
            )
        )
    return lines


def warning_lines(folder: Path) -> list[str]:
    """The warnings of a sweep folder's `sensitivity.json`, one line each with its advice
    (none for a grid, or when every index is to be trusted)."""
    path = Path(folder) / SENSITIVITY
    if not path.is_file():
        return []
    sens = read_sensitivity(folder)
    return [
        f"parksim sweep: warning: {outcome}: {w['message']}; {w['advice']}"
        for outcome, entry in sens.get("outcomes", {}).items()
        for w in entry.get("warnings", [])
    ]
