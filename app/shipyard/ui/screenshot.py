"""Render a page of the window to PNG: for tests, docs and `shipyard screenshot`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from shipyard.core.errors import ShipyardError

from .main_window import PORTFOLIO, MainWindow


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def grab(window: MainWindow, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    settle()
    if not window.grab().save(str(out)):
        raise ShipyardError(
            "could not write the PNG", file=out, fix="check the folder exists and is writable"
        )
    return out


def render_page(
    window: MainWindow, workspace: Path | None, page: str, project: str | None, out: Path
) -> Path:
    if workspace is not None:
        window.session.open(workspace)
    window.show()
    settle()
    if page == "portfolio":
        window.show_page(PORTFOLIO)
    elif page == "onepager":
        slug = project or (window.session.rows[0].slug if window.session.rows else None)
        if slug is None:
            raise ShipyardError("the workspace has no projects to show", fix="add one first")
        window.show_project(slug)
    elif page == "settings":
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(window.session.settings, window)
        dialog.show()
        settle()
        return grab(dialog, out)  # type: ignore[arg-type]
    elif page == "welcome":
        window.session.close()
        window.show_page(None)
    return grab(window, out)
