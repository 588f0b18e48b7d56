"""Gantt-like roadmap of the portfolio: project spans, reviews and the shared sprints."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPalette, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QScrollBar, QSizePolicy, QWidget

from shipyard.core.portfolio.roadmap import Span, project_span, sprint_boundaries, sprint_number
from shipyard.core.portfolio.vocabulary import Stage

if TYPE_CHECKING:
    from shipyard.core.portfolio.ranking import PortfolioRow

STAGE_COLOURS: dict[Stage, str] = {
    Stage.IDEA: "#a7b4c4",
    Stage.DISCOVERY: "#6f95c2",
    Stage.MVP: "#2f7de1",
    Stage.SHADOW: "#8a5cd6",
    Stage.CANARY: "#ee8a1a",
    Stage.PROGRESSIVE: "#16a394",
    Stage.FULL: "#2f9e57",
    Stage.PAUSED: "#9b9b9b",
    Stage.SUNSET: "#5c636e",
}
OVERDUE = "#dc3f3f"
TODAY_COLOUR = "#e5484d"
BAR_HEIGHT = 0.6
TITLE_CHARS = 26
MAX_VIEW = timedelta(days=270)  # about nine months
MARGIN = timedelta(weeks=1)
DAY_SECONDS = 86400.0
HEADER_PX = 24  # room above the first bar for the "Today" tag
LEGEND_CELL_PX = 145
MIN_ROWS = 5  # so that one or two projects do not become giant slabs
SPRINT_LABEL_PX = 34  # narrowest a sprint may be drawn and still get its own label
ROW_GAP_PX = 4  # a row is at least a line of text plus this, or the titles overprint


def timestamp(day: date) -> float:
    """POSIX seconds at midnight UTC of `day`, the x coordinate of the chart."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def default_window(first: date, last: date, today: date) -> tuple[date, date]:
    """`first`..`last` with a week either side, cut to nine months that keep today in view."""
    lo, hi = first - MARGIN, last + MARGIN
    if hi - lo <= MAX_VIEW:
        return lo, hi
    start = min(max(today - MAX_VIEW / 2, lo), hi - MAX_VIEW)
    return start, start + MAX_VIEW


class SprintAxis(pg.AxisItem):
    """Top axis naming each sprint ("S12") mid-sprint, thinned out when zoomed far out."""

    def __init__(self) -> None:
        super().__init__("top")
        self.setStyle(tickLength=0)
        self.sprint_seconds = 14 * DAY_SECONDS
        self.sprints: dict[float, int] = {}  # mid-sprint x -> sprint number

    def set_sprints(self, starts: list[tuple[float, int]], length_days: int) -> None:
        self.sprint_seconds = length_days * DAY_SECONDS
        self.sprints = {x + self.sprint_seconds / 2: n for x, n in starts}
        self.picture = None
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        if not self.sprints or maxVal <= minVal:
            return []
        every = math.ceil(SPRINT_LABEL_PX * (maxVal - minVal) / (size * self.sprint_seconds))
        values = [x for x, n in self.sprints.items() if minVal <= x <= maxVal and n % every == 0]
        return [(self.sprint_seconds * every, values)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"S{self.sprints[v]}" if v in self.sprints else "" for v in values]


class RoadmapChart(QWidget):
    """One bar per project, first row on top, over a date axis with sprint boundaries."""

    projectActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self._rows: list[tuple[PortfolioRow, Span]] = []
        self._anchor = self._today = date.today()
        self._sprint_days = 14

        self._canvas = pg.GraphicsLayoutWidget()
        self._canvas.ci.setContentsMargins(6, 4, 12, 6)
        self._legend = pg.LegendItem(colCount=6, horSpacing=16, labelTextSize="9pt")
        self._legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._canvas.addItem(self._legend, row=0, col=0)
        self._canvas.ci.layout.setAlignment(self._legend, Qt.AlignmentFlag.AlignLeft)
        self.sprint_axis = SprintAxis()
        axes = {"bottom": pg.DateAxisItem("bottom", utcOffset=0), "top": self.sprint_axis}
        self._plot: pg.PlotItem = self._canvas.addPlot(row=1, col=0, axisItems=axes)
        self._plot.showAxis("top")
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=True, y=False)
        self._plot.invertY(True)
        view = self._plot.getViewBox()
        view.setLimits(minXRange=14 * DAY_SECONDS, maxXRange=1100 * DAY_SECONDS)
        view.sigResized.connect(self._fit_rows)
        self._canvas.scene().sigMouseClicked.connect(self._on_clicked)
        self._canvas.scene().sigMouseMoved.connect(self._on_moved)
        self.bars: pg.BarGraphItem | None = None
        self.sprint_lines: list[pg.InfiniteLine] = []
        self.today_line: pg.InfiniteLine | None = None

        # When the rows do not all fit at a readable height, the chart shows those that do
        # and this scroll bar moves through the rest.
        self.row_scroll = QScrollBar(Qt.Orientation.Vertical, objectName="roadmapRowScroll")
        self.row_scroll.setAccessibleName("Scroll the roadmap's projects")
        self.row_scroll.valueChanged.connect(self._fit_rows)
        self.row_scroll.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._canvas, 1)
        layout.addWidget(self.row_scroll)
        self._render()

    @property
    def plot_item(self) -> pg.PlotItem:
        return self._plot

    def set_rows(
        self, rows: list[PortfolioRow], *, anchor: date, sprint_days: int, today: date
    ) -> None:
        self._rows = [(r, project_span(r.onepager, today)) for r in rows if r.onepager is not None]
        self._anchor, self._sprint_days, self._today = anchor, sprint_days, today
        self._render()

    def slug_at(self, point: QPointF) -> str | None:
        """The project whose bar is under `point` (view coordinates), if any."""
        index = round(point.y())
        if not 0 <= index < len(self._rows) or abs(point.y() - index) > BAR_HEIGHT / 2:
            return None
        row, span = self._rows[index]
        return row.slug if timestamp(span.start) <= point.x() <= timestamp(span.end) else None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._legend.setColumnCount(max(2, min(6, event.size().width() // LEGEND_CELL_PX)))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            # Later and only while alive (see BubbleChart.changeEvent).
            QTimer.singleShot(0, self, self._render_keeping_view)

    def _render_keeping_view(self) -> None:
        self._render(keep_x=self._plot.getViewBox().viewRange()[0])

    # -- drawing --------------------------------------------------------------------------
    def _render(self, keep_x: list[float] | None = None) -> None:
        fg = self.palette().color(QPalette.ColorRole.Text)
        bg = self.palette().color(QPalette.ColorRole.Base)
        self._canvas.setBackground(bg)
        for side in ("left", "bottom", "top"):
            axis = self._plot.getAxis(side)
            axis.setPen(_faded(fg, 140))
            axis.setTextPen(fg)
        self._plot.clear()
        self._legend.clear()
        self._legend.setLabelTextColor(fg)
        self.bars, self.today_line, self.sprint_lines = None, None, []
        self.sprint_axis.set_sprints([], self._sprint_days)
        today = timestamp(self._today)
        titles = [truncate(r.title, TITLE_CHARS) for r, _ in self._rows]
        left = self._plot.getAxis("left")
        left.setTicks([list(enumerate(titles)), []])
        # Sized up front: pyqtgraph would otherwise widen the axis only after a first paint.
        metrics = QFontMetrics(left.style["tickFont"] or self.font())
        left.setWidth(max((metrics.horizontalAdvance(t) for t in titles), default=20) + 16)
        if not self._rows:
            empty = pg.TextItem("No projects yet", color=_faded(fg, 170), anchor=(0.5, 0.5))
            empty.setPos(today, 0)
            self._plot.addItem(empty)
            self._plot.setXRange(today - 60 * DAY_SECONDS, today + 60 * DAY_SECONDS, padding=0)
            self._fit_rows()
            return
        first = min(s.start for _, s in self._rows)
        last = max(max(s.end, s.review or s.end) for _, s in self._rows)
        self._draw_sprints(min(first, self._today), max(last, self._today), fg)
        self._draw_bars(fg)
        self._draw_reviews(bg, fg)
        tag = {"position": 0, "color": "w", "fill": TODAY_COLOUR, "anchors": [(0.5, 0)] * 2}
        self.today_line = pg.InfiniteLine(
            today, angle=90, pen=pg.mkPen(TODAY_COLOUR, width=1.5), label="Today", labelOpts=tag
        )
        self.today_line.setZValue(20)
        self._plot.addItem(self.today_line)
        lo, hi = keep_x or [timestamp(d) for d in default_window(first, last, self._today)]
        self._plot.setXRange(lo, hi, padding=0)
        self._fit_rows()

    def row_pixels(self) -> float:
        """The least height of a row that keeps the project titles from overprinting."""
        left = self._plot.getAxis("left")
        return QFontMetrics(left.style["tickFont"] or self.font()).height() + ROW_GAP_PX

    def _fit_rows(self) -> None:
        """Rows fill the view's height from the top, below a band of HEADER_PX pixels; when
        they would be drawn thinner than a line of text, only those that fit are shown and
        the scroll bar beside the chart reaches the others."""
        if not self._rows:
            self.row_scroll.hide()
            self._plot.setYRange(-1, 1, padding=0)
            return
        height = self._plot.getViewBox().height()
        band = HEADER_PX / height if height > 4 * HEADER_PX else 0.15
        total = max(len(self._rows), MIN_ROWS)
        fit = max(1, int(height * (1 - band) // self.row_pixels())) if height > 0 else total
        rows = min(total, fit)
        hidden = len(self._rows) - rows if rows < total else 0
        self.row_scroll.blockSignals(True)
        self.row_scroll.setRange(0, max(0, hidden))
        self.row_scroll.setPageStep(rows)
        self.row_scroll.blockSignals(False)
        self.row_scroll.setVisible(hidden > 0)
        bottom = self.row_scroll.value() + rows - 0.5 if hidden > 0 else rows - 0.5
        self._plot.setYRange(bottom - rows / (1 - band), bottom, padding=0)

    def shown_rows(self) -> range:
        """Indexes of the projects whose bars are in view now."""
        lo, hi = self._plot.getViewBox().viewRange()[1]
        return range(max(0, math.ceil(lo)), min(len(self._rows), math.floor(hi) + 1))

    def _draw_sprints(self, first: date, last: date, fg: QColor) -> None:
        pen = pg.mkPen(_faded(fg, 40), width=1)
        starts = []
        for day in sprint_boundaries(self._anchor, self._sprint_days, first, last):
            line = pg.InfiniteLine(timestamp(day), angle=90, pen=pen, movable=False)
            line.setZValue(-10)
            self._plot.addItem(line)
            self.sprint_lines.append(line)
            starts.append((timestamp(day), sprint_number(self._anchor, self._sprint_days, day)))
        self.sprint_axis.set_sprints(starts, self._sprint_days)

    def _draw_bars(self, fg: QColor) -> None:
        brushes, pens, seen = [], [], []
        for row, span in self._rows:
            colour = QColor(STAGE_COLOURS.get(row.onepager.stage, "#888888"))
            if span.estimated_end:  # a guess from FTE weeks: lighter fill, dashed edge
                brushes.append(pg.mkBrush(_faded(colour, 130)))
                pens.append(pg.mkPen(_faded(fg, 170), width=1.5, style=Qt.PenStyle.DashLine))
            else:
                brushes.append(pg.mkBrush(_faded(colour, 215)))
                pens.append(pg.mkPen(colour.darker(130), width=1))
            seen.append(row.onepager.stage)
        starts = [timestamp(s.start) for _, s in self._rows]
        widths = [timestamp(s.end) - timestamp(s.start) for _, s in self._rows]
        y = list(range(len(self._rows)))
        self.bars = pg.BarGraphItem(
            x0=starts, width=widths, y=y, height=BAR_HEIGHT, brushes=brushes, pens=pens
        )
        self._plot.addItem(self.bars)
        for stage in sorted(set(seen), key=list(Stage).index):
            colour = QColor(STAGE_COLOURS[stage])
            sample = pg.ScatterPlotItem(symbol="s", size=10, brush=_faded(colour, 215), pen=None)
            self._legend.addItem(sample, stage.value)
        dashed = pg.mkPen(fg, width=1, style=Qt.PenStyle.DashLine)
        estimated = pg.ScatterPlotItem(symbol="s", size=10, pen=dashed, brush=_faded(fg, 40))
        self._legend.addItem(estimated, "estimated end")

    def _draw_reviews(self, bg: QColor, fg: QColor) -> None:
        late = {True: pg.mkBrush(OVERDUE), False: pg.mkBrush(fg)}
        spots = [
            {"pos": (timestamp(s.review), i), "brush": late[s.review < self._today]}
            for i, (_, s) in enumerate(self._rows)
            if s.review
        ]
        style = {"symbol": "d", "size": 13, "pen": pg.mkPen(bg, width=1.5)}
        reviews = pg.ScatterPlotItem(spots=spots, **style)
        reviews.setZValue(10)
        self._plot.addItem(reviews)
        self._legend.addItem(pg.ScatterPlotItem(brush=fg, **style), "review")
        self._legend.addItem(pg.ScatterPlotItem(brush=OVERDUE, **style), "review overdue")

    # -- interaction ----------------------------------------------------------------------
    def _slug_at_scene(self, scene_pos: QPointF) -> str | None:
        vb = self._plot.getViewBox()
        inside = vb.sceneBoundingRect().contains(scene_pos)
        return self.slug_at(vb.mapSceneToView(scene_pos)) if inside else None

    def _on_clicked(self, ev: object) -> None:
        slug = self._slug_at_scene(ev.scenePos())
        if slug and ev.button() == Qt.MouseButton.LeftButton:
            self.projectActivated.emit(slug)

    def _on_moved(self, scene_pos: QPointF) -> None:
        slug = self._slug_at_scene(scene_pos)
        self._plot.getViewBox().setToolTip(
            next((_describe(row, span) for row, span in self._rows if row.slug == slug), "")
        )


def _describe(row: PortfolioRow, span: Span) -> str:
    end = f"{span.end:%d %b %Y}" + (" (estimated)" if span.estimated_end else "")
    review = f"\nReview: {span.review:%d %b %Y}" if span.review else ""
    return f"{row.title}\nStage: {row.stage}\n{span.start:%d %b %Y} → {end}{review}"


def _faded(colour: QColor | str, alpha: int) -> QColor:
    out = QColor(colour)
    out.setAlpha(alpha)
    return out
