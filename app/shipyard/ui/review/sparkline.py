"""A health sparkline in a table cell: the score at each sprint boundary, newest right,
with the change since the previous boundary as an arrow and a number."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from shipyard.core.review.health_history import last_change

POINTS_ROLE = int(Qt.ItemDataRole.UserRole.value) + 10
GOOD, FAIR, POOR = "#2e9e5b", "#d49a1c", "#d64545"
SPARK_WIDTH = 46
STEADY = 0.5  # a change smaller than this reads as steady


def health_colour(score: float) -> QColor:
    return QColor(GOOD if score >= 75 else FAIR if score >= 50 else POOR)


def trend_text(delta: float | None) -> str:
    """'▲ +4', '▼ −3', '= 0', or '' with fewer than two points."""
    if delta is None:
        return ""
    if delta > STEADY:
        return f"▲ +{delta:.0f}"
    if delta < -STEADY:
        return f"▼ −{abs(delta):.0f}"
    return "= 0"


def trend_colour(delta: float | None, palette: QPalette) -> QColor:
    if delta is None or abs(delta) <= STEADY:
        return palette.color(QPalette.ColorRole.PlaceholderText)
    return QColor(GOOD if delta > 0 else POOR)


def paint_sparkline(painter: QPainter, rect: QRect, values: list[float], colour: QColor) -> None:
    """`values` (0–100) as a line across `rect`, the last point as a dot."""
    if not values:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    left, top = rect.left() + 2, rect.top() + 3
    width, height = max(rect.width() - 4, 1), max(rect.height() - 6, 1)
    lo, hi = min(values), max(values)
    span = max(hi - lo, 10.0)  # a flat line stays in the middle, small moves stay small
    mid = (lo + hi) / 2

    def point(i: int, v: float) -> QPointF:
        x = left + (width * i / (len(values) - 1) if len(values) > 1 else width)
        y = top + height / 2 - (v - mid) / span * height
        return QPointF(x, y)

    points = [point(i, v) for i, v in enumerate(values)]
    if len(points) > 1:
        painter.setPen(QPen(colour, 1.6))
        painter.drawPolyline(QPolygonF(points))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(points[-1], 2.6, 2.6)
    painter.restore()


class SparklineDelegate(QStyledItemDelegate):
    """Draws POINTS_ROLE as a sparkline on the left and the display text (the trend) on the
    right of the cell."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        values = index.data(POINTS_ROLE) or []
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(4, 2, -4, -2)
        spark = QRect(rect.left(), rect.top(), min(SPARK_WIDTH, rect.width()), rect.height())
        colour = health_colour(values[-1]) if values else QColor(GOOD)
        paint_sparkline(painter, spark, list(values), colour)
        if text:
            painter.save()
            selected = bool(opt.state & QStyle.StateFlag.State_Selected)
            pen = (
                opt.palette.color(QPalette.ColorRole.HighlightedText)
                if selected
                else trend_colour(last_change(list(values)), opt.palette)
            )
            painter.setPen(pen)
            painter.setFont(opt.font)
            text_rect = rect.adjusted(SPARK_WIDTH + 4, 0, 0, 0)
            painter.drawText(text_rect, int(Qt.AlignRight | Qt.AlignVCenter), text)
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex):  # type: ignore[no-untyped-def]
        hint = super().sizeHint(option, index)
        hint.setWidth(hint.width() + SPARK_WIDTH + 8)
        return hint
