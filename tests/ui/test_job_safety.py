"""Closing the window or switching workspace while a job runs: ask, then stop cleanly.

The long job is a stand-in that runs through the same machinery as training: a
BackgroundTask on the job thread whose work happens in a child process (job_process),
reporting its pid as progress and running until it is cancelled.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def _endless(job, ws, marker: str):  # runs in the child process
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    job.progress(0.0, f"pid {os.getpid()}")
    while True:
        time.sleep(0.02)
        job.check()


def _long_training(job, ws, marker: str):  # the job thread's side, as models_jobs.train
    from shipyard.ui.jobs.process import run_in_process

    return run_in_process(job, _endless, ws.root, marker)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start_training(qtbot, win, tmp_path: Path) -> tuple[object, int]:
    from shipyard.ui.jobs.background import BackgroundTask

    marker = tmp_path / "child.pid"
    task = BackgroundTask(_long_training, win.session.workspace, str(marker))
    task.kind = "training"
    with qtbot.waitSignal(win.jobStarted, timeout=5000) as started:
        task.start()
    assert started.args == ["training"]
    qtbot.waitUntil(lambda: marker.exists() and bool(marker.read_text()), timeout=30_000)
    pid = int(marker.read_text())
    assert _alive(pid)
    return task, pid


def _when_asked(act: Callable[[QMessageBox], None]) -> None:
    """Call `act(box)` once the next modal question is up."""

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, look)
            return
        assert box.objectName() == "stopJobDialog"
        act(box)

    QTimer.singleShot(0, look)


def _answer(qtbot, button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Answer the next modal question with `button`, keeping its text."""

    def click(box: QMessageBox) -> None:
        seen.append(box.text())
        box.button(button).click()

    _when_asked(click)


@pytest.fixture
def win(qtbot, demo_ws):
    from shipyard.ui.main_window import MainWindow
    from shipyard.ui.session import WorkspaceSession

    window = MainWindow(WorkspaceSession())
    qtbot.addWidget(window)
    assert window.open_workspace(demo_ws.root)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.session.close(notify=False)


def test_close_during_training_asks_then_stops_the_child_before_the_lock_goes(
    qtbot, win, demo_ws, tmp_path, capfd
):
    task, pid = _start_training(qtbot, win, tmp_path)
    lock = demo_ws.lock()
    seen: list[str] = []

    # No: the window stays, the job and its child go on, the lock is still ours.
    _answer(qtbot, QMessageBox.No, seen)
    win.close()
    assert seen == ["A training job is running. Stop it and close?"]
    assert win.isVisible()
    assert task.running and _alive(pid)
    assert lock.holder() is not None and lock.holder().pid == os.getpid()

    # Yes: the job is cancelled, the child exits, and only then is the lock released.
    alive_at_release: list[bool] = []
    release = win.session.close

    def close_session(*args, **kwargs):
        alive_at_release.append(_alive(pid))
        return release(*args, **kwargs)

    win.session.close = close_session
    outcomes: list[tuple[str, str]] = []
    win.jobFinished.connect(lambda kind, outcome: outcomes.append((kind, outcome)))
    _answer(qtbot, QMessageBox.Yes, seen)
    win.close()
    assert len(seen) == 2
    assert not win.isVisible()
    assert outcomes == [("training", "cancelled")]
    assert alive_at_release == [False]
    assert not _alive(pid)
    assert lock.holder() is None
    QApplication.processEvents()
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "Signal source has been deleted" not in err


def test_switching_workspace_during_a_job_asks(qtbot, win, demo_ws, blank_ws, tmp_path, capfd):
    task, pid = _start_training(qtbot, win, tmp_path)
    seen: list[str] = []
    _answer(qtbot, QMessageBox.No, seen)
    assert not win.open_workspace(blank_ws.root)
    assert seen == ["A training job is running. Stop it and switch workspace?"]
    assert win.session.workspace.root == demo_ws.root and _alive(pid)

    _answer(qtbot, QMessageBox.Yes, seen)
    assert win.open_workspace(blank_ws.root)
    assert win.session.workspace.root == blank_ws.root
    assert not task.running and not _alive(pid)
    assert demo_ws.lock().holder() is None
    err = capfd.readouterr().err
    assert "Traceback" not in err


def test_a_job_that_ends_while_the_question_is_up_needs_no_answer(qtbot, win):
    """The question is about a running job: once none runs, it goes away by itself and the
    window closes (a rehearsal re-run by a knob's debounce, say, ends in a second)."""
    import threading

    from shipyard.ui.jobs.background import BackgroundTask

    gate = threading.Event()

    def rehearsal(job):
        while not gate.wait(0.02):
            job.check()

    task = BackgroundTask(rehearsal)
    task.kind = "rehearsal"
    task.start()
    qtbot.waitUntil(lambda: task.running)
    asked: list[str] = []

    def end_the_job(box: QMessageBox) -> None:
        asked.append(box.text())
        gate.set()  # nobody answers: the job ends on its own

    _when_asked(end_the_job)
    win.close()
    assert asked == ["A rollout rehearsal is running. Stop it and close?"]
    assert not win.isVisible()
    assert not task.running and task.outcome == "ok"  # it finished, it was not cancelled
    assert QApplication.activeModalWidget() is None


def test_quick_reads_are_stopped_without_asking(qtbot, win):
    """A leaderboard read or a preview is nothing to ask about: close just waits for it."""
    import threading

    from shipyard.ui.jobs.background import BackgroundTask

    gate = threading.Event()

    def read(job):
        while not gate.wait(0.02):
            job.check()

    task = BackgroundTask(read)
    assert task.kind == "read"
    task.start()
    qtbot.waitUntil(lambda: task.running)
    win.close()  # no dialog: a modal question would block here
    assert not win.isVisible()
    assert not task.running


def test_window_reports_every_job_with_its_outcome(qtbot, win):
    from shipyard.core.errors import ShipyardError
    from shipyard.ui.jobs.background import BackgroundTask

    def ok(job):
        return 1

    def bad(job):
        raise ShipyardError("broken", fix="none")

    events: list[tuple] = []
    win.jobStarted.connect(lambda kind: events.append(("start", kind)))
    win.jobFinished.connect(lambda kind, outcome: events.append(("end", kind, outcome)))
    for fn in (ok, bad):
        task = BackgroundTask(fn)
        with qtbot.waitSignal(win.jobFinished, timeout=10_000):
            task.start()
    assert events == [
        ("start", "ok"),
        ("end", "ok", "ok"),
        ("start", "bad"),
        ("end", "bad", "failed"),
    ]
