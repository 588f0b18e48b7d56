"""A saved review: the decisions taken and the numbers they were based on.

`reviews/<date>.yaml` holds, per project, the decision (continue / pivot / pause / sunset)
with its reason and the stage before and after, and a snapshot of what the room saw: rank,
composite score, health, the champion's primary metric against its target, the gate
verdict. The next review compares against it. Saving applies the stage changes through the
one-pager (so each gets its `project.stage` audit entry), takes the sprint's health
snapshot, and appends a `review.decision` entry per project and one `review.save`.

Decisions and stages: continue keeps the stage; pivot sends the project back to discovery
(a new hypothesis needs new evidence); pause and sunset move it to those stages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shipyard.core.errors import ShipyardError
from shipyard.core.portfolio.vocabulary import Stage
from shipyard.core.workspace.layout import REVIEWS_DIR
from shipyard.core.workspace.workspace import Workspace
from shipyard.core.workspace.yaml_file import load_yaml_model, write_yaml

REVIEW_FORMAT = 1
HEADER = (
    "A portfolio review saved by Shipyard: the decisions and the numbers they were based on.\n"
    "The next review compares against this file; edit the reasons if you must, not the numbers."
)


class Decision(StrEnum):
    CONTINUE = "continue"
    PIVOT = "pivot"
    PAUSE = "pause"
    SUNSET = "sunset"

    @property
    def stage(self) -> Stage | None:
        """The stage this decision moves a project to (None: it keeps its stage)."""
        return {
            Decision.CONTINUE: None,
            Decision.PIVOT: Stage.DISCOVERY,
            Decision.PAUSE: Stage.PAUSED,
            Decision.SUNSET: Stage.SUNSET,
        }[self]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ProjectDecision(_Part):
    decision: Decision
    reason: str = ""
    stage_before: str = ""
    stage_after: str = ""


class ProjectSnapshot(_Part):
    title: str = ""
    rank: int = 0
    stage: str = ""
    composite: float | None = None
    health: float | None = None
    metric: str = ""
    metric_value: float | None = None
    target: float | None = None
    gate_verdict: str | None = None


class ReviewRecord(_Part):
    schema_version: int = Field(default=REVIEW_FORMAT, alias="schema", ge=1, le=REVIEW_FORMAT)
    date: date
    created: datetime
    user: str
    since: str | None = None
    decisions: dict[str, ProjectDecision] = Field(default_factory=dict)
    snapshot: dict[str, ProjectSnapshot] = Field(default_factory=dict)
    notes: str = ""

    @property
    def created_at(self) -> datetime:
        when = self.created
        return when if when.tzinfo else when.replace(tzinfo=UTC)


HINTS = {
    "decisions.decision": "use continue, pivot, pause or sunset",
    "date": "write the date as YYYY-MM-DD",
    "created": "write the time as 2026-12-07T10:30:00+00:00",
    "schema": f"use schema: {REVIEW_FORMAT}",
}


def reviews_dir(ws: Workspace) -> Path:
    return ws.root / REVIEWS_DIR


def load_review(path: Path) -> ReviewRecord:
    return load_yaml_model(path, ReviewRecord, hints=HINTS)


def list_reviews(ws: Workspace) -> list[tuple[Path, ReviewRecord]]:
    """Saved reviews, oldest first (by creation time). A damaged file raises, naming it."""
    folder = reviews_dir(ws)
    found = [(path, load_review(path)) for path in sorted(folder.glob("*.yaml"))]
    return sorted(found, key=lambda item: item[1].created_at)


def latest_review(ws: Workspace) -> tuple[Path, ReviewRecord] | None:
    reviews = list_reviews(ws)
    return reviews[-1] if reviews else None


def free_path(ws: Workspace, day: date) -> Path:
    folder = reviews_dir(ws)
    path = folder / f"{day.isoformat()}.yaml"
    n = 2
    while path.exists():
        path = folder / f"{day.isoformat()}-{n}.yaml"
        n += 1
    return path


def check_decisions(decisions: dict[str, ProjectDecision], known: set[str]) -> None:
    for slug, d in decisions.items():
        if slug not in known:
            raise ShipyardError(
                f"there is no project '{slug}' to decide on",
                fix=f"use one of: {', '.join(sorted(known))}",
            )
        if d.decision is not Decision.CONTINUE and not d.reason.strip():
            raise ShipyardError(
                f"the decision to {d.decision.value} '{slug}' needs a reason",
                fix="say in a sentence why, e.g. 'costs more than it returns'",
            )


def write_review(ws: Workspace, record: ReviewRecord, path: Path | None = None) -> Path:
    path = path or free_path(ws, record.date)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_yaml(path, record.model_dump(mode="json", by_alias=True), header=HEADER)
    return path
