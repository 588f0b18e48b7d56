"""The read-only SQL box: queries over the workspace's datasets, and saving a result as a
new version with its SQL recorded as lineage.

Views: `<name>` is the latest version of a dataset, `"<name>@v2"` a given one (quote it:
`SELECT * FROM "orders@v2"`). The query must be one SELECT (see query_guard.py) and runs
on a fresh in-memory connection that can read only the workspace's `datasets/` folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.data.catalog import create_views, datasets_dir
from shipyard.core.data.dataset_version import DatasetVersion, Lineage, ParentRef, check_name
from shipyard.core.data.errors import QueryRefused
from shipyard.core.data.query_guard import check_read_only
from shipyard.core.data.version_writer import Staging, copy_to_parquet, finish_version
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect, restrict_files, run_interruptible
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

DEFAULT_LIMIT = 1000
TMP = ".shipyard/tmp"


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool  # more rows exist than `limit`
    elapsed_s: float
    sources: tuple[str, ...]  # the dataset views the query read


def _query_connection(
    ws: Workspace, extra_dirs: tuple[Path, ...] = ()
) -> tuple[duckdb.DuckDBPyConnection, dict[str, DatasetVersion]]:
    con = connect(temp_dir=ws.root / TMP)
    views = create_views(con, ws)
    allowed = [datasets_dir(ws), ws.root / TMP, *extra_dirs]  # TMP: DuckDB's spill files
    restrict_files(con, allowed)
    return con, views


def _sources(sql: str, views: dict[str, DatasetVersion]) -> list[str]:
    """The dataset views `sql` names (parsed on a bare connection, where views do not
    expand into their Parquet files)."""
    import duckdb

    bare = duckdb.connect()
    try:
        names = bare.get_table_names(sql)
    except duckdb.Error:
        return []
    finally:
        bare.close()
    lower = {v.lower(): v for v in views}
    return sorted({lower[n.lower()] for n in names if n.lower() in lower})


def _run_error(exc: BaseException) -> QueryRefused:
    lines = str(exc).strip().splitlines()
    return QueryRefused(
        f"the query failed: {lines[0] if lines else type(exc).__name__}",
        fix='check table and column names; a version is written "name@v2" in double quotes',
    )


def run_query(
    ws: Workspace, sql: str, *, limit: int = DEFAULT_LIMIT, job: JobControl | None = None
) -> QueryResult:
    """Run one read-only query and return at most `limit` rows.

    QueryRefused for anything but a single SELECT, and for queries DuckDB cannot run
    (the message carries DuckDB's first line). Cancellable through `job`.
    """
    import duckdb

    query = check_read_only(sql)
    con, views = _query_connection(ws)
    started = time.perf_counter()
    try:
        # the newline ends a trailing -- comment before the closing parenthesis
        rel_sql = f"SELECT * FROM ({query}\n) AS __q LIMIT {max(int(limit), 0) + 1}"
        try:
            rows = run_interruptible(con, rel_sql, job=job, message="Running the query")
            described = con.execute(f"DESCRIBE {query}").fetchall()
        except duckdb.Error as exc:
            raise _run_error(exc) from None
        sources = _sources(query, views)
    finally:
        con.close()
    truncated = len(rows) > limit
    return QueryResult(
        columns=tuple(r[0] for r in described),
        types=tuple(r[1] for r in described),
        rows=tuple(tuple(r) for r in rows[:limit]),
        truncated=truncated,
        elapsed_s=time.perf_counter() - started,
        sources=tuple(sources),
    )


def save_query_result(
    ws: Workspace,
    sql: str,
    name: str,
    *,
    user: str,
    job: JobControl | None = None,
) -> DatasetVersion:
    """Store the full result of a read-only query as the next version of dataset `name`.

    Lineage records the SQL and the exact parent versions (and their fingerprints) that the
    view names meant at that moment. Same promises as import_file: whole or nothing, and
    identical content returns the existing version.
    """
    import duckdb

    job = job or JobControl()
    check_name(name)
    query = check_read_only(sql)
    job.progress(0.0, "Running the query")
    with Staging(ws) as staging:
        con, views = _query_connection(ws, extra_dirs=(staging.folder,))
        try:
            sources = _sources(query, views)
            try:
                rows = copy_to_parquet(
                    con,
                    query,
                    staging.data_path,
                    job=job,
                    span=(0.02, 0.8),
                    message="Writing the result",
                )
            except duckdb.Error as exc:
                raise _run_error(exc) from None
            if rows == 0:
                raise QueryRefused(
                    "the query returned no rows, so there is nothing to save",
                    fix="loosen the WHERE clause, or check the query in the SQL box first",
                )
            parents = tuple(ParentRef(views[s].ref, views[s].fingerprint) for s in sources)
            return finish_version(
                ws,
                name,
                staging,
                con,
                user=user,
                job=job,
                lineage=Lineage(kind="sql", sql=query, parents=parents),
                source={"query": query, "views": {s: views[s].ref for s in sources}},
                options={},
                audit_action="dataset.save_query",
                span=(0.8, 1.0),
            )
        finally:
            con.close()
