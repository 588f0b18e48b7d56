"""The page shown with no workspace open: open, create, or pick a recent one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from .session import WorkspaceSession
from .widgets import EmptyState


class WelcomePage(QWidget):
    openRequested = Signal()
    newRequested = Signal()
    pathChosen = Signal(str)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        card = EmptyState(
            "Welcome to Shipyard",
            "A workspace is a folder that holds your portfolio: one-pagers, datasets, runs, "
            "gate reports and packages, all as plain files. Open one, create one, or drop a "
            "workspace folder onto this window.",
        )
        buttons = QHBoxLayout()
        open_button = QPushButton("Open workspace…", objectName="primary")
        new_button = QPushButton("New workspace…")
        open_button.clicked.connect(self.openRequested)
        new_button.clicked.connect(self.newRequested)
        buttons.addStretch(1)
        buttons.addWidget(open_button)
        buttons.addWidget(new_button)
        buttons.addStretch(1)
        self.recent = QListWidget()
        self.recent.setMaximumHeight(160)
        self.recent.itemActivated.connect(lambda item: self.pathChosen.emit(item.text()))
        self.recent_label = QLabel("Recent workspaces", objectName="sectionTitle")
        card.layout().addLayout(buttons)
        card.layout().addWidget(self.recent_label)
        card.layout().addWidget(self.recent)
        box = QVBoxLayout(self)
        box.addWidget(card.centred(), 1, Qt.AlignCenter)
        self.refresh()

    def refresh(self) -> None:
        self.recent.clear()
        paths = [p for p in self.session.settings.recent_workspaces if Path(p).is_dir()]
        self.recent.addItems(paths)
        self.recent.setVisible(bool(paths))
        self.recent_label.setVisible(bool(paths))
