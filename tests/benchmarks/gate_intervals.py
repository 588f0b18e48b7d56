"""Gate intervals: a full gate run with the 95% intervals vs the same run without them.

A seeded 100,000-row x 20-feature table (the training_record table; binary target) is
imported once and the dummy and linear rungs are trained on its stored split, so the gated
run's holdout (the split the gate scores) holds 20,000 rows. The policy is the workspace
default plus two quality checks: ROC AUC (its interval: DeLong's variance) and F1 (its
interval: a seeded, stratified bootstrap of 1,000 resamples drawn as confusion matrices).
Then, in the same process, alternately (swapping who goes first):

  reference  `run_gates(..., save=False)` with intervals switched off (the interval
             function returns none)
  subject    the same gate run as shipped, intervals measured for every quality check

Each gate run builds a fresh context: the holdout is loaded and scored by the model file
again, as the CLI does. The latency measurement is stored beside the run after the warm-up,
so both sides read the same stored figures. Limit: ratio <= 1.10. A gate run's wall time on
a shared machine swings by more than the intervals cost, so the time spent inside the
interval function is also reported (`interval_s`, `interval_share` of the reference).

    python tests/benchmarks/gate_intervals.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import result  # noqa: E402

NAME = "gate_intervals"
LIMIT = 1.10
ROWS = 100_000  # a 0.2 holdout: 20,000 rows
POLICY = """schema: 1
checks:
  - kind: quality
    metric: roc_auc
    threshold: 0.6
  - kind: quality
    metric: f1
    threshold: 0.3
"""


def prepare(base: Path) -> tuple[Any, str, int]:
    from training_record import SLUG, TARGET, prepare_workspace

    from shipyard.core.training import train_ladder

    ws, version = prepare_workspace(base, ROWS)
    runs = train_ladder(ws, SLUG, version, TARGET, user="bench", families=["dummy", "linear"])
    (ws.projects_dir / SLUG / "gates.yaml").write_text(POLICY, encoding="utf-8")
    return ws, SLUG, runs[-1].dataset["holdout_rows"]


def gate_once(ws: Any, slug: str, intervals: bool, spent: list[float]) -> tuple[float, Any]:
    """One gate run's wall time and report; with intervals, the time spent measuring them
    is appended to `spent` (the same run's share, free of the machine's noise)."""
    from shipyard.core.gates import run_gates
    from shipyard.core.training import intervals as iv

    real = iv.metric_interval

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[-1] += time.perf_counter() - started

    spent.append(0.0)
    iv.metric_interval = timed if intervals else (lambda *a, **k: None)  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        report = run_gates(ws, slug, user="bench", save=False)
        return time.perf_counter() - started, report
    finally:
        iv.metric_interval = real  # type: ignore[assignment]


def measure(rounds: int = 15) -> dict:
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-gate-intervals-") as tmp:
        started = time.perf_counter()
        ws, slug, holdout = prepare(Path(tmp))
        prepare_s = time.perf_counter() - started
        spent: list[float] = []
        _, without = gate_once(ws, slug, False, [])  # warm-up: imports, the stored latency
        _, report = gate_once(ws, slug, True, [])
        ref: list[float] = []
        sub: list[float] = []
        for i in range(rounds):
            order = (False, True) if i % 2 == 0 else (True, False)
            for with_intervals in order:
                seconds, _ = gate_once(ws, slug, with_intervals, spent if with_intervals else [])
                (sub if with_intervals else ref).append(seconds)
    quality = [c for c in report.checks if c.kind == "quality"]
    if not all("interval" in c.evidence for c in quality):
        raise RuntimeError("a quality check measured no interval: " + str(quality))
    if any("interval" in c.evidence for c in without.checks):
        raise RuntimeError("the reference gate run measured intervals")
    out: dict = dict(
        result(NAME, LIMIT, "gate run, intervals off", "gate run with intervals", ref, sub)
    )
    out.update(
        holdout_rows=holdout,
        quality_checks=len(quality),
        methods=sorted({c.evidence["interval"]["method"] for c in quality}),
        # The intervals' own time per gate run, and its share of the reference's median:
        # the figure the ratio estimates, measured without the other runs' noise.
        interval_s=round(statistics.median(spent), 4),
        interval_share=round(statistics.median(spent) / statistics.median(ref), 4),
        prepare_s=round(prepare_s, 1),
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    r = measure(args.rounds)
    print(
        f"gate run on {r['holdout_rows']:,} holdout rows ({r['quality_checks']} quality checks, "
        f"{', '.join(r['methods'])}): without intervals {r['reference_median_s']} s, with "
        f"{r['subject_median_s']} s, ratio {r['ratio']:.3f} (limit {r['limit']}); the "
        f"intervals themselves {r['interval_s'] * 1000:.1f} ms ({r['interval_share']:.2%})"
    )
    ok = r["ratio"] <= r["limit"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
