"""The portfolio page: ranked table, bubble chart and roadmap of every project."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.portfolio.vocabulary import Stage
from shipyard.ui.portfolio.bubble_chart import BubbleChart
from shipyard.ui.portfolio.roadmap_chart import RoadmapChart
from shipyard.ui.portfolio.table_model import (
    COLUMN_INDEX,
    COLUMNS,
    SLUG_ROLE,
    PortfolioFilter,
    PortfolioTableModel,
)
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.table_columns import ColumnChooser
from shipyard.ui.widgets import EmptyState, PageHeader, primary

# Shown from the header's right-click menu; the rank already follows the chosen score.
DEFAULT_HIDDEN = ("reach", "ice", "wsjf")
NUMBER_WIDTH = 74  # px: wide enough for "1,234" and a sort arrow
TEXT_WIDTH = 150
TREND_WIDTH = 96  # px: the sparkline and "▼ −12"

RANK_CHOICES = (
    ("Priority (impact × confidence ÷ effort)", "composite"),
    ("RICE", "rice"),
    ("ICE", "ice"),
    ("WSJF", "wsjf"),
    ("Health", "health"),
)


class PortfolioPage(QWidget):
    projectActivated = Signal(str)
    newProjectRequested = Signal()

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.header = PageHeader("Portfolio")
        self.new_button = primary(QPushButton("New project…"))
        self.new_button.clicked.connect(self.newProjectRequested)
        self.header.actions.addWidget(self.new_button)

        self.search = QLineEdit(placeholderText="Filter by title, owner or slug  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.stage = QComboBox()
        self.stage.addItem("All stages", "")
        for stage in Stage:
            self.stage.addItem(stage.label, stage.value)
        self.rank_by = QComboBox()
        for label, key in RANK_CHOICES:
            self.rank_by.addItem(label, key)
        self.count = QLabel(objectName="pageSubtitle")

        self.model = PortfolioTableModel(self)
        self.proxy = PortfolioFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMN_INDEX["rank"], Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        head = self.table.horizontalHeader()
        # Sized once per refresh: ResizeToContents would measure every cell on every repaint.
        head.setSectionResizeMode(QHeaderView.Interactive)
        head.setSectionResizeMode(COLUMN_INDEX["title"], QHeaderView.Stretch)
        head.setMinimumSectionSize(40)
        head.setHighlightSections(False)
        from shipyard.ui.review.sparkline import SparklineDelegate

        self.table.setItemDelegateForColumn(COLUMN_INDEX["trend"], SparklineDelegate(self.table))
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        # Right-click the header to choose columns; the alternative scores start hidden so
        # the title keeps the room on a laptop.
        self.columns = ColumnChooser(
            self.table,
            "portfolio",
            key_of=lambda section: COLUMNS[section].key,
            default_hidden=DEFAULT_HIDDEN,
            required=("title",),
        )

        self.bubble = BubbleChart()
        self._roadmap: RoadmapChart | None = None  # built when its tab is first shown
        self.bubble.projectActivated.connect(self.projectActivated)
        self.charts = QTabWidget()
        self.charts.addTab(self.bubble, "Impact vs effort")
        self.charts.addTab(QWidget(), "Roadmap")
        self.charts.currentChanged.connect(self._chart_tab_changed)
        self.charts.setDocumentMode(True)

        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.charts)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.splitterMoved.connect(self._split_moved)
        self.split = split
        self._user_split = False

        self.empty = EmptyState(
            "No projects yet",
            "A project starts with a one-pager: the outcome, the hypothesis, the primary "
            "metric and who owns it. Add one here, or from a terminal with "
            '<code>shipyard project new WORKSPACE "Title"</code>.',
            "Add your first project",
        )
        self.empty.actionTriggered.connect(self.newProjectRequested)
        self.body = self.empty.alternative_to(split)

        filters = QWidget()
        frow = _row(filters)
        frow.addWidget(self.search, 3)
        frow.addWidget(self.stage, 1)
        frow.addWidget(QLabel("Rank by"))
        frow.addWidget(self.rank_by, 1)
        frow.addWidget(self.count)

        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(filters)
        box.addWidget(self.body, 1)

        self.search.textChanged.connect(self._filter_text)
        self.stage.currentIndexChanged.connect(lambda: self._filter_stage(self.stage.currentData()))
        self.rank_by.currentIndexChanged.connect(
            lambda: session.set_rank_by(self.rank_by.currentData())
        )
        QShortcut(QKeySequence.Find, self, activated=self._focus_search, objectName="findShortcut")
        session.rowsChanged.connect(self.refresh)
        session.workspaceChanged.connect(self.refresh)
        self.refresh()

    @property
    def roadmap(self) -> RoadmapChart:
        if self._roadmap is None:
            chart = RoadmapChart()
            chart.projectActivated.connect(self.projectActivated)
            index = 1
            placeholder = self.charts.widget(index)
            current = self.charts.currentIndex()
            self.charts.blockSignals(True)
            self.charts.removeTab(index)
            self.charts.insertTab(index, chart, "Roadmap")
            self.charts.setCurrentIndex(current)
            self.charts.blockSignals(False)
            placeholder.deleteLater()
            self._roadmap = chart
            self._update_roadmap()
        return self._roadmap

    def _chart_tab_changed(self, index: int) -> None:
        if index == 1:
            self.roadmap  # noqa: B018 - builds the chart on first view

    def _update_roadmap(self) -> None:
        ws = self.session.workspace
        if ws is None or self._roadmap is None:
            return
        cfg = ws.config.portfolio
        valid = [r for r in self.session.rows if r.onepager is not None]
        self._roadmap.set_rows(
            valid,
            anchor=cfg.sprint_anchor,
            sprint_days=cfg.sprint_length_days,
            today=self.session.today,
        )

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _filter_text(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _filter_stage(self, stage: str) -> None:
        self.proxy.set_stage(stage)
        self._update_count()

    def _activated(self, index: QModelIndex) -> None:
        slug = index.data(SLUG_ROLE)
        if slug:
            self.projectActivated.emit(slug)

    def selected_slug(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(SLUG_ROLE) if rows else None

    def refresh(self) -> None:
        ws = self.session.workspace
        rows = self.session.rows
        selected = self.selected_slug()
        self.model.set_rows(rows, self.session.health_series())
        self._size_columns()
        self.fit_rows()
        self.body.setCurrentIndex(0 if rows else 1)
        if ws is not None:
            self.header.set_text(ws.name, f"{len(rows)} projects · {ws.root}")
            valid = [r for r in rows if r.onepager is not None]
            self.bubble.set_rows(valid)
            if self._roadmap is not None:
                self._update_roadmap()
        if selected:
            self.select(selected)
        self._update_count()

    def _split_moved(self, *_args: object) -> None:
        self._user_split = True

    def fit_rows(self) -> None:
        """Give the table the height of all its rows (up to two thirds of the page), the
        chart the rest, until the user drags the divider."""
        if self._user_split:
            return
        total = sum(self.split.sizes())
        if total <= 0:
            return
        rows = self.proxy.rowCount()
        need = (
            self.table.horizontalHeader().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
            + 2
        )
        table = max(min(need, total * 2 // 3), total // 3)
        self.split.blockSignals(True)
        self.split.setSizes([table, total - table])
        self.split.blockSignals(False)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self.fit_rows()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.fit_rows()

    def _size_columns(self) -> None:
        """Numbers compact, text columns capped: the title column takes what is left."""
        self.table.resizeColumnsToContents()
        head = self.table.horizontalHeader()
        for i, col in enumerate(COLUMNS):
            if col.key == "title":
                continue
            if col.key == "trend":
                head.resizeSection(i, TREND_WIDTH)
                continue
            cap = NUMBER_WIDTH if col.numeric else TEXT_WIDTH
            if head.sectionSize(i) > cap:
                head.resizeSection(i, cap)

    def select(self, slug: str) -> None:
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if index.data(SLUG_ROLE) == slug:
                self.table.selectRow(r)
                return

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown} of {total}" if shown != total else f"{total} projects")

    def ranked_titles(self) -> list[str]:
        """Titles in the order the table shows them (used by tests and the sidebar)."""
        col = COLUMN_INDEX["title"]
        return [self.proxy.index(r, col).data() for r in range(self.proxy.rowCount())]


def _row(parent: QWidget):
    from PySide6.QtWidgets import QHBoxLayout

    layout = QHBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    return layout


__all__ = ["COLUMNS", "DEFAULT_HIDDEN", "PortfolioPage"]
