"""Drift between a reference version and a current one: PSI per column, KS for numbers,
and the histograms needed to overlay the two distributions.

PSI = sum over bins of (cur - ref) * ln(cur / ref), with bin shares floored at 1e-4 so an
empty bin stays finite. Numeric bins are the reference's deciles (open-ended at both
sides, duplicate edges merged); categorical bins are the reference's 20 most frequent
values plus "(other)". Missing values get their own bin when either side has any.
Severity: PSI < 0.1 none, < 0.25 moderate, else major. The KS test is scipy's two-sample
`ks_2samp` on the non-missing values. Dates and timestamps move by design and are skipped,
as are identifier-like text columns (mostly distinct values).

A version with more than 100,000 rows is compared on DuckDB's seeded reservoir sample of
that many rows (core/data/sampling.py): deciles, shares and the KS test are the sample's,
and the report says so (`DriftReport.samples`, `.scope`).

Queries name results by position (GROUP BY 1), never by an alias: DuckDB binds a name in
GROUP BY or ORDER BY to a column of that name first, and a user's column may be called
anything.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.sampling import sample_phrase, sample_table
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect
from shipyard.core.sql.sql_text import is_boolean, is_numeric, is_string, quote_ident

if TYPE_CHECKING:
    import duckdb
    import numpy as np

PSI_FLOOR = 1e-4
MODERATE, MAJOR = 0.1, 0.25
TOP_CATEGORIES = 20
OVERLAY_BINS = 30
OTHER, MISSING = "(other)", "(missing)"


@dataclass(frozen=True)
class PsiBin:
    label: str
    reference_share: float
    current_share: float


@dataclass(frozen=True)
class Overlay:
    """Two distributions on shared bins: `edges` (numeric, len = bins + 1) or `labels`."""

    labels: tuple[str, ...]
    edges: tuple[float, ...]
    reference: tuple[float, ...]  # shares of non-missing values
    current: tuple[float, ...]


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str  # numeric | categorical
    psi: float
    severity: str  # none | moderate | major
    bins: tuple[PsiBin, ...]
    overlay: Overlay
    ks_statistic: float | None = None
    ks_pvalue: float | None = None


@dataclass(frozen=True)
class DriftReport:
    reference: str
    current: str
    columns: tuple[ColumnDrift, ...]
    skipped: dict[str, str]  # column -> why it was not compared
    # {"reference": sample, "current": sample}: each {rows, of, method, seed}, or None when
    # every row of that version was compared.
    samples: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        """ "" when every row was compared, else e.g. "compared a sample of 100,000 of
        20,000,000 rows, seed 42 of the reference; every row of the current version"."""
        ref, cur = self.samples.get("reference"), self.samples.get("current")
        if ref is None and cur is None:
            return ""
        sides = [
            f"{sample_phrase(s, 'compared')} of the {side}" if s else f"every row of the {side}"
            for side, s in (("reference", ref), ("current", cur))
        ]
        return "; ".join(sides)

    def column(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    @property
    def worst(self) -> str:
        order = {"none": 0, "moderate": 1, "major": 2}
        return max((c.severity for c in self.columns), key=order.__getitem__, default="none")


def psi(reference: Sequence[float], current: Sequence[float], *, floor: float = PSI_FLOOR) -> float:
    """Population stability index of two share vectors over the same bins."""
    total = 0.0
    for r, c in zip(reference, current, strict=True):
        r, c = max(r, floor), max(c, floor)
        total += (c - r) * math.log(c / r)
    return total


def severity(value: float) -> str:
    if value < MODERATE:
        return "none"
    return "moderate" if value < MAJOR else "major"


def shares(counts: Sequence[int]) -> list[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def compare_versions(
    reference: DatasetVersion,
    current: DatasetVersion,
    *,
    columns: Sequence[str] | None = None,
    bins: int = 10,
    job: JobControl | None = None,
    sample_rows: int | None = None,
) -> DriftReport:
    """PSI (and KS for numbers) for every column both versions share; a version with more
    than `sample_rows` rows (default: 100,000) is compared on a seeded sample of that many."""
    ref_types, cur_types = reference.types, current.types
    wanted = [c for c in (columns or reference.column_names) if c in ref_types]
    skipped: dict[str, str] = {}
    results: list[ColumnDrift] = []
    con = connect()
    try:
        samples = {
            "reference": sample_table(con, "r", reference, rows=sample_rows),
            "current": sample_table(con, "c", current, rows=sample_rows),
        }
        for i, name in enumerate(wanted):
            if job is not None:
                job.progress(i / max(len(wanted), 1), f"Comparing {name}")
            if name not in cur_types:
                skipped[name] = "missing from the current version"
                continue
            rt, ct = ref_types[name], cur_types[name]
            if is_numeric(rt) and is_numeric(ct):
                results.append(_numeric(con, name, bins))
            elif (is_string(rt) or is_boolean(rt)) and (is_string(ct) or is_boolean(ct)):
                reason = _identifier_like(con, name)
                if reason:
                    skipped[name] = reason
                else:
                    results.append(_categorical(con, name))
            else:
                skipped[name] = f"{rt} vs {ct}: only numbers and categories are compared"
    finally:
        con.close()
    return DriftReport(reference.ref, current.ref, tuple(results), skipped, samples)


def _identifier_like(con: duckdb.DuckDBPyConnection, name: str) -> str:
    c = quote_ident(name)
    row = con.execute(f"SELECT count(DISTINCT {c}), count({c}) FROM r").fetchone()
    distinct, filled = (int(row[0]), int(row[1])) if row else (0, 0)
    if distinct > 50 and distinct > 0.5 * filled:
        return f"identifier-like text ({distinct:,} distinct values)"
    return ""


def _bucket_sql(column: str, edges: Sequence[float]) -> str:
    """Bucket index 0..len(edges) of a value (bins closed on the right), -1 for missing."""
    c = quote_ident(column)
    cases = " ".join(
        f"WHEN {c}::DOUBLE <= {float(edge)!r}::DOUBLE THEN {i}" for i, edge in enumerate(edges)
    )
    real = f"(isfinite({c}::DOUBLE) OR isinf({c}::DOUBLE))"  # NaN and NULL are missing
    return f"CASE WHEN {c} IS NULL OR NOT {real} THEN -1 {cases} ELSE {len(edges)} END"


def _counts(
    con: duckdb.DuckDBPyConnection, table: str, bucket: str, n: int
) -> tuple[list[int], int]:
    found = dict(con.execute(f"SELECT {bucket}, count(*) FROM {table} GROUP BY 1").fetchall())
    return [int(found.get(i, 0)) for i in range(n)], int(found.get(-1, 0))


def _numeric(con: duckdb.DuckDBPyConnection, name: str, bins: int) -> ColumnDrift:
    from scipy import stats

    c = quote_ident(name)
    probs = "[" + ", ".join(str(i / bins) for i in range(1, bins)) + "]"
    row = con.execute(
        f"SELECT quantile_cont({c}::DOUBLE, {probs}) FROM r WHERE isfinite({c}::DOUBLE)"
    ).fetchone()
    edges = sorted(set(row[0] or [])) if row else []
    bucket = _bucket_sql(name, edges)
    ref_counts, ref_missing = _counts(con, "r", bucket, len(edges) + 1)
    cur_counts, cur_missing = _counts(con, "c", bucket, len(edges) + 1)
    labels = _interval_labels(edges)
    if ref_missing or cur_missing:
        ref_counts, cur_counts = [*ref_counts, ref_missing], [*cur_counts, cur_missing]
        labels.append(MISSING)
    ref_s, cur_s = shares(ref_counts), shares(cur_counts)
    value = psi(ref_s, cur_s)
    ref_values = _values(con, "r", name)
    cur_values = _values(con, "c", name)
    ks_stat = ks_p = None
    if len(ref_values) and len(cur_values):
        ks = stats.ks_2samp(ref_values, cur_values)
        ks_stat, ks_p = float(ks.statistic), float(ks.pvalue)
    return ColumnDrift(
        column=name,
        kind="numeric",
        psi=value,
        severity=severity(value),
        bins=tuple(PsiBin(label, r, c) for label, r, c in zip(labels, ref_s, cur_s, strict=True)),
        overlay=_numeric_overlay(ref_values, cur_values),
        ks_statistic=ks_stat,
        ks_pvalue=ks_p,
    )


def _values(con: duckdb.DuckDBPyConnection, table: str, name: str) -> np.ndarray:
    c = quote_ident(name)
    rows = con.execute(f"SELECT {c}::DOUBLE FROM {table} WHERE isfinite({c}::DOUBLE)")
    return next(iter(rows.fetchnumpy().values()))


def _interval_labels(edges: Sequence[float]) -> list[str]:
    if not edges:
        return ["all"]
    labels = [f"≤ {edges[0]:.4g}"]
    labels += [f"({lo:.4g}, {hi:.4g}]" for lo, hi in itertools.pairwise(edges)]
    labels.append(f"> {edges[-1]:.4g}")
    return labels


def _numeric_overlay(ref: np.ndarray, cur: np.ndarray) -> Overlay:
    """Shared equal-width bins over the 1st-99th percentile range of both samples (values
    beyond it fall in the edge bins), as shares of each side."""
    import numpy as np

    if not len(ref) and not len(cur):
        return Overlay((), (), (), ())
    both = np.concatenate([ref, cur])
    lo, hi = (float(x) for x in np.percentile(both, [1, 99]))
    if hi <= lo:
        lo, hi = float(both.min()), float(both.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, OVERLAY_BINS + 1)
    r_counts, _ = np.histogram(np.clip(ref, lo, hi), bins=edges)
    c_counts, _ = np.histogram(np.clip(cur, lo, hi), bins=edges)
    return Overlay(
        labels=(),
        edges=tuple(float(e) for e in edges),
        reference=tuple(shares(r_counts.tolist())),
        current=tuple(shares(c_counts.tolist())),
    )


def _categorical(con: duckdb.DuckDBPyConnection, name: str) -> ColumnDrift:
    c = quote_ident(name)
    top = [
        r[0]
        for r in con.execute(
            f"SELECT {c}::VARCHAR, count(*) FROM r WHERE {c} IS NOT NULL "
            f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP_CATEGORIES}"
        ).fetchall()
    ]

    def counts(table: str) -> tuple[list[int], int, int]:
        found = dict(
            con.execute(f"SELECT {c}::VARCHAR, count(*) FROM {table} GROUP BY 1").fetchall()
        )
        missing = int(found.pop(None, 0))
        listed = [int(found.get(v, 0)) for v in top]
        other = sum(int(n) for v, n in found.items() if v not in set(top))
        return listed, other, missing

    r_list, r_other, r_missing = counts("r")
    c_list, c_other, c_missing = counts("c")
    labels = list(top)
    ref_counts, cur_counts = list(r_list), list(c_list)
    if r_other or c_other:
        labels.append(OTHER)
        ref_counts.append(r_other)
        cur_counts.append(c_other)
    overlay = Overlay(tuple(labels), (), tuple(shares(ref_counts)), tuple(shares(cur_counts)))
    if r_missing or c_missing:
        labels.append(MISSING)
        ref_counts.append(r_missing)
        cur_counts.append(c_missing)
    ref_s, cur_s = shares(ref_counts), shares(cur_counts)
    value = psi(ref_s, cur_s)
    return ColumnDrift(
        column=name,
        kind="categorical",
        psi=value,
        severity=severity(value),
        bins=tuple(PsiBin(label, r, c) for label, r, c in zip(labels, ref_s, cur_s, strict=True)),
        overlay=overlay,
    )
