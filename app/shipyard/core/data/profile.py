"""Column profiles computed in DuckDB, returned as plain dataclasses and cached as JSON in
the version's folder (`profile.json`, keyed by the content fingerprint).

Per column: type, kind, null share, exact distinct count; min / max / mean / std and the
5/25/50/75/95 % quantiles for numbers (min / max / quantiles for dates and timestamps, as
ISO text); the most frequent values for text and booleans; equal-width histogram bins for
numbers (non-finite values left out).

A version with more than `SAMPLE_ROWS` (100,000) rows is profiled on DuckDB's seeded
reservoir sample (core/data/sampling.py) where a full pass would cost memory or a sort:
quantiles, histograms and top values (their counts are the sample's). Row and null counts,
min / max / mean / std stay exact (streaming aggregates over every row), and the distinct
count is DuckDB's approx_count_distinct over every row. `DatasetProfile.sample` and
`.scope` say which.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.data.catalog import parquet_sql
from shipyard.core.data.dataset_version import ColumnSchema, DatasetVersion
from shipyard.core.data.sampling import sample_phrase, sample_table
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect
from shipyard.core.sql.sql_text import (
    is_boolean,
    is_integer,
    is_numeric,
    is_string,
    is_temporal,
    quote_ident,
)
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.layout import PROFILE_FILE

if TYPE_CHECKING:
    import duckdb

PROFILE_FORMAT = 2  # 2: integer min / max kept exact (were DOUBLE)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_KEYS = ("p05", "p25", "p50", "p75", "p95")
BATCH = 40  # columns per aggregate scan


@dataclass(frozen=True)
class HistogramBin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class TopValue:
    value: str
    count: int
    share: float


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: str
    kind: str  # numeric | temporal | boolean | text | other
    rows: int
    nulls: int
    null_share: float
    distinct: int
    min: int | float | str | None = None  # exact ints for integer columns
    max: int | float | str | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float | str] = field(default_factory=dict)
    top_values: tuple[TopValue, ...] = ()
    histogram: tuple[HistogramBin, ...] = ()


@dataclass(frozen=True)
class DatasetProfile:
    ref: str
    fingerprint: str
    rows: int
    columns: tuple[ColumnProfile, ...]
    created: str
    bins: int
    top: int
    # {rows, of, method, seed} when quantiles, histograms and top values come from a sample
    # (see the module docstring); None when every row was profiled.
    sample: dict[str, Any] | None = None

    @property
    def scope(self) -> str:
        """ "profiled a sample of 100,000 of 20,000,000 rows, seed 42" or "profiled all 5,000 rows"."""
        return sample_phrase(self.sample, "profiled", self.rows)

    def column(self, name: str) -> ColumnProfile:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {"format": PROFILE_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetProfile:
        columns = tuple(
            ColumnProfile(
                **{
                    **c,
                    "top_values": tuple(TopValue(**t) for t in c["top_values"]),
                    "histogram": tuple(HistogramBin(**h) for h in c["histogram"]),
                }
            )
            for c in data["columns"]
        )
        return cls(
            ref=data["ref"],
            fingerprint=data["fingerprint"],
            rows=data["rows"],
            columns=columns,
            created=data["created"],
            bins=data["bins"],
            top=data["top"],
            sample=data.get("sample"),
        )


def column_kind(type_name: str) -> str:
    if is_boolean(type_name):
        return "boolean"
    if is_numeric(type_name):
        return "numeric"
    if is_temporal(type_name):
        return "temporal"
    if is_string(type_name):
        return "text"
    return "other"


def profile_path(version: DatasetVersion) -> Path:
    return version.folder / PROFILE_FILE


def profile_version(
    version: DatasetVersion,
    *,
    job: JobControl | None = None,
    refresh: bool = False,
    bins: int = 20,
    top: int = 10,
) -> DatasetProfile:
    """The version's profile, from the cache when it matches, else computed and cached."""
    path = profile_path(version)
    if not refresh and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if (
                data.get("format") == PROFILE_FORMAT
                and data.get("fingerprint") == version.fingerprint
                and data.get("bins") == bins
                and data.get("top") == top
            ):
                return DatasetProfile.from_json(data)
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt
    profile = compute_profile(version, job=job, bins=bins, top=top)
    atomic_write_text(path, json.dumps(profile.to_json(), indent=1, default=str) + "\n")
    return profile


def compute_profile(
    version: DatasetVersion,
    *,
    job: JobControl | None = None,
    bins: int = 20,
    top: int = 10,
    sample_rows: int | None = None,
) -> DatasetProfile:
    """Profile every column of `version` (no cache). Cancellable between steps. More than
    `sample_rows` rows (default `SAMPLE_ROWS`): see the module docstring."""
    con = connect()
    try:
        sample = sample_table(con, "t", version, rows=sample_rows)
        if sample is not None:
            con.execute(f"CREATE VIEW t_all AS SELECT * FROM {parquet_sql(version)}")
        schema = list(version.schema)
        stats: dict[str, dict[str, Any]] = {}
        steps = max(len(schema), 1)
        for start in range(0, len(schema), BATCH):
            if job is not None:
                job.progress(0.5 * start / steps, "Profiling: summary statistics")
            stats.update(_batch_stats(con, schema[start : start + BATCH], sampled=bool(sample)))
        columns = []
        profiled = int(sample["rows"]) if sample else version.rows
        for i, col in enumerate(schema):
            if job is not None:
                job.progress(0.5 + 0.5 * i / steps, f"Profiling: {col.name}")
            columns.append(
                _column_profile(
                    con, col.name, col.type, stats[col.name], version.rows, bins, top, profiled
                )
            )
    finally:
        con.close()
    return DatasetProfile(
        ref=version.ref,
        fingerprint=version.fingerprint,
        rows=version.rows,
        columns=tuple(columns),
        created=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        bins=bins,
        top=top,
        sample=sample,
    )


def _batch_stats(
    con: duckdb.DuckDBPyConnection, columns: list[ColumnSchema], *, sampled: bool = False
) -> dict[str, dict[str, Any]]:
    """The aggregates of `columns` in one scan of `t`; when `t` is a sample, the exact ones
    (everything but quantiles, distinct approximate) in a second scan of every row."""
    stats = _aggregates(con, columns, "t", exact=not sampled, quantiles=True)
    if sampled:
        full = _aggregates(con, columns, "t_all", exact=True, quantiles=False, approx=True)
        for name, found in full.items():
            stats[name].update(found)
    return stats


def _aggregates(
    con: duckdb.DuckDBPyConnection,
    columns: list[ColumnSchema],
    table: str,
    *,
    exact: bool,
    quantiles: bool,
    approx: bool = False,
) -> dict[str, dict[str, Any]]:
    """`exact`: counts, min / max / mean / std (distinct approximated when `approx`);
    `quantiles`: the quantiles."""
    parts: list[str] = []
    keys: list[tuple[str, str]] = []
    qs = "[" + ", ".join(str(q) for q in QUANTILES) + "]"
    for col in columns:
        c = quote_ident(col.name)
        kind = column_kind(col.type)
        distinct = f"approx_count_distinct({c})" if approx else f"count(DISTINCT {c})"
        wanted = {"nulls": f"count(*) - count({c})", "distinct": distinct}
        if kind == "numeric":
            finite = f"CASE WHEN isfinite({c}::DOUBLE) THEN {c}::DOUBLE END"
            # integers keep their own type: a DOUBLE rounds values above 2**53
            cast = "" if is_integer(col.type) else "::DOUBLE"
            wanted |= {
                "min": f"min({c}){cast}",
                "max": f"max({c}){cast}",
                "mean": f"avg({finite})",
                "std": f"stddev_samp({finite})",
                "quantiles": f"quantile_cont({finite}, {qs})",
                "fmin": f"min({finite})",
                "fmax": f"max({finite})",
            }
        elif kind == "temporal":
            wanted |= {
                "min": f"min({c})::VARCHAR",
                "max": f"max({c})::VARCHAR",
                "quantiles": f"quantile_disc({c}, {qs})::VARCHAR[]",
            }
        for key, expr in wanted.items():
            if (key == "quantiles" and quantiles) or (key != "quantiles" and exact):
                parts.append(expr)
                keys.append((col.name, key))
    if not parts:
        return {col.name: {} for col in columns}
    row = con.execute(f"SELECT {', '.join(parts)} FROM {table}").fetchone() or ()
    out: dict[str, dict[str, Any]] = {col.name: {} for col in columns}
    for (name, key), value in zip(keys, row, strict=True):
        out[name][key] = value
    return out


def _column_profile(
    con: duckdb.DuckDBPyConnection,
    name: str,
    type_name: str,
    stats: dict[str, Any],
    rows: int,
    bins: int,
    top: int,
    profiled: int | None = None,
) -> ColumnProfile:
    """`rows`: the version's; `profiled`: the rows of `t` (the sample's, when sampled)."""
    kind = column_kind(type_name)
    nulls = int(stats["nulls"])
    quantiles: dict[str, float | str] = {}
    if stats.get("quantiles"):
        quantiles = {
            k: json_scalar(v)
            for k, v in zip(QUANTILE_KEYS, stats["quantiles"], strict=True)
            if v is not None
        }
    histogram: tuple[HistogramBin, ...] = ()
    if kind == "numeric" and stats.get("fmin") is not None:
        histogram = numeric_histogram(
            con, "t", name, float(stats["fmin"]), float(stats["fmax"]), bins
        )
    top_values: tuple[TopValue, ...] = ()
    if kind in {"text", "boolean"}:
        top_values = _top_values(con, name, rows if profiled is None else profiled, top)
    return ColumnProfile(
        name=name,
        type=type_name,
        kind=kind,
        rows=rows,
        nulls=nulls,
        null_share=nulls / rows if rows else 0.0,
        distinct=int(stats["distinct"]),
        min=json_scalar(stats.get("min")),
        max=json_scalar(stats.get("max")),
        mean=json_scalar(stats.get("mean")),
        std=json_scalar(stats.get("std")),
        quantiles=quantiles,
        top_values=top_values,
        histogram=histogram,
    )


def numeric_histogram(
    con: duckdb.DuckDBPyConnection, table: str, column: str, low: float, high: float, bins: int
) -> tuple[HistogramBin, ...]:
    """`bins` equal-width bins over [low, high] (the last one closed), counting finite values."""
    c = quote_ident(column)
    if high <= low:
        row = con.execute(f"SELECT count(*) FROM {table} WHERE {c}::DOUBLE = ?", [low]).fetchone()
        return (HistogramBin(low, high, int(row[0]) if row else 0),)
    width = (high - low) / bins
    counts = dict(
        con.execute(
            # GROUP BY 1, not an alias: a column may bear the alias's name
            f"SELECT least(floor(({c}::DOUBLE - ?) / ?)::BIGINT, ?), count(*) FROM {table} "
            f"WHERE isfinite({c}::DOUBLE) GROUP BY 1",
            [low, width, bins - 1],
        ).fetchall()
    )
    return tuple(
        HistogramBin(
            low + i * width, low + (i + 1) * width if i < bins - 1 else high, int(counts.get(i, 0))
        )
        for i in range(bins)
    )


def _top_values(
    con: duckdb.DuckDBPyConnection, name: str, rows: int, top: int
) -> tuple[TopValue, ...]:
    c = quote_ident(name)
    result = con.execute(
        f"SELECT {c}::VARCHAR, count(*) FROM t WHERE {c} IS NOT NULL "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(top)}"
    ).fetchall()
    return tuple(TopValue(str(v), int(n), n / rows if rows else 0.0) for v, n in result)


def json_scalar(value: Any) -> Any:
    """JSON-ready scalars: Decimals to float, dates to ISO text, NaN to None."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
