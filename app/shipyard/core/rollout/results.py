"""What a rehearsal returns: per-check verdicts, per-phase decisions, the timeline, the log."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

Verdict = Literal["pass", "hold", "fail", "wait"]
Decision = Literal["promote", "hold", "rollback", "not run"]
Outcome = Literal["promoted", "completed", "held", "rolled_back", "killed"]

CHECK_TITLES = {
    "p95_latency_ms": "p95 latency",
    "error_rate": "Error rate",
    "kpi_delta": "KPI delta vs control",
    "cost_per_1k": "Cost per 1k requests",
}


@dataclass(frozen=True)
class CheckResult:
    key: str
    test: str  # the statistic used, e.g. "Mann–Whitney U"
    value: float | None  # the candidate's figure (for kpi_delta: candidate - control)
    control: float | None
    threshold: float
    unit: str
    p_value: float | None
    effect: float | None
    effect_name: str
    verdict: Verdict
    message: str

    @property
    def title(self) -> str:
        return CHECK_TITLES.get(self.key, self.key)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.key,
            "title": self.title,
            "test": self.test,
            "value": _num(self.value),
            "control": _num(self.control),
            "threshold": self.threshold,
            "unit": self.unit,
            "p_value": _num(self.p_value),
            "effect": _num(self.effect),
            "effect_name": self.effect_name,
            "verdict": self.verdict,
            "message": self.message,
        }


@dataclass
class PhaseResult:
    name: str
    percent: float
    planned_requests: int
    start_minute: float
    end_minute: float  # where it stopped (the rollback moment, when it rolled back)
    requests: int = 0
    candidate_requests: int = 0
    control_requests: int = 0
    decision: Decision = "not run"
    reason: str = ""
    checks: list[CheckResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "percent": self.percent,
            "planned_requests": self.planned_requests,
            "start_minute": round(self.start_minute, 3),
            "end_minute": round(self.end_minute, 3),
            "requests": self.requests,
            "candidate_requests": self.candidate_requests,
            "control_requests": self.control_requests,
            "decision": self.decision,
            "reason": self.reason,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass
class Timeline:
    """One point per bucket (a slice of a phase), at the bucket's end minute."""

    minutes: np.ndarray
    share: np.ndarray  # candidate's share of served traffic, 0..1
    p95_candidate: np.ndarray
    p95_control: np.ndarray
    error_candidate: np.ndarray
    error_control: np.ndarray
    kpi_candidate: np.ndarray  # nan without labels
    kpi_control: np.ndarray
    boundaries: list[tuple[float, str]]  # (start minute, phase name)

    SERIES = (
        "minutes",
        "share",
        "p95_candidate",
        "p95_control",
        "error_candidate",
        "error_control",
        "kpi_candidate",
        "kpi_control",
    )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: [_num(float(v)) for v in getattr(self, k)] for k in self.SERIES}
        data["boundaries"] = [{"minute": round(m, 3), "phase": n} for m, n in self.boundaries]
        return data


@dataclass
class SimulationResult:
    outcome: Outcome
    final_percent: float
    seed: int
    requests: int
    candidate: str
    control: str
    phases: list[PhaseResult]
    timeline: Timeline | None
    log: list[str]
    incidents: list[str] = field(default_factory=list)
    rollback_minute: float | None = None
    rollback_phase: str | None = None
    labelled: bool = True
    request_rate_per_min: float = 600.0

    @property
    def headline(self) -> str:
        if self.outcome == "promoted":
            return "Promoted to full traffic"
        if self.outcome == "completed":
            return f"All phases passed; serving {self.final_percent:g}%"
        if self.outcome == "held":
            return f"Held at {self.final_percent:g}%: a person should look"
        if self.outcome == "killed":
            return "Kill switch engaged: everyone gets the safe default"
        return f"Rolled back in {self.rollback_phase} at {self.rollback_minute:.1f} min"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": 1,
            "outcome": self.outcome,
            "headline": self.headline,
            "final_percent": self.final_percent,
            "rollback_phase": self.rollback_phase,
            "rollback_minute": _num(self.rollback_minute),
            "seed": self.seed,
            "requests": self.requests,
            "candidate": self.candidate,
            "control": self.control,
            "incidents": self.incidents,
            "labelled": self.labelled,
            "request_rate_per_min": self.request_rate_per_min,
            "phases": [p.to_json() for p in self.phases],
            "log": self.log,
            "timeline": self.timeline.to_json() if self.timeline is not None else None,
        }


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 6)
