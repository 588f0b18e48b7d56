"""Starting the window, and rendering pages to PNG without a display."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def _make_app(headless: bool):  # type: ignore[no-untyped-def]
    if headless and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Shipyard")
    app.setOrganizationName("Shipyard")
    app.setApplicationDisplayName("Shipyard")
    from PySide6.QtGui import QIcon

    from shipyard.core.resources import resources_dir

    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "shipyard.svg")))
    from shipyard.ui.jobs.gc_guard import install

    install(app)  # Qt objects are only ever collected on the GUI thread
    return app


def launch(
    workspace: Path | None,
    *,
    screenshot: Path | None = None,
    page: str = "portfolio",
    project: str | None = None,
    size: tuple[int, int] = (1400, 900),
    present: tuple[tuple[str, ...], float] | None = None,
) -> int:
    """Open the window (or render one page to `screenshot` and return); with `present`
    (project order, minutes per team), only the full-screen presentation."""
    app = _make_app(headless=screenshot is not None)
    if present is not None and workspace is not None:
        from shipyard.core.errors import ShipyardError
        from shipyard.ui.present.window import present_workspace

        try:
            shown = present_workspace(workspace, list(present[0]) or None, present[1])
        except ShipyardError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        shown.closed.connect(app.quit)
        return app.exec()
    from shipyard.core.workspace.user_settings import load_settings
    from shipyard.ui.main_window import MainWindow
    from shipyard.ui.session import WorkspaceSession
    from shipyard.ui.theme import apply_theme

    session = WorkspaceSession(load_settings())
    apply_theme(app, session.settings.theme)
    # "Follow the system" follows it live, too.
    app.styleHints().colorSchemeChanged.connect(
        lambda _scheme: apply_theme(app, session.settings.theme)
    )
    window = MainWindow(session)
    window.resize(*size)
    if screenshot is not None:
        from shipyard.core.errors import ShipyardError
        from shipyard.ui.screenshot import render_page

        try:
            render_page(window, workspace, page, project, screenshot, size)
        except ShipyardError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        finally:
            session.close()
        print(f"Wrote {screenshot}")
        return 0
    from PySide6.QtCore import QTimer

    # The window goes up first and the workspace loads on the first turn of the event
    # loop, so people see Shipyard at once rather than after the domain libraries load.
    window.show()
    exit_after = os.environ.get("SHIPYARD_EXIT_AFTER_SHOW", "")  # benchmarks: "shown"/"loaded"
    if exit_after == "shown":
        QTimer.singleShot(0, app.quit)
        return app.exec()

    if workspace is not None:
        window.statusBar().showMessage(f"Opening {workspace}…")

    def load() -> None:
        if workspace is not None:
            window.open_workspace(workspace)
        if exit_after:
            QTimer.singleShot(0, app.quit)  # after the loaded portfolio has painted

    QTimer.singleShot(0, load)
    # Quitting without closing the window (the desktop session ending, a quit from the dock)
    # skips closeEvent: stop the jobs, wait for them to clean up, then release the lock.
    app.aboutToQuit.connect(lambda: _stop_everything(session))
    return app.exec()


def _stop_everything(session: Any) -> None:
    from shipyard.ui.jobs.background import job_hub, job_pool
    from shipyard.ui.main_window import STOP_WAIT_MS

    job_hub().cancel_all()
    job_pool().waitForDone(STOP_WAIT_MS)
    session.close(notify=False)
