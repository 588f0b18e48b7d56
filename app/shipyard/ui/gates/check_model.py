"""The table of gate checks: verdict (icon and colour), check, value, threshold, unit, kind."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

if TYPE_CHECKING:
    from shipyard.core.gates import CheckResult

VERDICT_COLOURS = {"pass": "#1f8a4c", "warn": "#c27c0e", "fail": "#d64545"}
VERDICT_TEXT = {"pass": "✔ pass", "warn": "▲ warn", "fail": "✖ fail"}
COLUMNS = ("Verdict", "Check", "Value", "Threshold", "Unit", "Kind", "Finding")
CHECK_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
Index = QModelIndex | QPersistentModelIndex


def verdict_icon(verdict: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(QColor(VERDICT_COLOURS.get(verdict, "#888888")))
    painter.setPen(Qt.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def evidence_text(check: CheckResult, limit: int = 1200) -> str:
    shown = {k: v for k, v in check.evidence.items() if k != "samples_ms"}
    text = json.dumps(shown, indent=1, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "\n…"


class GateCheckModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.checks: list[CheckResult] = []
        self._icons: dict[str, QIcon] = {}

    def set_checks(self, checks: list[CheckResult]) -> None:
        self.beginResetModel()
        self.checks = list(checks)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.checks)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def _icon(self, verdict: str) -> QIcon:
        if verdict not in self._icons:
            self._icons[verdict] = verdict_icon(verdict)
        return self._icons[verdict]

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        from shipyard.core.gates.report_export import format_value

        if not index.isValid():
            return None
        check = self.checks[index.row()]
        col = index.column()
        if role == CHECK_ROLE:
            return check
        if role == Qt.DisplayRole:
            return (
                VERDICT_TEXT.get(check.verdict, check.verdict),
                check.title,
                format_value(check.value, check.unit),
                format_value(check.threshold, check.unit),
                "%" if check.unit == "share" else check.unit,
                "required" if check.required else "advisory",
                check.message,
            )[col]
        if role == Qt.DecorationRole and col == 0:
            return self._icon(check.verdict)
        if role == Qt.ForegroundRole and col == 0:
            return QColor(VERDICT_COLOURS.get(check.verdict, "#888888"))
        if role == Qt.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ToolTipRole:
            return f"{check.title} ({check.id})\n{check.message}\n\n{evidence_text(check, 600)}"
        return None
