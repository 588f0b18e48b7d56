"""The Models tab driven like a user: task setup, train, cancel, leaderboard, compare, promote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from models_fixtures import prepared_ws, runs_of, ws_copy  # noqa: F401 (fixtures)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from shipyard.ui.models.leaderboard_model import STAR
from shipyard.ui.models.tab import ModelsTab
from shipyard.ui.session import WorkspaceSession

WAIT = 30_000


@pytest.fixture
def session(ws_copy: Path):  # noqa: F811
    s = WorkspaceSession()
    s.open(ws_copy)
    yield s
    QApplication.processEvents()
    s.close(notify=False)


@pytest.fixture
def tab(qtbot, session: WorkspaceSession) -> ModelsTab:
    widget = ModelsTab(session)
    qtbot.addWidget(widget)
    widget.resize(1360, 860)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _open(qtbot, tab: ModelsTab, slug: str) -> None:
    tab.load(slug)
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: not tab.setup.detecting, timeout=WAIT)


def _ready(qtbot, tab: ModelsTab) -> None:
    qtbot.waitUntil(lambda: tab.setup.result is not None, timeout=WAIT)


def _pick_target(qtbot, tab: ModelsTab, column: str) -> None:
    tab.setup.target.setCurrentIndex(tab.setup.target.findData(column))
    _ready(qtbot, tab)


def _fast(tab: ModelsTab) -> None:
    for fam, box in tab.setup.families.items():
        box.setChecked(fam in ("dummy", "linear"))


def test_task_setup_detects_the_task_and_warns_about_pii(qtbot, tab):
    _open(qtbot, tab, "churn-risk")
    assert tab.body.currentIndex() == 0
    assert tab.board_stack.currentIndex() == 1  # "No runs yet"
    assert tab.setup.dataset.currentData() == "churn_customers@v1"
    assert "(linked)" in tab.setup.dataset.currentText()
    assert tab.setup.choice() is None  # no target yet: Train says what to do
    tab.train()
    assert "Pick a dataset version and a target column" in tab.message.text()
    assert not tab.busy
    _pick_target(qtbot, tab, "churned")
    spec = tab.setup.result.spec
    assert spec.kind == "binary"
    assert "Binary classification" in tab.setup.kind.text()
    # The one-pager names roc_auc: the metric and where it comes from are shown.
    assert "ROC" in tab.setup.metric.text() and "one-pager" in tab.setup.metric.text()
    checked = set(tab.setup.checked_features())
    assert checked == set(spec.features)
    assert {"email", "phone", "customer_id"}.isdisjoint(checked)
    warnings = tab.setup.warnings.text()
    assert "email, phone" in warnings and "personal data" in warnings
    items = {tab.setup.features.item(i).data(Qt.ItemDataRole.UserRole + 1):
             tab.setup.features.item(i) for i in range(tab.setup.features.count())}  # fmt: skip
    for col, short in (("email", "personal data"), ("customer_id", "identifier"),
                       ("signup_date", "type DATE")):  # fmt: skip
        assert items[col].text().startswith("⚠") and short in items[col].text()
        assert items[col].toolTip() == spec.excluded[col]
        assert items[col].checkState() == Qt.CheckState.Unchecked
    assert tab.train_button.isEnabled()

    # Ticking a PII column back in trains with include_pii, and says so.
    for i in range(tab.setup.features.count()):
        item = tab.setup.features.item(i)
        if item.data(Qt.ItemDataRole.UserRole + 1) == "email":
            item.setCheckState(Qt.CheckState.Checked)
    choice = tab.setup.choice()
    assert choice.include_pii and "email" in choice.features
    assert "email</b>: personal data, ticked" in tab.setup.warnings.text()


def test_train_fills_the_leaderboard_with_progress(qtbot, tab, ws_copy):  # noqa: F811
    _open(qtbot, tab, "churn-risk")
    _pick_target(qtbot, tab, "churned")
    _fast(tab)
    tab.setup.folds.setValue(3)
    progress: list[tuple[float, str]] = []
    qtbot.mouseClick(tab.train_button, Qt.MouseButton.LeftButton)
    assert tab.busy and tab.run_bar.isVisible()
    assert not tab.train_button.isEnabled()
    tab.job.progressed.connect(lambda f, m: progress.append((f, m)))
    qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=WAIT)
    assert progress and any("linear" in m for _, m in progress)
    assert not tab.run_bar.isVisible()
    assert tab.board_stack.currentIndex() == 0
    families = {tab.model.rows[r].family for r in range(2)}
    assert families == {"dummy", "linear"}
    # Ranked by the primary metric, shown in bold; the best run is selected.
    assert tab.model.metric == "roc_auc"
    assert tab.model.rows[0].family == "linear"
    primary = tab.model.columns.index("primary")
    header_font = tab.model.headerData(primary, Qt.Orientation.Horizontal,
                                       Qt.ItemDataRole.FontRole)  # fmt: skip
    assert header_font.bold()
    # The best run is selected once the board has painted (a turn later).
    qtbot.waitUntil(lambda: tab.detail.record is not None, timeout=WAIT)
    assert tab.detail.record.family == "linear"
    assert tab.detail.record.cv["folds"] == 3
    # The task is remembered.
    task = (ws_copy / "projects" / "churn-risk" / "task.yaml").read_text("utf-8")
    assert "churn_customers@v1" in task and "churned" in task


def test_cancel_leaves_no_run(qtbot, tab, ws_copy):  # noqa: F811
    _open(qtbot, tab, "churn-risk")
    _pick_target(qtbot, tab, "churned")
    _fast(tab)
    tab.train()
    tab.cancel()  # honoured at the job's first progress report
    qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    assert "Cancelled" in tab.message.text()
    assert runs_of(ws_copy, "churn-risk") == []
    runs = ws_copy / "projects" / "churn-risk" / "runs"
    assert not runs.exists() or not any(runs.iterdir())
    qtbot.waitUntil(lambda: tab.data is not None and not tab.board_task.running, timeout=WAIT)
    assert tab.model.rowCount() == 0
    assert tab.train_button.isEnabled()


def test_training_error_names_the_fix(qtbot, session, ws_copy):  # noqa: F811
    from shipyard.core.data import import_file, link_version

    rows = "x,y\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(14))
    (ws_copy / "tiny.csv").write_text(rows, encoding="utf-8")
    version = import_file(session.workspace, ws_copy / "tiny.csv", "tiny", user="Ada")
    link_version(session.workspace, "onpage-suggestion", version, user="Ada")
    tab = ModelsTab(session)
    qtbot.addWidget(tab)
    tab.show()
    _open(qtbot, tab, "onpage-suggestion")
    _pick_target(qtbot, tab, "y")
    _fast(tab)
    tab.setup.folds.setValue(8)  # 14 rows cannot make 8 folds
    tab.train()
    qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    text = tab.message.text()
    assert text.startswith("⚠ too few rows for 8 folds")
    assert "File: <code>datasets/tiny/v1/version.json</code>" in text
    assert "Fix: use at most" in text
    assert tab.message.isVisible()
    assert runs_of(ws_copy, "onpage-suggestion") == []


def test_promote_moves_the_star_and_keeps_history(qtbot, tab, ws_copy):  # noqa: F811
    _open(qtbot, tab, "lead-scoring")
    assert tab.model.rowCount() == 2
    best = tab.model.rows[0]
    tab.select_runs([best.run_id])
    assert tab.promote_button.isEnabled()
    dialog = tab.promote()
    assert not dialog.ok.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason, "best ROC-AUC on the holdout")
    assert dialog.ok.isEnabled()
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=WAIT):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.data is not None and tab.data.champion == best.run_id,
                    timeout=WAIT)  # fmt: skip
    star_col = tab.model.columns.index("champion")
    row = tab.model.row_of(best.run_id)
    assert tab.model.index(row, star_col).data() == STAR
    champion = json.loads((ws_copy / "projects" / "lead-scoring" / "champion.json").read_text())
    assert champion["current"] == best.run_id

    # Promote the other run: the star moves, the history shows both with who and why.
    other = next(r for r in tab.model.rows if r.run_id != best.run_id)
    tab.select_runs([other.run_id])
    dialog = tab.promote()
    assert dialog.history.rowCount() == 1
    assert dialog.history.rows[0][3] == "best ROC-AUC on the holdout"
    dialog.reason.setText("simpler model for the pilot")
    with qtbot.waitSignal(tab.session.projectArtifactsChanged, timeout=WAIT):
        dialog.promote()
    qtbot.waitUntil(lambda: tab.data.champion == other.run_id, timeout=WAIT)
    stars = [tab.model.index(r, star_col).data() for r in range(tab.model.rowCount())]
    assert stars.count(STAR) == 1
    assert tab.model.rows[tab.model.row_of(other.run_id)].champion
    assert [p.reason for p in tab.data.history] == [
        "best ROC-AUC on the holdout",
        "simpler model for the pilot",
    ]


def test_compare_two_runs_highlights_the_better(qtbot, tab):
    _open(qtbot, tab, "lead-scoring")
    ids = [r.run_id for r in tab.model.rows]
    tab.select_runs([ids[0]])
    assert not tab.compare_button.isEnabled()
    tab.select_runs(ids)
    assert tab.compare_button.isEnabled()
    dialog = tab.compare()
    qtbot.addWidget(dialog)
    labels = [row[0] for row in dialog.model.rows]
    assert "ROC AUC" in labels or "ROC-AUC" in labels
    roc = next(i for i, row in enumerate(dialog.model.rows) if row[0] in ("ROC AUC", "ROC-AUC"))
    linear_side = 1 if tab.data.records[ids[0]].family == "linear" else 2
    assert (roc, linear_side) in dialog.model.marks
    assert dialog.model.data(dialog.model.index(roc, linear_side),
                             Qt.ItemDataRole.BackgroundRole) is not None  # fmt: skip
    dialog.close()


def test_leaderboard_sorts_and_refreshes_when_another_tab_changes_runs(qtbot, tab, ws_copy):  # noqa: F811
    from shipyard.core.training import train_ladder
    from shipyard.core.workspace.workspace import Workspace

    _open(qtbot, tab, "demand-forecast")
    assert tab.model.rowCount() == 2
    col = tab.model.columns.index("primary")
    tab.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    first = tab.proxy.index(0, col).data()
    second = tab.proxy.index(1, col).data()
    assert float(first.replace(",", "")) >= float(second.replace(",", ""))
    ws = Workspace.open(ws_copy)
    train_ladder(ws, "demand-forecast", "store_daily_sales@v1", "units_sold", user="Bo",
                 families=["dummy"])  # fmt: skip
    tab.session.projectArtifactsChanged.emit("demand-forecast")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=WAIT)


def test_empty_state_when_the_project_has_no_data(qtbot, tab, ws_copy):  # noqa: F811
    import shutil

    shutil.rmtree(ws_copy / "datasets")
    _open(qtbot, tab, "onpage-suggestion")
    assert tab.body.currentIndex() == 1
    assert "Ctrl+I" in tab.empty.body.text()


def _import_on_the_data_page(qtbot, page, path: Path, name: str):
    dialog = page.import_file(path)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
    dialog.name.setText(name)
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    return blocker.args[0]


def _listed(tab: ModelsTab) -> dict[str, str]:
    combo = tab.setup.dataset
    return {combo.itemData(i): combo.itemText(i) for i in range(combo.count()) if combo.itemData(i)}


def test_dataset_list_follows_imports_and_links_without_reopening(qtbot, session, tab, tmp_path):
    """The dataset choice lists a version imported (or linked) on the Datasets page while
    the Models tab is open, and keeps the version already chosen."""
    from shipyard.ui.data.page import DataPage

    page = DataPage(session)
    qtbot.addWidget(page)
    page.refresh()
    _open(qtbot, tab, "churn-risk")
    _pick_target(qtbot, tab, "churned")
    assert "fresh_table@v1" not in _listed(tab)

    sample = tmp_path / "fresh.csv"
    sample.write_text("Customer ID,v,n,label\n1,2.5,x,yes\n2,3.5,y,no\n3,1.0,x,yes\n")
    version = _import_on_the_data_page(qtbot, page, sample, "fresh_table")
    assert version.ref == "fresh_table@v1"
    assert _listed(tab)["fresh_table@v1"] == "fresh_table@v1"
    # The user's choice stands: same version, same target, detection not thrown away.
    assert tab.setup.dataset.currentData() == "churn_customers@v1"
    assert tab.setup.target.currentData() == "churned"
    assert tab.setup.result is not None

    page.link_combo.setCurrentIndex(page.link_combo.findData("churn-risk"))
    page.link_button.click()
    assert _listed(tab)["fresh_table@v1"] == "fresh_table@v1  (linked)"
    assert tab.setup.dataset.currentData() == "churn_customers@v1"


def test_importing_data_replaces_the_empty_state(qtbot, session, tab, ws_copy, tmp_path):  # noqa: F811
    import shutil

    from shipyard.ui.data.page import DataPage

    shutil.rmtree(ws_copy / "datasets")
    _open(qtbot, tab, "onpage-suggestion")
    assert tab.body.currentIndex() == 1
    page = DataPage(session)
    qtbot.addWidget(page)
    page.refresh()
    sample = tmp_path / "first.csv"
    sample.write_text("amount,flagged\n10,yes\n20,no\n30,yes\n")
    _import_on_the_data_page(qtbot, page, sample, "first_data")
    assert tab.body.currentIndex() == 0
    assert list(_listed(tab)) == ["first_data@v1"]
    assert tab.setup.dataset.currentData() == "first_data@v1"


def test_render_models_tab(qtbot, tab, artifacts):
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.LIGHT)
    _open(qtbot, tab, "lead-scoring")
    _ready(qtbot, tab)  # the task is taken from the newest run (no task.yaml yet)
    assert tab.setup.target.currentData() == "converted"
    qtbot.waitUntil(lambda: tab.detail.record is not None, timeout=WAIT)
    tab.detail.tabs.setCurrentWidget(tab.detail.pages["roc"])
    qtbot.wait(50)
    assert tab.grab().save(str(artifacts / "models_tab.png"))


def test_sweep_records_trials_with_their_sweep_id(qtbot, tab):
    _open(qtbot, tab, "invoice-routing")
    _ready(qtbot, tab)
    assert tab.sweep_button.isEnabled()
    dialog = tab.sweep()
    assert dialog.family.currentText() == "linear"
    assert "C:" in dialog.space.text()
    dialog.mode.setCurrentText("grid")
    dialog.trials.setValue(2)
    dialog.accept()
    assert tab.busy
    qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 4, timeout=WAIT)
    sweep_col = tab.model.columns.index("sweep")
    ids = {tab.model.index(r, sweep_col).data() for r in range(4)} - {""}
    assert len(ids) == 1 and next(iter(ids)).startswith("sweep-")


def test_importance_in_the_background_then_from_the_cache(qtbot, tab):
    _open(qtbot, tab, "lead-scoring")
    linear = next(r.run_id for r in tab.model.rows if r.family == "linear")
    tab.select_runs([linear])
    detail = tab.detail
    detail.tabs.setCurrentWidget(detail.pages["importance"])
    assert not detail.importance.has_data and detail.importance_button.isEnabled()
    progress: list[str] = []
    qtbot.mouseClick(detail.importance_button, Qt.MouseButton.LeftButton)
    assert detail.importance_progress.isVisible()
    detail.importance_task.progressed.connect(lambda _f, m: progress.append(m))
    qtbot.waitUntil(lambda: detail.importance.has_data, timeout=WAIT)
    features = set(tab.data.records[linear].task["numeric"] + tab.data.records[linear].task[
        "categorical"])  # fmt: skip
    assert set(detail.importance.features) <= features and detail.importance.features
    assert detail.importance.means == sorted(detail.importance.means, reverse=True)
    assert not detail.importance_progress.isVisible()
    assert "holdout rows" in detail.importance_status.text()
    # Selecting the run again shows the kept result without asking.
    other = next(r.run_id for r in tab.model.rows if r.run_id != linear)
    tab.select_runs([other])
    assert not detail.importance.has_data
    tab.select_runs([linear])
    qtbot.waitUntil(lambda: detail.importance.has_data, timeout=WAIT)


def test_staying_on_the_tab_starts_the_training_server_once(qtbot, session, monkeypatch):
    from shipyard.ui.jobs import process as job_process
    from shipyard.ui.models import tab as models_tab

    calls: list[int] = []
    monkeypatch.setattr(models_tab, "PREWARM_AFTER_MS", 50)
    monkeypatch.setattr(job_process, "prewarm", lambda: calls.append(1))
    widget = ModelsTab(session)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: calls == [1], timeout=WAIT)
    widget.hide()
    widget.show()  # shown again: nothing more to start
    qtbot.wait(200)
    assert calls == [1]


def test_prewarm_starts_the_forkserver_where_there_is_one(monkeypatch):
    import multiprocessing.forkserver as fs

    from shipyard.ui.jobs import process as job_process

    started: list[int] = []
    monkeypatch.setattr(fs, "ensure_running", lambda: started.append(1))
    thread = job_process.prewarm()
    if job_process._context().get_start_method() != "forkserver":
        assert thread is None and started == []
        return
    thread.join(10)
    assert started == [1]
