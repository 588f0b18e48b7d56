"""A project's rollout policy, `projects/<slug>/rollout.yaml`: phases, checks, rollback rules
and the kill switch. `default_rollout_yaml(slug)` is the commented starting point.

Mistakes (bad YAML, unknown keys, percents out of range or not increasing, a phase with both
or neither of `requests` and `minutes`, a rehearsal larger than the limits below) raise
ValidationFailed naming the file, the line and the field.

Size limits (every user-set size is bounded, so a typo like `requests: 1e10` is refused at
validation instead of running for hours or exhausting memory):
- MAX_REQUESTS (20,000,000) simulated requests in the whole rehearsal, and so in any phase:
  about a second of simulation per ten million requests.
- MAX_RATE_PER_MIN (1,000,000) for request_rate_per_min; MAX_MINUTES (43,200, thirty days)
  for a phase's minutes; MAX_PHASES (20) phases; MAX_OVERHEAD_MS (60,000) for overhead_ms.
- No value may be infinite or NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shipyard.core.errors import Problem, ValidationFailed
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.layout import ROLLOUT_FILE, schema_comment
from shipyard.core.workspace.workspace import Workspace

MAX_REQUESTS = 20_000_000
MAX_RATE_PER_MIN = 1_000_000
MAX_MINUTES = 43_200
MAX_PHASES = 20
MAX_OVERHEAD_MS = 60_000
MAX_PRICE = 1_000_000
HINTS = {
    "schema": "use schema: 1",
    "candidate": "a run id from the Models tab, or champion (the champion, else the best "
    "exportable run)",
    "control": "champion (the champion the candidate replaces, or the one before it), "
    "default (the safe default rule) or a run id",
    "traffic": "a dataset version like churn_customers@v2, or leave it empty for the project's "
    "dataset",
    "traffic_rows": "holdout or all",
    "infra_error_rate": "a share between 0 and 1, e.g. 0.001",
    "phases.name": "a short name such as shadow, canary, progressive or full",
    "phases.percent": "a number from 0 to 100, larger than the phase before",
    "request_rate_per_min": f"requests per minute, more than 0 and at most {MAX_RATE_PER_MIN:,}",
    "overhead_ms": f"milliseconds from 0 to {MAX_OVERHEAD_MS:,}",
    "cost_per_cpu_hour": f"a price from 0 to {MAX_PRICE:,}",
    "kpi_tolerance": "a positive number in the target's unit, or leave it out",
    "phases": f"from 1 to {MAX_PHASES} phases, e.g. shadow, canary, progressive, full",
    "phases.requests": f"a whole number of requests from 1 to {MAX_REQUESTS:,}",
    "phases.minutes": f"a number of minutes up to {MAX_MINUTES:,} (30 days); requests = "
    "minutes x request_rate_per_min",
    "phases.checks.p95_latency_ms": "the largest acceptable p95 latency in milliseconds",
    "phases.checks.error_rate": "the largest acceptable error rate, e.g. 0.01 for 1%",
    "phases.checks.kpi_delta": "the smallest acceptable KPI change vs control, e.g. -0.02",
    "phases.checks.cost_per_1k": "the largest acceptable cost per 1,000 requests",
    "rollback.alpha": "a significance level between 0 and 0.5, e.g. 0.05",
    "rollback.min_requests": f"a whole number of candidate requests from 1 to {MAX_REQUESTS:,}, "
    "e.g. 200",
    "rollback.windows": "how many times a phase is judged, 1 to 50",
    "kill_switch.engaged": "true or false",
}


STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class Checks(BaseModel):
    model_config = STRICT

    p95_latency_ms: float | None = Field(default=None, gt=0)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    kpi_delta: float | None = Field(default=None, ge=-1, le=1)
    cost_per_1k: float | None = Field(default=None, ge=0)

    def active(self) -> list[str]:
        return [k for k, v in self.model_dump().items() if v is not None]


class Phase(BaseModel):
    model_config = STRICT

    name: str = Field(min_length=1, max_length=40)
    percent: float = Field(ge=0, le=100)
    requests: int | None = Field(default=None, ge=1, le=MAX_REQUESTS)
    minutes: float | None = Field(default=None, gt=0, le=MAX_MINUTES)
    checks: Checks = Field(default_factory=Checks)

    def length(self, rate_per_min: float) -> int:
        if self.requests is not None:
            return self.requests
        return max(1, round((self.minutes or 0) * rate_per_min))


class Rollback(BaseModel):
    model_config = STRICT

    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    min_requests: int = Field(default=100, ge=1, le=MAX_REQUESTS)
    windows: int = Field(default=5, ge=1, le=50)


class KillSwitch(BaseModel):
    model_config = STRICT

    flag: str = ""
    engaged: bool = False


class RolloutPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    schema_: int = Field(default=1, alias="schema", ge=1, le=1)
    candidate: str = "champion"
    control: str = "champion"
    traffic: str = ""
    traffic_rows: Literal["holdout", "all"] = "holdout"
    request_rate_per_min: float = Field(default=600, gt=0, le=MAX_RATE_PER_MIN)
    overhead_ms: float = Field(default=20, ge=0, le=MAX_OVERHEAD_MS)
    infra_error_rate: float = Field(default=0.001, ge=0, le=1)
    cost_per_cpu_hour: float = Field(default=0.10, ge=0, le=MAX_PRICE)
    kpi_tolerance: float | None = Field(default=None, gt=0)
    phases: list[Phase] = Field(min_length=1, max_length=MAX_PHASES)
    rollback: Rollback = Field(default_factory=Rollback)
    kill_switch: KillSwitch = Field(default_factory=KillSwitch)

    def phase_lengths(self) -> list[int]:
        return [p.length(self.request_rate_per_min) for p in self.phases]

    def needs_labels(self) -> bool:
        return any(p.checks.kpi_delta is not None for p in self.phases)


def policy_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / ROLLOUT_FILE


def size_problems(policy: RolloutPolicy) -> list[tuple[tuple[Any, ...], Problem]]:
    """The phase where the rehearsal grows past MAX_REQUESTS, if it does."""
    total = 0
    rate = policy.request_rate_per_min
    for i, phase in enumerate(policy.phases):
        if (phase.requests is None) == (phase.minutes is None):
            continue  # reported by the other rules
        total += phase.length(rate)
        if total > MAX_REQUESTS:
            key = "requests" if phase.requests is not None else "minutes"
            how = (
                f"{phase.requests:,} requests"
                if phase.requests is not None
                else f"{phase.minutes:g} minutes x {rate:,g} requests a minute"
            )
            return [
                (
                    ("phases", i, key),
                    Problem(
                        f"phases.{i}.{key}",
                        f"the rehearsal reaches {total:,} requests by phase '{phase.name}' "
                        f"({how}); a rehearsal simulates at most {MAX_REQUESTS:,}",
                        fix="shorten the phases (fewer requests or minutes) or lower "
                        "request_rate_per_min; a few hundred thousand requests already judge "
                        "small effects",
                    ),
                )
            ]
    return []


def check_size(policy: RolloutPolicy, file: Path | str = ROLLOUT_FILE) -> None:
    """Refuse a policy (built in code, not parsed) that is larger than a rehearsal allows."""
    found = size_problems(policy)
    if found:
        raise ValidationFailed(file, [p for _, p in found])


def _semantic_problems(policy: RolloutPolicy) -> list[tuple[tuple[Any, ...], Problem]]:
    found: list[tuple[tuple[Any, ...], Problem]] = []
    names: set[str] = set()
    for i, phase in enumerate(policy.phases):
        loc: tuple[Any, ...] = ("phases", i)
        if (phase.requests is None) == (phase.minutes is None):
            found.append(
                (
                    loc,
                    Problem(
                        f"phases.{i}",
                        f"phase '{phase.name}' needs exactly one of requests or minutes",
                        fix="give its length as requests: 5000 or as minutes: 30",
                    ),
                )
            )
        if phase.name in names:
            found.append(
                (
                    (*loc, "name"),
                    Problem(
                        f"phases.{i}.name",
                        f"the phase name '{phase.name}' is used twice",
                        fix="give each phase its own name",
                    ),
                )
            )
        names.add(phase.name)
        if i and phase.percent <= policy.phases[i - 1].percent:
            prev = policy.phases[i - 1]
            found.append(
                (
                    (*loc, "percent"),
                    Problem(
                        f"phases.{i}.percent",
                        f"{phase.percent:g}% is not more than the {prev.percent:g}% of "
                        f"'{prev.name}' before it",
                        fix="percents must increase from phase to phase, e.g. 0, 5, 50, 100",
                    ),
                )
            )
    return found + size_problems(policy)


def _plain(value: Any) -> str:
    """1e10 -> 10,000,000,000; 0.5 -> 0.5."""
    if isinstance(value, int | float) and float(value).is_integer() and abs(value) < 1e21:
        return f"{int(value):,}"
    return str(value)


def parse_policy(text: str, file: Path | str = ROLLOUT_FILE) -> RolloutPolicy:
    """Validate rollout.yaml text; raises ValidationFailed with lines, fields and fixes."""
    from shipyard.core.workspace.yaml_file import line_of, parse_yaml_mapping, plain_tree

    tree = parse_yaml_mapping(
        text, file, expected="the policy's fields", fix="start from the default"
    )
    try:
        policy = RolloutPolicy.model_validate(plain_tree(tree))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc if not isinstance(p, int))
            extra = err["type"] == "extra_forbidden"
            fix = HINTS.get(key, "") or ("remove it, or check its spelling" if extra else "")
            if err["type"] == "missing" and not fix:
                fix = "add this field"
            message = "this field is not known" if extra else err["msg"]
            limit = (err.get("ctx") or {}).get("le") if err["type"] == "less_than_equal" else None
            if limit is not None:
                message = f"{_plain(err['input'])} is more than the limit of {_plain(limit)}"
            elif err["type"] == "finite_number":
                message = "must be a finite number"
            problems.append(
                Problem(
                    ".".join(str(p) for p in loc),
                    message,
                    fix=fix,
                    line=line_of(tree, loc),
                )
            )
        raise ValidationFailed(file, problems) from None
    semantic = _semantic_problems(policy)
    if semantic:
        for loc, problem in semantic:
            problem.line = line_of(tree, loc)
        raise ValidationFailed(file, [p for _, p in semantic])
    return policy


def load_policy(ws: Workspace, slug: str) -> RolloutPolicy:
    """The project's policy; the default one when it has no rollout.yaml yet."""
    path = policy_path(ws, slug)
    if not path.exists():
        return parse_policy(default_rollout_yaml(slug), path)
    from shipyard.core.workspace.yaml_file import read_user_text

    return parse_policy(read_user_text(path), path)


def load_policy_or_none(ws: Workspace, slug: str) -> RolloutPolicy | None:
    """The saved policy, or None when there is none or it does not validate."""
    path = policy_path(ws, slug)
    if not path.exists():
        return None
    try:
        return parse_policy(path.read_text("utf-8"), path)
    except (ValidationFailed, OSError, UnicodeDecodeError):
        return None


def save_policy_text(ws: Workspace, slug: str, text: str, *, user: str, reason: str = "") -> None:
    """Validate then write rollout.yaml atomically; the change goes to the audit log."""
    path = policy_path(ws, slug)
    policy = parse_policy(text, path)
    ws.audit.ensure_appendable()
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")
    ws.audit.append(
        "rollout.policy.save",
        slug,
        user=user,
        reason=reason or "rollout policy edited",
        details={"phases": [f"{p.name} {p.percent:g}%" for p in policy.phases]},
    )


def default_rollout_yaml(slug: str) -> str:
    """A commented policy: shadow 0% -> canary 5% -> progressive 50% -> full 100%."""
    return f"""\
# {schema_comment(ROLLOUT_FILE)}
# Rollout policy of {slug}: how the candidate reaches users, and when it is rolled back.
schema: 1
candidate: champion        # a run id, or champion (the champion, else the best exportable run)
control: champion          # champion (the champion the candidate replaces; for the champion
                           #   itself the one before it), default (majority class / mean
                           #   rule) or a run id
traffic: ''                # a dataset version like name@v2; empty = the project's dataset
traffic_rows: holdout      # holdout (rows the models never saw) or all
request_rate_per_min: 600  # turns a phase's minutes into requests (a rehearsal simulates
                           #   at most 20,000,000 requests)
overhead_ms: 20            # infrastructure overhead added to every request
infra_error_rate: 0.001    # requests the infrastructure fails, for either model
cost_per_cpu_hour: 0.10    # prices compute time for the cost check
phases:
  - name: shadow           # the candidate scores a copy of every request; nobody sees it
    percent: 0
    requests: 2000
    checks:
      p95_latency_ms: 250
      error_rate: 0.02
  - name: canary
    percent: 5
    minutes: 30
    checks:
      p95_latency_ms: 200
      error_rate: 0.01
      kpi_delta: -0.03     # KPI (accuracy on labelled rows) may drop 3 points at most
  - name: progressive
    percent: 50
    minutes: 60
    checks:
      p95_latency_ms: 200
      error_rate: 0.01
      kpi_delta: -0.02
      cost_per_1k: 0.05
  - name: full
    percent: 100
    minutes: 60
    checks:
      p95_latency_ms: 200
      error_rate: 0.01
      kpi_delta: -0.02
rollback:
  alpha: 0.05              # a breach rolls back only when significant; each of a phase's
                           #   windows tests at alpha / windows
  min_requests: 200        # fewer candidate requests than this: hold, do not judge
  windows: 5               # each phase is judged this many times as it runs
kill_switch:
  flag: {slug}-kill-switch
  engaged: false           # true sends all traffic to the safe default
"""


def set_policy_values(text: str, changes: dict[tuple[str | int, ...], Any]) -> str:
    """`text` with the values at the given paths replaced, comments and order kept.

    A path like ("phases", 1, "checks", "p95_latency_ms"); None removes the key. Missing
    mappings on the way are created. Raises ValidationFailed when `text` is not YAML.
    """
    import io

    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError

    from shipyard.core.workspace.yaml_file import check_yaml_text, round_trip_yaml

    check_yaml_text(text, ROLLOUT_FILE)
    yaml = round_trip_yaml()
    try:
        tree = yaml.load(text)
    except MarkedYAMLError:
        parse_policy(text)  # raises with the line
        raise
    if not isinstance(tree, Mapping):
        tree = CommentedMap()
    for path, value in changes.items():
        node: Any = tree
        for part in path[:-1]:
            if isinstance(node, list):
                node = node[int(part)]
                continue
            if part not in node or not isinstance(node[part], Mapping | list):
                node[part] = CommentedMap()
            node = node[part]
        last = path[-1]
        if value is None:
            if isinstance(node, MutableMapping) and last in node:
                del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()
