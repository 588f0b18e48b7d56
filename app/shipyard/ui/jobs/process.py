"""Run a CPU-heavy core job in a child process, so it never holds the window's GIL.

Training spends long stretches in C code that keeps Python's GIL (data conversion, tree
fitting), which starved the GUI thread for 100-250 ms at a time. The job thread now only
waits on a queue: the child runs `fn(job, ws, *args)` on its own copy of the workspace and
sends progress, the result, or the error back. Cancel sets an event the child's JobControl
honours, so the core cleans up (no half-written run) before the child exits.

Children come from a forkserver whose process imports the training stack once, so only
the first job of a session pays for the imports, and `prewarm` starts it while the user is
still setting up the task (the first Train then answers in ~0.1 s instead of ~2 s). Where
forkserver does not exist (Windows, macOS by default), spawn is used.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import Cancelled, JobControl

PRELOAD = ["shipyard.core.training", "shipyard.core.data", "sklearn.ensemble", "skl2onnx"]
POLL_S = 0.05
CHILD_NICENESS = 10
_CONTEXT: Any = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in mp.get_all_start_methods():
            _CONTEXT = mp.get_context("forkserver")
            _CONTEXT.set_forkserver_preload(PRELOAD)
        else:
            _CONTEXT = mp.get_context("spawn")
    return _CONTEXT


def prewarm() -> threading.Thread | None:
    """Start the forkserver and its imports in the background, ahead of the first job.

    Returns the starting thread (None where children are spawned: nothing to warm).
    """
    if _context().get_start_method() != "forkserver":
        return None

    def start() -> None:
        from multiprocessing import forkserver

        # Best effort: the first job starts the server itself if this did not.
        with contextlib.suppress(Exception):
            forkserver.ensure_running()

    thread = threading.Thread(target=start, name="forkserver-prewarm", daemon=True)
    thread.start()
    return thread


def run_in_process(job: JobControl, fn: Callable[..., Any], root: Path, *args: Any,
                   **kwargs: Any) -> Any:  # fmt: skip
    """`fn(job, Workspace.open(root), *args, **kwargs)` in a child process; returns its result.

    `fn` must be a module-level function and its arguments and result picklable. Progress
    reaches `job`; `job.cancel()` stops the child at its next check and raises Cancelled
    here once the child has cleaned up. A user error comes back as ShipyardError.
    """
    ctx = _context()
    answers = ctx.Queue()
    # A shared flag, not an Event: Event.set() waits for its sleepers to wake, and a child
    # that already exited never does.
    stop = ctx.Value("b", 0, lock=False)
    child = ctx.Process(target=_child, args=(answers, stop, fn, str(root), args, kwargs),
                        daemon=True)  # fmt: skip
    child.start()
    try:
        return _relay(job, child, answers, stop)
    finally:
        stop.value = 1
        child.join(timeout=5)
        if child.is_alive():  # a child that ignores the cancel is not left behind
            child.kill()
            child.join()
        answers.close()


def _relay(job: JobControl, child: Any, answers: Any, stop: Any) -> Any:
    cancelling = False
    while True:
        if job.cancelled and not cancelling:
            cancelling = True
            stop.value = 1  # the child cleans up and answers "cancelled"
        try:
            kind, *payload = answers.get(timeout=POLL_S)
        except queue.Empty:
            if not child.is_alive() and answers.empty():
                raise ShipyardError(
                    f"the training process stopped unexpectedly (exit code {child.exitcode})",
                    fix="try again; if it keeps stopping, train from the command line "
                    "(shipyard train) to see the full message",
                ) from None
            continue
        if kind == "progress":
            if not cancelling:
                with contextlib.suppress(Cancelled):  # noticed on the next loop
                    job.progress(*payload)
        elif kind == "done":
            return payload[0]
        elif kind == "cancelled":
            raise Cancelled("cancelled by the user")
        elif kind == "error":
            message, file, fix = payload
            raise ShipyardError(message, file=file, fix=fix)
        elif kind == "crash":
            raise RuntimeError(payload[0])


def _child(answers: Any, stop: Any, fn: Callable[..., Any], root: str, args: tuple,
           kwargs: dict) -> None:  # fmt: skip
    from shipyard.core.workspace.workspace import Workspace

    if hasattr(os, "nice"):
        # Below the window's priority: on a busy machine the window is served first, and
        # the training's OpenMP threads take only what the window leaves.
        with contextlib.suppress(OSError):
            os.nice(CHILD_NICENESS)
    job = JobControl(on_progress=lambda f, m: answers.put(("progress", f, m)))

    def watch() -> None:
        while not stop.value:
            time.sleep(POLL_S)
        job.cancel()

    threading.Thread(target=watch, daemon=True).start()
    from threadpoolctl import threadpool_limits

    # Leave a core to the window: niceness alone does not stop OpenMP threads spinning on
    # every core from starving the GUI thread of a 2-core laptop.
    threads = max(1, (os.cpu_count() or 2) - 1)
    try:
        with threadpool_limits(threads):
            result = fn(job, Workspace.open(root), *args, **kwargs)
    except Cancelled:
        answers.put(("cancelled",))
    except ShipyardError as exc:
        answers.put(("error", exc.message, str(exc.file) if exc.file else None, exc.fix))
    except BaseException as exc:  # the parent shows it; no traceback for the user
        answers.put(("crash", f"{type(exc).__name__}: {exc}"))
    else:
        answers.put(("done", result))
