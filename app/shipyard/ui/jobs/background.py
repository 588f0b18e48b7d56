"""Running a core job off the GUI thread, with progress, cancel, success and failure.

A job is a plain function `fn(job: JobControl, *args)` from shipyard.core. Its progress
reports arrive here on a worker thread and reach the window as queued signals, so widgets
are only ever touched on the GUI thread.

    task = BackgroundTask(import_file, ws, path, name)
    task.succeeded.connect(show_version)
    task.start()

Pages do not wire these signals by hand: they say what they want with `Op` (ui/jobs/op.py)
and show progress in a `JobProgress` (ui/jobs/progress.py).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from shipyard.core.jobs import Cancelled, JobControl

_LIVE: set[BackgroundTask] = set()

# What a job is, in the words the window uses ("A training job is running"). Jobs not
# named here are quick reads (a leaderboard, a preview) that nobody needs to be asked about.
KINDS: dict[str, str] = {
    "shipyard.ui.models.jobs.train": "training",
    "shipyard.ui.models.jobs.sweep": "training",
    "shipyard.ui.gates.tab._gate_job": "gates",
    "shipyard.ui.rollout.tab._rehearse_job": "rehearsal",
    "shipyard.ui.package.tab._export_job": "export",
    "shipyard.ui.data.import_dialog._import": "import",
    "shipyard.ui.package.verify._verify_job": "verify",
    "shipyard.ui.review.jobs.save": "review",
}
USER_JOBS = frozenset(KINDS.values())
OUTCOMES = ("ok", "failed", "cancelled")


def kind_of(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", type(fn).__name__)
    return KINDS.get(f"{getattr(fn, '__module__', '')}.{name}", name.strip("_"))


class JobHub(QObject):
    """Every background job's start and end, in one place (the window re-emits them)."""

    jobStarted = Signal(str)  # kind
    jobFinished = Signal(str, str)  # kind, outcome: ok / failed / cancelled
    idle = Signal()  # the last running job has finished

    def running(self) -> list[BackgroundTask]:
        return [task for task in _LIVE if shiboken6.isValid(task)]

    def user_jobs(self) -> list[str]:
        """Kinds of the running jobs someone started and would miss (training, export…)."""
        return sorted({t.kind for t in self.running() if t.kind in USER_JOBS})

    def cancel_all(self) -> None:
        for task in self.running():
            task.cancel()


_HUB: JobHub | None = None


def job_hub() -> JobHub:
    global _HUB
    if _HUB is None:
        _HUB = JobHub()
    return _HUB


class BackgroundTask(QObject):
    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self.job = JobControl(on_progress=self._progress)
        self.running = False
        self.kind = kind_of(fn)  # may be set before start()
        self.outcome = ""

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
        job_hub().jobStarted.emit(self.kind)
        (pool or job_pool()).start(self._runner)

    def _release(self) -> None:
        self._runner = None
        _LIVE.discard(self)
        hub = job_hub()
        hub.jobFinished.emit(self.kind, self.outcome or "failed")
        if not hub.running():
            hub.idle.emit()

    def cancel(self) -> None:
        self.job.cancel()

    def _run(self) -> None:  # on the worker thread
        try:
            result = self._fn(self.job, *self._args, **self._kwargs)
        except Cancelled:
            self.outcome = "cancelled"
            self._emit(self.cancelled)
        except Exception as exc:  # handed to the GUI thread, which shows it
            self.outcome = "failed"
            self._emit(self.failed, exc)
        else:
            self.outcome = "ok"
            self._emit(self.succeeded, result)
        finally:
            self.running = False
            self._emit(self.finished)

    def _progress(self, fraction: float, message: str) -> None:
        self._emit(self.progressed, fraction, message)

    def _emit(self, signal: Any, *args: Any) -> None:
        # The window waits for its jobs before it goes, but an app torn down another way
        # (a test, an interpreter exit) may delete the task under a still-running worker:
        # its answers then go nowhere instead of raising "Signal source has been deleted".
        if not shiboken6.isValid(self):
            return
        with contextlib.suppress(RuntimeError):
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
