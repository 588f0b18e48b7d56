"""Image regression tests (pyqtgraph's habit): the important screens, rendered at a fixed
size, theme and font from fixed data, must look like their approved images in
tests/ui/approved/.

A screen fails when more than MAX_CHANGED of its pixels differ by more than MAX_DELTA in
any colour channel (anti-aliasing and font rasteriser noise stay under that). On failure
`<name>.actual.png` (this run) and `<name>.diff.png` (the approved image, faded, with the
differing pixels in magenta) are written to tests/artifacts/ and named in the message.

After a deliberate visual change, look at the new renders and approve them:

    pytest tests/ui/test_screens_approved.py --approve

What would make renders differ between runs is pinned: the window size, the theme, the
font (DejaVu Sans; the test is skipped where it is not installed), a steady text cursor,
"today", the demo workspace as shipped (its runs, reports and dates are files), and the
two things that name this machine's folders (the workspace path in the portfolio header,
the demo's folder on the welcome page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage
from PySide6.QtWidgets import QApplication
from window_helpers import open_window

from shipyard.ui.main_window import DATASETS, PORTFOLIO, REVIEW, MainWindow
from shipyard.ui.screenshot import _show_tab, fit_exactly, settle

APPROVED = Path(__file__).parent / "approved"
SIZE = (1280, 720)
FONT = ("DejaVu Sans", 9)
MAX_DELTA = 16  # per channel, out of 255
# Share of the pixels. Renders repeat exactly on one machine; a fix to three plot labels
# changes about 0.2% of a 1280x720 screen, and that must not pass unnoticed.
MAX_CHANGED = 0.001
PROJECT = "churn-risk"
SHOWN_ROOT = "~/Shipyard Demo"  # stands in for this machine's temporary folder
DEMO_FOLDER = Path("/home/you/Documents/Shipyard Demo")

# Every page, in both themes, at a laptop's size and a desktop's: a page that fits one may
# crowd or stretch at the other, and theme bugs (black plots, faint labels) show in one theme.
SIZES: dict[str, tuple[int, int]] = {"720": SIZE, "1080": (1920, 1080)}
THEMES = ("light", "dark")
SCREENS = (
    "welcome",
    "portfolio",  # the table and the impact/effort bubble chart
    "roadmap",
    "datasets",  # the demo's first dataset, its profile
    "review",  # the portfolio review: ranked table, health trend, changes
    "onepager",
    "models",  # the leaderboard and the champion's plots
    "gates",
    "rollout",  # the rehearsal timeline
    "package",  # the card editor
)


# -- comparing -----------------------------------------------------------------------------
def pixels(image: QImage) -> np.ndarray:
    """Height x width x 4 bytes (BGRA) of `image`."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    width, height = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = raw.reshape(height, image.bytesPerLine())[:, : width * 4]
    return rows.reshape(height, width, 4).copy()  # a copy: the image's bytes die with it


def changed_pixels(actual: QImage, approved: QImage) -> np.ndarray:
    """Boolean mask of the pixels whose colour moved by more than MAX_DELTA."""
    delta = np.abs(pixels(actual).astype(np.int16) - pixels(approved).astype(np.int16))
    return delta.max(axis=2) > MAX_DELTA


def diff_image(approved: QImage, changed: np.ndarray) -> QImage:
    """The approved image faded to grey, with the changed pixels in magenta."""
    base = pixels(approved).astype(np.float32)
    grey = base[..., :3].mean(axis=2, keepdims=True)
    out = np.empty_like(base)
    out[..., :3] = 255 - (255 - grey) * 0.35
    out[..., 3] = 255
    out[changed] = (255, 0, 255, 255)  # BGRA magenta
    data = np.ascontiguousarray(out.astype(np.uint8))
    height, width = changed.shape
    return QImage(data.data, width, height, width * 4, QImage.Format.Format_ARGB32).copy()


def save_png(image: QImage, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(path), "PNG", 0), f"could not write {path}"  # 0: smallest file


def compare(name: str, actual: QImage, artifacts: Path, approve: bool) -> str | None:
    """None when `actual` matches the approved image (or was just approved), else why not."""
    approved_path = APPROVED / f"{name}.png"
    actual_path = artifacts / f"{name}.actual.png"
    if approve:
        save_png(actual, approved_path)
        return None
    if not approved_path.is_file():
        save_png(actual, actual_path)
        return (
            f"{name}: no approved image {approved_path.name}; this run's is {actual_path} "
            "(approve it with --approve)"
        )
    approved = QImage(str(approved_path))
    if approved.size() != actual.size():
        save_png(actual, actual_path)
        return (
            f"{name}: {actual.width()}x{actual.height()}, approved "
            f"{approved.width()}x{approved.height()}; see {actual_path}"
        )
    changed = changed_pixels(actual, approved)
    share = float(changed.mean())
    if share <= MAX_CHANGED:
        return None
    diff_path = artifacts / f"{name}.diff.png"
    save_png(actual, actual_path)
    save_png(diff_image(approved, changed), diff_path)
    ys, xs = np.nonzero(changed)
    return (
        f"{name}: {share:.2%} of the pixels differ by more than {MAX_DELTA} (at most "
        f"{MAX_CHANGED:.2%} may), around x {xs.min()}-{xs.max()}, y {ys.min()}-{ys.max()}; "
        f"see {actual_path} and {diff_path}"
    )


# -- rendering -----------------------------------------------------------------------------
@pytest.fixture
def pinned_rendering(qapp, monkeypatch) -> Iterator[None]:
    """A fixed font and a steady text cursor for the test, then the app's own again."""
    family, points = FONT
    if family not in QFontDatabase.families():
        pytest.skip(f"the approved screens are drawn in {family}, which is not installed")
    font = QFont(family, points)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    previous_font, previous_flash = QApplication.font(), QApplication.cursorFlashTime()
    QApplication.setFont(font)
    QApplication.setCursorFlashTime(0)  # a blinking cursor would be caught half the time
    monkeypatch.setattr("shipyard.core.workspace.layout.default_demo_path", lambda: DEMO_FOLDER)
    yield
    QApplication.setFont(previous_font)
    QApplication.setCursorFlashTime(previous_flash)


def _theme(name: str) -> None:
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme(name))


def _settle_jobs(qtbot) -> None:
    """Let background loads, and the rollout's delayed rehearsal, finish and paint."""
    from shipyard.ui.jobs.background import job_hub, job_pool

    for _ in range(3):
        job_pool().waitForDone(30_000)
        qtbot.waitUntil(lambda: not job_hub().running(), timeout=30_000)
        qtbot.wait(300)
    settle()


def _shot(win: MainWindow, size: tuple[int, int] = SIZE) -> QImage:
    win.statusBar().clearMessage()  # "Opened <folder>" and the like
    ws = win.session.workspace
    if ws is not None:
        win.portfolio.header.set_text(ws.name, f"{len(win.session.rows)} projects · {SHOWN_ROOT}")
    fit_exactly(win, size)
    settle()
    return win.grab().toImage()


def _pages(win: MainWindow, qtbot) -> dict[str, Callable[[], None]]:
    def portfolio() -> None:
        win.show_page(PORTFOLIO)
        win.portfolio.charts.setCurrentIndex(0)

    def roadmap() -> None:
        win.show_page(PORTFOLIO)
        win.portfolio.charts.setCurrentWidget(win.portfolio.roadmap)

    def onepager() -> None:
        win.show_project(PROJECT)

    def tab(key: str) -> Callable[[], None]:
        def show() -> None:
            win.show_project(PROJECT)
            _show_tab(win, key)
            _settle_jobs(qtbot)

        return show

    def datasets() -> None:
        win.show_page(DATASETS)
        _settle_jobs(qtbot)

    def review() -> None:
        win.show_page(REVIEW)
        win.review.wait_ready()
        _settle_jobs(qtbot)

    pages = {"portfolio": portfolio, "roadmap": roadmap, "onepager": onepager}
    pages.update({"datasets": datasets, "review": review})
    pages.update({key: tab(key) for key in ("models", "gates", "rollout", "package")})
    return pages


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("theme", THEMES)
def test_screens_match_approved(
    qtbot, trained_demo_ws, memory_keyring, pinned_rendering, artifacts: Path, request, theme, size
):
    approve = bool(request.config.getoption("--approve", default=False))
    failures = _render_and_compare(qtbot, trained_demo_ws.root, theme, size, artifacts, approve)
    assert not failures, "screens changed:\n" + "\n".join(failures)


def _render_and_compare(
    qtbot, root: Path, theme: str, size: str, artifacts: Path, approve: bool
) -> list[str]:
    """Render this theme's screens at this size and compare each; the messages of those
    that differ. (A function of its own, so a failing test's traceback holds no deleted
    window.)"""
    pixels_wh = SIZES[size]
    failures: list[str | None] = []
    _theme(theme)
    try:
        from shipyard.ui.session import WorkspaceSession

        welcome = MainWindow(WorkspaceSession())
        qtbot.addWidget(welcome)
        welcome.show()
        qtbot.waitExposed(welcome)
        image = _shot(welcome, pixels_wh)
        welcome.close()
        failures.append(compare(f"welcome-{theme}-{size}", image, artifacts, approve))
        with open_window(qtbot, root, size=pixels_wh) as win:
            pages = _pages(win, qtbot)
            for name in SCREENS:
                if name == "welcome":
                    continue
                pages[name]()
                settle()
                image = _shot(win, pixels_wh)
                failures.append(compare(f"{name}-{theme}-{size}", image, artifacts, approve))
    finally:
        _theme("light")
    return [f for f in failures if f]


def test_the_comparison_catches_a_change_and_draws_it(tmp_path: Path, monkeypatch):
    """The comparator itself: noise under the tolerance passes, a moved label does not,
    the failure names the actual and diff images, and the diff marks the changed pixels."""
    monkeypatch.setattr(f"{__name__}.APPROVED", tmp_path / "approved")
    base = QImage(200, 100, QImage.Format.Format_ARGB32)
    base.fill(QColor("#ffffff"))
    noisy = base.copy()
    for x in range(0, 200, 3):  # faint noise everywhere: anti-aliasing, hinting
        noisy.setPixelColor(x, 50, QColor(250, 244, 250))
    assert not changed_pixels(noisy, base).any()
    moved = base.copy()
    for x in range(20, 60):
        for y in range(10, 20):
            moved.setPixelColor(x, y, QColor("#1d2330"))
    changed = changed_pixels(moved, base)
    assert changed.sum() == 400
    artifacts = tmp_path / "artifacts"
    message = compare("probe", moved, artifacts, approve=False)
    assert message and "no approved image" in message
    assert compare("probe", base, artifacts, approve=True) is None
    assert (tmp_path / "approved" / "probe.png").is_file()
    assert compare("probe", noisy, artifacts, approve=False) is None
    message = compare("probe", moved, artifacts, approve=False)
    assert message and "2.00% of the pixels differ" in message
    assert str(artifacts / "probe.actual.png") in message
    assert str(artifacts / "probe.diff.png") in message
    diff = QImage(str(artifacts / "probe.diff.png"))
    assert diff.pixelColor(30, 15) == QColor("#ff00ff")
    assert diff.pixelColor(100, 80) != QColor("#ff00ff")
