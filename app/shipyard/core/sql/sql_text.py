"""Putting names and values into SQL text safely, and recognising DuckDB type names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Type families by DuckDB type name (the part before any parenthesis).
INTEGER_TYPES = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }
)
FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE"})
TEMPORAL_TYPES = frozenset(
    {
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP_S",
        "TIMESTAMP_MS",
        "TIMESTAMP_NS",
        "TIME",
    }
)
STRING_TYPES = frozenset({"VARCHAR"})
BOOLEAN_TYPES = frozenset({"BOOLEAN"})

_TYPE_TEXT = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$")


def quote_ident(name: str) -> str:
    """`name` as a double-quoted SQL identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def fresh_name(taken: Iterable[str], base: str) -> str:
    """`base`, else `base_2`, `base_3` ...: the first that differs from every name in `taken`
    ignoring case (DuckDB identifiers are case-insensitive, even quoted). For a helper
    column added next to a user's columns, so the two can never be confused."""
    lower = {name.lower() for name in taken}
    candidate, n = base, 1
    while candidate.lower() in lower:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def numbered_rows(parquet: str, columns: Sequence[str]) -> tuple[str, str]:
    """(FROM item, row column) over a Parquet file read by `parquet` (a `read_parquet(...)`
    call) whose columns are `columns`: the FROM item yields every column of the file, and
    the row column (quoted SQL) is each row's 0-based position in file order.

    The position is DuckDB's virtual column `file_row_number`; a file with a column of that
    name hides it, and then a `row_number()` over the file in order, under a name no column
    has, takes its place (a streaming window keeps the scan's order).
    """
    if all(c.lower() != "file_row_number" for c in columns):
        return parquet, "file_row_number"
    row = quote_ident(fresh_name(columns, "__row_number"))
    return f"(SELECT *, row_number() OVER () - 1 AS {row} FROM {parquet})", row


def quote_literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def base_type(type_name: str) -> str:
    """`DECIMAL(18,3)` -> `DECIMAL`; upper case, no parameters."""
    return type_name.split("(", 1)[0].strip().upper()


def is_numeric(type_name: str) -> bool:
    base = base_type(type_name)
    return base in INTEGER_TYPES or base in FLOAT_TYPES or base == "DECIMAL"


def is_integer(type_name: str) -> bool:
    return base_type(type_name) in INTEGER_TYPES


def is_float(type_name: str) -> bool:
    return base_type(type_name) in FLOAT_TYPES


def is_temporal(type_name: str) -> bool:
    return base_type(type_name) in TEMPORAL_TYPES


def is_string(type_name: str) -> bool:
    return base_type(type_name) in STRING_TYPES


def is_boolean(type_name: str) -> bool:
    return base_type(type_name) in BOOLEAN_TYPES


def looks_like_type(text: str) -> bool:
    """True if `text` has the shape of a type name, so it can go into SQL unquoted."""
    return bool(_TYPE_TEXT.match(text.strip()))
