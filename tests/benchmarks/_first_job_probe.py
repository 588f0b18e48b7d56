"""One process: how long the first training-process job takes to answer.

    python _first_job_probe.py WORKSPACE cold|warm [SETUP_SECONDS]

`cold`: the job is started at once, as before the Models tab warmed anything. `warm`:
`job_process.prewarm()` runs, then SETUP_SECONDS pass (a user picking a target and
features) before the job starts. Prints the job's wall time in seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any


def answer(job: Any, ws: Any) -> str:  # the smallest job: what the child sees
    return ws.root.name


def main() -> None:
    from shipyard.core.jobs import JobControl
    from shipyard.ui.jobs import process as job_process

    root, mode = Path(sys.argv[1]), sys.argv[2]
    if mode == "warm":
        job_process.prewarm()
        time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 3.0)
    start = time.perf_counter()
    assert job_process.run_in_process(JobControl(), answer, root) == root.name
    print(f"{time.perf_counter() - start:.4f}")


if __name__ == "__main__":
    main()
