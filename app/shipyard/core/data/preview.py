"""The preview shown before an import: detected format, inferred column types, first rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shipyard.core.data.errors import ImportRefused
from shipyard.core.data.read_errors import explain_read_error
from shipyard.core.data.read_plan import plan_read
from shipyard.core.data.source_file import inspect_source
from shipyard.core.sql.duck import connect


@dataclass(frozen=True)
class PreviewColumn:
    name: str  # as the dataset will name it
    type: str  # as DuckDB inferred it (or as overridden)
    source_name: str  # as the file spells it


@dataclass(frozen=True)
class Preview:
    """What an import of `path` would produce, before anything is written."""

    path: Path
    format: str  # CSV | TSV | Parquet | JSON | NDJSON
    size_bytes: int
    encoding: str | None
    delimiter: str | None
    columns: tuple[PreviewColumn, ...]
    rows: tuple[tuple[Any, ...], ...]
    notes: tuple[str, ...]  # renamed columns, Latin-1 detected ...

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def types(self) -> dict[str, str]:
        return {c.name: c.type for c in self.columns}


def preview_file(
    path: Path | str,
    *,
    rows: int = 50,
    type_overrides: dict[str, str] | None = None,
    exclude: set[str] | frozenset[str] | None = None,
    skip_bad_rows: bool = False,
) -> Preview:
    """The first `rows` rows of `path` with the column types an import would give them.

    Reads only the start of the file. Raises ImportRefused (naming the file and the fix)
    for anything an import would refuse up front: missing, empty, binary, header only,
    ragged rows within the sample (unless `skip_bad_rows`: then they are left out of the
    rows shown), unknown override columns or types.
    """
    import duckdb

    source = inspect_source(path)
    if skip_bad_rows and source.format == "csv":
        source = replace(source, skip_bad_rows=True)
    con = connect()
    try:
        plan = plan_read(con, source, type_overrides=type_overrides, exclude=exclude)
        try:
            result = con.execute(f"{plan.select_sql()} LIMIT {max(int(rows), 1)}").fetchall()
        except duckdb.Error as exc:
            raise explain_read_error(
                exc, plan.source, overridden=set(type_overrides or {}), names=plan.all_names
            ) from None
    finally:
        con.close()
    if not result:
        raise ImportRefused(
            "the file has a header but no rows",
            file=source.path,
            fix="export the data again with its rows",
        )
    return Preview(
        path=source.path,
        format=plan.source.label,
        size_bytes=source.size,
        encoding=plan.source.encoding,
        delimiter=plan.source.delimiter,
        columns=tuple(PreviewColumn(c.name, c.type, c.source_name) for c in plan.columns),
        rows=tuple(tuple(r) for r in result[: max(int(rows), 1)]),
        notes=plan.notes,
    )
