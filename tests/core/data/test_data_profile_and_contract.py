"""Profiles, and data contracts: inference, every rule failing on purpose, file errors."""

from __future__ import annotations

import json

import pytest

from shipyard.core.data import (
    ColumnContract,
    DataContract,
    import_file,
    infer_contract,
    load_contract,
    profile_version,
    read_contract,
    save_contract,
    validate,
)
from shipyard.core.data.contract_check import type_matches
from shipyard.core.data.contract_model import contract_path
from shipyard.core.data.profile import profile_path
from shipyard.core.errors import ValidationFailed
from shipyard.core.portfolio.projects import create_project

CSV = (
    "id,plan,seats,spend,joined,active\n"
    "1,free,1,0.0,2026-01-01,true\n"
    "2,pro,5,50.5,2026-01-02,true\n"
    "3,pro,10,99.0,2026-01-03,false\n"
    "4,free,,nan,2026-01-04,true\n"
    "5,team,20,150.0,2026-01-05,\n"
    "6,free,2,10.0,2026-01-06,true\n"
)


@pytest.fixture
def version(ws, write):
    return import_file(ws, write("c.csv", CSV), "customers", user="ann")


def test_profile_columns(version):
    profile = profile_version(version)
    assert profile.rows == 6 and profile.fingerprint == version.fingerprint
    seats = profile.column("seats")
    assert seats.kind == "numeric"
    assert (seats.nulls, seats.distinct) == (1, 5)
    assert seats.null_share == pytest.approx(1 / 6)
    assert (seats.min, seats.max) == (1.0, 20.0)
    assert seats.mean == pytest.approx(38 / 5)
    assert seats.quantiles["p50"] == pytest.approx(5.0)
    assert sum(b.count for b in seats.histogram) == 5
    assert len(seats.histogram) == 20
    assert seats.histogram[0].low == 1.0 and seats.histogram[-1].high == 20.0
    spend = profile.column("spend")
    assert spend.nulls == 1  # "nan" is missing
    plan = profile.column("plan")
    assert plan.kind == "text"
    assert [(t.value, t.count) for t in plan.top_values] == [("free", 3), ("pro", 2), ("team", 1)]
    assert plan.top_values[0].share == pytest.approx(0.5)
    joined = profile.column("joined")
    assert joined.kind == "temporal"
    assert (joined.min, joined.max) == ("2026-01-01", "2026-01-06")
    assert joined.quantiles["p50"] in {"2026-01-03", "2026-01-04"}
    active = profile.column("active")
    assert active.kind == "boolean" and active.top_values[0].value == "true"


def test_profile_is_cached_next_to_the_version(version):
    first = profile_version(version)
    path = profile_path(version)
    assert path.parent == version.folder
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["fingerprint"] == version.fingerprint
    data["columns"][0]["distinct"] = 999  # a cache hit returns what is stored
    path.write_text(json.dumps(data), encoding="utf-8")
    assert profile_version(version).columns[0].distinct == 999
    assert profile_version(version, refresh=True).columns == first.columns
    path.write_text("{damaged", encoding="utf-8")
    assert profile_version(version).columns == first.columns  # a damaged cache is rebuilt


def test_inferred_contract_passes_and_round_trips_through_yaml(ws, version):
    contract = infer_contract(version)
    rules = {c.name: c for c in contract.columns}
    assert rules["id"].unique and rules["id"].not_null and rules["id"].type == "BIGINT"
    assert rules["plan"].allowed == ["free", "pro", "team"]
    assert not rules["seats"].not_null
    assert (rules["seats"].min, rules["seats"].max) == (1, 20)
    assert rules["joined"].min == "2026-01-01"
    assert rules["active"].allowed == [False, True]
    assert rules["active"].type == "BOOLEAN"  # the exact type, not the family
    assert rules["spend"].type == "DOUBLE" and rules["joined"].type == "DATE"
    assert rules["spend"].allowed is None and not rules["spend"].unique
    report = validate(version, contract)
    assert report.passed, report.failures
    create_project(ws, "Customers", user="ann", slug="customers")
    path = save_contract(ws, "customers", contract, user="ann")
    assert path == contract_path(ws, "customers")
    assert load_contract(ws, "customers") == contract
    assert ws.audit.entries()[-1]["action"] == "project.data_contract.save"


def test_every_rule_can_fail(version):
    contract = DataContract(
        extra_columns="forbid",
        columns=[
            ColumnContract(name="id", type="VARCHAR"),
            ColumnContract(name="seats", type="integer", not_null=True, min=2, max=10),
            ColumnContract(name="plan", type="text", allowed=["free", "pro"], unique=True),
            ColumnContract(name="joined", type="temporal", min="2026-01-02", max="2026-01-04"),
            ColumnContract(name="missing_col", not_null=True),
        ],
    )
    report = validate(version, contract)
    assert not report.passed
    r = report.result
    assert not r("id", "type").passed and "BIGINT" in r("id", "type").message
    assert r("seats", "type").passed
    assert r("seats", "not_null").failing_rows == 1
    assert r("seats", "not_null").examples == ((3, None),)
    assert r("seats", "min").failing_rows == 1 and r("seats", "min").examples == ((0, 1),)
    assert r("seats", "max").failing_rows == 1 and r("seats", "max").examples == ((4, 20),)
    assert r("plan", "allowed").failing_rows == 1 and r("plan", "allowed").examples == (
        (4, "team"),
    )
    assert r("plan", "unique").failing_rows == 5
    assert {v for _, v in r("plan", "unique").examples} == {"free", "pro"}
    assert r("joined", "min").failing_rows == 1 and r("joined", "max").failing_rows == 2
    assert not r("missing_col", "present").passed
    extra = r("", "extra_columns")
    assert not extra.passed and "spend" in extra.message and "active" in extra.message
    assert {(f.column, f.rule) for f in report.failures} >= {("id", "type"), ("plan", "unique")}


def test_contract_file_errors_name_file_line_and_field(ws, tmp_path):
    path = tmp_path / "data_contract.yaml"
    path.write_text(
        "schema: 1\n"
        "columns:\n"
        "  - name: id\n"
        "    type: BIGINT\n"
        "  - name: plan\n"
        "    type: SOMETYPE\n"
        "    not_nul: true\n"
        "  - name: seats\n"
        "    min: 10\n"
        "    max: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as err:
        read_contract(path)
    problems = {p.field: p for p in err.value.problems}
    assert problems["columns.1.type"].line == 6
    assert "DuckDB type" in problems["columns.1.type"].fix
    assert problems["columns.1.not_nul"].line == 7
    assert "spelling" in problems["columns.1.not_nul"].fix
    assert problems["columns.2"].line == 8 and "greater than max" in problems["columns.2"].message
    assert f"{path}:6" in str(err.value)


def test_contract_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "data_contract.yaml"
    path.write_text("schema: 1\ncolumns:\n  - name: id\n    type: [BIGINT\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="not valid YAML") as err:
        read_contract(path)
    assert err.value.problems[0].line is not None and err.value.problems[0].line >= 4
    path.write_text("schema: 1\ncolumns:\n  - name: a\n  - name: a\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="listed twice"):
        read_contract(path)


def test_type_aliases_and_families():
    assert ColumnContract(name="a", type="int").type == "INTEGER"
    assert ColumnContract(name="a", type="string").type == "VARCHAR"
    assert ColumnContract(name="a", type="Numeric").type == "numeric"
    assert ColumnContract(name="a", type="decimal(10, 2)").type == "DECIMAL(10, 2)"


def test_upper_case_family_names_are_exact_types():
    for exact in ("FLOAT", "INTEGER", "BOOLEAN"):
        assert ColumnContract(name="a", type=exact).type == exact
    for family in ("float", "integer", "boolean", "text", "Float"):
        assert ColumnContract(name="a", type=family).type == family.lower()
    assert ColumnContract(name="a", type="REAL").type == "FLOAT"
    assert ColumnContract(name="a", type="TEXT").type == "VARCHAR"
    assert ColumnContract(name="a", type="NUMERIC").type == "DECIMAL"
    assert not type_matches("DOUBLE", ColumnContract(name="a", type="FLOAT").type)
    assert type_matches("DOUBLE", ColumnContract(name="a", type="float").type)
    assert not type_matches("BIGINT", ColumnContract(name="a", type="INTEGER").type)
    assert type_matches("BIGINT", ColumnContract(name="a", type="integer").type)


def test_large_integers_stay_exact_in_profile_and_contract(ws, write):
    big = (9007199254740993, 9007199254740995, 9007199254740997)  # above 2**53
    text = "n\n" + "".join(f"{n}\n" for n in big)
    version = import_file(ws, write("big.csv", text), "big", user="ann")
    assert version.types["n"] == "BIGINT"
    column = profile_version(version).column("n")
    assert (column.min, column.max) == (big[0], big[-1])
    assert isinstance(column.min, int) and isinstance(column.max, int)
    cached = profile_version(version)  # read back from profile.json
    assert (cached.column("n").min, cached.column("n").max) == (big[0], big[-1])
    rule = infer_contract(version).column("n")
    assert rule is not None and (rule.min, rule.max) == (big[0], big[-1])
    report = validate(version, infer_contract(version))  # also: unique on a column named n
    assert report.passed, report.failures
    tight = DataContract(columns=[ColumnContract(name="n", max=big[-1] - 1)])
    assert validate(version, tight).result("n", "max").failing_rows == 1
