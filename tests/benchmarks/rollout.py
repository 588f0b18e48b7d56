"""Rollout rehearsal: one million simulated requests across four phases vs drawing their
random numbers.

Both sides run in this process, alternately, after one untimed warm-up each:

  reference  `draw_requests`: the four random numbers per request the simulation needs
             (routing, traffic row, latency noise, error), 1,000,000 requests, float32
  subject    `simulate`: the same draws plus routing, latency, errors, KPI, the joint
             histogram, every window's judgement (Mann–Whitney U, two-proportion tests)
             and the timeline, over shadow 0% -> canary 5% -> progressive 50% -> full 100%
             (250,000 requests each, labelled traffic of 2,000 rows)

Model scoring is not timed: it happens once per traffic and is cached. Limit: median ratio
<= 2.0.

    python tests/benchmarks/rollout.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import ROOT, Result, result  # noqa: E402

if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))

NAME = "rollout"
LIMIT = 2.0
REQUESTS = 1_000_000
ROWS = 2_000


def _setup():  # type: ignore[no-untyped-def]
    import numpy as np

    from shipyard.core.rollout.policy import parse_policy
    from shipyard.core.rollout.simulate import SimInputs

    each = REQUESTS // 4
    text = f"""
phases:
  - {{name: shadow, percent: 0, requests: {each}, checks: {{p95_latency_ms: 250, error_rate: 0.02}}}}
  - {{name: canary, percent: 5, requests: {each},
      checks: {{p95_latency_ms: 200, error_rate: 0.01, kpi_delta: -0.03}}}}
  - {{name: progressive, percent: 50, requests: {each},
      checks: {{p95_latency_ms: 200, error_rate: 0.01, kpi_delta: -0.02, cost_per_1k: 1}}}}
  - {{name: full, percent: 100, requests: {each},
      checks: {{p95_latency_ms: 200, error_rate: 0.01, kpi_delta: -0.02}}}}
"""
    policy = parse_policy(text)
    rng = np.random.default_rng(5)
    correct = np.stack([rng.random(ROWS) < 0.80, rng.random(ROWS) < 0.86]).astype(np.int8)
    inputs = SimInputs(
        mu=(float(np.log(0.02)), float(np.log(2.0))),
        sigma=(0.3, 0.4),
        error_rate=(0.0, 0.001),
        correct=correct,
        rows=ROWS,
    )
    return policy, inputs


def measure(rounds: int = 15) -> Result:
    import numpy as np

    from shipyard.core.rollout.simulate import draw_requests, simulate

    policy, inputs = _setup()

    def reference() -> None:
        draw_requests(np.random.default_rng(11), REQUESTS, ROWS)

    def subject() -> None:
        out = simulate(policy, inputs, seed=11)
        assert out.requests == REQUESTS and out.outcome == "promoted", out.outcome

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    reference()
    subject()
    ref: list[float] = []
    sub: list[float] = []
    for i in range(rounds):
        if i % 2:
            sub.append(timed(subject))
            ref.append(timed(reference))
        else:
            ref.append(timed(reference))
            sub.append(timed(subject))
    return result(
        NAME,
        LIMIT,
        "draw_requests: 4 x 1M float32/int32 random numbers",
        "simulate: 1M requests, 4 phases, judged and charted",
        ref,
        sub,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    print(json.dumps(measure(parser.parse_args().rounds), indent=1))
