"""The full review report (HTML + PDF) of the 10-project demo vs opening the demo in the window.

Both are whole processes timed alternately in one run: `shipyard review demo --html --pdf`
against `shipyard open demo` until the ranked portfolio has painted (startup_loaded's
subject). Issue bar: the report takes at most twice as long.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _harness import PYTHON, Result, interleaved, process_env, result
from startup import _prepare_demo

NAME = "review_report"
LIMIT = 2.0


def measure(rounds: int = 5) -> Result:
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as tmp:
        base = Path(tmp)
        workspace = base / "demo"
        env = process_env(base)
        env.update(
            SHIPYARD_EXIT_AFTER_SHOW="loaded",
            SHIPYARD_CONFIG_DIR=str(base / "config"),
            XDG_CONFIG_HOME=str(base / "xdg"),
        )
        _prepare_demo(workspace, env)
        ref, sub = interleaved(
            [PYTHON, "-m", "shipyard", "open", str(workspace)],
            [PYTHON, "-m", "shipyard", "review", str(workspace),
             "--html", str(base / "r.html"), "--pdf", str(base / "r.pdf")],
            env,
            rounds,
        )  # fmt: skip
    return result(
        NAME, LIMIT, "shipyard open demo (loaded)", "shipyard review --html --pdf", ref, sub
    )
