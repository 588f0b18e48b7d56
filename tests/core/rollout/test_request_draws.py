"""Each simulated request's random numbers depend only on the seed and its index."""

from __future__ import annotations

import numpy as np

from shipyard.core.rollout.policy import parse_policy
from shipyard.core.rollout.simulate import DRAW_BLOCK, RequestDraws, SimInputs, simulate


def _policy(last_phase_requests: int) -> object:
    return parse_policy(
        f"""
phases:
  - {{name: canary, percent: 5, requests: 60000, checks: {{error_rate: 0.05}}}}
  - {{name: half, percent: 50, requests: 60000, checks: {{error_rate: 0.05}}}}
  - {{name: full, percent: 100, requests: {last_phase_requests}, checks: {{error_rate: 0.05}}}}
"""
    )


def _inputs() -> SimInputs:
    rng = np.random.default_rng(0)
    correct = np.stack([rng.random(500) < 0.8, rng.random(500) < 0.85]).astype(np.int8)
    return SimInputs((np.log(20.0), np.log(22.0)), (0.3, 0.3), (0.001, 0.002), correct, 500)


def test_a_slice_is_the_same_however_the_requests_are_walked():
    whole = RequestDraws(7, 500).slice(DRAW_BLOCK - 100, DRAW_BLOCK + 100)  # spans two blocks
    walker = RequestDraws(7, 500)
    steps = range(0, DRAW_BLOCK + 100, 333)
    parts = [walker.slice(lo, min(lo + 333, DRAW_BLOCK + 100)) for lo in steps]
    walked = [np.concatenate([p[i] for p in parts])[DRAW_BLOCK - 100 :] for i in range(4)]
    for a, b in zip(whole, walked, strict=True):
        assert np.array_equal(a, b)
    other = RequestDraws(8, 500).slice(DRAW_BLOCK - 100, DRAW_BLOCK + 100)
    assert not np.array_equal(whole[0], other[0])


def test_lengthening_the_last_phase_leaves_the_earlier_phases_as_they_were():
    short = simulate(_policy(30000), _inputs(), seed=3)
    longer = simulate(_policy(90000), _inputs(), seed=3)
    assert short.outcome == longer.outcome == "promoted"
    for a, b in zip(short.phases[:2], longer.phases[:2], strict=True):
        assert a.candidate_requests == b.candidate_requests
        assert [c.to_json() for c in a.checks] == [c.to_json() for c in b.checks]
