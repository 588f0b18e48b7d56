"""The Package tab of a project: write the model card, export a signed package, manage
signing keys and verify packages.

`load(slug)` reads only small files (run records, the champion, the card, the gate report);
exporting runs off the GUI thread with progress and Cancel.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.error_text import describe_error
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.package.card_editor import CardEditor
from shipyard.ui.package.dialogs import ExportDialog, KeysDialog, confirm_replace_card
from shipyard.ui.package.verify import VerifyDialog
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import EmptyState, PageHeader, primary


def _export_job(job: Any, ws: Any, slug: str, run_id: str, user: str, options: dict) -> Any:
    from shipyard.core.packaging.export import export_package

    return export_package(ws, slug, run_id=run_id, user=user, job=job, **options)


class PackageTab(QWidget):
    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.dirty = False
        self.task: BackgroundTask | None = None
        self.last_result: Any = None
        self.dialog: QWidget | None = None

        self.header = PageHeader(
            "Package", "Model card, signed package, keys — what deployment receives"
        )
        self.generate_button = QPushButton("Generate card")
        self.generate_button.setToolTip(
            "Fill the card from the one-pager, the run and its gate report (Ctrl+Shift+C)"
        )
        self.generate_button.clicked.connect(self.generate_card)
        self.refresh_button = QPushButton("Refresh facts")
        self.refresh_button.setToolTip(
            "Rewrite only the card's run facts (metrics, data, gate verdict, model hash) from "
            "the selected run; your own words stay (Ctrl+U)"
        )
        self.refresh_button.clicked.connect(self.refresh_card)
        self.save_button = QPushButton("Save card")
        self.save_button.setToolTip("Save model_card.md (Ctrl+S)")
        self.save_button.clicked.connect(self.save_card)
        self.keys_button = QPushButton("Keys…")
        self.keys_button.setToolTip("Generate, rotate and export signing keys (Ctrl+K)")
        self.keys_button.clicked.connect(self.open_keys)
        self.verify_button = QPushButton("Verify package…")
        self.verify_button.setToolTip("Check a package's signature and files (Ctrl+Shift+V)")
        self.verify_button.clicked.connect(self.open_verify)
        self.export_button = primary(QPushButton("Export package…"))
        self.export_button.setToolTip("Build, sign and zip the package (Ctrl+E)")
        self.export_button.clicked.connect(self.open_export)
        for button in (self.generate_button, self.refresh_button, self.save_button,
                       self.keys_button, self.verify_button, self.export_button):  # fmt: skip
            self.header.actions.addWidget(button)

        self.run_combo = QComboBox()
        # Wide enough for a run id, never wider than a laptop allows: long names elide.
        self.run_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.run_combo.setMinimumContentsLength(28)
        self.run_combo.setToolTip(
            "The run to describe and package (the champion by default, else the best "
            "exportable run by the primary metric)"
        )
        self.choice: Any = None  # choose_run's answer: the default run and why
        self._default_shown: str | None = None
        self.choice_label = QLabel(objectName="pageSubtitle", textFormat=Qt.RichText)
        self.choice_label.setWordWrap(True)
        self.run_combo.currentIndexChanged.connect(lambda _i: self._show_run_status())
        self.why = ""  # which rule picked the default run, for people
        self.default_run: str | None = None
        self.gate_label = QLabel(textFormat=Qt.RichText)
        self.gate_label.setWordWrap(True)
        self.key_label = QLabel(textFormat=Qt.RichText, objectName="packageKeyLabel")
        status = QHBoxLayout()
        status.addWidget(QLabel("Run:"))
        status.addWidget(self.run_combo)
        status.addSpacing(12)
        status.addWidget(self.gate_label, 1)
        status.addWidget(self.key_label)

        self.card = CardEditor()
        self.card.edited.connect(self._edited)
        self.card_title = QLabel("Model card", objectName="sectionTitle")

        self.progress = JobProgress("export", cancel_tip="Stop the export; nothing is written")
        self.message = QLabel(textFormat=Qt.RichText, objectName="packageMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.progress, 1)

        content = QWidget()
        box = QVBoxLayout(content)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(status)
        box.addWidget(self.choice_label)
        box.addWidget(self.card_title)
        box.addWidget(self.card, 1)
        box.addLayout(bottom)
        self.empty = EmptyState(
            "No model to package yet",
            "A package holds a trained, exportable run. Train a baseline in the "
            "<b>Models</b> tab and gate it in <b>Gates</b>; then write its model card "
            "and export a signed package here.",
        )
        self.stack: QStackedWidget = self.empty.alternative_to(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)  # the same margins as every other page
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)

        # One meaning per key in the whole window: Ctrl+G is Run gates, Ctrl+R Rehearse.
        shortcuts = {
            "Ctrl+S": (self.save_card, "save"), "Ctrl+Shift+C": (self.generate_card, "generateCard"),
            "Ctrl+E": (self.open_export, "export"), "Ctrl+U": (self.refresh_card, "refreshCard"),
            "Ctrl+K": (self.open_keys, "keys"), "Ctrl+Shift+V": (self.open_verify, "verify"),
        }  # fmt: skip
        for keys, (slot, name) in shortcuts.items():
            QShortcut(QKeySequence(keys), self, activated=slot, objectName=f"{name}Shortcut")
        session.projectArtifactsChanged.connect(self._artifacts_changed)
        self._own_change = False
        self._stale = False

    # -- loading --------------------------------------------------------------------------
    @property
    def ws(self) -> Any:
        return self.session.workspace

    def load(self, slug: str) -> None:
        from shipyard.core.packaging.model_card import read_card

        if self.dirty and self.slug and self.slug != slug:
            self._offer_save()
        self.slug = slug
        self._fill_runs()
        self.card.set_text(read_card(self.ws, slug) or "")
        self._set_dirty(False)
        self.message.clear()

    def _fill_runs(self) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.training import list_runs
        from shipyard.core.training.champion import current_champion
        from shipyard.core.training.selection import choose_run

        ws, slug = self.ws, self.slug
        if ws is None or slug is None:
            return
        runs = [r for r in list_runs(ws, slug) if r.exportable]
        champion = current_champion(ws, slug)
        self.choice = None
        if runs:  # the one rule: the champion, else the best exportable run
            try:
                self.choice = choose_run(ws, slug)
            except ShipyardError:
                self.choice = None
        default = self.choice.run_id if self.choice else None
        self.default_run = default
        self.why = self.choice.why if self.choice else ""
        keep = self.run_combo.currentData()
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for run in reversed(runs):
            crown = "★ champion · " if run.run_id == champion else ""
            if not crown and run.run_id == default:
                crown = "best · "
            self.run_combo.addItem(f"{crown}{run.family} · {run.run_id}", run.run_id)
        if keep != self._default_shown:  # a run the user picked stays picked
            preferred = keep if keep in [r.run_id for r in runs] else default
        else:
            preferred = default
        self._default_shown = default
        index = self.run_combo.findData(preferred) if preferred else 0
        self.run_combo.setCurrentIndex(max(index, 0))
        self.run_combo.blockSignals(False)
        self.stack.setCurrentIndex(0 if runs else 1)
        self._show_run_status()

    def run_id(self) -> str | None:
        return self.run_combo.currentData()

    def why_this_run(self) -> str:
        """Which run the tab shows and why: the default rule's words, or the user's pick."""
        run_id = self.run_id()
        if run_id and run_id == self.default_run and self.why:
            return self.why
        return f"run {run_id}, chosen in the list" if run_id else ""

    def export_status(self) -> Any:
        """Whether the selected run can be packaged (`core.packaging.export.ExportStatus`)."""
        from shipyard.core.packaging.export import export_status
        from shipyard.core.training import load_run

        return export_status(self.ws, self.slug, load_run(self.ws, self.slug, self.run_id()))

    def _show_run_status(self) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.signing.keys import active_key

        self._show_choice()
        if self.ws is None or self.run_id() is None:
            self.gate_label.clear()
            return
        try:
            status = self.export_status()
            key = active_key(self.ws)
        except ShipyardError as exc:
            self.gate_label.setText(f"<span style='color:#c62828'>{escape(exc.message)}</span>")
            return
        blocker, problem = status.blocker, status.problem
        if blocker is not None:
            self.gate_label.setText(
                f"<b style='color:#c62828'>CANNOT EXPORT</b> — {escape(blocker.message)}"
            )
            self.gate_label.setToolTip(f"Fix: {blocker.fix}" if blocker.fix else "")
        else:
            self.gate_label.setText(
                "Gates: <b style='color:#1a7f37'>PASSED</b> on this model's bytes"
                if not problem
                else f"Gates: <b style='color:#c62828'>NOT PASSED</b> — {escape(problem)}"
            )
            self.gate_label.setToolTip(
                f"Fix: {status.fix}"
                if problem
                else "The gate report measured this exact model.onnx"
            )
        self.run_combo.setToolTip(f"Showing {self.why_this_run()}")
        self.key_label.setText(
            f"Signing key: <code>{escape(key.key_id)}</code>"
            if key
            else "<span style='color:#b7791f'>No signing key — open <b>Keys…</b></span>"
        )

    def _show_choice(self) -> None:
        """Which run is selected and why: the default rule's run, or the user's pick."""
        run_id, choice = self.run_id(), self.choice
        if choice is None or run_id is None:
            self.choice_label.clear()
        elif run_id == choice.run_id:
            self.choice_label.setText(f"Selected by default: {escape(choice.why)}")
        else:
            self.choice_label.setText(
                f"Selected by you: run {escape(run_id)} (the default is {escape(choice.why)})"
            )

    def _artifacts_changed(self, slug: str) -> None:
        if slug != self.slug or self._own_change:
            return
        if self.isVisible():
            self._fill_runs()
        else:
            self._stale = True  # refreshed when the tab is shown again

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and self.slug:
            self._stale = False
            self._fill_runs()

    def _notify(self) -> None:
        self._own_change = True
        try:
            self.session.projectArtifactsChanged.emit(self.slug)
        finally:
            self._own_change = False

    # -- the card -------------------------------------------------------------------------
    def _edited(self) -> None:
        self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.card_title.setText("Model card ●" if dirty else "Model card")
        self.card_title.setToolTip("Unsaved edits (Ctrl+S saves)" if dirty else "")

    def _offer_save(self) -> None:
        answer = QMessageBox.question(
            self, "Unsaved model card", "Save the edits to the model card?",
            QMessageBox.Save | QMessageBox.Discard, QMessageBox.Save,
        )  # fmt: skip
        if answer == QMessageBox.Save:
            self.save_card()

    def save_card(self) -> bool:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.packaging.model_card import write_card

        if self.ws is None or self.slug is None:
            return False
        try:
            path = write_card(self.ws, self.slug, self.card.text(), user=self.session.user)
        except ShipyardError as exc:
            self._error(exc)
            return False
        self._set_dirty(False)
        self.message.setText(f"Saved <code>{escape(path.name)}</code>.")
        self._notify()
        return True

    def generate_card(self, overwrite: bool | None = None) -> bool:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.packaging.model_card import card_was_edited, generate_and_write

        if self.ws is None or self.slug is None or self.run_id() is None:
            return False
        if overwrite is None:
            overwrite = False
            if (self.dirty or card_was_edited(self.ws, self.slug)) and self.card.text().strip():
                if not confirm_replace_card(self):
                    return False
                overwrite = True
        try:
            path = generate_and_write(
                self.ws, self.slug, user=self.session.user, run_id=self.run_id(),
                overwrite=overwrite,
            )  # fmt: skip
        except ShipyardError as exc:
            self._error(exc)
            return False
        self.card.set_text(path.read_text("utf-8"))
        self._set_dirty(False)
        self.message.setText(
            f"Generated the card from {escape(self.why_this_run())}. Its run facts and gate "
            "verdict are written again from the packaged run at export."
        )
        self._notify()
        return True

    def refresh_card(self) -> bool:
        """Rewrite the card's machine-written parts from the selected run (saves first)."""
        from shipyard.core.errors import ShipyardError
        from shipyard.core.packaging.model_card import refresh_and_write

        if self.ws is None or self.slug is None or self.run_id() is None:
            return False
        if self.dirty and not self.save_card():
            return False
        try:
            path, notes = refresh_and_write(
                self.ws, self.slug, user=self.session.user, run_id=self.run_id()
            )
        except ShipyardError as exc:
            self._error(exc)
            return False
        self.card.set_text(path.read_text("utf-8"))
        self._set_dirty(False)
        self.message.setText(
            f"Refreshed the card's facts from {escape(self.why_this_run())}; your words stay."
            + "".join(f"<br><span style='color:#b7791f'>note: {escape(n)}</span>" for n in notes)
        )
        self._notify()
        return True

    # -- export ---------------------------------------------------------------------------
    def open_export(self) -> ExportDialog | None:
        from shipyard.core.errors import ShipyardError

        if self.ws is None or self.slug is None or self.run_id() is None or self.task:
            return None
        if self.dirty and not self.save_card():
            return None
        try:
            status = self.export_status()
        except ShipyardError as exc:
            self._error(exc)
            return None
        dialog = ExportDialog(
            self.ws,
            self.slug,
            self.run_id() or "",
            status,
            self,
            why=self.why_this_run(),
            user=self.session.user,
        )
        dialog.accepted.connect(lambda: self.export(dialog.options()))
        dialog.finished.connect(lambda _r: self._show_run_status())  # a key made in it
        self.dialog = dialog
        dialog.open()
        return dialog

    def export(self, options: dict[str, Any]) -> BackgroundTask | None:
        if self.ws is None or self.slug is None or self.run_id() is None:
            return None
        self.export_button.setEnabled(False)
        self.message.clear()
        self.task = (
            Op(self, _export_job, self.ws, self.slug, self.run_id(), self.session.user, options)
            .progress(self.progress, "Exporting…")
            .success(self._exported)
            .failure(self._error)
            .cancelled(self._cancelled)
            .finally_(self._finished)
            .run_in_background()
        )
        return self.task

    def _cancelled(self) -> None:
        self.message.setText("Export cancelled; nothing written.")

    def _finished(self) -> None:
        self.task = None
        self.export_button.setEnabled(True)

    def cancel(self) -> None:
        self.progress.cancel()

    def _exported(self, result: Any) -> None:
        self.last_result = result
        notes = "".join(f"<br><span style='color:#b7791f'>note: {escape(w)}</span>"
                        for w in result.warnings)  # fmt: skip
        self.message.setText(
            f"<b style='color:#1a7f37'>Exported</b> <code>{escape(str(result.zip_path))}</code>"
            f" — signed with key <code>{escape(result.key_id)}</code> in {result.seconds:.2f} s"
            + notes
        )
        self._notify()

    def _error(self, exc: BaseException) -> None:
        self.message.setText(f"<span style='color:#c62828'>{describe_error(exc)}</span>")

    # -- keys and verification ------------------------------------------------------------
    def open_keys(self) -> KeysDialog | None:
        if self.ws is None:
            return None
        dialog = KeysDialog(self.ws, self.session.user, self)
        dialog.finished.connect(lambda _r: self._show_run_status())
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_verify(self, path: Path | None = None) -> VerifyDialog | None:
        if self.ws is None:
            return None
        start = path or (self.last_result.zip_path if self.last_result else None)
        dialog = VerifyDialog(self.ws, self, start)
        self.dialog = dialog
        dialog.open()
        if start is not None and Path(start).exists():
            dialog.verify()  # the package just exported: the verdict comes at once
        return dialog
