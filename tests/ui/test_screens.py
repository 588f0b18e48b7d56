"""The important screens rendered to PNG (tests/artifacts/) and checked for real content."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from shipyard.ui.main_window import PORTFOLIO, MainWindow
from shipyard.ui.screenshot import grab


def _distinct_colours(path: Path, step: int = 23) -> int:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable PNG"
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})  # fmt: skip


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_portfolio_and_onepager_render(window: MainWindow, artifacts: Path, theme: str):
    from PySide6.QtWidgets import QApplication

    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme(theme))
    window.show_page(PORTFOLIO)
    shots = {"portfolio": grab(window, artifacts / f"portfolio-{theme}.png")}
    window.portfolio.charts.setCurrentWidget(window.portfolio.roadmap)
    shots["roadmap"] = grab(window, artifacts / f"roadmap-{theme}.png")
    window.show_project("churn-risk")
    shots["onepager"] = grab(window, artifacts / f"onepager-{theme}.png")
    for name, path in shots.items():
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1400, 900), name
        assert _distinct_colours(path) > 12, f"{name} looks blank"
    apply_theme(QApplication.instance(), Theme.LIGHT)


def test_empty_workspace_and_welcome_render(qtbot, blank_ws, artifacts: Path):
    from shipyard.ui.session import WorkspaceSession

    win = MainWindow(WorkspaceSession())
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    welcome = grab(win, artifacts / "welcome.png")
    assert win.open_workspace(blank_ws.root)
    empty = grab(win, artifacts / "empty-workspace.png")
    assert win.portfolio.empty.isVisible()
    assert "Add your first project" in win.portfolio.empty.button.text()
    for path in (welcome, empty):
        assert _distinct_colours(path) > 5
