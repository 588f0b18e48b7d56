#!/usr/bin/env python3
"""Generate the JSON Schemas of the files people edit, from the models that validate them.

    python tools/make_schemas.py            write the schemas
    python tools/make_schemas.py --check    exit 1 naming every schema that is out of date

One schema (JSON Schema draft 2020-12) per file, `docs/schemas/<name>.schema.json`, made with
pydantic's `model_json_schema()` from the model Shipyard itself validates the file with, so
the schema and the app cannot drift apart unnoticed (`--check` runs in the tests). Each
workspace template carries a copy in `.schemas/`, so the files of every workspace created
from it refer to a schema next to them and an editor validates as you type, offline:

    # yaml-language-server: $schema=../../.schemas/rollout.schema.json    (YAML files)
    #:schema ./.schemas/shipyard.schema.json                              (shipyard.toml)

On top of what pydantic writes, every field gets the hint the app shows next to its error
(the modules' HINTS tables) as its description, and `REFINEMENTS` adds the few rules the
models keep in validators (known metric names, the newest schema version). Rules that
compare values (percents that increase, unique ids, dates in order) are not expressible
here: the app still checks those, naming the line and the fix.

`task.yaml` is read by hand (`core/training/task_file.py`), so its schema is written here
from that code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))

DOCS_DIR = ROOT / "docs" / "schemas"
TEMPLATES_DIR = ROOT / "workspace_templates"
# Where a workspace keeps its copies, relative to the workspace folder.
WORKSPACE_SCHEMAS = ".schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A name, not a location: the schemas are read from the files next to the workspace's files.
ID_PREFIX = "urn:shipyard:schema:"
SUFFIX = ".schema.json"

Schema = dict[str, Any]


@dataclass(frozen=True)
class FileSchema:
    name: str  # <name>.schema.json
    path: str  # where the file sits in a workspace
    title: str
    description: str
    build: Callable[[], Schema]

    @property
    def filename(self) -> str:
        return self.name + SUFFIX

    @property
    def schema_id(self) -> str:
        return ID_PREFIX + self.name

    def reference(self) -> str:
        """The path from the file to the workspace's copy of its schema."""
        up = "../" * self.path.count("/") or "./"
        return f"{up}{WORKSPACE_SCHEMAS}/{self.filename}"

    def comment(self) -> str:
        """The first line that makes an editor validate the file against its schema."""
        if self.path.endswith(".toml"):
            return f"#:schema {self.reference()}"
        return f"# yaml-language-server: $schema={self.reference()}"


# -- walking a schema ---------------------------------------------------------------------
def _resolve(root: Schema, node: Schema) -> Schema:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target: Schema = root["$defs"][ref.removeprefix("#/$defs/")]
        return target
    return node


def _objects(root: Schema, node: Schema) -> Iterator[Schema]:
    """The object schemas a value described by `node` may match (through $ref, anyOf,
    oneOf and array items)."""
    node = _resolve(root, node)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        yield from _objects(root, node["items"])
        return
    for key in ("anyOf", "oneOf"):
        for branch in node.get(key, []):
            yield from _objects(root, branch)
    if "properties" in node:
        yield node


def fields_at(root: Schema, dotted: str) -> list[Schema]:
    """The property schemas of a dotted field path like `phases.checks.error_rate`."""
    nodes = [root]
    found: list[Schema] = []
    for part in dotted.split("."):
        found = [
            obj["properties"][part]
            for node in nodes
            for obj in _objects(root, node)
            if part in obj["properties"]
        ]
        nodes = found
    return found


def describe(root: Schema, hints: dict[str, str]) -> None:
    """Give each field the hint the app shows for it, unless it has a description."""
    for dotted, hint in hints.items():
        for field in fields_at(root, dotted):
            field.setdefault("description", hint.removeprefix("use "))


def tagged_unions(node: Any) -> Any:
    """Each discriminated union (pydantic's `oneOf` + `discriminator`) as `if kind is X then
    X's schema`: the same rule, but an unknown kind or a wrong field is reported at that
    field, where a `oneOf` reports only that no branch matched."""
    if isinstance(node, list):
        return [tagged_unions(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: tagged_unions(value) for key, value in node.items()}
    tag = node.pop("discriminator", None)
    if tag is None or "oneOf" not in node:
        return node
    del node["oneOf"]
    name, mapping = tag["propertyName"], tag["mapping"]
    return {
        **node,
        "type": "object",
        "required": [name],
        "properties": {name: {"enum": list(mapping)}},
        "allOf": [
            {
                "if": {"properties": {name: {"const": value}}, "required": [name]},
                "then": {"$ref": ref},
            }
            for value, ref in mapping.items()
        ],
    }


def finish(spec: FileSchema, body: Schema) -> Schema:
    """`body` headed by the dialect, the id, the title and the description."""
    body = tagged_unions(body)
    for key in ("$schema", "$id", "title", "description"):
        body.pop(key, None)
    return {
        "$schema": DIALECT,
        "$id": spec.schema_id,
        "title": spec.title,
        "description": spec.description,
        **body,
    }


# -- the files ----------------------------------------------------------------------------
def onepager_schema() -> Schema:
    from shipyard.core.gates.checks_data import APPROVALS_FIELD
    from shipyard.core.portfolio.onepager_model import FIELD_HINTS, ONEPAGER_SCHEMA, OnePager

    schema = OnePager.model_json_schema()
    describe(schema, FIELD_HINTS)
    props = schema["properties"]
    # The model refuses a newer schema and a blank title in validators.
    props["schema"].update(minimum=1, maximum=ONEPAGER_SCHEMA)
    props["schema"].setdefault("description", f"The one-pager format: {ONEPAGER_SCHEMA}")
    props["title"]["pattern"] = r"\S"
    # Kept as an unknown field by the model; the PII gate check reads it.
    props[APPROVALS_FIELD] = {
        "description": "PII columns approved as model features: a column name, or "
        "{column, reason, by}",
        "type": "array",
        "items": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {
                        "column": {"type": "string"},
                        "reason": {"type": "string"},
                        "by": {"type": "string"},
                    },
                    "required": ["column"],
                },
            ]
        },
    }
    return schema


def gates_schema() -> Schema:
    from shipyard.core.gates.policy import HINTS, GatePolicy

    schema = GatePolicy.model_json_schema()
    describe(schema, HINTS)
    refine_checks(schema)
    return schema


def refine_checks(schema: Schema) -> None:
    """The rules the gate checks keep in validators, on the checks' definitions."""
    from shipyard.core.gates.policy import KNOWN_METRICS, SLICE_METRICS

    defs = schema["$defs"]
    defs["QualityCheck"]["properties"]["metric"]["enum"] = list(KNOWN_METRICS)
    defs["SlicesCheck"]["properties"]["metric"]["enum"] = ["", *SLICE_METRICS]
    defs["ChampionRegressionCheck"]["properties"]["metric"]["enum"] = ["", *KNOWN_METRICS]
    for key in ("required", "enabled"):  # the baseline check cannot be weakened
        defs["BaselineCheck"]["properties"][key]["const"] = True


def rollout_schema() -> Schema:
    from shipyard.core.rollout.policy import HINTS, RolloutPolicy

    schema = RolloutPolicy.model_json_schema()
    describe(schema, HINTS)
    return schema


def flags_schema() -> Schema:
    from shipyard.core.rollout.flags import HINTS, FlagsFile

    schema = FlagsFile.model_json_schema()
    describe(schema, HINTS)
    return schema


def data_contract_schema() -> Schema:
    from shipyard.core.data.contract_model import HINTS, DataContract

    schema = DataContract.model_json_schema()
    describe(schema, HINTS)
    return schema


def data_links_schema() -> Schema:
    from shipyard.core.data.project_links import HINTS, ProjectData

    schema = ProjectData.model_json_schema()
    describe(schema, HINTS)
    return schema


def task_schema() -> Schema:
    # Written from read_task in core/training/task_file.py: dataset and target must be text,
    # features a list of column names (or absent); other keys are ignored.
    return {
        "type": "object",
        "properties": {
            "dataset": {
                "type": "string",
                "description": "The dataset version to train on, e.g. churn_customers@v1 (a "
                "name alone means its newest version)",
            },
            "target": {"type": "string", "description": "The column the models predict"},
            "features": {
                "type": ["array", "null"],
                "items": {"type": "string"},
                "description": "The feature columns; leave it out to let Shipyard propose them",
            },
        },
    }


def shipyard_toml_schema() -> Schema:
    from pydantic import BaseModel, ConfigDict, Field

    from shipyard.core.gates.policy import HINTS, CostModel, GatePolicy
    from shipyard.core.packaging.model_card import DEFAULT_LICENSE
    from shipyard.core.workspace.config import FIX_HINTS, FORMAT_VERSION, WorkspaceConfig

    class Package(BaseModel):
        model_config = ConfigDict(extra="allow")

        license: str = Field(
            default=DEFAULT_LICENSE, description="The license the model cards declare"
        )

    # The sections other modules read from the config's extra fields, typed as they read
    # them: [gates] by gates/policy.workspace_policy, [cost] by gates/policy.cost_model and
    # [package] by packaging/model_card.
    class ShipyardToml(WorkspaceConfig):
        gates: GatePolicy | None = Field(
            default=None, description="The gate checks of every project (a project's "
            "gates.yaml overrides them)"
        )  # fmt: skip
        cost: CostModel | None = Field(
            default=None, description="What one request costs to serve (the cost check)"
        )
        package: Package | None = None

    schema = ShipyardToml.model_json_schema()
    describe(schema, FIX_HINTS)
    describe(schema, {f"gates.{key}": hint for key, hint in HINTS.items()})
    refine_checks(schema)
    info = schema["$defs"]["WorkspaceInfo"]
    info["properties"]["format_version"]["maximum"] = FORMAT_VERSION
    # read_config takes a missing format_version as 0 (the preview format) and migrates it.
    info["required"] = [key for key in info["required"] if key != "format_version"]
    for key in ("gates", "cost", "package"):
        # A TOML file has no null: the section is there or it is not.
        branches = schema["properties"][key].pop("anyOf")
        schema["properties"][key].update(next(b for b in branches if b != {"type": "null"}))
        schema["properties"][key].pop("default", None)
    return schema


PROJECT = "projects/<slug>/"
FILES: tuple[FileSchema, ...] = (
    FileSchema(
        "onepager",
        PROJECT + "onepager.md",
        "Shipyard one-pager (front matter)",
        "The YAML front matter of a project's onepager.md, between the two '---' lines. "
        "Unknown fields are kept.",
        onepager_schema,
    ),
    FileSchema(
        "gates",
        PROJECT + "gates.yaml",
        "Shipyard gate policy",
        "The checks a run must pass before it ships; overrides the workspace defaults "
        "([gates] in shipyard.toml) check by check (same id).",
        gates_schema,
    ),
    FileSchema(
        "rollout",
        PROJECT + "rollout.yaml",
        "Shipyard rollout policy",
        "How a candidate reaches users (phases, their checks), when it is rolled back, and "
        "the kill switch.",
        rollout_schema,
    ),
    FileSchema(
        "flags",
        PROJECT + "flags.yaml",
        "Shipyard feature flags",
        "A project's feature flags, exported as OpenFeature flagd JSON.",
        flags_schema,
    ),
    FileSchema(
        "data_contract",
        PROJECT + "data_contract.yaml",
        "Shipyard data contract",
        "What every dataset version a project uses must satisfy, column by column. Column "
        "types are checked by Shipyard: a DuckDB type or a type family.",
        data_contract_schema,
    ),
    FileSchema(
        "data",
        PROJECT + "data.yaml",
        "Shipyard project data links",
        "The dataset versions a project uses. Shipyard writes this file; you may edit it.",
        data_links_schema,
    ),
    FileSchema(
        "task",
        PROJECT + "task.yaml",
        "Shipyard training task",
        "The dataset version, target and features `shipyard train` uses when given no options.",
        task_schema,
    ),
    FileSchema(
        "shipyard",
        "shipyard.toml",
        "Shipyard workspace settings",
        "shipyard.toml: the workspace's name and format version, portfolio settings, and the "
        "defaults for gates, cost and packages. Unknown sections are kept.",
        shipyard_toml_schema,
    ),
)


def by_file_name(name: str) -> FileSchema:
    """The schema of a workspace file, by its file name (rollout.yaml, shipyard.toml ...)."""
    for spec in FILES:
        if spec.path.rsplit("/", 1)[-1] == name:
            return spec
    raise KeyError(name)


def render(spec: FileSchema) -> str:
    return json.dumps(finish(spec, spec.build()), indent=2, ensure_ascii=False) + "\n"


def targets() -> list[Path]:
    """The published folder and each workspace template's copy."""
    templates = sorted(p for p in TEMPLATES_DIR.iterdir() if p.is_dir())
    return [DOCS_DIR, *(t / WORKSPACE_SCHEMAS for t in templates)]


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def out_of_date() -> list[str]:
    """Every schema file that is missing, differs from the generated one, or is left over."""
    texts = {spec.filename: render(spec) for spec in FILES}
    stale = []
    for folder in targets():
        for filename, text in texts.items():
            path = folder / filename
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(_shown(path))
        if folder.is_dir():
            stale += [_shown(p) for p in sorted(folder.glob("*" + SUFFIX)) if p.name not in texts]
    return stale


def write() -> list[str]:
    texts = {spec.filename: render(spec) for spec in FILES}
    written = []
    for folder in targets():
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.glob("*" + SUFFIX):
            if path.name not in texts:
                path.unlink()
        for filename, text in texts.items():
            path = folder / filename
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                written.append(_shown(path))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if a committed schema is out of date"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date()
        for path in stale:
            print(f"{path}: out of date", file=sys.stderr)
        if stale:
            print("fix: python tools/make_schemas.py", file=sys.stderr)
            return 1
        print(f"{len(FILES)} schemas up to date in {len(targets())} folders")
        return 0
    written = write()
    for path in written:
        print(f"wrote {path}")
    print(f"{len(FILES)} schemas, {len(written)} files changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
