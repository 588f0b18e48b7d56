"""The Package tab: card editor with live preview, export with progress, keys, verify view."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

sys.path.insert(0, str(Path(__file__).parents[1] / "core" / "packaging"))
from pkg_helpers import (
    SLUG,
    MemoryKeyring,
    build_trained_workspace,
    record_model_sha,
    swap_model,
    write_gate_report,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_trained_workspace(tmp_path_factory.mktemp("ui-package") / "ws")


@pytest.fixture
def tab(qtbot: Any, template: tuple[Path, str], tmp_path: Path) -> Iterator[Any]:
    import shutil

    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.package.tab import PackageTab
    from shipyard.ui.session import WorkspaceSession
    from shipyard.ui.theme import apply_theme

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    apply_theme(QApplication.instance(), Theme.LIGHT)
    shutil.copytree(template[0], tmp_path / "ws")
    session = WorkspaceSession()
    session.open(tmp_path / "ws")
    widget = PackageTab(session)
    widget.run_under_test = template[1]
    qtbot.addWidget(widget)
    widget.resize(1300, 820)
    widget.show()
    qtbot.waitExposed(widget)
    widget.load(SLUG)
    yield widget
    QApplication.processEvents()
    if widget.dialog is not None:
        widget.dialog.close()
    session.close(notify=False)
    keyring.set_keyring(previous)


def test_card_editor_generates_previews_and_saves(qtbot: Any, tab: Any, artifacts: Path) -> None:
    assert tab.stack.currentIndex() == 0 and tab.run_id() == tab.run_under_test
    assert "PASSED" in tab.gate_label.text() and "No signing key" in tab.key_label.text()
    assert tab.card.text() == "" and "No card yet" in tab.card.problems.text()
    with qtbot.waitSignal(tab.session.projectArtifactsChanged) as signal:
        qtbot.keyClick(tab.card.editor, Qt.Key_C, Qt.ControlModifier | Qt.ShiftModifier)
    assert signal.args == [SLUG]
    assert "Complete" in tab.card.problems.text() and not tab.card.current_problems
    preview = tab.card.preview.toPlainText()
    assert "Intended use" in preview and "license" in preview and "Gate verdict: pass" in preview
    # Editing marks the card unsaved; the preview and the problems follow the text.
    text = tab.card.text().replace("## Limitations", "## Caveats")
    tab.card.editor.setPlainText(text)
    assert tab.dirty and tab.card_title.text().endswith("●")
    qtbot.waitUntil(lambda: bool(tab.card.current_problems), timeout=3000)
    assert "section 'Limitations' is missing" in tab.card.problems.text()
    tab.card.editor.setPlainText(text.replace("## Caveats", "## Limitations"))
    qtbot.waitUntil(lambda: not tab.card.current_problems, timeout=3000)
    with qtbot.waitSignal(tab.session.projectArtifactsChanged):
        qtbot.keyClick(tab.card.editor, Qt.Key_S, Qt.ControlModifier)
    assert not tab.dirty
    card = tab.session.workspace.projects_dir / SLUG / "model_card.md"
    assert card.read_text() == tab.card.text()
    tab.card.splitter.setSizes([620, 680])
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "package_tab.png"))


def test_export_with_progress_then_verify_view(qtbot: Any, tab: Any, artifacts: Path) -> None:
    from shipyard.core.signing.keys import generate_key

    generate_key(tab.session.workspace, user="t")
    tab.load(SLUG)
    assert "Signing key:" in tab.key_label.text()
    dialog = tab.open_export()
    assert dialog is not None and not dialog.reason.isVisible()
    assert f"the champion {tab.run_under_test}" in dialog.run_label.text()
    dialog.out.setText(str(Path(tab.session.workspace.root) / "exports"))
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=30_000):
        dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: tab.task is None, timeout=30_000)
    result = tab.last_result
    assert result is not None and result.zip_path.is_file()
    assert "Exported" in tab.message.text() and not tab.progress.isVisible()

    verify = tab.open_verify()
    assert verify.path.text() == str(result.zip_path)
    assert verify.task is not None  # the package just exported is verified at once
    qtbot.waitUntil(lambda: verify.result is not None, timeout=30_000)
    assert verify.result.ok and "VERIFIED" in verify.verdict.text()
    assert verify.details.isVisible()
    assert "Intended use" in verify.card.toPlainText()
    assert "Gate verdict: PASS" in verify.gate.toPlainText()
    assert "model.onnx" in verify.files.toPlainText()
    verify.resize(900, 680)
    QApplication.processEvents()
    verify.grab().save(str(artifacts / "package_verify.png"))
    # A tampered package: the verdict says so and nothing of it is shown.
    data = bytearray(result.zip_path.read_bytes())
    data[data.index(b"skl2onnx")] ^= 0x20
    bad = result.zip_path.with_name("tampered.zip")
    bad.write_bytes(bytes(data))
    verify.path.setText(str(bad))
    verify.result = None
    verify.verify()
    qtbot.waitUntil(lambda: verify.result is not None, timeout=30_000)
    assert not verify.result.ok and "REJECTED" in verify.verdict.text()
    assert "model.onnx" in verify.verdict.text() and not verify.details.isVisible()
    assert "Fix:" in verify.verdict.text() and "do not use these files" in verify.verdict.text()
    verify.grab().save(str(artifacts / "package_verify_rejected.png"))


def test_failed_gates_need_an_override_reason(qtbot: Any, tab: Any) -> None:
    from shipyard.core.signing.keys import generate_key

    generate_key(tab.session.workspace, user="t")
    write_gate_report(tab.session.workspace, tab.run_under_test, passed=False)
    tab.load(SLUG)
    assert "NOT PASSED" in tab.gate_label.text()
    dialog = tab.open_export()
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    assert not dialog.reason.isHidden() and not ok.isEnabled()
    assert "will not change the verdict" in dialog.gate.text()  # the fix, not "gate it"
    qtbot.keyClicks(dialog.reason, "demo build for the sales team")
    assert ok.isEnabled()
    ok.click()
    qtbot.waitUntil(lambda: tab.last_result is not None, timeout=30_000)
    audit = tab.session.workspace.audit.path.read_text().splitlines()
    assert json.loads(audit[-1])["reason"] == "demo build for the sales team"


def test_keys_dialog_generates_rotates_and_exports(
    qtbot: Any, tab: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    dialog = tab.open_keys()
    assert dialog.model.rowCount() == 0 and dialog.generate_button.isEnabled()
    dialog.generate_button.click()
    assert dialog.model.rowCount() == 1 and not dialog.generate_button.isEnabled()
    assert "Generated key" in dialog.message.text()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("yearly", True))
    dialog.rotate_button.click()
    assert dialog.model.rowCount() == 2
    statuses = {dialog.model.index(r, 1).data() for r in range(2)}
    assert statuses == {"active", "retired"}
    dialog.table.selectRow(0)
    out = dialog.export(str(tmp_path / "mine.pub.pem"))
    assert out is not None and out.read_bytes().startswith(b"-----BEGIN PUBLIC KEY")
    dialog.close()
    assert "Signing key:" in tab.key_label.text()


def test_a_project_without_runs_shows_what_to_do(tab: Any) -> None:
    tab.load("onpage-suggestion")
    assert tab.stack.currentIndex() == 1
    assert "Train a baseline" in tab.empty.body.text()


def test_a_new_gate_report_from_another_tab_refreshes_the_status(qtbot: Any, tab: Any) -> None:
    assert "PASSED" in tab.gate_label.text()
    write_gate_report(tab.session.workspace, tab.run_under_test, passed=False)
    tab.hide()
    tab.session.projectArtifactsChanged.emit(SLUG)  # e.g. the Gates tab stored a report
    assert "PASSED" in tab.gate_label.text() and "NOT" not in tab.gate_label.text()
    tab.show()
    qtbot.waitExposed(tab)
    assert "NOT PASSED" in tab.gate_label.text()


def _dummy(ws: Any) -> str:
    from shipyard.core.training import list_runs

    return next(r.run_id for r in list_runs(ws, SLUG) if r.family == "dummy")


def test_a_swapped_model_cannot_be_exported(qtbot: Any, tab: Any) -> None:
    from shipyard.core.signing.keys import generate_key

    ws = tab.session.workspace
    generate_key(ws, user="t")
    record_model_sha(ws, tab.run_under_test)
    swap_model(ws, _dummy(ws), tab.run_under_test)
    tab.load(SLUG)
    assert "CANNOT EXPORT" in tab.gate_label.text()
    assert "changed after training" in tab.gate_label.text()
    assert "retrain" in tab.gate_label.toolTip()
    dialog = tab.open_export()
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    assert "cannot export" in dialog.gate.text() and "retrain" in dialog.gate.text()
    assert dialog.reason.isHidden() and not ok.isEnabled()  # no override for other bytes


def test_without_a_champion_the_best_run_is_shown_not_the_newest(qtbot: Any, tab: Any) -> None:
    ws = tab.session.workspace
    (ws.projects_dir / SLUG / "champion.json").unlink()
    dummy = ws.projects_dir / SLUG / "runs" / _dummy(ws) / "run.json"
    data = json.loads(dummy.read_text())
    data["created"] = "2099-01-01T00:00:00.000Z"  # the dummy is the newest run now
    dummy.write_text(json.dumps(data))
    tab.run_combo.clear()
    tab.load(SLUG)
    assert tab.run_id() == tab.run_under_test
    assert tab.why_this_run().startswith("the best exportable run by ROC AUC")
    assert "best exportable run" in tab.run_combo.toolTip()


def test_refresh_facts_keeps_the_words_and_follows_the_run(qtbot: Any, tab: Any) -> None:
    ws = tab.session.workspace
    dummy = _dummy(ws)
    tab.run_combo.setCurrentIndex(tab.run_combo.findData(dummy))
    assert tab.generate_card(overwrite=True)
    assert "Not gated yet" in tab.card.text() and dummy in tab.card.text()
    tab.card.editor.setPlainText(
        tab.card.text().replace("## Limitations\n", "## Limitations\n\nOur own words.\n")
    )
    tab.run_combo.setCurrentIndex(tab.run_combo.findData(tab.run_under_test))
    with qtbot.waitSignal(tab.session.projectArtifactsChanged):
        qtbot.keyClick(tab.card.editor, Qt.Key_U, Qt.ControlModifier)
    text = (ws.projects_dir / SLUG / "model_card.md").read_text()
    assert text == tab.card.text() and not tab.dirty
    assert "Our own words." in text and "Gate verdict: pass" in text and dummy not in text
    assert "Refreshed the card's facts from the champion" in tab.message.text()


def test_export_without_a_key_says_why_and_makes_one(tab: Any, artifacts: Path) -> None:
    """No key yet: the dialog says so instead of a silently disabled Export, and its button
    makes the key right there (no detour through the keys dialog); the new key is chosen
    and Export can go."""
    from PySide6.QtWidgets import QDialogButtonBox

    from shipyard.core.signing.keys import active_key

    dialog = tab.open_export()
    assert dialog is not None
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    assert not dialog.key_combo.isVisibleTo(dialog) and dialog.no_key.isVisibleTo(dialog)
    assert "No signing key yet" in dialog.no_key.text() and not ok.isEnabled()
    assert dialog.make_key.hasFocus() or dialog.focusWidget() is dialog.make_key
    dialog.grab().save(str(artifacts / "export_dialog_no_key.png"))
    if dialog.new_passphrase.isVisibleTo(dialog):  # no OS keyring here: an encrypted file
        dialog.new_passphrase.setText("short")
        dialog.make_key.click()
        assert active_key(tab.session.workspace) is None
        assert "No key was made" in dialog.no_key.text()
        dialog.new_passphrase.setText("a long enough passphrase")
    dialog.make_key.click()
    made = active_key(tab.session.workspace)
    assert made is not None and dialog.key_combo.count() == 1
    assert dialog.key_combo.currentData().key_id == made.key_id
    assert made.key_id in dialog.key_note.text()
    assert dialog.key_combo.isVisibleTo(dialog) and not dialog.no_key.isVisibleTo(dialog)
    assert not dialog.make_key.isVisibleTo(dialog)
    assert ok.isEnabled() == (dialog.blocker is None and not dialog.gate_problem)
    dialog.grab().save(str(artifacts / "export_dialog_key_made.png"))
    dialog.close()
