"""The Review page's background jobs: plain functions `fn(job, ...)` run by BackgroundTask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shipyard.core.jobs import JobControl
    from shipyard.core.review.record import ProjectDecision
    from shipyard.core.review.summary import ReviewSummary
    from shipyard.core.workspace.workspace import Workspace


def build(job: JobControl, ws: Workspace, since: str | date | None, today: date) -> ReviewSummary:
    """Read everything the review shows (a second or so: drift compares data versions)."""
    from shipyard.core.review.summary import build_review

    job.progress(0.1, "Reading the portfolio, the audit log and the health history…")
    summary = build_review(ws, since, today)
    job.progress(1.0, "")
    return summary


@dataclass(frozen=True)
class Saved:
    path: Path
    stage_changes: list[tuple[str, str, str]]  # (slug, before, after)


def save(
    job: JobControl,
    ws: Workspace,
    summary: ReviewSummary,
    decisions: dict[str, ProjectDecision],
    user: str,
    notes: str = "",
) -> Saved:
    """Write reviews/<date>.yaml, move the stages it decides and take the health snapshot."""
    from shipyard.core.review.record import load_review
    from shipyard.core.review.save import save_review

    job.progress(0.2, "Saving the review…")
    path = save_review(ws, summary, decisions, user=user, notes=notes)
    record = load_review(path)
    changes = [
        (slug, d.stage_before, d.stage_after)
        for slug, d in record.decisions.items()
        if d.stage_before != d.stage_after
    ]
    return Saved(path, changes)


def export_html(
    job: JobControl,
    summary: ReviewSummary,
    workspace_name: str,
    decisions: dict[str, ProjectDecision],
    out: Path,
) -> Path:
    from shipyard.core.review.report_html import review_html
    from shipyard.core.workspace.atomic import atomic_write_text

    job.progress(0.3, "Writing the HTML report…")
    atomic_write_text(out, review_html(summary, workspace_name=workspace_name, decisions=decisions))
    job.progress(1.0, "")
    return out


def export_pdf(
    job: JobControl,
    summary: ReviewSummary,
    workspace_name: str,
    decisions: dict[str, ProjectDecision],
    out: Path,
    page_size: str,
) -> tuple[Path, int]:
    """Lay the report out with Qt's PDF writer (on the job thread: it paints on no screen)."""
    from shipyard.core.review.report_pages import review_pages
    from shipyard.ui.review.pdf import write_pdf

    pages = review_pages(summary, workspace_name, decisions)
    job.progress(0.2, f"Laying out {len(pages)} pages ({page_size})…")
    job.check()
    title = f"Portfolio review — {workspace_name} — {summary.today}"
    sheets = write_pdf(pages, out, page_size, title)
    job.progress(1.0, "")
    return out, sheets


def describe_since(summary: ReviewSummary) -> str:
    since: datetime | None = summary.since
    return (
        f"since the review of {since:%d %b %Y}" if since else "since the start (no earlier review)"
    )


__all__ = ["Saved", "build", "describe_since", "export_html", "export_pdf", "save"]
