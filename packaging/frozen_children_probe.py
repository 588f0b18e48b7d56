"""Train in child processes of the frozen executable, as the window's Train button does.

    PYTHONPATH=app .venv/bin/python packaging/frozen_children_probe.py EXE WORKSPACE [METHOD]

The window (shipyard.ui.models.jobs.train) runs the training in a multiprocessing child
(forkserver on Linux, spawn on macOS and Windows). Here the installed executable EXE is made
multiprocessing's interpreter, so its forkserver, resource tracker and training child are
all the frozen app: exactly what the frozen window starts. The parent is this Python because
a frozen app runs no scripts and the window needs a user to press Train; it hands the
helpers what a frozen parent would: its interpreter flags and the bundle's sys.path.
Prints the runs.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.spawn
import multiprocessing.util
import subprocess
import sys
import time
from pathlib import Path

# sys.flags of a PyInstaller app; its multiprocessing hook runs a helper command only when
# the flags before `-c` are these.
FROZEN_FLAGS = ["-B", "-S", "-I"]
ASK_PATH = "from multiprocessing.resource_tracker import main; import sys, json; print(json.dumps(sys.path))"


def act_as_frozen_parent(exe: str) -> None:
    done = subprocess.run([exe, *FROZEN_FLAGS, "-c", ASK_PATH], capture_output=True, text=True)
    try:
        frozen_path = json.loads(done.stdout)
    except ValueError:
        sys.exit(f"{exe} did not run the multiprocessing helper command: {done.stderr[-500:]}")
    prepare = multiprocessing.spawn.get_preparation_data

    def frozen_preparation(name: str) -> dict:
        data = prepare(name)
        data["sys_path"] = frozen_path
        data.pop("init_main_from_path", None)  # a frozen parent has no script to re-run
        return data

    multiprocessing.spawn.get_preparation_data = frozen_preparation
    # spawn (macOS, Windows) starts a frozen child as `EXE --multiprocessing-fork k=v ...`.
    multiprocessing.spawn.get_command_line = lambda **kwds: [
        exe,
        "--multiprocessing-fork",
        *(f"{k}={v!r}" for k, v in kwds.items()),
    ]
    multiprocessing.util._args_from_interpreter_flags = lambda: list(FROZEN_FLAGS)
    multiprocessing.set_executable(exe)


def main() -> int:
    exe, root = sys.argv[1], Path(sys.argv[2])
    method = sys.argv[3] if len(sys.argv) > 3 else None
    act_as_frozen_parent(exe)
    from shipyard.core.jobs import JobControl
    from shipyard.core.training.task_file import read_task
    from shipyard.core.workspace.workspace import Workspace
    from shipyard.ui.jobs import process as job_process
    from shipyard.ui.models import jobs as models_jobs

    if method:  # e.g. spawn: the start method macOS and Windows use
        job_process._CONTEXT = multiprocessing.get_context(method)
    ws = Workspace.open(root)
    task = read_task(ws, "churn-risk")
    start = time.perf_counter()
    steps: list[str] = []
    job = JobControl(on_progress=lambda fraction, message: steps.append(message))
    runs = models_jobs.train(
        job, ws, "churn-risk", task["dataset"], task["target"], user="smoke test",
        families=["dummy", "linear"], features=None, folds=None, include_pii=False,
    )  # fmt: skip
    took = time.perf_counter() - start
    start_method = job_process._context().get_start_method()
    if len(runs) != 2 or not steps:
        print(f"expected 2 runs and progress, got {len(runs)} runs, {len(steps)} messages")
        return 1
    print(f"trained {', '.join(r.run_id for r in runs)} in children of {exe} "
          f"({start_method}, {len(steps)} progress messages, {took:.1f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
