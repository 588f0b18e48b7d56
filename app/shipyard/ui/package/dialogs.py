"""Dialogs of the Package tab: export options and signing-key management."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.accessible import name_controls
from shipyard.ui.error_text import describe_error
from shipyard.ui.widgets import primary, row_table

_Index = QModelIndex | QPersistentModelIndex


# -- export -------------------------------------------------------------------------------
class ExportDialog(QDialog):
    """Which run and why, where to export, with which key, and, when the gates did not
    pass, why anyway. A run whose files disagree (`status.blocker`) cannot be exported."""

    def __init__(
        self,
        ws: Any,
        slug: str,
        run_id: str,
        status: Any,
        parent: QWidget | None = None,
        *,
        why: str = "",
        user: str = "",
    ) -> None:
        from shipyard.core.packaging.export import EXPORTS_DIR
        from shipyard.core.signing import keys

        super().__init__(parent)
        self.setWindowTitle("Export package")
        self.setMinimumWidth(520)
        self.blocker = status.blocker
        self.gate_problem = status.problem if self.blocker is None else ""
        form = QFormLayout()
        self.run_label = QLabel(
            f"<code>{escape(run_id)}</code>" + (f"<br>{escape(why)}" if why else "")
        )
        self.run_label.setWordWrap(True)
        form.addRow("Run:", self.run_label)
        if self.blocker is not None:
            text = (
                f"<b style='color:#c62828'>cannot export</b> — {escape(self.blocker.message)}"
                + (f"<br>Fix: {escape(self.blocker.fix)}" if self.blocker.fix else "")
            )
        elif self.gate_problem:
            text = f"<b style='color:#c62828'>not passed</b> — {escape(self.gate_problem)}" + (
                f"<br>Fix: {escape(status.fix)}" if status.fix else ""
            )
        else:
            text = "<b style='color:#1a7f37'>passed</b> on these exact model bytes"
        self.gate = QLabel(text, objectName="exportGate")
        self.gate.setWordWrap(True)
        self.gate.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow("Gates:", self.gate)
        self.ws, self.user = ws, user
        self.key_combo = QComboBox()
        self.key_combo.setToolTip("The package is signed with the workspace's active key")
        # With no key yet the Export button cannot work: say why, and offer to make one.
        self.no_key = QLabel(
            "<b style='color:#b7791f'>No signing key yet.</b> A package is signed so anyone "
            "can check it was not changed; create the workspace's key here."
        )
        self.no_key.setWordWrap(True)
        self.no_key.setTextFormat(Qt.RichText)
        from shipyard.core.signing.keys import MIN_PASSPHRASE, keyring_status

        self.keyring_usable, _where = keyring_status()
        # Without an OS keyring the new key is kept encrypted: its passphrase, typed here.
        self.new_passphrase = QLineEdit(echoMode=QLineEdit.Password, objectName="newKeyPassphrase")
        self.new_passphrase.setPlaceholderText(
            f"a passphrase for the new key (at least {MIN_PASSPHRASE} characters)"
        )
        self.new_passphrase.setAccessibleName("Passphrase for the new key")
        self.make_key = QPushButton("Create a signing key", objectName="makeKeyButton")
        self.make_key.setAccessibleName("Create a signing key")
        self.make_key.setToolTip(
            "Make the workspace's signing key now (kept in the OS keyring, or encrypted with "
            "the passphrase); its public half goes to keys/ for verifiers"
        )
        self.make_key.clicked.connect(self._make_key)
        key_box = QVBoxLayout()
        key_box.addWidget(self.key_combo)
        key_box.addWidget(self.no_key)
        key_box.addWidget(self.new_passphrase)
        key_box.addWidget(self.make_key, 0, Qt.AlignLeft)
        self.key_note = QLabel(objectName="keyNote", textFormat=Qt.RichText)
        self.key_note.hide()
        key_box.addWidget(self.key_note)
        form.addRow("Signing key:", key_box)
        self._fill_keys()
        self.passphrase = QLineEdit(echoMode=QLineEdit.Password, objectName="passphraseEdit")
        self.passphrase.setAccessibleName("Passphrase of the signing key")
        self.passphrase.setPlaceholderText("only for a key kept in a passphrase-protected file")
        current = self.key_combo.currentData()
        self.passphrase.setEnabled(bool(current and current.storage == keys.FILE))
        form.addRow("Passphrase:", self.passphrase)
        self.out = QLineEdit(str(ws.root / EXPORTS_DIR), objectName="exportFolderEdit")
        self.out.setAccessibleName("Export folder")
        browse = QPushButton("Browse…", objectName="exportFolderBrowseButton")
        browse.setAccessibleName("Choose the export folder")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Folder:", row)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why export although the gates did not pass (audited)")
        self.reason.setVisible(bool(self.gate_problem))
        self.reason.textChanged.connect(self._update)
        if self.gate_problem:
            form.addRow("Override reason:", self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Export")
        self.buttons.button(QDialogButtonBox.Ok).setObjectName("exportOkButton")
        self.buttons.button(QDialogButtonBox.Cancel).setObjectName("exportCancelButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setObjectName("exportDialog")
        self.key_combo.setObjectName("exportKeyCombo")
        self.key_combo.setAccessibleName("Signing key")
        self.reason.setObjectName("overrideReasonEdit")
        self.reason.setAccessibleName("Override reason")
        self._update()
        name_controls(self)
        if self.make_key.isVisibleTo(self) and self.blocker is None:
            self.make_key.setFocus()  # the one thing to do before Export

    def _fill_keys(self) -> None:
        from shipyard.core.signing import keys

        self.key_combo.clear()
        for info in keys.list_keys(self.ws):
            if info.status == keys.ACTIVE:
                self.key_combo.addItem(f"{info.key_id} (active, {info.storage})", info)
        missing = self.key_combo.count() == 0
        self.key_combo.setVisible(not missing)
        self.no_key.setVisible(missing)
        self.make_key.setVisible(missing)
        self.new_passphrase.setVisible(missing and not self.keyring_usable)

    def _make_key(self) -> None:
        """Make the workspace's signing key here, then choose it: one click, no detour."""
        from shipyard.core.errors import ShipyardError
        from shipyard.core.signing import keys

        passphrase = None
        if not self.keyring_usable:
            passphrase = self.new_passphrase.text()
            problem = keys.passphrase_problem(passphrase)
            if problem:
                self.no_key.setText(
                    f"<b style='color:#c62828'>{escape(problem[:1].upper() + problem[1:])}.</b>"
                    " No key was made; type a longer passphrase."
                )
                self.new_passphrase.setFocus()
                return
        try:
            info = keys.generate_key(self.ws, user=self.user, passphrase=passphrase)
        except ShipyardError as exc:
            self.no_key.setText(f"<span style='color:#c62828'>{describe_error(exc)}</span>")
            return
        self._fill_keys()
        self.key_combo.setCurrentIndex(
            max(self.key_combo.findText(info.key_id, Qt.MatchStartsWith), 0)
        )
        self.key_note.setText(
            f"Created key <code>{escape(info.key_id)}</code>; it signs this package."
        )
        self.key_note.show()
        if hasattr(self, "passphrase"):
            current = self.key_combo.currentData()
            self.passphrase.setEnabled(bool(current and current.storage == keys.FILE))
            if passphrase:
                self.passphrase.setText(passphrase)
            self._update()
            self.buttons.button(QDialogButtonBox.Ok).setFocus()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.out.text())
        if folder:
            self.out.setText(folder)

    def _update(self) -> None:
        ok = (
            self.blocker is None
            and self.key_combo.count() > 0
            and (not self.gate_problem or bool(self.reason.text().strip()))
        )
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)

    def options(self) -> dict[str, Any]:
        info = self.key_combo.currentData()
        return {
            "out_dir": Path(self.out.text()),
            "key_id": info.key_id if info else None,
            "override_reason": self.reason.text().strip() or None,
            "passphrase": self.passphrase.text() or None,
        }


# -- keys ---------------------------------------------------------------------------------
class KeyTableModel(QAbstractTableModel):
    HEADERS = ("Key id", "Status", "Private key", "Created", "By")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[Any, bool]] = []

    def set_keys(self, rows: list[tuple[Any, bool]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Horizontal and role == int(Qt.DisplayRole.value):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        info, here = self.rows[index.row()]
        if role == int(Qt.DisplayRole.value):
            where = "OS keyring" if info.storage == "keyring" else "encrypted file"
            values = (
                info.key_id,
                info.status,
                where + ("" if here else " (not on this computer)"),
                info.created.replace("T", " ").rstrip("Z"),
                info.user,
            )
            return values[index.column()]
        if role == int(Qt.ToolTipRole.value):
            return f"model-signing key hint: {info.hint}"
        return None


class KeysDialog(QDialog):
    """List, generate, rotate and export the workspace's signing keys."""

    def __init__(self, ws: Any, user: str, parent: QWidget | None = None) -> None:
        from shipyard.core.signing.keys import keyring_status

        super().__init__(parent)
        self.ws, self.user = ws, user
        self.setWindowTitle("Signing keys")
        self.resize(720, 360)
        usable, what = keyring_status()
        self.keyring_usable = usable
        self.where = QLabel(
            f"Private keys are kept in the {escape(what)}; public keys in "
            f"<code>keys/</code> of the workspace, for anyone who verifies packages."
            if usable
            else f"<b style='color:#b7791f'>{escape(what[:1].upper() + what[1:])}.</b> New "
            "keys are kept encrypted with a passphrase you choose, in your Shipyard settings "
            "folder."
        )
        self.where.setWordWrap(True)
        self.model = KeyTableModel(self)
        self.table = row_table(self.model)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.RichText)
        self.generate_button = primary(QPushButton("Generate key"))
        self.generate_button.setToolTip("Make the workspace's first signing key")
        self.generate_button.clicked.connect(self.generate)
        self.rotate_button = QPushButton("Rotate…")
        self.rotate_button.setToolTip("Make a new active key; the old one stays trusted")
        self.rotate_button.clicked.connect(self.rotate)
        self.export_button = QPushButton("Export public key…")
        self.export_button.setToolTip("Save the selected key's public half for verifiers")
        self.export_button.clicked.connect(self.export)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.generate_button, self.rotate_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setObjectName("keysDialog")
        self.generate_button.setObjectName("generateKeyButton")
        self.rotate_button.setObjectName("rotateKeyButton")
        self.export_button.setObjectName("exportPublicKeyButton")
        self.table.setObjectName("keysTable")
        self.table.setAccessibleName("Signing keys")
        close.setObjectName("keysCloseButton")
        self.refresh()
        name_controls(self)

    def refresh(self) -> None:
        from shipyard.core.signing.keys import ACTIVE, has_private_key, list_keys

        keys = list_keys(self.ws)
        self.model.set_keys([(k, has_private_key(k)) for k in keys])
        has_active = any(k.status == ACTIVE for k in keys)
        self.generate_button.setEnabled(not has_active)
        self.rotate_button.setEnabled(has_active)
        self.export_button.setEnabled(bool(keys))
        if keys and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _passphrase(self) -> tuple[bool, str | None]:
        """(go on, passphrase) for a new key; a too-short passphrase is refused with the rule."""
        from shipyard.core.signing.keys import MIN_PASSPHRASE, passphrase_problem

        if self.keyring_usable:
            return True, None
        text, ok = QInputDialog.getText(
            self,
            "Passphrase",
            f"Passphrase for the new key (at least {MIN_PASSPHRASE} characters):",
            QLineEdit.Password,
        )
        if not ok:
            return False, None
        problem = passphrase_problem(text) if text else None
        if problem:
            self.message.setText(
                f"<span style='color:#c62828'>{escape(problem[:1].upper() + problem[1:])}."
                " No key was made; try again with a longer one.</span>"
            )
            return False, None
        return True, text or None

    def _run(self, fn: Any, done: str) -> None:
        from shipyard.core.errors import ShipyardError

        try:
            info = fn()
        except ShipyardError as exc:
            self.message.setText(f"<span style='color:#c62828'>{describe_error(exc)}</span>")
            return
        self.message.setText(escape(done.format(key=info.key_id)))
        self.refresh()

    def generate(self) -> None:
        from shipyard.core.signing.keys import generate_key

        go_on, passphrase = self._passphrase()
        if not go_on:
            return
        self._run(lambda: generate_key(self.ws, user=self.user, passphrase=passphrase),
                  "Generated key {key}; it signs the packages you export.")  # fmt: skip

    def rotate(self) -> None:
        from shipyard.core.signing.keys import rotate_key

        reason, ok = QInputDialog.getText(self, "Rotate key", "Why rotate (for the audit log):")
        if not ok:
            return
        go_on, passphrase = self._passphrase()
        if not go_on:
            return
        self._run(
            lambda: rotate_key(self.ws, user=self.user, reason=reason, passphrase=passphrase),
            "Rotated: {key} is the active key; the previous key stays trusted.",
        )

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()][0] if rows else None

    def export(self, dest: str | None = None) -> Path | None:
        from shipyard.core.signing.keys import export_public_key

        info = self.selected()
        if info is None:
            return None
        if not dest:
            dest, _ = QFileDialog.getSaveFileName(
                self, "Export public key", f"{info.key_id}.pub.pem", "PEM (*.pem)"
            )
        if not dest:
            return None
        out = export_public_key(self.ws, info.key_id, Path(dest))
        self.message.setText(f"Public key written to <code>{escape(str(out))}</code>")
        return out


def confirm_replace_card(parent: QWidget) -> bool:
    answer = QMessageBox.question(
        parent,
        "Replace the edited card?",
        "The model card was edited by hand. Generating a new one replaces those edits.",
        QMessageBox.Discard | QMessageBox.Cancel,
        QMessageBox.Cancel,
    )
    return answer == QMessageBox.Discard
