"""One health snapshot per sprint, as plain JSON files under reviews/health/.

A snapshot is taken when a review is saved and on the first open of the window after a
sprint boundary, from the same signals as the live score, so the trend a review shows is
the score people saw at the time. Files are keyed by the sprint's first day; a damaged file
is skipped and named, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shipyard.core.portfolio.ranking import PortfolioRow
from shipyard.core.review.sprints import sprint_start
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.layout import HEALTH_HISTORY_DIR
from shipyard.core.workspace.workspace import Workspace

SNAPSHOT_FORMAT = 1


class ProjectHealthPoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    health: float = Field(ge=0, le=100)
    band: str = ""
    stage: str = ""


class HealthSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: int = Field(default=SNAPSHOT_FORMAT, ge=1, le=SNAPSHOT_FORMAT)
    sprint_start: date
    taken: str
    reason: str = ""
    projects: dict[str, ProjectHealthPoint] = Field(default_factory=dict)


def last_change(values: Sequence[float]) -> float | None:
    """The change since the previous snapshot (None with fewer than two)."""
    return values[-1] - values[-2] if len(values) >= 2 else None


@dataclass
class HealthHistory:
    """Per project, (sprint start, health) oldest first; `problems` names skipped files."""

    points: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def of(self, slug: str) -> list[tuple[date, float]]:
        return self.points.get(slug, [])

    def trend(self, slug: str) -> float | None:
        """Change since the previous snapshot (None with fewer than two)."""
        return last_change([v for _, v in self.of(slug)])


def history_dir(ws: Workspace) -> Path:
    return ws.root / HEALTH_HISTORY_DIR


def snapshot_path(ws: Workspace, start: date) -> Path:
    return history_dir(ws) / f"{start.isoformat()}.json"


def take_snapshot(
    ws: Workspace,
    rows: list[PortfolioRow],
    today: date,
    *,
    reason: str,
    replace: bool = False,
) -> Path | None:
    """Write the snapshot of `today`'s sprint; None when one exists and `replace` is False."""
    start = sprint_start(today, ws.config.portfolio)
    path = snapshot_path(ws, start)
    if path.exists() and not replace:
        return None
    snap = HealthSnapshot(
        sprint_start=start,
        taken=datetime.now(UTC).isoformat(timespec="seconds"),
        reason=reason,
        projects={
            r.slug: ProjectHealthPoint(
                health=round(r.health.score, 1), band=r.health.band, stage=r.stage
            )
            for r in rows
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(snap.model_dump(mode="json"), indent=1) + "\n")
    return path


def snapshot_due(ws: Workspace, today: date) -> bool:
    return not snapshot_path(ws, sprint_start(today, ws.config.portfolio)).exists()


def load_history(
    ws: Workspace, live: list[PortfolioRow] | None = None, today: date | None = None
) -> HealthHistory:
    """Every snapshot, oldest first; with `live`, today's scores close each series."""
    out = HealthHistory()
    folder = history_dir(ws)
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    for path in files:
        try:
            snap = HealthSnapshot.model_validate(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            out.problems.append(f"{path.name}: skipped ({first})")
            continue
        for slug, point in snap.projects.items():
            out.points.setdefault(slug, []).append((snap.sprint_start, point.health))
    if live is not None:
        start = sprint_start(today or date.today(), ws.config.portfolio)
        for row in live:
            series = out.points.setdefault(row.slug, [])
            series[:] = [p for p in series if p[0] != start]
            series.append((start, round(row.health.score, 1)))
    for series in out.points.values():
        series.sort()
    return out
