"""The timeline PNG: one panel per figure, the rollback marked in red, the same bytes twice."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from shipyard.core.rollout.chart_png import ROLLBACK, render_timeline_png
from shipyard.core.rollout.policy import default_rollout_yaml, parse_policy
from shipyard.core.rollout.simulate import SimInputs, simulate


def _inputs(*, labelled: bool = True, candidate_errors: float = 0.002) -> SimInputs:
    rng = np.random.default_rng(0)
    correct = np.stack([rng.random(500) < 0.8, rng.random(500) < 0.82]).astype(np.int8)
    return SimInputs(
        (np.log(20.0), np.log(21.0)),
        (0.3, 0.3),
        (0.001, candidate_errors),
        correct if labelled else None,
        500,
    )


def _pixels(png: bytes) -> np.ndarray:
    """The RGB pixels of a PNG as this module writes it (one IDAT, filter 0 on every row)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, chunks = 8, {}
    while pos < len(png):
        (size,) = struct.unpack(">I", png[pos : pos + 4])
        chunks[png[pos + 4 : pos + 8]] = png[pos + 8 : pos + 8 + size]
        pos += 12 + size
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert not rows[:, 0].any()
    return rows[:, 1:].reshape(height, width, 3)


def _has(px: np.ndarray, color: tuple[int, int, int]) -> bool:
    return bool((px == np.array(color, np.uint8)).all(axis=-1).any())


def test_one_panel_per_figure_and_a_short_chart_when_nothing_was_rehearsed() -> None:
    policy = parse_policy(default_rollout_yaml("p"))
    labelled = _pixels(render_timeline_png(simulate(policy, _inputs()), "t", width=800))
    unlabelled = _pixels(render_timeline_png(simulate(policy, _inputs(labelled=False)), "t"))
    switch = policy.kill_switch.model_copy(update={"engaged": True})
    killed = policy.model_copy(update={"kill_switch": switch})
    nothing = _pixels(render_timeline_png(simulate(killed, _inputs()), "t"))
    # share, p95 latency, error rate, and KPI only when the traffic has labels
    assert labelled.shape == (96 + 4 * 196 + 40, 800, 3)
    assert unlabelled.shape == (96 + 3 * 196 + 40, 1200, 3)
    assert nothing.shape == (96 + 196 + 40, 1200, 3)


def test_a_rollback_is_drawn_in_red_and_the_bytes_repeat() -> None:
    policy = parse_policy(default_rollout_yaml("p"))
    promoted = simulate(policy, _inputs(), seed=3)
    rolled_back = simulate(policy, _inputs(candidate_errors=0.08), seed=3)
    assert (promoted.outcome, rolled_back.outcome) == ("promoted", "rolled_back")
    assert not _has(_pixels(render_timeline_png(promoted, "t")), ROLLBACK)
    png = render_timeline_png(rolled_back, "t")
    assert _has(_pixels(png), ROLLBACK)
    assert render_timeline_png(simulate(policy, _inputs(candidate_errors=0.08), seed=3), "t") == png
