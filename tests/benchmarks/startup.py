"""Startup: Shipyard opening the demo workspace vs a bare PySide6 window with one plot.

Both are whole processes timed alternately in one run. The bare window quits on the first
event-loop turn after `show()`. Shipyard (`SHIPYARD_EXIT_AFTER_SHOW`) quits either on the
first turn after its window shows ("shown": this benchmark, the quality bar) or once the
workspace is loaded and the ranked portfolio has painted ("loaded": startup_loaded.py).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from _harness import PYTHON, ROOT, Result, interleaved, process_env, result

NAME = "startup"
LIMIT = 1.3
BARE = ROOT / "tests" / "benchmarks" / "bare_window.py"


def _prepare_demo(workspace: Path, env: dict[str, str]) -> None:
    cmd = [PYTHON, "-m", "shipyard", "demo", str(workspace), "--no-gui"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"preparing the demo workspace failed:\n{done.stderr}")


def measure(rounds: int = 7) -> Result:
    return measure_until("shown", NAME, LIMIT, rounds)


def measure_until(mode: str, name: str, limit: float, rounds: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as tmp:
        base = Path(tmp)
        workspace = base / "demo"
        env = process_env(base)
        env.update(
            SHIPYARD_EXIT_AFTER_SHOW=mode,
            SHIPYARD_CONFIG_DIR=str(base / "config"),  # never the real user's settings
            XDG_CONFIG_HOME=str(base / "xdg"),
        )
        _prepare_demo(workspace, env)
        # Runs are sequential and `open` releases the workspace lock at exit, so they never
        # collide; a lock left behind would mean a run did not exit cleanly.
        ref, sub = interleaved(
            [PYTHON, str(BARE)],
            [PYTHON, "-m", "shipyard", "open", str(workspace)],
            env,
            rounds,
        )
        leftover = workspace / ".shipyard" / "lock.json"
        if leftover.exists():
            raise RuntimeError(f"a run left the workspace lock behind: {leftover}")
    subject = f"shipyard open demo ({mode})"
    return result(name, limit, "bare PySide6 + 1 pyqtgraph plot", subject, ref, sub)
