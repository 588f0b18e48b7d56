"""Saving a review: the record, the stage changes it decides, the sprint's health snapshot.

The caller holds the workspace lock (the window holds it for its session; the CLI takes it
for the command). The record is written first, then each stage change goes through the
one-pager (its own `project.stage` audit entry, with the review's reason), then the
health snapshot, then the audit entries of the review itself.
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
    write_review,
)
from shipyard.core.review.summary import ReviewSummary
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
    record = ReviewRecord(
        date=today,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        user=user,
        since=summary.since.isoformat(timespec="seconds") if summary.since else None,
        decisions=final,
        snapshot=snapshot_of(summary),
        notes=notes,
    )
    path = write_review(ws, record)
    label = path.stem
    for slug, d in final.items():
        target = d.decision.stage
        if target is not None and d.stage_after != d.stage_before:
            set_stage(ws, slug, target, user=user, reason=f"review {label}: {d.reason}")
    from shipyard.core.portfolio.ranking import portfolio

    take_snapshot(ws, portfolio(ws, today), today, reason=f"review {label}", replace=True)
    for slug, d in final.items():
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
    ws.audit.append(
        "review.save",
        f"{path.parent.name}/{path.name}",
        user=user,
        details={
            "decisions": {k.value: sum(d.decision is k for d in final.values()) for k in Decision},
            "projects": len(summary.projects),
        },
    )
    return path
