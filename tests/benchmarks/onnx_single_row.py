"""Single-row answers: the exported ONNX model vs sklearn's `predict_proba` on the same pipeline.

The ladder's trees (HistGradientBoosting) and linear (imputer + scaler + one-hot + logistic
regression) pipelines are fitted on the training rows of the seeded table from
training_record.py (20,000 rows is plenty: a tree's depth and the linear model's width do
not depend on the row count) and exported with `to_onnx_bytes`, as a run records them.

Each side answers the same `CALLS` holdout rows one at a time, alternating in blocks, and
the median call time is compared:

  reference  `pipe.predict_proba(X[i:i+1])` (the Frame's one-row object array)
  subject    `session.run(None, feed_i)` with one InferenceSession made once, tuned as a
             server would (one intra-op thread, no spinning, sequential execution, all graph
             optimisations) and the one-row inputs prebuilt as `Frame.onnx_feed` makes them

The bar is "ONNX at least 50x faster", so the ratio is onnx / sklearn with limit 0.02; the
reported ratio is the worse of the two pipelines (the details hold each one's figures).

    python tests/benchmarks/onnx_single_row.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import result  # noqa: E402
from training_record import load_split_frames, prepare_workspace  # noqa: E402

NAME = "onnx_single_row"
LIMIT = 0.02
ROWS = 20_000
CALLS = 200  # single-row calls per side per round
FAMILIES = ("trees", "linear")


def server_session(model_bytes: bytes) -> Any:
    """An InferenceSession set up for one request at a time, as a serving process would."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def _median_call(fn: Callable[[Any], Any], inputs: list[Any]) -> float:
    times: list[float] = []
    for x in inputs:
        started = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pair(pipe: Any, model_bytes: bytes, spec: Any, hold: Any, rounds: int) -> dict[str, Any]:
    """Median single-row seconds of sklearn and ONNX, `rounds` alternating blocks each."""
    import numpy as np

    n = min(CALLS, len(hold))
    rows = [hold.X[i : i + 1].copy() for i in range(n)]
    full = hold.onnx_feed(spec)
    feeds = [{k: v[i : i + 1].copy() for k, v in full.items()} for i in range(n)]
    session = server_session(model_bytes)
    outputs = [o.name for o in session.get_outputs()]

    def sk(x: Any) -> Any:
        return pipe.predict_proba(x)

    def ox(feed: dict[str, Any]) -> Any:
        return session.run(outputs, feed)

    # Same answers, or the comparison is meaningless.
    for x, feed in zip(rows[:20], feeds[:20], strict=True):
        if np.max(np.abs(sk(x) - ox(feed)[1])) > 1e-4:
            raise RuntimeError("ONNX and sklearn disagree on a single row")
    _median_call(sk, rows[:20])  # warm-up
    _median_call(ox, feeds[:20])
    ref: list[float] = []
    sub: list[float] = []
    for i in range(rounds):
        if i % 2:
            sub.append(_median_call(ox, feeds))
            ref.append(_median_call(sk, rows))
        else:
            ref.append(_median_call(sk, rows))
            sub.append(_median_call(ox, feeds))
    return {"sklearn": ref, "onnx": sub}


def measure(rounds: int = 5) -> dict[str, Any]:
    from shipyard.core.training import build_pipeline
    from shipyard.core.training.onnx_export import to_onnx_bytes

    pairs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-onnx-") as tmp:
        ws, version = prepare_workspace(Path(tmp), ROWS)
        spec, train, hold = load_split_frames(ws, version)
        for family in FAMILIES:
            pipe = build_pipeline(family, spec, 42)
            pipe.fit(train.X, train.y)
            pairs[family] = _pair(pipe, to_onnx_bytes(pipe, spec), spec, hold, rounds)
    ratios = {
        f: statistics.median(p["onnx"]) / statistics.median(p["sklearn"]) for f, p in pairs.items()
    }
    worst = max(ratios, key=lambda f: ratios[f])
    out: dict[str, Any] = dict(
        result(
            NAME,
            LIMIT,
            f"sklearn predict_proba, one row ({worst})",
            f"onnxruntime session.run, one row ({worst})",
            pairs[worst]["sklearn"],
            pairs[worst]["onnx"],
        )
    )
    # Single-row calls take microseconds: keep more digits than the harness's 4.
    out["ratio"] = round(ratios[worst], 4)
    for key in ("reference", "subject"):
        samples = pairs[worst]["sklearn" if key == "reference" else "onnx"]
        out[f"{key}_median_s"] = round(statistics.median(samples), 7)
        out[f"{key}_samples_s"] = [round(t, 7) for t in samples]
    out["calls_per_round"] = CALLS
    for family, p in pairs.items():
        sk_us = statistics.median(p["sklearn"]) * 1e6
        ox_us = statistics.median(p["onnx"]) * 1e6
        out[family] = {
            "sklearn_us": round(sk_us, 1),
            "onnx_us": round(ox_us, 1),
            "ratio": round(ox_us / sk_us, 4),
            "speedup": round(sk_us / ox_us, 1),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    r = measure(args.rounds)
    for family in FAMILIES:
        f = r[family]
        print(
            f"{family:<7} sklearn {f['sklearn_us']:8.1f} us   onnx {f['onnx_us']:6.1f} us   "
            f"{f['speedup']:.0f}x faster (ratio {f['ratio']:.4f}, limit {LIMIT})"
        )
    ok = r["ratio"] <= r["limit"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
