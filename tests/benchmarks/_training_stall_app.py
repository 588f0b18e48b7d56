"""One measured process for training_stall.py: a Qt window that trains while a timer probes.

    python _training_stall_app.py WORKSPACE VERSION_REF OUT.json [--order idle,train]
        [--idle-s 5] [--families trees] [--via auto|models-tab|thread] [--diagnose]
        [--trace-c-calls]

Sets up the application as Shipyard does (offscreen here; garbage collected only on the GUI
thread), shows a small window with a progress bar, and runs two phases in `--order`:

  idle   the probe alone for `--idle-s` seconds (the reference)
  train  the Models tab's own training job (`shipyard.ui.models.jobs.train`, which may hand
         the work to a child process) or, with `--via thread` or where the tab has no such
         job, `train_ladder` itself; run by `BackgroundTask` on the job pool as the tab
         starts it, progress shown in the window. The phase ends when the task's `finished`
         reaches the GUI thread. `--families` (default the whole ladder) picks the rungs.

The probe is a 5 ms precise QTimer; every tick stamps `perf_counter`, and the gaps between
ticks are the event loop's stalls. The longest gaps of the train phase are labelled with the
progress message that was current when they began, so a stall points at a training step.
`--diagnose` also records, after every stall over 40 ms, where the other threads stand (the
code that just let go of the GIL); `--trace-c-calls` runs the training thread under a profile
hook that records every C call lasting 20 ms or more. Garbage collections of 10 ms or more
are always recorded with the thread they ran on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PROBE_MS = 5
LONG_C_CALL_S = 0.02


def _gaps(ticks: list[float]) -> list[tuple[float, float]]:
    """(start, gap seconds) between consecutive ticks."""
    return [(a, b - a) for a, b in itertools.pairwise(ticks)]


def _summary(ticks: list[float], marks: list[tuple[float, str]] | None = None) -> dict[str, Any]:
    import numpy as np

    gaps = _gaps(ticks)
    values = np.array([g for _, g in gaps]) if gaps else np.zeros(1)
    out: dict[str, Any] = {
        "ticks": len(ticks),
        "seconds": (ticks[-1] - ticks[0]) if len(ticks) > 1 else 0.0,
        "max_ms": float(values.max() * 1000),
        "p99_ms": float(np.percentile(values, 99) * 1000),
        "p50_ms": float(np.median(values) * 1000),
        "over_50ms": int((values > 0.05).sum()),
    }
    if marks is not None:
        worst = sorted(gaps, key=lambda sg: -sg[1])[:8]
        labelled = []
        for start, gap in worst:
            current = [m for t, m in marks if t <= start]
            labelled.append(
                {"ms": round(gap * 1000, 1), "during": current[-1] if current else "(start)"}
            )
        out["worst"] = labelled
    return out


def _profile_hook(found: list[dict[str, Any]]) -> Any:
    starts: dict[int, float] = {}

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event == "c_call":
            starts[id(arg)] = time.perf_counter()
        elif event in ("c_return", "c_exception"):
            began = starts.pop(id(arg), None)
            if began is not None:
                took = time.perf_counter() - began
                if took >= LONG_C_CALL_S:
                    found.append(
                        {
                            "at": began,
                            "ms": round(took * 1000, 1),
                            "call": getattr(arg, "__qualname__", repr(arg)),
                            "module": getattr(arg, "__module__", None) or "",
                            "caller": f"{frame.f_code.co_filename}:{frame.f_lineno}",
                        }
                    )

    return hook


def _models_tab_train() -> Any:
    """The Models tab's training job (`fn(job, ws, slug, ref, target, ...)`), if it has one."""
    try:
        from shipyard.ui.models import jobs as models_jobs
    except ImportError:
        return None
    return getattr(models_jobs, "train", None)


def _worker_stack(now: float, gap: float) -> dict[str, Any]:
    """Where the other threads are right after a stall: the code that just let go of the GIL."""
    import threading
    import traceback

    me = threading.get_ident()
    stacks = {}
    for ident, frame in sys._current_frames().items():
        if ident != me:
            stack = traceback.extract_stack(frame)[-6:]
            stacks[str(ident)] = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in stack]
    return {"at": now - gap, "ms": round(gap * 1000, 1), "stacks": stacks}


def _gc_pauses(found: list[dict[str, Any]]) -> Any:
    """A gc callback recording every collection of 10 ms or more and the thread it ran on."""
    import threading

    began: list[float] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[:] = [time.perf_counter()]
        elif began:
            took = time.perf_counter() - began[0]
            if took >= 0.01:
                found.append(
                    {
                        "at": began[0],
                        "ms": round(took * 1000, 1),
                        "generation": info.get("generation"),
                        "thread": threading.current_thread().name,
                    }
                )

    return callback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace")
    parser.add_argument("version")
    parser.add_argument("out")
    parser.add_argument("--order", default="idle,train")
    parser.add_argument("--idle-s", type=float, default=5.0)
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--target", default="label")
    parser.add_argument("--families", default="", help="comma-separated; default: the ladder")
    parser.add_argument(
        "--via",
        choices=["auto", "models-tab", "thread"],
        default="auto",
        help="models-tab: the Models tab's own training job; thread: train_ladder on the job "
        "thread; auto: the Models tab's job when it has one",
    )
    parser.add_argument("--diagnose", action="store_true")
    parser.add_argument("--trace-c-calls", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget

    from shipyard.core.training import train_ladder
    from shipyard.core.workspace.workspace import Workspace
    from shipyard.ui.jobs.background import BackgroundTask, job_pool
    from shipyard.ui.jobs.gc_guard import install

    app = QApplication(sys.argv[:1])
    install(app)
    window = QWidget()
    layout = QVBoxLayout(window)
    label = QLabel("ready")
    bar = QProgressBar()
    bar.setRange(0, 1000)
    layout.addWidget(label)
    layout.addWidget(bar)
    window.resize(480, 120)
    window.show()

    ws = Workspace.open(args.workspace)
    ticks: list[float] = []
    probe = QTimer(interval=PROBE_MS)
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    stalls_seen: list[dict[str, Any]] = []

    def tick() -> None:
        now = time.perf_counter()
        if args.diagnose and ticks and now - ticks[-1] > 0.04:
            stalls_seen.append(_worker_stack(now, now - ticks[-1]))
        ticks.append(now)

    probe.timeout.connect(tick)
    phases = args.order.split(",")
    families = args.families.split(",") if args.families else None
    results: dict[str, Any] = {}
    marks: list[tuple[float, str]] = []
    long_calls: list[dict[str, Any]] = []
    errors: list[str] = []
    gc_pauses: list[dict[str, Any]] = []
    import gc

    gc.callbacks.append(_gc_pauses(gc_pauses))

    tab_train = _models_tab_train() if args.via != "thread" else None
    if args.via == "models-tab" and tab_train is None:
        print("the Models tab has no training job (shipyard.ui.models.jobs.train)", file=sys.stderr)
        return 2
    results["via"] = "models-tab" if tab_train is not None else "thread"

    def job(jc: Any) -> Any:
        if tab_train is not None:  # the Models tab's job: whatever it does, we measure
            return tab_train(
                jc,
                ws,
                args.slug,
                args.version,
                args.target,
                user="bench",
                families=families,
                features=None,
                folds=None,
                include_pii=False,
            )
        if args.trace_c_calls:
            sys.setprofile(_profile_hook(long_calls))
        try:
            return train_ladder(
                ws, args.slug, args.version, args.target, user="bench", job=jc, families=families
            )
        finally:
            sys.setprofile(None)

    def begin(phase: str) -> None:
        ticks.clear()
        probe.start()
        ticks.append(time.perf_counter())
        if phase == "idle":
            QTimer.singleShot(round(args.idle_s * 1000), lambda: end(phase))
            return
        marks.clear()
        marks.append((time.perf_counter(), "starting"))
        task = BackgroundTask(job).owned_by(window)

        def progressed(fraction: float, message: str) -> None:
            marks.append((time.perf_counter(), message))
            bar.setValue(round(fraction * 1000))
            label.setText(message)

        task.progressed.connect(progressed)
        task.failed.connect(lambda exc: errors.append(f"{type(exc).__name__}: {exc}"))
        task.finished.connect(lambda: end(phase))
        task.start()

    def end(phase: str) -> None:
        probe.stop()
        ticks.append(time.perf_counter())
        results[phase] = _summary(list(ticks), marks if phase == "train" else None)
        if phases:
            QTimer.singleShot(0, lambda: begin(phases.pop(0)))
        else:
            app.quit()

    QTimer.singleShot(0, lambda: begin(phases.pop(0)))
    app.exec()
    job_pool().waitForDone()
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    t0 = marks[0][0] if marks else 0.0
    for item in [*long_calls, *gc_pauses, *stalls_seen]:
        item["at"] = round(item["at"] - t0, 3)  # seconds after the training started
    results["gc_pauses"] = gc_pauses
    if args.trace_c_calls:
        results["long_c_calls"] = long_calls
    if args.diagnose:
        results["stall_stacks"] = stalls_seen
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
