"""pyqtgraph plots of one run: ROC, PR, confusion matrix, calibration, importance, regression.

Each plot takes a RunRecord (or, for importance, the core's result dict) and draws what the
run recorded; when the run holds no such data it says why instead of showing empty axes.
Colours come from the widget's palette, so the plots follow the light and dark themes.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from shipyard.ui.models.leaderboard_model import metric_label

# Distinguishable on both light and dark backgrounds.
SERIES = (
    "#2f6fde",
    "#e07b39",
    "#2e9e5b",
    "#d64545",
    "#8e5bd0",
    "#b8960f",
    "#1aa3b8",
    "#d0589a",
    "#6b7a90",
    "#7fae2f",
)
MAX_IMPORTANCE_BARS = 25


def series_colour(i: int) -> QColor:
    return QColor(SERIES[i % len(SERIES)])


class RunPlot(QWidget):
    """A pyqtgraph plot, or a note saying why there is nothing to plot."""

    # Where the legend sits: (x, y) from the left/top when positive, right/bottom when
    # negative. Each plot puts it where its data rarely goes.
    legend_offset: tuple[int, int] = (-10, 10)

    def __init__(self, x_label: str, y_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(220)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.legend = self.plot.addLegend(offset=self.legend_offset)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.note = QLabel(objectName="emptyBody")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.note)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(self.stack)

    @property
    def has_data(self) -> bool:
        return self.stack.currentIndex() == 0

    def reset(self) -> None:
        """Clear the plot and re-apply the palette's colours (the theme may have changed)."""
        self.plot.clear()
        self.legend.clear()
        self.plot.getAxis("bottom").setTicks(None)
        self.plot.getAxis("left").setTicks(None)
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        fg = palette.color(QPalette.ColorRole.Text)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setTextPen(fg)
            axis.setPen(fg)
            axis.label.setDefaultTextColor(fg)
        self.legend.setLabelTextColor(fg)
        backdrop = QColor(palette.color(QPalette.ColorRole.Base))
        backdrop.setAlpha(200)  # lines under the legend stay visible
        self.legend.setBrush(pg.mkBrush(backdrop))
        self.legend.show()
        self.stack.setCurrentIndex(0)

    def empty(self, text: str) -> None:
        self.reset()
        self.note.setText(text)
        self.stack.setCurrentIndex(1)

    def data_items(self) -> list[Any]:
        return list(self.plot.listDataItems())

    def _muted_pen(self) -> Any:
        colour = self.palette().color(QPalette.ColorRole.PlaceholderText)
        return pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)

    def _line(self, x: list[float], y: list[float], name: str, i: int) -> Any:
        return self.plot.plot(x, y, pen=pg.mkPen(series_colour(i), width=2), name=name)

    def _diagonal(self, lo: float, hi: float, name: str) -> None:
        self.plot.plot([lo, hi], [lo, hi], pen=self._muted_pen(), name=name)


def _per_class(curves: dict[str, Any], many: str, one: str) -> dict[str, dict[str, Any]]:
    """Per-class curves when recorded, else the binary curve of the positive class."""
    if isinstance(curves.get(many), dict) and curves[many]:
        return dict(curves[many])
    single = curves.get(one)
    if isinstance(single, dict):
        return {str(single.get("positive", "positive")): dict(single)}
    return {}


def _no_curve(record: Any, what: str) -> str:
    if record.task.get("kind") == "regression":
        return f"{what} are drawn for classification runs; this run is a regression."
    return f"This run recorded no {what.lower()} (the holdout may lack a class). Train again."


class CurvePlot(RunPlot):
    """One curve per class in the unit square, each labelled with its area."""

    def show_curves(
        self,
        record: Any,
        keys: tuple[str, str, str],  # per-class key, single-curve key, what the curves are
        area: tuple[str, str, str],  # run metric, per-curve key, its short name
        axes: tuple[str, str],
    ) -> bool:
        """Draw the record's curves; False (and an explanation) when it has none."""
        curves = _per_class(record.curves, keys[0], keys[1])
        if not curves:
            self.empty(_no_curve(record, keys[2]))
            return False
        self.reset()
        single = record.metrics.get(area[0])
        for i, (cls, c) in enumerate(curves.items()):
            value = c.get(area[1], single if len(curves) == 1 else None)
            label = f"{cls} ({area[2]} {value:.3f})" if isinstance(value, int | float) else cls
            self._line(c[axes[0]], c[axes[1]], label, i)
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        return True


class RocPlot(CurvePlot):
    legend_offset = (-10, -10)  # curves hug the top left

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("False positive rate", "True positive rate", parent)

    def show_run(self, record: Any) -> None:
        if self.show_curves(record, ("roc_curves", "roc_curve", "ROC curves"),
                            ("roc_auc", "auc", "AUC"), ("fpr", "tpr")):  # fmt: skip
            self._diagonal(0.0, 1.0, "chance")
        return None


class PrPlot(CurvePlot):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recall", "Precision", parent)

    def show_run(self, record: Any) -> None:
        self.show_curves(record, ("pr_curves", "pr_curve", "Precision-recall curves"),
                         ("pr_auc", "ap", "AP"), ("recall", "precision"))  # fmt: skip
        return None


class ConfusionPlot(RunPlot):
    """Counts in each cell; the colour is the share of the actual class (a row's recall)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Predicted", "Actual", parent)
        self.image: pg.ImageItem | None = None
        self.labels: list[pg.TextItem] = []
        self.matrix: list[list[int]] = []
        self.classes: list[str] = []

    def show_run(self, record: Any) -> None:
        import numpy as np

        conf = record.curves.get("confusion")
        if not isinstance(conf, dict) or not conf.get("matrix"):
            return self.empty(_no_curve(record, "Confusion matrices"))
        self.reset()
        self.legend.hide()  # the counts and the axes say it all
        self.plot.invertY(True)
        classes = [str(c) for c in conf["labels"]]
        counts = np.asarray(conf["matrix"], dtype=float)
        self.matrix = [[int(v) for v in row] for row in conf["matrix"]]
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        palette = self.palette()
        low, high = palette.color(QPalette.ColorRole.Base), QColor(SERIES[0])
        cmap = pg.ColorMap([0.0, 1.0], [low, high])
        # ImageItem indexes [x, y]: x is the predicted column, y the actual row.
        self.image = pg.ImageItem(share.T, levels=(0.0, 1.0))
        self.image.setLookupTable(cmap.getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        text = palette.color(QPalette.ColorRole.Text)
        self.labels = []
        for i, row in enumerate(self.matrix):
            for j, value in enumerate(row):
                colour = QColor("#ffffff") if share[i, j] > 0.55 else text
                label = pg.TextItem(f"{value:,}", color=colour, anchor=(0.5, 0.5))
                label.setPos(j + 0.5, i + 0.5)
                self.plot.addItem(label)
                self.labels.append(label)
        self.classes = classes
        self.plot.getAxis("left").setTicks([[(k + 0.5, _clip(c, 20)) for k, c in
                                             enumerate(classes)], []])  # fmt: skip
        self._bottom_ticks()
        n = len(classes)
        self.plot.setRange(xRange=(0, n), yRange=(0, n), padding=0)
        return None

    def _bottom_ticks(self) -> None:
        # Column labels share the plot's width; shorten them so neighbours never overlap.
        if not self.classes:
            return
        per_column = self.plot.width() * 0.8 / len(self.classes)
        chars = max(3, int(per_column / 7.5))
        ticks = [(k + 0.5, _clip(c, chars)) for k, c in enumerate(self.classes)]
        self.plot.getAxis("bottom").setTicks([ticks, []])

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._bottom_ticks()


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


class CalibrationPlot(RunPlot):
    legend_offset = (10, 10)  # points follow the diagonal

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Predicted probability", "Observed frequency", parent)

    def show_run(self, record: Any) -> None:
        cal = record.curves.get("calibration")
        if not isinstance(cal, dict) or not cal.get("predicted"):
            if record.task.get("kind") == "regression":
                return self.empty("Calibration is drawn for classification runs.")
            return self.empty("This run recorded no calibration data. Train again to get it.")
        self.reset()
        # Binary: the positive class's probability; multiclass: the top label's confidence.
        binary = len(record.task.get("classes") or []) == 2
        self.plot.setLabel("bottom", "Predicted probability" if binary else "Top-label confidence")
        self.plot.setLabel("left", "Observed frequency" if binary else "Accuracy")
        self._diagonal(0.0, 1.0, "perfectly calibrated")
        colour = series_colour(0)
        self.plot.plot(
            cal["predicted"],
            cal["observed"],
            pen=pg.mkPen(colour, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=colour,
            symbolPen=None,
            name="this run",
        )
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        return None


class ImportancePlot(RunPlot):
    """Permutation importance as horizontal bars, largest on top, ± one standard deviation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Drop in score when the feature is shuffled", "", parent)
        self.bars: pg.BarGraphItem | None = None
        self.features: list[str] = []
        self.means: list[float] = []

    def show_importance(self, result: dict[str, Any]) -> None:
        import numpy as np

        pairs = sorted(
            zip(result["features"], result["mean"], result["std"], strict=True),
            key=lambda p: p[1],
            reverse=True,
        )[:MAX_IMPORTANCE_BARS]
        if not pairs:
            return self.empty("The run has no features to rank.")
        self.reset()
        self.features = [p[0] for p in pairs]
        self.means = [float(p[1]) for p in pairs]
        means = np.asarray(self.means)
        stds = np.asarray([float(p[2] or 0.0) for p in pairs])
        ys = np.arange(len(pairs), dtype=float)
        self.plot.invertY(True)
        self.legend.hide()
        self.bars = pg.BarGraphItem(
            x0=0,
            y=ys,
            height=0.7,
            width=means,
            brush=pg.mkBrush(series_colour(0)),
            pen=pg.mkPen(None),
        )
        self.plot.addItem(self.bars)
        err = pg.ErrorBarItem(
            x=means,
            y=ys,
            left=stds,
            right=stds,
            beam=0.2,
            pen=pg.mkPen(self.palette().color(QPalette.ColorRole.Text)),
        )
        self.plot.addItem(err)
        self.plot.getAxis("left").setTicks(
            [[(float(y), f[:28]) for y, f in zip(ys, self.features, strict=True)], []]
        )
        key = str(result.get("metric") or "score")
        # The core measures a loss: ROC-AUC lost, or log loss / RMSE added.
        change = "added" if key in ("log_loss", "rmse", "mae", "brier", "ece") else "lost"
        self.plot.setLabel("bottom", f"{metric_label(key)} {change} when the feature is shuffled")
        self.plot.setYRange(-0.6, len(pairs) - 0.4, padding=0)
        return None


class PredictedActualPlot(RunPlot):
    legend_offset = (10, 10)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Actual", "Predicted", parent)

    def show_run(self, record: Any) -> None:
        pva = record.curves.get("predicted_vs_actual")
        if not isinstance(pva, dict) or not pva.get("actual"):
            return self.empty("Predicted vs actual is drawn for regression runs.")
        self.reset()
        actual, predicted = list(pva["actual"]), list(pva["predicted"])
        lo, hi = min(actual + predicted), max(actual + predicted)
        self._diagonal(lo, hi, "y = x")
        self.plot.plot(
            actual,
            predicted,
            pen=None,
            symbol="o",
            symbolSize=5,
            symbolBrush=series_colour(0),
            symbolPen=None,
            name="holdout rows",
        )
        return None


class ResidualsPlot(RunPlot):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Predicted", "Residual (actual − predicted)", parent)

    def show_run(self, record: Any) -> None:
        pva = record.curves.get("predicted_vs_actual")
        if not isinstance(pva, dict) or not pva.get("actual"):
            return self.empty("Residuals are drawn for regression runs.")
        self.reset()
        predicted = [float(p) for p in pva["predicted"]]
        residuals = [float(a) - p for a, p in zip(pva["actual"], predicted, strict=True)]
        self.plot.plot(
            [min(predicted), max(predicted)], [0.0, 0.0], pen=self._muted_pen(), name="no error"
        )
        self.plot.plot(
            predicted,
            residuals,
            pen=None,
            symbol="o",
            symbolSize=5,
            symbolBrush=series_colour(1),
            symbolPen=None,
            name="holdout rows",
        )
        return None
