"""Deterministic zip archives: sorted entries, fixed timestamps and permissions.

The archive file itself gets the mode the package folder's files get (0o666 less the
umask, see `atomic.atomic_write_bytes`): a temp file is owner-only, and a zip shared with
colleagues must be as readable as the folder beside it.

The model is stored uncompressed (ONNX weights barely compress, and a stored entry can be
hashed straight from the archive); text files are deflated.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from shipyard.core.packaging.digests import CHUNK
from shipyard.core.workspace.atomic import fsync_dir, process_umask

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
STORED_SUFFIXES = (".onnx",)


def write_zip(folder: Path, names: list[str], dest: Path) -> None:
    """Zip `names` (files in `folder`) to `dest` atomically, byte-for-byte reproducibly."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        if os.name == "posix":  # the mode a plain `open` gives, as every file in the folder
            os.fchmod(fd, 0o666 & ~process_umask())
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w") as zf:
                for name in sorted(names):
                    src = folder / name
                    size = src.stat().st_size
                    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
                    info.create_system = 3  # unix, so the permission bits below are read
                    mode = 0o755 if name.endswith(".py") else 0o644
                    info.external_attr = (0o100000 | mode) << 16
                    info.compress_type = (
                        zipfile.ZIP_STORED
                        if name.endswith(STORED_SUFFIXES)
                        else zipfile.ZIP_DEFLATED
                    )
                    info.file_size = size
                    with (
                        src.open("rb") as inp,
                        zf.open(info, "w", force_zip64=size >= 1 << 31) as out,
                    ):
                        shutil.copyfileobj(inp, out, CHUNK)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(dest.parent)
