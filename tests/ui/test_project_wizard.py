"""The New Project wizard's data page: a file is read, its target guessed and shown, and the
wizard only finishes with a file it could read (or none)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from shipyard.core.training.target_guess import TARGET_NAMES, guess_target
from shipyard.ui.project.wizard import ProjectWizard


def test_a_telling_name_wins_over_the_last_column() -> None:
    assert guess_target(["id", "Churned", "plan"]) == (
        "Churned", "its name, “Churned”, usually means the label"
    )  # fmt: skip
    assert guess_target(["target", "label"])[0] == "target"  # the more telling name first
    assert guess_target(["a", "b", "cultivar"]) == (
        "cultivar", "it is the last column, where tables usually keep the label"
    )  # fmt: skip
    with pytest.raises(ValueError):
        guess_target([])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), min_size=1, max_size=12))
def test_the_guess_is_always_one_of_the_columns(columns: list[str]) -> None:
    column, why = guess_target(columns)
    assert column in columns and why
    if not {c.lower() for c in columns} & set(TARGET_NAMES):
        assert column == columns[-1]


@pytest.fixture
def wizard(qtbot: Any) -> ProjectWizard:
    wizard = ProjectWizard(owner="Ann")
    qtbot.addWidget(wizard)
    wizard.resize(720, 520)
    wizard.show()
    qtbot.keyClicks(wizard.title, "Churn")
    wizard.next()
    assert wizard.currentPage() is wizard.data_page
    return wizard


def _finish(wizard: ProjectWizard) -> Any:
    return wizard.button(QWizard.WizardButton.FinishButton)


def test_no_file_is_fine_and_finish_is_offered(wizard: ProjectWizard) -> None:
    assert _finish(wizard).isVisible() and _finish(wizard).isEnabled()
    assert wizard.data_choice() is None


def test_a_csv_is_read_and_its_target_guessed_and_shown(
    qtbot: Any, wizard: ProjectWizard, tmp_path: Path, artifacts: Path
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("customer_id,plan,seats,churned\n1,pro,3,true\n2,free,1,false\n", "utf-8")
    page = wizard.data_page
    with qtbot.waitSignal(page.columnsRead, timeout=20_000):
        page.path.setText(str(csv))
    assert _finish(wizard).isEnabled()
    assert wizard.data_choice() == (csv, "churned")
    assert "Target <b>churned</b>, guessed because its name" in page.note.text()
    assert "4 columns" in page.note.text()
    QApplication.processEvents()
    wizard.grab().save(str(artifacts / "wizard_data_page.png"))
    # The user's own pick is kept and said plainly.
    page.target.setCurrentIndex(page.target.findData("plan"))
    assert wizard.data_choice() == (csv, "plan")
    assert "guessed" not in page.note.text()


@pytest.mark.parametrize(
    ("name", "says"),
    [("missing.csv", "No file at"), ("notes.xlsx", "Not a data file")],
)
def test_a_file_that_cannot_be_read_blocks_finish_and_says_why(
    qtbot: Any, wizard: ProjectWizard, tmp_path: Path, name: str, says: str
) -> None:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        path.write_bytes(b"PK\x03\x04")
    page = wizard.data_page
    with qtbot.waitSignal(page.columnsRead, timeout=20_000):
        page.path.setText(str(path))
    assert says in page.note.text()
    assert not _finish(wizard).isEnabled() and wizard.data_choice() is None
    page.path.clear()  # changing one's mind: no file again, Finish again
    assert _finish(wizard).isEnabled()


@pytest.fixture
def blank_window(qtbot: Any, blank_ws: Any) -> Any:
    from window_helpers import open_window

    with open_window(qtbot, blank_ws.root) as win:
        yield win


def test_a_failed_import_keeps_the_project_and_says_what_to_do(
    qtbot: Any, blank_window: Any, blank_ws: Any, tmp_path: Path
) -> None:
    """The file went away between the wizard and the import: the project stays, the window
    says the data was not imported and where to import it; nothing is linked."""
    from PySide6.QtWidgets import QMessageBox

    from shipyard.core.data import project_links

    win = blank_window
    slug = win.session.create_project("Churn", {})
    win.show_project(slug)
    with qtbot.waitSignal(win.jobFinished, timeout=30_000) as ended:
        win.import_for_project(slug, tmp_path / "gone.csv", "churned")
    assert ended.args == ["import", "failed"]
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert "was not imported" in box.text() and "gone.csv" in box.text()
    assert "Datasets page (Ctrl+I)" in box.informativeText()
    box.close()
    assert slug in win.session.slugs() and project_links(blank_ws, slug) == []
    qtbot.waitUntil(lambda: win.statusBar().findChild(QWidget, "windowJobProgress") is None)
