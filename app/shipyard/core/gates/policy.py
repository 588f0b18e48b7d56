"""The gate policy: which checks a run must pass, with their thresholds.

`projects/<slug>/gates.yaml` overrides the workspace defaults (`[gates]` in shipyard.toml,
else `DEFAULT_CHECKS`): a project check with the same `id` replaces the default one,
`enabled: false` drops it, and `inherit: false` ignores the defaults altogether.

    schema: 1
    inherit: true
    checks:
      - kind: quality          # any recorded metric; at least (or at most for losses)
        metric: f1
        threshold: 0.72
      - kind: latency
        p95_ms: 50
        required: false        # advisory: a failure is shown as a warning

A check's `id` defaults to its kind (`quality-<metric>` for quality checks). The cost model
comes from `[cost]` in shipyard.toml (see `CostModel`).

Whatever the files say, two quality checks are always in effect (`with_required`), so no
policy can pass a model that has not learned anything:

- `target`: the one-pager's primary-metric target, when the one-pager sets one and names a
  metric the runs record ("ROC AUC", "macro F1", "MAE" ...);
- `baseline`: the run must beat the project's dummy baseline (prior / mean predictor) on the
  primary metric the leaderboard ranks by. See `BaselineCheck` for the margins and why.

A `baseline` check in gates.yaml may raise the margins but cannot be made advisory or
disabled, and the id `target` is kept for the one-pager's check: both are refused with the
file and the fix rather than silently weakened.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shipyard.core.errors import Problem, ValidationFailed

# The metrics are described once, in core/metric_registry.py; the checks import them here.
from shipyard.core.metric_registry import CLASSIFICATION_METRICS as CLASSIFICATION_METRICS
from shipyard.core.metric_registry import KNOWN_METRICS, SLICE_METRICS, higher_is_better

__all__ = ["higher_is_better"]  # re-exported: the checks import it with the policy
from shipyard.core.metric_registry import LOWER_IS_BETTER as LOWER_IS_BETTER
from shipyard.core.metric_registry import REGRESSION_METRICS as REGRESSION_METRICS
from shipyard.core.workspace.layout import GATES_FILE, schema_comment

POLICY_SCHEMA = 1


def check_metric(value: str, allowed: tuple[str, ...] = KNOWN_METRICS) -> str:
    if value not in allowed:
        raise ValueError(f"unknown metric '{value}'; valid metrics: {', '.join(allowed)}")
    return value


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = ""
    title: str = ""
    required: bool = True
    enabled: bool = True

    @property
    def key(self) -> str:
        return self.id or self.kind  # type: ignore[attr-defined]  # every concrete check class has `kind`

    def params(self) -> dict[str, Any]:
        """The check's own settings (without kind, id, title, required, enabled)."""
        skip = {"kind", "id", "title", "required", "enabled"}
        return {k: v for k, v in self.model_dump().items() if k not in skip}


class QualityCheck(_Check):
    kind: Literal["quality"] = "quality"
    metric: str
    threshold: float

    _metric = field_validator("metric")(check_metric)

    @property
    def key(self) -> str:
        return self.id or f"quality-{self.metric}"


class LatencyCheck(_Check):
    kind: Literal["latency"] = "latency"
    p50_ms: float | None = Field(default=None, gt=0)
    p95_ms: float | None = Field(default=100.0, gt=0)
    p99_ms: float | None = Field(default=None, gt=0)
    min_throughput_rps: float | None = Field(default=None, gt=0)
    rows: int = Field(default=300, ge=10, le=20_000)


class ErrorRateCheck(_Check):
    kind: Literal["error_rate"] = "error_rate"
    max: float = Field(default=0.05, ge=0, le=1)
    robustness: bool = True
    rows_per_case: int = Field(default=3, ge=1, le=200)


class CostCheck(_Check):
    kind: Literal["cost"] = "cost"
    max_per_1k: float = Field(default=0.05, ge=0)


class ModelCardCheck(_Check):
    kind: Literal["model_card"] = "model_card"


class PiiCheck(_Check):
    kind: Literal["pii"] = "pii"


class OnnxParityCheck(_Check):
    kind: Literal["onnx_parity"] = "onnx_parity"


class DataContractCheck(_Check):
    kind: Literal["data_contract"] = "data_contract"


class DriftCheck(_Check):
    kind: Literal["drift"] = "drift"
    reference: str = ""  # name@vN; empty: the project's version linked with role 'reference'
    max_psi: float = Field(default=0.25, gt=0)


class SlicesCheck(_Check):
    kind: Literal["slices"] = "slices"
    column: str = Field(min_length=1)
    metric: str = ""  # empty: accuracy (classification) or mae (regression)
    max_gap: float = Field(default=0.1, ge=0)
    min_rows: int = Field(default=20, ge=1)

    @field_validator("metric")
    @classmethod
    def _slice_metric(cls, value: str) -> str:
        return check_metric(value, SLICE_METRICS) if value else value


# Beating the dummy: an absolute gain for scores in [0, 1] (ROC AUC, F1, accuracy, R² ...):
# 0.02 is beyond the noise of a few hundred holdout rows on a chance-level model (ROC AUC
# 0.50 -> 0.52) yet below any gain a useful model shows. Errors and losses (RMSE, MAE,
# MAPE, log loss, Brier) have the data's own scale, so their margin is a share of the
# dummy's value: 5% less error than predicting the mean or the class prior.
BASELINE_MIN_GAIN = 0.02
BASELINE_MIN_ERROR_CUT = 0.05


class BaselineCheck(_Check):
    """The run beats the project's dummy baseline on the primary metric (always in effect).

    The baseline is the project's dummy run on the same split when there is one, else a
    prior (classification) or mean (regression) predictor fitted on the same train rows
    and scored on the same holdout. For a metric where higher is better the run needs
    `value >= baseline + min_gain`; for an error or a loss, `value <= baseline x (1 -
    min_error_cut)`. The margins can be raised, never switched off.
    """

    kind: Literal["baseline"] = "baseline"
    min_gain: float = Field(default=BASELINE_MIN_GAIN, gt=0, le=1)
    min_error_cut: float = Field(default=BASELINE_MIN_ERROR_CUT, gt=0, lt=1)

    @field_validator("required")
    @classmethod
    def _always_required(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                "the baseline check cannot be advisory: a run that does not beat the dummy "
                "baseline must not ship"
            )
        return value

    @field_validator("enabled")
    @classmethod
    def _always_enabled(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                "the baseline check cannot be disabled: a run that does not beat the dummy "
                "baseline must not ship"
            )
        return value


class ChampionRegressionCheck(_Check):
    kind: Literal["champion_regression"] = "champion_regression"
    metric: str = ""  # empty: the primary metric the leaderboard ranks by
    margin: float = Field(default=0.02, ge=0)

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        return check_metric(value) if value else value


CHECK_TYPES: dict[str, type[_Check]] = {
    t.model_fields["kind"].default: t
    for t in (
        QualityCheck,
        LatencyCheck,
        ErrorRateCheck,
        CostCheck,
        ModelCardCheck,
        PiiCheck,
        OnnxParityCheck,
        DataContractCheck,
        DriftCheck,
        SlicesCheck,
        ChampionRegressionCheck,
        BaselineCheck,
    )
}
CHECK_KINDS = tuple(CHECK_TYPES)
CHECK_TITLES = {
    "quality": "Quality",
    "latency": "Latency (single-row ONNX calls)",
    "error_rate": "Error rate on the serving contract (holdout + robustness set)",
    "cost": "Cost per 1,000 requests",
    "model_card": "Model card complete",
    "pii": "No unapproved PII features",
    "onnx_parity": "ONNX parity with sklearn",
    "data_contract": "Data contract on the training version",
    "drift": "Drift against the reference version",
    "slices": "Slice gap",
    "champion_regression": "No regression against the champion",
    "baseline": "Beats the dummy baseline",
}

AnyCheck = Annotated[
    QualityCheck
    | LatencyCheck
    | ErrorRateCheck
    | CostCheck
    | ModelCardCheck
    | PiiCheck
    | OnnxParityCheck
    | DataContractCheck
    | DriftCheck
    | SlicesCheck
    | ChampionRegressionCheck
    | BaselineCheck,
    Field(discriminator="kind"),
]


class GatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_version: int = Field(default=POLICY_SCHEMA, alias="schema", ge=1, le=POLICY_SCHEMA)
    inherit: bool = True
    checks: list[AnyCheck] = Field(default_factory=list)

    @field_validator("checks")
    @classmethod
    def _unique_ids(cls, checks: list[_Check]) -> list[_Check]:
        seen: set[str] = set()
        for check in checks:
            if check.key in seen:
                raise ValueError(
                    f"two checks have the id '{check.key}'; give one of them another 'id:'"
                )
            seen.add(check.key)
        return checks

    def to_data(self) -> dict[str, Any]:
        """YAML-ready data leaving out settings equal to their defaults."""
        checks = []
        for check in self.checks:
            entry: dict[str, Any] = {"kind": check.kind}
            entry.update(check.model_dump(exclude_defaults=True, exclude={"kind"}))
            checks.append(entry)
        data: dict[str, Any] = {"schema": self.schema_version}
        if not self.inherit:
            data["inherit"] = False
        data["checks"] = checks
        return data


class CostModel(BaseModel):
    """`[cost]` in shipyard.toml: what one request costs to serve.

    cost per 1,000 requests = 1000 x (mean single-row latency ms + overhead_ms) / 3,600,000
    x price_per_hour x instances / utilization
    """

    model_config = ConfigDict(extra="forbid")

    compute_price_per_hour: float = Field(default=0.10, ge=0)
    instances: int = Field(default=1, ge=1)
    overhead_ms: float = Field(default=2.0, ge=0)
    utilization: float = Field(default=0.5, gt=0, le=1)
    currency: str = "USD"

    formula: ClassVar[str] = (
        "1000 × (mean latency ms + overhead_ms) ÷ 3,600,000 × compute_price_per_hour "
        "× instances ÷ utilization"
    )

    def per_1k(self, mean_ms: float) -> float:
        hours = 1000 * (mean_ms + self.overhead_ms) / 3_600_000
        return hours * self.compute_price_per_hour * self.instances / self.utilization


DEFAULT_CHECKS: list[dict[str, Any]] = [
    {"kind": "onnx_parity"},
    {"kind": "latency", "p95_ms": 100},
    {"kind": "error_rate", "max": 0.05},
    {"kind": "cost", "max_per_1k": 0.05, "required": False},
    {"kind": "model_card"},
    {"kind": "pii"},
    {"kind": "data_contract", "required": False},
    {"kind": "champion_regression", "margin": 0.02, "required": False},
    {"kind": "baseline"},
]
TARGET_ID = "target"  # the one-pager's primary-metric target (added by `with_required`)

HINTS = {
    "schema": f"use schema: {POLICY_SCHEMA}",
    "inherit": "true (start from the workspace defaults) or false",
    "checks": "a list of checks, each with a kind: " + ", ".join(CHECK_KINDS),
    "checks.required": "true (a failure blocks) or false (a failure only warns)",
    "checks.enabled": "true, or false to drop a default check",
    "checks.metric": "one of: " + ", ".join(KNOWN_METRICS),
    "checks.threshold": "a number, e.g. 0.72",
    "checks.max": "a share from 0 to 1, e.g. 0.01",
    "checks.column": "a column of the training dataset",
    "checks.reference": "a dataset version, e.g. churn_customers@v2",
    "checks.min_gain": "a score gain over the dummy from 0 to 1, e.g. 0.05",
    "checks.min_error_cut": "a share of the dummy's error, e.g. 0.1 (10% less error)",
}


# -- reading ------------------------------------------------------------------------------
def _problems(exc: ValidationError, tree: Any) -> list[Problem]:
    from shipyard.core.workspace.yaml_file import line_of

    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        # A discriminated union puts the check's kind into the path: drop it.
        if len(loc) > 2 and loc[0] == "checks" and loc[2] in CHECK_KINDS:
            del loc[2]
        dotted = ".".join(str(p) for p in loc)
        key = ".".join(str(p) for p in loc if not isinstance(p, int))
        message = str(err["msg"]).removeprefix("Value error, ")
        fix = HINTS.get(key, "")
        if err["type"] == "union_tag_invalid":
            tag = (err.get("ctx") or {}).get("tag", "?")
            message, fix = f"unknown check '{tag}'", "use one of: " + ", ".join(CHECK_KINDS)
            dotted += ".kind"
        elif err["type"] == "union_tag_not_found":
            message, fix = "the check has no kind", "add kind: one of " + ", ".join(CHECK_KINDS)
        elif err["type"] == "extra_forbidden":
            message, fix = "this field is not known", "remove it, or check its spelling"
        elif err["type"] == "missing":
            message, fix = "this field is required", fix or "add this field"
        elif "unknown metric" in message:
            fix = "use one of the valid metrics listed"
        elif "baseline check cannot" in message:
            fix = f"remove '{loc[-1]}: false' from the baseline check (raise min_gain or "
            "min_error_cut to make it stricter)"
        problems.append(Problem(dotted, message, fix=fix, line=line_of(tree, tuple(loc))))
    return problems


def parse_policy(text: str, file: Path | str = GATES_FILE) -> GatePolicy:
    """Validate gate-policy YAML text; ValidationFailed names the file, line and field."""
    from shipyard.core.workspace.yaml_file import parse_yaml_mapping, plain_tree

    tree = parse_yaml_mapping(
        text,
        file,
        expected="'schema:' and 'checks:'",
        fix="start from the example in the Gates tab",
    )
    try:
        return GatePolicy.model_validate(plain_tree(tree))
    except ValidationError as exc:
        raise ValidationFailed(file, _problems(exc, tree)) from None


def policy_path(ws: Any, slug: str) -> Path:
    return Path(ws.projects_dir) / slug / GATES_FILE


def project_policy(ws: Any, slug: str) -> GatePolicy | None:
    """The project's own gates.yaml, or None when it has none."""
    path = policy_path(ws, slug)
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            path, [Problem("", "not UTF-8 text", fix="save it as UTF-8")]
        ) from None
    return parse_policy(text, path)


def _config_section(ws: Any, name: str) -> Any:
    extra = getattr(ws.config, "model_extra", None) or {}
    return extra.get(name)


def workspace_policy(ws: Any) -> GatePolicy:
    """The workspace defaults: `[gates]` in shipyard.toml, else the built-in checks."""
    from shipyard.core.workspace.layout import CONFIG_NAME

    section = _config_section(ws, "gates")
    if isinstance(section, dict) and "test_split_wear_limit" in section:
        # a workspace setting, not a check (core/training/test_split_wear.py)
        section = {k: v for k, v in section.items() if k != "test_split_wear_limit"} or None
    if section is None:
        return GatePolicy.model_validate({"checks": DEFAULT_CHECKS})
    try:
        return GatePolicy.model_validate(section)
    except ValidationError as exc:
        problems = _problems(exc, None)
        for p in problems:
            p.field = f"gates.{p.field}"
        raise ValidationFailed(ws.root / CONFIG_NAME, problems) from None


def cost_model(ws: Any) -> CostModel:
    from shipyard.core.workspace.layout import CONFIG_NAME

    section = _config_section(ws, "cost") or {}
    try:
        return CostModel.model_validate(section)
    except ValidationError as exc:
        problems = [
            Problem(
                "cost." + ".".join(str(p) for p in e["loc"]),
                e["msg"],
                fix="see the [cost] example in the README",
            )
            for e in exc.errors()
        ]
        raise ValidationFailed(ws.root / CONFIG_NAME, problems) from None


def merge(defaults: GatePolicy, project: GatePolicy | None) -> GatePolicy:
    """Workspace defaults overridden by the project's checks (by id)."""
    if project is None:
        checks = list(defaults.checks)
    elif not project.inherit:
        checks = list(project.checks)
    else:
        own = {c.key: c for c in project.checks}
        checks = [own.pop(c.key, c) for c in defaults.checks]
        checks += list(own.values())
    return GatePolicy(checks=[c for c in checks if c.enabled])


def onepager_target(ws: Any, slug: str) -> tuple[str, float, str] | None:
    """(metric key, target, the one-pager's own name) when the one-pager sets a target on
    a metric the runs record; None otherwise (no target, or a business metric such as
    'deflection_rate' that no model run measures)."""
    from shipyard.core.metric_registry import match_metric

    entry = ws.project(slug)
    if entry.doc is None:
        return None
    pm = entry.doc.onepager.primary_metric
    name = (pm.name or "").strip()
    if pm.target is None or not name:
        return None
    key = match_metric(name)
    return (key, float(pm.target), name) if key else None


def target_check(ws: Any, slug: str) -> QualityCheck | None:
    """The one-pager's target as a required quality check (id `target`), or None."""
    from shipyard.core.metric_registry import metric_label

    found = onepager_target(ws, slug)
    if found is None:
        return None
    key, target, name = found
    op = "≥" if higher_is_better(key) else "≤"
    return QualityCheck(
        id=TARGET_ID,
        title=f"One-pager target: {metric_label(key)} {op} {target:g} ('{name}')",
        metric=key,
        threshold=target,
    )


def _reserved_target(policy: GatePolicy | None, file: Path) -> None:
    for i, check in enumerate(policy.checks if policy else []):
        if check.key == TARGET_ID:
            raise ValidationFailed(
                file,
                [
                    Problem(
                        f"checks.{i}.id",
                        f"the id '{TARGET_ID}' is kept for the one-pager's primary-metric "
                        "target, which is always checked",
                        fix="give this check another id, or change the target in the "
                        "one-pager (primary_metric.target)",
                    )
                ],
            )


def with_required(policy: GatePolicy, ws: Any, slug: str) -> GatePolicy:
    """`policy` plus the quality checks that are always in effect (the one-pager's target,
    beating the dummy baseline), appended after the policy's own checks. Idempotent.

    Raises ShipyardError when the policy would still have no required check.
    """
    from shipyard.core.errors import ShipyardError

    checks = [c for c in policy.checks if c.enabled]
    target = target_check(ws, slug)
    own_target = next((c for c in checks if c.key == TARGET_ID), None)
    if own_target is not None and own_target != target:
        raise ShipyardError(
            f"the gate policy has its own check with the id '{TARGET_ID}', which is kept for "
            "the one-pager's primary-metric target",
            file=policy_path(ws, slug),
            fix="give that check another id",
        )
    if target is not None and own_target is None:
        checks.append(target)
    if not any(c.kind == "baseline" for c in checks):
        checks.append(BaselineCheck())
    if not any(c.required for c in checks):  # a guard: the baseline check always blocks
        raise ShipyardError(
            "the gate policy has no required check, so nothing would stop a bad model",
            file=policy_path(ws, slug),
            fix="make at least one check required (remove 'required: false'), e.g. the "
            "baseline check",
        )
    return GatePolicy(schema=policy.schema_version, inherit=policy.inherit, checks=checks)


def effective_policy(ws: Any, slug: str) -> GatePolicy:
    """The workspace defaults, the project's gates.yaml over them, and the checks that are
    always in effect (see `with_required`)."""
    from shipyard.core.workspace.layout import CONFIG_NAME

    defaults, own = workspace_policy(ws), project_policy(ws, slug)
    _reserved_target(defaults, ws.root / CONFIG_NAME)
    _reserved_target(own, policy_path(ws, slug))
    return with_required(merge(defaults, own), ws, slug)


def policy_sha256(policy: GatePolicy, cost: CostModel) -> str:
    data = {"policy": policy.to_data(), "cost": cost.model_dump()}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_yaml(policy: GatePolicy, header: str = "") -> str:
    from shipyard.core.workspace.yaml_file import dump_yaml

    return dump_yaml(policy.to_data(), header=header)


POLICY_HEADER = (
    "Gate policy: the checks a run must pass before it ships. Overrides the workspace\n"
    "defaults ([gates] in shipyard.toml) check by check (same id); 'enabled: false' drops\n"
    "a default, 'required: false' makes a check advisory. Kinds: " + ", ".join(CHECK_KINDS)
)


def save_policy(ws: Any, slug: str, policy: GatePolicy | str, *, user: str) -> Path:
    """Write the project's gates.yaml (validated first) and record it in the audit log."""
    from shipyard.core.workspace.atomic import atomic_write_text

    ws.project(slug)
    path = policy_path(ws, slug)
    if isinstance(policy, str):
        parsed, text = parse_policy(policy, path), policy
    else:
        parsed, text = (
            policy,
            policy_yaml(policy, schema_comment(GATES_FILE) + "\n" + POLICY_HEADER),
        )
    ws.audit.ensure_appendable()
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")
    ws.audit.append(
        "gates.policy.save",
        slug,
        user=user,
        details={"checks": [c.key for c in parsed.checks], "inherit": parsed.inherit},
    )
    return path
