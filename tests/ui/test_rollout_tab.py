"""The Rollout tab: rehearsal in the background, live re-runs on knob changes, the policy
text with inline errors and Save, shadow disagreements and the flags panel."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).parents[1] / "core" / "rollout"))

import rollout_workspace

SLUG = "churn-risk"


@pytest.fixture
def tab(qtbot: Any, tmp_path: Path) -> Any:
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.rollout.tab import RolloutTab
    from shipyard.ui.session import WorkspaceSession
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.LIGHT)
    root = rollout_workspace.copy(tmp_path / "ws")
    session = WorkspaceSession()
    session.open(root)
    widget = RolloutTab(session)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    with qtbot.waitSignal(widget.rehearsed, timeout=30_000):
        widget.load(SLUG)
    yield widget
    QApplication.processEvents()
    session.close(notify=False)


def test_first_rehearsal_promotes_and_fills_every_view(
    tab: Any, qtbot: Any, artifacts: Path
) -> None:
    done = tab.last
    assert done.result.outcome == "promoted"
    assert "Promoted to full traffic" in tab.banner.text()
    assert tab.phase_model.rowCount() >= 8  # every check of every phase
    assert "PROMOTE" in tab.log.toPlainText()
    assert tab.shadow_model.rowCount() == done.shadow.total_disagreements > 0
    assert "agree on" in tab.shadow_label.text()
    tab.views.setCurrentIndex(1)
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "rollout_shadow.png"))
    assert tab.candidate_combo.count() == 3 and tab.control_combo.count() == 4
    assert tab.timeline.plots["share"].listDataItems()  # the timeline is drawn
    tab.views.setCurrentIndex(0)
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "rollout_tab.png"))
    # The decisions table shows what was decided; the figures are one right-click away
    # (the decision log beside it says them in words), so it never scrolls sideways.
    table, columns = tab.phase_table, tab.phase_columns
    shown = [tab.phase_model.COLUMNS[c] for c in range(10) if not table.isColumnHidden(c)]
    assert shown == ["Phase", "Decision", "Check", "Verdict"]
    assert table.horizontalScrollBar().maximum() == 0
    columns.set_hidden("p-value", False)
    assert not table.isColumnHidden(tab.phase_model.COLUMNS.index("p-value"))
    columns.reset()


def test_slider_change_reruns_and_spike_rolls_back(tab: Any, qtbot: Any, artifacts: Path) -> None:
    before = tab.last
    # a tighter latency limit than the ~20 ms overhead: every phase now breaches
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000) as sig:
        tab.controls.latency.setValue(15)
    done = sig.args[0]
    assert done is not before and done.policy.phases[1].checks.p95_latency_ms == 15
    # both arms pay the same overhead: a breach, held or rolled back in the first phase
    assert done.result.outcome in ("held", "rolled_back")
    assert done.result.phases[0].decision in ("hold", "rollback")
    assert done.result.phases[1].decision == "not run"
    assert "p95_latency_ms: 15" in tab.policy_text.text.toPlainText()
    assert tab.policy_text.status.text() == "● unsaved"
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000):
        tab.controls.latency.setValue(200)
    assert tab.last.result.outcome == "promoted"
    # inject a latency spike in the progressive phase: rollback there
    tab.controls.spike_at.setValue(40)
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000) as sig:
        tab.controls.spike_on.setChecked(True)
    res = sig.args[0].result
    assert res.outcome == "rolled_back" and res.rollback_phase == "progressive"
    assert "Rolled back in progressive" in tab.banner.text()
    assert "ROLL BACK" in tab.log.toPlainText()
    tab.grab().save(str(artifacts / "rollout_tab_rollback.png"))
    json_path, png_path = tab.export_to(artifacts / "rollout_rehearsal.json")
    assert '"rollback_phase": "progressive"' in json_path.read_text()
    assert png_path.read_bytes().startswith(b"\x89PNG")
    # the same seed gives the same rehearsal; another seed re-runs
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000) as sig:
        tab.controls.seed.setValue(7)
    assert sig.args[0].result.seed == 7


def test_canary_slider_and_policy_errors_inline_then_save(
    tab: Any, qtbot: Any, artifacts: Path
) -> None:
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000) as sig:
        tab.controls.canary.setValue(12)
    assert sig.args[0].result.phases[1].percent == 12
    percent, length = tab.controls.phase_editors[1]
    assert percent.value() == 12 and length.suffix() == " min"
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000) as sig:
        length.setValue(10)  # canary: 10 minutes at 600 requests a minute
    assert sig.args[0].result.phases[1].planned_requests == 6000
    editor = tab.policy_text
    text = editor.text.toPlainText().replace("percent: 50", "percent: 140")
    editor.text.setPlainText(text)
    qtbot.waitUntil(lambda: "phases.2.percent" in editor.problems.text(), timeout=5_000)
    assert "line " in editor.problems.text() and not editor.save_button.isEnabled()
    assert "rollout.yaml has a problem" in tab.banner.text()
    tab.views.setCurrentWidget(editor)
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "rollout_policy_error.png"))
    editor.text.setPlainText(text.replace("percent: 140", "percent: 60"))
    qtbot.waitUntil(lambda: editor.save_button.isEnabled(), timeout=5_000)
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=5_000) as sig:
        qtbot.keyClick(editor.text, Qt.Key_S, Qt.ControlModifier)
    assert sig.args == [SLUG]
    saved = (tab.session.workspace.projects_dir / SLUG / "rollout.yaml").read_text()
    assert "percent: 60" in saved and "percent: 12" in saved
    assert editor.status.text() == "Saved"


def test_flags_panel_creates_marks_stale_and_kills(
    tab: Any, qtbot: Any, tmp_path: Path, artifacts: Path
) -> None:
    import json

    panel = tab.flags
    tab.views.setCurrentWidget(panel)
    assert panel.create_button.isVisible() and "No flags yet" in panel.summary.text()
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=5_000):
        qtbot.mouseClick(panel.create_button, Qt.LeftButton)
    assert panel.model.rowCount() == 2 and "none stale" in panel.summary.text()
    # a flag past its expiry shows as stale
    path = tab.session.workspace.projects_dir / SLUG / "flags.yaml"
    path.write_text(path.read_text().replace("expires:", "expires: 2020-01-01 #"), "utf-8")
    panel.load(SLUG)
    assert "1 of 2 flags are stale" in panel.summary.text()
    status = panel.model.index(0, 7).data()
    assert status.startswith("⚠ STALE: expired")
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "rollout_flags.png"))
    qtbot.mouseClick(panel.kill_button, Qt.LeftButton)
    # Creating the flags scheduled a rehearsal of its own: wait for the one that sees the
    # kill switch, not whichever rehearsal finishes first.
    qtbot.waitUntil(
        lambda: tab.last is not None and tab.last.result.outcome == "killed", timeout=30_000
    )
    assert panel.kill_button.text() == "Release kill switch"
    assert "Kill switch" in tab.banner.text()
    doc = json.loads(panel.export_to(tmp_path / "flags.json").read_text())
    assert doc["flags"][f"{SLUG}-kill-switch"]["defaultVariant"] == "on"


def test_project_without_runs_shows_what_to_do(tab: Any, qtbot: Any) -> None:
    tab.load("fraud-flag")
    assert tab.body.currentIndex() == 1
    assert "Train the baselines" in tab.empty.body.text()
    tab.load(SLUG)
    assert tab.body.currentIndex() == 0
    qtbot.waitUntil(lambda: tab.task is None and tab.last is not None, timeout=30_000)


def test_dark_theme_redraws_the_timeline(tab: Any, qtbot: Any, artifacts: Path) -> None:
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.DARK)
    try:
        # the palette change reaches the tab as an event: wait for the redraw
        qtbot.waitUntil(
            lambda: tab.timeline.backgroundBrush().color().lightness() < 128, timeout=5_000
        )
        tab.grab().save(str(artifacts / "rollout_tab_dark.png"))
    finally:
        apply_theme(QApplication.instance(), Theme.LIGHT)


def test_default_arms_follow_the_champion_rule(tab: Any, qtbot: Any) -> None:
    """The default entries name the runs they stand for: the champion (else the best run)
    as candidate, the champion before it (else the safe default rule) as control."""
    from shipyard.core.training import list_runs
    from shipyard.core.training.champion import promote

    ws = tab.session.workspace
    runs = {r.family: r.run_id for r in list_runs(ws, SLUG)}
    assert tab.candidate_combo.currentData() == "champion"
    assert tab.candidate_combo.itemText(0) == f"best run: {runs['linear']} (no champion yet)"
    assert "safe default" in tab.control_combo.itemText(0)
    assert "no champion" in tab.banner.text()
    promote(ws, SLUG, runs["dummy"], user="t", reason="first")
    promote(ws, SLUG, runs["linear"], user="t", reason="better")
    with qtbot.waitSignal(tab.rehearsed, timeout=30_000) as sig:
        tab.session.projectArtifactsChanged.emit(SLUG)  # as the Models tab does on promote
    done = sig.args[0]
    assert done.arms.candidate.run_id == runs["linear"]
    assert done.arms.control.run_id == runs["dummy"]
    assert tab.candidate_combo.itemText(0) == f"champion: {runs['linear']}"
    assert runs["dummy"] in tab.control_combo.itemText(0)
    assert "previous champion" in tab.control_combo.itemData(0, Qt.ToolTipRole)
    assert "previous champion" in tab.banner.text()
