"""The datasets page: versions on the left; rows, profile, PII, drift and SQL on the right."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.data.import_dialog import DATA_SUFFIXES, ImportDialog
from shipyard.ui.data.rules_views import ContractView, SplitView
from shipyard.ui.data.version_table_model import VersionTableModel
from shipyard.ui.data.version_views import DriftView, PiiView, ProfileView, QueryView
from shipyard.ui.jobs.op import Op
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import EmptyState, PageHeader, compact_combo, primary

if TYPE_CHECKING:
    from shipyard.core.data import DatasetVersion

REF_ROLE = int(Qt.ItemDataRole.UserRole.value) + 10


def _open_reader(job, version):  # type: ignore[no-untyped-def]
    from shipyard.core.data import VersionReader

    return VersionReader.open(version, job=job)


MAX_COLUMN_PX = 240  # a long text column does not push the others off screen
SIZE_FROM_ROWS = 50  # rows read to size the columns


class DataPage(QWidget):
    versionSelected = Signal(object)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.version: DatasetVersion | None = None
        self.header = PageHeader("Datasets", "Sample data, versioned and profiled")
        self.import_button = primary(QPushButton("Import data…"))
        self.import_button.setToolTip("Import a CSV, TSV, Parquet, JSON or NDJSON file (Ctrl+I)")
        self.import_button.clicked.connect(self.choose_file)
        self.header.actions.addWidget(self.import_button)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Dataset / version", "Rows", "Cols"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setMinimumWidth(200)
        self.tree.currentItemChanged.connect(self._tree_changed)

        self.lineage = QLabel(objectName="pageSubtitle")
        self.lineage.setWordWrap(True)
        self.lineage.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.link_combo = QComboBox()
        compact_combo(self.link_combo, 20)
        self.link_combo.setMaximumWidth(260)
        self.link_button = QPushButton("Use in project")
        self.link_button.clicked.connect(self.link_to_project)

        self.model = VersionTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        self.filter = QLineEdit(
            placeholderText="Filter rows with SQL, e.g. churned AND tenure_months < 6"
        )
        self.filter.returnPressed.connect(self.apply_filter)
        self.filter_error = QLabel(objectName="fieldError")
        self.row_count = QLabel(objectName="pageSubtitle")
        rows_tab = QWidget()
        rbox = QVBoxLayout(rows_tab)
        frow = QHBoxLayout()
        frow.addWidget(self.filter, 1)
        frow.addWidget(self.row_count)
        rbox.addLayout(frow)
        rbox.addWidget(self.filter_error)
        rbox.addWidget(self.table, 1)

        self.profile = ProfileView(self)
        self.pii = PiiView(self)
        self.drift = DriftView(self)
        self.query = QueryView(self)
        self.contract = ContractView(self)
        self.split = SplitView(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(rows_tab, "Rows")
        self.tabs.addTab(self.profile, "Profile")
        self.tabs.addTab(self.pii, "PII")
        self.tabs.addTab(self.drift, "Drift")
        self.tabs.addTab(self.query, "SQL")
        self.tabs.addTab(self.contract, "Contract")
        self.tabs.addTab(self.split, "Split")
        self.tabs.currentChanged.connect(lambda _i: self._load_tab())

        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(8, 0, 0, 0)
        link_row = QHBoxLayout()
        link_row.addWidget(self.lineage, 1)
        link_row.addWidget(self.link_combo)
        link_row.addWidget(self.link_button)
        rlay.addLayout(link_row)
        rlay.addWidget(self.tabs, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 900])

        self.empty = EmptyState(
            "No datasets yet",
            "Import a sample (CSV, TSV, Parquet, JSON or NDJSON): Shipyard previews it, "
            "stores it as an immutable, fingerprinted version and profiles it. You can "
            "also drop a file onto this window, or run "
            "<code>shipyard data import WORKSPACE FILE --name NAME</code>.",
            "Import data…",
        )
        self.empty.actionTriggered.connect(self.choose_file)
        self.body = self.empty.alternative_to(split)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(self.body, 1)
        session.workspaceChanged.connect(self.refresh)
        session.rowsChanged.connect(self._fill_projects)

    # -- datasets -------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        ws = self.session.workspace
        self.tree.blockSignals(True)
        self.tree.clear()
        versions: list[DatasetVersion] = []
        if ws is not None:
            from shipyard.core.data import all_versions

            versions = all_versions(ws)
        by_name: dict[str, QTreeWidgetItem] = {}
        chosen = None
        for v in sorted(versions, key=lambda v: (v.name, -v.number)):
            parent = by_name.get(v.name)
            if parent is None:
                parent = QTreeWidgetItem([v.name, "", ""])
                by_name[v.name] = parent
                self.tree.addTopLevelItem(parent)
                parent.setExpanded(True)
            item = QTreeWidgetItem([v.version, f"{v.rows:,}", str(v.columns)])
            item.setData(0, REF_ROLE, v)
            item.setToolTip(0, f"{v.ref} · {v.created} · {v.user}")
            parent.addChild(item)
            if v.ref == select or (chosen is None and select is None):
                chosen = item
        self.tree.blockSignals(False)
        self.body.setCurrentIndex(0 if versions else 1)
        self._fill_projects()
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        else:
            self.show_version(None)

    def versions(self) -> list[DatasetVersion]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.extend(top.child(j).data(0, REF_ROLE) for j in range(top.childCount()))
        return out

    def _tree_changed(self, item: QTreeWidgetItem | None, _prev: Any = None) -> None:
        if item is not None and item.data(0, REF_ROLE) is None and item.childCount():
            item = item.child(0)  # a dataset row stands for its newest version
        self.show_version(item.data(0, REF_ROLE) if item is not None else None)

    def show_version(self, version: DatasetVersion | None) -> None:
        self.version = version
        old = self.model.reader
        self.model.set_reader(None)
        if old is not None:
            old.close()
        self.filter.clear()
        self.filter_error.clear()
        for view in self.views:
            view.set_version(version)
        if version is None:
            self.lineage.setText("")
            self.row_count.setText("")
            return
        self._show_lineage()
        self.row_count.setText("Opening…")
        (
            Op(self, _open_reader, version)
            .success(lambda reader, v=version: self._reader_ready(v, reader))
            .failure(lambda exc: self.row_count.setText(str(exc)))
            .run_in_background()
        )
        self._load_tab()
        self.versionSelected.emit(version)

    @property
    def views(self) -> tuple:  # type: ignore[type-arg]
        return (self.profile, self.pii, self.drift, self.query, self.contract, self.split)

    def _reader_ready(self, version: DatasetVersion, reader: Any) -> None:
        if version is not self.version:
            reader.close()  # the user moved on while it opened
            return
        self.model.set_reader(reader)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)
        self.row_count.setText(f"{reader.rows:,} rows")
        self._size_columns()

    def _size_columns(self) -> None:
        """Each column as wide as its name and its first rows need, up to a cap: a fixed
        width cut long names ("merchant_category") at both ends."""
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(SIZE_FROM_ROWS)  # the first page, not every row
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            if header.sectionSize(column) > MAX_COLUMN_PX:
                header.resizeSection(column, MAX_COLUMN_PX)

    def _show_lineage(self) -> None:
        from shipyard.core.data import lineage

        ws, v = self.session.workspace, self.version
        if ws is None or v is None:
            return
        info = lineage(ws, v)
        source = (
            f"SQL over {', '.join(p.ref for p in info.parents)}" if info.sql
            else f"{Path(info.source_file).name} (sha256 {info.source_sha256[:12]}…)"
            if info.source_file and info.source_sha256 else "unknown source"
        )  # fmt: skip
        used = ", ".join(info.projects) or "no project yet"
        if info.projects:  # offer the project that already uses it
            self.link_combo.setCurrentIndex(max(self.link_combo.findData(info.projects[0]), 0))
        self.lineage.setText(
            f"<b>{v.ref}</b> · {v.rows:,} rows × {v.columns} columns · fingerprint "
            f"{v.fingerprint[:12]} · from {source} → used by {used}"
        )

    def _fill_projects(self) -> None:
        current = self.link_combo.currentData()
        self.link_combo.clear()
        for row in self.session.rows:
            self.link_combo.addItem(row.title[:40], row.slug)
        if current:
            self.link_combo.setCurrentIndex(max(self.link_combo.findData(current), 0))
        self.link_button.setEnabled(bool(self.session.rows))

    def link_to_project(self) -> None:
        from shipyard.core.data import link_version

        ws, v, slug = self.session.workspace, self.version, self.link_combo.currentData()
        if ws is None or v is None or not slug:
            return
        link_version(ws, slug, v, user=self.session.user)
        self._show_lineage()
        self.session.datasetsChanged.emit()
        self.session.projectArtifactsChanged.emit(slug)  # projects/<slug>/data.yaml changed

    def _load_tab(self) -> None:
        view = self.tabs.currentWidget()
        if hasattr(view, "activate"):
            view.activate()

    # -- rows -----------------------------------------------------------------------------
    def apply_filter(self) -> None:
        if self.model.reader is None:
            return
        from shipyard.core.errors import ShipyardError

        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        order_by = self.model.reader.columns[column] if column >= 0 else None
        descending = header.sortIndicatorOrder() == Qt.DescendingOrder
        try:
            rows = self.model.apply(order_by, descending, self.filter.text().strip() or None)
        except ShipyardError as exc:
            self.filter_error.setText(exc.message + (f" — {exc.fix}" if exc.fix else ""))
            return
        self.filter_error.clear()
        self.row_count.setText(f"{rows:,} of {self.model.reader.rows:,} rows")

    # -- import ---------------------------------------------------------------------------
    def choose_file(self) -> None:
        if self.session.workspace is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a data sample", str(self.session.workspace.root),
            "Data files (*.csv *.tsv *.txt *.parquet *.json *.ndjson *.jsonl);;All files (*)",
        )  # fmt: skip
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> ImportDialog | None:
        ws = self.session.workspace
        if ws is None:
            return None
        dialog = ImportDialog(ws, path, self.session.user, self)
        dialog.imported.connect(self.version_added)
        dialog.open()
        return dialog

    def version_added(self, version: DatasetVersion) -> None:
        """A new version exists (imported, or a saved query): show it, and tell the other
        pages that list versions."""
        self.refresh(select=version.ref)
        self.session.datasetsChanged.emit()

    @staticmethod
    def accepts(path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in DATA_SUFFIXES

    def save_query(self, sql: str) -> None:
        name, ok = QInputDialog.getText(self, "Save as a dataset version", "Dataset name:")
        if ok and name.strip():
            self.query.save_as(sql, name.strip())
