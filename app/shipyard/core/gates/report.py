"""The gate report, stored per run as `runs/<run_id>/gate_report.json` (shared format 1).

Other features read it: packaging requires `passed` and `model_sha256`, rollout reads
`measurements`, the project summary and the health score read the verdict. They all read
it here, through `read_report` (packaging with `strict=True`, which also requires the
fields a package relies on). Measurements that were not taken are left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import GATE_REPORT_FILE

REPORT_FORMAT = 1
REPORT_FILE = GATE_REPORT_FILE
VERDICTS = ("pass", "warn", "fail")
FIX = "run the gates again to replace it"


@dataclass
class CheckResult:
    id: str
    kind: str
    title: str
    required: bool
    verdict: str  # pass | warn | fail
    value: Any = None
    threshold: Any = None
    unit: str = ""
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class GateReport:
    project: str
    run_id: str
    model_sha256: str
    policy_sha256: str
    created: str
    user: str
    checks: list[CheckResult]
    measurements: dict[str, Any] = field(default_factory=dict)
    format: int = REPORT_FORMAT
    # What a stored report says of itself; None for a report measured now. A report read
    # back keeps its stored `passed` and `verdict`: readers see what the file says.
    stored_passed: bool | None = field(default=None, repr=False, compare=False)
    stored_verdict: str | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """Every required check passed (warnings never block)."""
        if self.stored_passed is not None:
            return self.stored_passed
        return not any(c.verdict == "fail" for c in self.checks if c.required)

    @property
    def verdict(self) -> str:
        if self.stored_verdict is not None:
            return self.stored_verdict
        verdicts = {c.verdict for c in self.checks}
        if not self.passed:
            return "fail"
        return "warn" if verdicts - {"pass"} else "pass"

    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.verdict == "fail"]

    def warned(self) -> list[CheckResult]:
        return [c for c in self.checks if c.verdict == "warn"]

    def counts(self) -> dict[str, int]:
        return {v: sum(c.verdict == v for c in self.checks) for v in VERDICTS}

    def check(self, check_id: str) -> CheckResult:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _clean(
            {
                "format": self.format,
                "project": self.project,
                "run_id": self.run_id,
                "model_sha256": self.model_sha256,
                "policy_sha256": self.policy_sha256,
                "created": self.created,
                "user": self.user,
                "passed": self.passed,
                "verdict": self.verdict,
                "checks": [asdict(c) for c in self.checks],
                "measurements": self.measurements,
            }
        )
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GateReport:
        """The report of a JSON object; a shape `report_problem` refuses raises ValueError."""
        problem = report_problem(data)
        if problem:
            raise ValueError(problem)
        known = set(CheckResult.__dataclass_fields__)
        checks = []
        for c in data.get("checks") or []:
            given = {k: v for k, v in c.items() if k in known}
            given.setdefault("id", "?")
            given.setdefault("kind", "")
            given.setdefault("title", "")
            given.setdefault("required", True)
            checks.append(CheckResult(**given))
        return cls(
            project=str(data.get("project") or ""),
            run_id=str(data.get("run_id") or ""),
            model_sha256=str(data.get("model_sha256") or ""),
            policy_sha256=data.get("policy_sha256", ""),
            created=str(data.get("created") or ""),
            user=data.get("user", ""),
            checks=checks,
            measurements=data.get("measurements") or {},
            format=data.get("format", REPORT_FORMAT),
            stored_passed=data.get("passed"),
            stored_verdict=data.get("verdict"),
        )

    def summary(self) -> str:
        n = self.counts()
        return (
            f"{self.verdict.upper()}: {n['pass']} passed, {n['warn']} warnings, {n['fail']} failed"
        )


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, numpy scalars plain numbers, tuples lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return _clean(int(number) if number.is_integer() and "int" in type(value).__name__ else number)


def report_path(run_folder: Path) -> Path:
    return run_folder / GATE_REPORT_FILE


def report_text(report: GateReport) -> str:
    return json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n"


def write_report(run_folder: Path, report: GateReport) -> Path:
    from shipyard.core.workspace.atomic import atomic_write_text

    path = report_path(run_folder)
    atomic_write_text(path, report_text(report))
    return path


def report_problem(data: Any, *, strict: bool = False) -> str:
    """'' when `data` has the gate report's shape, else what is wrong with it.

    Every reader accepts a report whose fields, when present, have the right types.
    `strict` (packaging) also requires format 1 and the fields a package relies on:
    `passed`, `verdict`, `model_sha256` and `checks`.
    """
    if not isinstance(data, dict):
        return "expected a JSON object"
    if strict and data.get("format") != REPORT_FORMAT:
        return f"unknown format {data.get('format')!r} (expected {REPORT_FORMAT})"
    kinds = {"passed": bool, "model_sha256": str, "checks": list, "measurements": dict}
    for key, kind in kinds.items():
        needed = strict and key != "measurements"
        # null reads as absent (a package exported without gating has no model_sha256)
        if (needed or data.get(key) is not None) and not isinstance(data.get(key), kind):
            return f"field '{key}' is missing or not a {kind.__name__}"
    if (strict or data.get("verdict") is not None) and data.get("verdict") not in VERDICTS:
        return f"field 'verdict' must be one of {', '.join(VERDICTS)}"
    for key in ("project", "run_id", "created"):
        if data.get(key) is not None and not isinstance(data[key], str):
            return f"field '{key}' is not a string"
    if not all(isinstance(c, dict) for c in data.get("checks") or []):
        return "field 'checks' holds an entry that is not an object"
    return ""


def read_report(path: Path, *, strict: bool = False) -> GateReport:
    """The gate report at `path`; a damaged one raises ShipyardError naming it and the fix.

    `strict`: also refuse a report that lacks what a package relies on (`report_problem`).
    """
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ShipyardError(
            f"the gate report is damaged: not valid JSON ({exc})", file=path, fix=FIX
        ) from None
    problem = report_problem(data, strict=strict)
    if problem:
        raise ShipyardError(f"the gate report is malformed: {problem}", file=path, fix=FIX)
    try:
        return GateReport.from_json(data)
    except (ValueError, TypeError) as exc:
        raise ShipyardError(f"the gate report is damaged ({exc})", file=path, fix=FIX) from None


def stored_report(run_folder: Path, *, strict: bool = False) -> GateReport | None:
    """The gate report in a run's folder, None when the run was never gated."""
    path = report_path(run_folder)
    return read_report(path, strict=strict) if path.is_file() else None


def load_report(ws: Any, slug: str, run_id: str) -> GateReport | None:
    """The stored report of a run, or None when the run was never gated."""
    from shipyard.core.workspace.run_folders import runs_dir

    return stored_report(runs_dir(ws, slug) / run_id)
