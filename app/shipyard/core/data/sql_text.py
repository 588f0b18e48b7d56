"""Putting names and values into SQL text safely, and recognising DuckDB type names."""

from __future__ import annotations

import re

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
