"""The statistics a phase is judged with: Mann–Whitney U (latency, as Kayenta does) and
two-proportion z tests (error rate, KPI), each with a p-value and an effect size.

Mann–Whitney works on counts per ordered bin, so the simulation judges a million requests
from a histogram without sorting them; ties within a bin get the usual tie correction and
the normal approximation with continuity correction (scipy's `method="asymptotic"`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

Alternative = Literal["two-sided", "greater", "less"]


@dataclass(frozen=True)
class TestResult:
    statistic: float
    p_value: float
    effect: float  # see each test for its meaning
    n1: int
    n2: int


def norm_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _p_from_z(z: float, alternative: Alternative) -> float:
    if alternative == "greater":
        return norm_sf(z)
    if alternative == "less":
        return norm_sf(-z)
    return min(1.0, 2.0 * norm_sf(abs(z)))


def mann_whitney_counts(
    cx: np.ndarray, cy: np.ndarray, alternative: Alternative = "greater"
) -> TestResult:
    """Mann–Whitney U of x against y, given how many of each fall into the same ordered bins.

    statistic = U of x; effect = U / (n1 n2), the probability that an x exceeds a y (ties
    count half): 0.5 means no difference.
    """
    import numpy as np

    cx = np.asarray(cx, dtype=np.float64)
    cy = np.asarray(cy, dtype=np.float64)
    n1, n2 = float(cx.sum()), float(cy.sum())
    if n1 == 0 or n2 == 0:
        return TestResult(float("nan"), 1.0, float("nan"), int(n1), int(n2))
    # U of x: for each x, the y below it, plus half the y tied with it
    u1 = float(np.dot(cx, np.cumsum(cy) - 0.5 * cy))
    n = n1 + n2
    t = cx + cy
    tie = float(np.dot(t, t * t - 1.0))
    mu = n1 * n2 / 2.0
    var = n1 * n2 / 12.0 * ((n + 1.0) - tie / (n * (n - 1.0))) if n > 1 else 0.0
    if var <= 0:
        return TestResult(u1, 1.0, u1 / (n1 * n2), int(n1), int(n2))
    sd = math.sqrt(var)
    if alternative == "two-sided":
        u = max(u1, n1 * n2 - u1)
        z = (u - mu - 0.5) / sd
        p = min(1.0, 2.0 * norm_sf(z))
    elif alternative == "greater":
        p = norm_sf((u1 - mu - 0.5) / sd)
    else:
        p = norm_sf((n1 * n2 - u1 - mu - 0.5) / sd)
    return TestResult(u1, p, u1 / (n1 * n2), int(n1), int(n2))


def mann_whitney(x: np.ndarray, y: np.ndarray, alternative: Alternative = "greater") -> TestResult:
    """Mann–Whitney U on raw samples (exact values; equal values are ties)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    values, inverse = np.unique(np.concatenate([x, y]), return_inverse=True)
    cx = np.bincount(inverse[: len(x)], minlength=len(values))
    cy = np.bincount(inverse[len(x) :], minlength=len(values))
    return mann_whitney_counts(cx, cy, alternative)


def cohens_h(p1: float, p2: float) -> float:
    """Effect size of two proportions: 0.2 small, 0.5 medium, 0.8 large."""
    return 2.0 * math.asin(math.sqrt(min(1.0, max(0.0, p1)))) - 2.0 * math.asin(
        math.sqrt(min(1.0, max(0.0, p2)))
    )


def two_proportion(
    x1: int, n1: int, x2: int, n2: int, alternative: Alternative = "greater"
) -> TestResult:
    """Pooled two-proportion z test of x1/n1 against x2/n2; effect = Cohen's h."""
    if n1 == 0 or n2 == 0:
        return TestResult(float("nan"), 1.0, float("nan"), n1, n2)
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return TestResult(0.0, 1.0, cohens_h(p1, p2), n1, n2)
    z = (p1 - p2) / se
    return TestResult(z, _p_from_z(z, alternative), cohens_h(p1, p2), n1, n2)


def difference_below_margin(x1: int, n1: int, x2: int, n2: int, margin: float) -> TestResult:
    """Is p1 - p2 significantly below `margin`? (one-sided, unpooled z; effect = Cohen's h).

    Used for the KPI check: `margin` is the smallest acceptable change, e.g. -0.02, so a
    small p-value says the candidate is worse than the policy allows.
    """
    if n1 == 0 or n2 == 0:
        return TestResult(float("nan"), 1.0, float("nan"), n1, n2)
    p1, p2 = x1 / n1, x2 / n2
    var = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    diff = p1 - p2
    if var == 0:
        return TestResult(0.0, 0.0 if diff < margin else 1.0, cohens_h(p1, p2), n1, n2)
    z = (diff - margin) / math.sqrt(var)
    return TestResult(z, norm_sf(-z), cohens_h(p1, p2), n1, n2)
