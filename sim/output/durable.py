"""Making files and renames survive a power cut, not only a killed process.

A rename is atomic the moment it is made, but it reaches the disk only when the
folder holding the name is flushed: after a power cut a folder renamed just
before "done" may be back under its old name, and a file whose data were
flushed may have no name at all. So writers flush the data of every file, then
the folder that names them, then the parent of a renamed folder after the rename.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (names created, removed or renamed in it) to disk.

    A no-op where folders cannot be opened (Windows) or flushed (some network file
    systems): there the rename is as durable as the platform makes it.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file under `folder` and then every folder, deepest first, `folder` last.

    Used before a finished folder is renamed into place: files written by other
    libraries (matplotlib's PNGs) were never flushed, and the names of files
    that were may not be on disk yet.
    """
    dirs = [folder]
    for p in sorted(folder.rglob("*")):
        if p.is_dir():
            dirs.append(p)
        elif p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for d in sorted(dirs, key=lambda d: len(d.parts), reverse=True):
        fsync_dir(d)
