"""A 4K screen at 200%: the window at 1920x1080 logical pixels is 3840x2160 physical ones,
nothing is clipped, and text is drawn twice as tall (not a 1920x1080 picture blown up, nor
small text on a big canvas). Each scale runs in a process of its own (tests/ui/
render_scaled.py), since Qt reads the scale factor once; PNGs go to tests/artifacts/4k-*.png.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
APP = HERE.parents[1] / "app"


def _render(workspace: Path, out: Path, tag: str, scale: int, config: Path) -> dict:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_SCALE_FACTOR": str(scale),
        "SHIPYARD_CONFIG_DIR": str(config),
        "PYTHONPATH": os.pathsep.join([str(APP), str(HERE), str(HERE.parent)]),
    }
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    done = subprocess.run(
        [sys.executable, str(HERE / "render_scaled.py"), str(workspace), str(out), tag],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("REPORT "))


def test_4k_at_200_percent(trained_demo_ws, artifacts: Path, tmp_path: Path) -> None:
    hi = _render(trained_demo_ws.root, artifacts, "4k-200", 2, tmp_path / "cfg2")
    lo = _render(trained_demo_ws.root, artifacts, "4k-100", 1, tmp_path / "cfg1")
    assert set(hi) == set(lo) and len(hi) == 7
    for page, shot in hi.items():
        print(
            f"{page}: {shot['physical']} at x{shot['ratio']:g}; title "
            f"{lo[page]['title_height']:g}→{shot['title_height']:g} px tall, ink "
            f"{lo[page]['title_ink']}→{shot['title_ink']} px"
        )
        assert shot["logical"] == [1920, 1080], page
        assert shot["ratio"] == 2.0, page
        assert shot["physical"] == [3840, 2160], page
        assert shot["clipped"] == [], (page, shot["clipped"])
        assert lo[page]["physical"] == [1920, 1080] and lo[page]["ratio"] == 1.0
        assert shot["title"] == lo[page]["title"] and shot["title"], page
        # The title's box and the ink of its letters are twice as tall in physical pixels.
        assert shot["title_height"] == pytest.approx(2 * lo[page]["title_height"], abs=2), page
        assert lo[page]["title_ink"] >= 8, (page, lo[page])
        assert shot["title_ink"] == pytest.approx(2 * lo[page]["title_ink"], abs=3), (
            page, shot["title_ink"], lo[page]["title_ink"],
        )  # fmt: skip
