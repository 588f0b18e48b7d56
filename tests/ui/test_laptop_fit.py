"""Every page fits a laptop: rendered at 1280x720 (and 1920x1080) in light and dark, the
window's minimum size never exceeds 1280x720 (before or after the project tabs were
visited) and no visible control is clipped. PNGs go to tests/artifacts/fit-*.png.

The clipping detector (`clipped_widgets`) walks every visible widget of a window and
reports two kinds of clipping:

* **Overflow**: a widget's geometry reaches beyond its visible parent's rectangle, so part
  of it is cut off or off screen. Widgets inside a scroll area's viewport are skipped
  (scrolling to them is the point of a scroll area), as are the scroll area's own
  scroll bars and corner widgets, and the internals of item views and plots.
* **Cut on the right**: a scroll area that never scrolls sideways but whose content is
  wider than its viewport (the rollout controls cut to "5" and "200 n").
* **Squeeze**: a control that cannot shrink without losing its text (a push button, a
  spin box, a check box, a radio button, or a label that does not word-wrap) is narrower
  or shorter than its minimum size hint, so its text is cut ("5" for "5 %").
  Layouts only do that when the window is smaller than it claims it can be.

A one-pixel tolerance absorbs rounding in styles that draw frames outside the rectangle.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QLabel,
    QScrollArea,
    QTabWidget,
    QWidget,
)
from window_helpers import open_window

from shipyard.ui.main_window import DATASETS, PORTFOLIO, REVIEW, MainWindow
from shipyard.ui.screenshot import PROJECT_TABS, _grab_with_dialog, _show_tab, grab, settle

LAPTOP = (1280, 720)
SIZES = [(1280, 720), (1920, 1080)]
PROJECT = "churn-risk"
TOLERANCE = 1


# -- the clipping detector --------------------------------------------------------------
def _inside_scrolled_content(widget: QWidget, top: QWidget) -> bool:
    """True when `widget` sits in a scroll area (its viewport, bars or corner) or inside an
    item view / plot, whose own painting handles what does not fit."""
    w = widget.parentWidget()
    while w is not None and w is not top:
        if isinstance(w, QAbstractScrollArea):
            return True
        w = w.parentWidget()
    return False


def _squeezed(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        if widget.wordWrap() or not widget.text() or widget.pixmap() is not None:
            return False
    elif not isinstance(widget, QAbstractButton | QAbstractSpinBox):
        return False
    hint = widget.minimumSizeHint()
    if widget.minimumWidth() > 0 or widget.maximumWidth() < hint.width():
        hint.setWidth(min(hint.width(), widget.maximumWidth()))
    return widget.width() + TOLERANCE < hint.width() or widget.height() + TOLERANCE < hint.height()


def clipped_widgets(top: QWidget) -> list[str]:
    """Descriptions of the visible widgets under `top` that are clipped (see the module's
    docstring for what counts)."""
    problems: list[str] = []
    for area in top.findChildren(QScrollArea):
        content = area.widget()
        if not area.isVisible() or content is None or area.widgetResizable() is False:
            continue
        never_sideways = area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        if never_sideways and content.width() > area.viewport().width() + TOLERANCE:
            problems.append(
                f"{type(content).__name__} in a scroll area is {content.width()} px wide, "
                f"{content.width() - area.viewport().width()} px cut on the right"
            )
    for widget in top.findChildren(QWidget):
        if widget.isWindow() or not widget.isVisible():
            continue
        if _inside_scrolled_content(widget, top):
            continue
        parent = widget.parentWidget()
        name = f"{type(widget).__name__}#{widget.objectName()}"
        text = getattr(widget, "text", None)
        if callable(text) and isinstance(text(), str) and text():
            name += f" '{text()[:40]}'"
        if parent is not None and parent.isVisible():
            outer = parent.rect().adjusted(-TOLERANCE, -TOLERANCE, TOLERANCE, TOLERANCE)
            if not outer.contains(widget.geometry()):
                g: QRect = widget.geometry()
                problems.append(
                    f"{name} at {g.x()},{g.y()} {g.width()}x{g.height()} overflows "
                    f"{type(parent).__name__}#{parent.objectName()} "
                    f"{parent.width()}x{parent.height()}"
                )
                continue
        if _squeezed(widget):
            hint = widget.minimumSizeHint()
            problems.append(
                f"{name} is {widget.width()}x{widget.height()}, "
                f"needs {hint.width()}x{hint.height()}"
            )
    return problems


# -- the window ---------------------------------------------------------------------------
@pytest.fixture
def demo_window(qtbot, trained_demo_ws):
    with open_window(qtbot, trained_demo_ws.root, size=LAPTOP) as win:
        yield win


def _theme(name: str) -> None:
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme(name))


def _minimum(win: MainWindow) -> tuple[int, int]:
    need = win.minimumSizeHint().expandedTo(win.minimumSize())
    return need.width(), need.height()


def _pages(win: MainWindow):
    """(name, show) for every page and sub-tab, in the order a user would meet them."""

    def portfolio():
        win.show_page(PORTFOLIO)

    def roadmap():
        win.show_page(PORTFOLIO)
        win.portfolio.charts.setCurrentWidget(win.portfolio.roadmap)

    def bubble():
        win.portfolio.charts.setCurrentIndex(0)

    yield "portfolio", portfolio
    yield "roadmap", roadmap
    yield "portfolio-bubble", bubble

    def datasets():
        win.show_page(DATASETS)

    yield "datasets", datasets
    tabs = win.data.findChild(QTabWidget)
    if tabs is not None:
        for i in range(tabs.count()):
            title = tabs.tabText(i).lower().replace(" ", "-").replace("&", "")
            yield f"datasets-{title}", (lambda i=i: tabs.setCurrentIndex(i))

    def review():
        win.show_page(REVIEW)
        win.review.wait_ready()

    yield "review", review
    for i in range(1, win.review.tabs.count()):
        yield f"review-tab{i}", (lambda i=i: win.review.tabs.setCurrentIndex(i))

    def onepager():
        win.show_project(PROJECT)

    yield "onepager", onepager
    for key in PROJECT_TABS:
        yield key, (lambda key=key: _show_tab(win, key))
        if key == "rollout":
            views = win.project_page.tab("rollout").views
            for i in range(views.count()):
                yield (
                    f"rollout-{views.tabText(i).lower()}",
                    (lambda i=i, views=views: views.setCurrentIndex(i)),
                )


def _settle_jobs() -> None:
    from shipyard.ui.jobs.background import job_pool

    for _ in range(3):
        settle()
        job_pool().waitForDone(30_000)
    settle()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_fits(demo_window: MainWindow, artifacts: Path, theme: str, size):
    win = demo_window
    _theme(theme)
    try:
        seen: list[str] = []
        failures: list[str] = []
        for name, show in _pages(win):
            show()
            _settle_jobs()
            win.resize(*size)
            settle()
            seen.append(name)
            minimum = _minimum(win)
            if minimum[0] > LAPTOP[0] or minimum[1] > LAPTOP[1]:
                failures.append(f"{name}: the window's minimum size is {minimum}")
            if (win.width(), win.height()) != size:
                failures.append(f"{name}: the window is {win.width()}x{win.height()}")
            failures += [f"{name}: {p}" for p in clipped_widgets(win)]
            grab(win, artifacts / f"fit-{size[0]}x{size[1]}-{theme}-{name}.png", size)
        # The settings dialog, drawn over the window.
        from shipyard.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(win.session.settings, win)
        dialog.show()
        settle()
        hint = dialog.minimumSizeHint()
        assert hint.width() <= LAPTOP[0] and hint.height() <= LAPTOP[1]
        failures += [f"settings: {p}" for p in clipped_widgets(dialog)]
        _grab_with_dialog(win, dialog, artifacts / f"fit-{size[0]}x{size[1]}-{theme}-settings.png")
        dialog.close()
        # Back to the portfolio: the project tabs must not have raised its minimum.
        win.show_page(PORTFOLIO)
        settle()
        minimum = _minimum(win)
        assert minimum[0] <= LAPTOP[0] and minimum[1] <= LAPTOP[1], minimum
        assert {"portfolio", "datasets", "review", "onepager", *PROJECT_TABS} <= set(seen)
        assert not failures, "\n".join(failures)
    finally:
        _theme("light")


def test_the_detector_sees_clipping(qtbot):
    """The detector itself: a button pushed past its parent's edge and a squeezed spin box
    are reported; the same widgets inside a scroll area are not."""
    from PySide6.QtWidgets import QPushButton, QScrollArea, QSpinBox

    top = QWidget()
    qtbot.addWidget(top)
    top.resize(200, 100)
    button = QPushButton("Engage kill switch", top)
    button.setGeometry(150, 10, 120, 30)
    spin = QSpinBox(top)
    spin.setSuffix(" requests")
    spin.setRange(0, 100_000)
    spin.setGeometry(10, 50, 30, 30)
    top.show()
    qtbot.waitExposed(top)
    problems = clipped_widgets(top)
    assert any("Engage kill switch" in p and "overflows" in p for p in problems), problems
    assert any("QSpinBox" in p and "needs" in p for p in problems), problems

    scroll_top = QWidget()
    qtbot.addWidget(scroll_top)
    scroll = QScrollArea(scroll_top)
    scroll.setGeometry(0, 0, 200, 100)
    content = QWidget()
    content.resize(600, 400)
    QPushButton("Far away", content).setGeometry(500, 300, 90, 30)
    scroll.setWidget(content)
    scroll_top.show()
    qtbot.waitExposed(scroll_top)
    assert clipped_widgets(scroll_top) == []


def test_item_views_are_not_flagged_for_their_internals(qtbot):
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QTableView

    view = QTableView()
    qtbot.addWidget(view)
    model = QStandardItemModel(50, 30)
    view.setModel(model)
    view.resize(200, 120)
    view.show()
    qtbot.waitExposed(view)
    assert isinstance(view, QAbstractItemView)
    assert clipped_widgets(view) == []


@pytest.mark.parametrize("page", ["rollout", "package"])
def test_screenshot_is_exactly_the_size_asked(demo_window: MainWindow, tmp_path: Path, page):
    from PySide6.QtGui import QImage

    from shipyard.ui.screenshot import render_page

    out = render_page(demo_window, None, page, PROJECT, tmp_path / f"{page}.png", (1280, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    out = render_page(demo_window, None, page, PROJECT, tmp_path / f"{page}-hd.png", LAPTOP)
    image = QImage(str(out))
    assert (image.width(), image.height()) == LAPTOP


def test_screenshot_refuses_a_size_the_page_cannot_fit(demo_window: MainWindow, tmp_path: Path):
    from shipyard.core.errors import ShipyardError
    from shipyard.ui.screenshot import render_page

    out = tmp_path / "tiny.png"
    with pytest.raises(ShipyardError) as exc:
        render_page(demo_window, None, "rollout", PROJECT, out, (500, 300))
    assert "cannot be shown at 500x300" in str(exc.value)
    assert "--size" in exc.value.fix
    assert not out.exists()
