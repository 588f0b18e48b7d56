"""The Review page's charts: a project's health trend, cost against impact (pyqtgraph, in
the theme's colours) and the capacity bar (demand against the experiment pool)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from shipyard.core.review.capacity import Capacity, CostRow

GOOD, FAIR, POOR = "#2e9e5b", "#d49a1c", "#d64545"
LABEL_CHARS = 24


def _faded(colour: QColor, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = text.split(" — ")[0]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _ThemedPlot(QWidget):
    """A pyqtgraph plot that redraws in the palette's colours when the theme changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.canvas = pg.PlotWidget()
        self.canvas.setMinimumSize(160, 120)
        self.plot: pg.PlotItem = self.canvas.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            QTimer.singleShot(0, self, self.render)

    def colours(self) -> tuple[QColor, QColor, QColor]:
        """(text, background, accent) from the palette."""
        pal = self.palette()
        return (
            pal.color(QPalette.ColorRole.Text),
            pal.color(QPalette.ColorRole.Base),
            pal.color(QPalette.ColorRole.Highlight),
        )

    def _style_axes(self) -> QColor:
        fg, bg, _ = self.colours()
        self.canvas.setBackground(bg)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(_faded(fg, 140))
            axis.setTextPen(fg)
            axis.label.setDefaultTextColor(fg)
        return fg

    def render(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class TrendChart(_ThemedPlot):
    """One project's health at each sprint boundary, with the 50 and 75 bands marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[date, float]] = []
        self.plot.setYRange(0, 100, padding=0.04)
        self.plot.setLabel("left", "Health")
        self.render()

    def set_points(self, points: list[tuple[date, float]]) -> None:
        self.points = list(points)
        self.render()

    def render(self) -> None:
        fg = self._style_axes()
        _, _, accent = self.colours()
        self.plot.clear()
        for level, colour in ((75, GOOD), (50, POOR)):
            self.plot.addItem(
                pg.InfiniteLine(level, angle=0, pen=pg.mkPen(_faded(QColor(colour), 110), width=1, style=Qt.PenStyle.DashLine))
            )  # fmt: skip
        if not self.points:
            empty = pg.TextItem("No health history yet", color=_faded(fg, 170), anchor=(0.5, 0.5))
            empty.setPos(0.5, 50)
            self.plot.addItem(empty)
            self.plot.setXRange(0, 1)
            return
        xs = list(range(len(self.points)))
        ys = [v for _, v in self.points]
        self.plot.plot(
            xs, ys, pen=pg.mkPen(accent, width=2.5), symbol="o", symbolSize=8,
            symbolBrush=[pg.mkBrush(GOOD if v >= 75 else FAIR if v >= 50 else POOR) for v in ys],
            symbolPen=pg.mkPen(accent),
        )  # fmt: skip
        ticks = [(i, f"{d:%d %b}") for i, (d, _) in enumerate(self.points)]
        # At most four dates, the newest always among them.
        step = max(1, -(-len(ticks) // 4))
        self.plot.getAxis("bottom").setTicks([ticks[::-1][::step][::-1]])
        self.plot.setXRange(-0.7, len(xs) - 0.3, padding=0)  # room for the edge dates


class CostChart(_ThemedPlot):
    """Projects with a gated cost: x impact (0–5), y estimated cost a quarter; flagged red."""

    projectActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CostRow] = []
        self.plot.setLabel("bottom", "Impact (0–5)")
        self.plot.setLabel("left", "Cost a quarter")
        self.scatter = pg.ScatterPlotItem(hoverable=True, tip=self._tip)
        self.scatter.sigClicked.connect(self._clicked)
        self.render()

    def set_rows(self, rows: list[CostRow]) -> None:
        self.rows = list(rows)
        self.render()

    def _tip(self, x: float, y: float, data: object) -> str:
        row = next((r for r in self.rows if r.slug == data), None)
        if row is None:
            return ""
        text = f"{row.title}\n{row.cost_per_1k:,.3g} {row.currency} per 1k requests"
        if row.per_quarter is not None:
            text += f", {row.per_quarter:,.3g} {row.currency} a quarter"
        return text + (f"\nFlagged: {row.why}" if row.flagged else "")

    def _clicked(self, _item: object, points: list, *_: object) -> None:
        if len(points):
            self.projectActivated.emit(str(points[0].data()))

    def render(self) -> None:
        fg = self._style_axes()
        _, _, accent = self.colours()
        self.plot.clear()
        shown = [r for r in self.rows if r.per_quarter is not None and r.impact is not None]
        self.plot.setXRange(-0.2, 5.4, padding=0)
        if not shown:
            empty = pg.TextItem(
                "No gated costs yet: run the gates with a cost check",
                color=_faded(fg, 170),
                anchor=(0.5, 0.5),
            )
            empty.setPos(2.6, 0.5)
            self.plot.setYRange(0, 1, padding=0)
            self.plot.addItem(empty)
            return
        spots = [
            {
                "pos": (r.impact, r.per_quarter),
                "size": 14,
                "brush": pg.mkBrush(POOR if r.flagged else accent),
                "pen": pg.mkPen(_faded(fg, 160)),
                "data": r.slug,
            }
            for r in shown
        ]
        self.scatter.setData(spots)
        self.plot.addItem(self.scatter)
        top = max(r.per_quarter or 0.0 for r in shown)
        self.plot.setYRange(0, top * 1.25 or 1, padding=0)
        currency = next((r.currency for r in shown if r.currency), "")
        self.plot.setLabel("left", "Cost a quarter", units=currency)
        # Labels above their point; one too close to the previous label goes below it.
        placed: list[tuple[float, float, bool]] = []
        for r in sorted(shown, key=lambda r: (r.impact, -(r.per_quarter or 0.0))):
            x, y = float(r.impact or 0.0), float(r.per_quarter or 0.0)
            below = any(
                abs(px - x) < 0.8 and abs(py - y) < top * 0.12 and not pb for px, py, pb in placed
            )
            label = pg.TextItem(
                _short(r.title),
                color=QColor(POOR) if r.flagged else fg,
                anchor=(0, -0.1) if below else (0, 1.1),
            )
            label.setPos(x, y)
            self.plot.addItem(label)
            placed.append((x, y, below))


class CapacityBar(QWidget):
    """Demand against the experiment pool, in FTE-weeks: red past 100 %."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capacity: Capacity | None = None
        self.setMinimumHeight(44)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_capacity(self, capacity: Capacity | None) -> None:
        self.capacity = capacity
        self.setToolTip(self.text())
        self.update()

    def text(self) -> str:
        cap = self.capacity
        if cap is None:
            return ""
        return (
            f"{cap.demand:.0f} of {cap.pool:.0f} FTE-weeks in the experiment pool "
            f"({cap.used:.0%}) over {cap.horizon_weeks} weeks"
        )

    def sizeHint(self) -> QSize:
        return QSize(320, 44)

    def paintEvent(self, _event: object) -> None:
        cap = self.capacity
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = QRectF(self.rect()).adjusted(1, 6, -1, -14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(rect, 5, 5)
        if cap is None or cap.pool <= 0:
            painter.end()
            return
        scale = max(cap.demand, cap.pool)
        pool_w = rect.width() * cap.pool / scale
        demand_w = rect.width() * cap.demand / scale
        # What fits the pool in green, what spills over it in red.
        painter.setBrush(QColor(GOOD))
        fits = min(demand_w, pool_w)
        painter.drawRoundedRect(QRectF(rect.left(), rect.top(), fits, rect.height()), 5, 5)
        if demand_w > pool_w:
            painter.setBrush(QColor(POOR))
            over = QRectF(rect.left() + pool_w, rect.top(), demand_w - pool_w, rect.height())
            painter.drawRoundedRect(over, 5, 5)
            painter.drawRect(over.adjusted(0, 0, -min(6.0, over.width() / 2), 0))
        # The pool's edge: where demand stops fitting.
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Text), 2))
        x = rect.left() + pool_w
        painter.drawLine(int(x), int(rect.top() - 4), int(x), int(rect.bottom() + 4))
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        label = QRectF(rect.left(), rect.bottom() + 1, max(x - rect.left() - 4, 0), 14)
        painter.drawText(
            label,
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            f"experiment pool {cap.pool:.0f} FTE-weeks",
        )
        painter.end()
