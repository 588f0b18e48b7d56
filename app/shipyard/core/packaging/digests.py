"""Streaming sha256 of files and archive members: fixed-size chunks, never a whole file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

CHUNK = 1 << 20  # 1 MiB: large enough that the hash, not the system call, dominates


def sha256_stream(stream: IO[bytes], limit: int | None = None) -> tuple[str, int]:
    """(hex digest, bytes read) of `stream`, reading at most `limit` bytes when given."""
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    total = 0
    while True:
        want = CHUNK if limit is None else min(CHUNK, limit - total)
        if want <= 0:
            break
        n = stream.readinto(view[:want])  # type: ignore[attr-defined]  # IO[bytes] has no readinto in typeshed; files and zip members do
        if not n:
            break
        digest.update(view[:n])
        total += n
    return digest.hexdigest(), total


def sha256_file(path: Path) -> str:
    with open(path, "rb", buffering=0) as fh:
        return sha256_stream(fh)[0]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
