"""Render the main pages of the window at 1920x1080 logical pixels, in a process of its own
(the scale factor is read once, when the application starts): tests/ui/test_4k_scaling.py
runs it with QT_SCALE_FACTOR=1 and =2 and compares.

    python render_scaled.py WORKSPACE OUT_DIR TAG   ->  OUT_DIR/TAG-<page>.png, and a JSON
    report on stdout: per page the image size, device pixel ratio, clipped widgets and the
    page title's ink height in physical pixels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

sys.path.insert(0, str(Path(__file__).parent))

SIZE = (1920, 1080)
PROJECT = "churn-risk"
PAGES = ("portfolio", "datasets", "onepager", "models", "gates", "rollout", "package")


def ink_rows(image: QImage, label: QLabel, window) -> int:  # type: ignore[no-untyped-def]
    """Physical pixel rows of `label`'s area that hold text ink (darker than the page)."""
    ratio = image.devicePixelRatio()
    top_left = label.mapTo(window, label.rect().topLeft())
    x0, y0 = int(top_left.x() * ratio), int(top_left.y() * ratio)
    w, h = int(label.width() * ratio), int(label.height() * ratio)
    background = image.pixelColor(x0 + 1, y0 + 1).lightness()
    rows = 0
    for y in range(y0, min(y0 + h, image.height())):
        for x in range(x0, min(x0 + w, image.width()), 1):
            if abs(image.pixelColor(x, y).lightness() - background) > 80:
                rows += 1
                break
    return rows


def main() -> int:
    workspace, out_dir, tag = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    app = QApplication([])
    from test_laptop_fit import clipped_widgets

    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.main_window import PORTFOLIO, MainWindow
    from shipyard.ui.screenshot import _show_tab, _wait_for_rows, fit_exactly, settle
    from shipyard.ui.session import WorkspaceSession
    from shipyard.ui.theme import apply_theme

    apply_theme(app, Theme.LIGHT)
    win = MainWindow(WorkspaceSession())
    win.resize(*SIZE)
    assert win.open_workspace(workspace)
    win.show()
    settle()
    report = {}
    for page in PAGES:
        if page == "portfolio":
            win.show_page(PORTFOLIO)
        elif page == "datasets":
            from shipyard.ui.main_window import DATASETS

            win.show_page(DATASETS)
            _wait_for_rows(win)
        elif page == "onepager":
            win.show_project(PROJECT)
        else:
            _show_tab(win, page)
        fit_exactly(win, SIZE)
        settle()
        shot = win.grab()
        image = shot.toImage()
        path = out_dir / f"{tag}-{page}.png"
        image.save(str(path))
        titles = [t for t in win.findChildren(QLabel, "pageTitle") if t.isVisible() and t.text()]
        title = titles[0] if titles else None
        report[page] = {
            "png": str(path),
            "logical": [win.width(), win.height()],
            "physical": [image.width(), image.height()],
            "ratio": shot.devicePixelRatio(),
            "clipped": clipped_widgets(win),
            "title": title.text() if title else "",
            "title_height": title.height() * shot.devicePixelRatio() if title else 0,
            "title_ink": ink_rows(image, title, win) if title else 0,
        }
    win.session.close(notify=False)
    print("REPORT " + json.dumps(report))
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
