"""One way for a page to run a long job: a sentence, not signal wiring.

    Op(self, _gate_job, ws, slug, run_id, user)
        .progress(self.progress_row, "Starting…")
        .success(self._succeeded)
        .failure(self._failed)
        .cancelled(self._cancelled)
        .finally_(self._finished)
        .run_in_background()

`fn(job, *args, **kwargs)` runs on the job thread (see `BackgroundTask`); every callback
runs on the GUI thread. The job's answers are tied to `parent`: once it is deleted they go
nowhere and the job is cancelled. `run_in_background` returns the started task (tests and
pages keep it to cancel it or to know whether it still runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from shipyard.ui.jobs.background import BackgroundTask

if TYPE_CHECKING:
    from shipyard.ui.jobs.progress import JobProgress


class Op:
    def __init__(self, parent: QObject, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._parent = parent
        self._task = BackgroundTask(fn, *args, **kwargs)
        self._strip: JobProgress | None = None
        self._message = ""
        self._on_progress: Callable[[float, str], Any] | None = None
        self._on_success: Callable[[Any], Any] | None = None
        self._on_failure: Callable[[BaseException], Any] | None = None
        self._on_cancel: Callable[[], Any] | None = None
        self._on_finish: Callable[[], Any] | None = None

    def kind(self, kind: str) -> Op:
        """What the window calls this job ("training"); by default it follows `fn`."""
        self._task.kind = kind
        return self

    def progress(self, strip: JobProgress | None, message: str = "") -> Op:
        """Show the job in `strip` (progress bar, message, Cancel) while it runs."""
        self._strip, self._message = strip, message
        return self

    def on_progress(self, fn: Callable[[float, str], Any]) -> Op:
        """Also hand each progress report (fraction, message) to `fn`."""
        self._on_progress = fn
        return self

    def success(self, fn: Callable[[Any], Any]) -> Op:
        """`fn(result)` once the job has returned."""
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], Any]) -> Op:
        """`fn(error)` when the job raised; without it the error is shown in a message box."""
        self._on_failure = fn
        return self

    def cancelled(self, fn: Callable[[], Any]) -> Op:
        """`fn()` once a cancelled job has cleaned up and stopped."""
        self._on_cancel = fn
        return self

    def finally_(self, fn: Callable[[], Any]) -> Op:
        """`fn()` after whichever of success, failure or cancel happened."""
        self._on_finish = fn
        return self

    def run_in_background(self) -> BackgroundTask:
        task = self._task
        task.owned_by(self._parent)
        if self._on_progress is not None:
            task.progressed.connect(self._on_progress)
        if self._on_success is not None:
            task.succeeded.connect(self._on_success)
        parent = self._parent
        task.failed.connect(self._on_failure or (lambda exc: _show_failure(parent, exc)))
        if self._on_cancel is not None:
            task.cancelled.connect(self._on_cancel)
        if self._strip is not None:
            self._strip.track(task, self._message)
        if self._on_finish is not None:
            # After the strip has hidden: a page re-enabling its buttons sees it idle.
            task.finished.connect(self._on_finish)
        task.start()
        return task


def _show_failure(parent: QObject, exc: BaseException) -> None:
    """The default failure: the error in words (no traceback), over the page that asked."""
    from PySide6.QtWidgets import QMessageBox, QWidget

    from shipyard.ui.error_text import describe_error

    QMessageBox.warning(parent if isinstance(parent, QWidget) else None, "Shipyard",
                        describe_error(exc))  # fmt: skip
