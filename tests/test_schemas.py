"""The JSON Schemas of the files people edit: up to date with the models, referenced from
every template file, accepting what the app accepts and refusing, with a path to the field,
what it refuses."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.errors import ShipyardError
from shipyard.core.portfolio.onepager_file import load_onepager, parse_onepager, split_front_matter
from shipyard.core.portfolio.onepager_model import Stage
from shipyard.core.workspace.layout import CONFIG_NAME, PROJECTS
from shipyard.core.workspace.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "make_schemas.py"
TEMPLATES = ROOT / "workspace_templates"
DEMO = TEMPLATES / "demo" / PROJECTS


def _load_tool() -> Any:
    spec = importlib.util.spec_from_file_location("make_schemas", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_schemas"] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
FILE_NAMES = sorted(spec.path.rsplit("/", 1)[-1] for spec in tool.FILES)


def schema_file(name: str) -> Path:
    return tool.DOCS_DIR / tool.by_file_name(name).filename


def template_files() -> list[Path]:
    """Every file in the templates that has a schema (run folders hold none)."""
    return sorted(
        p
        for p in TEMPLATES.rglob("*")
        if p.is_file() and p.name in FILE_NAMES and "runs" not in p.relative_to(TEMPLATES).parts
    )


def plain(value: Any) -> Any:
    """YAML and TOML values as JSON sees them: dates are text, as in an editor."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def document(path: Path, text: str | None = None) -> Any:
    """The data a schema validates: the file's YAML, TOML or one-pager front matter."""
    text = path.read_text(encoding="utf-8") if text is None else text
    if path.suffix == ".toml":
        return plain(tomllib.loads(text))
    if path.suffix == ".md":
        text = split_front_matter(text, path)[0]
    return plain(yaml.safe_load(text) or {})


def first_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[1] if path.suffix == ".md" else lines[0]


# -- the committed schemas -------------------------------------------------------------------
def test_committed_schemas_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_check_fails_on_a_stale_missing_or_left_over_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, templates = tmp_path / "docs", tmp_path / "templates"
    (templates / "blank").mkdir(parents=True)
    monkeypatch.setattr(tool, "DOCS_DIR", docs)
    monkeypatch.setattr(tool, "TEMPLATES_DIR", templates)
    assert tool.main(["--check"]) == 1  # nothing written yet
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
    copy = templates / "blank" / ".schemas" / "rollout.schema.json"
    copy.write_text(copy.read_text(encoding="utf-8").replace("rollout", "rolout"), "utf-8")
    (docs / "old.schema.json").write_text("{}", encoding="utf-8")
    capsys.readouterr()
    assert tool.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert f"{copy}: out of date" in err
    assert "old.schema.json: out of date" in err
    assert "fix: python tools/make_schemas.py" in err
    assert tool.main([]) == 0
    assert not (docs / "old.schema.json").exists()
    assert tool.main(["--check"]) == 0


@pytest.mark.parametrize("name", FILE_NAMES)
def test_each_schema_names_its_dialect_id_title_and_description(name: str) -> None:
    schema = json.loads(schema_file(name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:shipyard:schema:" + tool.by_file_name(name).name
    assert schema["title"].startswith("Shipyard ")
    assert len(schema["description"]) > 20
    assert schema["type"] == "object"


def test_every_file_people_edit_has_a_schema() -> None:
    from shipyard.core.workspace import layout

    edited = {
        layout.CONFIG_NAME,
        layout.ONEPAGER,
        layout.GATES_FILE,
        layout.ROLLOUT_FILE,
        layout.FLAGS_FILE,
        layout.CONTRACT_FILE,
        layout.TASK_FILE,
        layout.DATA_LINKS_FILE,
    }
    assert set(FILE_NAMES) == edited


def test_fields_carry_the_hints_the_app_shows() -> None:
    rollout = json.loads(schema_file("rollout.yaml").read_text(encoding="utf-8"))
    percent = rollout["$defs"]["Phase"]["properties"]["percent"]
    assert percent["description"] == "a number from 0 to 100, larger than the phase before"
    gates = json.loads(schema_file("gates.yaml").read_text(encoding="utf-8"))
    quality = gates["$defs"]["QualityCheck"]["properties"]["metric"]
    assert "roc_auc" in quality["enum"]
    assert quality["description"].startswith("one of: roc_auc")  # the metric registry's order
    toml = json.loads(schema_file(CONFIG_NAME).read_text(encoding="utf-8"))
    assert set(toml["properties"]) >= {"workspace", "portfolio", "gates", "cost", "package"}


def test_shipyard_toml_sections_read_by_other_modules_are_checked() -> None:
    data = sample(CONFIG_NAME)
    data["gates"] = {"checks": [{"kind": "latency", "p95_ms": 50}, {"kind": "pii"}]}
    data["cost"] = {"compute_price_per_hour": 0.2, "currency": "EUR"}
    data["package"] = {"license": "mit"}
    del data["workspace"]["format_version"]  # read as format 0 and migrated
    assert errors(CONFIG_NAME, data) == []
    data["cost"]["instances"] = 0
    data["gates"]["checks"][0]["p95_ms"] = "fast"
    assert sorted(path for path, _ in errors(CONFIG_NAME, data)) == [
        "$.cost.instances",
        "$.gates.checks[0].p95_ms",
    ]


# -- the templates refer to them ------------------------------------------------------------
def test_the_templates_hold_files_of_every_kind_but_gates() -> None:
    kinds = {p.name for p in template_files()}
    assert kinds == set(FILE_NAMES) - {"gates.yaml"}


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_file_refers_to_its_schema(path: Path) -> None:
    spec = tool.by_file_name(path.name)
    line = first_line(path)
    if path.suffix == ".toml":
        assert line == f"#:schema {spec.reference()}"
    else:
        assert line == f"# yaml-language-server: $schema={spec.reference()}"
    target = (path.parent / spec.reference()).resolve()
    assert target.read_bytes() == (tool.DOCS_DIR / spec.filename).read_bytes()


@pytest.mark.parametrize("template", ["blank", "demo"])
def test_a_new_workspace_resolves_every_reference(tmp_path: Path, template: str) -> None:
    ws = Workspace.create(tmp_path / "ws", template_name=template)
    files = [ws.root / CONFIG_NAME, *sorted((ws.root / PROJECTS).glob("*/*.*"))]
    checked = 0
    for path in files:
        if path.name not in FILE_NAMES:
            continue
        reference = first_line(path).rsplit("=", 1)[-1].removeprefix("#:schema ")
        schema = json.loads((path.parent / reference).read_text(encoding="utf-8"))
        assert schema["$id"] == tool.by_file_name(path.name).schema_id
        checked += 1
    assert checked == len([p for p in template_files() if p.is_relative_to(TEMPLATES / template)])
    assert checked >= (1 if template == "blank" else 20)


def test_the_onepager_keeps_its_schema_line_through_a_save() -> None:
    path = TEMPLATES / "demo" / PROJECTS / "churn-risk" / "onepager.md"
    doc = load_onepager(path)
    assert doc.warnings == []
    doc.onepager.stage = Stage.CANARY
    text = doc.to_text()
    assert text.splitlines()[1] == tool.by_file_name("onepager.md").comment()
    assert "stage: canary" in text
    # Line numbers in errors still count the comment line.
    broken = text.replace("stage: canary", "stage: launched")
    with pytest.raises(ShipyardError) as err:
        parse_onepager(broken, path)
    line = broken.splitlines().index("stage: launched") + 1
    assert f"onepager.md:{line}: field 'stage'" in str(err.value)


# -- every template file is valid for the app ----------------------------------------------
def test_every_template_file_is_valid_for_the_app(trained_demo_ws: Workspace) -> None:
    """The same files, through the readers the app uses."""
    from shipyard.core.data.contract_model import load_contract
    from shipyard.core.data.project_links import project_links
    from shipyard.core.rollout.flags import load_flags
    from shipyard.core.rollout.policy import load_policy
    from shipyard.core.training.task_file import read_task
    from shipyard.core.workspace.config import read_config

    ws = trained_demo_ws
    read_config(TEMPLATES / "blank" / CONFIG_NAME)
    readers = {
        "onepager.md": lambda slug: ws.project(slug).doc,
        "rollout.yaml": lambda slug: load_policy(ws, slug),
        "flags.yaml": lambda slug: load_flags(ws, slug),
        "data_contract.yaml": lambda slug: load_contract(ws, slug),
        "data.yaml": lambda slug: project_links(ws, slug),
        "task.yaml": lambda slug: read_task(ws, slug) or None,
    }
    read = 0
    for path in sorted(ws.projects_dir.glob("*/*.*")):
        if path.name in readers:
            assert readers[path.name](path.parent.name), path
            read += 1
    assert read == len([p for p in template_files() if p.is_relative_to(DEMO)])


# -- the schemas validate ------------------------------------------------------------------
def validator(name: str) -> Any:
    schema = json.loads(schema_file(name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(name: str, data: Any) -> list[tuple[str, str]]:
    return [(e.json_path, e.message) for e in validator(name).iter_errors(data)]


@pytest.mark.parametrize("name", FILE_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(
        json.loads(schema_file(name).read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_file_validates_against_its_schema(path: Path) -> None:
    assert errors(path.name, document(path)) == []


def test_what_the_app_writes_validates() -> None:
    from shipyard.core.gates.policy import DEFAULT_CHECKS, GatePolicy, policy_yaml
    from shipyard.core.rollout.flags import default_flags
    from shipyard.core.rollout.policy import default_rollout_yaml

    gates = policy_yaml(GatePolicy.model_validate({"checks": DEFAULT_CHECKS}))
    assert errors("gates.yaml", yaml.safe_load(gates)) == []
    assert errors("rollout.yaml", yaml.safe_load(default_rollout_yaml("churn-risk"))) == []
    flags = default_flags("churn-risk", today=dt.date(2026, 12, 7))
    data = flags.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert errors("flags.yaml", data) == []


def demo_data(slug: str, name: str) -> Any:
    return document(DEMO / slug / name)


# (file, a change to a valid document, the JSON path the schema points at)
BROKEN: list[tuple[str, str, Any, str]] = [
    ("onepager.md", "stage", "launched", "$.stage"),
    ("onepager.md", "scores.impact", "high", "$.scores.impact"),
    ("onepager.md", "scores.confidence", 7, "$.scores.confidence"),
    ("onepager.md", "effort.tshirt", "XXL", "$.effort.tshirt"),
    ("rollout.yaml", "phases.1.percent", "five", "$.phases[1].percent"),
    ("rollout.yaml", "traffic_rows", "some", "$.traffic_rows"),
    ("rollout.yaml", "rollback.windows", 0, "$.rollback.windows"),
    ("flags.yaml", "flags.0.state", "on", "$.flags[0].state"),
    ("flags.yaml", "flags.0.traffic_percent", 150, "$.flags[0].traffic_percent"),
    ("data_contract.yaml", "extra_columns", "maybe", "$.extra_columns"),
    ("data_contract.yaml", "columns.0.not_null", "yes", "$.columns[0].not_null"),
    ("data.yaml", "datasets.0.ref", "churn customers", "$.datasets[0].ref"),
    ("task.yaml", "target", 3, "$.target"),
    ("gates.yaml", "checks.0.metric", "auc", "$.checks[0].metric"),
    (
        "shipyard.toml",
        "portfolio.sprint_length_days",
        "two weeks",
        "$.portfolio.sprint_length_days",
    ),
    ("shipyard.toml", "workspace.format_version", 2, "$.workspace.format_version"),
]
SAMPLE = {
    "onepager.md": ("churn-risk", "onepager.md"),
    "rollout.yaml": ("churn-risk", "rollout.yaml"),
    "flags.yaml": ("churn-risk", "flags.yaml"),
    "data_contract.yaml": ("churn-risk", "data_contract.yaml"),
    "data.yaml": ("churn-risk", "data.yaml"),
    "task.yaml": ("churn-risk", "task.yaml"),
}


def sample(name: str) -> Any:
    if name == "shipyard.toml":
        return document(TEMPLATES / "demo" / CONFIG_NAME)
    if name == "gates.yaml":
        return {"schema": 1, "checks": [{"kind": "quality", "metric": "f1", "threshold": 0.7}]}
    return demo_data(*SAMPLE[name])


def changed(data: Any, dotted: str, value: Any) -> Any:
    data = json.loads(json.dumps(data))
    node = data
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return data


@pytest.mark.parametrize(("name", "field", "value", "where"), BROKEN)
def test_a_broken_file_fails_with_the_path_to_the_field(
    name: str, field: str, value: Any, where: str
) -> None:
    data = sample(name)
    assert errors(name, data) == []
    found = errors(name, changed(data, field, value))
    assert [path for path, _ in found] == [where], found


def test_unknown_keys_and_check_kinds_are_refused_where_the_app_refuses_them() -> None:
    rollout = changed(sample("rollout.yaml"), "phases.0.check", {})
    assert errors("rollout.yaml", rollout) == [
        ("$.phases[0]", "Additional properties are not allowed ('check' was unexpected)")
    ]
    gates = sample("gates.yaml")
    gates["checks"].append({"kind": "speed"})
    assert [path for path, _ in errors("gates.yaml", gates)] == ["$.checks[1].kind"]
    gates["checks"][1] = {"kind": "baseline", "enabled": False}  # cannot be switched off
    assert [path for path, _ in errors("gates.yaml", gates)] == ["$.checks[1].enabled"]
    del gates["checks"][1]["kind"]
    assert [path for path, _ in errors("gates.yaml", gates)] == ["$.checks[1]"]
    # A one-pager keeps unknown fields, so its schema allows them.
    assert errors("onepager.md", changed(sample("onepager.md"), "team_size", 4)) == []


# -- the schema and the model agree --------------------------------------------------------
SCORE_FIELDS = ("reach", "impact", "confidence", "effort", "time_criticality", "risk_reduction")


@settings(max_examples=40, deadline=None)
@given(
    field=st.sampled_from(SCORE_FIELDS),
    value=st.one_of(
        st.integers(-3, 5000), st.floats(-2, 8, allow_nan=False), st.none(), st.text(max_size=4)
    ),
    stage=st.one_of(st.sampled_from(["idea", "mvp", "full", "Full", "launch", ""])),
)
def test_onepager_schema_and_model_agree(field: str, value: Any, stage: str) -> None:
    from pydantic import ValidationError

    from shipyard.core.portfolio.onepager_model import OnePager

    data = changed(sample("onepager.md"), f"scores.{field}", value)
    data["stage"] = stage
    lax_text = isinstance(value, str)  # the model reads "4" as 4; an editor flags it
    try:
        OnePager.model_validate(data)
        model_ok = True
    except ValidationError:
        model_ok = False
    schema_ok = errors("onepager.md", data) == []
    if lax_text and model_ok:
        assert not schema_ok
    else:
        assert schema_ok == model_ok, (field, value, stage)


def model_verdict(name: str, data: Any) -> bool:
    from pydantic import ValidationError

    try:
        model_of(name).model_validate(data)
    except ValidationError:
        return False
    return True


def model_of(name: str) -> Any:
    """The pydantic model the app validates the file with."""
    from shipyard.core.data.contract_model import DataContract
    from shipyard.core.data.project_links import ProjectData
    from shipyard.core.portfolio.onepager_model import OnePager
    from shipyard.core.rollout.flags import FlagsFile
    from shipyard.core.rollout.policy import RolloutPolicy
    from shipyard.core.workspace.config import WorkspaceConfig

    models = {
        "onepager.md": OnePager,
        "rollout.yaml": RolloutPolicy,
        "flags.yaml": FlagsFile,
        "data_contract.yaml": DataContract,
        "data.yaml": ProjectData,
        "shipyard.toml": WorkspaceConfig,
    }
    return models[name]


def field_info(model: Any, dotted: str) -> Any:
    """The pydantic field at a dotted path of a document (list indexes skipped)."""
    from pydantic import BaseModel

    info = None
    for part in dotted.split("."):
        if part.isdigit():
            continue
        info = next(f for n, f in model.model_fields.items() if (f.alias or n) == part)
        candidates = [info.annotation, *typing.get_args(info.annotation)]
        candidates += [a for c in candidates for a in typing.get_args(c)]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return info


def probes(info: Any) -> list[float]:
    """Values at, just inside and just outside each bound the field declares."""
    integer = int in (info.annotation, *typing.get_args(info.annotation))
    steps = (-1, 0, 1, 0.5) if integer else (-1, -0.001, 0, 0.001, 1)
    out: list[float] = []
    for rule in info.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            bound = getattr(rule, attr, None)
            if bound is not None:
                out += [bound + step for step in steps]
    return out


BOUNDED = [
    ("onepager.md", "scores.reach"),
    ("onepager.md", "scores.impact"),
    ("onepager.md", "scores.confidence"),
    ("onepager.md", "scores.effort"),
    ("onepager.md", "scores.time_criticality"),
    ("onepager.md", "scores.risk_reduction"),
    ("onepager.md", "effort.fte_weeks"),
    ("rollout.yaml", "schema"),
    ("rollout.yaml", "request_rate_per_min"),
    ("rollout.yaml", "overhead_ms"),
    ("rollout.yaml", "infra_error_rate"),
    ("rollout.yaml", "cost_per_cpu_hour"),
    ("rollout.yaml", "phases.0.percent"),
    ("rollout.yaml", "phases.0.requests"),
    ("rollout.yaml", "phases.1.minutes"),
    ("rollout.yaml", "phases.0.checks.error_rate"),
    ("rollout.yaml", "phases.0.checks.p95_latency_ms"),
    ("rollout.yaml", "phases.1.checks.kpi_delta"),
    ("rollout.yaml", "rollback.alpha"),
    ("rollout.yaml", "rollback.min_requests"),
    ("rollout.yaml", "rollback.windows"),
    ("flags.yaml", "flags.0.traffic_percent"),
    ("data_contract.yaml", "schema"),
    ("data.yaml", "schema"),
    ("shipyard.toml", "portfolio.sprint_length_days"),
]


@pytest.mark.parametrize(("name", "field"), BOUNDED)
def test_schema_and_model_agree_at_every_bound(name: str, field: str) -> None:
    values = probes(field_info(model_of(name), field))
    assert values, f"{field} declares no bound"
    for value in values:
        data = changed(sample(name), field, value)
        schema_ok = errors(name, data) == []
        assert schema_ok == model_verdict(name, data), (field, value)
