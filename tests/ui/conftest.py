from __future__ import annotations

import gc
from datetime import date

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDialog


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(qapp):
    """As the app does (shipyard.ui.gc_guard): no cycle collection on worker threads."""
    from shipyard.ui.gc_guard import install

    install(qapp)


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
    # No job may outlive its test (napari does the same): wait for the worker threads.
    from shipyard.ui.background import job_pool

    assert job_pool().waitForDone(30_000), "a background job never finished"
    QApplication.processEvents()
    session.close(notify=False)
    # Closed is not deleted: a window left alive keeps pyqtgraph scenes and dialogs that
    # later app-wide repolishes (theme changes) would walk. Delete it now.
    for dialog in win.findChildren(QDialog):
        dialog.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QApplication.processEvents()
    # Collect the window's reference cycles here, on the GUI thread: left to chance, the
    # collector may run them on a worker thread, where destroying Qt objects is unsafe.
    gc.collect()
