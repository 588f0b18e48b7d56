"""The first training job of a session: started cold vs after the Models tab's prewarm.

Each sample is a fresh process (`_first_job_probe.py`), because the training process's
forkserver, with the training stack imported, lives as long as the window's process:

  reference  the first job started at once (forkserver and imports started by the job)
  subject    the first job started 3 s after `job_process.prewarm()` (what the Models tab
             calls once it has been shown for 1.5 s, while the user sets up the task)

Both run the smallest job (it answers the workspace's name), so the figure is the wait
before a first Train shows progress. Limit: ratio <= 0.25. Where there is no forkserver
(spawn: Windows, macOS) there is nothing to warm: the limit is then NO_FORKSERVER_LIMIT, only
that the prewarm costs the first job nothing.

    python tests/benchmarks/first_job.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import PYTHON, ROOT, Result, process_env, result, skipped  # noqa: E402

NAME = "first_job"
LIMIT = 0.25
PROBE = HERE / "_first_job_probe.py"


def _probe(workspace: Path, mode: str, env: dict[str, str]) -> float:
    cmd = [PYTHON, str(PROBE), str(workspace), mode]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} probe failed:\n{done.stderr}")
    return float(done.stdout.split()[-1])


def measure(rounds: int = 3) -> Result:
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        # Without a forkserver there is nothing to warm: cold and warm are the same run, a
        # ratio of ~1 that could never fail. Say so instead of passing.
        return skipped(NAME, LIMIT, "this platform has no forkserver start method")
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-job-") as tmp:
        base = Path(tmp)
        env = process_env(base)
        env["PYTHONPATH"] = str(ROOT / "app")
        sys.path.insert(0, str(ROOT / "app"))
        from shipyard.core.workspace.workspace import Workspace

        workspace = Workspace.create(base / "ws").root
        _probe(workspace, "cold", env)  # fills the bytecode cache
        ref: list[float] = []
        sub: list[float] = []
        for i in range(rounds):
            pair = [("cold", ref), ("warm", sub)]
            for mode, samples in pair if i % 2 == 0 else pair[::-1]:
                samples.append(_probe(workspace, mode, env))
    return result(
        NAME,
        LIMIT,
        "first job started cold (forkserver + training imports on demand)",
        "first job started 3 s after the Models tab's prewarm",
        ref,
        sub,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    print(json.dumps(measure(parser.parse_args().rounds), indent=1))
