"""The judging statistics agree with scipy on fixed samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from shipyard.core.rollout.stats import (
    cohens_h,
    difference_below_margin,
    mann_whitney,
    mann_whitney_counts,
    two_proportion,
)


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_mann_whitney_matches_scipy(alternative: str) -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.lognormal(3.0, 0.4, 300), 1)  # rounded: plenty of ties
    y = np.round(rng.lognormal(2.9, 0.4, 250), 1)
    ours = mann_whitney(x, y, alternative)  # type: ignore[arg-type]
    ref = sps.mannwhitneyu(x, y, alternative=alternative, method="asymptotic")
    assert ours.statistic == pytest.approx(ref.statistic)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
    assert ours.effect == pytest.approx(ref.statistic / (300 * 250))


def test_mann_whitney_counts_equals_raw_samples() -> None:
    x = np.array([1, 1, 2, 3, 3, 3, 5])
    y = np.array([0, 1, 2, 2, 4])
    cx = np.bincount(x, minlength=6)
    cy = np.bincount(y, minlength=6)
    a = mann_whitney_counts(cx, cy)
    b = mann_whitney(x, y)
    ref = sps.mannwhitneyu(x, y, alternative="greater", method="asymptotic")
    assert a.statistic == b.statistic == pytest.approx(ref.statistic)
    assert a.p_value == pytest.approx(ref.pvalue)


def test_two_proportion_matches_chi_square() -> None:
    x1, n1, x2, n2 = 30, 1000, 12, 1100
    ours = two_proportion(x1, n1, x2, n2, "two-sided")
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    assert ours.statistic**2 == pytest.approx(chi2)
    assert ours.p_value == pytest.approx(p)
    greater = two_proportion(x1, n1, x2, n2, "greater")
    assert greater.p_value == pytest.approx(sps.norm.sf(ours.statistic))
    assert ours.effect == pytest.approx(
        2 * math.asin(math.sqrt(0.03)) - 2 * math.asin(math.sqrt(12 / 1100))
    )


def test_difference_below_margin() -> None:
    # candidate 80% vs control 86%: 6 points worse, the policy allows 2
    res = difference_below_margin(800, 1000, 860, 1000, -0.02)
    se = math.sqrt(0.8 * 0.2 / 1000 + 0.86 * 0.14 / 1000)
    assert res.statistic == pytest.approx((-0.06 + 0.02) / se)
    assert res.p_value == pytest.approx(sps.norm.cdf(res.statistic))
    assert res.p_value < 0.05
    assert difference_below_margin(860, 1000, 860, 1000, -0.02).p_value > 0.5
    assert cohens_h(0.5, 0.5) == 0
