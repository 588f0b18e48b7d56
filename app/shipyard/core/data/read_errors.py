"""Turning DuckDB's reader errors into messages that name the file, the line and the fix."""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.core.data.errors import ImportRefused
from shipyard.core.data.source_file import SourceFile

if TYPE_CHECKING:
    from shipyard.core.data.row_check import RowScan

_LINE = re.compile(r"CSV Error on Line: (\d+)")
_RAGGED = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_CONVERT = re.compile(
    r'Error when converting column "(?P<col>.+?)"\. Could not convert string "(?P<val>.*?)"? '
    r"to '(?P<type>.+?)'",
    re.S,
)
_JSON_WHERE = re.compile(r"at byte (\d+) in line (\d+): (.*)")
_JSON_LINE = re.compile(r"in line (\d+): (.*)")
_NOT_WHOLE = re.compile(
    r"shipyard: not a whole number\|(?P<hex>[0-9a-f]*)\|(?P<type>[A-Z0-9_ (),]+)\|(?P<val>.*)",
    re.S,
)
DIAGNOSE_BYTES = 256 << 20


class NotUtf8(Exception):
    """Internal: the file is not valid UTF-8; read it again as Latin-1."""


class WidenColumn(Exception):
    """Internal: a column's inferred type does not fit a value further down the file."""

    def __init__(self, column: str, value: str, type_name: str, line: int | None) -> None:
        super().__init__(column)
        self.column = column
        self.value = value
        self.type_name = type_name
        self.line = line


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def explain_read_error(
    exc: BaseException,
    source: SourceFile,
    *,
    overridden: Collection[str] = (),
    may_widen: bool = False,
    names: Sequence[str] = (),
) -> Exception:
    """The exception to raise for DuckDB error `exc` while reading `source`.

    Returns NotUtf8 or WidenColumn (internal signals the caller retries on) or an
    ImportRefused for the person.
    """
    text = str(exc)
    path = source.path
    line_match = _LINE.search(text)
    line = int(line_match.group(1)) if line_match else None
    where = f"line {line:,}" if line else "a row"
    if "No files found" in text or "Cannot open file" in text or "No such file" in text:
        return ImportRefused(
            "the file was moved or deleted while it was being read",
            file=path,
            fix="put the file back and import it again",
        )
    if "Invalid unicode" in text or "not utf-8 encoded" in text:
        if source.encoding == "utf-8":
            return NotUtf8()
        return ImportRefused(
            f"{where} holds bytes that are not valid {source.encoding} text",
            file=path,
            fix="save the file as UTF-8 and import it again",
        )
    ragged = _RAGGED.search(text)
    if ragged:
        expected, found = int(ragged.group(1)), int(ragged.group(2))
        return _ragged_error(source, line, expected, found)
    bad_value = _value_not_converted(text)
    if bad_value is not None:
        col, val, typ = bad_value
        return _conversion_error(
            source, col, val, typ, line, overridden=overridden, may_widen=may_widen, names=names
        )
    if "automatically detect the CSV parsing dialect" in text:
        return _dialect_error(source)
    if source.format == "parquet":
        return ImportRefused(
            f"the Parquet file cannot be read ({first_line(exc)})",
            file=path,
            fix="copy or export the file again; it may be damaged or cut short",
        )
    if source.format in {"json", "ndjson"}:
        return _json_error(exc, source)
    return ImportRefused(
        f"DuckDB cannot read the file: {first_line(exc)}",
        file=path,
        fix="save it as CSV (UTF-8, comma-separated, one header row) or Parquet",
    )


def _value_not_converted(text: str) -> tuple[str, str, str] | None:
    """(column, value, type) when DuckDB's message says a value did not convert (or was
    not a whole number, from the strict integer cast of read_plan)."""
    convert = _CONVERT.search(text)
    if convert:
        return convert.group("col"), convert.group("val"), convert.group("type")
    not_whole = _NOT_WHOLE.search(text)
    if not_whole:
        col = bytes.fromhex(not_whole.group("hex")).decode("utf-8")
        return col, _error_value(not_whole.group("val")), not_whole.group("type")
    return None


def _conversion_error(
    source: SourceFile,
    col: str,
    val: str,
    typ: str,
    line: int | None,
    *,
    overridden: Collection[str],
    may_widen: bool,
    names: Sequence[str],
) -> Exception:
    """Widen the column (an inferred type), or refuse naming the line (a type the user chose)."""
    where = f"line {line:,}" if line else "a row"
    if line is None and col in names:
        line = find_value_line(source, list(names).index(col), val)
        where = f"line {line:,}" if line else "a row further down"
    if may_widen and col not in overridden:
        return WidenColumn(col, val, typ, line)
    return ImportRefused(
        f"column '{col}' cannot be read as {typ}: {where} holds {val!r}",
        file=source.path,
        fix=f"choose another type for '{col}' (VARCHAR always works), or correct {where}",
    )


def _dialect_error(source: SourceFile) -> ImportRefused:
    """DuckDB could not sniff the CSV: name a ragged row if there is one."""
    found_ragged = find_ragged_row(source)
    if found_ragged:
        return _ragged_error(source, *found_ragged)
    return ImportRefused(
        "DuckDB cannot make out how the file is delimited or quoted",
        file=source.path,
        fix="check that it is a table of text with one header row, e.g. by opening it "
        "in a text editor, then save it as CSV (UTF-8, comma-separated)",
    )


def _json_error(exc: BaseException, source: SourceFile) -> ImportRefused:
    """Where the JSON is not valid: the bad NDJSON line if one is found, else DuckDB's
    line and byte."""
    if source.json_format == "newline_delimited":
        named = bad_json_refused(source)
        if named is not None:
            return named
    first = first_line(exc)
    at_byte = _JSON_WHERE.search(first)
    in_line = _JSON_LINE.search(first)
    if at_byte:
        problem = f"line {at_byte.group(2)}, byte {at_byte.group(1)}: {at_byte.group(3)}"
    elif in_line:
        problem = f"line {in_line.group(1)}: {in_line.group(2)}"
    else:
        problem = _after_colon(first)
    return ImportRefused(
        f"the JSON is not valid at {problem.strip().rstrip('.')}",
        file=source.path,
        fix="correct the file (one JSON object per line for NDJSON, or one array of "
        "objects) and import it again",
    )


def _error_value(text: str) -> str:
    """The offending value at the end of DuckDB's message for error(): DuckDB may add
    context lines after it (a caret, a LINE ... excerpt)."""
    return text.split("\n\nLINE ", 1)[0].rstrip("\n")


def _after_colon(text: str) -> str:
    return text.split("Error: ", 1)[-1]


def _ragged_error(source: SourceFile, line: int | None, expected: int, found: int) -> ImportRefused:
    from shipyard.core.data.row_check import SCAN_BYTES, scan_rows

    try:
        scan = scan_rows(source, limit_bytes=SCAN_BYTES)
    except OSError:
        scan = None
    if scan is not None and scan.bad:
        return bad_rows_refused(source, scan)
    where = f"line {line:,}" if line else "a row"
    delim = _delimiter_name(source)
    return ImportRefused(
        f"{where} has {found} fields but the header has {expected}",
        file=source.path,
        fix=f"give every row {expected} fields separated by {delim}; put quotes around "
        f"values that contain {delim}, or import with --skip-bad-rows to leave such rows out",
    )


def _delimiter_name(source: SourceFile) -> str:
    return "TAB" if source.delimiter == "\t" else repr(source.delimiter or ",")


def describe_bad_rows(scan: RowScan) -> str:
    """ "2 rows do not have as many fields as the header (the header has 3), so they cannot
    be placed in its columns: line 3 has 2 fields: '4,5'; line 4 has 4 fields: ..."."""
    shown = "; ".join(f"line {r.line:,} has {r.fields} fields: {r.text!r}" for r in scan.examples)
    more = scan.bad - len(scan.examples)
    if more > 0:
        shown += f"; and {more:,} more"
    at_least = "" if scan.complete else "at least "
    rows, they = ("row does", "it") if scan.bad == 1 else ("rows do", "they")
    return (
        f"{at_least}{scan.bad:,} {rows} not have as many fields as the header (the header "
        f"has {scan.header_fields}), so {they} cannot be placed in its columns: {shown}"
    )


def bad_rows_refused(source: SourceFile, scan: RowScan) -> ImportRefused:
    delim = _delimiter_name(source)
    first = ""
    if scan.bad * 2 > scan.records:  # most rows: line 1 may be a title, not the header
        first = "if line 1 is not the header row, delete the lines above the header; else "
    return ImportRefused(
        describe_bad_rows(scan),
        file=source.path,
        fix=f"{first}give every row {scan.header_fields} fields separated by {delim} and put quotes "
        f"around values that contain {delim} or a line break; or import with "
        "--skip-bad-rows to leave these rows out (they are counted and listed in the "
        "version's metadata)",
    )


def bad_json_refused(source: SourceFile) -> ImportRefused | None:
    """The refusal naming the NDJSON lines that are not JSON objects, or None."""
    from shipyard.core.data.row_check import find_bad_json_lines

    try:
        count, examples = find_bad_json_lines(source.path, source.encoding)
    except OSError:
        return None
    if not count:
        return None
    shown = "; ".join(f"line {line:,} is {problem}" for line, problem in examples)
    if count > len(examples):
        shown += f"; and {count - len(examples):,} more"
    lines, them = ("line is", "it") if count == 1 else ("lines are", "them")
    return ImportRefused(
        f"{count:,} {lines} not a JSON object, so no row can be made of {them}: {shown}",
        file=source.path,
        fix="correct or remove those lines (one JSON object per line) and import it again",
    )


def find_ragged_row(source: SourceFile) -> tuple[int, int, int] | None:
    """(line, header fields, row fields) of the first row whose field count differs from
    the header's, looking at the first DIAGNOSE_BYTES of the file; None if all agree."""
    if source.format != "csv":
        return None
    read = 0
    try:
        with Path(source.path).open(
            encoding=source.encoding or "utf-8", errors="replace", newline=""
        ) as fh:
            reader = csv.reader(fh, delimiter=source.delimiter or ",")
            header: list[str] | None = None
            for row in reader:
                read += sum(len(f) + 1 for f in row)
                if read > DIAGNOSE_BYTES:
                    return None
                if not row:
                    continue
                if header is None:
                    header = row
                elif len(row) != len(header):
                    return reader.line_num, len(header), len(row)
    except (OSError, csv.Error):
        return None
    return None


def find_value_line(source: SourceFile, index: int, value: str) -> int | None:
    """Line of the first row whose field `index` is `value` (first DIAGNOSE_BYTES only)."""
    if source.format != "csv":
        return None
    read = 0
    try:
        with Path(source.path).open(
            encoding=source.encoding or "utf-8", errors="replace", newline=""
        ) as fh:
            reader = csv.reader(fh, delimiter=source.delimiter or ",")
            next(reader, None)
            for row in reader:
                read += sum(len(f) + 1 for f in row)
                if read > DIAGNOSE_BYTES:
                    return None
                if len(row) > index and row[index].strip() == value.strip():
                    return reader.line_num
    except (OSError, csv.Error):
        return None
    return None
