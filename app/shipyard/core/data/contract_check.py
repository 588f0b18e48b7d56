"""Inferring a data contract from a version, and validating a version against one.

Each rule is checked with one DuckDB query over the version's Parquet file and reported
with the number of failing rows and up to five examples (row number and value). Row
numbers count from 0 in file order. The row number sits next to the user's columns under a
name none of them has, and results are ordered by position, so any column name works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipyard.core.data.catalog import parquet_sql
from shipyard.core.data.contract_model import ColumnContract, DataContract
from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.profile import json_scalar, profile_version
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect, sql_path
from shipyard.core.sql.sql_text import (
    base_type,
    fresh_name,
    is_boolean,
    is_float,
    is_integer,
    is_numeric,
    is_string,
    is_temporal,
    numbered_rows,
    quote_ident,
)

if TYPE_CHECKING:
    import duckdb

MAX_EXAMPLES = 5
MAX_ALLOWED = 20  # inferred allowed-value lists stop at this many values


@dataclass(frozen=True)
class RuleResult:
    column: str  # "" for table-level rules
    rule: str  # present | type | not_null | unique | min | max | allowed | extra_columns
    passed: bool
    expected: str
    failing_rows: int = 0
    examples: tuple[tuple[int | None, Any], ...] = ()  # (row number, value)
    message: str = ""


@dataclass(frozen=True)
class ContractReport:
    ref: str
    fingerprint: str
    rows: int
    results: tuple[RuleResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]

    def result(self, column: str, rule: str) -> RuleResult:
        for r in self.results:
            if r.column == column and r.rule == rule:
                return r
        raise KeyError((column, rule))


def infer_contract(
    version: DatasetVersion, *, job: JobControl | None = None, max_allowed: int = MAX_ALLOWED
) -> DataContract:
    """A contract the version satisfies, as a starting point for the user to edit.

    Per column: its exact type; not_null if it has no missing values; min/max for numbers
    and dates as observed; allowed values for text or boolean columns with at most
    `max_allowed` distinct values that repeat (not ids); unique for text or integer
    columns whose values are all present and distinct.
    """
    profile = profile_version(version, job=job)
    columns = []
    for col in profile.columns:
        rule = ColumnContract(name=col.name, type=col.type, not_null=col.nulls == 0)
        if col.kind in {"numeric", "temporal"} and col.min is not None:
            rule.min, rule.max = col.min, col.max
            if is_integer(col.type) and isinstance(col.min, float):
                rule.min, rule.max = int(col.min), int(col.max)  # type: ignore[arg-type]  # min/max of an integer column are numbers
        filled = col.rows - col.nulls
        if (
            col.kind in {"text", "boolean"}
            and 0 < col.distinct <= max_allowed
            and col.distinct < filled
        ):
            rule.allowed = sorted(_allowed_values(version, col.name, col.type), key=str)
        if (
            (is_string(col.type) or is_integer(col.type))
            and col.nulls == 0
            and col.distinct == col.rows
            and col.rows > 1
        ):
            rule.unique = True
        columns.append(rule)
    return DataContract(dataset=version.name, columns=columns)


def _allowed_values(version: DatasetVersion, column: str, type_name: str) -> list[Any]:
    con = connect()
    try:
        c = quote_ident(column)
        rows = con.execute(
            f"SELECT DISTINCT {c} FROM {parquet_sql(version)} WHERE {c} IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def type_matches(actual: str, expected: str) -> bool:
    """Whether a column of type `actual` satisfies a contract type or family."""
    family = {
        "numeric": is_numeric,
        "integer": is_integer,
        "float": is_float,
        "text": is_string,
        "temporal": is_temporal,
        "boolean": is_boolean,
    }.get(expected)
    if family is not None:
        return family(actual)
    if "(" in expected:
        return actual.replace(" ", "").upper() == expected.replace(" ", "").upper()
    return base_type(actual) == expected


def validate(
    version: DatasetVersion, contract: DataContract, *, job: JobControl | None = None
) -> ContractReport:
    """Check every rule of `contract` against `version`; never raises for failing data."""
    types = version.types
    results: list[RuleResult] = []
    con = connect()
    try:
        rows, row = numbered_rows(
            f"read_parquet({sql_path(version.data_path)})", version.column_names
        )
        row_col = quote_ident(fresh_name(version.column_names, "__row"))
        con.execute(
            f"CREATE VIEW t AS SELECT {row} AS {row_col}, "
            f"{', '.join(quote_ident(c) for c in version.column_names)} FROM {rows}"
        )
        total = max(len(contract.columns), 1)
        for i, rule in enumerate(contract.columns):
            if job is not None:
                job.progress(i / total, f"Checking {rule.name}")
            results.extend(_check_column(con, rule, types.get(rule.name), row_col))
        if contract.extra_columns == "forbid":
            listed = {c.name for c in contract.columns}
            extra = [name for name in types if name not in listed]
            results.append(
                RuleResult(
                    column="",
                    rule="extra_columns",
                    passed=not extra,
                    expected="only the listed columns",
                    message=f"columns not in the contract: {', '.join(extra)}" if extra else "",
                )
            )
    finally:
        con.close()
    if job is not None:
        job.progress(1.0, "Contract checked")
    return ContractReport(version.ref, version.fingerprint, version.rows, tuple(results))


def _check_column(
    con: duckdb.DuckDBPyConnection, rule: ColumnContract, actual: str | None, row_col: str
) -> list[RuleResult]:
    name = rule.name
    if actual is None:
        return [
            RuleResult(name, "present", False, "the column exists", message=f"no column '{name}'")
        ]
    out = [RuleResult(name, "present", True, "the column exists")]
    c = quote_ident(name)
    if rule.type is not None:
        ok = type_matches(actual, rule.type)
        out.append(
            RuleResult(name, "type", ok, rule.type, message="" if ok else f"the column is {actual}")
        )
    if rule.not_null:
        out.append(_failing(con, row_col, name, "not_null", "no missing values", f"{c} IS NULL"))
    if rule.unique:
        out.append(_duplicates(con, name))
    cast = f"CAST(? AS {actual})"
    if rule.min is not None:
        out.append(
            _failing(
                con, row_col, name, "min", f">= {rule.min}", f"{c} < {cast}", [_param(rule.min)]
            )
        )
    if rule.max is not None:
        out.append(
            _failing(
                con, row_col, name, "max", f"<= {rule.max}", f"{c} > {cast}", [_param(rule.max)]
            )
        )
    if rule.allowed is not None:
        values = [_param(v) for v in rule.allowed]
        if values:
            marks = ", ".join(f"CAST(? AS {actual})" for _ in values)
            condition = f"{c} IS NOT NULL AND {c} NOT IN ({marks})"
        else:
            condition = f"{c} IS NOT NULL"
        shown = ", ".join(str(v) for v in rule.allowed)
        out.append(_failing(con, row_col, name, "allowed", f"one of: {shown}", condition, values))
    return out


def _param(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _failing(
    con: duckdb.DuckDBPyConnection,
    row_col: str,
    column: str,
    rule: str,
    expected: str,
    condition: str,
    params: list[Any] | None = None,
) -> RuleResult:
    import duckdb

    c = quote_ident(column)
    try:
        count_row = con.execute(
            f"SELECT count(*) FROM t WHERE {condition}", params or []
        ).fetchone()
        examples = con.execute(
            f"SELECT {row_col}, {c} FROM t WHERE {condition} ORDER BY 1 LIMIT {MAX_EXAMPLES}",
            params or [],
        ).fetchall()
    except duckdb.Error as exc:
        detail = str(exc).strip().splitlines()[0]
        return RuleResult(
            column, rule, False, expected, message=f"the rule cannot be checked: {detail}"
        )
    failing = int(count_row[0]) if count_row else 0
    return RuleResult(
        column,
        rule,
        failing == 0,
        expected,
        failing_rows=failing,
        examples=tuple((int(r), json_scalar(v)) for r, v in examples),
        message="" if failing == 0 else f"{failing:,} rows break the rule",
    )


def _duplicates(con: duckdb.DuckDBPyConnection, column: str) -> RuleResult:
    c = quote_ident(column)
    # positions and a derived table's column list, never aliases: a column may have any name
    rows = con.execute(
        f"SELECT {c}, count(*) FROM t WHERE {c} IS NOT NULL GROUP BY 1 "
        f"HAVING count(*) > 1 ORDER BY 2 DESC, 1 LIMIT {MAX_EXAMPLES}"
    ).fetchall()
    total_row = con.execute(
        f"SELECT coalesce(sum(d.n), 0) FROM (SELECT count(*) FROM t "
        f"WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1) AS d(n)"
    ).fetchone()
    failing = int(total_row[0]) if total_row else 0
    return RuleResult(
        column,
        "unique",
        failing == 0,
        "every value distinct",
        failing_rows=failing,
        examples=tuple((None, json_scalar(v)) for v, _ in rows),
        message="" if failing == 0 else f"{failing:,} rows share a value with another row",
    )
