"""A per-project health score, 0–100, built from signals about the project's real state.

Each signal is a small function registered in HEALTH_SIGNALS; later features (gates, drift,
flags) add theirs with `register_signal` and the score picks them up. A signal may return
None when it has nothing to say (e.g. no gate report yet), and then it does not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from shipyard.core.portfolio.onepager_model import OnePager, Stage, completeness, missing_key_fields
from shipyard.core.workspace.workspace import ProjectEntry


@dataclass(frozen=True)
class HealthContext:
    entry: ProjectEntry
    today: date

    @property
    def onepager(self) -> OnePager | None:
        return self.entry.doc.onepager if self.entry.doc else None


@dataclass(frozen=True)
class Signal:
    key: str
    label: str
    score: float  # 0 (bad) .. 1 (good)
    weight: float
    detail: str


@dataclass(frozen=True)
class Health:
    score: float  # 0..100
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    @property
    def band(self) -> str:
        return "good" if self.score >= 75 else "fair" if self.score >= 50 else "poor"

    def explain(self) -> str:
        return "\n".join(f"{s.label}: {round(s.score * 100)} — {s.detail}" for s in self.signals)


SignalFn = Callable[[HealthContext], Signal | None]
HEALTH_SIGNALS: list[SignalFn] = []


def register_signal(fn: SignalFn) -> SignalFn:
    HEALTH_SIGNALS.append(fn)
    return fn


# How long a project may sit in a stage before it looks stuck (days); None = no limit.
STAGE_LIMITS: dict[Stage, int | None] = {
    Stage.IDEA: 30,
    Stage.DISCOVERY: 28,
    Stage.MVP: 56,
    Stage.SHADOW: 21,
    Stage.CANARY: 14,
    Stage.PROGRESSIVE: 21,
    Stage.FULL: None,
    Stage.PAUSED: 60,
    Stage.SUNSET: None,
}
REVIEW_GRACE_DAYS = 30


@register_signal
def completeness_signal(ctx: HealthContext) -> Signal | None:
    op = ctx.onepager
    if op is None:
        return None
    share = completeness(op)
    missing = missing_key_fields(op)
    detail = "all key fields filled" if not missing else "missing: " + ", ".join(missing)
    return Signal("completeness", "One-pager", share, 1.0, detail)


@register_signal
def review_signal(ctx: HealthContext) -> Signal | None:
    op = ctx.onepager
    if op is None or op.stage is Stage.SUNSET:
        return None
    review = op.dates.review
    if review is None:
        return Signal("review", "Review date", 0.5, 1.0, "no review date set")
    overdue = (ctx.today - review).days
    if overdue <= 0:
        return Signal("review", "Review date", 1.0, 1.0, f"next review in {-overdue} days")
    score = max(0.0, 1 - overdue / REVIEW_GRACE_DAYS)
    return Signal("review", "Review date", score, 1.0, f"review {overdue} days overdue")


@register_signal
def stage_age_signal(ctx: HealthContext) -> Signal | None:
    op = ctx.onepager
    if op is None or op.stage_since is None:
        return None
    limit = STAGE_LIMITS.get(op.stage)
    age = (ctx.today - op.stage_since).days
    if limit is None:
        return Signal("stage_age", "Stage age", 1.0, 0.5, f"{op.stage.value} for {age} days")
    score = 1.0 if age <= limit else max(0.0, 1 - (age - limit) / (2 * limit))
    detail = f"{op.stage.value} for {age} days (expected at most {limit})"
    return Signal("stage_age", "Stage age", score, 1.0, detail)


def project_health(entry: ProjectEntry, today: date | None = None) -> Health:
    if entry.doc is None:
        reason = str(entry.error) if entry.error else "the one-pager cannot be read"
        return Health(0.0, (Signal("readable", "One-pager", 0.0, 1.0, reason),))
    ctx = HealthContext(entry, today or date.today())
    signals = tuple(s for fn in HEALTH_SIGNALS if (s := fn(ctx)) is not None)
    total = sum(s.weight for s in signals)
    score = 100 * sum(s.score * s.weight for s in signals) / total if total else 100.0
    return Health(round(score, 1), signals)
