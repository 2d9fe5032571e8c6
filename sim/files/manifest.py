"""`manifest.json`: written last into every results folder, it says what kind of folder
it is (`kind`), what was run, with which versions, and lists the SHA-256 of every other
file; `parksim verify` checks a folder against it, and parksim replaces only a folder
whose manifest lists every file it holds, unchanged. Each folder's writer says what
ran; this module names the file and the kinds, hashes the files and reads it back.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import sim
from sim.files.cells import read_json

FILE = "manifest.json"
RUN, COMPARISON, SWEEP, CALIBRATION = "run", "comparison", "sweep", "calibration"
KINDS = (RUN, COMPARISON, SWEEP, CALIBRATION)
"""The kinds of results folder, as the manifest's `kind` names them."""

DEPENDENCIES = ("numpy", "simpy", "pydantic", "scipy", "matplotlib", "pyyaml", "rich", "jinja2")
"""The packages whose versions every manifest records."""


def versions(extra: Sequence[str] = ()) -> dict[str, str]:
    """Versions of Python, parksim, its core dependencies and the `extra` packages."""
    out = {"python": platform.python_version(), "parksim": sim.__version__}
    for dep in (*DEPENDENCIES, *extra):
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = "not installed"
    return out


SOURCE = Path(sim.__file__).resolve().parent
"""The installed `sim` package whose source files `code_identity` hashes."""


def source_sha256(package: Path | None = None) -> tuple[str, int]:
    """SHA-256 of the code of the `sim` package as installed (a checkout or a wheel alike)
    and the number of files it covers: every file under the package but compiled caches,
    by relative path and content, in path order. Any edit of the model changes it."""
    root = package or SOURCE
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(sha256_file(p).encode() + b"\n")
    return h.hexdigest(), len(files)


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def code_identity(package: Path | None = None) -> dict[str, Any]:
    """Which code ran: the parksim version, the SHA-256 of the installed package's source
    files (always there, from a wheel too), and, when the package lies in a git checkout,
    its commit and whether tracked files had uncommitted changes (`git_dirty`); None for
    those two elsewhere."""
    root = package or SOURCE
    digest, count = source_sha256(root)
    commit = dirty = None
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is not None and (root.parent == Path(top.strip()).resolve()):
        head = _git(root, "rev-parse", "HEAD")
        status = _git(root, "status", "--porcelain", "--untracked-files=no")
        commit = head.strip() if head else None
        dirty = bool(status.strip()) if status is not None else None
    return {
        "parksim": sim.__version__,
        "source_sha256": digest,
        "source_files": count,
        "git_commit": commit,
        "git_dirty": dirty,
    }


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hashes(folder: Path) -> dict[str, str]:
    """The `files` of a manifest: every file under `folder` but a manifest, by its path
    relative to the folder, in path order, with its SHA-256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != FILE)
    return {str(p.relative_to(folder)): sha256_file(p) for p in files}


def read(folder: Path) -> dict[str, Any]:
    """The manifest of a complete folder as written, for reports of what ran
    (FileNotFoundError naming the folder when it has none)."""
    doc: dict[str, Any] = read_json(Path(folder) / FILE)
    return doc


def read_manifest(folder: Path) -> tuple[dict[str, Any] | None, str]:
    """A folder's parksim manifest and its kind, or (None, why it is not one)."""
    mf = folder / FILE
    try:
        if mf.is_symlink() or not mf.is_file():
            return None, f"no {FILE}"
        doc = json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return None, f"{FILE} is not readable JSON ({e})"
    found = doc.get("versions") if isinstance(doc, dict) else None
    ours = isinstance(doc, dict) and (
        "parksim" in doc or (isinstance(found, dict) and "parksim" in found)
    )
    if not ours or not isinstance(doc.get("files"), dict):
        return None, f"{FILE} is not a parksim manifest"
    files = doc["files"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None, f"{FILE} lists files of the wrong shape"
    return doc, manifest_kind(doc)


def manifest_kind(doc: dict[str, Any]) -> str:
    """The kind of folder a manifest describes (folders written before `kind` was
    recorded are told apart by their keys)."""
    kind = doc.get("kind")
    if isinstance(kind, str) and kind in KINDS:
        return kind
    if "sweep" in doc:
        return SWEEP
    return RUN


def unsafe_name(name: str) -> str | None:
    """Why a path listed in a manifest does not name a file inside the folder (or None)."""
    if not name or "\x00" in name or "\\" in name:
        return "is not a file name"
    p = Path(name)
    if p.is_absolute() or name.startswith("/"):
        return "is an absolute path"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "climbs out of the folder"
    return None
