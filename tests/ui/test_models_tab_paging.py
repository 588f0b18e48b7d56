"""The Models tab over a busy project: the leaderboard pages and sorts in its model, formats
only what the view shows, and reads a run's record and curves only when it is selected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from shipyard.core.training.runs import CurvesFile
from shipyard.ui.models import leaderboard_model
from shipyard.ui.models.leaderboard_model import PAGE, LeaderboardModel
from shipyard.ui.models.tab import ModelsTab
from shipyard.ui.session import WorkspaceSession

WAIT = 30_000
SLUG = "churn-risk"
RUNS = 3 * PAGE + 37


def _many_runs(root: Path, count: int) -> None:
    """Replace the project's runs with `count` slim runs made from the demo's linear run."""
    runs = root / "projects" / SLUG / "runs"
    source = next(runs.glob("*linear*/run.json"))
    base = json.loads(source.read_text("utf-8"))
    curves = json.dumps(base.pop("curves"))
    shutil.rmtree(runs)
    runs.mkdir()
    (root / "projects" / SLUG / "champion.json").unlink(missing_ok=True)
    for i in range(count):
        run_id = f"20261207T{i:06d}-linear-{i:06x}"
        metrics = dict(base["metrics"], roc_auc=round(0.5 + (i * 7919 % count) / (2 * count), 6))
        record = dict(base, run_id=run_id, created=f"2026-12-07T00:00:00.{i:06d}Z",
                      metrics=metrics, intervals=None, curves={"sidecar": "curves.json"})  # fmt: skip
        (runs / run_id).mkdir()
        (runs / run_id / "curves.json").write_text(curves, "utf-8")
        (runs / run_id / "run.json").write_text(json.dumps(record), "utf-8")


@pytest.fixture
def busy_tab(qtbot, trained_demo_ws, monkeypatch):
    _many_runs(trained_demo_ws.root, RUNS)
    formatted: set[int] = set()
    display = LeaderboardModel._display

    def spy(self, row, col, shown_at):  # which rows were formatted for the view
        formatted.add(self.rows.index(row))
        return display(self, row, col, shown_at)

    monkeypatch.setattr(leaderboard_model.LeaderboardModel, "_display", spy)
    session = WorkspaceSession()
    session.open(trained_demo_ws.root)
    tab = ModelsTab(session)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    tab.load(SLUG)
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: tab.detail.record is not None, timeout=WAIT)  # a turn later
    qtbot.wait(50)  # a few paints
    tab.formatted = formatted
    yield tab
    QApplication.processEvents()
    session.close(notify=False)


def test_the_board_shows_a_page_formats_only_what_is_seen_and_fetches_more(qtbot, busy_tab):
    tab = busy_tab
    model = tab.model
    assert len(model.rows) == RUNS and model.rowCount() == PAGE and model.canFetchMore()
    scores = [r.score for r in model.rows]
    assert scores == sorted(scores, reverse=True)  # ranked over every run, not the page
    # Only rows on screen were formatted: far fewer than a page.
    assert tab.formatted and max(tab.formatted) < PAGE // 2
    # Scrolling to the end of the page asks the model for the next one.
    bar = tab.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE, timeout=WAIT)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == RUNS and not model.canFetchMore()


def test_sorting_happens_in_the_model_over_every_run(qtbot, busy_tab):
    tab, model = busy_tab, busy_tab.model
    col = model.columns.index("primary")
    best = model.rows[0].run_id
    tab.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    assert model.rowCount() == PAGE  # still one page, now of the worst runs
    worst = min(r.score for r in model.rows)
    assert model.rows[0].score == worst and model.rows[-1].run_id == best
    shown = float(model.index(0, col).data())
    assert shown == pytest.approx(worst, abs=1e-4)
    # The rank column keeps each run's rank by the primary metric.
    assert model.index(0, model.columns.index("rank")).data() == str(RUNS)
    tab.table.sortByColumn(model.columns.index("rank"), Qt.SortOrder.AscendingOrder)
    assert model.rows[0].run_id == best and model.index(0, 0).data() == "1"


def test_a_run_far_down_is_selected_and_only_its_record_is_read(qtbot, busy_tab):
    tab, model = busy_tab, busy_tab.model
    records = tab.data.records
    first = model.rows[0].run_id
    # The board was drawn from the index; the selection of the first run read its record.
    assert set(records.read) == {first}
    detail = tab.detail
    shown = detail.record
    assert shown is not None and shown.run_id == first
    # The summary is shown: no plot drew, so the curves were not read yet...
    assert isinstance(shown.curves, CurvesFile) and not shown.curves._loaded
    detail.tabs.setCurrentWidget(detail.pages["roc"])
    assert shown.curves._loaded and "roc" not in detail.undrawn  # ...until the ROC tab shows
    assert {"pr", "confusion", "calibration"} <= detail.undrawn

    far = model.rows[RUNS - 5].run_id
    tab.select_runs([far])
    assert model.rowCount() >= RUNS - 4  # loaded down to it
    assert tab.selected_run_ids() == [far] and tab.detail.record.run_id == far
    assert set(records.read) == {first, far}
    assert tab.promote_button.isEnabled() and not tab.compare_button.isEnabled()
    tab.select_runs([first, far])
    assert tab.compare_button.isEnabled()
    assert set(records.read) == {first, far}  # the buttons need no record
    dialog = tab.compare()
    qtbot.addWidget(dialog)
    assert {dialog.model.rows[0][1], dialog.model.rows[0][2]} == {first, far}
    dialog.close()


def test_a_run_deleted_after_the_board_was_read_is_simply_not_shown(qtbot, busy_tab):
    tab, model = busy_tab, busy_tab.model
    gone = model.rows[3].run_id
    shutil.rmtree(tab.session.workspace.projects_dir / SLUG / "runs" / gone)
    tab.select_runs([gone])
    assert tab.detail.record is None and tab.selected_records() == []
    tab.refresh()
    qtbot.waitUntil(lambda: len(tab.model.rows) == RUNS - 1, timeout=WAIT)


def _open_recording(
    qtbot, root: Path, monkeypatch, runs: int = RUNS
) -> tuple[ModelsTab, list[tuple[int | None, int, bool]]]:
    """The Models tab opening the busy project; each board the model got: (its `total`,
    its rows, whether it only completed the page shown)."""
    seen: list[tuple[int | None, int, bool]] = []
    set_board = LeaderboardModel.set_board

    def spy(self, board, problem_of=None):
        continued = set_board(self, board, problem_of)
        if board is not None:
            seen.append((board.total, len(board.rows), continued))
        return continued

    monkeypatch.setattr(leaderboard_model.LeaderboardModel, "set_board", spy)
    session = WorkspaceSession()
    session.open(root)
    tab = ModelsTab(session)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    tab.load(SLUG)
    qtbot.waitUntil(lambda: tab.data is not None and len(tab.model.rows) == runs, timeout=WAIT)
    qtbot.waitUntil(lambda: tab.detail.record is not None, timeout=WAIT)
    return tab, seen


def test_a_kept_first_page_paints_first_and_the_whole_board_completes_it(
    qtbot, trained_demo_ws, monkeypatch
):
    from shipyard.core.training import leaderboard

    _many_runs(trained_demo_ws.root, RUNS)
    board = leaderboard(trained_demo_ws, SLUG)  # ranked once (a window, `shipyard runs list`)
    tab, seen = _open_recording(qtbot, trained_demo_ws.root, monkeypatch)
    try:
        # The page first (with the count of every run), then the whole board without a reset.
        assert seen == [(RUNS, PAGE, False), (None, RUNS, True)]
        assert [r.run_id for r in tab.model.rows] == [r.run_id for r in board.rows]
        assert tab.model.rowCount() == PAGE and tab.model.canFetchMore()
        assert tab.board_note.text().startswith(f"{RUNS} runs")
        first = board.rows[0].run_id
        assert tab.selected_run_ids() == [first] and tab.detail.record.run_id == first
        assert set(tab.data.records.read) == {first}  # read once, on the page
        assert tab.page is None
    finally:
        tab.session.close(notify=False)


def test_a_page_of_runs_edited_since_is_mended_before_it_is_painted(
    qtbot, trained_demo_ws, monkeypatch
):
    from shipyard.core.training import leaderboard

    _many_runs(trained_demo_ws.root, RUNS)
    board = leaderboard(trained_demo_ws, SLUG)
    top = board.rows[0].run_id
    path = trained_demo_ws.root / "projects" / SLUG / "runs" / top / "run.json"
    record = json.loads(path.read_text("utf-8"))
    record["metrics"]["roc_auc"] = 0.0
    path.write_text(json.dumps(record), "utf-8")
    tab, seen = _open_recording(qtbot, trained_demo_ws.root, monkeypatch)
    try:
        # The edited run is read and falls off the page, which then completes as before.
        assert seen == [(RUNS, PAGE - 1, False), (None, RUNS, True)]
        assert tab.model.rows[0].run_id == board.rows[1].run_id
        assert tab.model.rows[-1].run_id == top and tab.model.rows[-1].score == 0.0
        assert tab.selected_run_ids() == [board.rows[1].run_id]
    finally:
        tab.session.close(notify=False)


def test_a_page_with_a_run_removed_since_is_not_painted(qtbot, trained_demo_ws, monkeypatch):
    import shutil

    from shipyard.core.training import leaderboard

    _many_runs(trained_demo_ws.root, RUNS)
    board = leaderboard(trained_demo_ws, SLUG)
    top = board.rows[0].run_id
    shutil.rmtree(trained_demo_ws.root / "projects" / SLUG / "runs" / top)
    tab, seen = _open_recording(qtbot, trained_demo_ws.root, monkeypatch, RUNS - 1)
    try:
        assert seen == [(None, RUNS - 1, False)]  # the whole board, read from the files
        assert [r.run_id for r in tab.model.rows] == [r.run_id for r in board.rows[1:]]
    finally:
        tab.session.close(notify=False)


def test_the_job_thread_waits_for_the_boards_paint_but_not_for_long():
    import threading
    import time

    from shipyard.core.jobs import JobControl
    from shipyard.ui.models.jobs import hold

    def took(job: JobControl, until: threading.Event, timeout: float) -> float:
        start = time.perf_counter()
        hold(job, until, timeout)
        return time.perf_counter() - start

    painted = threading.Event()
    painted.set()
    assert took(JobControl(), painted, 5.0) < 1.0  # painted already: at once
    assert 0.1 <= took(JobControl(), threading.Event(), 0.1) < 1.0  # never painted: the timeout
    cancelled = JobControl()
    cancelled.cancel()
    assert took(cancelled, threading.Event(), 5.0) < 1.0  # the window closing: at once
    later = threading.Event()
    threading.Timer(0.05, later.set).start()
    assert took(JobControl(), later, 5.0) < 1.0  # painted a moment later: then
