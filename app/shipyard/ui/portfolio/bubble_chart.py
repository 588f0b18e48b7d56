"""Impact-versus-effort bubble chart of the portfolio: where the quick wins are."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from shipyard.core.portfolio.ranking import PortfolioRow


RISK_COLOURS: dict[str, str] = {"low": "#2f9e57", "medium": "#e39b12", "high": "#dc3f3f"}
AXIS_MIN, AXIS_MAX = -0.2, 5.4
MIN_SIZE, MAX_SIZE = 12.0, 60.0
QUICK_WIN = 2.5  # midpoint of the 0–5 rubric: impact above and effort below it is a quick win
LABEL_CHARS = 22
SHORT_LABEL_CHARS = 12
LABEL_GAP_PX = 4
LEADER_PX = 22  # how far a label may sit from its bubble, with a line back to it


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bubble_sizes(reaches: list[int]) -> list[float]:
    """Diameters in pixels ∝ sqrt(reach), the largest MAX_SIZE, none below MIN_SIZE."""
    top = math.sqrt(max(reaches, default=0))
    if top == 0:
        return [MIN_SIZE] * len(reaches)
    return [max(MIN_SIZE, MAX_SIZE * math.sqrt(r) / top) for r in reaches]


class BubbleChart(QWidget):
    """Projects as bubbles: x effort, y impact, size reach, colour risk level."""

    projectActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self._rows: list[PortfolioRow] = []
        self._tips: dict[str, str] = {}
        # (label, title, bubble x, bubble y, bubble diameter) in portfolio order, so labels
        # can be placed again on every resize
        self._labels: list[tuple[pg.TextItem, str, float, float, float]] = []
        self._label_slugs: list[str] = []
        self._leaders: list[pg.PlotCurveItem] = []
        self._tag: pg.TextItem | None = None  # "Quick wins": labels keep off it too

        self._canvas = pg.GraphicsLayoutWidget()
        self._canvas.ci.setContentsMargins(6, 4, 12, 6)
        self._legend = pg.LegendItem(colCount=4, horSpacing=16, labelTextSize="9pt")
        self._legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._canvas.addItem(self._legend, row=0, col=0)
        self._canvas.ci.layout.setAlignment(self._legend, Qt.AlignmentFlag.AlignLeft)
        self._plot: pg.PlotItem = self._canvas.addPlot(row=1, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.setXRange(AXIS_MIN, AXIS_MAX, padding=0)
        self._plot.setYRange(AXIS_MIN, AXIS_MAX, padding=0)
        self._plot.setLabel("bottom", "Effort (0–5, higher costs more)")
        self._plot.setLabel("left", "Impact (0–5)")
        ticks = [[(v, str(v)) for v in range(6)], [(v + 0.5, "") for v in range(5)]]
        for side in ("left", "bottom"):
            self._plot.getAxis(side).setTicks(ticks)
        self._plot.getViewBox().sigTransformChanged.connect(self._place_labels)

        self._scatter = pg.ScatterPlotItem(hoverable=True, tip=self._tip)
        self._scatter.sigClicked.connect(self._on_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._canvas)
        self._render()

    @property
    def scatter(self) -> pg.ScatterPlotItem:
        return self._scatter

    @property
    def plot_item(self) -> pg.PlotItem:
        return self._plot

    def set_rows(self, rows: list[PortfolioRow]) -> None:
        self._rows = [r for r in rows if r.onepager is not None]
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            # Redraw later, from the event loop, and only while alive: a theme change
            # reaches every widget, and rebuilding a scene inside that walk is unsafe.
            QTimer.singleShot(0, self, self._render)

    # -- drawing --------------------------------------------------------------------------
    def _render(self) -> None:
        fg = self.palette().color(QPalette.ColorRole.Text)
        self._canvas.setBackground(self.palette().color(QPalette.ColorRole.Base))
        for side in ("left", "bottom"):
            axis = self._plot.getAxis(side)
            axis.setPen(_faded(fg, 140))
            axis.setTextPen(fg)
            axis.label.setDefaultTextColor(fg)
        self._plot.clear()
        self._labels.clear()
        self._label_slugs.clear()
        self._leaders.clear()
        self._tag = None
        self._tips.clear()
        self._draw_legend(fg)
        if not self._rows:
            empty = pg.TextItem("No projects yet", color=_faded(fg, 170), anchor=(0.5, 0.5))
            empty.setPos((AXIS_MIN + AXIS_MAX) / 2, (AXIS_MIN + AXIS_MAX) / 2)
            self._plot.addItem(empty)
            self._scatter.setData([])
            return
        self._draw_guides(fg)
        sizes = bubble_sizes([r.onepager.scores.reach or 0 for r in self._rows])
        # Largest first, so small bubbles stay on top and clickable.
        order = sorted(range(len(self._rows)), key=lambda i: -sizes[i])
        spots = []
        positions = _dodge(
            [(r.onepager.scores.effort, r.onepager.scores.impact or 0.0) for r in self._rows]
        )
        for i in order:
            row, size = self._rows[i], sizes[i]
            op = row.onepager
            risk = op.risk.level.value
            colour = QColor(RISK_COLOURS.get(risk, "#888888"))
            x, y = positions[i]
            spots.append(
                {
                    "pos": (x, y),
                    "size": size,
                    "brush": _faded(colour, 110),
                    "pen": pg.mkPen(colour, width=1.5),
                    "symbol": "o",
                    "data": row.slug,
                }
            )
            composite = row.scores.composite if row.scores else 0.0
            self._tips[row.slug] = (
                f"{row.title}\nComposite score: {composite:.2f}\n"
                f"Reach: {op.scores.reach or 0:,} / quarter\nRisk: {risk}"
            )
        for i, row in enumerate(self._rows):
            label = pg.TextItem(truncate(row.title, LABEL_CHARS), color=fg)
            self._plot.addItem(label)
            self._labels.append((label, row.title, *positions[i], sizes[i]))
            self._label_slugs.append(row.slug)
        self._scatter.setData(spots=spots, hoverPen=pg.mkPen(fg, width=2))
        self._plot.addItem(self._scatter)
        self._place_labels()

    def _draw_guides(self, fg: QColor) -> None:
        pen = pg.mkPen(_faded(fg, 70), width=1, style=Qt.PenStyle.DashLine)
        for angle in (0, 90):
            self._plot.addItem(pg.InfiniteLine(QUICK_WIN, angle=angle, pen=pen, movable=False))
        region = pg.QtWidgets.QGraphicsRectItem(
            AXIS_MIN, QUICK_WIN, QUICK_WIN - AXIS_MIN, AXIS_MAX - QUICK_WIN
        )
        region.setPen(pg.mkPen(None))
        region.setBrush(pg.mkBrush(_faded(QColor(RISK_COLOURS["low"]), 18)))
        region.setZValue(-10)
        self._plot.addItem(region)
        tag = pg.TextItem("Quick wins", color=_faded(fg, 150), anchor=(0, 0))
        tag.setPos(AXIS_MIN + 0.05, AXIS_MAX - 0.05)
        self._plot.addItem(tag)
        self._tag = tag

    def _draw_legend(self, fg: QColor) -> None:
        self._legend.clear()
        self._legend.setLabelTextColor(fg)
        for risk, hex_colour in RISK_COLOURS.items():
            colour = QColor(hex_colour)
            sample = pg.ScatterPlotItem(
                symbol="o", size=10, brush=_faded(colour, 110), pen=pg.mkPen(colour, width=1.5)
            )
            self._legend.addItem(sample, f"{risk.capitalize()} risk")
        size_sample = pg.ScatterPlotItem(symbol="o", size=10, brush=None, pen=_faded(fg, 160))
        self._legend.addItem(size_sample, "size = reach per quarter")

    def _place_labels(self) -> None:
        """Put each label near its bubble where it overlaps no other label or bubble.

        Projects are labelled in portfolio order, so the best ranked get their names first.
        Each tries the spots around its bubble (right, left, above, below, the corners), then
        the same spots farther out with a leader line, then all of that again with a shorter
        name, and last over other (translucent) bubbles. A label never overlaps another
        label nor sits closer to another bubble than to its own; one that finds no such spot
        is hidden, and its bubble's tooltip names the project on hover. Sizes are pixels, so this re-runs on every resize.
        """
        for leader in self._leaders:
            self._plot.removeItem(leader)
        self._leaders.clear()
        vb = self._plot.getViewBox()
        px_w, px_h = vb.viewPixelSize()
        if not px_w or not px_h:  # not laid out yet; the first resize places them
            for label, *_ in self._labels:
                label.hide()
            return
        # Work in pixels: x to the right, y downwards (view y is flipped).
        area = QRectF(
            QPointF(AXIS_MIN / px_w, -AXIS_MAX / px_h), QPointF(AXIS_MAX / px_w, -AXIS_MIN / px_h)
        )
        bubbles = [
            QRectF(x / px_w - s / 2, -y / px_h - s / 2, s, s) for _, _, x, y, s in self._labels
        ]
        placed: list[QRectF] = []
        if self._tag is not None:
            tag = self._tag.boundingRect()
            pos = self._tag.pos()
            placed.append(QRectF(pos.x() / px_w, -pos.y() / px_h, tag.width(), tag.height()))
        pen = pg.mkPen(_faded(self.palette().color(QPalette.ColorRole.Text), 150), width=1)
        centres = [(QPointF(x / px_w, -y / px_h), s / 2) for *_, x, y, s in self._labels]
        # Arrays, so each candidate spot is checked against every bubble at once: a
        # 100-project portfolio tries thousands of spots.
        discs = np.array([(c.x(), c.y(), r) for c, r in centres], dtype=float).reshape(-1, 3)
        boxes = _edges(bubbles)
        taken = _edges(placed)
        for k, (label, title, *_, size) in enumerate(self._labels):
            centre = centres[k][0]
            spot = None
            attempts = [(limit, avoid) for avoid in (True, False)
                        for limit in (LABEL_CHARS, SHORT_LABEL_CHARS)]  # fmt: skip
            for limit, avoid_bubbles in attempts:
                label.setText(truncate(title, limit))
                w, h = label.boundingRect().width(), label.boundingRect().height()
                spots = _label_spots(centre, size / 2, w, h)
                first = _first_free(spots, area, taken, boxes, discs, k, avoid_bubbles)
                if first is not None:
                    spot = spots[first]
                    break
            if spot is None:
                label.hide()  # the bubble's tooltip still names it
                continue
            rect, far = spot
            taken = np.vstack([taken, _edges([rect])])
            label.setAnchor((0, 0))
            label.setPos(rect.left() * px_w, -rect.top() * px_h)
            label.show()
            if far:
                end = _nearest_point(rect, centre)
                leader = pg.PlotCurveItem(
                    [centre.x() * px_w, end.x() * px_w],
                    [-centre.y() * px_h, -end.y() * px_h],
                    pen=pen,
                )
                leader.setZValue(-1)
                self._plot.addItem(leader)
                self._leaders.append(leader)

    def label_rects(self) -> dict[str, QRectF]:
        """The scene rectangle of every label shown, by project slug (for tests and tools)."""
        return {
            slug: label.sceneBoundingRect()
            for (label, *_), slug in zip(self._labels, self._label_slugs, strict=True)
            if label.isVisible()
        }

    # -- interaction ----------------------------------------------------------------------
    def _tip(self, x: float, y: float, data: object) -> str:
        return self._tips.get(str(data), "")

    def _on_clicked(self, _item: pg.ScatterPlotItem, points: list, _ev: object) -> None:
        if len(points):
            self.projectActivated.emit(str(points[0].data()))


def _dodge(points: list[tuple[float, float]], step: float = 0.2) -> list[tuple[float, float]]:
    """Spread projects that score exactly alike vertically, so each bubble stays visible."""
    groups: dict[tuple[float, float], list[int]] = {}
    for i, p in enumerate(points):
        groups.setdefault(p, []).append(i)
    out = list(points)
    for (x, y), members in groups.items():
        for k, i in enumerate(members):
            out[i] = (x, y + step * (k - (len(members) - 1) / 2))
    return out


def _label_spots(centre: QPointF, radius: float, w: float, h: float) -> list[tuple[QRectF, bool]]:
    """Rectangles of size w x h around a bubble, nearest first; the flag says a spot is far
    enough from its bubble to need a leader line."""
    out = []
    for far, gap in ((False, radius + LABEL_GAP_PX), (True, radius + LEADER_PX)):
        cx, cy, d = centre.x(), centre.y(), gap * 0.7  # diagonals sit a little closer
        for left, top in (
            (cx + gap, cy - h / 2),  # right
            (cx - gap - w, cy - h / 2),  # left
            (cx - w / 2, cy - gap - h),  # above
            (cx - w / 2, cy + gap),  # below
            (cx + d, cy - d - h),  # above right
            (cx + d, cy + d),  # below right
            (cx - d - w, cy - d - h),  # above left
            (cx - d - w, cy + d),  # below left
        ):
            out.append((QRectF(left, top, w, h), far))
    return out


def _edges(rects: list[QRectF]) -> np.ndarray:
    """(left, top, right, bottom) rows of `rects`."""
    rows = [(r.left(), r.top(), r.right(), r.bottom()) for r in rects]
    return np.array(rows, dtype=float).reshape(-1, 4)


def _first_free(
    spots: list[tuple[QRectF, bool]],
    area: QRectF,
    taken: np.ndarray,
    boxes: np.ndarray,
    discs: np.ndarray,
    own: int,
    avoid_bubbles: bool,
) -> int | None:
    """The first of `spots` (label rectangles, in order of preference) inside `area` that
    overlaps no `taken` label, no bubble when `avoid_bubbles`, and is nearest bubble `own`:
    by the edges, or by the centres when it lies over a bubble, so it never reads as
    another's. All spots are checked against all rectangles at once: a 100-project
    portfolio tries thousands of spots, and a numpy call per spot cost more than the test."""
    rects = _edges([rect for rect, _ in spots])
    left, top, right, bottom = (rects[:, i : i + 1] for i in range(4))
    ok = (
        (left[:, 0] >= area.left())
        & (right[:, 0] <= area.right())
        & (top[:, 0] >= area.top())
        & (bottom[:, 0] <= area.bottom())
    )
    ok &= ~_overlaps(rects, taken)
    over = _overlaps(rects, boxes)
    if avoid_bubbles:
        ok &= ~over
    if not ok.any():
        return None
    cx, cy, radius = discs[:, 0], discs[:, 1], discs[:, 2]
    px = np.clip(cx, left, right)  # spots x bubbles
    py = np.clip(cy, top, bottom)
    gap = np.hypot(px - cx, py - cy) - np.where(over[:, None], 0.0, radius)
    ok &= np.argmin(gap, axis=1) == own
    found = np.flatnonzero(ok)
    return int(found[0]) if len(found) else None


def _overlaps(rects: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """For each row of `rects`, whether it overlaps any row of `edges` (as QRectF.intersects)."""
    if not len(edges):
        return np.zeros(len(rects), dtype=bool)
    return np.any(
        (edges[None, :, 0] < rects[:, None, 2])
        & (edges[None, :, 2] > rects[:, None, 0])
        & (edges[None, :, 1] < rects[:, None, 3])
        & (edges[None, :, 3] > rects[:, None, 1]),
        axis=1,
    )


def _nearest_point(rect: QRectF, point: QPointF) -> QPointF:
    return QPointF(
        min(max(point.x(), rect.left()), rect.right()),
        min(max(point.y(), rect.top()), rect.bottom()),
    )


def _faded(colour: QColor, alpha: int) -> QColor:
    out = QColor(colour)
    out.setAlpha(alpha)
    return out
