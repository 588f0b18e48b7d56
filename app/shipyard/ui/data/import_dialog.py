"""Importing a sample: preview the file, adjust types and columns, then import with progress."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.accessible import name_controls
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.widgets import primary

if TYPE_CHECKING:
    from shipyard.core.data import DatasetVersion, Preview
    from shipyard.core.workspace.workspace import Workspace

TYPES = ("VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP")
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".ndjson", ".jsonl")


SKIP_LABEL = "Skip rows that do not fit the header (they are counted and listed)"


def _preview(job, path: Path, overrides: dict[str, str], exclude: set[str], skip: bool = False) -> Preview:  # type: ignore[no-untyped-def]  # fmt: skip
    from shipyard.core.data import preview_file

    return preview_file(path, rows=50, type_overrides=overrides, exclude=exclude,
                        skip_bad_rows=skip)  # fmt: skip


def _import(job, ws, path, name, user, overrides, exclude, skip=False) -> DatasetVersion:  # type: ignore[no-untyped-def]
    from shipyard.core.data import import_file

    return import_file(ws, path, name, user=user, job=job, type_overrides=overrides,
                       exclude=exclude, skip_bad_rows=skip)  # fmt: skip


class ImportDialog(QDialog):
    """Preview first; nothing is written until Import, and Cancel leaves no trace."""

    imported = Signal(object)  # DatasetVersion

    def __init__(self, ws: Workspace, path: Path, user: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.path, self.user = ws, Path(path), user
        self.preview: Preview | None = None
        self.task: BackgroundTask | None = None
        self.result_version: DatasetVersion | None = None
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(980, 620)

        from shipyard.core.data import suggest_name

        self.name = QLineEdit(suggest_name(self.path.stem))
        self.info = QLabel("Reading the first rows…", objectName="pageSubtitle")
        self.info.setWordWrap(True)
        self.columns = QTableWidget(0, 3)
        self.columns.setHorizontalHeaderLabels(["Import", "Column", "Type"])
        self.columns.verticalHeader().hide()
        self.columns.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.columns.setMaximumWidth(380)
        self.rows = QTableWidget()
        self.rows.setEditTriggers(QTableWidget.NoEditTriggers)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        # The dialog's own Cancel button stops the import: the strip shows no second one.
        self.progress = JobProgress("import", cancellable=False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.import_button = primary(QPushButton("Import"))
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.buttons.addButton(self.import_button, QDialogButtonBox.AcceptRole)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.cancel)
        self.refresh_button = QPushButton("Apply types")
        self.refresh_button.clicked.connect(self.load_preview)
        # off by default: a row that does not fit stops the import and is named
        self.skip_bad_rows = QCheckBox(SKIP_LABEL)
        self.skip_bad_rows.setToolTip(
            "Rows whose number of fields differs from the header's are left out; their count "
            "and the first of them (line and text) are kept with the version."
        )
        self.skip_bad_rows.toggled.connect(self.load_preview)

        form = QFormLayout()
        form.addRow("Dataset name", self.name)
        body = QWidget()
        row = QVBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        from PySide6.QtWidgets import QHBoxLayout

        split = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Columns (untick to leave out; change a type if it is wrong)"))
        left.addWidget(self.columns, 1)
        left.addWidget(self.refresh_button)
        split.addLayout(left)
        split.addWidget(self.rows, 1)
        row.addLayout(split)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.info)
        box.addWidget(body, 1)
        box.addWidget(self.skip_bad_rows)
        box.addWidget(self.error)
        box.addWidget(self.progress)
        box.addWidget(self.buttons)
        self.setObjectName("importDialog")
        self.name.setObjectName("datasetNameEdit")
        self.name.setAccessibleName("Dataset name")
        self.columns.setObjectName("importColumns")
        self.columns.setAccessibleName("Columns to import")
        self.rows.setObjectName("previewRows")
        self.rows.setAccessibleName("First rows of the file")
        self.buttons.button(QDialogButtonBox.Cancel).setObjectName("importCancelButton")
        name_controls(self)
        self.load_preview()

    # -- preview --------------------------------------------------------------------------
    def choices(self) -> tuple[dict[str, str], set[str]]:
        """The type overrides and excluded columns chosen in the column list."""
        overrides: dict[str, str] = {}
        exclude: set[str] = set()
        inferred = self.preview.types if self.preview else {}
        for r in range(self.columns.rowCount()):
            name = self.columns.item(r, 1).text()
            if self.columns.item(r, 0).checkState() != Qt.Checked:
                exclude.add(name)
            combo = self.columns.cellWidget(r, 2)
            if isinstance(combo, QComboBox) and combo.currentText() != inferred.get(name):
                overrides[name] = combo.currentText()
        return overrides, exclude

    def load_preview(self) -> None:
        overrides, exclude = self.choices() if self.preview else ({}, set())
        self._excluded = exclude
        self.preview_task = (
            Op(self, _preview, self.path, overrides, set(), self.skip_bad_rows.isChecked())
            .success(self._show_preview)
            .failure(self._show_error)
            .run_in_background()
        )

    def _show_preview(self, preview: Preview) -> None:
        self.preview = preview
        notes = "; ".join(preview.notes)
        self.info.setText(
            f"{preview.format} · {preview.size_bytes / 1e6:,.1f} MB"
            + (f" · {preview.encoding}" if preview.encoding else "")
            + f" · {len(preview.columns)} columns · first {len(preview.rows)} rows shown"
            + (f" — {notes}" if notes else "")
        )
        self.columns.setRowCount(len(preview.columns))
        for r, col in enumerate(preview.columns):
            check = QTableWidgetItem()
            check.setCheckState(Qt.Unchecked if col.name in self._excluded else Qt.Checked)
            self.columns.setItem(r, 0, check)
            name = QTableWidgetItem(col.name)
            name.setFlags(name.flags() & ~Qt.ItemIsEditable)
            self.columns.setItem(r, 1, name)
            combo = QComboBox(objectName=f"typeCombo{r}")
            combo.setAccessibleName(f"Type of {col.name}")
            combo.addItems(sorted({*TYPES, col.type}))
            combo.setCurrentText(col.type)
            self.columns.setCellWidget(r, 2, combo)
        self.columns.resizeColumnToContents(0)
        self.rows.setColumnCount(len(preview.columns))
        self.rows.setHorizontalHeaderLabels([f"{c.name}\n{c.type}" for c in preview.columns])
        self.rows.setRowCount(len(preview.rows))
        for r, values in enumerate(preview.rows):
            for c, value in enumerate(values):
                self.rows.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        self.error.setText("")
        self.import_button.setEnabled(True)

    def _show_error(self, exc: Any) -> None:
        self.error.setText(self._with_hint(exc))
        self.info.setText("This file cannot be imported as it is.")
        self.import_button.setEnabled(self.preview is not None)

    # -- import ---------------------------------------------------------------------------
    def start_import(self) -> None:
        overrides, exclude = self.choices()
        name = self.name.text().strip()
        self.import_button.setEnabled(False)
        self.columns.setEnabled(False)
        self.name.setEnabled(False)
        self.skip_bad_rows.setEnabled(False)
        self.task = (
            Op(
                self,
                _import,
                self.ws,
                self.path,
                name,
                self.user,
                overrides,
                exclude,
                self.skip_bad_rows.isChecked(),
            )
            .progress(self.progress, "Importing…")
            .success(self._done)
            .failure(self._failed)
            .cancelled(self.reject)
            .run_in_background()
        )

    def _done(self, version: DatasetVersion) -> None:
        self.result_version = version
        self.imported.emit(version)
        self.accept()

    def _failed(self, exc: Any) -> None:
        self.error.setText(self._with_hint(exc))
        self.import_button.setEnabled(True)
        self.columns.setEnabled(True)
        self.name.setEnabled(True)
        self.skip_bad_rows.setEnabled(True)

    def _with_hint(self, exc: Any) -> str:
        """The error, pointing at the checkbox when it names rows that could be skipped."""
        text = str(exc)
        if "--skip-bad-rows" in text and not self.skip_bad_rows.isChecked():
            text += f"\n\nIn this window: tick '{SKIP_LABEL.split(' (')[0]}' to import the rest."
        return text

    def cancel(self) -> None:
        if not self.progress.cancel():  # else the dialog closes once the job has cleaned up
            self.reject()
