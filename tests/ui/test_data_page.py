"""The datasets page driven like a user: import with preview, browse, profile, PII, drift, SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QComboBox, QInputDialog

from shipyard.ui.main_window import DATASETS, MainWindow

WAIT = 20_000


def _import(qtbot, window: MainWindow, path: Path, *, uncheck: tuple[str, ...] = ()):
    dialog = window.data.import_file(path)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
    for r in range(dialog.columns.rowCount()):
        if dialog.columns.item(r, 1).text() in uncheck:
            dialog.columns.item(r, 0).setCheckState(Qt.Unchecked)
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    return dialog, blocker.args[0]


@pytest.fixture
def churn_csv(demo_ws) -> Path:
    return demo_ws.root / "samples" / "churn_customers.csv"


def test_empty_state_then_import_with_preview_and_excluded_column(qtbot, window, churn_csv):
    window.show_page(DATASETS)
    page = window.data
    assert page.body.currentIndex() == 1  # "No datasets yet"
    dialog = page.import_file(churn_csv)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=WAIT)
    names = [dialog.columns.item(r, 1).text() for r in range(dialog.columns.rowCount())]
    assert {"email", "phone", "churned"} <= set(names)
    assert dialog.rows.rowCount() == 50
    assert dialog.name.text() == "churn_customers"
    dialog.reject()

    dialog, version = _import(qtbot, window, churn_csv, uncheck=("email",))
    assert "email" not in version.column_names
    assert version.rows > 1000
    assert page.body.currentIndex() == 0
    assert page.version.ref == version.ref
    qtbot.waitUntil(lambda: page.model.rowCount() == version.rows, timeout=WAIT)
    assert "churn_customers@v1" in page.lineage.text()


def test_type_override_in_the_preview(qtbot, window, churn_csv):
    window.show_page(DATASETS)
    dialog = window.data.import_file(churn_csv)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
    row = next(r for r in range(dialog.columns.rowCount())
               if dialog.columns.item(r, 1).text() == "churned")  # fmt: skip
    combo = dialog.columns.cellWidget(row, 2)
    assert isinstance(combo, QComboBox)
    combo.setCurrentText("VARCHAR")
    overrides, exclude = dialog.choices()
    assert overrides == {"churned": "VARCHAR"} and not exclude
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    assert blocker.args[0].types["churned"] == "VARCHAR"


def test_cancelled_import_leaves_no_trace(qtbot, window, churn_csv, demo_ws):
    window.show_page(DATASETS)
    dialog = window.data.import_file(churn_csv)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
    dialog.start_import()
    dialog.cancel()  # the job stops at its next progress report
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=WAIT)
    datasets = demo_ws.root / "datasets"
    assert not datasets.exists() or not any(datasets.iterdir())


def test_a_bad_file_is_explained_in_the_dialog(qtbot, window, tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    window.show_page(DATASETS)
    dialog = window.data.import_file(bad)
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=WAIT)
    assert "empty.csv" in dialog.error.text()
    assert not dialog.import_button.isEnabled()
    dialog.reject()


def test_browse_pages_sort_and_filter(qtbot, window, churn_csv):
    from shipyard.ui.data.page import MAX_COLUMN_PX

    window.show_page(DATASETS)
    page = window.data
    _, version = _import(qtbot, window, churn_csv)
    qtbot.waitUntil(lambda: page.model.rowCount() == version.rows, timeout=WAIT)
    # Every column name shows whole (none is cut at both ends), and none is wider than the cap.
    header = page.table.horizontalHeader()
    metrics = header.fontMetrics()
    for i, name in enumerate(version.column_names):
        assert header.sectionSize(i) <= MAX_COLUMN_PX
        if metrics.horizontalAdvance(name) + 24 <= MAX_COLUMN_PX:
            assert header.sectionSize(i) >= metrics.horizontalAdvance(name), name
    before = page.model.fetches
    assert page.model.index(version.rows - 1, 0).data() not in (None, "")
    assert page.model.fetches - before <= 2  # only the pages that were looked at
    column = version.column_names.index("tenure_months") if "tenure_months" in \
        version.column_names else 1  # fmt: skip
    page.table.sortByColumn(column, Qt.DescendingOrder)
    values = [float(page.model.index(r, column).data() or "nan") for r in range(20)]
    finite = [v for v in values if v == v]
    assert finite == sorted(finite, reverse=True)
    page.filter.setText("churned")
    page.apply_filter()
    assert 0 < page.model.rowCount() < version.rows
    assert "of" in page.row_count.text()
    page.filter.setText("DROP TABLE x")
    page.apply_filter()
    assert page.filter_error.text()


def test_profile_pii_and_drift_tabs(qtbot, window, churn_csv, tmp_path):
    window.show_page(DATASETS)
    page = window.data
    _, first = _import(qtbot, window, churn_csv)
    page.tabs.setCurrentWidget(page.profile)
    qtbot.waitUntil(lambda: page.profile.table.rowCount() == first.columns, timeout=WAIT)
    assert page.profile.plot_title.text()

    page.tabs.setCurrentWidget(page.pii)
    qtbot.waitUntil(lambda: page.pii.report is not None, timeout=WAIT)
    kinds = {page.pii.table.item(r, 0).text() for r in range(page.pii.table.rowCount())}
    assert {"email", "phone"} <= kinds
    examples = [page.pii.table.item(r, 4).text() for r in range(page.pii.table.rowCount())]
    assert any("*" in e for e in examples)

    # A second version with shifted numbers drifts.
    lines = churn_csv.read_text(encoding="utf-8").splitlines()
    shifted = tmp_path / "churn_customers.csv"
    shifted.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    _, second = _import(qtbot, window, shifted)
    assert second.version == "v2"
    page.tabs.setCurrentWidget(page.drift)
    assert page.drift.reference.currentData().ref == first.ref
    page.drift.compare()
    qtbot.waitUntil(lambda: page.drift.report is not None, timeout=WAIT)
    assert page.drift.table.rowCount() >= 5
    severities = {page.drift.table.item(r, 4).text() for r in range(page.drift.table.rowCount())}
    assert severities <= {"none", "moderate", "major"}


def test_sql_box_runs_and_saves_a_version(qtbot, window, churn_csv, monkeypatch):
    window.show_page(DATASETS)
    page = window.data
    _import(qtbot, window, churn_csv)
    page.tabs.setCurrentWidget(page.query)
    page.query.editor.setPlainText("SELECT churned, count(*) AS n FROM churn_customers GROUP BY 1")
    page.query.run_query()
    qtbot.waitUntil(lambda: page.query.results.rowCount() == 2, timeout=WAIT)
    assert page.query.save_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("churn_counts", True))
    qtbot.mouseClick(page.query.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.version is not None and page.version.name == "churn_counts",
                    timeout=WAIT)  # fmt: skip
    assert "SQL over churn_customers@v1" in page.lineage.text()
    page.query.editor.setPlainText("DELETE FROM churn_customers")
    page.query.run_query()
    qtbot.waitUntil(lambda: "⚠" in page.query.status.text(), timeout=WAIT)


def test_link_a_version_to_a_project(qtbot, window, churn_csv, demo_ws):
    window.show_page(DATASETS)
    page = window.data
    _, version = _import(qtbot, window, churn_csv)
    page.link_combo.setCurrentIndex(page.link_combo.findData("churn-risk"))
    page.link_button.click()
    assert "churn-risk" in page.lineage.text()
    from shipyard.core.data import projects_using

    assert projects_using(demo_ws, version) == ["churn-risk"]


def test_dropping_a_csv_on_the_window_opens_the_import(qtbot, window, churn_csv):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(churn_csv))])
    event = QDropEvent(QPoint(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    assert window.pages.currentWidget() is window.data
    from shipyard.ui.data.import_dialog import ImportDialog

    dialog = window.data.findChild(ImportDialog)
    assert dialog is not None and dialog.path == churn_csv
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=WAIT)
    dialog.reject()


def test_datasets_page_renders(qtbot, window, churn_csv, artifacts):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.screenshot import grab
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.LIGHT)
    window.show_page(DATASETS)
    page = window.data
    _import(qtbot, window, churn_csv)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=WAIT)
    grab(window, artifacts / "datasets-rows.png")
    page.tabs.setCurrentWidget(page.profile)
    qtbot.waitUntil(lambda: page.profile.table.rowCount() > 0, timeout=WAIT)
    page.profile.table.selectRow(
        next(i for i, c in enumerate(page.profile.profile.columns) if c.histogram)
    )
    path = grab(window, artifacts / "datasets-profile.png")
    assert not QImage(str(path)).isNull()


def test_contract_infer_edit_and_check(qtbot, window, churn_csv, demo_ws):
    window.show_page(DATASETS)
    page = window.data
    _import(qtbot, window, churn_csv)
    view = page.contract
    page.tabs.setCurrentWidget(view)
    view.project.setCurrentIndex(view.project.findData("churn-risk"))
    view.infer()
    qtbot.waitUntil(lambda: "columns" in view.editor.toPlainText(), timeout=WAIT)
    assert (demo_ws.root / "projects" / "churn-risk" / "data_contract.yaml").is_file()
    view.check()
    qtbot.waitUntil(lambda: view.report is not None, timeout=WAIT)
    assert view.report.passed
    assert "all" in view.status.text()

    # Tighten a rule by hand: the check now fails and names the rule.
    text = view.editor.toPlainText()
    assert "seats" in text
    view.editor.setPlainText(text.replace("max: 352", "max: 100", 1))
    view.report = None
    view.check()
    qtbot.waitUntil(lambda: view.report is not None, timeout=WAIT)
    assert not view.report.passed
    failed = [(r.column, r.rule) for r in view.report.failures]
    assert ("seats", "max") in failed

    # Broken YAML is refused and the file keeps its last good content.
    good = (demo_ws.root / "projects" / "churn-risk" / "data_contract.yaml").read_text()
    view.editor.setPlainText("columns: [unclosed")
    assert view.save() is False
    assert "Not saved" in view.status.text()
    assert (demo_ws.root / "projects" / "churn-risk" / "data_contract.yaml").read_text() == good


def test_stratified_split_is_stored_and_reproducible(qtbot, window, churn_csv):
    window.show_page(DATASETS)
    page = window.data
    _, version = _import(qtbot, window, churn_csv)
    view = page.split
    page.tabs.setCurrentWidget(view)
    view.stratify.setCurrentIndex(view.stratify.findData("churned"))
    view.make()
    qtbot.waitUntil(lambda: view.split is not None, timeout=WAIT)
    first = view.split
    assert first.train_rows + first.holdout_rows == version.rows
    assert view.strata.rowCount() == 2
    view.split = None
    view.make()
    qtbot.waitUntil(lambda: view.split is not None, timeout=WAIT)
    assert view.split.split_id == first.split_id
    assert view.split.holdout_rows == first.holdout_rows


def test_import_dialog_names_bad_rows_and_can_skip_them(qtbot, window, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,13\n", newline="")
    window.show_page(DATASETS)
    dialog = window.data.import_file(path)
    assert not dialog.skip_bad_rows.isChecked()  # refusing is the default
    qtbot.waitUntil(lambda: "line 3 has 2 fields" in dialog.error.text(), timeout=WAIT)
    assert "3 rows do not have as many fields as the header" in dialog.error.text()
    assert "tick 'Skip rows that do not fit the header'" in dialog.error.text()
    assert not dialog.import_button.isEnabled()
    dialog.skip_bad_rows.setChecked(True)  # the preview is read again, without those rows
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
    assert dialog.rows.rowCount() == 1 and dialog.error.text() == ""
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    version = blocker.args[0]
    assert version.rows == 1 and version.column_names == ["a", "b", "c"]
    assert version.skipped_rows["count"] == 3
    assert [e["line"] for e in version.skipped_rows["examples"]] == [3, 4, 5]
