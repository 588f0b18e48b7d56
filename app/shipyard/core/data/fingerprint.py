"""Fingerprints: the sha256 of a source file, and the content fingerprint of a dataset.

The content fingerprint identifies a table, not the bytes of a file: the same rows in the
same order with the same column names and types give the same fingerprint whether they came
from CSV, JSON or Parquet, and however DuckDB happened to lay out the Parquet row groups.
It is the sha256 of the schema, the row count and three order-sensitive 64-bit digests
DuckDB computes over every row in one parallel scan (`hash()` of the row number with every
value, aggregated with XOR and two sums). That catches any change to a value, a row's
position, a name or a type; it is an identity for reuse and lineage, not a signature (the
signed package carries sha256 of the real bytes).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.core.sql.sql_text import numbered_rows, quote_ident

if TYPE_CHECKING:
    import duckdb

    from shipyard.core.jobs import JobControl

FINGERPRINT_METHOD = "duckdb-rowhash-1"
CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class SourceHasher(threading.Thread):
    """Reads a file once on a background thread: its sha256, whether it is valid UTF-8
    (if asked), and every chunk handed to `feed` (the record count), in file order.

    Runs alongside DuckDB's read of the same file, so hashing costs no extra wall time.
    `stop()` ends it early; `result()` waits and re-raises an error (e.g. the file vanished).
    """

    def __init__(
        self,
        path: Path,
        *,
        check_utf8: bool,
        feed: Callable[[bytes], None] | None = None,
    ) -> None:
        super().__init__(name="source-sha256", daemon=True)
        self.path = path
        self.check_utf8 = check_utf8
        self.feed = feed
        self._stop_event = threading.Event()
        self.sha256: str | None = None
        self.utf8_valid: bool | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            digest = hashlib.sha256()
            decoder = codecs.getincrementaldecoder("utf-8")()
            valid = self.check_utf8
            with self.path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    if self._stop_event.is_set():
                        return
                    digest.update(chunk)
                    if self.feed is not None:
                        self.feed(chunk)
                    if valid:
                        valid = _utf8_ok(decoder, chunk)
                if valid:
                    valid = _utf8_ok(decoder, b"", final=True)
            self.sha256 = digest.hexdigest()
            self.utf8_valid = valid if self.check_utf8 else None
        except BaseException as exc:  # reported through result()
            self.error = exc

    def stop(self) -> None:
        self._stop_event.set()

    def result(self) -> str:
        self.join()
        if self.error is not None:
            raise self.error
        if self.sha256 is None:
            raise RuntimeError("the source hash was stopped before it finished")
        return self.sha256


def is_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8 (one streaming pass)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if not _utf8_ok(decoder, chunk):
                return False
    return _utf8_ok(decoder, b"", final=True)


def _utf8_ok(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    if chunk.isascii() and not decoder.getstate()[0]:
        return True
    try:
        decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return True


def content_fingerprint_sql(parquet_sql: str, columns: Sequence[str]) -> str:
    """The statement computing the row digests of a Parquet file (`parquet_sql` is its
    quoted path)."""
    values = ", ".join(quote_ident(c) for c in columns)
    rows, row = numbered_rows(f"read_parquet({parquet_sql})", columns)
    # the digests are named by the derived table's column list, which only they are in
    return (
        "SELECT count(*), bit_xor(h1), sum(h1::HUGEINT)::VARCHAR, sum(h2::HUGEINT)::VARCHAR "
        f"FROM (SELECT hash({row}, {values}), hash({values}, {row}) FROM {rows}) AS d(h1, h2)"
    )


def fingerprint_from_digests(schema: Sequence[tuple[str, str]], digests: Sequence[object]) -> str:
    """`sha256:<hex>` over the schema, the row count and the row digests."""
    body = {
        "method": FINGERPRINT_METHOD,
        "schema": [[name, typ] for name, typ in schema],
        "digests": [str(d) for d in digests],
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_fingerprint(
    con: duckdb.DuckDBPyConnection,
    parquet: Path,
    schema: Sequence[tuple[str, str]],
    *,
    job: JobControl | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> tuple[str, int]:
    """(fingerprint, rows) of the Parquet file; cancellable through `job`."""
    from shipyard.core.sql.duck import run_interruptible, sql_path

    rows = run_interruptible(
        con,
        content_fingerprint_sql(sql_path(parquet), [n for n, _ in schema]),
        job=job,
        span=span,
        message="Fingerprinting the content",
    )
    count, *digests = rows[0]
    return fingerprint_from_digests(schema, [count, *digests]), int(count)
