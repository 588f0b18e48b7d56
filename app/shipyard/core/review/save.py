"""Saving a review: the record, the stage changes it decides, the sprint's health snapshot.

The caller holds the workspace lock (the window holds it for its session; the CLI takes it
for the command). Each stage change goes through the one-pager first (its own
`project.stage` audit entry, with the review's reason), then each decision's entry, then
the sprint's health snapshot; the record is written last, stamped after those entries so
the next review lists only what came after it, and its `review.save` entry is owed
through an audit intent (a crash between the file and the entry is completed on the next
open).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from shipyard.core.portfolio.projects import set_stage
from shipyard.core.review.health_history import take_snapshot
from shipyard.core.review.record import (
    Decision,
    ProjectDecision,
    ProjectSnapshot,
    ReviewRecord,
    check_decisions,
    free_path,
    write_review,
)
from shipyard.core.review.summary import ReviewSummary
from shipyard.core.workspace.recovery import audit_intent
from shipyard.core.workspace.workspace import Workspace


def snapshot_of(summary: ReviewSummary) -> dict[str, ProjectSnapshot]:
    out = {}
    for p in summary.projects:
        op = p.row.onepager
        out[p.slug] = ProjectSnapshot(
            title=p.row.title,
            rank=p.row.rank,
            stage=p.row.stage,
            composite=round(p.row.scores.composite, 3) if p.row.scores else None,
            health=round(p.row.health.score, 1),
            metric=p.status.metric,
            metric_value=p.status.metric_value,
            target=op.primary_metric.target if op else None,
            gate_verdict=p.status.gate_verdict,
        )
    return out


def save_review(
    ws: Workspace,
    summary: ReviewSummary,
    decisions: dict[str, ProjectDecision],
    *,
    user: str,
    notes: str = "",
    today: date | None = None,
) -> Path:
    """Write reviews/<date>.yaml and apply its decisions; returns the record's path."""
    today = today or summary.today
    known = {p.slug for p in summary.projects}
    check_decisions(decisions, known)
    ws.audit.ensure_appendable()
    final: dict[str, ProjectDecision] = {}
    for slug, d in decisions.items():
        before = summary.project(slug).row.stage
        target = d.decision.stage
        after = target.value if target is not None else before
        final[slug] = ProjectDecision(
            decision=d.decision, reason=d.reason.strip(), stage_before=before, stage_after=after
        )
    label = today.isoformat()
    for slug, d in final.items():
        target = d.decision.stage
        if target is not None and d.stage_after != d.stage_before:
            set_stage(ws, slug, target, user=user, reason=f"review {label}: {d.reason}")
        ws.audit.append(
            "review.decision",
            slug,
            user=user,
            reason=d.reason,
            details={
                "decision": d.decision.value,
                "review": label,
                "stage": [d.stage_before, d.stage_after],
            },
        )
    from shipyard.core.portfolio.ranking import portfolio

    take_snapshot(ws, portfolio(ws, today), today, reason=f"review {label}", replace=True)
    # Stamped after the decisions' own entries: the next review lists what came after it.
    record = ReviewRecord(
        date=today,
        created=datetime.now(UTC),
        user=user,
        since=summary.since.isoformat(timespec="seconds") if summary.since else None,
        decisions=final,
        snapshot=snapshot_of(summary),
        notes=notes,
    )
    path = free_path(ws, today)
    details = {
        "decisions": {k.value: sum(d.decision is k for d in final.values()) for k in Decision},
        "projects": len(summary.projects),
    }
    target_name = f"{path.parent.name}/{path.name}"
    intent = audit_intent(ws, path, "review.save", target_name, user=user, details=details)
    write_review(ws, record, path)
    ws.audit.append("review.save", target_name, user=user, details=details)
    intent.done()
    return path
