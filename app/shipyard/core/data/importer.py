"""Importing a file as a new immutable dataset version (a long job: progress and cancel).

One pass over the source: DuckDB streams it into Snappy Parquet (`COPY ... TO`) on all cores
while one helper thread reads the same file once for its sha256 and its record count. The
COPY runs on a second thread so this one can report `query_progress()` and honour Cancel at
once with `connection.interrupt()`; chunking the file instead would re-sniff and re-scan it;
a file that is not UTF-8 is found by DuckDB's reader, and checked whole only then. Then one
parallel scan of the Parquet gives the content fingerprint (see fingerprint.py).

Memory stays bounded whatever the file's size: DuckDB streams the file, and the connection
has a fixed memory limit (`MEMORY_LIMIT`) with a spill folder under `.shipyard/tmp`. Without
the limit DuckDB keeps the rows it has read ahead (to write them in file order) in memory up
to 80% of the machine's RAM: a 5M-row Parquet file took 930 MB, and the peak grew with the
rows; with it, a 20M-row file imports in well under 2 GB.

Types are DuckDB's inference from a sample of the file. When a value further down does not
fit (a letter in a column that looked numeric), the column is widened (BIGINT -> DOUBLE ->
VARCHAR) and the file read again, with a note in the metadata, unless the user chose that
column's type, in which case the import stops and names the line. A CSV file is first read
the quick way (one check per row for all its integer and floating-point columns, see
ReadPlan.quick_select_sql); a row that fails it sends the file through the strict read,
which checks each value and widens or refuses as above.

No row is lost without a report: the header is always the first record, a row whose field
count differs from the header's stops the import with its line number (or, when the person
asks to skip such rows, is left out, counted and listed in version.json), and the rows
DuckDB read are checked against an independent count of the file's records (row_check.py)
taken on a helper thread during the COPY.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.core.data.catalog import find_by_recipe
from shipyard.core.data.dataset_version import DatasetVersion, Lineage, check_name
from shipyard.core.data.errors import ImportRefused
from shipyard.core.data.fingerprint import SourceHasher, is_utf8
from shipyard.core.data.read_errors import (
    NotUtf8,
    WidenColumn,
    bad_json_refused,
    bad_rows_refused,
    describe_bad_rows,
    explain_read_error,
)
from shipyard.core.data.read_plan import ReadPlan, csv_quoting, plan_read
from shipyard.core.data.row_check import RecordTally, RowScan, scan_rows
from shipyard.core.data.source_file import SourceFile, inspect_source
from shipyard.core.data.version_writer import Staging, copy_to_parquet, finish_version
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect
from shipyard.core.sql.sql_text import is_integer
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

READER_VERSION = 2  # bump when the way files are read changes (invalidates recipes)
MAX_WIDENINGS = 16
MEMORY_LIMIT = "1GB"  # DuckDB's own buffers during an import (see the module docstring)
TMP = Path(".shipyard") / "tmp"


class _AlreadyImported(Exception):
    def __init__(self, version: DatasetVersion) -> None:
        super().__init__(version.ref)
        self.version = version


def import_file(
    ws: Workspace,
    path: Path | str,
    name: str,
    *,
    user: str,
    job: JobControl | None = None,
    type_overrides: dict[str, str] | None = None,
    exclude: set[str] | frozenset[str] | None = None,
    skip_bad_rows: bool = False,
) -> DatasetVersion:
    """Import `path` as the next version of dataset `name` and return it.

    A CSV/TSV row whose field count differs from the header's is refused with its line
    number unless `skip_bad_rows`: then such rows are left out, and their count and first
    examples are stored in the version (`skipped_rows`) and named in a note. Either way the
    rows imported are the file's data records less those reported.

    Promises: the version appears whole (Parquet + version.json) or not at all; importing
    content identical to an existing version of `name` returns that version and writes
    nothing; a cancel (Cancelled from `job`) or any error leaves no trace in the workspace.
    Bad input raises ImportRefused naming the file and the fix.
    """
    job = job or JobControl()
    check_name(name)
    overrides = dict(type_overrides or {})
    excluded = set(exclude or ())
    job.progress(0.0, f"Reading {Path(path).name}")
    source = inspect_source(path)
    if skip_bad_rows and source.format == "csv":
        source = replace(source, skip_bad_rows=True)
    before = _stat(source)
    con = connect(temp_dir=ws.root / TMP, memory_limit=MEMORY_LIMIT)
    try:
        plan = plan_read(con, source, type_overrides=overrides, exclude=excluded)
        job.progress(0.03, "Checking the columns")
        with Staging(ws) as staging:
            try:
                read = _read_source(ws, name, con, plan, source, staging, job, overrides, excluded)
            except _AlreadyImported as hit:
                return hit.version
            _check_unchanged(source, before)
            if read.rows == 0:
                raise ImportRefused(
                    "the file has a header but no rows",
                    file=source.path,
                    fix="export the data again with its rows",
                )
            plan, sha = read.plan, read.sha256
            return finish_version(
                ws,
                name,
                staging,
                con,
                user=user,
                job=job,
                lineage=Lineage(kind="file", source=str(source.path), source_sha256=sha),
                source=_source_info(plan.source, sha),
                options=plan.options(),
                notes=(*plan.notes, *_skipped_note(read.skipped)),
                recipe=read.recipe,
                source_names={c.name: c.source_name for c in plan.columns},
                skipped_rows=_skipped_json(read.skipped),
            )
    finally:
        con.close()


@dataclass(frozen=True)
class _Read:
    """The source copied into the staged Parquet, checked and hashed."""

    plan: ReadPlan  # as finally read (columns may have been widened)
    rows: int
    sha256: str  # of the source file
    skipped: RowScan | None  # the rows left out, when bad rows are skipped
    recipe: str


def _read_source(
    ws: Workspace,
    name: str,
    con: duckdb.DuckDBPyConnection,
    plan: ReadPlan,
    source: SourceFile,
    staging: Staging,
    job: JobControl,
    overrides: dict[str, str],
    excluded: set[str],
) -> _Read:
    """Copy the file into `staging` while helper threads hash it and count its records,
    then check that no row was lost. Raises _AlreadyImported as soon as the hash shows that
    a version of `name` holds this very file read the same way."""
    tally = RecordTally(plan.source)  # counted from the bytes the hasher reads
    hasher = SourceHasher(source.path, check_utf8=False, feed=tally.feed)
    hasher.start()
    try:
        recipe_of = _recipe_factory(plan.source, overrides, excluded)

        def reuse_check() -> None:
            if hasher.sha256 is not None:
                found = find_by_recipe(ws, name, recipe_of(hasher.sha256))
                if found is not None:
                    raise _AlreadyImported(found)

        plan, rows, rejected = _copy(con, plan, staging, job, overrides, excluded, reuse_check)
        sha = _source_hash(hasher, source)
        job.progress(0.85, "Counting the rows of the file")
        skipped = _check_rows(con, plan.source, rows, tally.total(), rejected)
    finally:
        hasher.stop()
    return _Read(plan, rows, sha, skipped, recipe_of(sha))


def _copy(
    con: duckdb.DuckDBPyConnection,
    plan: ReadPlan,
    staging: Staging,
    job: JobControl,
    overrides: dict[str, str],
    excluded: set[str],
    reuse_check: Callable[[], None],
) -> tuple[ReadPlan, int, int]:
    """Run the COPY, re-planning on a non-UTF-8 file or a column that needs a wider type.
    Returns the plan used, the rows written and the rows DuckDB left out (skip mode)."""
    import duckdb

    widened: dict[str, str] = {}
    notes: list[str] = []
    source = plan.source
    quick = True  # until a row needs a closer look (see ReadPlan.quick_select_sql)
    for _ in range(MAX_WIDENINGS + 1):
        quick_sql = plan.quick_select_sql() if quick else None
        try:
            rows = copy_to_parquet(
                con,
                quick_sql or plan.select_sql(),
                staging.data_path,
                job=job,
                span=(0.05, 0.85),
                message=f"Converting {source.path.name} to Parquet",
                on_tick=reuse_check,
            )
            rejected, problem = _rejects(con) if source.skip_bad_rows else (0, None)
            if problem is None:
                return replace(plan, notes=(*plan.notes, *notes)), rows, rejected
            signal = explain_read_error(
                problem, source, overridden=set(overrides), may_widen=True, names=plan.all_names
            )
        except duckdb.Error as exc:
            if quick_sql is not None:
                quick = False  # read it again, checking every value on its own
                continue
            signal = explain_read_error(
                exc, source, overridden=set(overrides), may_widen=True, names=plan.all_names
            )
        if (
            isinstance(signal, WidenColumn)
            and source.encoding == "utf-8"
            and not is_utf8(source.path)  # a rare path: worth a pass over the file of its own
        ):
            signal = NotUtf8()
        if isinstance(signal, NotUtf8):
            source = replace(source, encoding="latin-1")
            widened.clear()
            notes = [
                "The file is not UTF-8; it was read as Latin-1 (ISO-8859-1). If accented "
                "letters look wrong, save the file as UTF-8 and import it again."
            ]
        elif isinstance(signal, WidenColumn):
            wider = _wider_type(signal.type_name, signal.value)
            widened[signal.column] = wider
            at = f" on line {signal.line:,}" if signal.line else ""
            notes.append(
                f"Column '{signal.column}' looked like {signal.type_name} in the first rows, "
                f"but{at} it holds {signal.value!r}; it was imported as {wider}."
            )
        else:
            raise signal from None
        plan = plan_read(con, source, type_overrides={**widened, **overrides}, exclude=excluded)
    raise ImportRefused(
        "too many columns change type further down the file",
        file=source.path,
        fix="set the types of the mixed columns in the preview (VARCHAR always works)",
    )


FIELD_COUNT_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")


def _rejects(con: duckdb.DuckDBPyConnection) -> tuple[int, Exception | None]:
    """After a COPY that skipped bad rows: how many rows DuckDB left out, and the first
    problem that is not a wrong field count (a value that does not fit its column's type,
    bytes that are not text), which must widen the column or stop the import instead."""
    import duckdb

    try:
        found = con.execute(
            "SELECT error_type, line, error_message FROM reject_errors "
            "WHERE scan_id = (SELECT max(scan_id) FROM reject_scans) ORDER BY line"
        ).fetchall()
    except duckdb.Error:
        return 0, None  # no rejects table: nothing was left out
    for error_type, line, message in found:
        if error_type not in FIELD_COUNT_ERRORS:
            return len({r[1] for r in found}), Exception(f"{message}\nCSV Error on Line: {line}")
    return len({r[1] for r in found}), None


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    rows: int,
    counted: int | None,
    rejected: int,
) -> RowScan | None:
    """Check the rows DuckDB read against the file's records; the scan of the rows left
    out (skip mode), None if none were. Raises ImportRefused rather than lose a row."""
    if source.format == "ndjson":
        if counted is None or counted == rows:
            return None
        raise bad_json_refused(source) or _lost(source, rows, counted)
    if source.format != "csv":
        return None
    if not rejected and counted == rows:
        return None
    if counted is None and not source.skip_bad_rows:
        return None  # cannot count cheaply (UTF-16); the strict reader stops at a bad row
    quote, escape = csv_quoting(con, source)
    scan = scan_rows(source, quote=quote, escape=escape)
    if scan.bad and not source.skip_bad_rows:
        raise bad_rows_refused(source, scan)
    if scan.good != rows:
        raise _lost(source, rows, scan.records, scan.bad)
    return scan if scan.bad else None


def _lost(source: SourceFile, rows: int, records: int, reported: int = 0) -> ImportRefused:
    expected = records - reported
    less = f" less the {reported:,} reported" if reported else ""
    return ImportRefused(
        f"DuckDB read {rows:,} rows, but the file holds {records:,} data records{less} "
        f"({expected:,}); rather than lose or invent rows, nothing was imported",
        file=source.path,
        fix="check the file's quoting (an unmatched '\"' joins lines into one record) or "
        "save it again as CSV (UTF-8, comma-separated, one header row) and import it again",
    )


def _skipped_note(scan: RowScan | None) -> tuple[str, ...]:
    if scan is None:
        return ()
    return (
        f"{describe_bad_rows(scan)}. {'It was' if scan.bad == 1 else 'They were'} left out "
        "as asked (--skip-bad-rows); version.json lists the first under skipped_rows.",
    )


def _skipped_json(scan: RowScan | None) -> dict[str, object]:
    if scan is None:
        return {}
    return {
        "count": scan.bad,
        "reason": f"field count differs from the header's {scan.header_fields}",
        "records_in_file": scan.records,
        "examples": [r.to_json() for r in scan.examples],
    }


def _wider_type(type_name: str, value: str) -> str:
    """The narrowest type that holds `value` too: HUGEINT for a whole number too big for
    the column, DOUBLE for a decimal in an integer column, else VARCHAR."""
    if is_integer(type_name):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return "HUGEINT" if len(text.lstrip("+-")) <= 38 else "VARCHAR"
        try:
            if "_" not in text:  # Python and DuckDB read '1_000' as 1000: it is text here
                float(text)
                return "DOUBLE"
        except ValueError:
            pass
    return "VARCHAR"


def _stat(source: SourceFile) -> tuple[int, int]:
    try:
        return source.stat_key()
    except FileNotFoundError:
        raise _gone(source) from None


def _gone(source: SourceFile) -> ImportRefused:
    return ImportRefused(
        "the file was deleted or moved while it was being imported",
        file=source.path,
        fix="put the file back and import it again",
    )


def _check_unchanged(source: SourceFile, before: tuple[int, int]) -> None:
    if _stat(source) != before:
        raise ImportRefused(
            "the file changed while it was being imported",
            file=source.path,
            fix="wait until the program writing it has finished, then import it again",
        )


def _source_hash(hasher: SourceHasher, source: SourceFile) -> str:
    try:
        return hasher.result()
    except FileNotFoundError:
        raise _gone(source) from None
    except OSError as exc:
        raise ImportRefused(
            f"the file could not be read to the end: {exc.strerror}",
            file=source.path,
            fix="check the disk or network share and import it again",
        ) from None


def _recipe_factory(
    source: SourceFile, overrides: dict[str, str], excluded: set[str]
) -> Callable[[str], str]:
    """recipe(sha256) -> a hash of the source bytes and every choice that shapes the data."""
    base = {
        "reader": READER_VERSION,
        "format": source.format,
        "json_format": source.json_format,
        "delimiter": source.delimiter,
        "skip_bad_rows": source.skip_bad_rows,
        "type_overrides": dict(sorted(overrides.items())),
        "exclude": sorted(excluded),
    }

    def recipe(sha256: str) -> str:
        body = json.dumps({**base, "source_sha256": sha256}, sort_keys=True)
        return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()

    return recipe


def _source_info(source: SourceFile, sha256: str) -> dict[str, object]:
    stat = source.path.stat()
    return {
        "path": str(source.path),
        "file_name": source.path.name,
        "sha256": sha256,
        "bytes": stat.st_size,
        "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
        "format": source.label,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
    }
