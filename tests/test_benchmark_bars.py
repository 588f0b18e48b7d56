"""The benchmark runner enforces every bar a benchmark declares, and says when one skips."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
from _harness import result, skipped
from run_all import verdicts


def _passing(**extra: Any) -> Any:
    r = result("gates", 1.1, "ref", "sub", [1.0, 1.0], [1.05, 1.05])
    r.update(extra)  # type: ignore[typeddict-item]
    return r


def test_the_main_ratio_and_every_declared_bar_are_enforced() -> None:
    assert not verdicts([_passing()])[1]
    lines, failed = verdicts([_passing(full_run_s=6.2, full_run_limit_s=5.0, full_run_ok=False)])
    assert failed and any("gates (full_run)" in line and "FAIL" in line for line in lines)
    _, failed = verdicts([_passing(overhead_s=0.1, overhead_limit_s=0.3, overhead_ok=True)])
    assert not failed
    _, failed = verdicts([_passing(memory_ratio=2.5, memory_limit=2.0, memory_ok=False)])
    assert failed
    slow = result("gates", 1.1, "ref", "sub", [1.0], [1.5])
    assert verdicts([slow])[1]


def test_a_benchmark_that_cannot_measure_is_skipped_with_its_reason() -> None:
    lines, failed = verdicts([skipped("first_job", 0.25, "no forkserver here")])
    assert not failed and any("SKIP: no forkserver here" in line for line in lines)
