"""What a file to import is: its format, text encoding, delimiter and header, read from its
first bytes before DuckDB sees it, so bad input is refused with a message a person can act on.

Formats: CSV (any of , ; | TAB), TSV, Parquet, JSON (an array of objects) and NDJSON (one
object per line). The content decides over the extension: a Parquet file named `.csv` is
read as Parquet, and a spreadsheet or a picture renamed `.csv` is refused by name.
Encodings: UTF-8 (with or without BOM), UTF-16 (with BOM), and anything else is read as
Latin-1 (ISO-8859-1), which can decode every byte; the preview says so.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.core.data.errors import ImportRefused

HEAD_BYTES = 1 << 20  # read to choose the encoding
INFERENCE_SAMPLE_ROWS = 20_000  # DuckDB infers CSV types from 20,480 rows
SNIFF_CHARS = 64 << 10  # looked at for binary content, the delimiter and the header
SNIFF_RECORDS = 20  # records compared when choosing the delimiter
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
CSV_DELIMITERS = (",", "\t", ";", "|")
TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".dat", ""}
JSON_SUFFIXES = {".json"}
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = "CSV, TSV, Parquet, JSON or NDJSON"
# What a file picker offers: every suffix above but none (a bare name is read as text too).
DATA_SUFFIXES = frozenset(
    (TEXT_SUFFIXES - {""}) | JSON_SUFFIXES | NDJSON_SUFFIXES | PARQUET_SUFFIXES
)

# Leading bytes of formats people often rename by mistake, with what to do instead.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"PK\x03\x04",
        "a ZIP archive (an Excel or OpenDocument workbook is one)",
        "save the sheet as CSV, or unzip the archive and import the file inside",
    ),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document", "save the sheet as CSV"),
    (b"%PDF", "a PDF document", "export the table from its source as CSV"),
    (b"\x89PNG", "a PNG image", "import a table, not a picture"),
    (b"\xff\xd8\xff", "a JPEG image", "import a table, not a picture"),
    (b"GIF8", "a GIF image", "import a table, not a picture"),
    (
        b"\x1f\x8b",
        "a gzip-compressed file",
        "decompress it first (gunzip) and import the file inside",
    ),
    (b"BZh", "a bzip2-compressed file", "decompress it first and import the file inside"),
    (b"\xfd7zXZ", "an xz-compressed file", "decompress it first and import the file inside"),
    (b"SQLite format 3", "a SQLite database", "export the table as CSV or Parquet"),
    (b"\x7fELF", "a program (ELF executable)", "pick the data file instead"),
    (b"MZ", "a Windows program", "pick the data file instead"),
)


@dataclass(frozen=True)
class SourceFile:
    """A file about to be read, with everything learnt from its first bytes."""

    path: Path
    format: str  # csv | parquet | json | ndjson
    size: int
    encoding: str | None = None  # utf-8 | utf-16 | latin-1 (text formats only)
    delimiter: str | None = None  # CSV only
    header: tuple[str, ...] = ()  # CSV only: the header fields as written
    json_format: str | None = None  # array | newline_delimited | auto
    notes: tuple[str, ...] = field(default=())
    small: bool = False  # CSV: whole file inside DuckDB's type-inference sample
    # CSV: the record terminator, when DuckDB must be told it: "\r\n" for a file whose
    # quoted fields hold bare line breaks (a header cell with Alt+Enter in Excel), which
    # DuckDB's dialect sniffer cannot make out. None: let DuckDB detect it.
    newline: str | None = None
    # CSV: leave out rows whose field count differs from the header's (and report them)
    # instead of refusing the file. Chosen by the person, never by default.
    skip_bad_rows: bool = False
    # CSV: the quote character the read is told to use (set by the read plan from DuckDB's
    # sniffer, '"' when it finds none). None: not decided yet, DuckDB sniffs it.
    quote: str | None = None

    @property
    def label(self) -> str:
        if self.format == "csv" and self.delimiter == "\t":
            return "TSV"
        return {"csv": "CSV", "parquet": "Parquet", "json": "JSON", "ndjson": "NDJSON"}[self.format]

    def stat_key(self) -> tuple[int, int]:
        """Size and modification time now; raises FileNotFoundError if the file is gone."""
        st = self.path.stat()
        return st.st_size, st.st_mtime_ns


def inspect_source(path: Path | str) -> SourceFile:
    """Look at `path` and say how to read it, or raise ImportRefused saying why it cannot be."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ImportRefused(
            "the file does not exist (it may have been moved or deleted)",
            file=path,
            fix="check the path, or pick the file again",
        )
    if path.is_dir():
        raise ImportRefused("this is a folder, not a file", file=path, fix="pick one data file")
    path = path.resolve()
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(
            "the file is empty (0 bytes)",
            file=path,
            fix="export the data again; the file should start with a header row",
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
            fh.seek(max(size - 4, 0))
            tail = fh.read(4)
    except OSError as exc:
        raise ImportRefused(
            f"the file cannot be read: {exc.strerror}",
            file=path,
            fix="check that you may read it and that it is not locked by another program",
        ) from None
    suffix = path.suffix.lower()
    if head.startswith(b"PAR1"):
        if tail != b"PAR1":
            raise ImportRefused(
                "the Parquet file is incomplete (its footer is missing)",
                file=path,
                fix="copy or export the file again; it was cut short",
            )
        notes: tuple[str, ...] = (
            ()
            if suffix in PARQUET_SUFFIXES
            else (f"The file is Parquet despite its '{suffix}' name.",)
        )
        return SourceFile(path, "parquet", size, notes=notes)
    if suffix in PARQUET_SUFFIXES:
        raise ImportRefused(
            "the file is not Parquet (it does not start with the PAR1 marker)",
            file=path,
            fix="check that the export finished, or give the file its real extension",
        )
    _refuse_known_binary(path, head)
    encoding, text, notes = _decode_head(path, head, size)
    if not text.strip():
        raise ImportRefused(
            "the file holds only blank space",
            file=path,
            fix="export the data again; the file should start with a header row",
        )
    return _text_source(path, size, suffix, encoding, text, notes)


def _refuse_known_binary(path: Path, head: bytes) -> None:
    for magic, what, fix in _MAGIC:
        if head.startswith(magic):
            raise ImportRefused(f"this is {what}, not a {SUPPORTED} file", file=path, fix=fix)
    if head[8:12] == b"DUCK":
        raise ImportRefused(
            f"this is a DuckDB database, not a {SUPPORTED} file",
            file=path,
            fix="export the table with COPY ... TO 'file.parquet'",
        )


def _decode_head(path: Path, head: bytes, size: int) -> tuple[str, str, tuple[str, ...]]:
    """The encoding to read the file with, and the decoded head."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", head[3:].decode("utf-8", errors="replace"), ()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", head.decode("utf-16", errors="replace"), ()
    if b"\x00" in head:
        raise ImportRefused(
            f"the file holds binary data (NUL bytes), so it is not a {SUPPORTED} text file",
            file=path,
            fix="export the table as CSV (UTF-8) or Parquet",
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    notes: tuple[str, ...]
    try:
        text = decoder.decode(head, final=len(head) >= size)
        encoding, notes = "utf-8", ()
    except UnicodeDecodeError:
        text = head.decode("latin-1")
        encoding = "latin-1"
        notes = (
            "The file is not UTF-8; it was read as Latin-1 (ISO-8859-1). If accented "
            "letters look wrong, save the file as UTF-8 and import it again.",
        )
    sample = text[:SNIFF_CHARS]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise ImportRefused(
            f"the file holds binary data, so it is not a {SUPPORTED} text file",
            file=path,
            fix="export the table as CSV (UTF-8) or Parquet",
        )
    return encoding, text, notes


def _text_source(
    path: Path, size: int, suffix: str, encoding: str, text: str, notes: tuple[str, ...]
) -> SourceFile:
    start = text.lstrip()[:1]
    looks_json = start in ("[", "{")
    named_table = suffix in {".csv", ".tsv", ".tab"}
    if suffix in JSON_SUFFIXES or suffix in NDJSON_SUFFIXES or (looks_json and not named_table):
        if start == "[":
            return SourceFile(path, "json", size, encoding, json_format="array", notes=notes)
        if start == "{":
            first_line = text.lstrip().split("\n", 1)[0]
            try:
                json.loads(first_line)
                fmt = "newline_delimited"
            except ValueError:
                fmt = "auto"  # one object spread over many lines
            kind = "ndjson" if fmt == "newline_delimited" else "json"
            return SourceFile(path, kind, size, encoding, json_format=fmt, notes=notes)
        raise ImportRefused(
            "the file is not JSON: it should start with '[' (an array of objects) or '{' "
            "(one object per line)",
            file=path,
            fix="check the export, or rename the file to .csv if it is a table of text",
        )
    if suffix not in TEXT_SUFFIXES:
        notes = (*notes, f"Unknown extension '{suffix}': read as delimited text.")
    delimiter = _delimiter(text, suffix)
    header = _header(text, delimiter)
    small = size <= HEAD_BYTES and text.count("\n") < INFERENCE_SAMPLE_ROWS
    return SourceFile(
        path,
        "csv",
        size,
        encoding,
        delimiter,
        header,
        notes=notes,
        small=small,
        newline=_crlf_with_quoted_breaks(text[:SNIFF_CHARS]),
    )


def _crlf_with_quoted_breaks(sample: str) -> str | None:
    """ "\r\n" when every record in `sample` ends in CR LF and a quoted field holds a bare
    line break; else None."""
    if '"' not in sample or "\r\n" not in sample:
        return None  # the common case, decided without a walk through the text
    quoted = inner_break = False
    ends: set[str] = set()
    i = 0
    while i < len(sample):
        ch = sample[i]
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n":
            if quoted:
                inner_break = True
            elif sample.startswith("\r\n", i):
                ends.add("\r\n")
                i += 1
            else:
                ends.add(ch)
        i += 1
    return "\r\n" if inner_break and ends == {"\r\n"} else None


def _delimiter(text: str, suffix: str) -> str:
    """The delimiter of the header record. A header can hold a candidate inside its names
    (`a;b` unquoted, with commas between columns): the candidates found the same number of
    times in every sampled record win over the others, then the most frequent in the
    header, then the earlier in CSV_DELIMITERS."""
    records = _records(text, SNIFF_RECORDS)
    first = records[0] if records else ""
    counts = {d: _count_outside_quotes(first, d) for d in CSV_DELIMITERS}
    if suffix in {".tsv", ".tab"} and counts["\t"]:
        return "\t"
    steady = [
        d
        for d in CSV_DELIMITERS
        if counts[d] and all(_count_outside_quotes(r, d) == counts[d] for r in records[1:])
    ]
    pool = steady if len(records) > 1 and steady else list(CSV_DELIMITERS)
    best = max(pool, key=lambda d: counts[d])  # ties: the earlier one wins
    return best if counts[best] else ","


def _first_record(text: str) -> str:
    """The header record, which may span lines when a quoted name holds a newline."""
    records = _records(text, 1)
    return records[0] if records else ""


def _records(text: str, limit: int) -> list[str]:
    """Up to `limit` whole records from the start of `text` (a quoted field may hold a line
    break); a record cut off by the end of the sniffed text is left out, unless it is the
    header."""
    sample = text[:SNIFF_CHARS]
    records: list[str] = []
    record = ""
    for line in sample.splitlines(keepends=True):
        record += line
        if record.count('"') % 2 == 0:
            records.append(record.rstrip("\r\n"))
            record = ""
            if len(records) >= limit:
                return records
    if record and not records:
        records.append(record.rstrip("\r\n"))
    if len(text) > SNIFF_CHARS and len(records) > 1 and not sample.endswith("\n"):
        records.pop()  # the last one may be cut short
    return [r for r in records if r.strip() or r is records[0]]


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def _header(text: str, delimiter: str) -> tuple[str, ...]:
    reader = csv.reader(io.StringIO(_first_record(text)), delimiter=delimiter)
    try:
        return tuple(next(reader))
    except (StopIteration, csv.Error):
        return ()


def unique_names(raw: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Column names made unique and non-empty, deterministically, plus notes on what changed.

    Names compare case-insensitively (as in SQL). The first use of a name keeps it; later
    repeats become `name_2`, `name_3` ... skipping any suffix the file already uses. A blank
    name becomes `column_<position>`.
    """
    notes: list[str] = []
    stripped = [name.strip() for name in raw]
    names: list[str | None] = [None] * len(stripped)
    taken: set[str] = set()
    for i, name in enumerate(stripped):
        if name and name.lower() not in taken:
            names[i] = name
            taken.add(name.lower())
    repeats: dict[str, list[str]] = {}
    for i, name in enumerate(stripped):
        if names[i] is not None:
            continue
        base = name or f"column_{i + 1}"
        candidate, n = (f"{base}_2", 2) if name else (base, 1)
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}_{n}"
        names[i] = candidate
        taken.add(candidate.lower())
        if name:
            first = next(n for n in stripped if n.lower() == name.lower())
            repeats.setdefault(first, []).append(candidate)
        else:
            notes.append(f"Column {i + 1} has no name in the header; it was named '{candidate}'.")
    for name, renamed in repeats.items():
        notes.append(
            f"Column name '{name}' appears {len(renamed) + 1} times in the header (SQL "
            "ignores case); the "
            f"repeats were renamed {', '.join(repr(r) for r in renamed)}."
        )
    return [n for n in names if n is not None], notes
