"""Results folders parksim owns: which folder it may replace, and who is writing one.

A results folder is replaced whole (runs, comparisons) or written in place
(sweeps). Either way parksim must never remove or change a file it did not
write. So before anything is written:

* the target must not be a file, a symbolic link, the working folder or one of
  its parents, and a scenario name used as a folder name must stay inside
  `results/`;
* a folder that exists must be *ours*: for a run or a comparison, a parksim
  manifest of the same kind listing every file the folder holds, each with the
  content parksim wrote (SHA-256); for a sweep, only files a sweep writes.
  Anything else is refused (exit 2, saying what is there). With `--force` the
  folder that is not ours is moved aside whole (`NAME.moved-<time>`), never
  deleted;
* one process at a time: `FolderLock` holds `.NAME.parksim-lock` beside the
  folder with the holder's pid for as long as it writes; a second writer is
  refused with that pid, and a lock left by a killed process is recognised as
  stale (the operating system releases the underlying file lock with the
  process).

The files each kind of folder may hold are gathered from the files' owners in
`sim.files.folders` (`KIND_FILES`); `verify` and the ownership checks both read
them from there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import json
import os
import socket
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sim.files.folders import KIND_FILES
from sim.files.manifest import CALIBRATION, COMPARISON, RUN, SWEEP, read_manifest, sha256_file
from sim.files.manifest import FILE as MANIFEST

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

IN_PLACE = (SWEEP, CALIBRATION)
"""Kinds written in place and resumed (ownership by file names), not replaced whole."""

KIND_NAMES = {RUN: "run", COMPARISON: "comparison", SWEEP: "sweep", CALIBRATION: "calibration"}


class FolderError(Exception):
    """The results folder cannot be written (the CLI exits with code 2); nothing was changed."""


# --------------------------------------------------------------------------- files


def walk(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under `folder` that is not a folder (files, links, devices), with
    its relative name and `lstat`; symbolic links are reported, never followed."""
    stack = [folder]
    while stack:
        here = stack.pop()
        with os.scandir(here) as it:
            for entry in sorted(it, key=lambda e: e.name):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    stack.append(Path(entry.path))
                else:
                    yield Path(entry.path).relative_to(folder).as_posix(), st


def is_known(name: str, kind: str) -> bool:
    """Whether `name` is a file a folder of this kind holds."""
    return any(
        fnmatch.fnmatchcase(name, pat) and name.count("/") == pat.count("/")
        for pat in KIND_FILES[kind]
    )


# --------------------------------------------------------------------------- ownership


@dataclass(frozen=True)
class Target:
    """What is at a results path, and what parksim may do with it."""

    path: Path
    exists: bool
    ours: bool
    """Empty, or a folder parksim wrote (of this kind) holding nothing else."""
    what: str
    """What is there, in words (for the refusal)."""


def _shorten(names: list[str], k: int = 3) -> str:
    more = f" and {len(names) - k} more" if len(names) > k else ""
    return ", ".join(names[:k]) + more


def forbidden(out: Path) -> str | None:
    """Why `out` can never be a results folder, whatever `--force` says (or None)."""
    try:
        real = Path(os.path.abspath(out))
        if out.is_symlink():
            return "is a symbolic link; give the folder itself"
        if out.exists() and not out.is_dir():
            return "exists and is not a folder"
    except OSError as e:
        return f"cannot be inspected ({e.strerror or e})"
    if not real.name or real == Path(real.anchor):
        return "is the root of the file system"
    cwd = Path(os.path.abspath(Path.cwd()))
    if real == cwd or real in cwd.parents:
        return "is the working folder or one of its parents"
    home = Path.home()
    if real == home or real in home.parents:
        return "is the home folder or one of its parents"
    return None


def inspect(out: Path, kind: str) -> Target:
    """Whether parksim may write a `kind` folder at `out`.

    Raises FolderError when `out` can never be one (a file, a link, the working
    folder): that refusal holds with `--force` too.
    """
    why = forbidden(out)
    if why:
        raise FolderError(f"{out}: {why}; nothing was changed")
    if not out.exists():
        return Target(out, False, True, "nothing")
    try:
        entries = list(walk(out))
    except OSError as e:
        raise FolderError(f"{out}: cannot be read ({e.strerror or e}); nothing was changed") from e
    if not entries:
        return Target(out, True, True, "an empty folder")
    odd = [n for n, st in entries if not stat.S_ISREG(st.st_mode)]
    if kind in IN_PLACE:
        foreign = sorted(set(odd) | {n for n, _ in entries if not is_known(n, kind)})
        if foreign:
            return Target(
                out,
                True,
                False,
                f"{len(foreign)} file(s) a parksim {KIND_NAMES[kind]} does not write "
                f"({_shorten(foreign)})",
            )
        return Target(out, True, True, f"a parksim {KIND_NAMES[kind]} folder")
    doc, found = read_manifest(out)
    if doc is None:
        return Target(
            out,
            True,
            False,
            f"{len(entries)} file(s) and {found} (not a parksim {KIND_NAMES[kind]} folder): "
            f"{_shorten([n for n, _ in entries])}",
        )
    if found != kind:
        return Target(out, True, False, f"a parksim {KIND_NAMES[found]} folder")
    listed: dict[str, str] = doc["files"]
    foreign = sorted(set(odd) | {n for n, _ in entries if n not in listed and n != MANIFEST})
    changed = sorted(
        n
        for n, st in entries
        if n in listed and stat.S_ISREG(st.st_mode) and sha256_file(out / n) != listed[n]
    )
    if foreign or changed:
        parts = []
        if foreign:
            parts.append(f"{len(foreign)} file(s) parksim did not write ({_shorten(foreign)})")
        if changed:
            parts.append(f"{len(changed)} file(s) changed since ({_shorten(changed)})")
        return Target(out, True, False, "a parksim folder holding " + " and ".join(parts))
    return Target(out, True, True, f"a parksim {KIND_NAMES[kind]} folder")


def refusal(target: Target, flag_hint: str = "--force") -> str:
    """The message for a folder that is not ours."""
    return (
        f"{target.path}: exists and holds {target.what}; parksim will not replace it. "
        f"Give another --out, or {flag_hint} to move it aside (nothing is deleted)"
    )


def move_aside(path: Path) -> Path:
    """Rename `path` to a free `NAME.moved-<time>` beside it; returns the new path."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    for k in range(1000):
        dest = path.with_name(f"{path.name}.moved-{stamp}" + (f"-{k}" if k else ""))
        if not dest.exists() and not dest.is_symlink():
            os.rename(path, dest)
            return dest
    raise FolderError(f"{path}: no free name to move it aside to")  # pragma: no cover


def prepare(out: Path, kind: str, *, force: bool) -> Path | None:
    """Make `out` writable for a `kind` folder: refuse (FolderError) what is not ours,
    or with `force` move it aside. Returns where it was moved, if it was."""
    target = inspect(out, kind)
    if target.ours:
        return None
    if not force:
        raise FolderError(refusal(target))
    return move_aside(out)


def partial_path(out: Path) -> Path:
    """Where a run or comparison folder is built before it takes its name."""
    return out.with_name(out.name + ".partial")


def clear_partial(out: Path, kind: str, *, force: bool) -> Path | None:
    """Remove a `NAME.partial/` left by a killed writer (only parksim's files of this kind
    in it); one holding anything else is refused, or moved aside with `force`."""
    import shutil

    partial = partial_path(out)
    if not partial.exists() and not partial.is_symlink():
        return None
    if partial.is_dir() and not partial.is_symlink():
        entries = list(walk(partial))
        if all(stat.S_ISREG(st.st_mode) and is_known(n, kind) for n, st in entries):
            shutil.rmtree(partial)
            return None
    what = "not a folder parksim left" if partial.is_dir() else "a file"
    if not force:
        raise FolderError(
            f"{partial}: exists and is {what}; parksim builds its folder there. "
            "Move it away, or give --force to move it aside (nothing is deleted)"
        )
    return move_aside(partial)


# --------------------------------------------------------------------------- the lock


class FolderBusy(FolderError):
    """Another live parksim process is writing the folder."""


def lock_path(folder: Path) -> Path:
    """The lock file of a results folder: hidden, beside it."""
    return folder.with_name(f".{folder.name}.parksim-lock")


class FolderLock:
    """Exclusive right to write one results folder, held by one process at a time.

    The lock file records the holder (pid, host, start, command) so a refused
    writer can say who holds the folder. The lock itself is an advisory file lock
    (`flock`), released by the system when the holder dies however it dies, so a
    lock file left by a killed run is stale and simply taken over.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = lock_path(folder)
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock or raise FolderBusy naming the process that holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            blocker = next((p for p in self.folder.parents if p.exists() and not p.is_dir()), None)
            why = f"{blocker} is a file" if blocker else e.strerror or str(e)
            raise FolderError(
                f"{self.folder}: cannot create the folder it goes in ({why}); nothing was changed"
            ) from e
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        while True:
            try:
                fd = os.open(self.path, flags, 0o644)
            except OSError as e:
                raise FolderError(
                    f"{self.folder}: cannot take its lock {self.path} ({e.strerror or e})"
                ) from e
            if not _try_lock(fd):
                holder = _read_holder(fd)
                os.close(fd)
                raise FolderBusy(
                    f"{self.folder}: another parksim process is writing this folder "
                    f"({holder}); wait for it to finish, or give another --out"
                )
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed the file as we opened it: take the new one
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the folder up (the lock file is removed while still held)."""
        if self._fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    import msvcrt  # pragma: no cover - Windows

    try:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # pragma: no cover
        return False
    return True  # pragma: no cover


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        return f"pid {int(info['pid'])} on {info.get('host', '?')}, since {info.get('started')}"
    except (ValueError, KeyError, TypeError, OSError):
        return "a process that has not yet said who it is"


# --------------------------------------------------------------------------- claiming

_HELD: dict[Path, FolderLock] = {}


@contextlib.contextmanager
def claim(out: Path, kind: str, *, force: bool = False) -> Iterator[Path | None]:
    """Hold `out` for writing a `kind` folder: refuse a path that can never be one, take
    its lock, then check that what is there is ours (or, with `force`, move it aside).
    Yields where an older content was moved, if it was. Re-entrant within a process."""
    key = out = Path(os.path.abspath(out))
    if key in _HELD:
        yield None
        return
    why = forbidden(out)
    if why:
        raise FolderError(f"{out}: {why}; nothing was changed")
    lock = FolderLock(out).acquire()
    _HELD[key] = lock
    try:
        yield prepare(out, kind, force=force)
    finally:
        del _HELD[key]
        lock.release()


def name_problem(name: str) -> str | None:
    """Why a scenario or sweep name cannot name a folder under `results/` (or None):
    it must be one plain folder name, so that no name reaches outside `results/`."""
    if name in ("", ".", ".."):
        return "is not a folder name"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    if name.startswith("."):
        return "starts with '.' (a hidden or relative name)"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds a control character"
    return None


def default_folder(name: str, suffix: str = "", root: Path = Path("results")) -> Path:
    """`results/<name><suffix>`, refusing a name that would put it anywhere else."""
    why = name_problem(name)
    if why:
        raise FolderError(
            f"the scenario name {name!r} {why}, so it cannot name a folder under {root}/; "
            "rename the scenario or give --out"
        )
    return root / f"{name}{suffix}"
