"""Checks that call the exported model: latency, error rate and cost per 1,000 requests."""

from __future__ import annotations

from shipyard.core.gates.context import GateContext, Outcome
from shipyard.core.gates.policy import CostCheck, ErrorRateCheck, LatencyCheck
from shipyard.core.gates.robustness import INVALID_KINDS, replay, robustness_cases

HISTOGRAM_SAMPLES = 400  # latency samples kept in the evidence for plots


def check_latency(ctx: GateContext, check: LatencyCheck) -> Outcome:
    lat = ctx.latency
    limits = [
        ("p50", lat.p50_ms, check.p50_ms),
        ("p95", lat.p95_ms, check.p95_ms),
        ("p99", lat.p99_ms, check.p99_ms),
    ]
    broken = [
        f"{name} {v:.2f} ms > {limit:g} ms"
        for name, v, limit in limits
        if limit is not None and v > limit
    ]
    if check.min_throughput_rps is not None and lat.throughput_rps < check.min_throughput_rps:
        broken.append(f"throughput {lat.throughput_rps:,.0f}/s < {check.min_throughput_rps:,.0f}/s")
    # The headline value is the strictest percentile the policy limits (p95 by default).
    name, value, limit = next(
        ((n, v, lim) for n, v, lim in reversed(limits) if lim is not None),
        ("p95", lat.p95_ms, None),
    )
    message = (
        "; ".join(broken)
        if broken
        else f"p50 {lat.p50_ms:.2f} ms, p95 {lat.p95_ms:.2f} ms, p99 {lat.p99_ms:.2f} ms; "
        f"batch {lat.throughput_rps:,.0f} rows/s"
    )
    return Outcome(
        not broken,
        value,
        limit,
        f"ms ({name})",
        message,
        {
            "calls": lat.calls,
            "p50_ms": lat.p50_ms,
            "p95_ms": lat.p95_ms,
            "p99_ms": lat.p99_ms,
            "mean_ms": lat.mean_ms,
            "max_ms": lat.max_ms,
            "throughput_rps": lat.throughput_rps,
            "batch_rows": lat.batch_rows,
            "limits": {n: lim for n, _, lim in limits if lim is not None}
            | ({"throughput_rps": check.min_throughput_rps} if check.min_throughput_rps else {}),
            "samples_ms": list(lat.samples_ms[:HISTOGRAM_SAMPLES]),
            "how": "one onnxruntime session (1 thread); single-row calls on held-out rows after "
            "a warm-up; throughput from the best of 3 batch calls",
        },
    )


def check_error_rate(ctx: GateContext, check: ErrorRateCheck) -> Outcome:
    cases = (
        robustness_cases(ctx.train, ctx.holdout, ctx.spec, check.rows_per_case)
        if check.robustness
        else []
    )
    result = replay(ctx.session, ctx.spec, ctx.holdout, cases, job=ctx.job)
    ctx.measurements["error_rate"] = result.rate
    ok = result.rate <= check.max and result.leaked == 0
    kinds = ", ".join(
        f"{k} {e}/{n}" for k, (n, e) in result.by_kind.items() if e and k not in INVALID_KINDS
    )
    message = (
        f"{result.errors:,} of {result.requests:,} valid requests failed ({result.rate:.2%})"
        + (f": {kinds}" if kinds else "")
    )
    if result.invalid:
        message += f"; {result.rejected:,} of {result.invalid:,} invalid requests refused"
    if result.leaked:
        message += f" — {result.leaked:,} invalid requests were answered instead of refused"
    return Outcome(
        ok,
        result.rate,
        check.max,
        "share",
        message,
        {
            "requests": result.requests,
            "errors": result.errors,
            "invalid_requests": result.invalid,
            "invalid_refused": result.rejected,
            "invalid_answered": result.leaked,
            "by_kind": {k: {"requests": n, "bad": e} for k, (n, e) in result.by_kind.items()},
            "examples": result.examples,
            "robustness_cases": len(cases),
            "holdout_error_rate": _rate(result.by_kind, {"holdout"}),
            "robustness_error_rate": _rate(
                result.by_kind, set(result.by_kind) - {"holdout"} - INVALID_KINDS
            ),
            "rule": "requests go through the package's serving contract: a valid request "
            "that is refused, raises or returns NaN is an error; an invalid one (a feature "
            "missing, unknown or of the wrong type) must be refused, and any that is "
            "answered fails the check",
        },
    )


def _rate(by_kind: dict[str, list[int]], kinds: set[str]) -> float | None:
    requests = sum(by_kind[k][0] for k in kinds)
    return sum(by_kind[k][1] for k in kinds) / requests if requests else None


def check_cost(ctx: GateContext, check: CostCheck) -> Outcome:
    lat = ctx.latency
    cost = ctx.cost
    value = cost.per_1k(lat.mean_ms)
    ctx.measurements["cost_per_1k"] = value
    ok = value <= check.max_per_1k
    return Outcome(
        ok,
        value,
        check.max_per_1k,
        f"{cost.currency} / 1k",
        f"{value:.6f} {cost.currency} per 1,000 requests "
        f"({'within' if ok else 'over'} the cap of {check.max_per_1k:g})",
        {
            "formula": cost.formula,
            "mean_latency_ms": lat.mean_ms,
            "overhead_ms": cost.overhead_ms,
            "compute_price_per_hour": cost.compute_price_per_hour,
            "instances": cost.instances,
            "utilization": cost.utilization,
            "currency": cost.currency,
            "worked": f"1000 × ({lat.mean_ms:.3f} + {cost.overhead_ms:g}) ÷ 3,600,000 × "
            f"{cost.compute_price_per_hour:g} × {cost.instances} ÷ {cost.utilization:g} "
            f"= {value:.6f}",
            "source": "[cost] in shipyard.toml",
        },
    )
