"""Counting what a text file holds, so no row is lost on import without being reported.

Two counts, independent of DuckDB's reader:

- `RecordCounter`, a background thread run alongside the import, counts the file's records
  in one cheap pass (numpy over 1 MB chunks): line breaks outside double quotes, less blank
  lines. A quoted field may hold line breaks, so one record can span many lines.
- `scan_rows`, run only when that count and DuckDB's disagree or DuckDB reports rows it
  could not place, walks the records with Python's csv module and lists every row whose
  field count differs from the header's, with its line number and raw text.

NDJSON is counted as its non-blank lines (a JSON string cannot hold a bare line break), and
`find_bad_json_lines` names the lines that are not JSON objects.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from shipyard.core.data.source_file import SourceFile

CHUNK = 1 << 20
EXAMPLES = 5  # bad rows listed in a message and kept in version.json
EXAMPLE_CHARS = 200  # of each example's raw text
SCAN_BYTES = 256 << 20  # a message's listing reads at most this much of the file


@dataclass(frozen=True)
class BadRow:
    line: int  # where the record starts in the file (1 = the header)
    fields: int
    text: str  # the record as written, cut to EXAMPLE_CHARS

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "fields": self.fields, "text": self.text}


@dataclass(frozen=True)
class RowScan:
    """The data records of a delimited file and those that do not fit its header."""

    header_fields: int
    records: int  # data records read (the header not counted)
    bad: int  # records whose field count differs from the header's
    examples: tuple[BadRow, ...] = field(default=())
    complete: bool = True  # False when the scan stopped at `limit_bytes`

    @property
    def good(self) -> int:
        return self.records - self.bad


class _Lines:
    """The file's lines for csv.reader, remembering where the current record began, the
    start of its text, and how many characters were read."""

    def __init__(self, fh: TextIO) -> None:
        self.fh = fh
        self.number = 0
        self.start = 0
        self.raw: list[str] = []
        self.chars = 0
        self.fresh = True

    def __iter__(self) -> Iterator[str]:
        for line in self.fh:
            self.number += 1
            if self.fresh:
                self.start, self.raw, self.fresh = self.number, [], False
            if sum(len(p) for p in self.raw) < EXAMPLE_CHARS:
                self.raw.append(line)
            self.chars += len(line)
            yield line

    def take(self) -> tuple[int, str]:
        """(first line, text) of the record just read; the next line starts a new one."""
        self.fresh = True
        return self.start, "".join(self.raw).rstrip("\r\n")


def scan_rows(
    source: SourceFile,
    *,
    limit_bytes: int | None = None,
    quote: str = '"',
    escape: str | None = None,
) -> RowScan:
    """Walk every record of CSV/TSV `source` (streaming) and list those whose field count
    differs from the header's. Blank lines are no records, except in a one-column file,
    where DuckDB reads them as missing values. `quote` and `escape` are the dialect DuckDB
    read the file with (no escape: a quote inside a quoted field is written twice)."""
    header: list[str] | None = None
    records = bad = 0
    examples: list[BadRow] = []
    complete = True
    with Path(source.path).open(
        encoding=source.encoding or "utf-8", errors="replace", newline=""
    ) as fh:
        lines = _Lines(fh)
        dialect: dict[str, object] = {"delimiter": source.delimiter or ",", "quotechar": quote}
        if escape and escape != quote:
            dialect.update(escapechar=escape, doublequote=False)
        reader = csv.reader(iter(lines), **dialect)  # type: ignore[arg-type]  # the sniffed dialect keywords csv.reader accepts
        while True:
            try:
                row: list[str] | None = next(reader)
            except StopIteration:
                break
            except csv.Error:
                row = None  # e.g. a field over the csv module's size limit
            start, text = lines.take()
            if header is None:
                if row:  # a blank line before the header is no header
                    header = row
                continue
            if row == [] and len(header) > 1:
                continue
            records += 1
            if row is None or (len(row) != len(header) and not (row == [] and len(header) == 1)):
                bad += 1
                if len(examples) < EXAMPLES:
                    if len(text) > EXAMPLE_CHARS:
                        text = text[:EXAMPLE_CHARS] + "…"
                    examples.append(BadRow(start, len(row or ()), text))
            if limit_bytes is not None and lines.chars > limit_bytes:
                complete = False
                break
    return RowScan(len(header or ()), records, bad, tuple(examples), complete)


class RecordTally:
    """Counts the data records of a CSV/TSV or NDJSON file from its bytes, fed in order.

    CSV: line feeds outside double quotes (a doubled quote inside a quoted field toggles
    twice, so it needs no special case), less blank lines, plus a last record without a
    line break, less the header. NDJSON: non-blank lines. `total()` is None when the file
    cannot be counted this way (UTF-16, a lone CR as line break) or counting failed.

    Each chunk becomes bit masks, one bit per byte in 64-bit words (line feeds, quotes),
    and a prefix XOR over the quote bits tells which line feeds lie inside quotes: no
    per-byte index arrays, about half the CPU time of listing positions, which counted on
    a big import sharing two cores with DuckDB.

    Fed by the thread that hashes the source (fingerprint.SourceHasher), so the file is
    read once for both; `RecordCounter` runs it on a thread of its own.
    """

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.countable = source.encoding in {"utf-8", "latin-1"}
        self.error: BaseException | None = None
        self._quotes = source.format == "csv"
        self._inside = False
        self._offset = 0
        self._last_nl = -1  # global position of the last line feed outside quotes
        self._prev_byte = 0  # the byte before the current chunk
        self._breaks = self._blanks = 0
        self._content_after_last = False  # a non-blank byte outside quotes after _last_nl
        self._any_cr_only = False
        self._found: Any = None  # one reused mask: a fresh 1 MB array per chunk costs more

    def feed(self, chunk: bytes) -> None:
        """Count the records in `chunk`, the bytes that follow those fed so far."""
        if not self.countable or self.error is not None or not chunk:
            return
        try:
            self._feed(chunk)
        except Exception as exc:  # the count is a cross-check, not the read
            self.error = exc

    def total(self) -> int | None:
        """The data records in the bytes fed, or None (see the class)."""
        if not self.countable or self.error is not None:
            return None
        if self._any_cr_only and self._breaks == 0:
            return None
        records = self._breaks - self._blanks + (1 if self._content_after_last else 0)
        if self.source.format == "csv":
            return max(records - 1, 0)  # the header
        return records

    def _feed(self, chunk: bytes) -> None:
        import numpy as np

        n = len(chunk)
        size = -(-n // 64) * 64
        if self._found is None or len(self._found) < size:
            self._found = np.zeros(max(size, CHUNK), dtype=bool)
        data = np.frombuffer(chunk, dtype=np.uint8)
        mask = self._found[:size]
        mask[n:] = False  # the last word's bits past the chunk

        def bits(byte: int) -> Any:  # bit i of word i // 64 is set where chunk[i] == byte
            np.equal(data, byte, out=mask[:n])
            return np.packbits(mask, bitorder="little").view(np.uint64)

        out = bits(10)  # line feeds, then only those outside quotes
        if self._quotes:
            marks = bits(34)
            moved = np.empty_like(marks)
            for shift in (1, 2, 4, 8, 16, 32):  # bit j: the parity of the quotes at 0..j
                marks ^= np.left_shift(marks, np.uint64(shift), out=moved)
            parity = marks >> np.uint64(63)
            # a word's bits start from the quotes of the words before it (and the open
            # quote carried over): a line feed is inside when that total parity is odd
            before = np.bitwise_xor.accumulate(parity) ^ parity ^ np.uint64(self._inside)
            out &= ~(marks ^ (np.uint64(0) - before))
            self._inside ^= bool(parity.sum() & 1)
        count = int(np.bitwise_count(out).sum())
        if not self._any_cr_only and not count and not self._inside and b"\r" in chunk:
            self._any_cr_only = b"\n" not in chunk
        if count:
            self._breaks += count
            self._blanks += self._blank_lines(chunk, out)
            last = chunk.rfind(b"\n")  # usually outside quotes: then no search is needed
            if not (int(out[last // 64]) >> (last % 64)) & 1:
                word = int(np.flatnonzero(out)[-1])
                last = word * 64 + int(out[word]).bit_length() - 1
            self._last_nl = self._offset + last
            self._content_after_last = bool(chunk[last + 1 :].strip(b"\r"))
        elif chunk.strip(b"\r"):
            self._content_after_last = True
        self._prev_byte = chunk[-1]
        self._offset += n

    def _blank_lines(self, chunk: bytes, out: Any) -> int:
        """Blank lines ending at the line feeds `out` (bits, outside quotes): nothing but an
        optional CR since the line feed before. A line feed, or the CR between two of them,
        is no quote, so the two line feeds are both outside quotes or both inside."""
        import numpy as np

        def shifted(words: Any, by: int) -> Any:  # the bits of the bytes `by` before
            moved = words << np.uint64(by)
            moved[1:] |= words[:-1] >> np.uint64(64 - by)
            return moved

        blanks = int(np.bitwise_count(out & shifted(out, 1)).sum())
        if b"\r" in chunk:
            np.equal(np.frombuffer(chunk, dtype=np.uint8), 13, out=self._found[: len(chunk)])
            crs = np.packbits(self._found[: len(out) * 64], bitorder="little").view(np.uint64)
            blanks += int(np.bitwise_count(out & shifted(crs, 1) & shifted(out, 2)).sum())
        # the first two bytes, whose line feed before may lie in the chunks before (or be
        # the file's start, _last_nl being -1 then)
        after_break = self._last_nl == self._offset - 1
        after_break_cr = self._last_nl == self._offset - 2 and self._prev_byte == 13
        first = int(out[0])
        if first & 1 and (after_break or after_break_cr):
            blanks += 1
        if first & 2 and after_break and chunk[0] == 13:
            blanks += 1
        return blanks


class RecordCounter(threading.Thread):
    """Counts the data records of a CSV/TSV or NDJSON file (see RecordTally) on a
    background thread of its own. `result()` is None when the file cannot be counted this
    way or the count was stopped."""

    def __init__(self, source: SourceFile) -> None:
        super().__init__(name="record-count", daemon=True)
        self.source = source
        self._stop_event = threading.Event()
        self.count: int | None = None
        self.error: BaseException | None = None

    def stop(self) -> None:
        self._stop_event.set()

    def result(self) -> int | None:
        self.join()
        return self.count

    def run(self) -> None:
        try:
            self.count = self._count()
        except Exception as exc:  # the count is a cross-check, not the read
            self.error = exc
            self.count = None

    def _count(self) -> int | None:
        tally = RecordTally(self.source)
        if not tally.countable:
            return None
        with Path(self.source.path).open("rb") as fh:
            while chunk := fh.read(CHUNK):
                if self._stop_event.is_set():
                    return None
                tally.feed(chunk)
        self.error = tally.error
        return tally.total()


def find_bad_json_lines(path: Path, encoding: str | None) -> tuple[int, list[tuple[int, str]]]:
    """(count, first examples as (line, problem)) of the NDJSON lines that are not JSON
    objects; blank lines are allowed."""
    count = 0
    examples: list[tuple[int, str]] = []
    with Path(path).open(encoding=encoding or "utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                problem = f"not valid JSON ({exc.msg.lower()})"
            else:
                if isinstance(value, dict):
                    continue
                problem = f"a JSON {type(value).__name__.replace('dict', 'object')}, not an object"
            count += 1
            if len(examples) < EXAMPLES:
                examples.append((number, problem))
    return count, examples
