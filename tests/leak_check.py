"""What a test may not leave behind: running window jobs, threads and child processes.

Used by the autouse fixture `_no_leaked_work` in tests/conftest.py. Nothing here imports Qt:
jobs are looked up only when a test has loaded the window's job module.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

GRACE_S = 10.0  # a job cancelled at teardown cleans up first; on two busy cores too


@dataclass(frozen=True)
class Snapshot:
    """The threads and child processes that were there before the test."""

    threads: frozenset[threading.Thread]
    pids: frozenset[int]

    @classmethod
    def now(cls) -> Snapshot:
        return cls(frozenset(threading.enumerate()), frozenset(child_pids()))


def running_jobs() -> list:
    """The window's background jobs still running (none when no test loaded the UI)."""
    background = sys.modules.get("shipyard.ui.jobs.background")
    return background.job_hub().running() if background is not None else []


def child_pids() -> set[int]:
    """This process's running children: multiprocessing's, and with psutil every other
    one too, except multiprocessing's long-lived helpers (forkserver, resource tracker)."""
    pids = {p.pid for p in multiprocessing.active_children() if p.pid is not None}
    try:
        import psutil
    except ImportError:
        return pids
    forkserver = getattr(sys.modules.get("multiprocessing.forkserver"), "_forkserver", None)
    tracker = getattr(sys.modules.get("multiprocessing.resource_tracker"), "_resource_tracker",
                      None)  # fmt: skip
    helpers = {getattr(forkserver, "_forkserver_pid", None), getattr(tracker, "_pid", None)}
    for child in psutil.Process().children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and child.pid not in helpers:
                pids.add(child.pid)
        except psutil.Error:
            continue
    return pids


def leaks(before: Snapshot) -> list[str]:
    """What is running now that was not before the test, in words for the failure."""
    jobs = [f"background job {task.kind!r}" for task in running_jobs()]
    threads = [
        f"thread {t.name!r}"
        for t in threading.enumerate()
        if t not in before.threads and t.is_alive() and not t.daemon
    ]
    children = [f"child process {pid}" for pid in sorted(child_pids() - before.pids)]
    return jobs + threads + children


def settle(seconds: float, done: Callable[[], bool]) -> None:
    """Let queued job answers reach the GUI thread (when there is one) until `done()`."""
    qt = sys.modules.get("PySide6.QtWidgets")
    app = qt.QApplication.instance() if qt is not None else None
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        if app is not None:
            app.processEvents()
        time.sleep(0.02)


def wait_for_leaks(before: Snapshot, grace_s: float = GRACE_S) -> list[str]:
    """What is still running after up to `grace_s` seconds for it to end ([] when nothing)."""
    settle(grace_s, lambda: not leaks(before))
    return leaks(before)


def stop_leaked_work(grace_s: float = GRACE_S) -> None:
    """Cancel the jobs and kill multiprocessing's children a failed test left running."""
    background = sys.modules.get("shipyard.ui.jobs.background")
    if background is not None:
        background.job_hub().cancel_all()
        settle(grace_s, lambda: not running_jobs())
    for child in multiprocessing.active_children():
        child.kill()
        child.join(5)
