"""Latency of single-row onnxruntime calls on holdout rows, and batch throughput.

The feeds are built before the clock starts; calls are timed with one `perf_counter_ns`
read after each bare `session.run`, so the wrapper adds next to nothing
(see tests/benchmarks/gates.py).

A model's latency is measured once and kept beside its run, in `runs/<id>/latency.json`,
keyed by the sha256 of the model bytes it timed (`latency_once`). The gate and the rollout
rehearsal read that one measurement, so re-running either gives the same figures; a
replaced model file has another hash and is measured afresh.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import JobControl
from shipyard.core.training.task import TaskSpec
from shipyard.core.workspace.layout import LATENCY_FILE

WARMUP_CALLS = 20
BATCH_ROWS = 1000
BATCH_REPEATS = 3
DEFAULT_ROWS = 300  # single-row calls per measurement (the gate's latency check default)
LATENCY_FORMAT = 1


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LatencyResult:
        """The result stored as JSON (latency.json, or a gate report's latency evidence);
        a missing or malformed field raises KeyError, ValueError or TypeError."""
        return cls(
            calls=int(data["calls"]),
            p50_ms=float(data["p50_ms"]),
            p95_ms=float(data["p95_ms"]),
            p99_ms=float(data["p99_ms"]),
            mean_ms=float(data["mean_ms"]),
            max_ms=float(data["max_ms"]),
            throughput_rps=float(data["throughput_rps"]),
            batch_rows=int(data["batch_rows"]),
            samples_ms=tuple(float(x) for x in data.get("samples_ms", ())),
        )


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


def latency_path(run_folder: Path) -> Path:
    """Where a run keeps its one latency measurement."""
    return Path(run_folder) / LATENCY_FILE


def load_latency(run_folder: Path | None, model_sha256: str) -> LatencyResult | None:
    """The stored measurement of these exact model bytes; None when there is none, it timed
    other bytes (the file was replaced) or it cannot be read."""
    if run_folder is None or not model_sha256:
        return None
    try:
        data = json.loads(latency_path(run_folder).read_text("utf-8"))
        if not isinstance(data, dict) or data.get("model_sha256") != model_sha256:
            return None
        return LatencyResult.from_json(data["result"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_latency(
    run_folder: Path, model_sha256: str, result: LatencyResult, *, measured_by: str
) -> None:
    """Keep `result` as the measurement of the model whose bytes hash to `model_sha256`."""
    from datetime import UTC, datetime

    from shipyard.core.workspace.atomic import atomic_write_text

    data = {
        "format": LATENCY_FORMAT,
        "model_sha256": model_sha256,
        "measured_by": measured_by,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "how": "one onnxruntime session (1 thread); single-row calls after a warm-up; "
        "throughput from the best of 3 batch calls",
        "result": {**asdict(result), "samples_ms": list(result.samples_ms)},
    }
    atomic_write_text(latency_path(run_folder), json.dumps(data, indent=1) + "\n")


def latency_once(
    run_folder: Path | None,
    model_sha256: str,
    measure: Callable[[], LatencyResult],
    *,
    min_calls: int = 0,
    measured_by: str | Callable[[], str],
) -> LatencyResult:
    """The stored latency of these model bytes, else `measure()` stored for next time.

    A stored measurement with fewer than `min_calls` timed calls is measured again (a gate
    policy asking for more rows than were timed). A folder that cannot be written (a
    read-only workspace) still gets the fresh measurement. `measured_by` names who measured
    ("gate", "rehearsal"); a callable is asked after `measure()` ran.
    """
    stored = load_latency(run_folder, model_sha256)
    if stored is not None and stored.calls >= min_calls:
        return stored
    result = measure()
    if run_folder is not None and model_sha256:
        who = measured_by() if callable(measured_by) else measured_by
        with contextlib.suppress(OSError):
            save_latency(run_folder, model_sha256, result, measured_by=who)
    return result


def stored_latency_info(run_folder: Path | None, model_sha256: str) -> dict[str, Any] | None:
    """`measured_by` and `measured_at` of the stored measurement of these bytes, or None."""
    if load_latency(run_folder, model_sha256) is None or run_folder is None:
        return None
    try:
        data = json.loads(latency_path(run_folder).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return {k: data.get(k) for k in ("measured_by", "measured_at")}
