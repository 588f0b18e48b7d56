"""How DuckDB reads a source file: the reader call, the final column names and types, and the
SELECT list that applies the user's type overrides and excluded columns.

Missing values: in CSV the cells `""`, `nan`, `NaN` and `NAN` are NULL in every column (a
text column holding the word "nan" is almost always a missing value written by pandas); in
any format a floating-point NaN becomes NULL, so "nan" never counts as a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from shipyard.core.data.errors import ImportRefused
from shipyard.core.data.read_errors import NotUtf8, explain_read_error
from shipyard.core.data.source_file import SourceFile, unique_names
from shipyard.core.sql.duck import sql_path
from shipyard.core.sql.sql_text import (
    base_type,
    is_float,
    is_integer,
    looks_like_type,
    quote_ident,
    quote_literal,
)

if TYPE_CHECKING:
    import duckdb

NULL_STRINGS = ("", "nan", "NaN", "NAN")
NOT_WHOLE = "shipyard: not a whole number|"
QUICK_READ_STOPPED = "shipyard: the quick read met a value to look at closely"
# Besides digits, signs and spaces, DuckDB's integer cast reads these: '2.5' and '1e3'
# (rounded), '0x10', '0b101' (hex, binary) and '1_000' (digit groups). A text holding one
# takes the careful path, where only digits with an all-zero fraction ('10.0') are whole.
NOT_PLAIN_DIGITS = (".", "e", "E", "x", "X", "b", "B", "_")
JSON_SAMPLE_ROWS = 20480


@dataclass(frozen=True)
class PlannedColumn:
    """One column of the dataset-to-be."""

    name: str  # in the dataset
    source_name: str  # as the file spells it
    type: str  # in the dataset
    inferred_type: str  # as DuckDB inferred it from the file
    expression: str  # SQL computing it from the reader's output
    # CSV only: the cheaper SQL of the quick read (ReadPlan.quick_select_sql), exact when the
    # check named by `checked` passes: "integer" (no '.', 'e' or 'E' in the text) or "float"
    # (not NaN); "" when it is `expression` itself
    quick_expression: str = ""
    checked: str = ""


@dataclass(frozen=True)
class ReadPlan:
    """Everything needed to turn the source file into the dataset's rows."""

    source: SourceFile
    reader: str  # a DuckDB table function call, e.g. read_csv('...', ...)
    columns: tuple[PlannedColumn, ...]
    excluded: tuple[str, ...] = ()
    csv_types: tuple[tuple[str, str], ...] = ()  # CSV overrides given to the reader
    all_names: tuple[str, ...] = ()  # every column of the file, in file order
    notes: tuple[str, ...] = field(default=())

    def select_sql(self) -> str:
        """The SELECT producing the dataset's rows in file order."""
        items = ", ".join(f"{c.expression} AS {quote_ident(c.name)}" for c in self.columns)
        return f"SELECT {items} FROM {self.reader}"

    def quick_select_sql(self) -> str | None:
        """A cheaper SELECT giving the very rows of `select_sql()`, or raising an error when
        a row needs a closer look; None when there is nothing to save (not CSV, or no
        integer or floating-point column).

        `select_sql()` checks every integer's text on its own (DuckDB would round '2.5' to
        3) and turns every NaN into NULL, which costs about a sixth of a big import. Here
        one test per row covers them all: the integer columns' texts joined hold none of
        NOT_PLAIN_DIGITS (then DuckDB's cast is exact, as in the strict cast's plain branch), and
        the sum of the floating-point columns is not NaN (a NaN anywhere makes it NaN; so
        can inf - inf, a needless but harmless stop). A failing row raises an error and
        the importer reads the file again with `select_sql()`, which settles it exactly.
        """
        if self.source.format != "csv":
            return None
        ints = [quote_ident(c.name) for c in self.columns if c.checked == "integer"]
        floats = [quote_ident(c.name) for c in self.columns if c.checked == "float"]
        if not ints and not floats:
            return None
        tests = []
        if ints:
            text = f"concat({', '.join(ints)})"
            tests += [f"contains({text}, {quote_literal(ch)})" for ch in NOT_PLAIN_DIGITS]
        if floats:
            tests.append(f"isnan({' + '.join(f'coalesce({f}, 0)' for f in floats)})")
        first, *rest = self.columns
        stop = f"error({quote_literal(QUICK_READ_STOPPED)})"
        items = [
            f"CASE WHEN {' OR '.join(tests)} THEN {stop} "
            f"ELSE {first.quick_expression or first.expression} END AS {quote_ident(first.name)}",
            *(f"{c.quick_expression or c.expression} AS {quote_ident(c.name)}" for c in rest),
        ]
        return f"SELECT {', '.join(items)} FROM {self.reader}"

    def options(self) -> dict[str, object]:
        """The choices that shaped the data, as recorded in the version's metadata."""
        return {
            "format": self.source.format,
            "encoding": self.source.encoding,
            "delimiter": self.source.delimiter,
            "type_overrides": {c.name: c.type for c in self.columns if c.type != c.inferred_type},
            "exclude": list(self.excluded),
            "null_strings": list(NULL_STRINGS) if self.source.format == "csv" else [],
            "skip_bad_rows": self.source.skip_bad_rows,
        }


def reader_call(
    source: SourceFile,
    *,
    names: list[str] | None = None,
    types: dict[str, str] | None = None,
) -> str:
    """The DuckDB table function reading `source`."""
    path = sql_path(source.path)
    if source.format == "parquet":
        return f"read_parquet({path})"
    if source.format in {"json", "ndjson"}:
        return f"read_json({path}, format={quote_literal(source.json_format or 'auto')})"
    args = [
        path,
        "header = true",
        "skip = 0",  # the first record is the header: the sniffer may not skip lines
        f"delim = {quote_literal(source.delimiter or ',')}",
        f"encoding = {quote_literal(source.encoding or 'utf-8')}",
        "nullstr = [" + ", ".join(quote_literal(s) for s in NULL_STRINGS) + "]",
    ]
    if source.quote:
        args.append(f"quote = {quote_literal(source.quote)}")
    if source.newline:  # DuckDB spells it with backslash escapes
        escaped = source.newline.replace("\r", "\\r").replace("\n", "\\n")
        args.append(f"new_line = {quote_literal(escaped)}")
    if source.skip_bad_rows:  # rows that do not fit are left out and listed in reject_errors
        args.append("store_rejects = true")
    if names:
        args.append("names = [" + ", ".join(quote_literal(n) for n in names) + "]")
    if types:
        pairs = ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in types.items())
        args.append(f"types = {{{pairs}}}")
    return f"read_csv({', '.join(args)})"


def csv_quoting(con: duckdb.DuckDBPyConnection, source: SourceFile) -> tuple[str, str | None]:
    """(quote, escape) DuckDB's sniffer finds for CSV `source` with the options an import
    reads it with; ('"', None) when it cannot tell. Reads only a sample."""
    import duckdb

    call = reader_call(source).replace("read_csv(", "sniff_csv(", 1)
    call = call.replace(", store_rejects = true", "")
    call = re.sub(r", nullstr = \[[^\]]*\]", "", call)
    try:
        row = con.execute(f"SELECT Quote, Escape FROM {call}").fetchone()
    except duckdb.Error:
        return '"', None
    if not row:
        return '"', None
    quote, escape = (str(v) if v is not None else "" for v in row)
    quote = quote if len(quote) == 1 else '"'
    return quote, escape if len(escape) == 1 else None


def describe(con: duckdb.DuckDBPyConnection, reader: str) -> list[tuple[str, str]]:
    """Column names and types DuckDB infers for `reader` (reads only a sample)."""
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]


def plan_read(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    *,
    type_overrides: dict[str, str] | None = None,
    exclude: set[str] | frozenset[str] | None = None,
) -> ReadPlan:
    """Resolve names and types for `source`; raise ImportRefused naming the file and the fix.

    Reads only DuckDB's inference sample, so it is quick even for big files.
    """
    try:
        return _plan(con, source, dict(type_overrides or {}), set(exclude or ()))
    except NotUtf8:
        latin = replace(
            source,
            encoding="latin-1",
            notes=(
                *source.notes,
                "The file is not UTF-8; it was read as Latin-1 (ISO-8859-1). If accented "
                "letters look wrong, save the file as UTF-8 and import it again.",
            ),
        )
        return _plan(con, latin, dict(type_overrides or {}), set(exclude or ()))


def _plan(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    overrides: dict[str, str],
    exclude: set[str],
) -> ReadPlan:
    import duckdb

    notes = list(source.notes)
    if source.format == "csv" and source.quote is None:
        # Told, not sniffed: where quoting makes rows ragged ('"a<TAB>a"' under a two-column
        # header), DuckDB's sniffer picks "no quote" and splits the field at the delimiter,
        # while the record scan honours the quotes. One quote for both keeps them agreeing.
        source = replace(source, quote=csv_quoting(con, source)[0])
    reader = reader_call(source)
    try:
        described = describe(con, reader)
    except duckdb.Error as exc:
        raise explain_read_error(exc, source) from None
    names, source_names, rename = _column_names(con, source, described, notes)
    inferred = {n: t for n, (_, t) in zip(names, described, strict=True)}
    _check_columns(source, names, overrides, exclude)
    overrides = {k: _canonical_type(con, source, k, v) for k, v in overrides.items()}
    csv_types = {k: v for k, v in overrides.items() if source.format == "csv"}
    whole = _whole_number_columns(source, names, inferred, overrides, exclude)
    reader_types = {**csv_types, **dict.fromkeys(whole, "VARCHAR")}
    if rename or reader_types:
        reader = reader_call(source, names=rename, types=reader_types or None)
        _check_overrides(con, source, reader, {k for k in csv_types if k not in whole})
    json_numbers = _json_numeric_columns(con, reader, inferred) if source.format != "csv" else set()
    columns = [
        _planned_column(name, src, inferred[name], source, overrides, whole, json_numbers, notes)
        for name, src in zip(names, source_names, strict=True)
        if name not in exclude
    ]
    return ReadPlan(
        source=source,
        reader=reader,
        columns=tuple(columns),
        excluded=tuple(n for n in names if n in exclude),
        csv_types=tuple(csv_types.items()),
        all_names=tuple(names),
        notes=tuple(notes),
    )


def _column_names(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    described: list[tuple[str, str]],
    notes: list[str],
) -> tuple[list[str], list[str], list[str] | None]:
    """(dataset names, the file's own names, the names to give the CSV reader or None).

    A CSV header is made unique (case-insensitively) and kept as the file spells it; for
    Parquet and JSON, DuckDB's names are matched back to the file's. Notes say what changed.
    """
    names = [n for n, _ in described]
    source_names = list(names)
    rename: list[str] | None = None
    if source.format == "csv":
        if source.header and len(source.header) == len(described):
            unique, name_notes = unique_names(source.header)
            source_names = [h.strip() for h in source.header]
            notes += name_notes
            if unique != names:
                rename = unique
                names = unique
        elif source.header:
            notes.append(
                f"The header has {len(source.header)} fields but DuckDB found "
                f"{len(described)} columns; DuckDB's column names were kept."
            )
    elif source.format == "parquet":
        source_names, name_notes = _renamed(_parquet_names(source), names)
        notes += name_notes
    else:
        source_names, name_notes = _renamed(_json_keys(con, source), names)
        notes += name_notes
    return names, source_names, rename


def _whole_number_columns(
    source: SourceFile,
    names: list[str],
    inferred: dict[str, str],
    overrides: dict[str, str],
    exclude: set[str],
) -> set[str]:
    """The CSV columns to read as text and cast to integers strictly.

    DuckDB casts CSV text to integers by rounding ('2.5' -> 3), so a decimal further down
    than the inference sample, or in a column the user declared an integer, would be
    changed silently. Those columns are read as text and cast strictly instead; a value
    that is not a whole number stops the read (and the importer widens the column).
    """
    return {
        n
        for n in names
        if source.format == "csv"
        and n not in exclude
        and is_integer(overrides.get(n, inferred[n]))
        and (n in overrides or not source.small)
    }


def _check_overrides(
    con: duckdb.DuckDBPyConnection, source: SourceFile, reader: str, checked: set[str]
) -> None:
    """Read the first rows with the user's CSV types, so a type that does not fit stops
    here with the column named."""
    import duckdb

    if not checked:
        return
    try:
        con.execute(f"SELECT * FROM {reader} LIMIT 2048").fetchall()
    except duckdb.Error as exc:
        raise explain_read_error(exc, source, overridden=checked) from None


def _planned_column(
    name: str,
    src: str,
    inferred: str,
    source: SourceFile,
    overrides: dict[str, str],
    whole: set[str],
    json_numbers: set[str],
    notes: list[str],
) -> PlannedColumn:
    """Column `name`: its stored type and the SQL computing it from the reader's output."""
    wanted = overrides.get(name, inferred)
    typ = storage_type(wanted)
    expr = quote_ident(name)
    quick, checked = "", ""
    if typ != wanted:
        notes.append(
            f"Column '{name}' holds {wanted} values; they are stored as {typ} because "
            "Parquet has no 128-bit integer type."
        )
    if name in whole:
        expr = strict_integer(name, typ)
        quick, checked = f"CAST({quote_ident(name)} AS {typ})", "integer"
    elif typ != wanted or (name in overrides and source.format != "csv"):
        expr = f"CAST({expr} AS {typ})"
    elif name in json_numbers:
        expr = f"CASE WHEN json_type({expr}) = 'VARCHAR' THEN NULL ELSE CAST({expr} AS DOUBLE) END"
        typ = "DOUBLE"
        notes.append(
            f"Column '{name}' mixes numbers with 'nan' or empty strings; it was read "
            "as DOUBLE with those as missing values."
        )
    if is_float(typ):
        # Not isnan(): DuckDB 2.0 folds it to false from Parquet statistics, which
        # leave NaN out of min/max. isfinite/isinf are evaluated per value. (A CSV
        # reader has no statistics: the quick read's isnan() is sound there.)
        quick, checked = expr, "float"
        expr = f"CASE WHEN isfinite({expr}) OR isinf({expr}) THEN {expr} END"
    return PlannedColumn(name, src, typ, inferred, expr, quick, checked)


def _parquet_names(source: SourceFile) -> list[str] | None:
    """The Parquet file's own column names (None if its schema cannot be read)."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(source.path).names)
    except (OSError, ValueError):
        return None


def _json_keys(con: duckdb.DuckDBPyConnection, source: SourceFile) -> list[str] | None:
    """The keys of the JSON objects in the sample DuckDB reads, in order of appearance."""
    import duckdb

    fmt = quote_literal(source.json_format or "auto")
    try:
        found = con.execute(
            f"SELECT json_keys(json) FROM read_json_objects({sql_path(source.path)}, "
            f"format = {fmt}) LIMIT {JSON_SAMPLE_ROWS}"
        ).fetchall()
    except duckdb.Error:
        return None
    return list(dict.fromkeys(key for (keys,) in found for key in keys or ()))


def _renamed(raw: list[str] | None, names: list[str]) -> tuple[list[str], list[str]]:
    """The file's own column names, and a note for each DuckDB renamed: names that differ
    only in case are one name in SQL, so DuckDB reads `A` and `a` as `A` and `a_1`; a
    column without a name gets one (`C3`). DuckDB's names are kept as they are when the
    file's names cannot be matched to them one by one."""
    if raw is None or len(raw) != len(names):
        return list(names), []
    for old, new in zip(raw, names, strict=True):
        if old != new and old and not new.lower().startswith(old.lower() + "_"):
            return list(names), []  # not a rename DuckDB makes: the lists do not line up
    notes = []
    for i, (old, new) in enumerate(zip(raw, names, strict=True)):
        if old == new:
            continue
        if not old:
            notes.append(f"Column {i + 1} has no name in the file; it was named '{new}'.")
        elif any(o.lower() == old.lower() for o in raw[:i]):
            notes.append(
                f"Column '{old}' has the name of an earlier column but for case (SQL "
                f"ignores case); it was imported as '{new}'."
            )
        else:
            notes.append(f"Column '{old}' was imported as '{new}'.")
    return raw, notes


def storage_type(type_name: str) -> str:
    """The type a column is stored as: Parquet keeps every DuckDB type but the 128-bit
    integers, which DuckDB would write as DOUBLE (losing digits); DECIMAL(38,0) keeps them."""
    return "DECIMAL(38,0)" if base_type(type_name) in {"HUGEINT", "UHUGEINT"} else type_name


def strict_integer(column: str, type_name: str) -> str:
    """SQL casting text column `column` to integer type `type_name`, raising an error that
    read_errors.py recognises for anything but a whole number in range.

    DuckDB's cast only rounds or reinterprets text holding one of NOT_PLAIN_DIGITS, so
    text without them takes the cheap path (a plain TRY_CAST); the rest must be digits
    with an all-zero fraction ('10.0'). The error names the column in hex, so a name holding
    '|' or a line break reads back intact.
    """
    c = quote_ident(column)
    tag = NOT_WHOLE + column.encode("utf-8").hex() + "|" + type_name + "|"
    fail = f"error({quote_literal(tag)} || {c})"
    plain = " AND ".join(f"strpos({c}, {quote_literal(ch)}) = 0" for ch in NOT_PLAIN_DIGITS)
    return (
        f"CASE WHEN {c} IS NULL THEN NULL "
        f"WHEN {plain} THEN coalesce(TRY_CAST({c} AS {type_name}), {fail}) "
        f"WHEN regexp_full_match({c}, '\\s*[+-]?[0-9]+\\.0*\\s*') "
        f"THEN coalesce(TRY_CAST(trim({c}) AS {type_name}), {fail}) ELSE {fail} END"
    )


def _check_columns(
    source: SourceFile, names: list[str], overrides: dict[str, str], exclude: set[str]
) -> None:
    known = set(names)
    unknown = [c for c in [*overrides, *sorted(exclude)] if c not in known]
    if unknown:
        raise ImportRefused(
            f"no column named {', '.join(repr(c) for c in unknown)} in the file",
            file=source.path,
            fix="use one of: " + ", ".join(names),
        )
    if known <= exclude:
        raise ImportRefused(
            "every column is excluded, so nothing would be imported",
            file=source.path,
            fix="keep at least one column",
        )


def _canonical_type(
    con: duckdb.DuckDBPyConnection, source: SourceFile, column: str, type_text: str
) -> str:
    """DuckDB's own spelling of `type_text`, or ImportRefused if it is no type."""
    import duckdb

    fix = (
        f"give column '{column}' a DuckDB type such as VARCHAR, BIGINT, DOUBLE, BOOLEAN, "
        "DATE, TIMESTAMP or DECIMAL(18,2)"
    )
    if not looks_like_type(type_text):
        raise ImportRefused(f"'{type_text}' is not a type name", file=source.path, fix=fix)
    try:
        row = con.execute(f"SELECT typeof(CAST(NULL AS {type_text}))").fetchone()
    except duckdb.Error:
        raise ImportRefused(
            f"'{type_text}' is not a type DuckDB knows", file=source.path, fix=fix
        ) from None
    return str(row[0]) if row else type_text.upper()


def _json_numeric_columns(
    con: duckdb.DuckDBPyConnection, reader: str, inferred: dict[str, str]
) -> set[str]:
    """JSON-typed columns whose sampled values are all numbers, nulls or 'nan'-like strings."""
    found: set[str] = set()
    nulls = ", ".join(quote_literal(s) for s in NULL_STRINGS)
    for name, typ in inferred.items():
        if base_type(typ) != "JSON":
            continue
        col = quote_ident(name)
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE json_type({col}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')),"
            f" count(*) FILTER (WHERE {col} IS NOT NULL"
            f" AND json_type({col}) NOT IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'NULL')"
            f" AND NOT (json_type({col}) = 'VARCHAR' AND ({col} ->> '$') IN ({nulls})))"
            f" FROM (SELECT {col} FROM {reader} LIMIT {JSON_SAMPLE_ROWS})"
        ).fetchone()
        if row and row[0] > 0 and row[1] == 0:
            found.add(name)
    return found
