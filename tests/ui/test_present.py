"""Demo-day presentation mode on the trained demo: every slide, stepped through with the
keyboard, rendered at 1920x1080 and 1280x720 (PNGs in tests/artifacts/present/) with no
clipped text; the presenter keys, the blank screen and the per-team countdown."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage

from shipyard.core.review.deck import Deck, deck_for
from shipyard.ui.present.window import PresentWindow, clock_text

TODAY = date(2026, 12, 7)
SIZES = ((1920, 1080), (1280, 720))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def deck(trained_demo_ws) -> Deck:
    return deck_for(trained_demo_ws, today=TODAY)


@pytest.fixture
def present(qtbot, deck):
    clock = FakeClock()
    win = PresentWindow(deck, clock=clock)
    win.clock = clock  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.resize(*SIZES[0])
    win.show()
    qtbot.waitExposed(win)
    win.setFocus()
    return win


def _check_text_fits(win: PresentWindow, size: tuple[int, int], where: str) -> None:
    screen = QRectF(0, 0, *size)
    assert win.painter.boxes, f"{where}: nothing was drawn"
    for box in win.painter.boxes:
        assert not box.clipped, f"{where}: '{box.text}' is clipped ({box.px:.0f}px)"
        inside = box.rect.adjusted(-1, -1, 1, 1)
        assert inside.contains(box.needed), f"{where}: '{box.text}' spills out of its box"
        assert screen.adjusted(-1, -1, 1, 1).contains(box.device), f"{where}: '{box.text}'"
        # Readable from the back of a room: nothing under 13 px, body text far larger.
        assert box.px >= 13, f"{where}: '{box.text}' at {box.px:.0f}px"


def test_every_slide_fits_both_screens_stepping_with_the_keyboard(
    qtbot, present, deck, artifacts: Path
):
    out = artifacts / "present"
    out.mkdir(exist_ok=True)
    win = present
    assert win.index == 0 and win.counter_text() == f"1 / {len(deck.slides)}"
    seen = []
    for step in range(len(deck.slides)):
        assert win.index == step
        seen.append(win.deck.slides[win.index])
        for w, h in SIZES:
            win.resize(w, h)
            image = win.grab().toImage()
            assert (image.width(), image.height()) == (w, h)
            where = f"slide {step + 1} ({seen[-1].kind} {seen[-1].section}) at {w}x{h}"
            _check_text_fits(win, (w, h), where)
            image.save(str(out / f"{w}x{h}-{step + 1:02d}-{seen[-1].kind}.png"))
        assert win.counter_text() == f"{step + 1} / {len(deck.slides)}"
        qtbot.keyClick(win, Qt.Key.Key_Right)
    assert seen == deck.slides
    assert win.index == len(deck.slides) - 1  # → on the last slide stays there


def test_body_text_is_large_at_1080p(present):
    win = present
    win.resize(1920, 1080)
    win.go(2)  # a data slide
    win.grab()
    heading = next(b for b in win.painter.boxes if b.text == "Data")
    assert heading.px >= 56
    footer_clock = win.painter.boxes[-2]
    assert footer_clock.px >= 40  # the countdown is visible from the lectern


def test_presenter_keys(qtbot, present, deck):
    win = present
    last = len(deck.slides) - 1
    for key, expected in (
        (Qt.Key.Key_End, last),
        (Qt.Key.Key_PageUp, last - 1),
        (Qt.Key.Key_Left, last - 2),
        (Qt.Key.Key_Up, last - 3),
        (Qt.Key.Key_Backspace, last - 4),
        (Qt.Key.Key_PageDown, last - 3),
        (Qt.Key.Key_Space, last - 2),
        (Qt.Key.Key_Down, last - 1),
        (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_Left, 0),
    ):
        qtbot.keyClick(win, key)
        assert win.index == expected, key

    # B blanks the screen (a clicker's "blank" key sends "."), the same key brings it back.
    qtbot.keyClick(win, Qt.Key.Key_B)
    image = win.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    corners = {image.pixelColor(x, y).name() for x in (0, 960, 1919) for y in (0, 540, 1079)}
    assert corners == {QColor("black").name()}
    qtbot.keyClick(win, Qt.Key.Key_Period)
    assert not win.blank
    assert win.grab().toImage().pixelColor(5, 5).name() == "#ffffff"

    with qtbot.waitSignal(win.closed, timeout=2000):
        qtbot.keyClick(win, Qt.Key.Key_Escape)
    assert not win.isVisible()


def test_each_team_has_its_own_countdown(qtbot, present, deck):
    win, clock = present, present.clock
    text, _ = win.clock_state()
    assert text == "10 min per team"  # the title slide runs no clock
    win.go(1)  # the first team starts
    assert win.clock_state() == ("10:00", "#1f2328")
    clock.now += 7 * 60
    assert win.clock_state()[0] == "3:00"
    clock.now += 75
    text, colour = win.clock_state()
    assert (text, colour) == ("1:45", "#bf8700")  # the last fifth: amber
    win.go(3)  # moving inside a team keeps its clock running
    clock.now += 140
    assert win.clock_state() == ("-0:35 over", "#cf222e")
    win.go(6)  # the next team starts fresh
    assert win.clock_state()[0] == "10:00"
    clock.now += 30
    assert win.clock_state()[0] == "9:30"
    win.go(5)  # back to the first team: its clock resumes where it stopped
    assert win.clock_state()[0] == "-0:35 over"
    win.go(0)
    clock.now += 600
    win.go(6)
    assert win.clock_state()[0] == "9:30"  # time on the title slide counts for no team
    # The countdown is painted in the footer, in its colour.
    win.grab()
    assert any(b.text == "9:30" for b in win.painter.boxes)


def test_clock_text():
    assert clock_text(600) == "10:00"
    assert clock_text(59.2) == "1:00"
    assert clock_text(0) == "0:00"
    assert clock_text(-35.4) == "-0:35"


def test_view_present_opens_the_deck_full_screen_and_esc_comes_back(qtbot, window):
    from PySide6.QtGui import QKeySequence

    assert window.act_present.shortcut() == QKeySequence("F5")
    assert window.act_present.text() == "Present"
    window.act_present.trigger()  # the deck is built off the GUI thread, then shown
    qtbot.waitUntil(lambda: getattr(window, "presentation", None) is not None, timeout=30_000)
    shown = window.presentation
    qtbot.waitExposed(shown)
    assert shown.isFullScreen() or shown.windowState() & Qt.WindowState.WindowFullScreen
    assert shown.deck.slides[0].kind == "title"
    assert [s.slug for s in shown.deck.sections]  # the demo's projects, roadmap order
    qtbot.keyClick(shown, Qt.Key.Key_Right)
    assert shown.index == 1
    with qtbot.waitSignal(shown.closed, timeout=2000):
        qtbot.keyClick(shown, Qt.Key.Key_Escape)
    assert window.isVisible()


def test_view_present_explains_why_it_cannot_present(qtbot, window, monkeypatch):
    from shipyard.core.errors import ShipyardError
    from shipyard.core.review import deck as deck_module

    def broken(*_args, **_kwargs):
        raise ShipyardError("the runs cannot be read", fix="check the run.json files")

    monkeypatch.setattr(deck_module, "deck_for", broken)
    window.act_present.trigger()
    qtbot.waitUntil(lambda: getattr(window, "last_error", None) is not None, timeout=30_000)
    assert window.last_error.message == "the runs cannot be read"
    assert getattr(window, "presentation", None) is None


def test_text_too_long_for_the_screen_ends_with_an_ellipsis_inside_its_box(qtbot):
    from shipyard.core.review.deck import Fact, Section, Slide

    words = " ".join(f"word{i}" for i in range(400))
    slide = Slide("outcome", "p", words, "Outcome", lead=words, facts=(Fact("Owner", words),),
                  bullets=(words, words), note=words)  # fmt: skip
    deck = Deck("t", "s", TODAY, 10, [Section("p", "P", "mvp", "", 10, (slide,))])
    deck.slides = [slide]
    win = PresentWindow(deck)
    qtbot.addWidget(win)
    for w, h in SIZES:
        win.resize(w, h)
        win.grab()
        long = [b for b in win.painter.boxes if b.text.startswith("word0")]
        assert len(long) == 6 and all(b.clipped for b in long)
        for box in long:
            assert box.text.endswith("…") and len(box.text) < len(words)
            assert box.rect.adjusted(-1, -1, 1, 1).contains(box.needed)


def test_a_click_moves_on_and_a_right_click_goes_back(qtbot, present):
    qtbot.mouseClick(present, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(present, Qt.MouseButton.LeftButton)
    assert present.index == 2
    qtbot.mouseClick(present, Qt.MouseButton.RightButton)
    assert present.index == 1
