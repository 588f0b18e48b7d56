"""DuckDB's own sampling for the summaries of big versions: profile, personal-data scan, drift.

A version with more than `SAMPLE_ROWS` rows is summarised on a reservoir sample of that many
rows drawn by DuckDB (`USING SAMPLE reservoir(n ROWS) REPEATABLE (seed)`): the same version
gives the same sample every time, on any number of threads. The sample is materialised once
per summary, so every query of that summary reads the same rows. Results carry a `sample`
dict ({rows, of, method, seed}; None when every row was read) and say so in words
(`sample_phrase`): "profiled a sample of 100,000 of 20,000,000 rows".

Training samples differently (seeded and stratified by the target, stored with the split):
see core/data/split.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.sql.duck import sql_path

if TYPE_CHECKING:
    import duckdb

SAMPLE_ROWS = 100_000
SAMPLE_SEED = 42
METHOD = "duckdb-reservoir"


def sample_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    version: DatasetVersion,
    *,
    select: str = "*",
    rows: int | None = None,
    seed: int = SAMPLE_SEED,
) -> dict[str, Any] | None:
    """Make `name` hold `select` over the version's rows: a view of every row when there are
    at most `rows`, else a temporary table of a seeded reservoir sample of `rows` rows.
    Returns the sample dict, or None when `name` holds every row. `name` is ours (a plain
    identifier), `select` a SELECT list over the version's columns. `rows` defaults to
    `SAMPLE_ROWS`."""
    rows = SAMPLE_ROWS if rows is None else rows
    source = f"read_parquet({sql_path(version.data_path)})"
    if version.rows <= rows:
        con.execute(f"CREATE VIEW {name} AS SELECT {select} FROM {source}")
        return None
    con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT {select} FROM {source} "
        f"USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE ({int(seed)})"
    )
    counted = con.execute(f"SELECT count(*) FROM {name}").fetchone()
    return {"rows": int(counted[0]) if counted else 0, "of": version.rows, "method": METHOD,
            "seed": seed}  # fmt: skip


def sample_phrase(sample: dict[str, Any] | None, verb: str, rows: int | None = None) -> str:
    """ "profiled a sample of 100,000 of 20,000,000 rows, seed 42", or "profiled all 5,000
    rows" when `sample` is None (`rows`: the version's rows)."""
    if sample is None:
        return f"{verb} all {rows:,} rows" if rows is not None else f"{verb} every row"
    seed = f", seed {sample['seed']}" if sample.get("seed") is not None else ""
    return f"{verb} a sample of {int(sample['rows']):,} of {int(sample['of']):,} rows{seed}"


def training_sample_phrase(sample: dict[str, Any] | None) -> str:
    """How a run's record says what it was trained on: "Trained on a stratified sample of
    200,000 of 20,000,000 rows, seed 42" ("" when it was trained on every row)."""
    if not sample:
        return ""
    kind = "a stratified sample" if sample.get("stratify") else "a sample"
    return (
        f"Trained on {kind} of {int(sample['rows']):,} of {int(sample['of']):,} rows, "
        f"seed {sample.get('seed')}"
    )
