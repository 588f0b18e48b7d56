"""The window driven like a user would: clicks, typing, shortcuts, dialogs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMessageBox

from shipyard.core.portfolio.onepager_file import load_onepager
from shipyard.core.workspace.workspace import Workspace
from shipyard.ui.main_window import PORTFOLIO, MainWindow
from shipyard.ui.portfolio.table_model import COLUMN_INDEX
from shipyard.ui.session import WorkspaceSession


def _field(win: MainWindow, path: str):
    return win.onepager.form.binding(path).widget


def _retype(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key_Backspace)
    qtbot.keyClicks(widget, text)


def test_demo_opens_on_the_ranked_portfolio(window: MainWindow):
    page = window.portfolio
    assert window.pages.currentWidget() is page
    assert page.proxy.rowCount() == 10
    ranks = [page.proxy.index(r, COLUMN_INDEX["rank"]).data() for r in range(10)]
    assert ranks == [str(i) for i in range(1, 11)]
    priorities = [window.session.rows[i].value("composite") for i in range(10)]
    assert priorities == sorted(priorities, reverse=True)
    # The sidebar lists Portfolio, Datasets, Review, then every project in rank order.
    assert window.sidebar.count() == 13
    assert window.sidebar.item(3).text().startswith("1.")
    assert window.windowTitle().startswith("Demo portfolio")


def test_filter_by_text_and_stage(qtbot, window: MainWindow):
    page = window.portfolio
    qtbot.keyClicks(page.search, "churn")
    assert page.proxy.rowCount() == 1
    assert "Churn" in page.ranked_titles()[0]
    assert page.count.text() == "1 of 10"
    page.search.clear()
    page.stage.setCurrentIndex(page.stage.findData("mvp"))
    stages = {window.session.row(page.proxy.index(r, 0).data(Qt.UserRole + 2)).stage
              for r in range(page.proxy.rowCount())}  # fmt: skip
    assert stages == {"mvp"}


def test_sorting_by_a_column_header(qtbot, window: MainWindow):
    page = window.portfolio
    page.table.sortByColumn(COLUMN_INDEX["reach"], Qt.DescendingOrder)
    reach = [window.session.row(page.proxy.index(r, 0).data(Qt.UserRole + 2)).onepager.scores.reach
             for r in range(page.proxy.rowCount())]  # fmt: skip
    assert reach == sorted(reach, reverse=True)


def test_rank_by_switches_the_score(window: MainWindow):
    page = window.portfolio
    page.rank_by.setCurrentIndex(page.rank_by.findData("rice"))
    rice = [r.value("rice") for r in window.session.rows]
    assert rice == sorted(rice, reverse=True)
    assert window.session.rows[0].rank == 1


def test_edit_a_field_reranks_live_then_saves_and_persists(qtbot, window: MainWindow, demo_ws):
    last = window.session.rows[-1]
    window.show_project(last.slug)
    assert window.pages.currentWidget() is window.project_page
    assert window.project_page.tabs.currentWidget() is window.onepager
    _retype(qtbot, _field(window, "scores.impact"), "5")
    _retype(qtbot, _field(window, "scores.confidence"), "5")
    _retype(qtbot, _field(window, "scores.effort"), "0.5")
    # Live: the unsaved values already move the project to the top.
    assert window.session.rows[0].slug == last.slug
    assert window.onepager.dirty
    assert "●" in window.onepager.header.title.text()
    assert window.isWindowModified()
    # Nothing is written until the user saves.
    on_disk = load_onepager(demo_ws.onepager_path(last.slug)).onepager
    assert on_disk.scores.effort == last.onepager.scores.effort

    qtbot.keyClick(window.onepager, Qt.Key_S, Qt.ControlModifier)
    assert not window.onepager.dirty
    saved = load_onepager(demo_ws.onepager_path(last.slug)).onepager
    assert (saved.scores.impact, saved.scores.confidence, saved.scores.effort) == (5, 5, 0.5)
    assert demo_ws.audit.entries()[-1]["action"] == "project.edit"
    assert "scores.effort" in demo_ws.audit.entries()[-1]["details"]["fields"]

    # Reopen in a brand-new session: the change and the ranking persist.
    window.session.close(notify=False)
    fresh = WorkspaceSession()
    fresh.open(demo_ws.root)
    assert fresh.rows[0].slug == last.slug
    fresh.close()


def test_invalid_values_are_shown_inline_and_block_save(qtbot, window: MainWindow, demo_ws):
    slug = window.session.rows[0].slug
    before = demo_ws.onepager_path(slug).read_bytes()
    window.show_project(slug)
    impact = _field(window, "scores.impact")
    _retype(qtbot, impact, "9")
    error = window.onepager.form.binding("scores.impact").error
    assert not error.isHidden()
    assert "5" in error.text()
    assert impact.property("invalid") == "true"
    _retype(qtbot, _field(window, "dates.review"), "2020-01-01")
    assert "before the start" in window.onepager.form.binding("dates.review").error.text()
    assert window.onepager.save() is False
    assert "need fixing" in window.onepager.status.text()
    assert demo_ws.onepager_path(slug).read_bytes() == before


def test_undo_and_redo_through_the_edit_menu(qtbot, window: MainWindow):
    slug = window.session.rows[3].slug
    window.show_project(slug)
    outcome = _field(window, "outcome")
    original = outcome.text()
    _retype(qtbot, outcome, "Halve the handle time")
    owner = _field(window, "owner.name")
    _retype(qtbot, owner, "Someone Else")
    assert window.act_undo.isEnabled()
    window.act_undo.trigger()
    assert owner.text() != "Someone Else"
    window.act_undo.trigger()
    assert outcome.text() == original
    assert not window.onepager.dirty  # back at the saved state
    window.act_redo.trigger()
    assert outcome.text() == "Halve the handle time"
    assert window.onepager.dirty


def test_stage_change_is_saved_with_its_own_audit_entry(qtbot, window: MainWindow, demo_ws):
    slug = next(r.slug for r in window.session.rows if r.stage == "mvp")
    window.show_project(slug)
    stage = _field(window, "stage")
    stage.setCurrentIndex(stage.findData("shadow"))
    assert window.onepager.save()
    actions = [(e["action"], e["details"].get("to")) for e in demo_ws.audit.entries()]
    assert ("project.stage", "shadow") in actions
    assert load_onepager(demo_ws.onepager_path(slug)).onepager.stage_since is not None
    assert demo_ws.audit.verify().ok


def test_new_project_wizard_creates_and_opens_it(qtbot, window: MainWindow, demo_ws):
    def drive() -> None:
        wizard = QApplication.activeModalWidget()
        assert wizard is not None
        qtbot.keyClicks(wizard.title, "Refund abuse detector")
        qtbot.keyClicks(wizard.outcome, "Stop 50% of refund abuse")
        wizard.next()
        wizard.impact.setValue(4.5)
        wizard.confidence.setValue(4)
        wizard.effort.setValue(1)
        assert "18.00" in wizard.preview.text()
        wizard.accept()

    QTimer.singleShot(0, drive)
    window.new_project()
    assert window.onepager.slug == "refund-abuse-detector"
    assert window.session.rows[0].slug == "refund-abuse-detector"
    doc = load_onepager(demo_ws.onepager_path("refund-abuse-detector"))
    assert doc.onepager.outcome == "Stop 50% of refund abuse"
    assert "## Problem" in doc.body
    # The empty one-pager says which fields matter most.
    assert "Fill these first" in window.onepager.banner.text()
    assert "Hypothesis" in window.onepager.banner.text()


def test_delete_moves_to_trash_and_undo_restores(qtbot, window: MainWindow, demo_ws, monkeypatch):
    slug = window.session.rows[2].slug
    window.show_project(slug)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("obsolete", True))
    window.delete_project(slug)
    assert slug not in demo_ws.slugs()
    assert window.pages.currentWidget() is window.portfolio
    assert len(window.session.rows) == 9
    undo = [w for w in window.statusBar().findChildren(type(window.onepager.save_button))
            if w.text() == "Undo"]  # fmt: skip
    assert undo
    qtbot.mouseClick(undo[0], Qt.LeftButton)
    assert slug in demo_ws.slugs()
    assert len(window.session.rows) == 10
    actions = [e["action"] for e in demo_ws.audit.entries()]
    assert actions[-2:] == ["project.delete", "project.restore"]


def test_unsaved_edits_prompt_before_switching(qtbot, window: MainWindow, monkeypatch):
    first, second = window.session.rows[0].slug, window.session.rows[1].slug
    window.show_project(first)
    _retype(qtbot, _field(window, "outcome"), "changed")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Cancel)
    window.show_project(second)
    assert window.onepager.slug == first  # cancelled: still here, edits kept
    assert _field(window, "outcome").text() == "changed"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Discard)
    window.show_project(second)
    assert window.onepager.slug == second


def test_settings_dialog_changes_identity_used_by_audit(qtbot, window: MainWindow, demo_ws):
    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.name.setText("Ada Lovelace")
        dialog.email.setText("ada@example.com")
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.accept()

    QTimer.singleShot(0, drive)
    window.open_settings()
    assert window.session.settings.identity == "Ada Lovelace <ada@example.com>"
    assert QApplication.palette().window().color().lightness() < 128
    window.show_project(window.session.rows[0].slug)
    _retype(qtbot, _field(window, "outcome"), "new outcome")
    window.onepager.save()
    assert demo_ws.audit.entries()[-1]["user"] == "Ada Lovelace <ada@example.com>"
    from shipyard.core.workspace.user_settings import load_settings

    assert load_settings().email == "ada@example.com"


def test_drag_a_folder_onto_the_window_opens_it(qtbot, window: MainWindow, tmp_path: Path):
    other = Workspace.create(tmp_path / "other", name="Other team")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other.root))])
    event = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    assert window.session.workspace.root == other.root
    assert window.portfolio.body.currentIndex() == 1  # the empty state
    assert "No projects yet" in window.portfolio.empty.heading.text()
    assert str(other.root) == window.session.settings.recent_workspaces[0]


def test_opening_a_bad_folder_explains_and_keeps_the_current_one(qtbot, window, tmp_path):
    current = window.session.workspace.root
    assert not window.open_workspace(tmp_path)
    assert window.session.workspace.root == current
    assert "not a Shipyard workspace" in window.last_error.message
    assert "shipyard init" in window.last_error.fix
    for box in window.findChildren(QMessageBox):
        box.close()


def test_a_workspace_open_elsewhere_is_refused(qtbot, demo_ws, tmp_path):
    import json
    import os
    import socket
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = demo_ws.root / ".shipyard" / "lock.json"
        lock.parent.mkdir(exist_ok=True)
        lock.write_text(
            json.dumps(
                {
                    "pid": holder.pid,
                    "host": socket.gethostname(),
                    "user": "bo",
                    "since": "now",
                    "purpose": "window",
                }
            )
        )
        win = MainWindow(WorkspaceSession())
        qtbot.addWidget(win)
        assert not win.open_workspace(demo_ws.root)
        assert str(holder.pid) in win.last_error.message
        assert win.pages.currentWidget() is win.welcome
        for box in win.findChildren(QMessageBox):
            box.close()
    finally:
        holder.kill()
        holder.wait()
    assert os.path.exists(lock)


def test_closing_the_workspace_shows_welcome_with_recent(qtbot, window: MainWindow):
    root = str(window.session.workspace.root)
    window.close_workspace()
    assert window.pages.currentWidget() is window.welcome
    assert window.sidebar.isHidden()
    recent = window.welcome.recent
    items = [recent.item(i) for i in range(recent.count())]
    # Shown by name and last-used date, with the path below; the path is what opens.
    assert root in [item.data(Qt.UserRole) for item in items]
    assert any(item.text().endswith(f"\n{root}") and "last used" in item.text() for item in items)
    assert not (Path(root) / ".shipyard" / "lock.json").exists()


def test_chart_click_opens_the_project(qtbot, window: MainWindow):
    slug = window.session.rows[4].slug
    window.portfolio.bubble.projectActivated.emit(slug)
    assert window.onepager.slug == slug
    assert window.sidebar.currentItem().data(Qt.UserRole) == slug
    window.show_page(PORTFOLIO)
    assert window.pages.currentWidget() is window.portfolio


def test_settings_dialog_requires_a_name(qtbot, window: MainWindow):
    from shipyard.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.session.settings, window)
    qtbot.addWidget(dialog)
    dialog.name.clear()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    dialog.reject()
    assert dialog.result() == QDialog.Rejected


def test_a_likely_typo_in_the_file_is_pointed_out(qtbot, window: MainWindow, demo_ws):
    slug = window.session.rows[0].slug
    path = demo_ws.onepager_path(slug)
    path.write_text(path.read_text().replace("stage:", "stgae: full\nstage:", 1))
    window.reload()
    window.show_project(slug)
    assert "stgae" in window.onepager.banner.text()
    assert "did you mean 'stage'" in window.onepager.banner.text()


def test_a_one_pager_edited_in_another_editor_shows_up(qtbot, window: MainWindow, demo_ws):
    slug = window.session.rows[-1].slug
    window.show_project(slug)
    path = demo_ws.onepager_path(slug)
    text = path.read_text(encoding="utf-8")
    assert "impact:" in text
    outside = text.replace("  effort: ", "  effort: 0.5\n  old_effort: ", 1)
    with qtbot.waitSignal(window.session.filesChangedOnDisk, timeout=5000):
        path.write_text(outside, encoding="utf-8")
    qtbot.waitUntil(lambda: _field(window, "scores.effort").text() == "0.5", timeout=5000)
    assert window.session.row(slug).onepager.scores.effort == 0.5
    assert "changed on disk" in window.statusBar().currentMessage()


def test_outside_edits_never_overwrite_unsaved_work(qtbot, window: MainWindow, demo_ws):
    slug = window.session.rows[0].slug
    window.show_project(slug)
    _retype(qtbot, _field(window, "outcome"), "my unsaved outcome")
    path = demo_ws.onepager_path(slug)
    with qtbot.waitSignal(window.session.filesChangedOnDisk, timeout=5000):
        path.write_text(path.read_text(encoding="utf-8") + "\nAppended elsewhere.\n")
    assert _field(window, "outcome").text() == "my unsaved outcome"
    assert window.onepager.dirty
    assert "unsaved edits are kept" in window.statusBar().currentMessage()


def test_our_own_save_does_not_count_as_an_outside_change(qtbot, window: MainWindow):
    window.show_project(window.session.rows[0].slug)
    _retype(qtbot, _field(window, "outcome"), "saved here")
    with qtbot.assertNotEmitted(window.session.filesChangedOnDisk, wait=800):
        assert window.onepager.save()


def test_about_names_the_version_the_workspace_format_and_the_engines(window):
    from shipyard import __version__

    text = window.about_text()
    assert f"shipyard {__version__} (workspace format 1)" in text
    assert "DuckDB " in text and "onnxruntime " in text
