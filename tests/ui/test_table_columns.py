"""Right-click a table header to choose its columns; the choice is remembered per table
(in the private settings folder the tests use, never the user's)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from shipyard.ui.main_window import MainWindow
from shipyard.ui.portfolio.page import DEFAULT_HIDDEN
from shipyard.ui.portfolio.table_model import COLUMN_INDEX


def _shown(view) -> list[int]:  # type: ignore[no-untyped-def]
    return [c for c in range(view.model().columnCount()) if not view.isColumnHidden(c)]


def _action(menu, key: str):  # type: ignore[no-untyped-def]
    return next(a for a in menu.actions() if a.data() == key)


def test_portfolio_header_menu_hides_and_remembers_a_column(
    qtbot, window: MainWindow, _private_settings: Path
):
    page = window.portfolio
    chooser = page.columns
    table = page.table
    for key in DEFAULT_HIDDEN:  # alternative scores start hidden
        assert table.isColumnHidden(COLUMN_INDEX[key])
    assert not table.isColumnHidden(COLUMN_INDEX["owner"])
    assert table.horizontalHeader().contextMenuPolicy() == Qt.CustomContextMenu

    menu = chooser.menu()
    title = _action(menu, "title")
    assert title.isChecked() and not title.isEnabled()  # the title can never be hidden
    _action(menu, "owner").setChecked(False)
    assert table.isColumnHidden(COLUMN_INDEX["owner"])
    _action(chooser.menu(), "wsjf").setChecked(True)
    assert not table.isColumnHidden(COLUMN_INDEX["wsjf"])
    # Written to the private settings folder, not the user's.
    ini = _private_settings / "window.ini"
    assert ini.exists() and "owner" in ini.read_text()

    # A new table with the same name picks the choice up; a refresh keeps it.
    page.refresh()
    assert table.isColumnHidden(COLUMN_INDEX["owner"])
    from shipyard.ui.portfolio.page import PortfolioPage

    other = PortfolioPage(window.session)
    qtbot.addWidget(other)
    assert other.table.isColumnHidden(COLUMN_INDEX["owner"])
    assert not other.table.isColumnHidden(COLUMN_INDEX["wsjf"])

    chooser.reset()
    assert not table.isColumnHidden(COLUMN_INDEX["owner"])
    assert table.isColumnHidden(COLUMN_INDEX["wsjf"])


def test_portfolio_title_takes_the_room_and_all_rows_show(window: MainWindow):
    from shipyard.ui.screenshot import settle

    window.resize(1400, 900)
    settle()
    page = window.portfolio
    head = page.table.horizontalHeader()
    title = head.sectionSize(COLUMN_INDEX["title"])
    others = [head.sectionSize(i) for i in _shown(page.table) if i != COLUMN_INDEX["title"]]
    assert title > 2 * max(others), (title, others)
    assert title >= 300
    # Every row of the demo's ten is visible without scrolling at 1400x900.
    table = page.table
    last = table.visualRect(table.model().index(table.model().rowCount() - 1, 0))
    assert table.model().rowCount() == 10
    assert last.bottom() <= table.viewport().height(), (last, table.viewport().height())


def test_the_leaderboard_chooser_keeps_the_deciding_columns_and_remembers(
    qtbot, trained_demo_ws, _private_settings: Path
):
    from shipyard.ui.models.tab import ModelsTab
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    session.open(trained_demo_ws.root)
    try:
        tab = ModelsTab(session)
        qtbot.addWidget(tab)
        tab.resize(1040, 600)
        tab.show()
        tab.load("churn-risk")
        qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=30_000)
        qtbot.waitUntil(lambda: not tab.setup.detecting, timeout=30_000)
        cols = tab.model.columns
        # What decides a promotion comes first and is shown.
        assert cols[:6] == ["rank", "champion", "family", "primary", "interval", "exportable"]
        for key in cols[:5]:
            assert not tab.table.isColumnHidden(cols.index(key)), key
        assert tab.table.isColumnHidden(cols.index("created"))
        # The shown columns fit without a horizontal scroll bar.
        qtbot.waitUntil(lambda: tab.table.viewport().width() > 0)
        shown = sum(
            tab.table.columnWidth(c) for c in range(len(cols)) if not tab.table.isColumnHidden(c)
        )
        assert shown <= tab.table.viewport().width() + 2, shown
        assert not tab.table.horizontalScrollBar().isVisible()

        menu = tab.columns.menu()
        primary = next(a for a in menu.actions() if a.data() == "primary")
        assert not primary.isEnabled()  # the ranking metric cannot be hidden
        next(a for a in menu.actions() if a.data() == "created").setChecked(True)
        next(a for a in menu.actions() if a.data() == "family").setChecked(False)
        assert not tab.table.isColumnHidden(cols.index("created"))
        assert tab.table.isColumnHidden(cols.index("family"))
        # Reloading the board (a new model reset) keeps the choice.
        tab.load("churn-risk")
        qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=30_000)
        cols = tab.model.columns
        assert tab.table.isColumnHidden(cols.index("family"))
        assert not tab.table.isColumnHidden(cols.index("created"))
    finally:
        session.close(notify=False)
