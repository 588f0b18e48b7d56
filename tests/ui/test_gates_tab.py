"""The Gates tab: run the gates off the GUI thread, read verdicts, export, edit the policy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).parents[1] / "core" / "gates"))

import gate_test_workspace as gtw

SLUG = gtw.SLUG
POLICY = """schema: 1
inherit: false
checks:
  - kind: onnx_parity
  - kind: latency
    p95_ms: 1000
    rows: 60
  - kind: error_rate
    max: 0.5
    rows_per_case: 2
  - kind: cost
    max_per_1k: 1
  - kind: quality
    metric: f1
    threshold: 0.99
    required: false
  - kind: model_card
  - kind: slices
    column: plan
    max_gap: 0.5
    min_rows: 5
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gtw.build(tmp_path_factory.mktemp("ui-gates") / "ws")


@pytest.fixture
def tab(qtbot: Any, template: Path, tmp_path: Path) -> Any:
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.gates.tab import GatesTab
    from shipyard.ui.session import WorkspaceSession
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.LIGHT)
    ws = gtw.copy(template, tmp_path / "ws")
    (ws.projects_dir / SLUG / "gates.yaml").write_text(POLICY, encoding="utf-8")
    session = WorkspaceSession()
    session.open(ws.root)
    widget = GatesTab(session)
    qtbot.addWidget(widget)
    widget.resize(1250, 820)
    widget.show()
    qtbot.waitExposed(widget)
    widget.load(SLUG)
    yield widget
    QApplication.processEvents()
    session.close(notify=False)


def _run(qtbot: Any, tab: Any) -> None:
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=30_000) as signal:
        qtbot.keyClick(tab, Qt.Key_G, Qt.ControlModifier)
    assert signal.args == [SLUG]
    qtbot.waitUntil(lambda: tab.task is None, timeout=30_000)


def test_run_gates_shows_verdicts_values_and_stores_the_report(
    qtbot: Any, tab: Any, artifacts: Path
) -> None:
    assert tab.body.currentIndex() == 0 and tab.model.rowCount() == 0
    assert "Not gated yet" in tab.banner.text()
    _run(qtbot, tab)
    verdicts = {c.id: c.verdict for c in tab.model.checks}
    assert verdicts["onnx_parity"] == "pass" and verdicts["latency"] == "pass"
    assert verdicts["model_card"] == "fail" and verdicts["quality-f1"] == "warn"
    assert "FAIL" in tab.banner.text()
    assert "Next: fix model_card as each message says" in tab.banner.text()
    assert "model falls short" not in tab.banner.text()  # the model passed its checks
    row = [c.id for c in tab.model.checks].index("latency")
    assert tab.model.index(row, 0).data() == "✔ pass"
    assert tab.model.index(row, 2).data() not in ("", "—")  # the value shows on a pass
    assert tab.model.index(row, 0).data(Qt.ForegroundRole).name() == "#1f8a4c"
    bars = [i for i in tab.plot.listDataItems() if type(i).__name__ == "BarGraphItem"]
    assert tab.plot.isVisible() and sum(bars[0].opts["height"]) == 60
    # The first failing check is selected and explained in the detail pane.
    assert "no model card yet" in tab.detail.toPlainText()
    report = tab.session.workspace.projects_dir / SLUG / "runs" / tab.selected_run()
    assert json.loads((report / "gate_report.json").read_text("utf-8"))["verdict"] == "fail"
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "gates_tab.png"))
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.DARK)
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "gates_tab_dark.png"))
    assert tab.plot.backgroundBrush().color().lightness() < 100
    apply_theme(QApplication.instance(), Theme.LIGHT)


def test_stored_report_reloads_and_exports_html(qtbot: Any, tab: Any, tmp_path: Path) -> None:
    _run(qtbot, tab)
    tab.show_report(None)
    tab.load(SLUG)
    # The policy's seven checks, then the one-pager's target and the dummy baseline.
    assert tab.report is not None and tab.model.rowCount() == 9
    out = tab.export_html(tmp_path / "gates.html")
    text = out.read_text("utf-8")
    assert "<!doctype html>" in text and "Churn" in text


def test_cancel_stores_nothing(qtbot: Any, tab: Any) -> None:
    tab.run_gates()
    tab.cancel()
    qtbot.waitUntil(lambda: tab.task is None, timeout=30_000)
    runs = tab.session.workspace.projects_dir / SLUG / "runs"
    if not list(runs.glob("*/gate_report.json")):  # the cancel arrived in time
        assert "Cancelled" in tab.banner.text()
    assert tab.run_button.isEnabled() and not tab.progress_row.isVisible()


def test_policy_text_errors_inline_and_form_edits(qtbot: Any, tab: Any, artifacts: Path) -> None:
    editor = tab.policy
    tab.views.setCurrentIndex(1)
    editor.views.setCurrentIndex(1)
    editor.text.setPlainText(POLICY.replace("metric: f1", "metric: f2"))
    qtbot.waitUntil(lambda: not editor.valid, timeout=3000)
    assert "line 14" in editor.problems.text() and "unknown metric" in editor.problems.text()
    assert "roc_auc" in editor.problems.text()
    assert not editor.save_button.isEnabled()
    assert editor.text.extraSelections()
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "gates_policy_text.png"))
    editor.text.setPlainText(POLICY)
    qtbot.waitUntil(lambda: editor.valid, timeout=3000)
    # Form: remove the model card check, make latency stricter, add a PII check.
    editor.views.setCurrentIndex(0)
    labels = [editor.check_list.item(i).text() for i in range(editor.check_list.count())]
    editor.check_list.setCurrentRow(labels.index("model_card"))
    editor.remove_check()
    editor.check_list.setCurrentRow(1)
    p95 = editor.field_editors["p95_ms"]
    p95.setText("250")
    p95.editingFinished.emit()
    editor.kind_combo.setCurrentText("pii")
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    editor.kind_combo.setCurrentText("champion_regression")
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    assert editor.field_editors["margin"].placeholderText() == "default: 0.02"
    editor.field_editors["required"].setChecked(True)
    editor.remove_check()
    assert "p95_ms: 250" in editor.text.toPlainText()
    QApplication.processEvents()
    tab.grab().save(str(artifacts / "gates_policy_form.png"))
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=3000):
        qtbot.keyClick(editor.text, Qt.Key_S, Qt.ControlModifier)
    from shipyard.core.gates import project_policy

    saved = project_policy(tab.session.workspace, SLUG)
    keys = [c.key for c in saved.checks]
    assert "model_card" not in keys and keys[-1] == "pii"
    assert saved.checks[1].p95_ms == 250


def test_empty_state_without_runs_and_errors_shown_with_the_file(qtbot: Any, tab: Any) -> None:
    tab.load("onpage-suggestion")  # a demo project that was never trained
    assert tab.body.currentIndex() == 1 and not tab.run_button.isEnabled()
    assert "Models" in tab.empty.body.text()
    tab.load(SLUG)
    assert tab.body.currentIndex() == 0 and tab.run_button.isEnabled()
    gates = tab.session.workspace.projects_dir / SLUG / "gates.yaml"
    gates.write_text("checks:\n  - kind: speed\n", encoding="utf-8")
    qtbot.keyClick(tab, Qt.Key_G, Qt.ControlModifier)
    qtbot.waitUntil(lambda: tab.task is None, timeout=30_000)
    from html import unescape

    text = unescape(tab.banner.text())
    assert "could not run" in text and "unknown check 'speed'" in text
    assert "gates.yaml:2" in text and "field 'checks.0.kind'" in text


def test_refreshes_when_another_tab_promotes_a_champion(tab: Any) -> None:
    from shipyard.core.training import list_runs
    from shipyard.core.training.champion import promote

    ws = tab.session.workspace
    dummy = next(r.run_id for r in list_runs(ws, SLUG) if r.family == "dummy")
    assert tab.selected_run() != dummy  # no champion: the best run
    promote(ws, SLUG, dummy, user="t", reason="baseline")
    tab.session.projectArtifactsChanged.emit(SLUG)
    assert tab.selected_run() == dummy
    assert tab.run_combo.currentText().startswith("★ champion")
    assert tab.choice_label.text() == f"Selected by default: the champion {dummy}"


def test_without_a_champion_the_best_run_is_preselected_not_the_newest(tab: Any) -> None:
    from shipyard.core.training import list_runs, train_ladder

    ws = tab.session.workspace
    [newest] = train_ladder(ws, SLUG, f"{gtw.DATASET}@v1", gtw.TARGET, user="t",
                            families=["dummy"])  # fmt: skip
    linear = next(r.run_id for r in list_runs(ws, SLUG) if r.family == "linear")
    tab.load(SLUG)
    assert tab.run_combo.itemData(0) == newest.run_id  # listed newest first ...
    assert tab.selected_run() == linear  # ... but the best one is preselected
    assert tab.run_combo.currentText().startswith("best")
    text = tab.choice_label.text()
    assert text.startswith(f"Selected by default: the best exportable run by ROC AUC, {linear}")
    assert "no champion yet" in text
    tab.run_combo.setCurrentIndex(0)
    assert tab.choice_label.text().startswith(f"Selected by you: run {newest.run_id}")


def test_empty_state_says_when_no_run_exported(tab: Any) -> None:
    ws = tab.session.workspace
    for path in (ws.projects_dir / SLUG / "runs").glob("*/run.json"):
        path.write_text(
            path.read_text("utf-8").replace('"exportable": true', '"exportable": false')
        )
    tab.load(SLUG)
    assert tab.body.currentIndex() == 1 and not tab.run_button.isEnabled()
    assert tab.empty.heading.text() == "No exportable run to gate"
    assert "None of the 2 runs" in tab.empty.body.text()
    assert "shipyard runs list" in tab.empty.body.text()
    assert "Train the baselines" not in tab.empty.body.text()


def test_a_missing_model_card_is_fixed_from_the_banner(qtbot: Any, tab: Any) -> None:
    """The one blocker a button can fix: the card is written from the run, and the same
    run is gated again without leaving the tab."""
    assert not tab.fix_button.isVisible()
    _run(qtbot, tab)
    assert {c.id: c.verdict for c in tab.model.checks}["model_card"] == "fail"
    assert tab.fix_button.isVisible()
    gated = tab.selected_run()
    card = tab.session.workspace.projects_dir / SLUG / "model_card.md"
    assert not card.exists()
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=30_000):
        qtbot.mouseClick(tab.fix_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tab.task is None and tab.report is not None, timeout=30_000)
    qtbot.waitUntil(
        lambda: {c.id: c.verdict for c in tab.report.checks}.get("model_card") == "pass",
        timeout=30_000,
    )
    assert card.is_file() and tab.selected_run() == gated
    assert not tab.fix_button.isVisible()
