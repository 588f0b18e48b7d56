"""A per-project health score, 0–100, built from signals about the project's real state.

Each signal is a small function (portfolio/signal.py says what it is given and answers).
`HEALTH_SIGNALS` lists every one the score uses, here and nowhere else: the one-pager's
three below, whether a live stage has its evidence (portfolio/evidence_signal.py), the
latest gate verdict (gates/health_signal.py) and stale feature flags
(rollout/flags_health.py). Importing a module never adds a signal, so the score does not
depend on what happened to be imported. A signal may return None when it has nothing to
say (e.g. no gate report yet), and then it does not count. `register_signal` adds one more
signal (an extension, or a test) to the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shipyard.core.gates.health_signal import gates_signal
from shipyard.core.portfolio.evidence_signal import evidence_signal
from shipyard.core.portfolio.onepager_model import Stage, completeness, missing_key_fields
from shipyard.core.portfolio.signal import HealthContext, Signal, SignalFn
from shipyard.core.rollout.flags_health import flags_signal
from shipyard.core.workspace.workspace import ProjectEntry

__all__ = [
    "HEALTH_SIGNALS",
    "REVIEW_GRACE_DAYS",
    "STAGE_LIMITS",
    "Health",
    "HealthContext",
    "Signal",
    "SignalFn",
    "builtin_signals",
    "completeness_signal",
    "project_health",
    "register_signal",
    "review_signal",
    "stage_age_signal",
]


@dataclass(frozen=True)
class Health:
    score: float  # 0..100
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    @property
    def band(self) -> str:
        return "good" if self.score >= 75 else "fair" if self.score >= 50 else "poor"

    def explain(self) -> str:
        return "\n".join(f"{s.label}: {round(s.score * 100)} — {s.detail}" for s in self.signals)


def register_signal(fn: SignalFn) -> SignalFn:
    """Add one more signal to the score (the built-in ones are listed in HEALTH_SIGNALS)."""
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


def completeness_signal(ctx: HealthContext) -> Signal | None:
    op = ctx.onepager
    if op is None:
        return None
    share = completeness(op)
    missing = missing_key_fields(op)
    detail = "all key fields filled" if not missing else "missing: " + ", ".join(missing)
    return Signal("completeness", "One-pager", share, 1.0, detail)


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


def builtin_signals() -> tuple[SignalFn, ...]:
    """Every signal the score uses, in the order they are shown."""
    return (
        completeness_signal,
        review_signal,
        stage_age_signal,
        evidence_signal,
        gates_signal,
        flags_signal,
    )


HEALTH_SIGNALS: list[SignalFn] = list(builtin_signals())


def project_health(entry: ProjectEntry, today: date | None = None) -> Health:
    if entry.doc is None:
        reason = str(entry.error) if entry.error else "the one-pager cannot be read"
        return Health(0.0, (Signal("readable", "One-pager", 0.0, 1.0, reason),))
    ctx = HealthContext(entry, today or date.today())
    signals = tuple(s for fn in HEALTH_SIGNALS if (s := fn(ctx)) is not None)
    total = sum(s.weight for s in signals)
    score = 100 * sum(s.score * s.weight for s in signals) / total if total else 100.0
    return Health(round(score, 1), signals)
