"""The ranked review table: one row per project with what a decision needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from shipyard.core.review.health_history import last_change
from shipyard.ui.review.sparkline import POINTS_ROLE, health_colour, trend_text

if TYPE_CHECKING:
    from shipyard.core.review.record import ProjectDecision
    from shipyard.core.review.summary import ReviewProject

SLUG_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2
_Index = QModelIndex | QPersistentModelIndex
POOR, FAIR, GOOD = "#d64545", "#d49a1c", "#2e9e5b"
VERDICT_COLOURS = {"pass": GOOD, "warn": FAIR, "fail": POOR}
DECISION_COLOURS = {"continue": GOOD, "pivot": FAIR, "pause": POOR, "sunset": POOR}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    tip: str
    numeric: bool = False


COLUMNS = (
    Column("rank", "#", "Rank by priority (impact × confidence ÷ effort)", True),
    Column("title", "Project", "Project title"),
    Column("stage", "Stage", "Rollout stage from the one-pager"),
    Column("health", "Health", "0–100 from the same signals as the portfolio", True),
    Column("trend", "Trend", "Health at each sprint boundary (newest right) and its change"),
    Column("metric", "Primary metric", "The champion's primary metric against the one-pager target"),
    Column("gates", "Gates", "The latest gate verdict"),
    Column("flags", "Flags", "Stale feature flags and data drift"),
    Column("cost", "Cost / 1k", "Cost per 1,000 requests measured by the gates", True),
    Column("changes", "Changes", "Changes since the chosen date", True),
    Column("decision", "Decision", "This review's decision (not saved yet)"),
)  # fmt: skip
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}


def flags_text(p: ReviewProject) -> str:
    parts = []
    if p.status.stale_flags:
        n = len(p.status.stale_flags)
        parts.append(f"{n} stale flag{'s' if n != 1 else ''}")
    if p.drift and p.drift != "none":
        parts.append(f"{p.drift} drift")
    return ", ".join(parts)


def cost_text(p: ReviewProject) -> str:
    if p.cost_per_1k is None:
        return "—"
    return f"{p.cost_per_1k:,.3g}"


class ReviewTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._projects: list[ReviewProject] = []
        self._decisions: dict[str, ProjectDecision] = {}

    def set_projects(self, projects: list[ReviewProject]) -> None:
        self.beginResetModel()
        self._projects = list(projects)
        self.endResetModel()

    def set_decisions(self, decisions: dict[str, ProjectDecision]) -> None:
        self._decisions = decisions
        if self._projects:
            col = COLUMN_INDEX["decision"]
            self.dataChanged.emit(self.index(0, col), self.index(len(self._projects) - 1, col))

    def project_at(self, row: int) -> ReviewProject:
        return self._projects[row]

    def row_of(self, slug: str) -> int:
        return next((i for i, p in enumerate(self._projects) if p.slug == slug), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._projects)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        col = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _align(col)
        return None

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        p = self._projects[index.row()]
        col = COLUMNS[index.column()]
        key = col.key
        if role == SLUG_ROLE:
            return p.slug
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _align(col)
        values = [v for _, v in p.health_points] or [p.row.health.score]
        if role == POINTS_ROLE and key == "trend":
            return values
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(p, key, values)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(p, key)
        if role == Qt.ItemDataRole.FontRole and key in ("title", "decision"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(p, key, values)
        return None

    def _text(self, p: ReviewProject, key: str, values: list[float]) -> str:
        d = self._decisions.get(p.slug)
        return {
            "rank": str(p.row.rank),
            "title": p.row.title.split(" — ")[0],
            "stage": p.row.stage,
            "health": f"{p.row.health.score:.0f}",
            "trend": trend_text(last_change(values)),
            "metric": p.metric_words,
            "gates": p.status.gate_verdict or "—",
            "flags": flags_text(p) or "—",
            "cost": cost_text(p),
            "changes": str(len(p.changes)),
            "decision": d.decision.value if d else "",
        }[key]

    def _colour(self, p: ReviewProject, key: str) -> QColor | None:
        if key == "health":
            return health_colour(p.row.health.score)
        if key == "gates" and p.status.gate_verdict in VERDICT_COLOURS:
            return QColor(VERDICT_COLOURS[p.status.gate_verdict])
        if key == "flags" and flags_text(p):
            return QColor(FAIR)
        if key == "metric" and "misses" in p.metric_words:
            return QColor(POOR)
        if key == "decision":
            d = self._decisions.get(p.slug)
            return QColor(DECISION_COLOURS[d.decision.value]) if d else None
        return None

    def _tip(self, p: ReviewProject, key: str, values: list[float]) -> str | None:
        if key == "health":
            return p.row.health.explain()
        if key == "trend":
            if len(values) < 2:
                return "One health score so far: the trend starts at the next sprint boundary."
            return "Health by sprint: " + " → ".join(f"{v:.0f}" for v in values[-8:])
        if key == "metric":
            return p.metric_words
        if key == "cost" and p.cost_per_1k is not None:
            return f"{p.cost_per_1k:,.4g} {p.currency} per 1,000 requests (measured by the gates)"
        if key == "flags":
            parts = [f"stale: {', '.join(p.status.stale_flags)}"] if p.status.stale_flags else []
            if p.drift_detail:
                parts.append(f"drift {p.drift}: {p.drift_detail}")
            return "\n".join(parts) or "No stale flags; no drift measured."
        if key == "decision":
            d = self._decisions.get(p.slug)
            return f"{d.decision.value}: {d.reason}" if d else "No decision yet"
        if key == "title":
            outcome = p.row.onepager.outcome if p.row.onepager else ""
            return f"{p.row.title}\n{outcome}".strip()
        return None


def _align(col: Column) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if col.numeric else Qt.AlignmentFlag.AlignLeft
    return int((horizontal | Qt.AlignmentFlag.AlignVCenter).value)
