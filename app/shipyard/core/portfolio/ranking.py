"""The portfolio: every project with its priority scores and health, ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shipyard.core.portfolio.health import Health, project_health
from shipyard.core.portfolio.onepager_model import OnePager
from shipyard.core.portfolio.scoring import PriorityScores, score
from shipyard.core.workspace.workspace import ProjectEntry, Workspace

RANK_KEYS = ("composite", "rice", "ice", "wsjf", "health")


@dataclass(frozen=True)
class PortfolioRow:
    slug: str
    title: str
    onepager: OnePager | None
    scores: PriorityScores | None
    health: Health
    error: str = ""
    rank: int = 0

    @property
    def stage(self) -> str:
        return self.onepager.stage.value if self.onepager else "—"

    def value(self, key: str) -> float:
        if key == "health":
            return self.health.score
        return getattr(self.scores, key) if self.scores else float("-inf")


def row_for(entry: ProjectEntry, today: date | None = None) -> PortfolioRow:
    op = entry.doc.onepager if entry.doc else None
    return PortfolioRow(
        slug=entry.slug,
        title=entry.title,
        onepager=op,
        scores=score(op) if op else None,
        health=project_health(entry, today),
        error=str(entry.error) if entry.error else "",
    )


def rank(rows: list[PortfolioRow], by: str = "composite") -> list[PortfolioRow]:
    """Highest first; ties broken by WSJF, then title. Ranks start at 1."""
    if by not in RANK_KEYS:
        raise ValueError(f"cannot rank by '{by}'; use one of {', '.join(RANK_KEYS)}")
    ordered = sorted(rows, key=lambda r: (-r.value(by), -r.value("wsjf"), r.title.lower()))
    return [
        PortfolioRow(r.slug, r.title, r.onepager, r.scores, r.health, r.error, i)
        for i, r in enumerate(ordered, start=1)
    ]


def portfolio(
    ws: Workspace, today: date | None = None, by: str = "composite"
) -> list[PortfolioRow]:
    return rank([row_for(entry, today) for entry in ws.projects()], by)
