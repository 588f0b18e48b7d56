"""Paging through a version for a table view: counts and pages of rows in a few milliseconds.

Reading 200 rows straight from Parquet decodes a whole ~100k-row row group (about 20 ms for
20 columns), so the first open copies the version once into a DuckDB file under
`.shipyard/cache/browse/` (a rebuildable index, keyed by the content fingerprint). Pages are
then `WHERE rowid BETWEEN ...` lookups that touch only the vectors they need. A sort or a
filter is materialised once into a table of the reader's in-memory database, in sorted
order (spilling to `.shipyard/tmp` when large), and its pages are rowid ranges too. Build
the cache and any new sort on a worker thread (`open`/`prepare` take a JobControl); `page`
and `count` are then fast enough for the GUI thread, even while another sort is built.

A version with a column called `rowid` hides DuckDB's own row id; its tables then carry
the position in an extra column under a name no column has (`position_column`), which
pages leave out.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.data.catalog import parquet_sql
from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.errors import QueryRefused
from shipyard.core.data.query_guard import check_expression
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect, restrict_files, run_interruptible, sql_path
from shipyard.core.sql.sql_text import fresh_name, numbered_rows, quote_ident

if TYPE_CHECKING:
    import duckdb

BROWSE_CACHE = Path(".shipyard") / "cache" / "browse"
TEMP = Path(".shipyard") / "tmp"
MEMORY_LIMIT = "1GB"


def browse_cache_path(version: DatasetVersion) -> Path:
    short = version.fingerprint.split(":", 1)[-1][:16]
    return (
        version.workspace_root / BROWSE_CACHE / version.name / f"{version.version}-{short}.duckdb"
    )


def position_column(columns: list[str]) -> str | None:
    """None when DuckDB's `rowid` gives a row's position in a table of these columns; else
    the name of the extra position column (a column called rowid hides DuckDB's)."""
    if all(c.lower() != "rowid" for c in columns):
        return None
    return fresh_name(columns, "__position")


def build_browse_cache(version: DatasetVersion, *, job: JobControl | None = None) -> Path:
    """Copy the version into its browse cache file if it is not there yet; returns the path."""
    import duckdb

    target = browse_cache_path(version)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
        run_interruptible(
            con,
            f"CREATE TABLE data AS {_cache_select(version)}",
            job=job,
            message=f"Preparing {version.ref} for browsing",
        )
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    return target


def _cache_select(version: DatasetVersion) -> str:
    position = position_column(version.column_names)
    if position is None:
        return f"SELECT * FROM {parquet_sql(version)}"
    rows, row = numbered_rows(parquet_sql(version), version.column_names)
    listed = ", ".join(quote_ident(c) for c in version.column_names)
    return f"SELECT {listed}, {row} AS {quote_ident(position)} FROM {rows}"


ViewKey = tuple[str | None, bool, str | None]  # order_by, descending, where
PLAIN: ViewKey = (None, False, None)
KEEP_VIEWS = 3  # materialised sorts/filters kept, most recent first


class VersionReader:
    """Counts and pages of one version's rows, optionally filtered and sorted.

    `where` / `filter_sql` are SQL conditions over the columns (checked to be one
    condition, and run on a connection that can read no other file); `order_by` is a
    column name. Thread use: `prepare` may run on a worker thread while `page` and `count`
    keep answering on the GUI thread from views already built (each side has its own
    DuckDB cursor); `page` with a sort or filter not yet prepared builds it first.
    """

    def __init__(self, version: DatasetVersion, *, job: JobControl | None = None) -> None:
        self.version = version
        cache = build_browse_cache(version, job=job)
        root = version.workspace_root
        self._lock = threading.RLock()  # guards the view registry and the reading cursor
        self._build_lock = threading.Lock()  # one materialisation at a time
        self._con: duckdb.DuckDBPyConnection = connect(
            temp_dir=root / TEMP, memory_limit=MEMORY_LIMIT
        )
        self._con.execute(f"ATTACH {sql_path(cache)} AS browse (READ_ONLY)")
        restrict_files(self._con, [cache.parent, root / TEMP])
        self._reading = self._con.cursor()
        self._building = self._con.cursor()
        self.columns: list[str] = version.column_names
        self.types: list[str] = [c.type for c in version.schema]
        position = position_column(self.columns)
        self._pos = "rowid" if position is None else quote_ident(position)
        self._shown = "*" if position is None else f"* EXCLUDE ({self._pos})"
        self._views: dict[ViewKey, tuple[str, int]] = {PLAIN: ("browse.data", version.rows)}
        self._serial = 0
        self._counts: dict[str | None, int] = {None: version.rows}

    @classmethod
    def open(cls, version: DatasetVersion, job: JobControl | None = None) -> VersionReader:
        """Build the browse cache if needed (cancellable) and open a reader."""
        return cls(version, job=job)

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock, self._build_lock:
            self._reading.close()
            self._building.close()
            self._con.close()

    def __enter__(self) -> VersionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        return self.version.rows

    def count(self, filter_sql: str | None = None) -> int:
        """Rows matching `filter_sql` (all rows when None)."""
        key = _clean(filter_sql)
        with self._lock:
            if key not in self._counts:
                where = self._where(key)
                with self._sql_errors():
                    row = self._reading.execute(
                        f"SELECT count(*) FROM browse.data{where}"
                    ).fetchone()
                self._counts[key] = int(row[0]) if row else 0
            return self._counts[key]

    def prepare(
        self,
        order_by: str | None = None,
        descending: bool = False,
        where: str | None = None,
        *,
        job: JobControl | None = None,
    ) -> int:
        """Materialise the sorted/filtered view that `page` will read; returns its row count.

        Takes time proportional to the rows (about 1 s per million); cancellable. Pages of
        other, already prepared views stay available meanwhile.
        """
        key: ViewKey = (order_by, bool(descending), _clean(where))
        with self._lock:
            if key in self._views:
                self._touch(key)
                return self._views[key][1]
        order = self._order(order_by, descending)
        condition = self._where(key[2])
        if self._pos == "rowid":
            sort = f" ORDER BY {order}" if order else ""
            select = f"SELECT * FROM browse.data{condition}{sort}"
        else:  # the position column is renumbered in the view's order
            ranks = order or self._pos
            select = (
                f"SELECT {self._shown}, row_number() OVER (ORDER BY {ranks}) - 1 AS {self._pos} "
                f"FROM browse.data{condition}"
            )
        with self._build_lock:
            with self._lock:
                if key in self._views:  # built by another thread meanwhile
                    return self._views[key][1]
                self._serial += 1
                table = f"__view_{self._serial}"
            with self._sql_errors():
                run_interruptible(
                    self._building,
                    f"CREATE TABLE {table} AS {select}",
                    job=job,
                    message="Sorting" if order else "Filtering",
                )
                row = self._building.execute(f"SELECT count(*) FROM {table}").fetchone()
            rows = int(row[0]) if row else 0
            with self._lock:
                self._views[key] = (table, rows)
                self._touch(key)
                self._drop_old_views()
        return rows

    def page(
        self,
        offset: int,
        limit: int,
        order_by: str | None = None,
        descending: bool = False,
        where: str | None = None,
    ) -> list[tuple[Any, ...]]:
        """Rows `offset` .. `offset + limit - 1` of the (sorted, filtered) version, as tuples
        in column order; builds the view first if that sort or filter is new."""
        offset, limit = max(int(offset), 0), max(int(limit), 0)
        key: ViewKey = (order_by, bool(descending), _clean(where))
        with self._lock:
            known = self._views.get(key)
        if known is None:
            self.prepare(order_by, descending, where)
        with self._lock:
            table, _ = self._views[key]
            return self._reading.execute(
                f"SELECT {self._shown} FROM {table} "
                f"WHERE {self._pos} >= ? AND {self._pos} < ? ORDER BY {self._pos}",
                [offset, offset + limit],
            ).fetchall()

    # -- helpers ------------------------------------------------------------------------------
    def _touch(self, key: ViewKey) -> None:
        self._views[key] = self._views.pop(key)  # most recently used last

    def _drop_old_views(self) -> None:
        built = [k for k in self._views if k != PLAIN]
        for key in built[: max(len(built) - KEEP_VIEWS, 0)]:
            table, _ = self._views.pop(key)
            self._reading.execute(f"DROP TABLE IF EXISTS {table}")

    def _order(self, order_by: str | None, descending: bool) -> str:
        if order_by is None:
            return ""
        if order_by not in self.columns:
            raise QueryRefused(
                f"no column named '{order_by}' to sort by",
                file=self.version.metadata_path,
                fix="use one of: " + ", ".join(self.columns),
            )
        direction = "DESC" if descending else "ASC"
        # the position breaks ties, so equal values keep their file order
        return f"{quote_ident(order_by)} {direction} NULLS LAST, {self._pos}"

    @contextlib.contextmanager
    def _sql_errors(self) -> Iterator[None]:
        """DuckDB's complaints about a filter become QueryRefused naming the version."""
        import duckdb

        try:
            yield
        except duckdb.Error as exc:
            lines = str(exc).strip().splitlines()
            raise QueryRefused(
                f"the filter cannot run: {lines[0] if lines else type(exc).__name__}",
                file=self.version.metadata_path,
                fix="write a condition over the columns: " + ", ".join(self.columns),
            ) from None

    def _where(self, expression: str | None) -> str:
        if not expression:
            return ""
        check_expression(expression, self.columns)
        return f" WHERE ({expression}\n)"  # \n: ends a trailing -- comment


def _clean(expression: str | None) -> str | None:
    text = (expression or "").strip()
    return text or None
