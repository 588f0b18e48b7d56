"""The one progress/cancel strip every long job shows: a bar, the job's latest message and
a Cancel button. It hides while no job runs; Esc cancels while the focus is inside it.

    self.job_progress = JobProgress("gate run", cancel_tip="Stop the gate run (Esc)")
    Op(self, run_gates, ws, slug).progress(self.job_progress, "Starting…")...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

if TYPE_CHECKING:
    from shipyard.ui.jobs.background import BackgroundTask

STEPS = 1000


class JobProgress(QWidget):
    """Progress and Cancel for the job it tracks (`track`), hidden while idle.

    `what` names the job for people and screen readers ("gate run" gives "Gate run
    progress" and "Cancel the gate run"). `cancellable=False` leaves the Cancel button out,
    for a dialog whose own Cancel button stops the job. With `show_after_ms`, a job that
    ends sooner never flashes the strip (a rehearsal re-run on every knob move).
    """

    cancelRequested = Signal()  # the user pressed Cancel or Esc while a job ran

    def __init__(
        self,
        what: str,
        *,
        cancel_tip: str = "",
        cancelling: str = "Cancelling…",
        cancellable: bool = True,
        show_after_ms: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.what = what
        self.cancelling_text = cancelling
        self.task: BackgroundTask | None = None
        name = what[:1].upper() + what[1:]
        self.setAccessibleName(f"{name} progress")
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setAccessibleName(f"{name} progress")
        self.message = QLabel()
        self.message.setObjectName("pageSubtitle")  # the theme's quiet secondary text
        self.message.setAccessibleName(f"{name} status")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(f"Cancel the {what}")
        self.cancel_button.setToolTip(cancel_tip or f"Stop the {what} (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setVisible(cancellable)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.message, 1)
        row.addWidget(self.cancel_button)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setInterval(show_after_ms)
        self._show_timer.timeout.connect(self._appear)
        self.hide()

    @property
    def busy(self) -> bool:
        """A tracked job is under way (until its end reaches the GUI thread)."""
        return self.task is not None

    def track(self, task: BackgroundTask, message: str = "") -> None:
        """Show `task`'s progress until it finishes; call before `task.start()`. A task
        tracked later takes the strip over: the earlier one's reports are then ignored."""
        self.task = task
        self.bar.setValue(0)
        self.message.setText(message)
        self.cancel_button.setEnabled(True)
        task.progressed.connect(self._progressed)
        # Hidden as the answer arrives (a page reading its result sees the strip gone), and
        # at the latest when the job has finished, whatever happened to its answers. Bound
        # methods, not lambdas: a deleted strip is disconnected by Qt.
        for answer in (task.succeeded, task.failed, task.cancelled):
            answer.connect(self._answered)
        task.finished.connect(self._finished)
        if self._show_timer.interval() > 0:
            self._show_timer.start()
        else:
            self._appear()

    def cancel(self) -> bool:
        """Ask the tracked job to stop at its next check; False when none runs."""
        task = self.task
        if task is None or not task.running:
            return False
        self.message.setText(self.cancelling_text)
        self.cancel_button.setEnabled(False)
        task.cancel()
        self.cancelRequested.emit()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.cancel():
            event.accept()
            return
        super().keyPressEvent(event)

    def _appear(self) -> None:
        if self.task is not None:
            self.show()

    def _current(self) -> bool:
        """The signal being handled comes from the tracked task (not an earlier one)."""
        return self.task is not None and self.sender() is self.task

    def _progressed(self, fraction: float, message: str) -> None:
        if not self._current():
            return
        self.bar.setValue(round(fraction * STEPS))
        if message and self.cancel_button.isEnabled():  # "Cancelling…" stays once asked
            self.message.setText(message)

    def _answered(self, *_: object) -> None:
        if self._current():
            self._idle()

    def _finished(self) -> None:
        if self._current():
            self._idle()
            self.task = None

    def _idle(self) -> None:
        self._show_timer.stop()
        self.hide()
        self.message.clear()
        self.cancel_button.setEnabled(True)
