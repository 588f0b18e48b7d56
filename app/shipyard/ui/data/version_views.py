"""The analysis tabs of the datasets page: profile, PII findings, drift and the SQL box.

Each view computes in the background when its tab is first shown for a version, and keeps
the answer until another version is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.widgets import compact_combo, primary

if TYPE_CHECKING:
    from shipyard.core.data import DatasetVersion
    from shipyard.ui.session import WorkspaceSession


class DataHost(Protocol):
    """What a version view needs from the page that holds it (the Datasets page): the
    session, the listed versions, and a way to announce a new version."""

    session: WorkspaceSession

    def versions(self) -> list[DatasetVersion]: ...
    def save_query(self, sql: str) -> None: ...
    def version_added(self, version: DatasetVersion) -> None: ...


SEVERITY_COLOURS = {"none": "#2e9e5b", "moderate": "#d49a1c", "major": "#d64545"}
REFERENCE_COLOUR, CURRENT_COLOUR = "#2f6fde", "#e07b39"
SHOW_PROGRESS_AFTER_MS = 300  # a quick answer never flashes the progress strip


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def make_table(headers: list[str]) -> QTableWidget:
    """A read-only table of whole rows, columns sized to their contents."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: list[list[Any]]) -> None:
    """Put `rows` in `table`: items as they are, other values formatted for reading."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = value if isinstance(value, QTableWidgetItem) else QTableWidgetItem(_fmt(value))
            table.setItem(r, c, item)


def _plot() -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setMinimumHeight(180)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    return plot


def _style_plot(plot: pg.PlotWidget, widget: QWidget) -> None:
    palette = widget.palette()
    plot.setBackground(palette.color(QPalette.Base))
    fg = palette.color(QPalette.Text)
    for side in ("left", "bottom"):
        plot.getAxis(side).setTextPen(fg)
        plot.getAxis(side).setPen(fg)


class VersionView(QWidget):
    """Holds the page, the chosen version and whether this view has computed for it.

    Its jobs run through `start`, shown in `job_progress` (which each view places under
    its controls) with a Cancel button; answers for a version no longer shown are dropped.
    """

    def __init__(self, page: DataHost, job: str) -> None:
        super().__init__()
        self.page = page
        self.version: DatasetVersion | None = None
        self.loaded_for: str | None = None
        self.status = QLabel(objectName="pageSubtitle")
        self.status.setWordWrap(True)
        self.job_progress = JobProgress(job, show_after_ms=SHOW_PROGRESS_AFTER_MS)

    def set_version(self, version: DatasetVersion | None) -> None:
        self.version, self.loaded_for = version, None
        self.clear()

    def activate(self) -> None:
        if self.version is not None and self.loaded_for != self.version.ref:
            self.loaded_for = self.version.ref
            self.load()

    def start(
        self, fn: Any, *args: Any, done: Any, message: str, failed: Any = None
    ) -> BackgroundTask:
        """Run `fn(job, *args)` in the background; `done(result)` if the version is
        still shown, `failed(error)` (by default: the error in the status line)."""
        version = self.version
        self.status.setText(message)
        return (
            Op(self, fn, *args)
            .progress(self.job_progress)  # the status line says what runs
            .success(lambda result: self._finish(version, done, result))
            .failure(failed or (lambda exc: self.status.setText(f"⚠ {exc}")))
            .cancelled(lambda: self.status.setText("Cancelled."))
            .run_in_background()
        )

    def _finish(self, version: Any, done: Any, result: Any) -> None:
        if version is self.version:  # ignore answers for a version no longer shown
            self.status.setText("")
            done(result)

    def clear(self) -> None: ...

    def load(self) -> None: ...


# -- profile --------------------------------------------------------------------------------
def _profile(job, version):  # type: ignore[no-untyped-def]
    from shipyard.core.data import profile_version

    return profile_version(version, job=job)


class ProfileView(VersionView):
    def __init__(self, page: DataHost) -> None:
        super().__init__(page, "profiling")
        self.profile: Any = None
        self.table = make_table(["Column", "Type", "Nulls", "Distinct", "Min", "Max", "Mean"])
        self.table.currentCellChanged.connect(lambda r, *_: self.show_column(r))
        self.plot = _plot()
        self.plot_title = QLabel(objectName="sectionTitle")
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        holder = QWidget()
        hbox = QVBoxLayout(holder)
        hbox.setContentsMargins(0, 0, 0, 0)
        hbox.addWidget(self.plot_title)
        hbox.addWidget(self.plot)
        split.addWidget(holder)
        box = QVBoxLayout(self)
        box.addWidget(self.status)
        box.addWidget(self.job_progress)
        box.addWidget(split, 1)

    def clear(self) -> None:
        self.profile = None
        self.table.setRowCount(0)
        self.plot.clear()
        self.plot_title.clear()

    def load(self) -> None:
        self.start(_profile, self.version, done=self.show_profile, message="Profiling…")

    def show_profile(self, profile: Any) -> None:
        self.profile = profile
        rows = []
        for c in profile.columns:
            rows.append([c.name, c.type, f"{c.null_share:.1%}", f"{c.distinct:,}",
                         c.min, c.max, c.mean])  # fmt: skip
        fill_table(self.table, rows)
        if profile.sample is not None:  # a big version: say what the charts are drawn from
            self.status.setText(f"{profile.scope[0].upper()}{profile.scope[1:]}: histograms "
                                "and top values are the sample's; counts, min, max and mean "
                                "are exact, distinct counts approximate.")  # fmt: skip
        if rows:
            self.table.selectRow(0)
            self.show_column(0)

    def show_column(self, row: int) -> None:
        if self.profile is None or not 0 <= row < len(self.profile.columns):
            return
        column = self.profile.columns[row]
        drawn = self.profile.sample["rows"] if self.profile.sample else column.rows
        self.plot.clear()
        self.plot.getAxis("bottom").setTicks(None)  # drop the previous column's labels
        _style_plot(self.plot, self)
        brush = pg.mkBrush(QColor(REFERENCE_COLOUR))
        if column.histogram:
            # Integer columns give exact integer edges; the plot wants plain floats.
            lows = [float(b.low) for b in column.histogram]
            widths = [float(b.high) - float(b.low) for b in column.histogram]
            counts = [float(b.count) for b in column.histogram]
            self.plot.addItem(pg.BarGraphItem(x0=lows, width=widths, height=counts, brush=brush,
                                              pen=pg.mkPen(None)))  # fmt: skip
            of = " sampled" if self.profile.sample else ""
            self.plot_title.setText(f"{column.name}: histogram of {drawn:,}{of} rows")
            self.plot.getAxis("bottom").setTicks(None)
        elif column.top_values:
            values = list(column.top_values)
            self.plot.addItem(pg.BarGraphItem(x=list(range(len(values))), width=0.7,
                                              height=[t.count for t in values], brush=brush,
                                              pen=pg.mkPen(None)))  # fmt: skip
            ticks = [(i, t.value[:14]) for i, t in enumerate(values)]
            self.plot.getAxis("bottom").setTicks([ticks, []])
            self.plot_title.setText(f"{column.name}: most frequent values")
        else:
            span = f" from {column.min} to {column.max}" if column.min is not None else ""
            self.plot_title.setText(f"{column.name}: {column.distinct:,} distinct values{span}")


# -- PII ------------------------------------------------------------------------------------
def _scan(job, version):  # type: ignore[no-untyped-def]
    from shipyard.core.data import scan_pii

    return scan_pii(version, job=job)


class PiiView(VersionView):
    def __init__(self, page: DataHost) -> None:
        super().__init__(page, "PII scan")
        self.report: Any = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.scan_button = QPushButton("Scan again")
        self.scan_button.clicked.connect(self.load_fresh)
        self.table = make_table(["Column", "Kind", "Rows matching", "Share", "Masked example"])
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.scan_button)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.status)
        box.addWidget(self.job_progress)
        box.addWidget(self.table, 1)

    def clear(self) -> None:
        self.report = None
        self.summary.clear()
        self.table.setRowCount(0)

    def load(self) -> None:
        from shipyard.core.data import load_pii_report

        stored = load_pii_report(self.version) if self.version is not None else None
        if stored is not None:
            self.show_report(stored)
        else:
            self.load_fresh()

    def load_fresh(self) -> None:
        if self.version is not None:
            self.start(_scan, self.version, done=self.show_report, message="Scanning for PII…")

    def show_report(self, report: Any) -> None:
        self.report = report
        sample = f" ({report.scope})" if report.sampled else ""
        if report.findings:
            cols = ", ".join(report.columns)
            self.summary.setText(f"<b>Personal data found</b> in {cols}{sample}. Gate checks "
                                 "block these columns as model features unless the one-pager "
                                 "records an approval.")  # fmt: skip
        else:
            self.summary.setText(f"No personal data found{sample}.")
        rows = [[f.column, f.label, f"{f.matching_rows:,}", f"{f.share:.1%}", f.example]
                for f in report.findings]  # fmt: skip
        fill_table(self.table, rows)


# -- drift ----------------------------------------------------------------------------------
def _drift(job, reference, current):  # type: ignore[no-untyped-def]
    from shipyard.core.data import compare_versions

    return compare_versions(reference, current, job=job)


class DriftView(VersionView):
    def __init__(self, page: DataHost) -> None:
        super().__init__(page, "drift comparison")
        self.report: Any = None
        self.reference = compact_combo(QComboBox(), 22)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.compare)
        self.table = make_table(["Column", "Kind", "PSI", "KS p-value", "Severity"])
        self.table.currentCellChanged.connect(lambda r, *_: self.show_column(r))
        self.plot = _plot()
        self.plot.addLegend(offset=(10, 5))
        self.legend_text = QLabel(objectName="pageSubtitle")
        top = QHBoxLayout()
        top.addWidget(QLabel("Reference version"))
        top.addWidget(self.reference, 1)
        top.addWidget(self.compare_button)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.status)
        box.addWidget(self.job_progress)
        box.addWidget(split, 1)
        box.addWidget(self.legend_text)
        self.legend_text.setText("PSI < 0.1: no drift · 0.1–0.25: moderate · > 0.25: major")

    def clear(self) -> None:
        self.report = None
        self.table.setRowCount(0)
        self.plot.clear()
        self.reference.clear()
        for v in self.page.versions():
            if self.version is not None and v.ref != self.version.ref:
                self.reference.addItem(v.ref, v)
        same = [i for i in range(self.reference.count())
                if self.version and self.reference.itemData(i).name == self.version.name]  # fmt: skip
        if same:
            self.reference.setCurrentIndex(same[0])
        self.compare_button.setEnabled(self.reference.count() > 0)

    def load(self) -> None:
        if self.reference.count() == 0:
            self.status.setText("Import a second version to compare with.")

    def compare(self) -> None:
        reference = self.reference.currentData()
        if reference is not None and self.version is not None:
            self.start(_drift, reference, self.version, done=self.show_report,
                       message=f"Comparing {reference.ref} → {self.version.ref}…")  # fmt: skip

    def show_report(self, report: Any) -> None:
        self.report = report
        rows = []
        for c in report.columns:
            severity = QTableWidgetItem(c.severity)
            severity.setForeground(QColor(SEVERITY_COLOURS.get(c.severity, "#888")))
            rows.append([c.column, c.kind, f"{c.psi:.3f}",
                         "" if c.ks_pvalue is None else f"{c.ks_pvalue:.3g}", severity])  # fmt: skip
        fill_table(self.table, rows)
        scope = f" ({report.scope})" if report.scope else ""
        self.status.setText(f"{report.reference} → {report.current}: worst drift "
                            f"{report.worst}{scope}")  # fmt: skip
        if rows:
            self.table.selectRow(0)
            self.show_column(0)

    def show_column(self, row: int) -> None:
        if self.report is None or not 0 <= row < len(self.report.columns):
            return
        overlay = self.report.columns[row].overlay
        self.plot.clear()
        _style_plot(self.plot, self)
        n = len(overlay.reference)
        xs = list(range(n))
        for offset, shares, colour, name in (
            (-0.2, overlay.reference, REFERENCE_COLOUR, self.report.reference),
            (0.2, overlay.current, CURRENT_COLOUR, self.report.current),
        ):
            bars = pg.BarGraphItem(x=[x + offset for x in xs], width=0.38, height=list(shares),
                                   brush=pg.mkBrush(QColor(colour)), pen=pg.mkPen(None),
                                   name=name)  # fmt: skip
            self.plot.addItem(bars)
        labels = overlay.labels or tuple(f"{e:.3g}" for e in overlay.edges[:n])
        self.plot.getAxis("bottom").setTicks([[(i, str(t)[:12]) for i, t in enumerate(labels)], []])


# -- SQL ------------------------------------------------------------------------------------
def _query(job, ws, sql):  # type: ignore[no-untyped-def]
    from shipyard.core.data import run_query

    return run_query(ws, sql, limit=1000, job=job)


def _save(job, ws, sql, name, user):  # type: ignore[no-untyped-def]
    from shipyard.core.data import save_query_result

    return save_query_result(ws, sql, name, user=user, job=job)


class QueryView(VersionView):
    """A read-only SQL box over every dataset (views named after datasets, name@v2 too)."""

    def __init__(self, page: DataHost) -> None:
        super().__init__(page, "query")
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("SELECT * FROM churn_customers WHERE churned LIMIT 100")
        self.editor.setFixedHeight(96)
        self.run_button = primary(QPushButton("Run (Ctrl+Enter)"))
        self.run_button.clicked.connect(self.run_query)
        self.save_button = QPushButton("Save as version…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.page.save_query(self.last_sql))
        QShortcut(
            QKeySequence("Ctrl+Return"),
            self.editor,
            activated=self.run_query,
            objectName="runQueryShortcut",
        )
        self.results = make_table([])
        self.last_sql = ""
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.run_button)
        box = QVBoxLayout(self)
        box.addWidget(self.editor)
        box.addLayout(row)
        box.addWidget(self.job_progress)
        box.addWidget(self.results, 1)

    def clear(self) -> None:
        if self.version is not None and not self.editor.toPlainText().strip():
            self.editor.setPlainText(f'SELECT * FROM "{self.version.ref}" LIMIT 100')

    def run_query(self) -> None:
        ws = self.page.session.workspace
        sql = self.editor.toPlainText().strip()
        if ws is None or not sql:
            return
        self.last_sql = sql
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:  # the SQL error's own words, no "Error:"
            self.status.setText(f"⚠ {getattr(exc, 'message', exc)}")

        self.start(_query, ws, sql, done=self.show_result, message="Running…", failed=failed)

    def show_result(self, result: Any) -> None:
        self.results.clear()
        self.results.setColumnCount(len(result.columns))
        self.results.setHorizontalHeaderLabels(list(result.columns))
        fill_table(self.results, [list(r) for r in result.rows])
        more = " (first 1,000)" if result.truncated else ""
        self.status.setText(f"{len(result.rows):,} rows{more} in {result.elapsed_s * 1000:.0f} ms "
                            f"from {', '.join(result.sources) or 'no dataset'}")  # fmt: skip
        self.save_button.setEnabled(True)

    def save_as(self, sql: str, name: str) -> None:
        ws = self.page.session.workspace
        if ws is None:
            return
        self.start(_save, ws, sql, name, self.page.session.user,
                   done=self.page.version_added,
                   message=f"Saving the result as {name}…")  # fmt: skip
