"""The handle every long job takes: report progress, notice a cancel request.

A job is a plain function `fn(job: JobControl, ...)`. The GUI runs it on a worker thread and
shows its progress; the CLI and the tests run it directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised inside a job when the user asked it to stop."""


ProgressFn = Callable[[float, str], None]


class JobControl:
    def __init__(self, on_progress: ProgressFn | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in 0..1; also the place where a cancel request is honoured."""
        self.check()
        if self._on_progress is not None:
            self._on_progress(min(max(fraction, 0.0), 1.0), message)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")
