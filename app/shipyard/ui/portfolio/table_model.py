"""Qt item models over the portfolio rows: a table model and a filtering proxy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from shipyard.core.review.health_history import last_change

# The health trend column: its scores at each sprint boundary, drawn as a sparkline.
from shipyard.ui.review.sparkline import POINTS_ROLE, trend_text

if TYPE_CHECKING:
    from shipyard.core.portfolio.ranking import PortfolioRow


# Plain ints: PySide's enum lookups cost microseconds each, and data() runs per cell.
DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
FONT = int(Qt.ItemDataRole.FontRole.value)
SORT_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
SLUG_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2
_HORIZONTAL = Qt.Orientation.Horizontal
_HANDLED = {DISPLAY, TOOLTIP, ALIGN, FOREGROUND, FONT, SORT_ROLE, SLUG_ROLE, POINTS_ROLE}
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    tip: str
    numeric: bool = False
    decimals: int = 1


COLUMNS = (
    Column("rank", "#", "Rank by the chosen score", True, 0),
    Column("title", "Project", "Project title"),
    Column("stage", "Stage", "idea → discovery → MVP → shadow → canary → progressive → full"),
    Column("owner", "Owner", "Owner from the one-pager"),
    Column("risk", "Risk", "Risk level from the one-pager"),
    Column("reach", "Reach", "People or requests per quarter", True, 0),
    Column("impact", "Impact", "0–5", True, 1),
    Column("confidence", "Conf.", "Confidence, 0–5", True, 1),
    Column("effort", "Effort", "0–5, higher costs more", True, 1),
    Column("rice", "RICE", "Reach × Impact × Confidence/5 ÷ FTE weeks", True, 0),
    Column("ice", "ICE", "Impact × Confidence × (5 − Effort)", True, 1),
    Column("wsjf", "WSJF", "(Impact + Time criticality + Risk reduction) ÷ Effort", True, 2),
    Column("composite", "Priority", "Impact × Confidence ÷ Effort", True, 2),
    Column("health", "Health", "0–100 from one-pager completeness, review date, stage age", True, 0),
    Column("trend", "Trend", "Health at each sprint boundary (newest right) and its change since the previous one"),
)  # fmt: skip
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}

RISK_COLOURS = {"low": "#2e9e5b", "medium": "#d49a1c", "high": "#d64545"}


@cache
def _bold() -> QFont:
    # Built on first use: a QFont needs the application object to exist.
    font = QFont()
    font.setBold(True)
    return font


def health_colour(score: float) -> QColor:
    return QColor("#2e9e5b" if score >= 75 else "#d49a1c" if score >= 50 else "#d64545")


def _value(row: PortfolioRow, key: str) -> Any:
    op = row.onepager
    if key == "rank":
        return row.rank
    if key == "title":
        return row.title
    if key == "stage":
        return row.stage if op else "invalid"
    if key == "health":
        return row.health.score
    if op is None:
        return None
    if key == "owner":
        return op.owner.name
    if key == "risk":
        return op.risk.level.value
    if key in ("reach", "impact", "confidence", "effort"):
        return getattr(op.scores, key)
    return row.value(key)


class PortfolioTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[PortfolioRow] = []
        self._history: dict[str, list[float]] = {}

    def set_rows(
        self, rows: list[PortfolioRow], history: dict[str, list[float]] | None = None
    ) -> None:
        """`history`: per project, its health at each sprint boundary, oldest first."""
        self.beginResetModel()
        self._rows = list(rows)
        self._history = dict(history or {})
        self.endResetModel()

    def row_at(self, row: int) -> PortfolioRow:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        # Called a thousand times while the window is built: ints, no enum lookups.
        if orientation != _HORIZONTAL:
            return None
        role = int(role)
        col = COLUMNS[section]
        if role == DISPLAY:
            return col.title
        if role == TOOLTIP:
            return col.tip
        if role == ALIGN:
            return _RIGHT if col.numeric else _LEFT
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        role = int(role)
        if role not in _HANDLED or not index.isValid():
            return None
        row = self._rows[index.row()]
        col = COLUMNS[index.column()]
        if role == ALIGN:
            return _RIGHT if col.numeric else _LEFT
        if role == SLUG_ROLE:
            return row.slug
        if role == FONT:
            return _bold() if col.key in ("title", "composite") else None
        if col.key == "trend":
            return self._trend(row, role)
        value = _value(row, col.key)
        if role == DISPLAY:
            if value is None:
                return "—"
            if col.numeric:
                return f"{value:,.{col.decimals}f}"
            return str(value)
        if role == SORT_ROLE:
            if value is None:
                return float("-inf") if col.numeric else ""
            return value if col.numeric else str(value).lower()
        if role == FOREGROUND:
            if col.key == "health":
                return health_colour(row.health.score)
            if col.key == "risk" and value in RISK_COLOURS:
                return QColor(RISK_COLOURS[value])
            if row.error and col.key in ("title", "stage"):
                return QColor("#d64545")
            return None
        if row.error:  # TOOLTIP
            return row.error
        if col.key == "health":
            return row.health.explain()
        if col.key == "title" and row.onepager is not None:
            return row.onepager.outcome or row.title
        return None

    def _trend(self, row: PortfolioRow, role: int) -> Any:
        values = self._history.get(row.slug) or [row.health.score]
        delta = last_change(values)
        if role == POINTS_ROLE:
            return values
        if role == DISPLAY:
            return trend_text(delta)
        if role == SORT_ROLE:
            return float("-inf") if delta is None else delta
        if role == TOOLTIP:
            if delta is None:
                return "One health score so far: the trend starts at the next sprint boundary."
            scores = " → ".join(f"{v:.0f}" for v in values[-8:])
            return f"Health at the last {min(len(values), 8)} sprint boundaries: {scores}"
        return None


class PortfolioFilter(QSortFilterProxyModel):
    """Filters by free text (title, owner, slug) and by stage; sorts on SORT_ROLE."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._text = ""
        self._stage = ""

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange()

    def set_stage(self, stage: str) -> None:
        self.beginFilterChange()
        self._stage = stage
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, PortfolioTableModel)
        row = model.row_at(source_row)
        if self._stage and row.stage != self._stage:
            return False
        if not self._text:
            return True
        owner = row.onepager.owner.name if row.onepager else ""
        haystack = f"{row.title} {row.slug} {owner}".lower()
        return all(word in haystack for word in self._text.split())
