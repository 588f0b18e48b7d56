"""The demo-day presentation: full screen, one slide at a time, a countdown per team.

Keys (a presenter clicker sends the same ones): →, PgDn, Space, ↓ next; ←, PgUp,
Backspace, ↑ back; Home/End first/last; B or . blanks the screen (again to come back);
Esc leaves. The footer shows the slide counter and the current team's countdown, which
turns amber in its last fifth and red once the time is up (then it counts the overtime).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import JobControl
from shipyard.core.review.deck import Deck
from shipyard.core.workspace.workspace import Workspace
from shipyard.ui.present.slide_painter import MUTED, TONES, SlidePainter

NEXT = {Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_Space, Qt.Key.Key_Down}
BACK = {Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace, Qt.Key.Key_Up}
BLANK = {Qt.Key.Key_B, Qt.Key.Key_Period}
AMBER = "#bf8700"


def clock_text(seconds: float) -> str:
    s = int(abs(seconds) + (0.999 if seconds > 0 else 0))
    return f"{'-' if seconds < 0 else ''}{s // 60}:{s % 60:02d}"


class PresentWindow(QWidget):
    """The deck on a whole screen. `closed` fires when the presenter leaves."""

    closed = Signal()
    slideChanged = Signal(int)

    def __init__(
        self,
        deck: Deck,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presentWindow")
        self.setAccessibleName("Presentation")
        self.setWindowTitle(deck.title)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.deck = deck
        self.index = 0
        self.blank = False
        self.painter = SlidePainter()
        self._clock = clock
        self._spent: dict[str, float] = {}  # seconds each team has used so far
        self._since: float | None = None  # when the current team's clock last started
        self._tick = QTimer(self, objectName="presentTick", interval=500)
        self._tick.timeout.connect(self.update)
        self._tick.start()

    # -- navigation -----------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.deck.slides)

    def go(self, index: int) -> None:
        index = max(0, min(self.count - 1, index))
        if index == self.index:
            return
        before = self.deck.slides[self.index].section
        self._stop_clock()
        self.index = index
        if self.deck.slides[index].section != before:
            self._since = None
        self._start_clock()
        self.update()
        self.slideChanged.emit(index)

    def next(self) -> None:
        self.go(self.index + 1)

    def back(self) -> None:
        self.go(self.index - 1)

    def counter_text(self) -> str:
        return f"{self.index + 1} / {self.count}"

    # -- the team's clock -----------------------------------------------------------------
    def _start_clock(self) -> None:
        if self.deck.slides[self.index].section and self._since is None:
            self._since = self._clock()

    def _stop_clock(self) -> None:
        section = self.deck.slides[self.index].section
        if section and self._since is not None:
            self._spent[section] = self._spent.get(section, 0.0) + self._clock() - self._since
            self._since = None

    def remaining(self) -> float | None:
        """Seconds the current team has left (negative: over time); None on the title."""
        section = self.deck.section_of(self.index)
        if section is None:
            return None
        if self._since is None:
            self._start_clock()
        used = self._spent.get(section.slug, 0.0) + self._clock() - (self._since or 0.0)
        return section.minutes * 60 - used

    def clock_state(self) -> tuple[str, str]:
        """(text, colour) of the countdown: normal, amber in the last fifth, red after."""
        left = self.remaining()
        if left is None:
            return f"{self.deck.minutes:g} min per team", MUTED
        section = self.deck.section_of(self.index)
        total = (section.minutes if section else self.deck.minutes) * 60
        if left <= 0:
            return f"{clock_text(left)} over", TONES["poor"]
        return clock_text(left), AMBER if left <= total * 0.2 else TONES[""]

    # -- Qt -------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key in BLANK:
            self.blank = not self.blank
            self.update()
        elif key in NEXT:
            self.next()
        elif key in BACK:
            self.back()
        elif key == Qt.Key.Key_Home:
            self.go(0)
        elif key == Qt.Key.Key_End:
            self.go(self.count - 1)
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # A clicker in mouse mode, or a click on the screen: left is next, right is back.
        if event.button() == Qt.MouseButton.LeftButton:
            self.next()
        elif event.button() == Qt.MouseButton.RightButton:
            self.back()
        else:
            super().mousePressEvent(event)

    def closeEvent(self, event: object) -> None:
        self._tick.stop()
        self.closed.emit()
        super().closeEvent(event)  # type: ignore[arg-type]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self.render_to(p, self.width(), self.height())
        finally:
            p.end()

    def render_to(self, p: QPainter, w: float, h: float) -> None:
        if self.blank:
            p.fillRect(QRectF(0, 0, w, h), QColor("black"))
            return
        slide = self.deck.slides[self.index]
        self.painter.paint(p, slide, w, h)
        u = min(w / 1920, h / 1080)
        m = 72 * u
        band = QRectF(m, h - 84 * u, w - 2 * m, 64 * u)
        p.fillRect(QRectF(0, h - 96 * u, w, 1.5), QColor("#d1d9e0"))
        counter = self.counter_text()
        self.painter.fit(p, counter, QRectF(band.left(), band.top(), w * 0.2, band.height()),
                         30 * u, colour=MUTED, flags=int(Qt.AlignmentFlag.AlignLeft |
                         Qt.AlignmentFlag.AlignVCenter))  # fmt: skip
        text, colour = self.clock_state()
        self.painter.fit(p, text, QRectF(band.right() - w * 0.3, band.top(), w * 0.3,
                         band.height()), 44 * u, bold=True, colour=colour,
                         flags=int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))  # fmt: skip
        section = self.deck.section_of(self.index)
        if section is not None:
            pos = [s.slug for s in self.deck.sections].index(section.slug) + 1
            where = f"Team {pos} of {len(self.deck.sections)} · {section.stage}"
            self.painter.fit(p, where, QRectF(band.left() + w * 0.22, band.top(), w * 0.34,
                             band.height()), 28 * u, colour=MUTED,
                             flags=int(Qt.AlignmentFlag.AlignHCenter |
                                       Qt.AlignmentFlag.AlignVCenter))  # fmt: skip


def present_workspace(
    root: object,
    order: list[str] | None,
    minutes: float,
    parent: QWidget | None = None,
    today: date | None = None,
) -> PresentWindow:
    """Build the deck of the workspace at `root` and show it full screen."""
    from shipyard.core.review.deck import deck_for
    from shipyard.core.workspace.workspace import Workspace

    ws = root if isinstance(root, Workspace) else Workspace.open(root)  # type: ignore[arg-type]
    window = PresentWindow(deck_for(ws, order, minutes, today), parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.showFullScreen()
    window.activateWindow()
    window.setFocus()
    return window


def _deck_job(job: JobControl, ws: Workspace, today: date | None) -> Deck:
    from shipyard.core.review.deck import DEFAULT_MINUTES, deck_for

    job.progress(0.05, "reading the portfolio")
    return deck_for(ws, None, DEFAULT_MINUTES, today)


def start_presentation(
    parent: QWidget,
    ws: Workspace,
    today: date | None,
    shown: Callable[[PresentWindow], None],
    failed: Callable[[ShipyardError], None],
) -> None:
    """Build the deck (roadmap order, 10 minutes a team) off the GUI thread, then show it
    full screen over `parent`; `shown` gets the window, `failed` the reason it cannot be."""
    from shipyard.ui.jobs.background import BackgroundTask

    def done(deck: Deck) -> None:
        window = PresentWindow(deck, parent)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.showFullScreen()
        window.activateWindow()
        window.setFocus()
        shown(window)

    def stopped(exc: object) -> None:
        failed(exc if isinstance(exc, ShipyardError) else ShipyardError(str(exc)))

    task = BackgroundTask(_deck_job, ws, today).owned_by(parent)
    task.succeeded.connect(done)
    task.failed.connect(stopped)
    task.start()
