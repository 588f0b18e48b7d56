"""The welcome page: the demo one click away, recent workspaces by name and date, New."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton


@pytest.fixture
def welcome_window(qtbot, tmp_path, demo_ws, blank_ws):
    from shipyard.core.workspace.user_settings import save_settings
    from shipyard.ui.main_window import MainWindow
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    for ws in (demo_ws, blank_ws):
        session.settings.remember(ws.root)
    save_settings(session.settings)
    window = MainWindow(session)
    window.welcome.demo_path = tmp_path / "Shipyard Demo"
    window.welcome.refresh()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    session.close(notify=False)


def test_recent_workspaces_show_names_and_dates(welcome_window, demo_ws, blank_ws):
    page = welcome_window.welcome
    assert welcome_window.pages.currentWidget() is page
    items = [page.recent.item(i) for i in range(page.recent.count())]
    assert [i.data(Qt.UserRole) for i in items] == [str(blank_ws.root), str(demo_ws.root)]
    first, second = (i.text().split("\n") for i in items)
    assert first[0].startswith(f"{blank_ws.name}  ·  last used") and second[0].startswith(
        demo_ws.name
    )
    assert first[1] == str(blank_ws.root)


def test_last_used_comes_from_the_settings_not_the_folder(qtbot, welcome_window, blank_ws):
    """The date is when this user last opened the workspace (recorded at open), not when
    something last touched its folder."""
    from datetime import UTC, datetime

    page = welcome_window.welcome
    settings = welcome_window.session.settings
    settings.remember(blank_ws.root, when=datetime(2025, 2, 3, 12, 0, tzinfo=UTC))
    (blank_ws.root / ".shipyard").mkdir(exist_ok=True)
    (blank_ws.root / ".shipyard" / "touched").write_text("x")  # the folder changes now
    page.refresh()
    local = datetime(2025, 2, 3, 12, 0, tzinfo=UTC).astimezone()
    text = page.recent.item(0).text().split("\n")[0]
    assert text == f"{blank_ws.name}  ·  last used {local.day} {local:%b %Y, %H:%M}"
    # Opening it records the new date, shown when the workspace is closed again.
    assert welcome_window.open_workspace(blank_ws.root)
    welcome_window.close_workspace()
    used = settings.used_at(str(blank_ws.root))
    assert used is not None and used.year >= 2026
    assert "2025" not in page.recent.item(0).text()
    # File → Open Recent says the same: name and date, the path in the tooltip.
    welcome_window._fill_recent()
    first = welcome_window.recent_menu.actions()[0]
    assert first.text().startswith(f"{blank_ws.name}  ·  last used")
    assert first.toolTip() == str(blank_ws.root) and first.isEnabled()


def test_demo_is_created_where_the_demo_command_puts_it_and_opened(qtbot, welcome_window):
    page = welcome_window.welcome
    assert str(page.demo_path) in page.demo_note.text()
    assert "will be created" in page.demo_note.text()
    button = welcome_window.findChild(QPushButton, "openDemoButton")
    qtbot.mouseClick(button, Qt.LeftButton)
    ws = welcome_window.session.workspace
    assert ws is not None and ws.root == page.demo_path.resolve()
    assert len(ws.slugs()) == 10
    assert str(page.demo_path) in welcome_window.statusBar().currentMessage()
    assert welcome_window.pages.currentWidget() is welcome_window.portfolio
    # The second time it is simply opened.
    welcome_window.close_workspace()
    assert "The demo workspace is in" in page.demo_note.text()
    assert welcome_window.open_demo()
    assert "Opened the demo" in welcome_window.statusBar().currentMessage()


def test_new_workspace_is_offered(welcome_window):
    for name in ("openDemoButton", "openWorkspaceButton", "newWorkspaceButton"):
        button = welcome_window.findChild(QPushButton, name)
        assert button is not None and button.isVisible() and button.accessibleName()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_render_welcome(qtbot, welcome_window, artifacts, theme):
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    app = QApplication.instance()
    apply_theme(app, Theme(theme))
    try:
        QApplication.processEvents()
        image = welcome_window.grab().toImage()
        assert image.width() == 1280
        image.save(str(artifacts / f"welcome_{theme}.png"))
    finally:
        apply_theme(app, Theme.LIGHT)
