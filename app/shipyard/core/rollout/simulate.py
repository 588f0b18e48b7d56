"""The rollout rehearsal: every request of every phase simulated at once with numpy.

Per request four random numbers are drawn (routing, traffic row, latency noise, error), in
blocks seeded by (seed, block): the same seed gives the same result, and a request's numbers
stay the same when the phases around it change (`RequestDraws`). Each phase then costs a
handful of array passes and one `bincount` into a joint histogram
[bucket, arm, error, correct, latency bin]; every judgement and every timeline point is read
from that histogram, so a million requests are judged without sorting them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipyard.core.rollout.incidents import NO_SPANS, Incident, parse_incident, spans_in
from shipyard.core.rollout.judge import ArmStats, judge_window
from shipyard.core.rollout.policy import RolloutPolicy
from shipyard.core.rollout.results import (
    CheckResult,
    Decision,
    Outcome,
    PhaseResult,
    SimulationResult,
    Timeline,
)

if TYPE_CHECKING:
    import numpy as np

    from shipyard.core.jobs import JobControl
    from shipyard.core.rollout.traffic import Arms

__all__ = [
    "Incident",
    "SimInputs",
    "draw_requests",
    "inputs_from_arms",
    "parse_incident",
    "simulate",
]

LATENCY_BINS = 512
BUCKETS_PER_PHASE = 24


@dataclass
class SimInputs:
    """The numbers the simulation needs about both arms (index 0 control, 1 candidate)."""

    mu: tuple[float, float]  # log-ms of model latency median
    sigma: tuple[float, float]
    error_rate: tuple[float, float]
    correct: np.ndarray | None  # int8 (2, rows): did each arm answer each row right
    rows: int
    candidate: str = "candidate"
    control: str = "control"
    fixed_cost: float | None = None


def inputs_from_arms(arms: Arms) -> SimInputs:
    import numpy as np

    cand, ctrl = arms.candidate, arms.control
    cc, kc = arms.correct(cand), arms.correct(ctrl)
    correct = None if cc is None or kc is None else np.stack([kc, cc]).astype(np.int8)
    return SimInputs(
        mu=(ctrl.latency_mu, cand.latency_mu),
        sigma=(ctrl.latency_sigma, cand.latency_sigma),
        error_rate=(ctrl.error_rate, cand.error_rate),
        correct=correct,
        rows=len(arms.traffic),
        candidate=cand.label,
        control=ctrl.label,
        fixed_cost=cand.cost_per_1k,
    )


def draw_requests(rng: Any, n: int, rows: int) -> tuple[Any, Any, Any, Any]:
    """The random numbers of n requests: routing, traffic row, latency noise, error."""
    import numpy as np

    u_route = rng.random(n, dtype=np.float32)
    row = rng.integers(0, rows, n, dtype=np.int32)
    z = rng.standard_normal(n, dtype=np.float32)
    u_err = rng.random(n, dtype=np.float32)
    return u_route, row, z, u_err


Z_CELLS = 8192  # latency noise is looked up in this many cells over -9..9 sigma
DRAW_BLOCK = 32_000  # requests per block: 128,000-byte arrays, below malloc's mmap threshold


class RequestDraws:
    """Each request's random numbers, drawn a block at a time as the simulation reaches it.

    Block b comes from its own generator seeded with (seed, b), so request i's numbers
    depend only on the seed and i: a change to the phases' lengths or windows moves no other
    request's luck (the same traffic, judged differently), and a rollback draws nothing past
    it. Blocks are drawn where they are used, so their numbers are still in the CPU cache.
    """

    def __init__(self, seed: int, rows: int) -> None:
        self.seed, self.rows = seed, rows
        self._blocks: dict[int, tuple[Any, ...]] = {}

    def _block(self, b: int) -> tuple[Any, ...]:
        import numpy as np

        if b not in self._blocks:
            for old in [k for k in self._blocks if k < b - 1]:
                del self._blocks[old]  # the simulation only moves forward
            rng = np.random.default_rng([self.seed, b])
            self._blocks[b] = draw_requests(rng, DRAW_BLOCK, self.rows)
        return self._blocks[b]

    def slice(self, lo: int, up: int) -> tuple[Any, ...]:
        """(routing, traffic row, latency noise, error) of requests lo..up-1."""
        import numpy as np

        first, last = lo // DRAW_BLOCK, (up - 1) // DRAW_BLOCK
        if first == last:
            base = first * DRAW_BLOCK
            return tuple(a[lo - base : up - base] for a in self._block(first))
        parts = []
        for b in range(first, last + 1):
            base = b * DRAW_BLOCK
            s, e = max(lo, base) - base, min(up, base + DRAW_BLOCK) - base
            parts.append(tuple(a[s:e] for a in self._block(b)))
        return tuple(np.concatenate(col) for col in zip(*parts, strict=True))


class _Phase:
    """Histogram keys of one phase's requests: [bucket, arm, error, correct, latency bin].

    Latency bins come from a lookup over the quantised noise (monotone in it), so no request
    needs an `exp`; correctness is one gather from a per-arm table.
    """

    def __init__(self, policy: RolloutPolicy, inp: SimInputs, width: float, nb: int) -> None:
        import numpy as np

        self.inp, self.nb = inp, nb
        self.k = Z_CELLS / 18.0
        centers = (np.arange(Z_CELLS) + 0.5) / self.k - 9.0
        table = []
        for g in (0, 1):
            lat = policy.overhead_ms + np.exp(inp.mu[g] + inp.sigma[g] * centers)
            bins = np.minimum((lat / width).astype(np.int64), nb - 1)
            table.append(bins + g * 4 * nb)
        self.tables = [t.astype(np.int32) for t in table]
        # Both arms interleaved, entry 2 * cell + arm: a request's index is two cheap bit
        # operations away from its cell (np.take, not fancy indexing: 30% faster).
        self.table = np.stack(self.tables, axis=1).ravel()
        self.width = width
        base = policy.infra_error_rate
        self.rate = tuple(np.float32(base + r) for r in inp.error_rate)
        self.correct = self.corrects = None
        if inp.correct is not None:
            ok = inp.correct.astype(np.int32) * np.int32(nb)  # (arm, row)
            self.corrects = [ok[0].copy(), ok[1].copy()]
            self.correct = ok.T.ravel().copy()  # interleaved like the latency table

    def cells(self, z: Any) -> Any:
        """Each request's latency-noise cell (int32, 0..Z_CELLS-1 within +-9 sigma)."""
        import numpy as np

        zf = z * np.float32(self.k)
        zf += np.float32(9.0 * self.k)
        return zf.astype(np.int32)

    def shadow_keys(self, sl: tuple[Any, ...], spans: dict[str, Any]) -> tuple[Any, Any]:
        """(control's keys, candidate's keys) when both arms answer every request."""
        idx = self.cells(sl[2])
        return self.keys(0, sl, spans, idx), self.keys(1, sl, spans, idx)

    def keys(self, arm: Any, sl: tuple[Any, ...], spans: dict[str, Any], idx: Any = None) -> Any:
        import numpy as np

        u_route, row, z, u_err = sl
        nb = self.nb
        scalar = isinstance(arm, int)
        idx = self.cells(z) if idx is None else idx
        if scalar:
            # mode="clip" keeps noise beyond +-9 sigma in the arm's end cells
            key = np.take(self.tables[arm], idx, mode="clip")
        else:
            idx = idx << 1
            idx |= arm.view(np.int8)
            key = np.take(self.table, idx, mode="clip")

        def on_candidate(s: int, e: int) -> Any:
            return bool(arm) if scalar else arm[s:e]

        top = 4 * nb + nb - 1  # the candidate's last latency bin
        for s, e, extra in spans["spike"]:
            mask = on_candidate(s, e)
            if mask is not False:
                shifted = np.minimum(key[s:e] + round(extra / self.width), top)
                key[s:e] = shifted if mask is True else np.where(mask, shifted, key[s:e])
        err = self._errors(arm, u_err, spans)
        key[err] += 2 * nb
        if self.correct is not None:
            assert self.corrects is not None  # set together with `correct`
            if scalar:
                ok = np.take(self.corrects[arm], row)
            else:
                at = row << 1
                at |= arm.view(np.int8)
                ok = np.take(self.correct, at)
            for s, e, share, route_scale in spans["drift"]:
                mask = on_candidate(s, e)
                if mask is not False:
                    lost = (u_route[s:e] < np.float32(share * route_scale)) & mask
                    ok[s:e][lost] = 0
            ok[err] = 0
            key += ok
        return key

    def _errors(self, arm: Any, u_err: Any, spans: dict[str, Any]) -> Any:
        """Indices of the requests that fail: u < the arm's error rate (raised in error spans).

        Errors are rare, so they are found by index: one compare and one scan over the
        part, then which arm's rate applies is settled on those few.
        """
        import numpy as np

        scalar = isinstance(arm, int)
        if spans["errors"]:
            if scalar:
                err = u_err < self.rate[arm]
            else:
                err = u_err < np.where(arm, self.rate[1], self.rate[0])
            for s, e, extra in spans["errors"]:
                on = bool(arm) if scalar else arm[s:e]
                if on is not False:
                    err[s:e] |= (u_err[s:e] < self.rate[1] + np.float32(extra)) & on
            return np.flatnonzero(err)
        if scalar:
            return np.flatnonzero(u_err < self.rate[arm])
        at = np.flatnonzero(u_err < max(self.rate))
        if self.rate[0] != self.rate[1]:
            at = at[u_err[at] < np.where(arm[at], self.rate[1], self.rate[0])]
        return at


def _parts(a: int, b: int) -> Iterator[tuple[int, int]]:
    """Requests a..b-1 cut at the blocks of draws: each part's numbers are one block's."""
    lo = a
    while lo < b:
        up = min(b, (lo // DRAW_BLOCK + 1) * DRAW_BLOCK)
        yield lo, up
        lo = up


def simulate(
    policy: RolloutPolicy,
    inp: SimInputs,
    *,
    seed: int = 0,
    incidents: tuple[Incident, ...] | list[Incident] = (),
    job: JobControl | None = None,
) -> SimulationResult:
    """Run every phase in order, judging each window; stop at a rollback or a hold."""
    import numpy as np

    lengths = policy.phase_lengths()
    rate = policy.request_rate_per_min
    common: dict[str, Any] = dict(
        seed=seed,
        requests=0,
        candidate=inp.candidate,
        control=inp.control,
        incidents=[i.label() for i in incidents],
        labelled=inp.correct is not None,
        request_rate_per_min=rate,
    )
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    phases = [
        PhaseResult(p.name, p.percent, lengths[i], starts[i] / rate, starts[i] / rate)
        for i, p in enumerate(policy.phases)
    ]
    if policy.kill_switch.engaged:
        log = ["Kill switch engaged: every request gets the safe default; nothing rehearsed."]
        return SimulationResult("killed", 0.0, phases=phases, timeline=None, log=log, **common)
    sim = _Simulation(policy, inp, seed, incidents, int(sum(lengths)))
    log = []
    series: list[list[Any]] = []
    history: ArmStats | None = None  # every control request so far
    outcome: Outcome = "completed"
    final = 0.0
    rolled_back: PhaseResult | None = None
    for k, phase in enumerate(policy.phases):
        if job is not None:
            job.check()
            job.progress(k / len(lengths), f"phase {phase.name}")
        result, share = phases[k], phase.percent / 100
        shadow = share == 0
        counts = sim.count(int(starts[k]), int(starts[k + 1]), share)
        stop = sim.judge_phase(phase, counts, result, history, log)
        counts.tally(result, stop, rate, shadow)
        common["requests"] += result.requests
        seen = counts.arm(stop // sim.per_window - 1, 0, sim.width)
        history = seen if history is None else history + seen
        series.append(counts.series(stop, rate, sim.width, shadow))
        if result.decision == "rollback":
            outcome, final, rolled_back = "rolled_back", 0.0, result
            break
        final = phase.percent
        if result.decision == "hold":
            outcome = "held"
            break
    else:
        outcome = "promoted" if final >= 100 else "completed"
    if rolled_back is not None:
        log.append(
            f"Traffic returned to the control ({inp.control}) at {rolled_back.end_minute:.1f} min."
        )
    timeline = _timeline(series, [(p.start_minute, p.name) for p in phases if p.requests])
    return SimulationResult(
        outcome,
        final,
        phases=phases,
        timeline=timeline,
        log=log,
        rollback_minute=rolled_back.end_minute if rolled_back is not None else None,
        rollback_phase=rolled_back.name if rolled_back is not None else None,
        **common,
    )


_LOG_WORDS: dict[Decision, str] = {"rollback": "ROLL BACK", "hold": "HOLD", "promote": "PROMOTE"}


class _Simulation:
    """What stays fixed across the phases of one rehearsal: the draws, the histogram keys,
    the latency bins, and each phase's buckets and judging windows."""

    def __init__(
        self,
        policy: RolloutPolicy,
        inp: SimInputs,
        seed: int,
        incidents: tuple[Incident, ...] | list[Incident],
        total: int,
    ) -> None:
        self.policy, self.inp, self.incidents, self.total = policy, inp, incidents, total
        self.draws = RequestDraws(seed, inp.rows)
        self.nb = nb = LATENCY_BINS
        spike = max((i.magnitude for i in incidents if i.kind == "spike"), default=0.0)
        hi = (
            policy.overhead_ms
            + spike
            + max(math.exp(m + 4.5 * s) for m, s in zip(inp.mu, inp.sigma, strict=True))
        )
        self.width = width = hi / nb
        self.engine = _Phase(policy, inp, width, nb)
        self.windows = policy.rollback.windows
        self.per_window = max(1, math.ceil(BUCKETS_PER_PHASE / self.windows))
        self.n_buckets = self.windows * self.per_window

    def count(self, a: int, b: int, share: float) -> _PhaseCounts:
        """Requests a..b-1 (one phase, `share` of them on the candidate) counted into each
        bucket's histogram."""
        import numpy as np

        n_buckets, nb = self.n_buckets, self.nb
        edges = np.linspace(0, b - a, n_buckets + 1).astype(np.int64)
        counts = np.zeros((n_buckets, 8 * nb), dtype=np.int64)
        starts_at = edges[:-1] + a  # each bucket's first request
        # Block by block, right after each block is drawn: a few array passes per block
        # rather than per bucket (per-call overhead was a third of the time). Each key is
        # offset by its bucket, so one bincount fills every bucket the block touches.
        for lo, up in _parts(a, b):
            keys = self._keys(lo, up, share)
            j0 = int(np.searchsorted(starts_at, lo, side="right")) - 1
            j1 = int(np.searchsorted(starts_at, up - 1, side="right")) - 1
            if j1 > j0:
                sizes = np.diff(np.r_[lo, starts_at[j0 + 1 : j1 + 1], up])
                step = np.int32(8 * nb)
                offset = np.repeat(np.arange(j1 - j0 + 1, dtype=np.int32) * step, sizes)
                for key in keys:
                    key += offset
            touched = counts[j0 : j1 + 1].reshape(-1)
            for key in keys:
                touched += np.bincount(key, minlength=touched.size)
        return _PhaseCounts.of(counts, a, edges, self.windows, self.per_window, nb)

    def _keys(self, lo: int, up: int, share: float) -> tuple[Any, ...]:
        """The histogram keys of requests lo..up-1: one per request, or, in shadow (share 0),
        one per request for each arm (both answer it)."""
        import numpy as np

        shadow = share == 0
        sl = self.draws.slice(lo, up)
        spans = (
            spans_in(self.incidents, lo, up, self.total, 1.0 if shadow else share)
            if self.incidents
            else NO_SPANS
        )
        if shadow:
            return self.engine.shadow_keys(sl, spans)
        return (self.engine.keys(sl[0] < np.float32(share), sl, spans),)

    def judge_phase(
        self,
        phase: Any,
        counts: _PhaseCounts,
        result: PhaseResult,
        history: ArmStats | None,
        log: list[str],
    ) -> int:
        """Judge `phase` at each window's end and record its decision in `result` and `log`;
        returns how many buckets it served (up to the window that rolled back, else all).

        A failed check rolls back at once; after the last window a check on hold or still
        waiting holds the rollout, else it is promoted."""
        windows = self.windows
        for w in range(1, windows + 1):
            upto = w * self.per_window
            result.checks = self._judge_window(phase.checks, counts, w - 1, history)
            decided = _decision(result.checks, last=w == windows)
            if decided is not None:
                minute = (counts.first + counts.edges[upto]) / self.policy.request_rate_per_min
                where = (
                    f"{phase.name} ({phase.percent:g}%), window {w}/{windows} at {minute:.1f} min"
                )
                result.decision, result.reason = decided
                log.append(f"{where}: {_LOG_WORDS[result.decision]} — {result.reason}")
                return upto
        raise AssertionError("the last window of a phase always decides")

    def _judge_window(
        self, checks: Any, counts: _PhaseCounts, i: int, history: ArmStats | None
    ) -> list[CheckResult]:
        """The checks on everything up to the end of window i. Control borrows the earlier
        phases' control requests while its own are fewer than the policy's minimum."""
        policy = self.policy
        cand, ctrl = counts.arm(i, 1, self.width), counts.arm(i, 0, self.width)
        if ctrl.n < policy.rollback.min_requests and history is not None:
            ctrl = ctrl + history
        return judge_window(
            checks,
            cand,
            ctrl,
            # Bonferroni over the phase's looks: judging it `windows` times keeps its
            # chance of a false rollback at alpha
            alpha=policy.rollback.alpha / self.windows,
            min_requests=policy.rollback.min_requests,
            labelled=self.inp.correct is not None,
            cost_per_cpu_hour=policy.cost_per_cpu_hour,
            fixed_cost=self.inp.fixed_cost,
        )


def _decision(checks: list[CheckResult], *, last: bool) -> tuple[Decision, str] | None:
    """(decision, reason) after one window: any failed check rolls back; the last window
    holds on a check on hold or waiting, else promotes; other windows decide nothing."""
    failed = [ch for ch in checks if ch.verdict == "fail"]
    if failed:
        return "rollback", "; ".join(ch.message for ch in failed)
    if not last:
        return None
    held = [ch for ch in checks if ch.verdict in ("hold", "wait")]
    if held:
        return "hold", "; ".join(ch.message for ch in held)
    return "promote", "; ".join(ch.message for ch in checks) or "no checks in this phase"


@dataclass
class _PhaseCounts:
    """One phase's histogram as [bucket, arm] figures, and its totals at each window's end."""

    first: int  # the phase's first request
    edges: Any  # bucket j holds the phase's requests edges[j]..edges[j+1]-1
    lat: Any  # [bucket, arm, latency bin]
    errs: Any  # [bucket, arm]
    oks: Any  # [bucket, arm]: answered right
    lat_cum: Any  # [window, arm, latency bin]: every request up to the window's end
    err_cum: Any  # [window, arm]
    ok_cum: Any  # [window, arm]

    @classmethod
    def of(
        cls, counts: Any, first: int, edges: Any, windows: int, per_window: int, nb: int
    ) -> _PhaseCounts:
        counts = counts.reshape(windows * per_window, 2, 2, 2, nb)  # bucket, arm, error, ok, bin
        lat = counts.sum(axis=(2, 3))
        errs = counts[:, :, 1].sum(axis=(2, 3))
        oks = counts[:, :, 0, 1].sum(axis=-1)
        # Judgements read totals at window ends only: sum each window, then accumulate.
        win = (windows, per_window)
        lat_cum = lat.reshape(*win, 2, nb).sum(axis=1).cumsum(axis=0)
        err_cum = errs.reshape(*win, 2).sum(axis=1).cumsum(axis=0)
        ok_cum = oks.reshape(*win, 2).sum(axis=1).cumsum(axis=0)
        return cls(first, edges, lat, errs, oks, lat_cum, err_cum, ok_cum)

    def arm(self, window: int, arm: int, width: float) -> ArmStats:
        """Arm `arm`'s (0 control, 1 candidate) requests up to the end of `window`."""
        errors, correct = int(self.err_cum[window, arm]), int(self.ok_cum[window, arm])
        return ArmStats(self.lat_cum[window, arm], errors, correct, width)

    def tally(self, result: PhaseResult, stop: int, rate: float, shadow: bool) -> None:
        """Record in `result` the requests of the first `stop` buckets and where they end."""
        served = self.lat[:stop].sum(axis=-1)
        result.requests = int(self.edges[stop])
        result.candidate_requests = 0 if shadow else int(served[:, 1].sum())
        result.control_requests = (
            int(served[:, 0].sum()) if shadow else result.requests - result.candidate_requests
        )
        result.end_minute = (self.first + self.edges[stop]) / rate

    def series(self, stop: int, rate: float, width: float, shadow: bool) -> list[Any]:
        """Timeline points of the first `stop` buckets."""
        part = (self.lat[:stop], self.errs[:stop], self.oks[:stop])
        return _series(*part, self.edges[1 : stop + 1] + self.first, rate, width, shadow)


def _series(
    lat: Any, errs: Any, oks: Any, ends: Any, rate: float, width: float, shadow: bool
) -> list[Any]:
    """Timeline points of one phase: [bucket, arm] figures from the bucket histograms."""
    import numpy as np

    n = lat.sum(axis=-1).astype(np.float64)  # bucket, arm
    cum = lat.cumsum(axis=-1)
    p95 = ((cum < 0.95 * n[..., None]).sum(axis=-1) + 0.5) * width
    with np.errstate(invalid="ignore", divide="ignore"):
        p95 = np.where(n > 0, p95, np.nan)
        errors = errs / n
        kpi = oks / n
        share = np.zeros(len(n)) if shadow else n[:, 1] / n.sum(axis=1)
    return [
        ends / rate,
        share,
        p95[:, 1],
        p95[:, 0],
        errors[:, 1],
        errors[:, 0],
        kpi[:, 1],
        kpi[:, 0],
    ]


def _timeline(series: list[list[Any]], boundaries: list[tuple[float, str]]) -> Timeline:
    import numpy as np

    cols = [np.concatenate([s[i] for s in series]) for i in range(8)]
    minutes, share, p95_cand, p95_ctrl, err_cand, err_ctrl, kpi_cand, kpi_ctrl = cols
    return Timeline(
        minutes, share, p95_cand, p95_ctrl, err_cand, err_ctrl, kpi_cand, kpi_ctrl, boundaries
    )
