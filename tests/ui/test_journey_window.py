"""From a CSV to a signed, verified package, by the window, the way a new user does it.

scikit-learn's breast cancer table, written as a CSV with its own feature names ("mean
radius", string labels "malignant" / "benign"), goes through the real window on a blank
workspace: the New Project wizard, the Datasets page's import dialog, "Use in project", the
Models tab (target, Train, Promote with a reason), the Gates tab (Run gates with the default
policy), the Package tab (Generate card, Keys…, Export package…, Verify package…). Every step
is a click, a key or a typed field on the widgets a user sees; modal dialogs are answered as
they come up. The outcome is checked on disk: the zip verifies, the card inside agrees with the
gate report inside, and the gate report's run is the champion.

The command-line version of this journey is tests/test_journey_real_tables.py.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QTabBar,
    QWidget,
)

from real_tables import write_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "packaging"))
from pkg_helpers import MemoryKeyring
from window_helpers import open_window

WAIT = 60_000  # two shared cores: training and gates may take a while


@pytest.fixture
def blank_window(qtbot: Any, blank_ws: Any, memory_keyring: MemoryKeyring) -> Iterator[Any]:
    """The main window on a blank workspace (no project, no data), with a fixed 'today'."""
    with open_window(qtbot, blank_ws.root) as win:
        win.activateWindow()
        yield win


class User:
    """Clicks, keys, typed fields and choices on real widgets, counted for the report."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.count: Counter[str] = Counter()
        self.errors: list[BaseException] = []  # raised while answering a modal dialog

    def click(self, widget: QWidget, pos: QPoint | None = None) -> None:
        assert widget.isVisible() and widget.isEnabled(), widget
        if pos is None:
            self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        else:
            self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
        self.count["clicks"] += 1

    def key(self, widget: QWidget, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier):  # type: ignore[no-untyped-def]
        window = widget.window()
        shortcut = modifier != Qt.KeyboardModifier.NoModifier
        if shortcut and QApplication.activeWindow() is not window:
            # A window manager gives the window back its focus when a dialog closes; the
            # offscreen platform has none, so do what it would before a shortcut.
            window.activateWindow()
            self.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        widget.setFocus()
        self.qtbot.keyClick(widget, key, modifier)
        self.count["keys"] += 1

    def type(self, field: QLineEdit, text: str) -> None:
        assert field.isVisible() and field.isEnabled(), field
        field.setFocus()
        field.selectAll()
        self.qtbot.keyClicks(field, text)
        self.count["typed fields"] += 1

    def paste(self, field: QLineEdit, text: str) -> None:
        """Paste `text` over the field's content (Ctrl+A, Ctrl+V)."""
        assert field.isVisible() and field.isEnabled(), field
        field.setFocus()
        field.selectAll()
        field.insert(text)
        self.count["typed fields"] += 1

    def pick(self, combo: QComboBox, data: Any) -> None:
        """Open the combo box and choose the entry holding `data`, as a click would."""
        index = combo.findData(data)
        assert index >= 0, [combo.itemData(i) for i in range(combo.count())]
        assert combo.isVisible() and combo.isEnabled()
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
        self.count["choices"] += 1

    def tab(self, bar: QTabBar, title: str) -> None:
        titles = [bar.tabText(i) for i in range(bar.count())]
        self.click(bar, bar.tabRect(titles.index(title)).center())

    def sidebar(self, sidebar: QListWidget, key: str) -> None:
        for i in range(sidebar.count()):
            item = sidebar.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                self.click(sidebar.viewport(), sidebar.visualItemRect(item).center())
                return
        raise AssertionError(f"no sidebar entry {key}")

    def accept(self, button: QAbstractButton) -> None:
        self.click(button)
        self.count["dialog accepts"] += 1

    def raise_errors(self) -> None:
        if self.errors:
            raise self.errors[0]

    # -- modal dialogs --------------------------------------------------------------------
    def modal(self, kind: type, timeout: int = WAIT) -> Any:
        """The modal dialog of type `kind` once it is up (one opened with open())."""
        self.qtbot.waitUntil(
            lambda: isinstance(QApplication.activeModalWidget(), kind), timeout=timeout
        )
        return QApplication.activeModalWidget()

    def answer_next(self, kind: type, answer: Callable[[Any], None]) -> list[bool]:
        """Answer the next modal dialog of type `kind` while a call blocks in its exec()."""
        done: list[bool] = []
        errors = self.errors

        def poll(tries: int = 0) -> None:
            dialog = QApplication.activeModalWidget()
            if isinstance(dialog, kind):
                try:
                    answer(dialog)
                    done.append(True)
                except BaseException as exc:  # fail the test, never leave it hanging
                    errors.append(exc)
                    dialog.reject()
            elif tries < 600:
                QTimer.singleShot(50, lambda: poll(tries + 1))

        QTimer.singleShot(0, poll)
        return done


def _button(box: QDialogButtonBox, which: QDialogButtonBox.StandardButton) -> Any:
    button = box.button(which)
    assert button is not None
    return button


def test_a_new_user_goes_from_csv_to_a_verified_package_in_the_window(
    qtbot: Any, blank_window: Any, blank_ws: Any, tmp_path: Path, artifacts: Path
) -> None:
    from shipyard.core.packaging.verify import verify_package
    from shipyard.core.signing.keys import active_key, public_key_pem
    from shipyard.core.training.champion import current_champion
    from shipyard.ui.data.import_dialog import ImportDialog
    from shipyard.ui.gates.tab import GatesTab
    from shipyard.ui.models.run_dialogs import PromoteDialog
    from shipyard.ui.models.tab import ModelsTab
    from shipyard.ui.package.dialogs import ExportDialog, KeysDialog
    from shipyard.ui.package.tab import PackageTab
    from shipyard.ui.package.verify import VerifyDialog
    from shipyard.ui.project.wizard import ProjectWizard

    win, user = blank_window, User(qtbot)
    csv_path, target, kind = write_table("breast_cancer", tmp_path)
    assert (target, kind) == ("diagnosis", "binary")
    assert not win.session.rows  # a blank workspace: no project yet

    # 1. New Project (Ctrl+N): the wizard, typed in, Next, Finish.
    def fill_wizard(wizard: ProjectWizard) -> None:
        user.type(wizard.title, "Breast cancer triage")
        user.type(wizard.outcome, "Flag likely malignant biopsies for a second read")
        user.click(wizard.button(ProjectWizard.WizardButton.NextButton))
        user.accept(wizard.button(ProjectWizard.WizardButton.FinishButton))

    answered = user.answer_next(ProjectWizard, fill_wizard)
    user.key(win, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    user.raise_errors()
    qtbot.waitUntil(lambda: bool(answered) and bool(win.session.rows), timeout=WAIT)
    slug = win.session.rows[0].slug
    assert slug == "breast-cancer-triage"
    assert win.current_slug() == slug  # the new project opens

    # 2. Datasets page: Import data… → the file dialog → the import dialog → Import.
    user.sidebar(win.sidebar, "__datasets__")
    page = win.data
    assert win.pages.currentWidget() is page

    def choose_file(dialog: QFileDialog) -> None:
        # Typed key by key, each "/" makes the dialog's completer jump folders and its
        # popup takes the Return; a pasted path is what people do.
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        user.paste(name, str(csv_path))
        user.key(name, Qt.Key.Key_Return)

    answered = user.answer_next(QFileDialog, choose_file)
    import_button = page.empty.findChild(QAbstractButton) if page.body.currentIndex() else None
    user.click(import_button or page.import_button)
    user.raise_errors()
    importer = user.modal(ImportDialog)
    assert answered
    qtbot.waitUntil(lambda: importer.import_button.isEnabled(), timeout=WAIT)
    assert importer.name.text() == "breast_cancer"
    assert "31 columns" in importer.info.text()
    with qtbot.waitSignal(importer.imported, timeout=WAIT) as imported:
        user.accept(importer.import_button)
    version = imported.args[0]
    assert version.rows == 569 and "mean radius" in version.column_names
    qtbot.waitUntil(lambda: page.version is not None and page.version.ref == version.ref)

    # 3. "Use in project": the one project is offered.
    assert page.link_combo.currentData() == slug
    user.click(page.link_button)
    assert "used by " + slug in page.lineage.text()

    # 4. The project's Models tab: target, Train (Ctrl+T), wait, promote the best run.
    user.sidebar(win.sidebar, slug)
    user.tab(win.project_page.tabs.tabBar(), "Models")
    models = win.project_page.tab("models")
    assert isinstance(models, ModelsTab) and models.isVisible()
    assert models.body.currentIndex() == 0  # the linked version is there, no "No data" card
    assert models.setup.dataset.currentData() == version.ref
    user.pick(models.setup.target, target)
    qtbot.waitUntil(lambda: models.setup.choice() is not None, timeout=WAIT)
    assert "Binary classification" in models.setup.kind.text()
    assert {f for f, box in models.setup.families.items() if box.isChecked()} == {
        "dummy", "linear", "trees"
    }  # fmt: skip
    user.key(models, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert models.busy
    qtbot.waitUntil(lambda: not models.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: models.model.rowCount() == 3, timeout=WAIT)
    assert not models.message.text().startswith("⚠"), models.message.text()
    best = models.model.rows[0]
    assert best.family != "dummy"
    assert models.selected_run_ids() == [best.run_id]  # the best run is selected
    user.click(models.promote_button)
    promote = user.modal(PromoteDialog)
    user.type(promote.reason, "best ROC AUC on the holdout; beats the dummy")
    user.accept(promote.ok)
    qtbot.waitUntil(lambda: "champion ★" in models.board_note.text(), timeout=WAIT)
    champion = current_champion(blank_ws, slug)
    assert champion == best.run_id

    # 5. Gates tab: the champion is selected; Run gates (Ctrl+G) with the default policy.
    #    A new project has no model card yet, and the default policy requires one: the
    #    first run fails on that alone and says where to fix it.
    bar = win.project_page.tabs.tabBar()
    user.tab(bar, "Gates")
    gates = win.project_page.tab("gates")
    assert isinstance(gates, GatesTab) and gates.isVisible()
    assert gates.selected_run() == champion
    assert "★ champion" in gates.run_combo.currentText()

    def run_gates() -> Any:
        user.key(gates, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
        assert gates.task is not None
        qtbot.waitUntil(lambda: gates.task is None and gates.report is not None, timeout=WAIT)
        return gates.report

    first = run_gates()
    failed = {c.id for c in first.checks if c.verdict == "fail"}
    assert first.verdict == "fail" and failed == {"model_card"}, failed
    assert "FAIL" in gates.banner.text() and "card" in gates.banner.text().lower()

    # 6. The banner's own fix: write the model card from the run, gate it again: PASS.
    assert gates.fix_button.isVisible()
    with qtbot.waitSignal(gates.session.projectArtifactsChanged, timeout=WAIT):
        user.click(gates.fix_button)
    qtbot.waitUntil(
        lambda: gates.task is None and gates.report is not None and gates.report.passed,
        timeout=WAIT,
    )
    report = gates.report
    assert report.run_id == champion and report.passed
    warned = {c.id for c in report.checks if c.verdict == "warn"}
    assert {c.id for c in report.checks if c.verdict == "fail"} == set()
    # No data contract was inferred: the one advisory check warns, nothing required fails.
    assert report.verdict == ("warn" if warned else "pass") and warned <= {"data_contract"}
    assert "PASS" in gates.banner.text()

    # 7. Package tab: Keys… → Generate key, Export package…, Verify package….
    user.tab(bar, "Package")
    package = win.project_page.tab("package")
    assert isinstance(package, PackageTab) and package.isVisible()
    assert package.run_id() == champion
    assert "## " in package.card.text()  # the card the gate fix wrote
    assert "No signing key" in package.key_label.text()
    assert "PASSED" in package.gate_label.text() and "NOT" not in package.gate_label.text()

    user.click(package.keys_button)
    keys_dialog = user.modal(KeysDialog)
    assert keys_dialog.keyring_usable  # the in-memory keyring: no passphrase prompt
    user.click(keys_dialog.generate_button)
    assert "Generated key" in keys_dialog.message.text(), keys_dialog.message.text()
    close = next(b for b in keys_dialog.findChildren(QAbstractButton) if b.text() == "Close")
    user.accept(close)
    qtbot.waitUntil(lambda: not keys_dialog.isVisible())
    key = active_key(blank_ws)
    assert key is not None and key.key_id in package.key_label.text()

    user.click(package.export_button)
    export = user.modal(ExportDialog)
    assert "passed" in export.gate.text()
    assert export.key_combo.currentData().key_id == key.key_id
    out_dir = Path(export.out.text())
    with qtbot.waitSignal(package.session.projectArtifactsChanged, timeout=WAIT):
        user.accept(_button(export.buttons, QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: package.task is None and package.last_result is not None, timeout=WAIT)
    result = package.last_result
    assert "Exported" in package.message.text(), package.message.text()
    zip_path = Path(result.zip_path)
    assert zip_path.is_file() and zip_path.parent == out_dir

    user.click(package.verify_button)
    verify = user.modal(VerifyDialog)
    assert verify.path.text() == str(zip_path)  # the package just exported
    user.click(verify.verify_button)
    qtbot.waitUntil(lambda: verify.result is not None, timeout=WAIT)
    assert verify.result.ok, verify.result.message
    assert "VERIFIED" in verify.verdict.text()
    assert verify.details.isVisible()
    user.key(verify.path, Qt.Key.Key_Escape)  # Esc closes the dialog
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)

    # The outcome, checked on disk with the core, not the window.
    checked = verify_package(zip_path, public_key_pem(blank_ws, key.key_id))
    assert checked.ok, checked.message
    with zipfile.ZipFile(zip_path) as zf:
        names = {Path(n).name: n for n in zf.namelist()}
        card = zf.read(names["model_card.md"]).decode("utf-8")
        gate = json.loads(zf.read(names["gate_report.json"]))
        manifest = json.loads(zf.read(names["manifest.json"]))
    assert gate["run_id"] == champion == current_champion(blank_ws, slug)
    assert gate["passed"] and gate["verdict"] == report.verdict
    assert gate["model_sha256"] == report.model_sha256
    assert gate["model_sha256"] == manifest["files"]["model.onnx"]
    assert gate["model_sha256"] in card
    assert "Gate verdict: fail" not in card and "not been gated" not in card
    assert "pass" in card.lower()
    for check in gate["checks"]:
        assert check["id"] in card or check["title"] in card

    # What the user sees at the end: the Package tab, rendered for people to look at.
    QApplication.processEvents()
    path = artifacts / "journey_window_package.png"
    assert package.grab().save(str(path))
    print(f"\njourney interactions: {dict(user.count)} → {path}")
