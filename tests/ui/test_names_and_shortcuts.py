"""Every control has a name a script and a screen reader can use; every key one meaning."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication

TABS = ("onepager", "models", "gates", "rollout", "package")


@pytest.fixture
def win(qtbot, trained_demo_ws):
    from shipyard.ui.main_window import MainWindow
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    session.today = date(2026, 11, 23)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    assert window.open_workspace(trained_demo_ws.root)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.session.close(notify=False)


def _settle(qtbot, window) -> None:
    from shipyard.ui.jobs.background import job_hub

    # Tabs load in the background and the rollout re-rehearses after a short pause.
    for _ in range(3):
        qtbot.waitUntil(lambda: not job_hub().running(), timeout=30_000)
        qtbot.wait(400)
    QApplication.processEvents()


def _pages(qtbot, window):
    """Show every page and project tab in turn; yields a label for each."""
    from shipyard.ui.main_window import DATASETS, PORTFOLIO

    for key in (PORTFOLIO, DATASETS):
        window.show_page(key)
        _settle(qtbot, window)
        yield key.strip("_")
    slug = window.session.rows[0].slug
    window.show_project(slug)
    for tab in TABS:
        window.project_page.show_tab(tab)
        _settle(qtbot, window)
        yield f"{slug}/{tab}"


def test_every_control_on_every_page_has_an_object_and_accessible_name(qtbot, win):
    from shipyard.ui.accessible import unnamed_controls

    missing: dict[str, list[str]] = {}
    for page in _pages(qtbot, win):
        found = unnamed_controls(win)
        if found:
            missing[page] = found
    win.close_workspace()
    _settle(qtbot, win)
    if unnamed_controls(win):
        missing["welcome"] = unnamed_controls(win)
    assert missing == {}
    assert win.findChild(QAbstractButton, "openWorkspaceButton") is not None


def _key(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.PortableText)


def _bindings(window):
    """(key, meaning, object) for every QShortcut, QAction and button shortcut."""
    for shortcut in window.findChildren(QShortcut):
        for seq in shortcut.keys():  # noqa: SIM118 (a QShortcut, not a dict)
            yield _key(seq), shortcut.objectName(), shortcut
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            yield _key(seq), action.text().replace("&", "").rstrip("…"), action
    for button in window.findChildren(QAbstractButton):
        if not button.shortcut().isEmpty():
            yield _key(button.shortcut()), button.objectName() or button.text(), button


def _live(obj) -> bool:
    """Could this binding fire now, wherever the focus is?"""
    if isinstance(obj, QShortcut):
        parent = obj.parent()
        return obj.isEnabled() and parent is not None and parent.isVisible()
    if isinstance(obj, QAction):
        return obj.isEnabled()
    return obj.isVisible() and obj.isEnabled()


def test_no_key_means_two_things(qtbot, win):
    live_twice: dict[str, list[str]] = {}
    for page in _pages(qtbot, win):
        live = defaultdict(list)
        for key, meaning, obj in _bindings(win):
            if _live(obj):
                live[key].append(meaning)
        for key, meanings in live.items():
            if len(meanings) > 1:
                live_twice[f"{page}: {key}"] = meanings
    assert live_twice == {}

    meanings = defaultdict(set)
    for key, meaning, obj in _bindings(win):
        assert meaning, f"{key} has no name saying what it does ({obj!r})"
        meanings[key].add(meaning)
    assert {k: m for k, m in meanings.items() if len(m) > 1} == {}
    # Generate card has its own key; Ctrl+G is Run gates only.
    assert meanings["Ctrl+G"] == {"runGatesShortcut"}
    assert meanings["Ctrl+Shift+C"] == {"generateCardShortcut"}


def test_ctrl_g_runs_gates_right_after_the_tab_is_clicked(qtbot, win):
    """The focus stays in the sidebar when a tab is clicked: the key still works."""
    slug = next(row.slug for row in win.session.rows)
    win.show_project(slug)
    win.project_page.show_tab("gates")
    _settle(qtbot, win)
    gates = win.project_page.tab("gates") if hasattr(win.project_page, "tab") else None
    gates = gates or win.project_page._built["gates"]
    assert gates.selected_run() is not None
    win.activateWindow()
    win.sidebar.setFocus()
    qtbot.waitUntil(lambda: win.sidebar.hasFocus(), timeout=5000)
    with qtbot.waitSignal(win.jobFinished, timeout=60_000) as finished:
        qtbot.keyClick(win.sidebar, Qt.Key_G, Qt.ControlModifier)
    assert finished.args == ["gates", "ok"]


def test_a_page_main_action_keeps_its_own_name(qtbot, win):
    """The main action of each page is styled by a property, not by a shared objectName, so
    a script finds "runGatesButton" or "trainButton", never one of many "primary"."""
    primaries: dict[str, list[str]] = defaultdict(list)
    for page in _pages(qtbot, win):
        for button in win.findChildren(QAbstractButton):
            if button.property("primary") and button.isVisible():
                primaries[button.objectName()].append(page)
    assert primaries, "no page showed a main action"
    assert "" not in primaries and "primary" not in primaries
    assert {"runButton", "trainButton", "exportButton"} & set(primaries)


def _named(qtbot, dialog) -> list[str]:
    """Unnamed controls of `dialog` once it is up and the focus is in it."""
    from shipyard.ui.accessible import unnamed_controls

    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=10_000)
    qtbot.waitUntil(
        lambda: (w := QApplication.focusWidget()) is not None and w.window() is dialog,
        timeout=10_000,
    )
    QApplication.processEvents()
    assert dialog.objectName(), type(dialog).__name__
    return unnamed_controls(dialog)


def test_every_dialog_names_its_controls(qtbot, win, tmp_path, memory_keyring):
    """Import, export, keys, sweep, promote, verify and every page of the New Project
    wizard: each interactive control has an objectName and an accessibleName."""
    from shipyard.ui.main_window import DATASETS
    from shipyard.ui.project.wizard import ProjectWizard

    missing: dict[str, list[str]] = {}

    def check(label, dialog) -> None:
        assert dialog is not None, label
        found = _named(qtbot, dialog)
        if found:
            missing[label] = found
        _settle(qtbot, win)
        dialog.reject()
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=10_000)
        win.activateWindow()

    csv = tmp_path / "tiny.csv"
    csv.write_text("a,b,label\n1,x,yes\n2,y,no\n3,z,yes\n", encoding="utf-8")
    win.show_page(DATASETS)
    importer = win.data.import_file(csv)
    qtbot.waitUntil(lambda: importer.import_button.isEnabled(), timeout=30_000)
    assert importer.columns.cellWidget(0, 2).objectName()  # the per-column type boxes too
    check("import", importer)

    slug = win.session.rows[0].slug
    win.show_project(slug)
    models = win.project_page.show_tab("models")
    _settle(qtbot, win)
    qtbot.waitUntil(lambda: models.setup.choice() is not None, timeout=30_000)
    check("sweep", models.sweep())
    qtbot.waitUntil(lambda: models.model.rowCount() > 0, timeout=30_000)
    models.select_runs([models.model.rows[0].run_id])
    check("promote", models.promote())

    package = win.project_page.show_tab("package")
    _settle(qtbot, win)
    check("export", package.open_export())
    check("keys", package.open_keys())
    check("verify", package.open_verify(tmp_path / "no-such-package.zip"))

    wizard = ProjectWizard(parent=win)
    wizard.open()
    check("wizard (all pages)", wizard)
    assert {p.objectName() for p in wizard.findChildren(QAbstractButton)} >= {
        "wizardNextButton", "wizardFinishButton", "dataFileBrowseButton"
    }  # fmt: skip
    assert missing == {}
