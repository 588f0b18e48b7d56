"""The review's view of the portfolio: one row per project with everything a decision needs.

Per project: rank, scores and health with its trend, the champion's primary metric against
the one-pager target (with its 95% interval when the gate measured one), the latest gate
verdict, the stage, stale flags, data drift since the project's data version, the cost per
1,000 requests, and what changed since the last review. Reading never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.report import GateReport
from shipyard.core.portfolio.project_status import ProjectStatus, project_status
from shipyard.core.portfolio.ranking import PortfolioRow, portfolio
from shipyard.core.review.capacity import Capacity, CostRow, capacity, cost_rows
from shipyard.core.review.changes import Change, changes_since, links_by_project
from shipyard.core.review.health_history import HealthHistory, last_change, load_history
from shipyard.core.review.record import ReviewRecord, latest_review
from shipyard.core.workspace.workspace import Workspace


@dataclass
class ReviewProject:
    row: PortfolioRow
    status: ProjectStatus
    changes: list[Change]
    health_points: list[tuple[date, float]]
    metric_words: str = ""  # "ROC AUC 0.86, target 0.75: above target"
    drift: str = ""  # "none" | "moderate" | "major" | "" when not measured
    drift_detail: str = ""
    cost_per_1k: float | None = None
    currency: str = ""
    previous: dict[str, Any] | None = None  # this project's row in the last review

    @property
    def slug(self) -> str:
        return self.row.slug

    @property
    def health_trend(self) -> float | None:
        return last_change([v for _, v in self.health_points])


@dataclass
class ReviewSummary:
    today: date
    since: datetime | None
    last_review: ReviewRecord | None
    projects: list[ReviewProject]
    capacity: Capacity
    costs: list[CostRow]
    problems: list[str] = field(default_factory=list)

    def project(self, slug: str) -> ReviewProject:
        for p in self.projects:
            if p.slug == slug:
                return p
        raise KeyError(slug)


def _since(ws: Workspace, since: str | date | datetime | None) -> tuple[datetime | None, Any]:
    """`last` (the default): the last saved review; a date; or None for everything."""
    last = latest_review(ws)
    record = last[1] if last else None
    if since in (None, "last"):
        return (record.created_at if record else None), record
    if since == "all":
        return None, record
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=UTC), record
    if isinstance(since, date):
        return datetime(since.year, since.month, since.day, tzinfo=UTC), record
    try:
        day = date.fromisoformat(str(since))
    except ValueError:
        raise ShipyardError(
            f"'{since}' is not a date",
            fix="use --since YYYY-MM-DD, --since last (the last saved review) or --since all",
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC), record


def _gate_report(ws: Workspace, slug: str, status: ProjectStatus) -> GateReport | None:
    """The report behind the status's gate verdict (None when none or unreadable: the
    status already names a damaged file in its problems)."""
    from shipyard.core.gates.report import load_report

    if not status.gate_run:
        return None
    try:
        return load_report(ws, slug, status.gate_run)
    except ShipyardError:
        return None


def _metric_words(row: PortfolioRow, status: ProjectStatus, report: GateReport | None) -> str:
    from shipyard.core.training.leaderboard import direction_of, metric_label

    if status.metric_value is None or not status.metric:
        return "no champion yet" if status.runs else "no runs yet"
    if report is not None and status.gate_run == status.champion:
        for check in report.checks:
            summary = check.evidence.get("interval_summary")
            if isinstance(summary, str) and summary:
                return summary
    label = metric_label(status.metric)
    op = row.onepager
    target = op.primary_metric.target if op else None
    value = f"{label} {status.metric_value:.3g}"
    if target is None:
        return f"{value}, no target in the one-pager"
    good = (status.metric_value >= target) == (direction_of(status.metric) == "maximize")
    return f"{value}, target {target:g}: {'meets' if good else 'misses'} target"


def _cost(report: GateReport | None) -> tuple[float | None, str]:
    if report is None:
        return None, ""
    value = report.measurements.get("cost_per_1k")
    currency = ""
    for check in report.checks:
        if check.kind == "cost":
            currency = str(check.evidence.get("currency", "")) or check.unit.split(" ")[0]
    return (float(value) if isinstance(value, int | float) else None), currency


def _drift(ws: Workspace, links: list[Any]) -> tuple[str, str]:
    """Drift between the version the project trains on and the newest version of that
    dataset; '' when there is no newer version."""
    from shipyard.core.data.catalog import list_versions, resolve
    from shipyard.core.data.drift import compare_versions

    try:
        versions = [resolve(ws, link.ref) for link in links]
    except ShipyardError:
        return "", ""
    for version in versions:
        newest = list_versions(ws, version.name)[-1]
        if newest.ref == version.ref:
            continue
        report = compare_versions(version, newest)
        moved = [c.column for c in report.columns if c.severity != "none"]
        detail = f"{version.ref} → {newest.ref}: " + (
            f"{len(moved)} column{'s' if len(moved) != 1 else ''} moved ({', '.join(moved[:3])})"
            if moved
            else "no column moved"
        )
        return report.worst, detail
    return "", ""


def build_review(
    ws: Workspace,
    since: str | date | datetime | None = "last",
    today: date | None = None,
    *,
    with_drift: bool = True,
) -> ReviewSummary:
    today = today or date.today()
    since_at, last = _since(ws, since)
    rows = portfolio(ws, today)
    history: HealthHistory = load_history(ws, live=rows, today=today)
    links = links_by_project(ws)
    changes = changes_since(ws, since_at, links)
    problems = list(history.problems)
    projects: list[ReviewProject] = []
    for row in rows:
        status = project_status(ws, row.slug, today)
        problems += [f"{row.slug}: {p}" for p in status.problems]
        report = _gate_report(ws, row.slug, status)
        cost, currency = _cost(report)
        drift, detail = _drift(ws, links.get(row.slug, [])) if with_drift else ("", "")
        previous = last.snapshot.get(row.slug) if last else None
        projects.append(
            ReviewProject(
                row=row,
                status=status,
                changes=changes.get(row.slug, []),
                health_points=history.of(row.slug),
                metric_words=_metric_words(row, status, report),
                drift=drift,
                drift_detail=detail,
                cost_per_1k=cost,
                currency=currency,
                previous=previous.model_dump() if previous else None,
            )
        )
    cap = capacity(ws.config.team, [p.row for p in projects])
    costs = cost_rows([(p.row, p.cost_per_1k, p.currency) for p in projects])
    return ReviewSummary(today, since_at, last, projects, cap, costs, problems)
