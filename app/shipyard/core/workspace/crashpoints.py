"""Named points where a test kills the process outright, to prove that recovery works.

`crash_point("export.between_renames")` does nothing unless the environment variable
SHIPYARD_CRASH_AT names that point, in which case the process ends with SIGKILL there: no
`finally`, no `except`, exactly like a power cut or `kill -9`. The crash tests run a
command in a child process with the variable set, then open the workspace and check that
it reports what it cleaned, that `audit verify` passes and that nothing is half-made.
"""

from __future__ import annotations

import os
import signal

ENV = "SHIPYARD_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
