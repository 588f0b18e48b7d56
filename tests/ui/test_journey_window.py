"""From a CSV to a rehearsed, signed, verified package, by the window, the way a new user
does it: once with the mouse, once with the keyboard alone.

scikit-learn's breast cancer table, written as a CSV with its own feature names ("mean
radius", string labels "malignant" / "benign"), goes through the real window on a blank
workspace: the New Project wizard (its data page imports the file, links it and picks the
target), the Models tab (Train, Promote with a reason), the next-step buttons (Run the gates,
the gate failure's own fix, Rehearse the rollout, Export package), the export dialog (its
inline "Create a signing key"), and Verify. Widgets are found only by objectName, waits are on
public signals (the main window's jobStarted/jobFinished) or what the user sees; nothing
private is touched. The interactions are counted (a typed field 1, each click or key 1, each
dialog accept 1) and must stay within 25. The outcome is checked on disk: the zip verifies,
the card inside agrees with the gate report inside, and the gate report's run is the
champion.

The command-line version of this journey is tests/test_journey_real_tables.py.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

from real_tables import write_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "packaging"))
from pkg_helpers import MemoryKeyring
from window_helpers import open_window

WAIT = 90_000  # two shared cores: training and gates may take a while
MAX_INTERACTIONS = 25
OUTCOME = "Flag likely malignant biopsies for a second read"


@pytest.fixture
def blank_window(qtbot: Any, blank_ws: Any, memory_keyring: MemoryKeyring) -> Iterator[Any]:
    """The main window on a blank workspace (no project, no data), with a fixed 'today'."""
    with open_window(qtbot, blank_ws.root) as win:
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
        yield win  # closed with its own last jobs ended (window_helpers._settle)


def find(root: QWidget, kind: type, name: str, *, shown: bool = True) -> Any:
    """The widget called `name` under `root` (its objectName, as a script finds it); a page
    just shown names its controls as the event loop turns, so give it a moment."""
    deadline = time.monotonic() + 5
    widget = root.findChild(kind, name)
    while widget is None and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
        widget = root.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name!r} in {root.objectName()!r}"
    if shown:
        assert widget.isVisible(), f"{name!r} is not shown"
    return widget


class Jobs:
    """What the window says about its jobs (its public jobFinished signal)."""

    def __init__(self, win: Any) -> None:
        self.started: list[str] = []
        self.finished: list[tuple[str, str]] = []
        win.jobStarted.connect(self.started.append)
        win.jobFinished.connect(lambda kind, outcome: self.finished.append((kind, outcome)))

    def idle(self) -> bool:
        """Every job the window announced has ended (a re-rehearsal after the export…)."""
        return len(self.finished) >= len(self.started)

    def mark(self, kind: str) -> Callable[[], tuple[str, str] | None]:
        """A probe for the next `kind` job to end after now: None until it has."""
        seen = sum(k == kind for k, _ in self.finished)

        def ended() -> tuple[str, str] | None:
            mine = [(k, o) for k, o in self.finished if k == kind]
            return mine[seen] if len(mine) > seen else None

        return ended


class User:
    """Clicks, keys and typed fields on real widgets, counted for the report."""

    def __init__(self, qtbot: Any, jobs: Jobs) -> None:
        self.qtbot = qtbot
        self.jobs = jobs
        self.count: Counter[str] = Counter()
        self.errors: list[BaseException] = []  # raised while answering a modal dialog

    @property
    def total(self) -> int:
        return sum(self.count.values())

    def click(self, widget: QWidget) -> None:
        assert widget.isVisible() and widget.isEnabled(), widget.objectName()
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        self.count["clicks"] += 1

    def accept(self, button: QAbstractButton) -> None:
        """A dialog's accept button (OK, Finish, Export…): one interaction."""
        assert button.isVisible() and button.isEnabled(), button.objectName()
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.count["dialog accepts"] += 1

    def key(self, widget: QWidget, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier):  # type: ignore[no-untyped-def]
        window = widget.window()
        if QApplication.activeModalWidget() is None and QApplication.activeWindow() is not window:
            # A window manager gives the window back its focus when a dialog closes; the
            # offscreen platform has none, so do what it would before a shortcut.
            window.activateWindow()
            self.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        self.qtbot.keyClick(widget, key, modifier)
        self.count["keys"] += 1

    def paste(self, field: QLineEdit, text: str) -> None:
        """Paste `text` over the field's content, as people enter a path."""
        assert field.isVisible() and field.isEnabled(), field.objectName()
        field.setFocus()
        field.selectAll()
        field.insert(text)
        self.count["typed fields"] += 1

    def type(self, field: QLineEdit, text: str) -> None:
        assert field.isVisible() and field.isEnabled(), field.objectName()
        field.setFocus()
        field.selectAll()
        self.qtbot.keyClicks(field, text)
        self.count["typed fields"] += 1

    def wait_job(self, ended: Callable[[], tuple[str, str] | None]) -> None:
        self.qtbot.waitUntil(lambda: ended() is not None, timeout=WAIT)
        assert ended() is not None and ended()[1] == "ok", ended()  # type: ignore[index]

    def modal(self, name: str) -> QWidget:
        """The modal dialog called `name`, once it is up (one opened with open())."""
        self.qtbot.waitUntil(
            lambda: getattr(QApplication.activeModalWidget(), "objectName", str)() == name,
            timeout=WAIT,
        )
        return QApplication.activeModalWidget()

    def answer_next(self, name: str, answer: Callable[[Any], None]) -> list[bool]:
        """Answer the next modal dialog called `name` while a call blocks in its exec()."""
        done: list[bool] = []
        errors = self.errors

        def poll(tries: int = 0) -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is not None and dialog.objectName() == name:
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

    def raise_errors(self) -> None:
        if self.errors:
            raise self.errors[0]


class Keyboard(User):
    """The same user without a mouse: keys go to the widget that has the focus."""

    def focused(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier) -> QWidget:
        widget = self.focused()
        self.qtbot.keyClick(widget, key, modifier)
        self.count["keys"] += 1
        return widget

    def write(self, text: str) -> QWidget:
        widget = self.focused()
        assert isinstance(widget, QLineEdit), f"typing into {widget.objectName()!r}"
        self.qtbot.keyClicks(widget, text)
        self.count["typed fields"] += 1
        return widget

    def focus_on(self, name: str, *, tabs: int = 12) -> QWidget:
        """Tab (at most `tabs` times) until the control called `name` has the focus."""
        for _ in range(tabs + 1):
            if self.focused().objectName() == name:
                return self.focused()
            self.press(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reached {name!r} (at {self.focused().objectName()!r})")

    def await_focus(self, win: QWidget, name: str) -> QWidget:
        """Wait until the window's focus is on the control called `name` (the offscreen
        platform may drop the window's activation when a tab is first built; a window
        manager would not, so it is given back, as in `back_to`)."""
        self.qtbot.waitUntil(
            lambda: win.focusWidget() is not None and win.focusWidget().objectName() == name,
            timeout=WAIT,
        )
        self.back_to(win)
        assert self.focused().objectName() == name
        return self.focused()

    def back_to(self, win: QWidget) -> None:
        """A window manager gives the window back its focus when a dialog closes; the
        offscreen platform has none, so do what it would (no key is pressed)."""
        self.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT)
        QApplication.processEvents()
        if QApplication.activeWindow() is not win:
            win.activateWindow()
            self.qtbot.waitUntil(lambda: QApplication.activeWindow() is win)


def _project_tab(win: Any) -> tuple[QTabWidget, str]:
    tabs = find(win, QTabWidget, "projectTabs")
    return tabs, tabs.tabText(tabs.currentIndex())


def _check_package_on_disk(ws: Any, slug: str, zip_path: Path) -> None:
    """The outcome, checked with the core, not the window."""
    from shipyard.core.gates.report import load_report
    from shipyard.core.packaging.verify import verify_package
    from shipyard.core.signing.keys import active_key, public_key_pem
    from shipyard.core.training.champion import current_champion

    key = active_key(ws)
    assert key is not None
    checked = verify_package(zip_path, public_key_pem(ws, key.key_id))
    assert checked.ok, checked.message
    with zipfile.ZipFile(zip_path) as zf:
        names = {Path(n).name: n for n in zf.namelist()}
        card = zf.read(names["model_card.md"]).decode("utf-8")
        gate = json.loads(zf.read(names["gate_report.json"]))
        manifest = json.loads(zf.read(names["manifest.json"]))
    champion = current_champion(ws, slug)
    assert gate["run_id"] == champion
    report = load_report(ws, slug, champion)
    assert report is not None and report.passed
    assert gate["passed"] and gate["verdict"] == report.verdict
    assert gate["model_sha256"] == report.model_sha256
    assert gate["model_sha256"] == manifest["files"]["model.onnx"]
    assert gate["model_sha256"] in card
    assert "Gate verdict: fail" not in card and "not been gated" not in card
    assert "pass" in card.lower()
    for check in gate["checks"]:
        assert check["id"] in card or check["title"] in card


def _the_new_project(win: Any, ws: Any, jobs_ended: Callable[[], Any], user: User) -> str:
    """After the wizard: the data is imported and linked, the project is on its Models tab
    with the target the wizard showed, the task detected: ready to train."""
    user.wait_job(jobs_ended)
    slugs = [p.name for p in ws.projects_dir.iterdir() if p.is_dir()]
    assert slugs == ["breast-cancer-triage"], slugs
    tabs, title = _project_tab(win)
    assert title == "Models"
    models = tabs.currentWidget()
    target = find(models, QComboBox, "target")
    assert target.currentData() == "diagnosis"
    dataset = find(models, QComboBox, "dataset")
    assert dataset.currentData() == "breast_cancer@v1"
    return slugs[0]


def _wait_ready_to_train(qtbot: Any, models: QWidget, user: User, detected: Any) -> None:
    """The task is detected from the target (a job of its own): Train is enabled."""
    user.wait_job(detected)
    train = find(models, QAbstractButton, "trainButton")
    qtbot.waitUntil(train.isEnabled, timeout=WAIT)


def _wait_best_selected(qtbot: Any, models: QWidget) -> None:
    """After training, the leaderboard selects its best run (rank 1) for the user."""
    from PySide6.QtWidgets import QTableView

    table = find(models, QTableView, "table")

    def best_selected() -> bool:
        rows = table.selectionModel().selectedRows()
        return len(rows) == 1 and rows[0].siblingAtColumn(0).data() in (1, "1")

    qtbot.waitUntil(best_selected, timeout=WAIT)


def _check_champion_is_the_best(qtbot: Any, ws: Any, slug: str) -> None:
    """On disk: the promoted run is the board's best by validation score, not the dummy."""
    from shipyard.core.training.champion import current_champion
    from shipyard.core.training.leaderboard import leaderboard

    qtbot.waitUntil(lambda: current_champion(ws, slug) is not None, timeout=WAIT)
    best = leaderboard(ws, slug).rows[0]
    assert current_champion(ws, slug) == best.run_id and best.family != "dummy", best


def test_a_new_user_goes_from_csv_to_a_verified_package_in_the_window(
    qtbot: Any, blank_window: Any, blank_ws: Any, tmp_path: Path, artifacts: Path
) -> None:
    win = blank_window
    jobs = Jobs(win)
    user = User(qtbot, jobs)
    csv_path, target, kind = write_table("breast_cancer", tmp_path)
    assert (target, kind) == ("diagnosis", "binary")
    assert not win.session.rows  # a blank workspace: no project yet

    # 1. New Project (Ctrl+N): a title and outcome, Next, the CSV (its target is guessed and shown), Finish.
    def fill_wizard(wizard: QWidget) -> None:
        user.type(find(wizard, QLineEdit, "titleEdit"), "Breast cancer triage")
        # The outcome becomes the model card's intended use: the gates want it filled.
        user.type(find(wizard, QLineEdit, "outcomeEdit"), OUTCOME)
        user.click(find(wizard, QAbstractButton, "wizardNextButton"))
        user.paste(find(wizard, QLineEdit, "dataFileEdit"), str(csv_path))
        finish = find(wizard, QAbstractButton, "wizardFinishButton")
        qtbot.waitUntil(finish.isEnabled, timeout=WAIT)
        combo = find(wizard, QComboBox, "targetCombo")
        assert combo.currentData() == "diagnosis"
        assert "guessed" in find(wizard, QLabel, "dataFileNote").text()
        user.accept(finish)

    answered = user.answer_next("projectWizard", fill_wizard)
    imported, detected = jobs.mark("import"), jobs.mark("detect")
    user.key(win, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    user.raise_errors()
    assert answered
    slug = _the_new_project(win, blank_ws, imported, user)
    models = _project_tab(win)[0].currentWidget()
    _wait_ready_to_train(qtbot, models, user, detected)

    # 2. Train (Ctrl+T); the best run is selected: Promote, with a reason.
    trained = jobs.mark("training")
    user.key(models, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    user.wait_job(trained)
    promote = find(models, QAbstractButton, "promoteButton")
    qtbot.waitUntil(promote.isEnabled, timeout=WAIT)
    _wait_best_selected(qtbot, models)
    user.click(promote)
    dialog = user.modal("promoteDialog")
    user.type(find(dialog, QLineEdit, "reason"), "best ROC AUC on the holdout; beats the dummy")
    user.accept(find(dialog, QAbstractButton, "ok"))
    _check_champion_is_the_best(qtbot, blank_ws, slug)

    # 3. The banner's next step: Run the gates. The new project has no model card, which
    #    the default policy requires: the failure's own button writes it and gates again.
    next_gates = find(models, QAbstractButton, "nextGatesButton")
    assert win.grab().save(str(artifacts / "journey_window_promoted.png"))
    gated = jobs.mark("gates")
    user.click(next_gates)
    user.wait_job(gated)
    tabs, title = _project_tab(win)
    assert title == "Gates"
    gates = tabs.currentWidget()
    banner = find(gates, QLabel, "gateBanner")
    assert "FAIL" in banner.text() and "card" in banner.text().lower()
    gated = jobs.mark("gates")
    user.click(find(gates, QAbstractButton, "fixCardButton"))
    user.wait_job(gated)
    assert "PASS" in banner.text(), banner.text()

    # 4. Rehearse the rollout, then on to the export from the rehearsal's banner.
    rehearsed = jobs.mark("rehearsal")
    user.click(find(gates, QAbstractButton, "nextRolloutButton"))
    user.wait_job(rehearsed)
    tabs, title = _project_tab(win)
    assert title == "Rollout"
    rollout = tabs.currentWidget()
    next_export = find(rollout, QAbstractButton, "nextExportButton")

    # 5. Export: the dialog makes the signing key inline; Export signs and zips.
    user.click(next_export)
    export = user.modal("exportDialog")
    assert "passed" in find(export, QLabel, "exportGate").text()
    user.click(find(export, QAbstractButton, "makeKeyButton"))
    key = find(export, QComboBox, "exportKeyCombo").currentData()
    assert key is not None
    exported = jobs.mark("export")
    user.accept(find(export, QAbstractButton, "exportOkButton"))
    user.wait_job(exported)
    tabs, title = _project_tab(win)
    assert title == "Package"
    package = tabs.currentWidget()
    assert "Exported" in find(package, QLabel, "packageMessage").text()
    assert key.key_id in find(package, QLabel, "packageKeyLabel").text()  # not "No key"

    # 6. Verify: the package just exported is verified as the dialog opens; Esc closes.
    verified = jobs.mark("verify")
    user.click(find(package, QAbstractButton, "verifyButton"))
    verify = user.modal("verifyDialog")
    user.wait_job(verified)
    assert "VERIFIED" in find(verify, QLabel, "verdictBanner").text()
    assert find(verify, QTabWidget, "verifyDetails").isVisible()
    zip_path = Path(find(verify, QLineEdit, "packagePathEdit").text())
    user.key(verify, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)

    _check_package_on_disk(blank_ws, slug, zip_path)
    qtbot.waitUntil(jobs.idle, timeout=WAIT)
    QApplication.processEvents()
    path = artifacts / "journey_window_package.png"
    assert package.grab().save(str(path))
    print(f"\njourney interactions: {dict(user.count)}, {user.total} in all → {path}")
    assert user.total <= MAX_INTERACTIONS, dict(user.count)


def test_the_same_journey_with_the_keyboard_alone(
    qtbot: Any, blank_window: Any, blank_ws: Any, tmp_path: Path
) -> None:
    """No mouse: every key goes to the focused widget (Tab, Return, Space, shortcuts and
    typed text), so each step is reachable by focus order, default buttons or shortcuts."""
    win = blank_window
    jobs = Jobs(win)
    kb = Keyboard(qtbot, jobs)
    csv_path, _target, _kind = write_table("breast_cancer", tmp_path)

    # The wizard: the title field has the focus; Return is Next; the data page's field has
    # the focus; the typed path is read, the target guessed; Alt+F is Finish.
    def fill_wizard(wizard: QWidget) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() in wizard.findChildren(QWidget))
        assert kb.focused().objectName() == "titleEdit"
        kb.write("Breast cancer triage")
        kb.press(Qt.Key.Key_Tab)
        assert kb.focused().objectName() == "outcomeEdit"
        kb.write(OUTCOME)
        kb.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: kb.focused().objectName() == "dataFileEdit")
        kb.write(str(csv_path))
        finish = find(wizard, QAbstractButton, "wizardFinishButton")
        qtbot.waitUntil(finish.isEnabled, timeout=WAIT)
        assert find(wizard, QComboBox, "targetCombo").currentData() == "diagnosis"
        kb.press(Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)

    answered = kb.answer_next("projectWizard", fill_wizard)
    imported, detected = jobs.mark("import"), jobs.mark("detect")
    kb.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    kb.raise_errors()
    assert answered
    slug = _the_new_project(win, blank_ws, imported, kb)
    models = _project_tab(win)[0].currentWidget()
    _wait_ready_to_train(qtbot, models, kb, detected)
    kb.back_to(win)
    # The project opened on its Models tab; the focus is somewhere in the window (the
    # sidebar it was in, else the tab bar), never nowhere: Ctrl+T trains from there.
    assert kb.focused().window() is win and kb.focused().isVisible()

    trained = jobs.mark("training")
    kb.press(Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    kb.wait_job(trained)
    promote = find(models, QAbstractButton, "promoteButton")
    qtbot.waitUntil(promote.isEnabled, timeout=WAIT)
    _wait_best_selected(qtbot, models)
    kb.press(Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    kb.modal("promoteDialog")
    qtbot.waitUntil(lambda: kb.focused().objectName() == "reason")
    kb.write("best ROC AUC on the holdout")
    kb.press(Qt.Key.Key_Return)  # the dialog's default button: Promote
    kb.back_to(win)
    _check_champion_is_the_best(qtbot, blank_ws, slug)

    # Each banner's next step takes the focus once the step before it succeeded: Space.
    kb.await_focus(win, "nextGatesButton")
    gated = jobs.mark("gates")
    kb.press(Qt.Key.Key_Space)
    kb.wait_job(gated)
    kb.await_focus(win, "fixCardButton")
    gated = jobs.mark("gates")
    kb.press(Qt.Key.Key_Space)
    kb.wait_job(gated)
    kb.await_focus(win, "nextRolloutButton")
    rehearsed = jobs.mark("rehearsal")
    kb.press(Qt.Key.Key_Space)
    kb.wait_job(rehearsed)
    assert _project_tab(win)[1] == "Rollout"
    kb.await_focus(win, "nextExportButton")
    kb.press(Qt.Key.Key_Space)
    export = kb.modal("exportDialog")
    qtbot.waitUntil(lambda: kb.focused().objectName() == "makeKeyButton")
    kb.press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: kb.focused().objectName() == "exportOkButton")
    assert find(export, QComboBox, "exportKeyCombo").currentData() is not None
    exported = jobs.mark("export")
    kb.press(Qt.Key.Key_Return)
    kb.wait_job(exported)
    kb.back_to(win)

    verified = jobs.mark("verify")
    kb.press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    verify = kb.modal("verifyDialog")
    kb.wait_job(verified)
    assert "VERIFIED" in find(verify, QLabel, "verdictBanner").text()
    zip_path = Path(find(verify, QLineEdit, "packagePathEdit").text())
    kb.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)

    _check_package_on_disk(blank_ws, slug, zip_path)
    qtbot.waitUntil(jobs.idle, timeout=WAIT)
    print(f"\nkeyboard journey: {dict(kb.count)}, {kb.total} in all, no mouse")
