"""Garbage collection only on the GUI thread.

Python runs its cycle collector in whichever thread happens to allocate. If that is a
worker thread running a data job, it may destroy Qt objects (closed dialogs, old pages)
there, and Qt objects must die on the thread they live in: here that corrupted the heap
and crashed far from the cause. So automatic collection is switched off and a timer on
the GUI thread collects instead, with the same generational thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 50  # a job thread allocates fast: collect in small batches


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as gc would."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if c0 > t0:
            generation = 2 if c2 > t2 else 1 if c1 > t1 else 0
            if generation == 2 and _jobs_running():
                generation = 1  # a full pass (~150 ms with sklearn loaded) waits for idle
            gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


def _jobs_running() -> bool:
    from shipyard.ui.jobs.background import job_pool

    return job_pool().activeThreadCount() > 0


_INSTALLED: MainThreadCollector | None = None


def install(app: QObject) -> MainThreadCollector:
    """Install once per application (idempotent)."""
    global _INSTALLED
    if _INSTALLED is None:
        _INSTALLED = MainThreadCollector(app)
    return _INSTALLED
