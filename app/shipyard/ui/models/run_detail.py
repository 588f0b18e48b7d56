"""The detail pane of one run: summary (metrics, parity, warnings) and its plots as sub-tabs.

A plot is drawn when its tab is shown (the run's curves are read then, from its
curves.json): selecting runs one after another in a long leaderboard draws one plot each.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.models import jobs as models_jobs
from shipyard.ui.models.leaderboard_model import (
    HIDDEN_METRICS,
    fmt_created,
    fmt_metric,
    metric_label,
)
from shipyard.ui.models.run_plots import (
    CalibrationPlot,
    ConfusionPlot,
    ImportancePlot,
    PredictedActualPlot,
    PrPlot,
    ResidualsPlot,
    RocPlot,
)

if TYPE_CHECKING:
    from shipyard.core.training import RunRecord
    from shipyard.ui.session import WorkspaceSession

CLASSIFICATION_TABS = ("summary", "roc", "pr", "confusion", "calibration", "importance")
REGRESSION_TABS = ("summary", "pva", "residuals", "importance")


def summary_html(record: RunRecord, primary: str = "") -> str:
    """The run at a glance: what was trained on what, how it scored, and what to watch."""
    ds = record.dataset
    onnx = (
        "✓ exported to ONNX; agrees with sklearn on the rows it was scored on"
        if record.exportable
        else f"<span style='color:#d64545'>✗ not exportable: {escape(record.export_problem)}</span>"
    )
    parts = [
        f"<h3 style='margin:0'>{escape(record.family)} · {escape(record.model)}</h3>",
        f"<p>Run <code>{escape(record.run_id)}</code> by {escape(record.user)}, "
        f"{fmt_created(record.created)} UTC<br>"
        f"Data <b>{escape(str(ds.get('ref', '')))}</b> · target "
        f"<b>{escape(str(record.task.get('target', '')))}</b> ({escape(str(record.task.get('kind', '')))}) · "
        + (
            f"{ds.get('train_rows', 0):,} train / {ds.get('validation_rows', 0):,} validation / "
            f"{ds.get('test_rows', 0):,} sealed test rows · "
            if "test_rows" in ds
            else f"{ds.get('train_rows', 0):,} train / {ds.get('holdout_rows', 0):,} holdout rows · "
        )
        + f"seed {record.seed}<br>{_sample_line(record)}{onnx}</p>",
        "<table cellspacing='0' cellpadding='3'>",
    ]
    for key, value in record.metrics.items():
        if key in HIDDEN_METRICS:
            continue
        name = escape(metric_label(key))
        if key == primary:
            name = f"<b>{name}</b> (primary)"
        parts.append(f"<tr><td>{name}</td><td align='right'>{fmt_metric(value)}</td></tr>")
    parts.append("</table>")
    source = "ONNX" if record.metrics_source == "onnx" else record.metrics_source
    note = f"Metrics are on {record.scored_rows_words}, from the {escape(source)} model."
    if record.cv:
        cv = record.cv
        note += (
            f" {cv['folds']}-fold cross-validation ({escape(cv['scoring'])}): "
            f"{cv['mean']:.4f} ± {cv['std']:.4f}."
        )
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in record.timings.items())
    parts.append(f"<p>{note}<br>Timings: {timing}.</p>")
    if record.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in record.warnings)
        parts.append(f"<p><b>Warnings</b></p><ul style='margin-top:0'>{items}</ul>")
    return "".join(parts)


def _sample_line(record: RunRecord) -> str:
    """ "Trained on a stratified sample of 200,000 of 20,000,000 rows, seed 42<br>", or ""."""
    from shipyard.core.data.sampling import training_sample_phrase

    text = training_sample_phrase(getattr(record, "sample", None))
    return f"{escape(text)}<br>" if text else ""


class RunDetail(QWidget):
    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.record: RunRecord | None = None
        self.importance_task: BackgroundTask | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setContentsMargins(8, 6, 8, 6)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.summary)

        self.roc, self.pr = RocPlot(), PrPlot()
        self.confusion, self.calibration = ConfusionPlot(), CalibrationPlot()
        self.pva, self.residuals = PredictedActualPlot(), ResidualsPlot()
        self.importance = ImportancePlot()
        self.importance_button = QPushButton("Compute importance")
        self.importance_button.setToolTip(
            "Shuffle each feature on the holdout and measure how much the score drops "
            "(runs in the background; the result is kept with the run)"
        )
        self.importance_button.clicked.connect(self.compute_importance)
        self.importance_progress = JobProgress(
            "importance computation", cancel_tip="Stop computing the importance (Esc)"
        )
        self.importance_status = QLabel(objectName="pageSubtitle")
        self.importance_status.setWordWrap(True)
        imp = QWidget()
        ibox = QVBoxLayout(imp)
        irow = QHBoxLayout()
        irow.addWidget(self.importance_button)
        irow.addWidget(self.importance_progress, 1)
        ibox.addLayout(irow)
        ibox.addWidget(self.importance_status)
        ibox.addWidget(self.importance, 1)

        self.tabs = QTabWidget(documentMode=True)
        self.pages: dict[str, QWidget] = {}
        for key, widget, title in (
            ("summary", scroll, "Summary"),
            ("roc", self.roc, "ROC"),
            ("pr", self.pr, "Precision-recall"),
            ("confusion", self.confusion, "Confusion"),
            ("calibration", self.calibration, "Calibration"),
            ("pva", self.pva, "Predicted vs actual"),
            ("residuals", self.residuals, "Residuals"),
            ("importance", imp, "Importance"),
        ):
            self.pages[key] = widget
            self.tabs.addTab(widget, title)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.tabs)
        self.plots: dict[str, Any] = {
            "roc": self.roc, "pr": self.pr, "confusion": self.confusion,
            "calibration": self.calibration, "pva": self.pva, "residuals": self.residuals,
        }  # fmt: skip
        self.undrawn: set[str] = set()  # plots of the shown run not drawn yet
        self.tabs.currentChanged.connect(lambda _i: self._draw_current())

    def visible_tabs(self) -> list[str]:
        return [k for i, k in enumerate(self.pages) if self.tabs.isTabVisible(i)]

    def show_run(self, slug: str, record: RunRecord | None, primary: str = "") -> None:
        self.cancel_importance()
        self.slug, self.record = slug, record
        if record is None:
            self.undrawn.clear()
            self.summary.setText("Select a run in the leaderboard to see its metrics and plots.")
            for i, key in enumerate(self.pages):
                self.tabs.setTabVisible(i, key == "summary")
            return
        self.summary.setText(summary_html(record, primary))
        shown = REGRESSION_TABS if record.task.get("kind") == "regression" else CLASSIFICATION_TABS
        for i, key in enumerate(self.pages):
            self.tabs.setTabVisible(i, key in shown)
        self.undrawn = {k for k in shown if k in self.plots}
        self._draw_current()
        self.importance.empty("Compute importance to see which features the model relies on.")
        self.importance_status.setText("")
        self.importance_button.setEnabled(record.exportable)
        if not record.exportable:
            self.importance_status.setText(
                "Importance is measured through the exported ONNX model; this run has none."
            )
        elif models_jobs.importance_cached(record):
            self.compute_importance()  # read from the run's cache, quick

    def _draw_current(self) -> None:
        keys = list(self.pages)
        index = self.tabs.currentIndex()
        key = keys[index] if 0 <= index < len(keys) else ""
        if key in self.undrawn and self.record is not None:
            self.undrawn.discard(key)
            self.plots[key].show_run(self.record)

    def draw_all(self) -> None:
        """Draw every plot of the shown run now (a screenshot of each tab, say)."""
        for key in sorted(self.undrawn):
            if self.record is not None:
                self.plots[key].show_run(self.record)
        self.undrawn.clear()

    # -- importance -----------------------------------------------------------------------
    def compute_importance(self) -> None:
        ws, record = self.session.workspace, self.record
        if ws is None or record is None or self.slug is None or self.importance_running:
            return
        self.importance_button.setEnabled(False)
        self.importance_status.setText("Shuffling features on the holdout…")
        self.importance_task = (
            Op(self, models_jobs.importance, ws, self.slug, record.run_id)
            .progress(self.importance_progress)
            .success(lambda result, r=record: self._importance_done(r, result))
            .failure(lambda exc: self._importance_stopped(f"⚠ {exc}"))
            .cancelled(lambda: self._importance_stopped("Cancelled."))
            .run_in_background()
        )

    @property
    def importance_running(self) -> bool:
        return self.importance_task is not None and self.importance_task.running

    def cancel_importance(self) -> None:
        self.importance_progress.cancel()

    def _importance_done(self, record: RunRecord, result: dict[str, Any]) -> None:
        self._importance_stopped("")
        if record is not self.record:
            return  # the user moved on to another run
        self.importance.show_importance(result)
        self.importance_status.setText(
            f"Permutation importance on {result.get('rows', 0):,} holdout rows "
            f"({metric_label(str(result.get('metric', '')))}); bars show the mean drop ± one "
            "standard deviation over the repeats."
        )

    def _importance_stopped(self, message: str) -> None:
        self.importance_button.setEnabled(self.record is not None)
        self.importance_status.setText(message)
