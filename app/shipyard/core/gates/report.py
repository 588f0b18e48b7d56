"""The gate report, stored per run as `runs/<run_id>/gate_report.json` (shared format 1).

Other features read it: packaging requires `passed` and `model_sha256`, rollout reads
`measurements`. Measurements that were not taken are left out.
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
VERDICTS = ("pass", "warn", "fail")


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

    @property
    def passed(self) -> bool:
        """Every required check passed (warnings never block)."""
        return not any(c.verdict == "fail" for c in self.checks if c.required)

    @property
    def verdict(self) -> str:
        verdicts = {c.verdict for c in self.checks}
        if not self.passed:
            return "fail"
        return "warn" if verdicts - {"pass"} else "pass"

    def counts(self) -> dict[str, int]:
        return {v: sum(c.verdict == v for c in self.checks) for v in VERDICTS}

    def check(self, check_id: str) -> CheckResult:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        return _clean(
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GateReport:
        known = set(CheckResult.__dataclass_fields__)
        return cls(
            project=data["project"],
            run_id=data["run_id"],
            model_sha256=data["model_sha256"],
            policy_sha256=data.get("policy_sha256", ""),
            created=data.get("created", ""),
            user=data.get("user", ""),
            checks=[
                CheckResult(**{k: v for k, v in c.items() if k in known})
                for c in data.get("checks", [])
            ],
            measurements=data.get("measurements", {}),
            format=data.get("format", REPORT_FORMAT),
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


def read_report(path: Path) -> GateReport:
    try:
        return GateReport.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ShipyardError(
            f"the gate report is damaged ({exc})",
            file=path,
            fix="run the gates again to replace it",
        ) from None


def load_report(ws: Any, slug: str, run_id: str) -> GateReport | None:
    """The stored report of a run, or None when the run was never gated."""
    from shipyard.core.training.runs import runs_dir

    path = report_path(runs_dir(ws, slug) / run_id)
    return read_report(path) if path.is_file() else None
