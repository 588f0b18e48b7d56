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

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
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


def file_stamps(folder: Path | None, pattern: str) -> dict[str, tuple[int, int]]:
    """(mtime, size) of the files in `folder` matching `pattern`: compared before and after a
    cancelled job, they tell whether it had already committed its result."""
    if folder is None or not folder.is_dir():
        return {}
    stamps = {}
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):
            st = path.stat()
            stamps[path.name] = (st.st_mtime_ns, st.st_size)
    return stamps


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
    waited for, so nothing is left running or half-written (a later Ctrl+C says so).
    Errors of the job are re-raised here.
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

    presses = [0]  # Ctrl+C so far; the first cancels, later ones are answered

    def press() -> None:
        presses[0] += 1
        job.cancel()

    with _ctrl_c_calls(press):
        threading.Thread(target=target, name="shipyard-cli-job").start()
        answered = 0
        while not done.is_set():
            # Wait on an Event, not Thread.join: on CPython 3.11 a KeyboardInterrupt during
            # join() can mark a thread that is still running as finished (bpo-45274).
            try:
                done.wait(0.1)
            except KeyboardInterrupt:  # where SIGINT could not be routed to press()
                press()
            if presses[0] > answered:
                line.clear()
                print(
                    "cancelling ..."
                    if not answered
                    else "still cancelling: the job stops at its next check",
                    file=sys.stderr,
                    flush=True,
                )
                answered = presses[0]
    line.clear()
    error = outcome.get("error")
    if isinstance(error, Cancelled):
        raise JobCancelled(cancelled() if callable(cancelled) else cancelled) from None
    if error is not None:
        raise error
    if job.cancelled:
        print("too late to cancel: the work had already finished", file=sys.stderr)
    return outcome["result"]


@contextlib.contextmanager
def _ctrl_c_calls(press: Callable[[], None]) -> Iterator[None]:
    """While the job runs, SIGINT only calls `press` (no KeyboardInterrupt that could land
    anywhere on this thread, e.g. while the worker starts). Only on the main thread, and
    only where Ctrl+C has Python's default meaning (not ignored, no handler of the host)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    signal.signal(signal.SIGINT, lambda signum, frame: press())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
