"""Judging one phase window: each check of the policy against the candidate's and the
control's figures, with the statistic, p-value, effect size and a verdict a reviewer reads.

A check fails (roll back) only when its threshold is breached AND the test says the
candidate is significantly worse than control (or than the margin, for KPI; for latency the
Mann–Whitney effect must also reach P(slower) >= 0.56); a breach without that holds the
rollout for a person; too few requests wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from shipyard.core.rollout.policy import Checks
from shipyard.core.rollout.results import CheckResult, Verdict
from shipyard.core.rollout.stats import difference_below_margin, mann_whitney_counts, two_proportion

if TYPE_CHECKING:
    import numpy as np


@dataclass
class ArmStats:
    """Counts for one arm in a window: a latency histogram plus error and correct counts."""

    hist: np.ndarray  # requests per latency bin
    errors: int
    correct: int
    bin_width: float
    n: int = field(init=False)
    cum: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.cum = self.hist.cumsum()
        self.n = int(self.cum[-1]) if len(self.cum) else 0

    def quantile(self, q: float) -> float:
        if self.n == 0:
            return float("nan")
        idx = int(self.cum.searchsorted(q * self.n))
        return (idx + 0.5) * self.bin_width

    def mean_ms(self) -> float:
        import numpy as np

        if self.n == 0:
            return float("nan")
        centers = (np.arange(len(self.hist)) + 0.5) * self.bin_width
        return float(np.dot(self.hist, centers) / self.n)

    def __add__(self, other: ArmStats) -> ArmStats:
        return ArmStats(
            self.hist + other.hist,
            self.errors + other.errors,
            self.correct + other.correct,
            self.bin_width,
        )


MIN_LATENCY_EFFECT = 0.06  # P(candidate slower) must reach 0.56 to count as slower


def _verdict(breach: bool, p: float | None, alpha: float) -> Verdict:
    if not breach:
        return "pass"
    if p is None or p < alpha:
        return "fail"
    return "hold"


def _fmt_p(p: float) -> str:
    return f"p={p:.2g}" if p >= 1e-4 else "p<0.0001"


def judge_window(
    checks: Checks,
    cand: ArmStats,
    ctrl: ArmStats,
    *,
    alpha: float,
    min_requests: int,
    labelled: bool,
    cost_per_cpu_hour: float,
    fixed_cost: float | None = None,
) -> list[CheckResult]:
    """One CheckResult per check the phase asks for; every check waits while the candidate
    has fewer than `min_requests` requests (or control has none)."""
    results: list[CheckResult] = []
    if checks.p95_latency_ms is not None:
        results.append(_latency_check(checks.p95_latency_ms, cand, ctrl, alpha))
    if checks.error_rate is not None:
        results.append(_error_rate_check(checks.error_rate, cand, ctrl, alpha))
    if checks.kpi_delta is not None and labelled:
        results.append(_kpi_check(checks.kpi_delta, cand, ctrl, alpha))
    if checks.cost_per_1k is not None:
        results.append(_cost_check(checks.cost_per_1k, cand, ctrl, cost_per_cpu_hour, fixed_cost))
    if cand.n >= min_requests and ctrl.n > 0:
        return results
    short = f"only {cand.n} candidate requests so far; judging needs {min_requests}"
    return [replace(r, verdict="wait", message=short) for r in results]


def _latency_check(thr: float, cand: ArmStats, ctrl: ArmStats, alpha: float) -> CheckResult:
    value, base = cand.quantile(0.95), ctrl.quantile(0.95)
    res = mann_whitney_counts(cand.hist, ctrl.hist, "greater")
    # Kayenta-style: slower means significant AND a difference worth the name
    slower = res.p_value < alpha and res.effect >= 0.5 + MIN_LATENCY_EFFECT
    sig = "slower than control" if slower else "not meaningfully slower than control"
    msg = (
        f"p95 {value:.0f} ms {'>' if value > thr else '≤'} {thr:g} ms; {sig} "
        f"(Mann–Whitney {_fmt_p(res.p_value)}, P(slower)={res.effect:.2f})"
    )
    verdict = _verdict(value > thr, 0.0 if slower else 1.0, alpha)
    return CheckResult(
        "p95_latency_ms", "Mann–Whitney U", value, base, thr, "ms",
        res.p_value, res.effect, "P(candidate slower)", verdict, msg,
    )  # fmt: skip


def _error_rate_check(thr: float, cand: ArmStats, ctrl: ArmStats, alpha: float) -> CheckResult:
    rate = cand.errors / cand.n if cand.n else float("nan")
    base = ctrl.errors / ctrl.n if ctrl.n else float("nan")
    res = two_proportion(cand.errors, cand.n, ctrl.errors, ctrl.n, "greater")
    msg = (
        f"error rate {rate:.2%} {'>' if rate > thr else '≤'} {thr:.2%}; control "
        f"{base:.2%} (two-proportion z {_fmt_p(res.p_value)}, h={res.effect:.2f})"
    )
    return CheckResult(
        "error_rate", "two-proportion z", rate, base, thr, "share",
        res.p_value, res.effect, "Cohen's h", _verdict(rate > thr, res.p_value, alpha), msg,
    )  # fmt: skip


def _kpi_check(thr: float, cand: ArmStats, ctrl: ArmStats, alpha: float) -> CheckResult:
    kc = cand.correct / cand.n if cand.n else float("nan")
    kk = ctrl.correct / ctrl.n if ctrl.n else float("nan")
    delta = kc - kk
    res = difference_below_margin(cand.correct, cand.n, ctrl.correct, ctrl.n, thr)
    msg = (
        f"KPI {kc:.1%} vs control {kk:.1%}: {delta * 100:+.1f} points "
        f"{'<' if delta < thr else '≥'} {thr * 100:+.1f} "
        f"(two-proportion z {_fmt_p(res.p_value)}, h={res.effect:.2f})"
    )
    return CheckResult(
        "kpi_delta", "two-proportion z (margin)", delta, kk, thr, "share",
        res.p_value, res.effect, "Cohen's h", _verdict(delta < thr, res.p_value, alpha), msg,
    )  # fmt: skip


def _cost_check(
    thr: float, cand: ArmStats, ctrl: ArmStats, cost_per_cpu_hour: float, fixed: float | None
) -> CheckResult:
    """Cost per 1k requests, from the gate report or from latency x compute price: no test,
    a breach fails."""
    cost = fixed if fixed is not None else cand.mean_ms() * cost_per_cpu_hour / 3600
    base = ctrl.mean_ms() * cost_per_cpu_hour / 3600
    source = "gate report" if fixed is not None else "latency x compute price"
    msg = f"cost {cost:.4g} per 1k {'>' if cost > thr else '≤'} {thr:g} ({source})"
    verdict: Verdict = "fail" if cost > thr else "pass"
    return CheckResult(
        "cost_per_1k", "computed", cost, base, thr, "per 1k", None, None, "", verdict, msg
    )
