"""Startup of the frozen app vs the same app run from the virtual environment.

Both open the demo workspace and quit on the first event-loop turn after the window shows
(`SHIPYARD_EXIT_AFTER_SHOW=shown`, as `startup.py`), timed alternately as whole processes:

  reference  `python -m shipyard open <demo>` from the project's environment
  subject    `dist/shipyard/shipyard open <demo>`, the one-folder build of
             `python3 tools/dev.py package` (or the executable named by SHIPYARD_FROZEN,
             e.g. /opt/shipyard/shipyard after installing the .deb)

Limit: ratio <= 1.3. Skipped, with the reason, when there is no build.

    python tests/benchmarks/frozen_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import PYTHON, ROOT, Result, interleaved, process_env, result, skipped  # noqa: E402
from startup import _prepare_demo  # noqa: E402

NAME = "frozen_startup"
LIMIT = 1.3


def frozen_executable() -> Path:
    name = "shipyard.exe" if os.name == "nt" else "shipyard"
    return Path(os.environ.get("SHIPYARD_FROZEN") or ROOT / "dist" / "shipyard" / name)


def measure(rounds: int = 7) -> Result:
    exe = frozen_executable()
    if not exe.is_file():
        return skipped(NAME, LIMIT, f"no frozen build at {exe} (python3 tools/dev.py package)")
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-frozen-") as tmp:
        base = Path(tmp)
        workspace = base / "demo"
        env = process_env(base)
        env.update(
            SHIPYARD_EXIT_AFTER_SHOW="shown",
            SHIPYARD_CONFIG_DIR=str(base / "config"),  # never the real user's settings
            XDG_CONFIG_HOME=str(base / "xdg"),
        )
        _prepare_demo(workspace, env)
        ref, sub = interleaved(
            [PYTHON, "-m", "shipyard", "open", str(workspace)],
            [str(exe), "open", str(workspace)],
            env,
            rounds,
        )
        leftover = workspace / ".shipyard" / "lock.json"
        if leftover.exists():
            raise RuntimeError(f"a run left the workspace lock behind: {leftover}")
    return result(NAME, LIMIT, "python -m shipyard open demo (venv)", str(exe), ref, sub)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    print(json.dumps(measure(parser.parse_args().rounds), indent=2))
