"""Verify a package in the window: the verdict first, then its card, gate report and files.

The package is verified off the GUI thread with the workspace key its signature names (or a
PEM file the user picks); nothing in it is shown before the signature and every file check.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.accessible import name_controls
from shipyard.ui.error_text import describe_error
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.package.card_editor import show_markdown
from shipyard.ui.widgets import primary

WORKSPACE_KEYS = "workspace"


def _verify_job(job: Any, ws: Any, path: Path, pem_path: Path | None) -> Any:
    from shipyard.core.packaging.verify import verify_package, verify_with_workspace_keys

    if pem_path is None:
        return verify_with_workspace_keys(ws, path, job=job)
    return verify_package(path, pem_path.read_bytes(), job=job)


def gate_html(report: dict[str, Any] | None) -> str:
    if not report:
        return "<p>The package holds no gate report.</p>"
    colour = {"pass": "#1a7f37", "warn": "#b7791f", "fail": "#c62828"}
    checks = report.get("checks")
    rows = "".join(
        f"<tr><td>{escape(str(c.get('title') or c.get('id')))}</td>"
        f"<td style='color:{colour.get(str(c.get('verdict')), 'gray')}'><b>"
        f"{escape(str(c.get('verdict')))}</b></td><td>{escape(str(c.get('value')))}</td>"
        f"<td>{escape(str(c.get('threshold')))} {escape(str(c.get('unit') or ''))}</td></tr>"
        for c in (checks if isinstance(checks, list) else [])
        if isinstance(c, dict)
    )
    verdict = str(report.get("verdict"))
    return (
        f"<h3>Gate verdict: <span style='color:{colour.get(verdict, 'gray')}'>"
        f"{escape(verdict.upper())}</span></h3>"
        f"<p>Run <code>{escape(str(report.get('run_id')))}</code>, measured "
        f"{escape(str(report.get('created', '—')))} by {escape(str(report.get('user', '—')))}; "
        f"model sha256 <code>{escape(str(report.get('model_sha256'))[:16])}…</code></p>"
        "<table cellpadding='4'><tr><th align='left'>Check</th><th align='left'>Verdict</th>"
        f"<th align='left'>Value</th><th align='left'>Threshold</th></tr>{rows}</table>"
    )


class VerifyDialog(QDialog):
    """Pick a package and a key, verify, and read what was verified."""

    def __init__(self, ws: Any, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.task: BackgroundTask | None = None
        self.result: Any = None
        self.setWindowTitle("Verify package")
        self.resize(860, 640)
        self.path = QLineEdit(str(path) if path else "")
        self.path.setPlaceholderText("a package .zip or folder")
        pick_zip = QPushButton("Choose .zip…")
        pick_zip.clicked.connect(self._choose_zip)
        pick_zip.setAutoDefault(False)
        pick_dir = QPushButton("Folder…")
        pick_dir.setAutoDefault(False)
        pick_dir.clicked.connect(self._choose_folder)
        self.key_combo = QComboBox()
        self.key_combo.addItem("The workspace key the signature names", WORKSPACE_KEYS)
        self.key_combo.addItem("A public key file (PEM)…", "file")
        self.key_combo.setToolTip("Which public key must have signed the package")
        self.key_combo.activated.connect(self._key_chosen)
        self.pem_path: Path | None = None
        self.verify_button = primary(QPushButton("Verify"))
        self.verify_button.setShortcut("Ctrl+Return")
        self.verify_button.setToolTip("Check the signature and every file (Ctrl+Enter)")
        self.verify_button.clicked.connect(self.verify)
        self.verify_button.setDefault(True)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(pick_zip)
        top.addWidget(pick_dir)
        keys = QHBoxLayout()
        keys.addWidget(QLabel("Key:"))
        keys.addWidget(self.key_combo, 1)
        keys.addWidget(self.verify_button)
        self.progress = JobProgress("verification", cancel_tip="Stop verifying (Esc)")
        self.verdict = QLabel(objectName="verdictBanner")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.RichText)
        self.verdict.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.verdict.setSizePolicy(self.verdict.sizePolicy().horizontalPolicy(),
                                   self.verdict.sizePolicy().Policy.Maximum)  # fmt: skip
        self.verdict.setText(
            "<span style='color:gray'>Choose a package and press <b>Verify</b>. Nothing in "
            "it is opened before its signature and every file check out.</span>"
        )
        self.details = QTabWidget()
        self.card = QTextBrowser()
        self.gate = QTextBrowser()
        self.files = QTextBrowser()
        for browser in (self.card, self.gate, self.files):
            browser.setWordWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.details.addTab(self.card, "Model card")
        self.details.addTab(self.gate, "Gate report")
        self.details.addTab(self.files, "Files")
        self.details.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(keys)
        layout.addWidget(self.progress)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details, 1)
        layout.addStretch(0)  # keeps the verdict at the top while no details show
        self.setObjectName("verifyDialog")
        self.path.setObjectName("packagePathEdit")
        self.path.setAccessibleName("Package to verify")
        pick_zip.setObjectName("choosePackageZipButton")
        pick_dir.setObjectName("choosePackageFolderButton")
        self.key_combo.setObjectName("verifyKeyCombo")
        self.key_combo.setAccessibleName("Public key")
        self.verify_button.setObjectName("runVerifyButton")
        self.details.setObjectName("verifyDetails")
        name_controls(self)

    def _choose_zip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Package", "", "Packages (*.zip)")
        if path:
            self.path.setText(path)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Package folder")
        if path:
            self.path.setText(path)

    def _key_chosen(self, index: int) -> None:
        if self.key_combo.itemData(index) != "file":
            self.pem_path = None
            return
        path, _ = QFileDialog.getOpenFileName(self, "Public key", "", "PEM (*.pem *.pub)")
        self.use_key_file(Path(path) if path else None)

    def use_key_file(self, path: Path | None) -> None:
        self.pem_path = path
        if path is None:
            self.key_combo.setCurrentIndex(0)
        else:
            self.key_combo.setItemText(1, f"Public key file: {path.name}")
            self.key_combo.setCurrentIndex(1)

    def verify(self) -> BackgroundTask | None:
        text = self.path.text().strip()
        if not text:
            self.verdict.setText("<b>Choose a package first.</b>")
            return None
        self.details.setVisible(False)
        self.verify_button.setEnabled(False)
        self.task = (
            Op(self, _verify_job, self.ws, Path(text), self.pem_path)
            .progress(self.progress, "Checking the signature and every file…")
            .success(self.show_result)
            .failure(self._failed)
            .cancelled(lambda: self.verdict.setText("Verification cancelled."))
            .finally_(self._done)
            .run_in_background()
        )
        return self.task

    def _done(self) -> None:
        self.verify_button.setEnabled(True)

    def reject(self) -> None:
        """Esc or closing the dialog stops a verification that is still running."""
        self.progress.cancel()
        super().reject()

    def _failed(self, exc: BaseException) -> None:
        self.verdict.setText(f"<span style='color:#c62828'>{describe_error(exc)}</span>")

    def show_result(self, result: Any) -> None:
        self.result = result
        verdict, _, rest = result.message.partition(": ")
        colour = "#1a7f37" if result.ok else "#c62828"
        self.verdict.setStyleSheet(
            f"QLabel#verdictBanner {{ border: 1px solid {colour}; border-left: 6px solid "
            f"{colour}; border-radius: 6px; padding: 8px 12px; background: palette(base); }}"
        )
        lines = [
            f"<div style='font-size:18px; font-weight:600; color:{colour}'>"
            f"{'✓' if result.ok else '✗'} {escape(verdict)}</div>",
            f"<div>{escape(rest, quote=False)}</div>",
        ]
        if not result.ok and getattr(result, "fix", ""):
            lines.append(f"<div><b>Fix:</b> {escape(result.fix, quote=False)}</div>")
        if result.ok:
            from shipyard.core.packaging.verify import summary

            shown = summary(result)
            gate_text = shown["verdict"].upper()
            if shown["override"]:
                gate_text += f" — exported with an override: {shown['override']}"
            lines.append(
                f"<div>Package <b>{escape(shown['name'])}</b> version "
                f"<code>{escape(shown['version'])}</code> · gates "
                f"<b>{escape(gate_text, quote=False)}</b></div>"
            )
            lines += [f"<div style='color:#b7791f'>note: {escape(p, quote=False)}</div>"
                      for p in result.problems]  # fmt: skip
        self.verdict.setText("".join(lines))
        if not result.ok:
            return
        from shipyard.core.gates.model_card_rules import split_card

        _meta, body, _problem = split_card(result.card or "")
        show_markdown(self.card, body or "The package holds no model card.")
        self.gate.setHtml(gate_html(result.gate_report))
        rows = "".join(
            f"<tr><td><code>{escape(n)}</code></td><td><code>{d}</code></td></tr>"
            for n, d in sorted(result.files.items())
        )
        self.files.setHtml(f"<table cellpadding='3'>{rows}</table>")
        self.details.setVisible(True)
