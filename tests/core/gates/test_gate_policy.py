"""Gate policy files: defaults, overrides and errors that name the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.core.errors import ValidationFailed
from shipyard.core.gates import (
    DEFAULT_CHECKS,
    GatePolicy,
    cost_model,
    effective_policy,
    parse_policy,
    policy_path,
    save_policy,
    workspace_policy,
)
from shipyard.core.gates.policy import merge
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


def test_workspace_defaults_are_the_built_in_checks(demo_ws: Workspace) -> None:
    policy = workspace_policy(demo_ws)
    assert [c.kind for c in policy.checks] == [c["kind"] for c in DEFAULT_CHECKS]
    # The project's policy adds the one-pager's target (churn-risk: ROC AUC >= 0.75).
    effective = effective_policy(demo_ws, SLUG).checks
    assert effective[:-1] == policy.checks
    assert effective[-1].key == "target" and effective[-1].metric == "roc_auc"
    assert effective[-1].threshold == 0.75 and effective[-1].required


def test_project_overrides_by_id_drops_disabled_and_adds_new(demo_ws: Workspace) -> None:
    policy_path(demo_ws, SLUG).write_text(
        "schema: 1\nchecks:\n"
        "  - kind: latency\n    p95_ms: 20\n"
        "  - kind: cost\n    enabled: false\n"
        "  - kind: quality\n    metric: f1\n    threshold: 0.7\n",
        encoding="utf-8",
    )
    policy = effective_policy(demo_ws, SLUG)
    keys = [c.key for c in policy.checks]
    assert "cost" not in keys
    assert keys[-2:] == ["quality-f1", "target"]  # the one-pager's target comes last
    latency = next(c for c in policy.checks if c.kind == "latency")
    assert latency.p95_ms == 20
    assert keys.index("latency") == 1  # an override keeps the default's place


def test_inherit_false_uses_only_the_project_checks() -> None:
    defaults = GatePolicy.model_validate({"checks": DEFAULT_CHECKS})
    own = parse_policy("inherit: false\nchecks:\n  - kind: pii\n")
    assert [c.key for c in merge(defaults, own).checks] == ["pii"]


def test_workspace_gates_and_cost_sections_come_from_shipyard_toml(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "w", template_name="blank")
    toml = ws.root / "shipyard.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + '\n[gates]\n[[gates.checks]]\nkind = "quality"\nmetric = "roc_auc"\nthreshold = 0.8\n'
        "\n[cost]\ncompute_price_per_hour = 0.36\ninstances = 2\noverhead_ms = 0\n"
        "utilization = 1.0\n",
        encoding="utf-8",
    )
    ws = Workspace.open(ws.root)
    assert [c.key for c in workspace_policy(ws).checks] == ["quality-roc_auc"]
    cost = cost_model(ws)
    # 1000 requests x 10 ms = 10 s = 1/360 h; x 0.36 per hour x 2 instances = 0.002
    assert cost.per_1k(10.0) == pytest.approx(0.002)


def test_bad_workspace_gates_section_names_shipyard_toml(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "w", template_name="blank")
    toml = ws.root / "shipyard.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[[gates.checks]]\nkind = "speed"\n', "utf-8"
    )
    with pytest.raises(ValidationFailed) as err:
        workspace_policy(Workspace.open(ws.root))
    assert "shipyard.toml" in str(err.value) and "unknown check 'speed'" in str(err.value)


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_policy("checks:\n  - kind: latency\n    p95_ms: [1, 2\n", "gates.yaml")
    problem = err.value.problems[0]
    assert "not valid YAML" in problem.message
    assert problem.line is not None and problem.line >= 3
    assert "gates.yaml:" in str(err.value)


def test_unknown_check_lists_the_kinds() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_policy("checks:\n  - kind: pii\n  - kind: speed\n", "gates.yaml")
    problem = err.value.problems[0]
    assert problem.message == "unknown check 'speed'"
    assert problem.field == "checks.1.kind"
    assert problem.line == 3
    assert "latency" in problem.fix and "champion_regression" in problem.fix


def test_unknown_metric_lists_the_valid_ones() -> None:
    text = "checks:\n  - kind: quality\n    metric: f2\n    threshold: 0.7\n"
    with pytest.raises(ValidationFailed) as err:
        parse_policy(text, "gates.yaml")
    problem = err.value.problems[0]
    assert "unknown metric 'f2'" in problem.message
    assert "roc_auc" in problem.message and "rmse" in problem.message
    assert problem.field == "checks.0.metric" and problem.line == 3


def test_wrong_type_names_field_and_line() -> None:
    text = "checks:\n  - kind: pii\n  - kind: latency\n    p95_ms: fast\n"
    with pytest.raises(ValidationFailed) as err:
        parse_policy(text, "gates.yaml")
    problem = err.value.problems[0]
    assert problem.field == "checks.1.p95_ms"
    assert problem.line == 4
    assert "gates.yaml:4" in str(err.value)


def test_unknown_field_and_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="not known"):
        parse_policy("checks:\n  - kind: pii\n    treshold: 1\n")
    with pytest.raises(ValidationFailed, match="two checks have the id 'pii'"):
        parse_policy("checks:\n  - kind: pii\n  - kind: pii\n")


def test_save_policy_validates_writes_and_audits(demo_ws: Workspace) -> None:
    with pytest.raises(ValidationFailed):
        save_policy(demo_ws, SLUG, "checks:\n  - kind: nope\n", user="Dana")
    assert not policy_path(demo_ws, SLUG).exists()
    policy = parse_policy("checks:\n  - kind: latency\n    p95_ms: 25\n    required: false\n")
    path = save_policy(demo_ws, SLUG, policy, user="Dana")
    assert parse_policy(path.read_text("utf-8")).checks == policy.checks
    last = demo_ws.audit.entries()[-1]
    assert last["action"] == "gates.policy.save" and last["user"] == "Dana"
