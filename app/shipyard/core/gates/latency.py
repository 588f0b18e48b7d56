"""Latency of single-row onnxruntime calls on holdout rows, and batch throughput.

The feeds are built before the clock starts; calls are timed with one `perf_counter_ns`
read after each bare `session.run`, so the wrapper adds next to nothing
(see tests/benchmarks/gates.py).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from ..errors import ShipyardError
from ..jobs import JobControl
from ..training.task import TaskSpec

WARMUP_CALLS = 20
BATCH_ROWS = 1000
BATCH_REPEATS = 3


@dataclass(frozen=True)
class LatencyResult:
    calls: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    throughput_rps: float
    batch_rows: int
    samples_ms: tuple[float, ...]  # every timed call, in order


def single_row_feeds(holdout: Any, spec: TaskSpec, rows: int) -> list[dict[str, Any]]:
    """Up to `rows` one-row feeds, cycling over the holdout when it is smaller."""
    n = len(holdout)
    if n == 0:
        return []
    feed = holdout.onnx_feed(spec)
    return [{k: v[i % n : i % n + 1] for k, v in feed.items()} for i in range(rows)]


def time_calls(session: Any, feeds: list[dict[str, Any]]) -> list[int]:
    """Nanoseconds of each `session.run(None, feed)`; the timing wrapper being measured.

    One clock read per call: call i lasts from stamp i to stamp i + 1 (the loop step in
    between costs tens of nanoseconds), which keeps the wrapper's cost near zero.
    """
    run = session.run
    clock = time.perf_counter_ns
    stamps = [clock()]
    add = stamps.append
    for feed in feeds:
        run(None, feed)
        add(clock())
    return [b - a for a, b in itertools.pairwise(stamps)]


def measure_latency(
    session: Any, holdout: Any, spec: TaskSpec, *, rows: int = 300, job: JobControl | None = None
) -> LatencyResult:
    import numpy as np

    feeds = single_row_feeds(holdout, spec, rows)
    if not feeds:
        raise ShipyardError(
            "the run's holdout has no rows to replay",
            fix="train on a version with enough rows for a holdout",
        )
    time_calls(session, feeds[:WARMUP_CALLS])
    samples: list[int] = []
    chunk = max(1, len(feeds) // 10)
    for i in range(0, len(feeds), chunk):  # cancel and progress between chunks, not calls
        if job is not None:
            job.check()
        samples += time_calls(session, feeds[i : i + chunk])
    ms = np.asarray(samples, dtype=np.float64) / 1e6
    batch = holdout.onnx_feed(spec)
    n = min(len(holdout), BATCH_ROWS)
    batch = {k: v[:n] for k, v in batch.items()}
    session.run(None, batch)
    best = float("inf")
    for _ in range(BATCH_REPEATS):
        start = time.perf_counter()
        session.run(None, batch)
        best = min(best, time.perf_counter() - start)
    p50, p95, p99 = (float(x) for x in np.percentile(ms, [50, 95, 99]))
    return LatencyResult(
        calls=len(ms),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        mean_ms=float(ms.mean()),
        max_ms=float(ms.max()),
        throughput_rps=n / best if best > 0 else float("inf"),
        batch_rows=n,
        samples_ms=tuple(round(float(x), 4) for x in ms),
    )
