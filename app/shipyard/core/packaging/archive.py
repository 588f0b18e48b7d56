"""Deterministic zip archives: sorted entries, fixed timestamps and permissions.

The archive file itself gets the mode the package folder's files get (0o666 less the
umask, see `atomic.atomic_writer`): a temp file is owner-only, and a zip shared with
colleagues must be as readable as the folder beside it.

The model is stored uncompressed (ONNX weights barely compress, and a stored entry can be
hashed straight from the archive); text files are deflated.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from shipyard.core.packaging.digests import CHUNK
from shipyard.core.workspace.atomic import atomic_writer, process_umask

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
STORED_SUFFIXES = (".onnx",)


def write_zip(folder: Path, names: list[str], dest: Path) -> None:
    """Zip `names` (files in `folder`) to `dest` atomically, byte-for-byte reproducibly."""
    # the mode a plain `open` gives, as every file in the folder (not the replaced zip's)
    with atomic_writer(dest, mode=0o666 & ~process_umask()) as fh, zipfile.ZipFile(fh, "w") as zf:
        for name in sorted(names):
            _add(zf, folder / name, name)


def _add(zf: zipfile.ZipFile, src: Path, name: str) -> None:
    """One entry: fixed time, unix permissions, stored or deflated by its suffix."""
    size = src.stat().st_size
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.create_system = 3  # unix, so the permission bits below are read
    mode = 0o755 if name.endswith(".py") else 0o644
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = (
        zipfile.ZIP_STORED if name.endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
    )
    info.file_size = size
    with src.open("rb") as inp, zf.open(info, "w", force_zip64=size >= 1 << 31) as out:
        shutil.copyfileobj(inp, out, CHUNK)
