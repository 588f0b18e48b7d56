"""Deciding with DuckDB's own parser whether user SQL is one read-only query.

A regex cannot tell `SELECT 1; DROP ...` or a COPY hidden in a comment trick from a query;
the parser can. Accepted: exactly one statement of type SELECT (which covers WITH, FROM-first
queries, VALUES, DESCRIBE, SUMMARIZE and SHOW). Refused: everything else, including INSERT,
UPDATE, DELETE, CREATE, DROP, ALTER, COPY, EXPORT, ATTACH, DETACH, PRAGMA, SET, CALL, LOAD,
INSTALL, EXPLAIN and PIVOT statements. The connection that runs the query is also locked to
the dataset files (see duck.restrict_files), so even a table function cannot reach others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shipyard.core.data.errors import QueryRefused

READ_ONLY_FIX = (
    "write one SELECT (or WITH ... SELECT) query; to keep a result, use 'Save as dataset'"
)


def check_read_only(sql: str) -> str:
    """The query text if `sql` is exactly one SELECT; QueryRefused otherwise."""
    import duckdb

    text = (sql or "").strip()
    if not text:
        raise QueryRefused("the query is empty", fix="type a SELECT query")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryRefused(
            f"DuckDB cannot parse the query: {_first_line(exc)}",
            fix="correct the SQL syntax",
        ) from None
    if len(statements) != 1:
        raise QueryRefused(
            f"the text holds {len(statements)} statements; only one query can run",
            fix=READ_ONLY_FIX,
        )
    statement = statements[0]
    kind = statement.type.name
    if kind != "SELECT":
        raise QueryRefused(
            f"only read-only queries can run here, and this is a statement of type {kind}",
            fix=READ_ONLY_FIX,
        )
    return statement.query.strip().rstrip(";").strip()


def check_expression(expression: str, columns: Sequence[str] = ()) -> str:
    """`expression` if it is a single SQL condition usable in a WHERE clause.

    The condition is parsed inside `SELECT * FROM __t WHERE (...)`, and the parse tree must
    still be exactly that query: a condition that closes the parenthesis to append a UNION,
    an ORDER BY or a second statement is refused.
    """
    import json

    import duckdb

    fix = "write a condition such as amount > 100 AND country = 'DE'" + (
        f"; columns: {', '.join(columns)}" if columns else ""
    )
    sql = f"SELECT * FROM __t WHERE ({expression}\n)"
    con = duckdb.connect()
    try:
        row = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    finally:
        con.close()
    tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        raise QueryRefused(
            f"the filter is not valid SQL: {tree.get('error_message', '')}".rstrip(": "),
            fix=fix,
        )
    statements = tree.get("statements", [])
    node = statements[0].get("node", {}) if len(statements) == 1 else {}
    ok = (
        node.get("type") == "SELECT_NODE"
        and node.get("from_table", {}).get("type") == "BASE_TABLE"
        and node.get("from_table", {}).get("table_name") == "__t"
        and not node.get("modifiers")
        and not node.get("group_expressions")
        and node.get("having") is None
        and not node.get("cte_map", {}).get("map")
        and len(node.get("select_list", [])) == 1
        and node["select_list"][0].get("class") == "STAR"
    )
    if not ok:
        raise QueryRefused("the filter is not a single condition", fix=fix)
    return expression


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
