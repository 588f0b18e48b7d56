"""The settings dialog: who you are (for the audit log and one-pagers) and the theme."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.workspace.user_settings import Theme, UserSettings


class SettingsDialog(QDialog):
    def __init__(self, settings: UserSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(420)
        self._settings = settings
        self.name = QLineEdit(settings.name)
        self.email = QLineEdit(settings.email, placeholderText="name@example.com")
        self.theme = QComboBox()
        for label, theme in (
            ("Follow the system", Theme.SYSTEM),
            ("Light", Theme.LIGHT),
            ("Dark", Theme.DARK),
        ):
            self.theme.addItem(label, theme.value)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme.value))
        note = QLabel(
            "Your name and email sign every change in a workspace's audit log.",
            objectName="pageSubtitle",
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Email", self.email)
        form.addRow("Theme", self.theme)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._check)
        box = QVBoxLayout(self)
        box.addWidget(note)
        box.addLayout(form)
        box.addWidget(self.buttons)

    def _check(self) -> None:
        ok = bool(self.name.text().strip())
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)

    def result_settings(self) -> UserSettings:
        updated = self._settings.copy()
        updated.name = self.name.text().strip()
        updated.email = self.email.text().strip()
        updated.theme = Theme(self.theme.currentData())
        return updated
