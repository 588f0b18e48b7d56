"""A short wizard for a new project: what it is for, its data (optional), then how it ranks.

The data page takes a CSV, TSV, Parquet or JSON file: at Finish the window imports it as a
dataset version, links it to the new project and remembers the target column chosen here,
so the project opens on its Models tab ready to train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
    QWizard,
    QWizardPage,
)

from shipyard.core.data.source_file import DATA_SUFFIXES, SUPPORTED
from shipyard.core.portfolio.vocabulary import RiskLevel
from shipyard.core.training.target_guess import guess_target
from shipyard.ui.accessible import name_controls
from shipyard.ui.jobs.op import Op


def _preview_columns(job: Any, path: Path) -> list[tuple[str, str]]:
    from shipyard.core.data import preview_file

    return [(c.name, c.type) for c in preview_file(path, rows=20).columns]


def _score_box(value: float, minimum: float = 0.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, 5.0)
    box.setSingleStep(0.5)
    box.setDecimals(1)
    box.setValue(value)
    return box


class DataPage(QWizardPage):
    """Optional: a data file and its target column, read from the file's first rows."""

    columnsRead = Signal()  # the file's columns are listed (or it could not be read)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("What does it learn from?")
        self.setSubTitle(
            "Optional. Choose a CSV, TSV, Parquet or JSON file: it is imported as a dataset, "
            "linked to the project, and the project opens ready to train on it."
        )
        self.columns: list[tuple[str, str]] = []
        self._read_path = ""
        self.path = QLineEdit(objectName="dataFileEdit")
        self.path.setPlaceholderText("a data file (optional), e.g. customers.csv")
        self.path.setAccessibleName("Data file")
        self.path.setClearButtonEnabled(True)
        self.browse = QPushButton("Browse…", objectName="dataFileBrowseButton")
        self.browse.setAccessibleName("Choose a data file")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self.choose_file)
        self.target = QComboBox(objectName="targetCombo")
        self.target.setAccessibleName("Target column")
        self.target.setToolTip("The column the models learn to predict")
        self.target.setEnabled(False)
        self.target.currentIndexChanged.connect(lambda _i: self._show_choice())
        self.note = QLabel(objectName="dataFileNote", wordWrap=True)
        self.note.setTextFormat(Qt.RichText)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QFormLayout(self)
        form.addRow("Data file", row)
        form.addRow("Target", self.target)
        form.addRow("", self.note)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.read_columns)
        self.path.textChanged.connect(lambda _t: self._path_edited())
        self.guessed = ""
        self._why = ""
        self.setFinalPage(True)  # Finish from here: the scores can wait

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Data for the new project", self.path.text() or str(Path.home()),
            "Data files (*.csv *.tsv *.txt *.parquet *.json *.ndjson *.jsonl);;All files (*)",
        )  # fmt: skip
        if path:
            self.path.setText(path)
            self.read_columns()

    def file(self) -> Path | None:
        text = self.path.text().strip().strip('"')
        return Path(text).expanduser() if text else None

    def _path_edited(self) -> None:
        self.columns = []
        self.target.clear()
        self.target.setEnabled(False)
        self._read_path = ""
        self.note.clear()
        self.completeChanged.emit()
        self._timer.start()

    def read_columns(self) -> None:
        """List the file's columns (off the GUI thread) and guess the target."""
        self._timer.stop()
        path = self.file()
        if path is None:
            self.note.clear()
            self.columnsRead.emit()
            return
        if not path.is_file():
            self.note.setText(f"<span style='color:#c62828'>No file at {path}.</span>")
            self.columnsRead.emit()
            return
        if path.suffix.lower() not in DATA_SUFFIXES:
            self.note.setText(
                f"<span style='color:#c62828'>Not a data file: choose a {SUPPORTED} file.</span>"
            )
            self.columnsRead.emit()
            return
        if str(path) == self._read_path:
            return
        self._read_path = str(path)
        self.note.setText("Reading the columns…")
        Op(self, _preview_columns, path).success(
            lambda cols, p=str(path): self._columns_ready(p, cols)
        ).failure(lambda exc, p=str(path): self._unreadable(p, exc)).run_in_background()

    def _columns_ready(self, path: str, columns: list[tuple[str, str]]) -> None:
        if path != self._read_path:
            return  # the user typed another path meanwhile
        self.columns = columns
        names = [name for name, _type in columns]
        self.target.blockSignals(True)
        self.target.clear()
        for name, typ in columns:
            self.target.addItem(f"{name}  ·  {typ}", name)
        self.guessed, self._why = guess_target(names) if names else ("", "")
        self.target.setCurrentIndex(max(self.target.findData(self.guessed), 0))
        self.target.blockSignals(False)
        self.target.setEnabled(bool(columns))
        self._show_choice()
        self.completeChanged.emit()
        self.columnsRead.emit()

    def _unreadable(self, path: str, exc: BaseException) -> None:
        from shipyard.ui.error_text import describe_error

        if path != self._read_path:
            return
        self.note.setText(f"<span style='color:#c62828'>{describe_error(exc)}</span>")
        self.completeChanged.emit()
        self.columnsRead.emit()

    def _show_choice(self) -> None:
        chosen = self.target.currentData()
        if not chosen:
            return
        if chosen == self.guessed:
            self.note.setText(
                f"{len(self.columns)} columns. Target <b>{chosen}</b>, guessed because "
                f"{self._why}; pick another if the models should predict something else."
            )
        else:
            self.note.setText(f"{len(self.columns)} columns. Target <b>{chosen}</b>.")

    def choice(self) -> tuple[Path, str] | None:
        """(file, target column) when a readable file is chosen; None when none is."""
        path, target = self.file(), self.target.currentData()
        if path is None or not self.columns or not target:
            return None
        return path, target

    def isComplete(self) -> bool:
        # No file is fine; a file must have been read, with a target chosen.
        return self.file() is None or self.choice() is not None


class ProjectWizard(QWizard):
    def __init__(self, owner: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.setObjectName("projectWizard")
        self.setWizardStyle(QWizard.ModernStyle)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)

        first = QWizardPage()
        first.setTitle("What is it for?")
        first.setSubTitle(
            "A title and a one-line outcome are enough to start; the one-pager holds the rest."
        )
        self.title = QLineEdit(placeholderText="Search summaries for support tickets")
        self.outcome = QLineEdit(placeholderText="30% faster ticket resolution")
        self.owner = QLineEdit(owner)
        form = QFormLayout(first)
        form.addRow("Title*", self.title)
        form.addRow("Outcome", self.outcome)
        form.addRow("Owner", self.owner)
        first.registerField("title*", self.title)  # Next stays disabled until a title is typed
        for edit, name, human in ((self.title, "titleEdit", "Title"),
                                  (self.outcome, "outcomeEdit", "Outcome"),
                                  (self.owner, "ownerEdit", "Owner")):  # fmt: skip
            edit.setObjectName(name)
            edit.setAccessibleName(human)

        self.data_page = DataPage()
        self.data_page.setObjectName("dataPage")

        second = QWizardPage()
        second.setTitle("How does it rank?")
        second.setSubTitle(
            "Scores use 0–5 scales; priority = impact × confidence ÷ effort. "
            "You can refine them later."
        )
        self.reach = QSpinBox()
        self.reach.setRange(0, 100_000_000)
        self.reach.setSingleStep(100)
        self.reach.setSuffix(" per quarter")
        self.impact = _score_box(3)
        self.confidence = _score_box(3)
        self.effort = _score_box(3, minimum=0.5)
        self.risk = QComboBox()
        for level in RiskLevel:
            self.risk.addItem(level.value.capitalize(), level.value)
        self.risk.setCurrentIndex(1)
        self.preview = QLabel()
        form = QFormLayout(second)
        form.addRow("Reach", self.reach)
        form.addRow("Impact", self.impact)
        form.addRow("Confidence", self.confidence)
        form.addRow("Effort", self.effort)
        form.addRow("Risk", self.risk)
        form.addRow("Priority", self.preview)
        for box in (self.impact, self.confidence, self.effort):
            box.valueChanged.connect(self._update_preview)
        for widget, name in ((self.reach, "Reach"), (self.impact, "Impact"),
                             (self.confidence, "Confidence"), (self.effort, "Effort"),
                             (self.risk, "Risk")):  # fmt: skip
            widget.setObjectName(name.lower() + ("Combo" if widget is self.risk else "Box"))
            widget.setAccessibleName(name)
        self._update_preview()

        self.addPage(first)
        self.addPage(self.data_page)
        self.addPage(second)
        for which, name in ((QWizard.BackButton, "Back"), (QWizard.NextButton, "Next"),
                            (QWizard.FinishButton, "Finish"), (QWizard.CancelButton, "Cancel"),
                            (QWizard.HelpButton, "Help"), (QWizard.CommitButton, "Commit")):  # fmt: skip
            button = self.button(which)
            button.setObjectName(f"wizard{name}Button")
            button.setAccessibleName(name)
        name_controls(self)

    def _update_preview(self) -> None:
        value = self.impact.value() * self.confidence.value() / max(self.effort.value(), 0.1)
        self.preview.setText(f"<b>{value:.2f}</b>")

    def data_choice(self) -> tuple[Path, str] | None:
        """(data file, target column) chosen on the data page, or None."""
        return self.data_page.choice()

    def result_fields(self) -> tuple[str, dict[str, Any]]:
        fields: dict[str, Any] = {
            "outcome": self.outcome.text().strip(),
            "owner": {"name": self.owner.text().strip()},
            "scores": {
                "reach": self.reach.value(),
                "impact": self.impact.value(),
                "confidence": self.confidence.value(),
                "effort": self.effort.value(),
            },
            "risk": {"level": self.risk.currentData()},
        }
        return self.title.text().strip(), fields
