"""Progress of a long command on one self-overwriting stderr line (only on a terminal)."""

from __future__ import annotations

import sys
import threading


class ProgressLine:
    """` 42%  Converting x.csv to Parquet`, rewritten in place; silent when stderr is not a
    terminal, so logs and pipes get only the result. Callable as a JobControl progress."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.width = 0
        self.lock = threading.Lock()  # jobs report from their worker thread

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        text = f"{fraction * 100:3.0f}%  {message}"[:100]
        with self.lock:
            sys.stderr.write("\r" + text.ljust(self.width))
            sys.stderr.flush()
            self.width = max(self.width, len(text))

    def clear(self) -> None:
        with self.lock:
            if self.width:
                sys.stderr.write("\r" + " " * self.width + "\r")
                sys.stderr.flush()
                self.width = 0
