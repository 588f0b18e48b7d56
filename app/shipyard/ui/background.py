"""Running a core job off the GUI thread, with progress, cancel, success and failure.

A job is a plain function `fn(job: JobControl, *args)` from shipyard.core. Its progress
reports arrive here on a worker thread and reach the window as queued signals, so widgets
are only ever touched on the GUI thread.

    task = BackgroundTask(import_file, ws, path, name)
    task.succeeded.connect(show_version)
    task.start()            # or: run_with_progress(parent, "Importing…", task)
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from shipyard.core.jobs import Cancelled, JobControl

_PROGRESS_STEPS = 1000
_LIVE: set[BackgroundTask] = set()


class BackgroundTask(QObject):
    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self.job = JobControl(on_progress=self.progressed.emit)
        self.running = False

    def owned_by(self, owner: QObject) -> BackgroundTask:
        """Tie the task's answers to `owner`: once the owner is deleted they go nowhere.

        The task itself is never deleted while its job runs (the worker thread still
        emits through it); it only stops delivering.
        """
        owner.destroyed.connect(self._orphan)
        return self

    def _orphan(self, *_: Any) -> None:  # on the GUI thread
        # A signal with no receivers left makes PySide warn (or raise, by version); either
        # way there is nothing to disconnect.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for signal in (self.progressed, self.succeeded, self.failed, self.cancelled):
                with contextlib.suppress(RuntimeError, TypeError, SystemError):
                    signal.disconnect()
        self.job.cancel()

    def start(self, pool: QThreadPool | None = None) -> None:
        """Run on `pool`, by default the single job thread (see `job_pool`)."""
        self.running = True
        # Kept alive here until `finished` reaches the GUI thread, so the QObject is only
        # ever deleted on the thread it lives in, after the worker is done with it.
        _LIVE.add(self)
        self.finished.connect(self._release)
        # The runner is not auto-deleted: the pool would destroy it (and its Python
        # wrapper) on the worker thread, which corrupted memory; it is dropped with the
        # task on the GUI thread instead.
        self._runner = _Runner(self)
        self._runner.setAutoDelete(False)
        (pool or job_pool()).start(self._runner)

    def _release(self) -> None:
        self._runner = None
        _LIVE.discard(self)

    def cancel(self) -> None:
        self.job.cancel()

    def _run(self) -> None:  # on the worker thread
        try:
            result = self._fn(self.job, *self._args, **self._kwargs)
        except Cancelled:
            self._emit(self.cancelled)
        except Exception as exc:  # handed to the GUI thread, which shows it
            self._emit(self.failed, exc)
        else:
            self._emit(self.succeeded, result)
        finally:
            self.running = False
            self._emit(self.finished)

    def _emit(self, signal: Any, *args: Any) -> None:
        signal.emit(*args)


_POOL: QThreadPool | None = None


def job_pool() -> QThreadPool:
    """One worker thread for every data job, so jobs never overlap (as Anki does for its
    database): DuckDB, Arrow and scipy work one job at a time, the window stays free."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(1)
    return _POOL


class _Runner(QRunnable):
    def __init__(self, task: BackgroundTask) -> None:
        super().__init__()
        self.task = task  # keeps the task alive until it has finished

    def run(self) -> None:
        self.task._run()


def run_with_progress(parent: QWidget, title: str, task: BackgroundTask) -> QProgressDialog:
    """Start `task` behind a window-modal progress dialog whose Cancel stops it."""
    dialog = QProgressDialog(title, "Cancel", 0, _PROGRESS_STEPS, parent)
    dialog.setWindowTitle("Shipyard")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(300)  # quick jobs never flash a dialog
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)

    def progressed(fraction: float, message: str) -> None:
        dialog.setValue(round(fraction * _PROGRESS_STEPS))
        if message:
            dialog.setLabelText(f"{title}\n{message}")

    task.progressed.connect(progressed)
    dialog.canceled.connect(task.cancel)
    task.finished.connect(dialog.close)
    task.finished.connect(dialog.deleteLater)
    task.start()
    return dialog
