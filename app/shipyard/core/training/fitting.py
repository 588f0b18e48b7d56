"""Fit a ladder pipeline so that Cancel is answered during a long fit.

HistGradientBoosting grows its trees in chunks of iterations with `warm_start`, and the
JobControl is checked between chunks. Chunks are sized from the measured time per iteration
(about CHUNK_SECONDS each), so small data fits in one or two calls and 100k rows still answer
a cancel within a second. With early stopping off (the ladder's setting) a chunked fit grows
the same trees as one uninterrupted fit: the bins, the gradients and the seed are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shipyard.core.jobs import JobControl

CHUNK_SECONDS = 0.5
FIRST_CHUNK = 5

Report = Callable[[float, str], None]


def _is_hgb(est: Any) -> bool:
    return type(est).__name__.startswith("HistGradientBoosting")


def fit_pipeline(pipe: Any, train: Any, job: JobControl, report: Report | None = None) -> float:
    """Fit `pipe` on the train Frame; returns the fit's wall time in seconds.

    Raises Cancelled (from `job`) between chunks of a boosted-trees fit.
    """
    if report is None:

        def report(share: float, msg: str) -> None:
            job.check()

    t0 = time.perf_counter()
    est = pipe.steps[-1][1]
    if not _is_hgb(est) or getattr(est, "early_stopping", False) is True:
        report(0.0, "fitting")
        pipe.fit(train.X, train.y)
        return time.perf_counter() - t0
    report(0.0, "preparing features")
    Xt = pipe[:-1].fit_transform(train.X, train.y) if len(pipe.steps) > 1 else train.X
    fit_chunked(est, Xt, train.y, job, report)
    return time.perf_counter() - t0


def _cache_binning(est: Any) -> None:
    """Bin the training data once for all chunks, and keep its raw predictions.

    Each warm-start `fit` call re-fits the bin mapper (about 1 s on 100k x 20) and re-predicts
    the training rows with every tree so far, which would dominate short chunks. The mapper is deterministic for the same data and seed, so the
    first call's mapper and binned array are reused (an instance attribute shadows
    `_bin_data` while the chunks run; it is removed afterwards).
    """
    method = getattr(type(est), "_bin_data", None)
    predict = getattr(type(est), "_raw_predict", None)
    if method is None or predict is None:
        return
    cached: dict[str, Any] = {}

    def raw_predict(X: Any, n_threads: Any = None) -> Any:
        # A warm start re-predicts the training rows with every tree so far; the array it
        # gets is updated in place while the new trees grow, so it stays current.
        if X is not cached.get("binned"):
            return predict(est, X, n_threads=n_threads)
        if "raw" not in cached:
            cached["raw"] = predict(est, X, n_threads=n_threads)
        return cached["raw"]

    def bin_data(X: Any, sample_weight: Any, is_training_data: bool) -> Any:
        if not is_training_data:
            return method(est, X, sample_weight, is_training_data)
        if "binned" in cached:
            est._bin_mapper = cached["mapper"]
            return cached["binned"]
        cached["binned"] = method(est, X, sample_weight, is_training_data)
        cached["mapper"] = est._bin_mapper
        return cached["binned"]

    est._bin_data = bin_data
    est._raw_predict = raw_predict


def fit_chunked(est: Any, X: Any, y: Any, job: JobControl, report: Report) -> None:
    """Grow `est` (HistGradientBoosting, early stopping off) to its max_iter in timed chunks."""
    total = int(est.max_iter)
    warm = bool(est.warm_start)
    done, chunk = 0, min(FIRST_CHUNK, total)
    try:
        est.set_params(warm_start=True)
        _cache_binning(est)
        while done < total:
            job.check()
            t0 = time.perf_counter()
            est.set_params(max_iter=done + chunk)
            est.fit(X, y)
            per_iter = max((time.perf_counter() - t0) / chunk, 1e-6)
            done += chunk
            report(done / total, f"fitting: {done} of {total} trees")
            chunk = max(1, min(total - done, int(CHUNK_SECONDS / per_iter)))
    finally:
        est.__dict__.pop("_bin_data", None)
        est.__dict__.pop("_raw_predict", None)
        est.set_params(max_iter=total, warm_start=warm)
    job.check()
