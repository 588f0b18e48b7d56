"""Opening the real main window in a test, and closing it without leaks."""

from __future__ import annotations

import contextlib
import gc
from datetime import date

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDialog


@contextlib.contextmanager
def open_window(qtbot, root, *, size=(1400, 900)):
    """The main window on the workspace at `root`, with a fixed 'today'; on exit the window
    is deleted on the GUI thread (closing it waited for its jobs; a job still running
    fails the test, see _no_leaked_work in tests/conftest.py)."""
    from shipyard.ui.main_window import MainWindow
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    session.today = date(2026, 11, 23)
    win = MainWindow(session)
    # Unsaved test edits must not raise a modal prompt when pytest-qt closes the window
    # (nor may running jobs: see pytest_runtest_teardown in conftest.py).
    qtbot.addWidget(
        win,
        before_close_func=lambda w: (
            w.undo_group.activeStack() and w.undo_group.activeStack().clear()
        ),
    )
    win.resize(*size)
    assert win.open_workspace(root)
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win
    finally:
        for dialog in win.findChildren(QDialog):
            dialog.close()
        QApplication.processEvents()
        session.close(notify=False)
        # Closed is not deleted: a window left alive keeps pyqtgraph scenes and dialogs that
        # later app-wide repolishes (theme changes) would walk. Delete it now.
        win.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QApplication.processEvents()
        # Collect the window's reference cycles here, on the GUI thread: left to chance, the
        # collector may run them on a worker thread, where destroying Qt objects is unsafe.
        gc.collect()
