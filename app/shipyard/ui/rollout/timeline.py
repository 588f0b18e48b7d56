"""The rehearsal timeline in pyqtgraph: candidate traffic share, p95 latency, error rate and
KPI against minutes, with phase boundaries, the policy's limits and the rollback moment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from shipyard.ui.theme import ACCENT

if TYPE_CHECKING:
    from shipyard.core.rollout.policy import RolloutPolicy
    from shipyard.core.rollout.results import SimulationResult

ROLLBACK = "#d64545"
PANELS = (
    ("share", "traffic %", "candidate's share of requests"),
    ("latency", "p95 ms", "p95 latency in milliseconds; dashed: the policy's limit"),
    ("errors", "errors %", "error rate; dashed: the policy's limit"),
    ("kpi", "KPI %", "correct answers on labelled rows"),
)


class TimelinePlot(pg.GraphicsLayoutWidget):
    """Four stacked plots sharing the minutes axis."""

    _ready = False  # palette changes during construction come before the plots exist

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(280)
        self.plots: dict[str, pg.PlotItem] = {}
        self._shown: tuple[SimulationResult, RolloutPolicy] | None = None
        previous = None
        for row, (key, label, tip) in enumerate(PANELS):
            plot = self.addPlot(row=row, col=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.setLabel("left", label, units=None)
            plot.getAxis("left").setWidth(64)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.showGrid(x=False, y=True, alpha=0.15)
            if previous is not None:
                plot.setXLink(previous)
            if row < len(PANELS) - 1:
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                plot.setLabel("bottom", "minutes")  # with the key to the lines: see restyle
            plot.setToolTip(f"{tip}, per slice of each phase")
            self.plots[key] = plot
            previous = plot
        self.plots["share"].setYRange(0, 105)
        self.plots["kpi"].setYRange(0, 100)
        self._ready = True
        self.restyle()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Restyle on the plot's own palette change: the tab's may arrive before this
        # widget's palette has been updated, and then it would repaint in the old colours.
        if event.type() == QEvent.PaletteChange and self._ready:
            self.restyle()
            if self._shown is not None:
                self.show_result(*self._shown)

    def restyle(self) -> None:
        palette = self.palette()
        self.setBackground(palette.color(QPalette.Base))
        fg = palette.color(QPalette.Text)
        # The key to the lines sits in the minutes axis title: a legend inside the short
        # traffic panel would cover the lines or the phase names.
        control = palette.color(QPalette.PlaceholderText).name()
        self.plots["kpi"].setLabel(
            "bottom",
            f"minutes &nbsp;&nbsp; <span style='color:{ACCENT}'>━━</span> candidate "
            f"&nbsp; <span style='color:{control}'>━━</span> control",
        )
        for plot in self.plots.values():
            for side in ("left", "bottom"):
                # The pen first: pyqtgraph gives the axis title the colour of the last pen
                # set, and the title must be text-coloured, not the faint line colour.
                plot.getAxis(side).setPen(palette.color(QPalette.Mid))
                plot.getAxis(side).setTextPen(fg)

    def _muted(self) -> QColor:
        return self.palette().color(QPalette.PlaceholderText)

    def _text(self) -> QColor:
        """Colour of words on the plot: the theme's text, readable in light and dark."""
        return self.palette().color(QPalette.Text)

    def clear_all(self, message: str = "") -> None:
        self._shown = None
        for plot in self.plots.values():
            plot.clear()
        if message:
            note = pg.TextItem(message, color=self._text(), anchor=(0.5, 0.5))
            note.setPos(0.5, 50)
            self.plots["share"].addItem(note)
            self.plots["share"].setXRange(0, 1)

    def show_result(self, result: SimulationResult, policy: RolloutPolicy) -> None:
        """Draw `result`; the x range covers the whole planned rehearsal."""
        import numpy as np

        self.clear_all()
        self._shown = (result, policy)
        tl = result.timeline
        if tl is None or not len(tl.minutes):
            self.clear_all(result.headline)
            return
        cand = pg.mkPen(ACCENT, width=2)
        ctrl = pg.mkPen(self._muted(), width=1.5)
        limit = pg.mkPen(QColor("#c27c0e"), width=1, style=Qt.DashLine)
        x = np.concatenate([[0.0], tl.minutes])

        def series(values: Any, scale: float = 1.0) -> Any:
            v = np.asarray(values, float) * scale
            return np.concatenate([[v[0]], v])

        share = self.plots["share"]
        share.plot(x, series(tl.share, 100), pen=cand)
        # The control serves every request the candidate does not.
        share.plot(x, 100 - series(tl.share, 100), pen=ctrl)
        lat = self.plots["latency"]
        lat.plot(x, series(tl.p95_candidate), pen=cand, connect="finite")
        lat.plot(x, series(tl.p95_control), pen=ctrl, connect="finite")
        err = self.plots["errors"]
        err.plot(x, series(tl.error_candidate, 100), pen=cand, connect="finite")
        err.plot(x, series(tl.error_control, 100), pen=ctrl, connect="finite")
        kpi = self.plots["kpi"]
        if result.labelled:
            kpi.plot(x, series(tl.kpi_candidate, 100), pen=cand, connect="finite")
            kpi.plot(x, series(tl.kpi_control, 100), pen=ctrl, connect="finite")
        else:
            note = pg.TextItem("no labels: KPI not measured", color=self._text())
            note.setPos(0, 90)
            kpi.addItem(note)
        rate = policy.request_rate_per_min
        starts = np.concatenate([[0], np.cumsum(policy.phase_lengths())]) / rate
        end = float(starts[-1])
        # the policy's limits, phase by phase, as dashed steps
        for key, check, scale in (
            ("latency", "p95_latency_ms", 1.0),
            ("errors", "error_rate", 100),
        ):
            xs, ys = [], []
            for i, phase in enumerate(policy.phases):
                value = getattr(phase.checks, check)
                xs += [starts[i], starts[i + 1]]
                ys += [np.nan, np.nan] if value is None else [value * scale, value * scale]
            self.plots[key].plot(xs, ys, pen=limit, connect="finite")
        boundary = pg.mkPen(self.palette().color(QPalette.Mid), width=1, style=Qt.DotLine)
        for i, phase in enumerate(policy.phases):
            for plot in self.plots.values():
                plot.addItem(pg.InfiniteLine(starts[i], angle=90, pen=boundary))
            label = pg.TextItem(f"{phase.name} {phase.percent:g}%", color=self._text(),
                                anchor=(0, 0))  # fmt: skip
            label.setPos(starts[i], 112 - 24 * (i % 2))
            share.addItem(label)
        if result.rollback_minute is not None:
            pen = pg.mkPen(ROLLBACK, width=2)
            for plot in self.plots.values():
                plot.addItem(pg.InfiniteLine(result.rollback_minute, angle=90, pen=pen))
            tag = pg.TextItem("rollback", color=QColor(ROLLBACK), anchor=(0, 1))
            tag.setPos(result.rollback_minute, 60)
            share.addItem(tag)
        share.setYRange(0, 114)
        kpi.setYRange(0, 100)
        self.plots["latency"].enableAutoRange(axis="y")
        self.plots["errors"].enableAutoRange(axis="y")
        share.setXRange(0, end, padding=0.01)
