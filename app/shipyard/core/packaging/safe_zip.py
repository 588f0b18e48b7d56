"""Reading a package archive without trusting it: names, types and sizes are checked first.

Rejected before a byte of content is read: entries whose names are absolute, contain `..`,
backslashes or drive letters, repeat, or are directories; symlinks and other non-regular
entries; encrypted entries and unknown compression; more than `MAX_ENTRIES` entries; a
declared total above `max_total` bytes; and any entry that claims to expand more than
`MAX_RATIO` times (a decompression bomb). Reading an entry never yields more than its
declared size (zipfile enforces it and the CRC), and stored entries are read straight from
the archive so large models hash at the speed of sha256.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from shipyard.core.packaging.digests import sha256_stream

MAX_ENTRIES = 64
MAX_TOTAL = 16 << 30  # 16 GiB of uncompressed content
MAX_RATIO = 200  # deflate tops out near 1032:1; honest text stays far below 200:1
RATIO_FLOOR = 64 << 10  # small entries may compress well without being a bomb
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


class ArchiveRejected(Exception):
    """The archive is unsafe or malformed; the message says how."""


# What zipfile and zlib raise on damaged or hostile bytes: a corrupt deflate stream is a
# zlib.error, a mangled directory a struct.error, KeyError or NotImplementedError, an
# overflowing field an OverflowError. Each becomes a rejection, never a traceback.
READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
)


def _reason(exc: BaseException) -> str:
    """A short, one-line reason from a read error (zlib says 'Error -3 while ...')."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, zlib.error):
        return f"its compressed data is corrupt: {text}"
    return text[:160]


def shown(name: str, limit: int = 120) -> str:
    """`name` fit for a one-line message: control characters escaped, length capped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    return text if len(text) <= limit else text[:limit] + "…"


def check_name(name: str) -> str | None:
    """Why `name` is unsafe as a package member, or None."""
    if not name or name.endswith("/"):
        return f"'{shown(name)}' is a directory entry"
    if "\\" in name or "\0" in name:
        return f"'{shown(name)}' holds a backslash or NUL"
    if not name.isprintable():
        return f"'{shown(name)}' holds a control character"
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return f"'{shown(name)}' is an absolute path"
    if ".." in path.parts or "." in path.parts:
        return f"'{shown(name)}' climbs out of the package with '..'"
    return None


def inspect(zf: zipfile.ZipFile, max_total: int = MAX_TOTAL) -> dict[str, zipfile.ZipInfo]:
    """name -> ZipInfo for every entry, after all the structural checks above."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArchiveRejected(f"the archive has {len(infos)} entries (at most {MAX_ENTRIES})")
    found: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        why = check_name(info.filename)
        if why:
            raise ArchiveRejected(f"unsafe archive entry: {why}")
        if info.filename in found:
            raise ArchiveRejected(f"the archive holds '{info.filename}' twice")
        mode = info.external_attr >> 16
        kind_bits = stat.S_IFMT(mode)
        if info.create_system == 3 and kind_bits and kind_bits != stat.S_IFREG:
            kind = "a symlink" if stat.S_ISLNK(mode) else "not a regular file"
            raise ArchiveRejected(f"unsafe archive entry: '{info.filename}' is {kind}")
        if info.flag_bits & 0x1:
            raise ArchiveRejected(f"'{info.filename}' is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveRejected(f"'{info.filename}' uses an unsupported compression")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise ArchiveRejected(f"'{info.filename}' has inconsistent sizes")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveRejected(
                f"'{info.filename}' would expand {info.file_size // max(info.compress_size, 1)}"
                f" times (decompression bomb; at most {MAX_RATIO}x)"
            )
        total += info.file_size
        if total > max_total:
            raise ArchiveRejected(
                f"the archive would expand to more than {max_total >> 20} MiB (decompression bomb)"
            )
        found[info.filename] = info
    return found


def _stored_offset(raw: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a stored entry's bytes start; the local header must agree with the directory."""
    raw.seek(info.header_offset)
    head = raw.read(_LOCAL_HEADER.size)
    if len(head) != _LOCAL_HEADER.size:
        raise ArchiveRejected(f"the archive is truncated at '{info.filename}'")
    fields = _LOCAL_HEADER.unpack(head)
    if fields[0] != b"PK\x03\x04":
        raise ArchiveRejected(f"the local header of '{info.filename}' is damaged")
    name_len, extra_len = fields[10], fields[11]
    name = raw.read(name_len)
    if name.decode("utf-8", "replace") != info.filename and name != info.orig_filename.encode(
        "cp437", "replace"
    ):
        raise ArchiveRejected(f"the local header of '{info.filename}' names another file")
    return int(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)


def hash_entry(zf: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo) -> str:
    """sha256 of the entry's content, reading no more than its declared size."""
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            raw.seek(_stored_offset(raw, info))
            digest, n = sha256_stream(raw, info.file_size)
        else:
            with zf.open(info) as member:
                digest, n = sha256_stream(member, info.file_size + 1)
    except READ_ERRORS as exc:
        raise ArchiveRejected(f"'{info.filename}' cannot be read ({_reason(exc)})") from None
    if n != info.file_size:
        raise ArchiveRejected(f"'{info.filename}' is truncated or longer than declared")
    return digest


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """A small entry's bytes; larger than `cap` is refused."""
    if info.file_size > cap:
        raise ArchiveRejected(f"'{info.filename}' is larger than {cap >> 10} KiB")
    try:
        with zf.open(info) as member:
            data = member.read(cap + 1)
    except READ_ERRORS as exc:
        raise ArchiveRejected(f"'{info.filename}' cannot be read ({_reason(exc)})") from None
    if len(data) != info.file_size:
        raise ArchiveRejected(f"'{info.filename}' is truncated")
    return data


MAX_DIRECTORY = 4 << 20  # central directory bytes: 64 entries with room to spare
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"


def _directory_size(path: Path) -> tuple[int, int] | None:
    """(entries, bytes) the archive's end record declares for its central directory.

    Read from the file's tail before zipfile parses anything: zipfile reads the whole
    directory, so a small archive declaring millions of entries would cost seconds and
    memory before `inspect` could count them. None when no end record is found (zipfile
    then says what is wrong).
    """
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        start = max(0, size - (22 + 0xFFFF))
        fh.seek(start)
        tail = fh.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries == 0xFFFF or directory == 0xFFFFFFFF:  # zip64: the real counts are earlier
        record = start + at - 20 - 56
        if record < 0:
            return None
        with open(path, "rb") as fh:
            fh.seek(record)
            zip64 = fh.read(56)
        if zip64[:4] != _EOCD64:
            return None
        entries = int.from_bytes(zip64[32:40], "little")
        directory = int.from_bytes(zip64[40:48], "little")
    return entries, directory


def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        declared = _directory_size(Path(path))
    except OSError as exc:
        raise ArchiveRejected(
            f"{Path(path).name} cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    if declared and declared[0] > MAX_ENTRIES:
        raise ArchiveRejected(f"the archive declares {declared[0]} entries (at most {MAX_ENTRIES})")
    if declared and declared[1] > MAX_DIRECTORY:
        raise ArchiveRejected(
            f"the archive's directory is {declared[1] >> 20} MiB (at most {MAX_DIRECTORY >> 20})"
        )
    try:
        return zipfile.ZipFile(path)
    except READ_ERRORS as exc:
        raise ArchiveRejected(
            f"{Path(path).name} is not a readable zip archive ({_reason(exc)})"
        ) from None
