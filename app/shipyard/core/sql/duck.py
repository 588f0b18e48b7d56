"""DuckDB connections for the data layer, and running one long statement so it can be cancelled.

duckdb is imported inside the functions: the window must appear before it loads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.jobs import Cancelled, JobControl

if TYPE_CHECKING:
    import duckdb

POLL_SECONDS = 0.1


def connect(
    *,
    temp_dir: Path | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection that reports query progress and never autoloads
    extensions from the network (Shipyard is offline)."""
    import duckdb

    config: dict[str, Any] = {"autoinstall_known_extensions": False}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{_sql_path(temp_dir)}'")
    return con


def restrict_files(con: duckdb.DuckDBPyConnection, allowed: Sequence[Path]) -> None:
    """From now on, `con` may only touch files under `allowed`, and cannot undo that."""
    paths = ", ".join(f"'{_sql_path(p)}'" for p in allowed)
    con.execute(f"SET allowed_directories = [{paths}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def sql_path(path: Path) -> str:
    """A file path as a quoted SQL string literal."""
    return f"'{_sql_path(path)}'"


class _Outcome:
    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] | None = None
        self.error: BaseException | None = None


def run_interruptible(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | None = None,
    *,
    job: JobControl | None = None,
    span: tuple[float, float] = (0.0, 1.0),
    message: str = "",
    on_tick: Callable[[], None] | None = None,
) -> list[tuple[Any, ...]]:
    """Run one statement on a helper thread while this thread reports its progress.

    Cancel works mid-statement: when `job.progress` raises Cancelled (or `on_tick` raises
    anything), the statement is interrupted with `connection.interrupt()`, the helper
    thread is joined, and the exception propagates. DuckDB's own errors are re-raised here
    as they are. Progress comes from `connection.query_progress()`, mapped into `span`.
    """
    outcome = _Outcome()

    def work() -> None:
        try:
            outcome.rows = con.execute(sql, params).fetchall()
        except BaseException as exc:  # re-raised on the calling thread
            outcome.error = exc

    worker = threading.Thread(target=work, name="duckdb-statement", daemon=True)
    worker.start()
    low, high = span
    try:
        while worker.is_alive():
            worker.join(POLL_SECONDS)
            if not worker.is_alive():
                break
            if job is not None:
                done = max(con.query_progress(), 0.0) / 100.0
                job.progress(low + (high - low) * min(done, 1.0), message)
            if on_tick is not None:
                on_tick()
    except BaseException:
        con.interrupt()
        worker.join()
        raise
    if outcome.error is not None:
        if _is_interrupt(outcome.error) and job is not None and job.cancelled:
            raise Cancelled("cancelled by the user") from None
        raise outcome.error
    if job is not None:
        job.progress(high, message)
    return outcome.rows or []


def _is_interrupt(exc: BaseException) -> bool:
    return type(exc).__name__ == "InterruptException"
