"""One measured process for leaderboard_scale.py: the Models tab opening a busy project.

    python _models_tab_scale_app.py WORKSPACE SLUG OUT.json [--diagnose]

Sets up the application as Shipyard does (offscreen here; garbage collected only on the GUI
thread), shows the Models tab, starts a 5 ms probe timer (the one training_stall uses), then
asks the tab to load `SLUG`. Written to OUT.json:

  first_paint_s  from `load(slug)` to the first paint of the leaderboard with its rows
                 (its kept first page, when the run folders still match it)
  max_gap_ms     the longest gap between probe ticks while the board loads: from `load`
                 until that paint
  after_max_gap_ms  the same over the second that follows: the selected run's details,
                 the task setup's detection and the whole board, queued behind the page
  rows           runs on the board at the end (the whole board: 10,000)
  details_s      from `load` until the selected run's details are shown

Before the probe starts, the project's one-pager is read through the workspace (as the
window's portfolio has by the time a project is opened), so its model classes are loaded
as in a running window. The tab's start of the training server (`job_process.prewarm`, 1.5 s after the tab shows;
first_job.py measures it) is switched off: it is not part of loading the board.
  idle_max_gap_ms  the same probe on the idle tab for one second before `load` (reference)
  rows, shown    runs on the board, rows the view has

`--diagnose` prints, after every gap over 40 ms, where each thread stood.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PROBE_MS = 5
AFTER_S = 1.0


def _where(gap: float) -> None:
    import threading
    import traceback

    for ident, frame in sys._current_frames().items():
        name = "GUI" if ident == threading.get_ident() else "job"
        stack = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                 for f in traceback.extract_stack(frame)[-5:]]  # fmt: skip
        print(f"{gap * 1000:.0f} ms gap; {name}: {' < '.join(reversed(stack))}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    workspace, slug, out = args[0], args[1], Path(args[2])
    diagnose = "--diagnose" in args
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from shipyard.ui.jobs.gc_guard import install
    from shipyard.ui.models.tab import ModelsTab
    from shipyard.ui.session import WorkspaceSession

    app = QApplication(sys.argv[:1])
    install(app)
    session = WorkspaceSession()
    session.open(Path(workspace))
    session.workspace.project(slug)  # type: ignore[union-attr]  # as the portfolio has
    tab = ModelsTab(session)
    tab._prewarm_asked = True  # no training server started (see the docstring)
    tab.resize(1280, 800)
    tab.show()

    ticks: list[float] = []
    probe = QTimer(interval=PROBE_MS)
    probe.setTimerType(Qt.TimerType.PreciseTimer)

    def tick() -> None:
        now = time.perf_counter()
        if "painted" in state and "details" not in state and tab.detail.record is not None:
            state["details"] = now
        if diagnose and ticks and now - ticks[-1] > 0.04:
            _where(now - ticks[-1])
        ticks.append(now)

    probe.timeout.connect(tick)
    result: dict[str, Any] = {}
    state: dict[str, float] = {}

    class PaintWatch(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and "painted" not in state
                and "load" in state
                and tab.model.rowCount() > 0
            ):
                state["painted"] = time.perf_counter()
                QTimer.singleShot(round(AFTER_S * 1000), finish)
            return False

    watch = PaintWatch()
    tab.table.viewport().installEventFilter(watch)

    def gaps(since: float, until: float = float("inf")) -> float:
        seen = [t for t in ticks if since <= t <= until]
        return max((b - a for a, b in itertools.pairwise(seen)), default=0.0) * 1000

    def load() -> None:
        result["idle_max_gap_ms"] = round(gaps(state["idle"], time.perf_counter()), 1)
        state["load"] = time.perf_counter()
        ticks.append(state["load"])
        tab.load(slug)

    def finish() -> None:
        ticks.append(time.perf_counter())
        probe.stop()
        result["first_paint_s"] = round(state["painted"] - state["load"], 4)
        shown = state.get("details", ticks[-1])
        result["max_gap_ms"] = round(gaps(state["load"], state["painted"]), 1)
        result["after_max_gap_ms"] = round(gaps(state["painted"]), 1)
        result["details_s"] = round(shown - state["load"], 4)
        result["rows"] = len(tab.model.rows)
        result["shown"] = tab.model.rowCount()
        app.quit()

    def start() -> None:
        state["idle"] = time.perf_counter()
        ticks.append(state["idle"])
        probe.start()
        QTimer.singleShot(1000, load)

    QTimer.singleShot(200, start)  # let the window settle first
    QTimer.singleShot(60_000, app.quit)  # never hang a benchmark run
    app.exec()
    session.close(notify=False)
    if "first_paint_s" not in result:
        print("the leaderboard was never painted", file=sys.stderr)
        return 1
    out.write_text(json.dumps(result) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
