"""Atomic file writes: a crash leaves either the old file or the new one, never half of each."""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
import threading
from pathlib import Path

from shipyard.core.workspace.crashpoints import crash_point

_umask_lock = threading.Lock()


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` through a temp file in the same folder, fsync, then rename.

    The file gets `mode`, else the mode of the file it replaces, else what a plain `open`
    would give (0o666 less the umask): a temp file is made owner-only, and a workspace or a
    package folder shared with colleagues must stay readable by them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = 0o666 & ~process_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if os.name == "posix":
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        crash_point(f"atomic:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


@functools.cache
def process_umask() -> int:
    """The process's umask (read once: setting it is the only portable way to read it)."""
    with _umask_lock:
        current = os.umask(0o022)
        os.umask(current)
    return current


def fsync_dir(folder: Path) -> None:
    """Make renames into `folder` durable (POSIX only; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
