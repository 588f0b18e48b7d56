"""Long commands: progress on a terminal, and Ctrl+C as a clean cancel.

Every long command (import, profile, train, sweep, gate, simulate, export, verify, ...) runs
its core job through `run_job`. The job runs on a worker thread while the main thread waits:
Ctrl+C lands on the waiting thread, never in the middle of a write, and becomes
`JobControl.cancel()`. The job stops at its next check and cleans up after itself (the core
builds files and folders aside and renames them into place last); `run_job` then raises
`JobCancelled`, whose one line says what was cancelled, and `shipyard.cli.commands.run`
prints it and exits with EXIT_CANCELLED.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from shipyard.core.jobs import JobControl

T = TypeVar("T")
EXIT_CANCELLED = 130  # what a shell reports for a command stopped by Ctrl+C (128 + SIGINT)


class ProgressLine:
    """` 42%  Converting x.csv to Parquet`, rewritten in place on stderr; silent when stderr
    is not a terminal, so logs and pipes get only the result. Callable as a JobControl
    progress."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.width = 0
        self.lock = threading.Lock()  # jobs report from their worker thread

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        text = f"{fraction * 100:3.0f}%  {message}"[:100]
        with self.lock:
            sys.stderr.write("\r" + text.ljust(self.width))
            sys.stderr.flush()
            self.width = max(self.width, len(text))

    def clear(self) -> None:
        with self.lock:
            if self.width:
                sys.stderr.write("\r" + " " * self.width + "\r")
                sys.stderr.flush()
                self.width = 0


class JobCancelled(KeyboardInterrupt):
    """Ctrl+C stopped the job at its next cancel point; `message` is the one line that says
    what was cancelled (and what, if anything, was kept). A KeyboardInterrupt, so a caller
    that does not handle it still ends the command with exit 130."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def run_job(work: Callable[[JobControl], T], *, cancelled: str | Callable[[], str]) -> T:
    """Run `work(job)` on a worker thread with progress on stderr; return its result.

    `cancelled` is the line to show when Ctrl+C stops the job, e.g. "cancelled: nothing was
    imported"; a callable is asked only then (to say what a partly done job kept). The
    first Ctrl+C prints "cancelling ..." and asks the job to stop; the worker is always
    waited for, so nothing is left running. Errors of the job are re-raised here.
    """
    from shipyard.core.jobs import Cancelled, JobControl

    line = ProgressLine()
    job = JobControl(line)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["result"] = work(job)
        except BaseException as exc:  # re-raised on the calling thread
            outcome["error"] = exc
        finally:
            done.set()

    # Wait on an Event, not Thread.join: on CPython 3.11 a Ctrl+C during join() can mark a
    # thread that is still running as finished (the bpo-45274 branch of
    # Thread._wait_for_tstate_lock sees the worker's own lock held and releases it).
    threading.Thread(target=target, name="shipyard-cli-job").start()
    while not done.is_set():
        try:
            done.wait(0.1)
        except KeyboardInterrupt:
            if not job.cancelled:
                line.clear()
                print("cancelling ...", file=sys.stderr, flush=True)
            job.cancel()
    line.clear()
    error = outcome.get("error")
    if isinstance(error, Cancelled):
        raise JobCancelled(cancelled() if callable(cancelled) else cancelled) from None
    if error is not None:
        raise error
    if job.cancelled:
        print("too late to cancel: the work had already finished", file=sys.stderr)
    return outcome["result"]
