"""Datasets page tabs for rules a version must meet: the project's data contract, the split."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
)

from shipyard.core.errors import ShipyardError
from shipyard.ui.data.version_views import SEVERITY_COLOURS, VersionView, fill_table, make_table
from shipyard.ui.widgets import FlowLayout, compact_combo, primary

PASS, FAIL = SEVERITY_COLOURS["none"], SEVERITY_COLOURS["major"]


def _infer(job, version):  # type: ignore[no-untyped-def]
    from shipyard.core.data import infer_contract

    return infer_contract(version, job=job)


def _check(job, version, contract):  # type: ignore[no-untyped-def]
    from shipyard.core.data import validate

    return validate(version, contract, job=job)


class ContractView(VersionView):
    """Infer a project's contract from a version, edit it as YAML, check any version."""

    def __init__(self, page: Any) -> None:
        super().__init__(page, "contract job")
        self.project = compact_combo(QComboBox(), 24)
        self.project.currentIndexChanged.connect(lambda _i: self.show_file())
        self.infer_button = QPushButton("Infer from this version")
        self.infer_button.clicked.connect(self.infer)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.check_button = primary(QPushButton("Check this version"))
        self.check_button.clicked.connect(self.check)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("No contract yet: infer one from a version, then edit it.")
        self.report_table = make_table(["Column", "Rule", "Expected", "Result", "Failing rows",
                                        "Examples (row: value)"])  # fmt: skip
        self.report: Any = None
        top = FlowLayout(spacing=6)  # wraps on a laptop instead of widening the window
        top.addWidget(QLabel("Project"))
        top.addWidget(self.project)
        top.addWidget(self.infer_button)
        top.addWidget(self.save_button)
        top.addWidget(self.check_button)
        split = QSplitter()
        split.addWidget(self.editor)
        split.addWidget(self.report_table)
        split.setSizes([380, 620])
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.status)
        box.addWidget(self.job_progress)
        box.addWidget(split, 1)

    @property
    def slug(self) -> str | None:
        return self.project.currentData()

    def clear(self) -> None:
        current = self.slug
        self.project.blockSignals(True)
        self.project.clear()
        for row in self.page.session.rows:
            self.project.addItem(row.title[:50], row.slug)
        linked = self._linked_project()
        pick = current or linked
        if pick:
            self.project.setCurrentIndex(max(self.project.findData(pick), 0))
        self.project.blockSignals(False)
        self.report_table.setRowCount(0)
        self.show_file()

    def _linked_project(self) -> str | None:
        from shipyard.core.data import projects_using

        ws = self.page.session.workspace
        if ws is None or self.version is None:
            return None
        using = projects_using(ws, self.version)
        return using[0] if using else None

    def _path(self):  # type: ignore[no-untyped-def]
        from shipyard.core.data import contract_path

        ws = self.page.session.workspace
        return contract_path(ws, self.slug) if ws is not None and self.slug else None

    def show_file(self) -> None:
        path = self._path()
        self.editor.setPlainText(path.read_text(encoding="utf-8") if path and path.is_file()
                                 else "")  # fmt: skip

    def infer(self) -> None:
        if self.version is not None and self.slug:
            self.start(_infer, self.version, done=self._inferred,
                       message=f"Inferring a contract from {self.version.ref}…")  # fmt: skip

    def _inferred(self, contract: Any) -> None:
        from shipyard.core.data import save_contract

        ws = self.page.session.workspace
        path = save_contract(ws, self.slug, contract, user=self.page.session.user)
        self.show_file()
        self.status.setText(f"Wrote {path.name} from {self.version.ref}; edit it, then check.")

    def save(self) -> bool:
        """Write the editor's YAML if it is a valid contract; otherwise say what is wrong."""
        from shipyard.core.data import read_contract
        from shipyard.core.workspace.atomic import atomic_write_text

        path = self._path()
        if path is None:
            return False
        before = path.read_text(encoding="utf-8") if path.is_file() else None
        atomic_write_text(path, self.editor.toPlainText())
        try:
            read_contract(path)
        except ShipyardError as exc:
            if before is None:
                path.unlink()
            else:
                atomic_write_text(path, before)
            self.status.setText(f"⚠ Not saved — {exc}")
            return False
        self.status.setText(f"Saved {path.name}")
        return True

    def check(self) -> None:
        if self.version is None or not self.slug:
            return
        if self.editor.toPlainText().strip() and not self.save():
            return
        from shipyard.core.data import load_contract

        contract = load_contract(self.page.session.workspace, self.slug)
        if contract is None:
            self.status.setText("This project has no contract yet: infer one first.")
            return
        self.start(_check, self.version, contract, done=self.show_report,
                   message=f"Checking {self.version.ref}…")  # fmt: skip

    def show_report(self, report: Any) -> None:
        self.report = report
        rows = []
        for r in report.results:
            verdict = QTableWidgetItem("pass" if r.passed else "FAIL")
            verdict.setForeground(QColor(PASS if r.passed else FAIL))
            examples = ", ".join(f"{row}: {value}" for row, value in r.examples[:3])
            rows.append([r.column or "(table)", r.rule, r.expected, verdict,
                         f"{r.failing_rows:,}" if not r.passed else "", examples or r.message])  # fmt: skip
        fill_table(self.report_table, rows)
        failed = len(report.failures)
        self.status.setText(
            f"{report.ref}: all {len(report.results)} rules pass" if not failed
            else f"{report.ref}: {failed} of {len(report.results)} rules fail"
        )  # fmt: skip


def _split(job, version, holdout, seed, stratify):  # type: ignore[no-untyped-def]
    from shipyard.core.data import make_split

    job.progress(0.1, "Splitting")
    return make_split(version, holdout=holdout, seed=seed, stratify=stratify)


class SplitView(VersionView):
    """A seeded train/holdout split stored with the version, so every run uses the same rows."""

    def __init__(self, page: Any) -> None:
        super().__init__(page, "split")
        self.stratify = QComboBox()
        self.holdout = QDoubleSpinBox()
        self.holdout.setRange(0.05, 0.5)
        self.holdout.setSingleStep(0.05)
        self.holdout.setValue(0.2)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(42)
        self.make_button = primary(QPushButton("Make split"))
        self.make_button.clicked.connect(self.make)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.strata = make_table(["Class", "Train", "Holdout"])
        self.split: Any = None
        form = QFormLayout()
        form.addRow("Stratify by", self.stratify)
        form.addRow("Holdout share", self.holdout)
        form.addRow("Seed", self.seed)
        form.addRow("", self.make_button)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.status)
        box.addWidget(self.job_progress)
        box.addWidget(self.summary)
        box.addWidget(self.strata, 1)

    def clear(self) -> None:
        self.stratify.clear()
        self.stratify.addItem("(no stratification)", None)
        if self.version is not None:
            for name in self.version.column_names:
                self.stratify.addItem(name, name)
        self.summary.clear()
        self.strata.setRowCount(0)
        self.split = None

    def load(self) -> None:
        from shipyard.core.data import list_splits

        found = list_splits(self.version) if self.version is not None else []
        if found:
            self.show_split(found[-1])

    def make(self) -> None:
        if self.version is not None:
            self.start(_split, self.version, self.holdout.value(), self.seed.value(),
                       self.stratify.currentData(), done=self.show_split,
                       message="Making the split…")  # fmt: skip

    def show_split(self, split: Any) -> None:
        self.split = split
        how = f", stratified by {split.stratify}" if split.stratify else ""
        self.summary.setText(
            f"<b>{split.split_id}</b>: {split.train_rows:,} train / {split.holdout_rows:,} "
            f"holdout rows (seed {split.seed}{how}). Every run on {split.version_ref} uses "
            "exactly these rows."
        )
        rows = [[cls, f"{c.get('train', 0):,}", f"{c.get('holdout', 0):,}"]
                for cls, c in sorted(split.strata.items())]  # fmt: skip
        fill_table(self.strata, rows)
