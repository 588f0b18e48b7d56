from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDialog


@pytest.fixture
def window(qtbot, demo_ws):
    """The main window on a fresh copy of the demo workspace, with a fixed 'today'."""
    from shipyard.ui.main_window import MainWindow
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    session.today = date(2026, 11, 23)
    win = MainWindow(session)
    # Unsaved test edits must not raise a modal prompt when pytest-qt closes the window.
    qtbot.addWidget(
        win,
        before_close_func=lambda w: (
            w.undo_group.activeStack() and w.undo_group.activeStack().clear()
        ),
    )
    win.resize(1400, 900)
    assert win.open_workspace(demo_ws.root)
    win.show()
    qtbot.waitExposed(win)
    yield win
    session.close(notify=False)
    # Closed is not deleted: a window left alive keeps pyqtgraph scenes and dialogs that
    # later app-wide repolishes (theme changes) would walk. Delete it now.
    from PySide6.QtWidgets import QApplication

    for dialog in win.findChildren(QDialog):
        dialog.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QApplication.processEvents()
