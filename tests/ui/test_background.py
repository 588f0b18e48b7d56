"""Background jobs: results, errors and cancels come back to the GUI thread; `Op` runs a
job as a sentence and `JobProgress` shows it with a Cancel button."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QPushButton, QWidget

from shipyard.core.jobs import JobControl
from shipyard.ui.jobs.background import BackgroundTask, job_hub
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress


def _count(job: JobControl, n: int, delay: float = 0.0) -> list[int]:
    seen = []
    for i in range(n):
        job.progress(i / n, f"step {i}")
        seen.append(threading.get_ident())
        time.sleep(delay)
    return seen


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    gui = QThread.currentThread()
    task = BackgroundTask(_count, 5)
    reports: list[tuple[float, str, bool]] = []
    task.progressed.connect(lambda f, m: reports.append((f, m, QThread.currentThread() is gui)))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        task.start()
    worker_threads = set(blocker.args[0])
    assert threading.get_ident() not in worker_threads  # the work ran elsewhere
    qtbot.waitUntil(lambda: len(reports) == 5)
    assert [m for _, m, _ in reports] == [f"step {i}" for i in range(5)]
    assert all(on_gui for *_, on_gui in reports)


def test_an_error_is_handed_back(qtbot):
    def boom(job: JobControl) -> None:
        raise ValueError("bad input in data.csv")

    task = BackgroundTask(boom)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.start()
    assert isinstance(blocker.args[0], ValueError)
    assert "data.csv" in str(blocker.args[0])


def test_cancel_stops_the_job_at_its_next_progress_report(qtbot):
    task = BackgroundTask(_count, 10_000, 0.001)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task.start()
        qtbot.waitUntil(lambda: task.running)
        task.cancel()
    qtbot.waitUntil(lambda: not task.running)


@pytest.mark.parametrize("cancel", [False, True])
def test_op_shows_progress_and_its_cancel_button_stops_it(qtbot, cancel: bool):
    parent = QWidget()
    qtbot.addWidget(parent)
    strip = JobProgress("count", parent=parent)
    parent.show()
    assert not strip.isVisible()  # idle: nothing shown
    outcome: list[object] = []
    task = (
        Op(parent, _count, 400, 0.002)
        .progress(strip, "Counting…")
        .success(lambda seen: outcome.append(len(seen)))
        .cancelled(lambda: outcome.append("cancelled"))
        .finally_(lambda: outcome.append("finally"))
        .run_in_background()
    )
    assert strip.isVisible() and strip.message.text() == "Counting…"
    assert task.running and strip.busy
    if cancel:
        qtbot.waitUntil(lambda: strip.bar.value() > 0)
        assert "step" in strip.message.text()
        button = strip.findChild(QPushButton)
        assert button is strip.cancel_button and button.text() == "Cancel"
        qtbot.mouseClick(button, Qt.LeftButton)
        assert strip.message.text() == "Cancelling…" and not button.isEnabled()
    qtbot.waitUntil(lambda: "finally" in outcome, timeout=10_000)
    assert outcome == (["cancelled", "finally"] if cancel else [400, "finally"])
    assert not task.running and not strip.isVisible() and not strip.busy


def test_esc_on_the_focused_strip_cancels_and_names_are_set(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    strip = JobProgress("gate run", parent=parent)
    parent.show()
    assert strip.accessibleName() == "Gate run progress"
    assert strip.cancel_button.objectName() == "cancelButton"
    assert strip.cancel_button.accessibleName() == "Cancel the gate run"
    assert strip.cancel_button.toolTip() == "Stop the gate run (Esc)"
    with qtbot.waitSignal(strip.cancelRequested, timeout=5000):
        task = Op(parent, _count, 10_000, 0.001).progress(strip).run_in_background()
        qtbot.waitUntil(lambda: strip.bar.value() > 0)
        qtbot.keyClick(strip.cancel_button, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not strip.busy, timeout=10_000)
    assert not task.running and task.outcome == "cancelled"


def test_a_failure_reaches_its_handler_and_hides_the_strip(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    strip = JobProgress("check", parent=parent)

    def boom(job: JobControl) -> None:
        job.progress(0.5, "half way")
        raise ValueError("bad value in data.csv")

    errors: list[BaseException] = []
    Op(parent, boom).progress(strip).failure(errors.append).run_in_background()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and "data.csv" in str(errors[0])
    assert not strip.isVisible()
    qtbot.waitUntil(lambda: not job_hub().running(), timeout=5000)


def test_a_strip_follows_the_job_it_tracked_last(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    strip = JobProgress("count", parent=parent)
    parent.show()
    first = Op(parent, _count, 2).progress(strip).run_in_background()
    second = Op(parent, _count, 400, 0.002).progress(strip).run_in_background()
    qtbot.waitUntil(lambda: first.outcome == "ok", timeout=5000)
    qtbot.waitUntil(lambda: strip.bar.value() > 0, timeout=5000)
    assert strip.isVisible() and strip.task is second  # the first one's end hid nothing
    strip.cancel()
    qtbot.waitUntil(lambda: not strip.busy, timeout=10_000)
    assert second.outcome == "cancelled" and not strip.isVisible()


def test_quick_jobs_never_flash_a_delayed_strip(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    strip = JobProgress("count", show_after_ms=300, parent=parent)
    parent.show()
    Op(parent, _count, 3).progress(strip).run_in_background()
    assert not strip.isVisible()
    qtbot.waitUntil(lambda: not strip.busy, timeout=5000)
    qtbot.wait(350)
    assert not strip.isVisible()
    slow = Op(parent, _count, 10_000, 0.001).progress(strip).run_in_background()
    qtbot.waitUntil(strip.isVisible, timeout=5000)
    strip.cancel()
    qtbot.waitUntil(lambda: not strip.busy, timeout=10_000)
    assert slow.outcome == "cancelled" and not strip.isVisible()


def test_garbage_is_collected_only_on_the_gui_thread(qapp, qtbot):
    import gc
    import weakref

    from shipyard.ui.jobs.gc_guard import install

    collector = install(qapp)
    assert not gc.isenabled()  # no collection can start on a worker thread

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    ref = weakref.ref(a)
    del a, b
    for _ in range(collector.threshold[0] + 1):
        Node()  # allocations push generation 0 past its threshold
    keep = [Node() for _ in range(collector.threshold[0] + 1)]
    qtbot.waitUntil(lambda: ref() is None, timeout=5000)  # the GUI-thread timer freed it
    assert keep


def test_quitting_the_app_stops_jobs_and_releases_the_workspace(qtbot, blank_ws):
    """Quit without closing the window (the desktop session ends): the running job is
    cancelled and waited for, then the lock goes, as closing the window would do."""
    from shipyard.ui.app import _stop_everything
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    assert session.open(blank_ws.root)
    lock = blank_ws.root / ".shipyard" / "lock.json"
    assert lock.exists()
    task = BackgroundTask(_count, 100_000, 0.001)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.start()
        qtbot.waitUntil(lambda: task.running)
        _stop_everything(session)
    assert not task.running and not job_hub().running()
    assert session.workspace is None and not lock.exists()
