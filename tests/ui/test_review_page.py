"""The Review page in the window: decide, save, refuse a decision without a reason, export
the report; the portfolio's health sparkline; the sprint's snapshot on the first open."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from window_helpers import open_window

from shipyard.core.review.health_history import snapshot_path
from shipyard.core.review.record import list_reviews
from shipyard.core.review.sprints import sprint_start
from shipyard.ui.main_window import REVIEW, MainWindow
from shipyard.ui.review.page import ReviewPage
from shipyard.ui.review.sparkline import POINTS_ROLE, SparklineDelegate
from shipyard.ui.review.table_model import COLUMN_INDEX as REVIEW_COLUMNS
from shipyard.ui.review.table_model import SLUG_ROLE

TODAY = date(2026, 11, 23)  # the window helper's fixed "today"


@pytest.fixture
def demo_window(qtbot, trained_demo_ws):
    with open_window(qtbot, trained_demo_ws.root) as win:
        # Shortcuts reach only the active window (offscreen, showing does not activate).
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5_000)
        yield win


def _review(qtbot, win: MainWindow) -> ReviewPage:
    win.show_page(REVIEW)
    page = win.review
    assert win.pages.currentWidget() is page
    assert page.wait_ready()
    qtbot.waitUntil(lambda: page.summary is not None and page.task is None, timeout=30_000)
    # Offscreen, a transient popup during the first read can leave no active window, and
    # shortcuts reach only the active one.
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5_000)
    return page


def _decide(qtbot, page: ReviewPage, slug: str, decision: str, reason: str) -> None:
    """As a user does: pick the project's row, the decision, then type the reason."""
    row = page.model.row_of(slug)
    assert row >= 0
    page.table.selectRow(row)
    assert page.selected_slug() == slug
    page.decision.setCurrentIndex(page.decision.findData(decision))
    if reason:
        page.reason.setFocus()
        qtbot.keyClicks(page.reason, reason)


def _stage(ws_root: Path, slug: str) -> str:
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(ws_root)
    entry = next(e for e in ws.projects() if e.slug == slug)
    assert entry.doc is not None
    return entry.doc.onepager.stage.value


def test_the_page_ranks_the_portfolio_and_shows_a_project(qtbot, demo_window, trained_demo_ws):
    page = _review(qtbot, demo_window)
    assert page.model.rowCount() == 10
    ranks = [page.model.index(r, REVIEW_COLUMNS["rank"]).data() for r in range(10)]
    assert ranks == [str(i) for i in range(1, 11)]
    assert demo_window.current_slug() == REVIEW
    # Ctrl+3 reaches the page from anywhere in the window.
    demo_window.show_page("__portfolio__")
    qtbot.keyClick(demo_window, Qt.Key_3, Qt.ControlModifier)
    assert demo_window.pages.currentWidget() is page

    page.select("churn-risk")
    project = page.summary.project("churn-risk")
    assert "Churn risk" in page.project_title.text()
    assert page.changes.count() == len(project.changes) > 0
    assert "ROC AUC" in page.facts.text()
    assert page.trend.points == project.health_points
    metric = page.model.index(page.model.row_of("churn-risk"), REVIEW_COLUMNS["metric"]).data()
    assert metric == project.metric_words
    # Capacity: the demo asks for more than its experiment pool, and says so.
    assert page.summary.capacity.demand > page.summary.capacity.pool
    assert "Over-allocated" in page.capacity_text.text()
    assert page.tabs.tabText(1) == "Capacity ⚠"
    # Every control has a name for scripts and screen readers.
    from shipyard.ui.accessible import unnamed_controls

    demo_window.show_page(REVIEW)
    demo_window.name_controls()
    assert unnamed_controls(demo_window) == []


def test_decide_and_save_writes_the_record_and_moves_the_stage(qtbot, demo_window, trained_demo_ws):
    page = _review(qtbot, demo_window)
    assert not page.save_button.isEnabled()  # nothing decided yet
    _decide(qtbot, page, "fraud-flag", "pause", "no data yet")
    assert page.decision_note.text() == "Saving moves the stage shadow → paused."
    _decide(qtbot, page, "churn-risk", "continue", "")
    assert page.decision_note.text() == "The stage stays mvp."
    assert page.save_button.isEnabled()
    assert page.save_button.text() == "Save review (2)"
    row = page.model.row_of("fraud-flag")
    assert page.model.index(row, REVIEW_COLUMNS["decision"]).data() == "pause"
    # Back on fraud-flag, its decision and reason are still there.
    page.select("fraud-flag")
    assert page.decision.currentData() == "pause" and page.reason.text() == "no data yet"

    asked: list[str] = []

    def confirm(title: str, text: str, detail: str) -> bool:
        asked.append(f"{text}\n{detail}")
        return True

    page.confirm = confirm  # type: ignore[method-assign]
    # The meeting's notes, typed on the Notes tab, are kept with the record.
    page.tabs.setCurrentWidget(page.notes)
    qtbot.keyClicks(page.notes, "Fraud waits for labelled data; Ana follows up.")
    with qtbot.waitSignal(page.saved, timeout=30_000) as saved:
        qtbot.mouseClick(page.save_button, Qt.LeftButton)
    assert len(asked) == 1
    assert "2 decisions" in asked[0]
    assert "Fraud flag: shadow → paused" in asked[0]
    assert "Churn risk" not in asked[0]  # continue keeps the stage

    path = Path(saved.args[0])
    assert path == trained_demo_ws.root / "reviews" / f"{TODAY.isoformat()}.yaml"
    reviews = list_reviews(trained_demo_ws)
    assert len(reviews) == 1
    record = reviews[0][1]
    assert record.date == TODAY
    assert record.notes == "Fraud waits for labelled data; Ana follows up."
    fraud = record.decisions["fraud-flag"]
    assert (fraud.decision.value, fraud.reason) == ("pause", "no data yet")
    assert (fraud.stage_before, fraud.stage_after) == ("shadow", "paused")
    assert record.decisions["churn-risk"].stage_after == "mvp"
    assert set(record.snapshot) == {p.slug for p in page.summary.projects}
    assert _stage(trained_demo_ws.root, "fraud-flag") == "paused"
    assert _stage(trained_demo_ws.root, "churn-risk") == "mvp"
    audit = (trained_demo_ws.root / "audit.jsonl").read_text("utf-8")
    assert audit.count('"review.decision"') == 2 and '"review.save"' in audit

    # The page re-reads: decisions are cleared, the stage shows, Save is off again.
    qtbot.waitUntil(lambda: page.task is None and page.save_task is None, timeout=30_000)
    page.wait_ready()
    assert page.decisions == {}
    assert page.notes.toPlainText() == ""  # saved with the record, cleared for the next one
    assert not page.save_button.isEnabled()
    qtbot.waitUntil(
        lambda: page.summary.project("fraud-flag").row.stage == "paused", timeout=30_000
    )
    assert demo_window.session.row("fraud-flag").stage == "paused"
    assert "Saved the review to" in page.banner_text()
    assert f"{TODAY.isoformat()}.yaml" in page.banner_text()
    # The next review compares against this one.
    assert page.summary.last_review is not None
    assert page.summary.project("fraud-flag").previous["stage"] == "shadow"


def test_a_decision_without_a_reason_is_refused_naming_the_project(
    qtbot, demo_window, trained_demo_ws
):
    page = _review(qtbot, demo_window)
    _decide(qtbot, page, "onpage-suggestion", "sunset", "")
    asked: list[str] = []
    page.confirm = lambda *a: asked.append(a[1]) or True  # type: ignore[method-assign]
    page.select("churn-risk")  # the refusal brings the project back
    qtbot.keyClick(page, Qt.Key_S, Qt.ControlModifier)
    assert asked == []
    text = page.banner_text()
    assert "On-page suggestion" in text and "needs a reason" in text
    assert page.selected_slug() == "onpage-suggestion"
    assert list_reviews(trained_demo_ws) == []
    assert _stage(trained_demo_ws.root, "onpage-suggestion") == "paused"
    # Clearing the decision is its undo: nothing left to save.
    page.clear_decision()
    assert page.decisions == {}
    assert not page.save_button.isEnabled()
    assert (
        page.model.index(page.model.row_of("onpage-suggestion"), REVIEW_COLUMNS["decision"]).data()
        == ""
    )


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def test_export_html_and_pdf(qtbot, demo_window, tmp_path: Path):
    page = _review(qtbot, demo_window)
    _decide(qtbot, page, "fraud-flag", "pause", "no data yet")
    with qtbot.waitSignal(page.exported, timeout=60_000):
        page.export_html(tmp_path / "review.html")
    html = (tmp_path / "review.html").read_text("utf-8")
    assert "http://" not in html and "https://" not in html
    assert "Fraud flag" in html and "no data yet" in html
    assert "review.html" in page.banner_text()
    qtbot.waitUntil(lambda: page.export_task is None, timeout=10_000)

    with qtbot.waitSignal(page.exported, timeout=120_000):
        page.export_pdf(tmp_path / "review.pdf", "Letter")
    pdf = tmp_path / "review.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1 + len(page.summary.projects) == 11
    assert "review.pdf" in page.banner_text() and "11 pages" in page.banner_text()
    qtbot.waitUntil(lambda: page.export_task is None, timeout=10_000)
    assert page.export_pdf_button.isEnabled()
    sizes = [a.text() for a in page.export_pdf_button.menu().actions()]
    assert sizes == ["A4…", "Letter…"]


def test_portfolio_table_has_a_health_sparkline(qtbot, trained_demo_ws):
    """Two sprints ago fraud-flag scored 20: its sparkline has that point and an up arrow."""
    from shipyard.ui.portfolio.table_model import COLUMN_INDEX

    ws = trained_demo_ws
    earlier = sprint_start(TODAY, ws.config.portfolio) - timedelta(days=28)
    folder = ws.root / "reviews" / "health"
    folder.mkdir(parents=True, exist_ok=True)
    snap = {
        "format": 1,
        "sprint_start": earlier.isoformat(),
        "taken": f"{earlier.isoformat()}T09:00:00+00:00",
        "projects": {"fraud-flag": {"health": 20.0}},
    }
    (folder / f"{earlier.isoformat()}.json").write_text(json.dumps(snap), "utf-8")
    with open_window(qtbot, ws.root) as win:
        page = win.portfolio
        col = COLUMN_INDEX["trend"]
        assert page.model.headerData(col, Qt.Horizontal, Qt.DisplayRole) == "Trend"
        assert isinstance(page.table.itemDelegateForColumn(col), SparklineDelegate)
        assert not page.table.isColumnHidden(col)
        assert page.table.columnWidth(col) >= 90
        rows = {page.proxy.index(r, 0).data(SLUG_ROLE): r for r in range(page.proxy.rowCount())}
        fraud = page.proxy.index(rows["fraud-flag"], col)
        live = win.session.row("fraud-flag").health.score
        assert fraud.data(POINTS_ROLE) == [20.0, round(live, 1)]
        assert fraud.data().startswith("▲ +")
        other = page.proxy.index(rows["churn-risk"], col)
        assert len(other.data(POINTS_ROLE)) == 1 and other.data() == ""
        # The same history on the review page.
        review = _review(qtbot, win)
        assert review.summary.project("fraud-flag").health_points[0][1] == 20.0


def test_the_sprint_snapshot_is_taken_on_the_first_open_after_a_boundary(trained_demo_ws):
    from shipyard.ui.session import WorkspaceSession

    ws = trained_demo_ws
    settings = ws.config.portfolio
    this_sprint = snapshot_path(ws, sprint_start(TODAY, settings))
    assert not this_sprint.exists()

    session = WorkspaceSession()
    session.today = TODAY
    session.open(ws.root)
    assert this_sprint.exists()
    first = this_sprint.read_text("utf-8")
    assert "first open after a sprint boundary" in first
    assert json.loads(first)["projects"].keys() == {r.slug for r in session.rows}
    session.close()

    # Opened again in the same sprint (a day later): nothing is taken again.
    session.today = TODAY + timedelta(days=1)
    assert sprint_start(session.today, settings) == sprint_start(TODAY, settings)
    session.open(ws.root)
    session.close()
    assert this_sprint.read_text("utf-8") == first
    assert len(list(this_sprint.parent.glob("*.json"))) == 1

    # The first open of the next sprint takes the next one; the trend then has two points.
    session.today = sprint_start(TODAY, settings) + timedelta(days=settings.sprint_length_days)
    session.open(ws.root)
    try:
        assert snapshot_path(ws, sprint_start(session.today, settings)).exists()
        assert len(list(this_sprint.parent.glob("*.json"))) == 2
        assert len(session.health_points("churn-risk")) == 2
    finally:
        session.close()


def test_since_everything_or_a_date(qtbot, demo_window):
    page = _review(qtbot, demo_window)
    assert page.since.currentData() == "last" and not page.since_date.isVisible()
    everything = sum(len(p.changes) for p in page.summary.projects)
    assert everything > 0  # no earlier review: the last review means everything
    # A date after every change: nothing changed since.
    page.since.setCurrentIndex(page.since.findData("date"))
    assert page.since_date.isVisible()
    page.since_date.setDate(page.since_date.date().addYears(5))
    page.wait_ready()
    qtbot.waitUntil(lambda: page.task is None, timeout=30_000)
    assert page.summary.since is not None
    assert sum(len(p.changes) for p in page.summary.projects) == 0
    page.select("churn-risk")
    assert page.changes.item(0).text() == "Nothing changed in this period"
    page.since.setCurrentIndex(page.since.findData("all"))
    page.wait_ready()
    qtbot.waitUntil(lambda: page.task is None, timeout=30_000)
    assert page.summary.since is None
    assert sum(len(p.changes) for p in page.summary.projects) == everything


def test_screenshot_renders_the_review_page(qtbot, demo_window, tmp_path: Path):
    from PySide6.QtGui import QImage

    from shipyard.ui.screenshot import render_page

    out = render_page(demo_window, None, "review", None, tmp_path / "review.png", (1280, 720))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)
    assert demo_window.review.summary is not None
    assert demo_window.review.model.rowCount() == 10


def test_cost_chart_flags_in_red_and_capacity_bar_says_how_full(qtbot):
    from shipyard.core.review.capacity import Capacity, CostRow
    from shipyard.ui.review.charts import POOR, CapacityBar, CostChart

    chart = CostChart()
    qtbot.addWidget(chart)
    rows = [
        CostRow("a", "Alpha — x", 2.0, "EUR", 50_000, 100.0, 2.0, 40.0, True, "costs a lot"),
        CostRow("b", "Beta — y", 0.1, "EUR", 10_000, 1.0, 4.0, 90.0, False),
    ]
    chart.set_rows(rows)
    spots = {p.data(): p.brush().color().name() for p in chart.scatter.points()}
    assert spots["a"] == POOR and spots["b"] != POOR
    with qtbot.waitSignal(chart.projectActivated) as clicked:
        chart._clicked(chart.scatter, [chart.scatter.points()[0]])
    assert clicked.args == ["a"]

    bar = CapacityBar()
    qtbot.addWidget(bar)
    bar.set_capacity(Capacity(13, 4.5, 8.8, 35.1, 14.6, 39.0))
    assert bar.text() == "39 of 35 FTE-weeks in the experiment pool (111%) over 13 weeks"
    bar.resize(400, 44)
    assert not bar.grab().isNull()


def test_closing_the_workspace_drops_the_review_and_its_unsaved_decisions(
    qtbot, demo_window, trained_demo_ws
):
    page = _review(qtbot, demo_window)
    _decide(qtbot, page, "fraud-flag", "pause", "no data yet")
    page.refresh()  # a read still running when the workspace closes is dropped
    demo_window.close_workspace()
    assert page.model.rowCount() == 0 and page.decisions == {}
    assert not page.save_button.isEnabled()
    page.wait_ready()
    assert page.summary is None and page.model.rowCount() == 0
    assert demo_window.open_workspace(trained_demo_ws.root)
    page = _review(qtbot, demo_window)
    assert page.model.rowCount() == 10 and page.decisions == {}
    assert list_reviews(trained_demo_ws) == []
