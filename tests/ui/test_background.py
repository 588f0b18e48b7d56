"""Background jobs: results, errors and cancels come back to the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QPushButton, QWidget

from shipyard.core.jobs import JobControl
from shipyard.ui.jobs.background import BackgroundTask, run_with_progress


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
def test_progress_dialog_runs_and_cancels(qtbot, cancel: bool):
    parent = QWidget()
    qtbot.addWidget(parent)
    task = BackgroundTask(_count, 400, 0.002)
    signal = task.cancelled if cancel else task.succeeded
    with qtbot.waitSignal(signal, timeout=10_000):
        dialog = run_with_progress(parent, "Counting…", task)
        if cancel:
            qtbot.waitUntil(lambda: dialog.value() > 0)
            button = dialog.findChild(QPushButton)
            assert button.text() == "Cancel"
            qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not task.running)


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
