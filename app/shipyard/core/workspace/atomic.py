"""Atomic writes: a crash leaves either the old file or the new one, never half of each.

`atomic_writer` and `atomic_write_bytes` do it for one file; `staged_folder` for a folder
built beside its destination (a run, a package) and renamed into place last.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from shipyard.core.workspace.crashpoints import crash_point

_umask_lock = threading.Lock()


@contextlib.contextmanager
def atomic_writer(path: Path, *, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file to write that becomes `path` when the block ends without an error.

    It is a temp file in the same folder, fsynced and renamed over `path`; an error or a
    cancel in the block removes it and leaves the old file as it was. The file gets `mode`,
    else the mode of the file it replaces, else what a plain `open` would give (0o666 less
    the umask): a temp file is made owner-only, and a workspace or a package folder shared
    with colleagues must stay readable by them.
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
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        crash_point(f"atomic:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` through a temp file in the same folder (see `atomic_writer`)."""
    with atomic_writer(path, mode=mode) as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


class StagedFolder:
    """A folder being built at `path`, beside the `final` folder it becomes on `commit`."""

    def __init__(self, final: Path, path: Path) -> None:
        self.final = final
        self.path = path
        self.committed = False

    def commit(self, *, crash_at: str | None = None) -> None:
        """Rename the staged folder to `final`, making the rename durable.

        A folder already at `final` is first moved aside to `.old-<name>-<random>` and
        removed once the new one is in place; `crash_at` names the crash point between those
        two renames (recovery puts the old folder back when the new one never arrived).
        """
        final = self.final
        fsync_dir(self.path)
        old = final.with_name(f".old-{final.name}-{secrets.token_hex(3)}")
        if final.exists():
            os.rename(final, old)
        if crash_at:
            crash_point(crash_at)
        os.rename(self.path, final)
        self.committed = True
        shutil.rmtree(old, ignore_errors=True)
        fsync_dir(final.parent)


@contextlib.contextmanager
def staged_folder(final: Path, *, name: str | None = None) -> Iterator[StagedFolder]:
    """Build a folder beside `final` and rename it into place when the block succeeds.

    The folder is made as `name` (default `.tmp-<final's name>-<random>`) in `final`'s
    parent, so the rename stays on one file system and recovery finds what a killed process
    left. Write its files with `atomic_write_bytes`/`atomic_write_text` (they are fsynced).
    The block may call `commit()` itself, to do more work after the rename under the same
    cleanup; otherwise the folder is committed when the block ends. An error or a cancel
    before the commit removes the folder and leaves whatever was at `final` untouched.
    """
    final = Path(final)
    staged = StagedFolder(
        final, final.with_name(name or f".tmp-{final.name}-{secrets.token_hex(3)}")
    )
    staged.path.mkdir(parents=True)
    try:
        yield staged
        if not staged.committed:
            staged.commit()
    except BaseException:
        if not staged.committed:
            with contextlib.suppress(OSError):
                shutil.rmtree(staged.path)
        raise


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
