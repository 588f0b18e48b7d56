"""Render a page of the window to PNG: for tests, docs and `shipyard screenshot`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from shipyard.core.errors import ShipyardError
from shipyard.ui.main_window import PORTFOLIO, MainWindow


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def fit_exactly(window: MainWindow, size: tuple[int, int]) -> None:
    """Resize the window to exactly `size`, or refuse: a screenshot never silently comes
    out larger (or smaller) than asked because a page needs more room."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ShipyardError(f"--size {width}x{height} is not a window size", fix="e.g. 1280x800")
    window.resize(width, height)
    settle()
    if (window.width(), window.height()) != (width, height):
        window.resize(width, height)  # a page shown meanwhile may have relaid out
        settle()
    if (window.width(), window.height()) != (width, height):
        need = window.minimumSizeHint().expandedTo(window.minimumSize())
        raise ShipyardError(
            f"this page cannot be shown at {width}x{height}: the window needs at least "
            f"{need.width()}x{need.height()} (it came out {window.width()}x{window.height()})",
            fix=f"ask for a larger size, e.g. --size {max(width, need.width())}x"
            f"{max(height, need.height())}",
        )


def grab(window: MainWindow, out: Path, size: tuple[int, int] | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    settle()
    if size is not None:
        fit_exactly(window, size)
    if not window.grab().save(str(out)):
        raise ShipyardError(
            "could not write the PNG", file=out, fix="check the folder exists and is writable"
        )
    return out


def _grab_with_dialog(window: MainWindow, dialog: QWidget, out: Path) -> Path:
    """The window dimmed, with the dialog drawn in its centre (as a user would see it)."""
    settle()
    shot = window.grab()
    painter = QPainter(shot)
    painter.fillRect(shot.rect(), QColor(0, 0, 0, 90))
    top_left = shot.rect().center() - dialog.rect().center()
    painter.drawPixmap(top_left, dialog.grab())
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not shot.save(str(out)):
        raise ShipyardError("could not write the PNG", file=out, fix="check the folder is writable")
    return out


def _wait_for_rows(window: MainWindow, timeout_s: float = 20.0) -> None:
    """The rows of the newest version open in the background; wait until they show."""
    import time

    deadline = time.monotonic() + timeout_s
    page = window.data
    while page.version is not None and page.model.reader is None:
        if time.monotonic() > deadline:
            break
        QApplication.processEvents()
        time.sleep(0.01)
    settle()


PROJECT_TABS = ("models", "gates", "rollout", "package")


def _show_tab(window: MainWindow, key: str) -> None:
    """Open a project tab and let the work it starts in the background finish and paint."""
    from shipyard.ui.jobs.background import job_pool

    if key not in window.project_page.tab_keys():
        raise ShipyardError(f"this build has no '{key}' tab")
    window.project_page.show_tab(key)
    for _ in range(3):
        settle()
        job_pool().waitForDone(30000)
    settle()


def render_page(
    window: MainWindow,
    workspace: Path | None,
    page: str,
    project: str | None,
    out: Path,
    size: tuple[int, int] | None = None,
) -> Path:
    """Show `page` and save it as PNG; with `size`, exactly that many pixels or an error."""
    if workspace is not None:
        window.session.open(workspace)
    window.show()
    settle()
    if page == "portfolio":
        window.show_page(PORTFOLIO)
    elif page == "onepager" or page in PROJECT_TABS:
        slug = project or (window.session.rows[0].slug if window.session.rows else None)
        if slug is None:
            raise ShipyardError("the workspace has no projects to show", fix="add one first")
        window.show_project(slug)
        if page in PROJECT_TABS:
            _show_tab(window, page)
    elif page == "settings":
        from shipyard.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(window.session.settings, window)
        dialog.show()
        settle()
        if size is not None:
            fit_exactly(window, size)
        return _grab_with_dialog(window, dialog, out)
    elif page == "datasets":
        from shipyard.ui.main_window import DATASETS

        window.show_page(DATASETS)
        _wait_for_rows(window)
    elif page == "review":
        from shipyard.ui.main_window import REVIEW

        window.show_page(REVIEW)
        window.review.wait_ready()
        settle()
    elif page == "welcome":
        window.session.close()
        window.show_page(None)
    return grab(window, out, size)
