"""The page shown with no workspace open: the demo, a recent workspace, open or create one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import EmptyState


def recent_entry(path: str, used: datetime | None = None) -> tuple[str, str] | None:
    """(name, "last used …") for a recent workspace folder; None when it is gone. `used`
    is when this user last opened it (from the settings), shown in local time."""
    root = Path(path)
    if not root.is_dir():
        return None
    name = root.name
    try:
        from shipyard.core.workspace.workspace import Workspace

        name = Workspace.open(root).name
    except Exception:  # a damaged workspace still shows, by its folder name
        pass
    if used is None:
        return name, "last used: not recorded"
    when = used.astimezone()
    return name, f"last used {when.day} {when:%b %Y, %H:%M}"


class WelcomePage(QWidget):
    openRequested = Signal()
    newRequested = Signal()
    demoRequested = Signal()
    pathChosen = Signal(str)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("welcomePage")
        from shipyard.core.workspace.layout import default_demo_path

        self.demo_path = default_demo_path()
        card = EmptyState(
            "Welcome to Shipyard",
            "A workspace is a folder that holds your portfolio: one-pagers, datasets, runs, "
            "gate reports and packages, all as plain files. Try the demo, open a workspace, "
            "start a new one, or drop a workspace folder onto this window.",
        )
        buttons = QHBoxLayout()
        self.demo_button = QPushButton("Open the demo workspace", objectName="openDemoButton")
        self.demo_button.setDefault(True)
        self.open_button = QPushButton("Open workspace…", objectName="openWorkspaceButton")
        self.new_button = QPushButton("New workspace…", objectName="newWorkspaceButton")
        self.demo_button.clicked.connect(self.demoRequested)
        self.open_button.clicked.connect(self.openRequested)
        self.new_button.clicked.connect(self.newRequested)
        for button, tip in (
            (self.demo_button, "Ten example projects with data, runs and gate reports"),
            (self.open_button, "Open a workspace folder (Ctrl+O)"),
            (self.new_button, "Create an empty workspace in a new folder (Ctrl+Shift+N)"),
        ):
            button.setToolTip(tip)
            button.setAccessibleName(button.text().rstrip("…"))
        # The demo on its own line, first: the quickest way to see what Shipyard does.
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        demo_row = QHBoxLayout()
        demo_row.addStretch(1)
        demo_row.addWidget(self.demo_button)
        demo_row.addStretch(1)
        self.demo_note = QLabel(objectName="demoNote", wordWrap=True)
        self.demo_note.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.recent_label = QLabel("Recent workspaces", objectName="sectionTitle")
        self.recent = QListWidget(objectName="recentWorkspaces")
        self.recent.setAccessibleName("Recent workspaces")
        self.recent.setToolTip("Double-click or press Enter to open")
        self.recent.setMaximumHeight(200)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.recent.setTextElideMode(Qt.ElideMiddle)
        self.recent.setWordWrap(False)
        self.recent.setSpacing(2)
        self.recent.itemActivated.connect(lambda item: self.pathChosen.emit(item.data(Qt.UserRole)))
        card.setMinimumWidth(540)  # room for the buttons and a recent path, in either theme
        card.layout().addLayout(demo_row)
        card.layout().addWidget(self.demo_note)
        card.layout().addLayout(buttons)
        card.layout().addWidget(self.recent_label)
        card.layout().addWidget(self.recent)
        box = QVBoxLayout(self)
        box.addWidget(card.centred(), 1, Qt.AlignCenter)
        self.refresh()

    def refresh(self) -> None:
        from shipyard.core.workspace.layout import CONFIG_NAME

        made = (self.demo_path / CONFIG_NAME).exists()
        self.demo_note.setText(
            f"The demo workspace is in {self.demo_path}."
            if made
            else f"The demo workspace will be created in {self.demo_path}, "
            "where the shipyard demo command puts it."
        )
        self.recent.clear()
        for path in self.session.settings.recent_workspaces:
            entry = recent_entry(path, self.session.settings.used_at(path))
            if entry is None:
                continue
            name, when = entry
            item = QListWidgetItem(f"{name}  ·  {when}\n{path}")
            item.setData(Qt.UserRole, path)
            item.setToolTip(path)
            self.recent.addItem(item)
        shown = self.recent.count() > 0
        self.recent.setVisible(shown)
        self.recent_label.setVisible(shown)
