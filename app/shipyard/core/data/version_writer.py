"""Writing a new dataset version so it appears whole or not at all.

Everything is written into `.shipyard/staging/<random>/` first (same disk as the workspace),
and the finished folder is renamed to `datasets/<name>/v<N>` in one step. A cancel, an error
or a crash before that rename leaves nothing under `datasets/` (a crash may leave a staging
folder, which the next write removes once it is a day old). Identical content is never
stored twice: if a version of the dataset already has the same content fingerprint, the
staging folder is dropped and that version is returned.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from shipyard.core.data.catalog import datasets_dir, find_by_fingerprint
from shipyard.core.data.dataset_version import VERSION_RULE, ColumnSchema, DatasetVersion, Lineage
from shipyard.core.data.fingerprint import content_fingerprint, file_sha256
from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.sql.duck import run_interruptible, sql_path
from shipyard.core.workspace.atomic import fsync_dir
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import DATA_FILE
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

STAGING = Path(".shipyard") / "staging"
STALE_SECONDS = 24 * 3600
ROW_GROUP_ROWS = 100_000
# Snappy, not ZSTD: on a 20M-row import ZSTD cost about a third more CPU to write (and more
# to read back for the fingerprint and every later query) for files about 30% smaller.
PARQUET_OPTIONS = f"FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE {ROW_GROUP_ROWS}"


class Staging:
    """A private folder where a version is built; removed on exit unless committed."""

    def __init__(self, ws: Workspace) -> None:
        root = ws.root / STAGING
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root)
        self.folder = root / f"v-{uuid.uuid4().hex}"
        self.folder.mkdir()
        self.committed = False

    @property
    def data_path(self) -> Path:
        return self.folder / DATA_FILE

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            shutil.rmtree(self.folder, ignore_errors=True)


def _remove_stale(root: Path) -> None:
    now = time.time()
    for child in root.iterdir():
        with contextlib.suppress(OSError):
            if now - child.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(child, ignore_errors=True)


def copy_to_parquet(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    target: Path,
    *,
    job: JobControl | None,
    span: tuple[float, float],
    message: str,
    on_tick: Callable[[], None] | None = None,
) -> int:
    """Write the rows of `select_sql` to `target` as Snappy Parquet with ~100k-row row groups
    (so DuckDB later reads them on all cores); returns the row count. Cancellable.
    `select_sql` may end in a `--` comment: a newline comes before the closing parenthesis."""
    rows = run_interruptible(
        con,
        f"COPY ({select_sql}\n) TO {sql_path(target)} ({PARQUET_OPTIONS})",
        job=job,
        span=span,
        message=message,
        on_tick=on_tick,
    )
    return int(rows[0][0]) if rows else 0


def stored_schema(
    con: duckdb.DuckDBPyConnection, parquet: Path, source_names: Mapping[str, str] | None = None
) -> tuple[ColumnSchema, ...]:
    """Column names and types as later readers will see them in the Parquet file."""
    names = source_names or {}
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_path(parquet)})").fetchall()
    return tuple(
        ColumnSchema(r[0], r[1], names.get(r[0]) if names.get(r[0]) != r[0] else None)
        for r in described
    )


def finish_version(
    ws: Workspace,
    name: str,
    staging: Staging,
    con: duckdb.DuckDBPyConnection,
    *,
    user: str,
    job: JobControl | None,
    lineage: Lineage,
    source: dict[str, Any],
    options: dict[str, Any],
    notes: list[str] | tuple[str, ...] = (),
    recipe: str = "",
    source_names: Mapping[str, str] | None = None,
    audit_action: str = "dataset.import",
    span: tuple[float, float] = (0.85, 1.0),
    skipped_rows: dict[str, Any] | None = None,
) -> DatasetVersion:
    """Fingerprint the staged Parquet, reuse an identical version or commit a new one,
    and record the new one in the audit log."""
    low, high = span
    schema = stored_schema(con, staging.data_path, source_names)
    fingerprint, rows, data_sha256 = _fingerprint(
        con, staging, schema, job, (low, low + (high - low) * 0.8)
    )
    existing = find_by_fingerprint(ws, name, fingerprint)
    if existing is not None:
        return existing
    if job is not None:
        job.progress(low + (high - low) * 0.9, "Saving the version")
        job.check()  # the last moment a cancel is honoured
    created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def build(version_id: str, folder: Path) -> DatasetVersion:
        return DatasetVersion(
            name=name,
            version=version_id,
            folder=folder,
            fingerprint=fingerprint,
            rows=rows,
            schema=schema,
            created=created,
            user=user,
            lineage=lineage,
            source=source,
            options=options,
            notes=tuple(notes),
            recipe=recipe,
            data_sha256=data_sha256,
            data_bytes=staging.data_path.stat().st_size,
            skipped_rows=dict(skipped_rows or {}),
        )

    def owe(version: DatasetVersion, target: Path) -> Any:
        from shipyard.core.workspace.recovery import audit_intent

        return audit_intent(ws, target, audit_action, version.ref, user=user,
                            details=_audit_details(version, lineage))  # fmt: skip

    version, intent = commit(ws, name, staging, build, owe=owe)
    crash_point("import.before_audit")
    ws.audit.append(audit_action, version.ref, user=user, details=_audit_details(version, lineage))
    if intent is not None:
        intent.done()
    if job is not None:
        with contextlib.suppress(Cancelled):  # too late: the version exists now
            job.progress(high, f"Saved {version.ref}")
    return version


def _fingerprint(
    con: duckdb.DuckDBPyConnection,
    staging: Staging,
    schema: tuple[ColumnSchema, ...],
    job: JobControl | None,
    span: tuple[float, float],
) -> tuple[str, int, str]:
    """(content fingerprint, rows, the Parquet file's sha256): the file is hashed on a
    helper thread while DuckDB scans it for the fingerprint."""
    data_hash: dict[str, str] = {}
    hasher = threading.Thread(
        target=lambda: data_hash.setdefault("sha256", file_sha256(staging.data_path)),
        daemon=True,
    )
    hasher.start()
    fingerprint, rows = content_fingerprint(
        con, staging.data_path, [(c.name, c.type) for c in schema], job=job, span=span
    )
    hasher.join()
    return fingerprint, rows, data_hash.get("sha256", "")


def _audit_details(version: DatasetVersion, lineage: Lineage) -> dict[str, Any]:
    """What the audit entry of a new version records."""
    return {
        "fingerprint": version.fingerprint,
        "rows": version.rows,
        "columns": version.columns,
        "source": lineage.source,
        "source_sha256": lineage.source_sha256,
        "sql": lineage.sql,
        "parents": [p.ref for p in lineage.parents],
    } | ({"skipped_rows": version.skipped_rows["count"]} if version.skipped_rows else {})


def next_number(folder: Path) -> int:
    numbers = [
        int(m.group(1))
        for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := VERSION_RULE.match(p.name))
    ]
    return max(numbers, default=0) + 1


def commit(
    ws: Workspace,
    name: str,
    staging: Staging,
    build: Callable[[str, Path], DatasetVersion],
    owe: Callable[[DatasetVersion, Path], Any] | None = None,
) -> tuple[DatasetVersion, Any]:
    """Rename the staging folder to the next free `datasets/<name>/v<N>`.

    `owe(version, target)` writes the audit intent the commit owes just before the rename
    (recovery logs it if the process dies before the caller's audit entry); it is returned
    with the version for the caller to settle.
    """
    parent = datasets_dir(ws) / name
    created_parent = not parent.exists()
    parent.mkdir(parents=True, exist_ok=True)
    try:
        for _ in range(1000):
            number = next_number(parent)
            target = parent / f"v{number}"
            version = build(f"v{number}", target)
            version.write(staging.folder)
            intent = owe(version, target) if owe is not None else None
            crash_point("import.before_commit")
            try:
                os.rename(staging.folder, target)
            except OSError:
                if intent is not None:
                    intent.done()
                if target.exists():
                    continue  # another writer took this number first
                raise
            staging.committed = True
            fsync_dir(parent)
            return version, intent
        raise RuntimeError(f"no free version number under {parent}")
    except BaseException:
        if created_parent:
            with contextlib.suppress(OSError):
                parent.rmdir()  # only if still empty
        raise
