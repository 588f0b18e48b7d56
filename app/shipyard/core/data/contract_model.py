"""A project's data contract, `projects/<slug>/data_contract.yaml`: what every dataset
version the project uses must satisfy.

    schema: 1
    dataset: churn_customers          # informative: the dataset it was written for
    extra_columns: allow              # allow | forbid columns the contract does not list
    columns:
      - name: customer_id
        type: VARCHAR                 # a DuckDB type in upper case, or a family in lower
                                      #   case: numeric, integer, float, text, temporal,
                                      #   boolean (FLOAT is the type, float the family)
        not_null: true
        unique: true
      - name: plan
        type: text
        allowed: [free, basic, pro, enterprise]
      - name: seats
        type: integer
        min: 1
        max: 5000
      - name: signup_date
        type: DATE
        min: '2020-01-01'             # dates and timestamps as ISO text

A mistake in the file (bad YAML, an unknown key, a wrong value) raises ValidationFailed
naming the file, the line and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shipyard.core.sql.sql_text import (
    BOOLEAN_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    STRING_TYPES,
    TEMPORAL_TYPES,
)
from shipyard.core.workspace.layout import CONTRACT_FILE
from shipyard.core.workspace.workspace import Workspace
from shipyard.core.workspace.yaml_file import load_yaml_model, write_yaml

CONTRACT_SCHEMA = 1
FAMILIES = ("numeric", "integer", "float", "text", "temporal", "boolean")
ALIASES = {
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "INT8": "BIGINT",
    "LONG": "BIGINT",
    "INT2": "SMALLINT",
    "SHORT": "SMALLINT",
    "FLOAT8": "DOUBLE",
    "NUMERIC": "DECIMAL",
    "REAL": "FLOAT",
    "FLOAT4": "FLOAT",
    "TEXT": "VARCHAR",
    "STRING": "VARCHAR",
    "CHAR": "VARCHAR",
    "BPCHAR": "VARCHAR",
    "BOOL": "BOOLEAN",
    "LOGICAL": "BOOLEAN",
    "DATETIME": "TIMESTAMP",
    "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
}
# The exact DuckDB type names a contract may name: the families sql_text knows, plus the
# few types no family covers.
KNOWN_TYPES = (
    INTEGER_TYPES | FLOAT_TYPES | TEMPORAL_TYPES | STRING_TYPES | BOOLEAN_TYPES
    | {"DECIMAL", "BLOB", "INTERVAL", "UUID", "JSON"}
)  # fmt: skip
HINTS = {
    "schema": f"use schema: {CONTRACT_SCHEMA}",
    "columns": "list the columns, each with at least a name",
    "columns.name": "give the column's name as it appears in the dataset",
    "columns.type": "a DuckDB type (VARCHAR, BIGINT, DOUBLE, DATE, TIMESTAMP, BOOLEAN ...) or "
    "one of: " + ", ".join(FAMILIES),
    "columns.not_null": "true or false",
    "columns.unique": "true or false",
    "columns.min": "a number, or a date like 2026-01-31 for date columns",
    "columns.max": "a number, or a date like 2026-01-31 for date columns",
    "columns.allowed": "a list of values, e.g. [free, pro, enterprise]",
    "extra_columns": "allow or forbid",
}

Scalar = bool | int | float | str


class ColumnContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    type: str | None = None
    not_null: bool = False
    unique: bool = False
    min: int | float | str | None = None
    max: int | float | str | None = None
    allowed: list[Scalar] | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = " ".join(value.split())
        upper = text.upper()
        base = upper.split("(", 1)[0].strip()
        base = ALIASES.get(base, base)
        # Upper case is how DuckDB reports types, so FLOAT, INTEGER or BOOLEAN stay exact
        # types; any other spelling of a family name (float, Integer) means the family.
        if text.lower() in FAMILIES and not (text == upper and base in KNOWN_TYPES):
            return text.lower()
        if base not in KNOWN_TYPES:
            raise ValueError(f"'{value}' is not a DuckDB type or a type family")
        return base + upper[len(upper.split("(", 1)[0]) :] if "(" in upper else base

    @model_validator(mode="after")
    def _range_in_order(self) -> ColumnContract:
        lo, hi = self.min, self.max
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi))
        texts = isinstance(lo, str) and isinstance(hi, str)
        if (numbers or texts) and lo > hi:  # type: ignore[operator]  # lo and hi share a type: both numbers or both texts
            raise ValueError(f"min ({lo}) is greater than max ({hi})")
        return self


class DataContract(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_version: int = Field(default=CONTRACT_SCHEMA, alias="schema", ge=1, le=CONTRACT_SCHEMA)
    dataset: str = ""
    extra_columns: Literal["allow", "forbid"] = "allow"
    columns: list[ColumnContract] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> DataContract:
        seen: set[str] = set()
        for column in self.columns:
            if column.name in seen:
                raise ValueError(f"column '{column.name}' is listed twice")
            seen.add(column.name)
        return self

    def column(self, name: str) -> ColumnContract | None:
        return next((c for c in self.columns if c.name == name), None)


def contract_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / CONTRACT_FILE


def read_contract(path: Path) -> DataContract:
    """The contract in `path`; ValidationFailed names the file, line, field and fix."""
    return load_yaml_model(path, DataContract, hints=HINTS)


def load_contract(ws: Workspace, slug: str) -> DataContract | None:
    """The project's contract, or None if it has none yet."""
    path = contract_path(ws, slug)
    return read_contract(path) if path.is_file() else None


def contract_yaml_data(contract: DataContract) -> dict[str, object]:
    """The contract as YAML-ready data, leaving out rules that are not set."""
    columns = []
    for c in contract.columns:
        entry: dict[str, object] = {"name": c.name}
        if c.type:
            entry["type"] = c.type
        if c.not_null:
            entry["not_null"] = True
        if c.unique:
            entry["unique"] = True
        if c.min is not None:
            entry["min"] = c.min
        if c.max is not None:
            entry["max"] = c.max
        if c.allowed is not None:
            entry["allowed"] = list(c.allowed)
        columns.append(entry)
    return {
        "schema": contract.schema_version,
        "dataset": contract.dataset,
        "extra_columns": contract.extra_columns,
        "columns": columns,
    }


def save_contract(ws: Workspace, slug: str, contract: DataContract, *, user: str) -> Path:
    """Write the project's contract atomically and record it in the audit log."""
    ws.project(slug)  # ProjectNotFound names the known projects
    path = contract_path(ws, slug)
    write_yaml(
        path,
        contract_yaml_data(contract),
        header="Data contract: what every dataset version this project uses must satisfy.\n"
        "Rules per column: type, not_null, unique, min, max, allowed. Edit freely.",
    )
    ws.audit.append(
        "project.data_contract.save",
        slug,
        user=user,
        details={"columns": len(contract.columns), "dataset": contract.dataset},
    )
    return path
