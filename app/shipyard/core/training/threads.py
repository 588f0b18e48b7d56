"""Limit native thread pools (OpenMP, BLAS) around a block, cheaply.

threadpoolctl's `threadpool_limits` finds the loaded libraries on every call, which reads
/proc and stats files for 4-7 ms: noticeable in a parity check that takes 60 ms. One
controller is kept and reused (0.05 ms a limit); it is made again when modules were imported
since, as a new module may have loaded a new native library.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Any

_controller: tuple[int, Any] | None = None


def native_threads(limit: int | None) -> AbstractContextManager[Any]:
    """A context that limits every native pool to `limit` threads (None: no change)."""
    global _controller
    from threadpoolctl import ThreadpoolController

    if _controller is None or _controller[0] != len(sys.modules):
        _controller = (len(sys.modules), ThreadpoolController())
    context: AbstractContextManager[Any] = _controller[1].limit(limits=limit)
    return context
