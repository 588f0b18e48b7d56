"""Capacity and cost: is the team over-allocated, and which projects cost much for little.

Capacity: `[team]` in shipyard.toml gives the team's FTE and how it is split (a platform
baseline of 15%, an experiment pool of 60% and a buffer of 25% by default). Over the next
`horizon_weeks` (a quarter by default) the experiment pool holds fte × weeks × share
FTE-weeks; the projects still being worked on (idea to progressive) ask for the FTE-weeks
their one-pagers estimate. Asking for more than the pool is over-allocation.

Cost against impact: a project's estimated cost per quarter is its champion's gated cost
per 1,000 requests times the one-pager's reach (requests per quarter) / 1,000. A project is
flagged when that cost is above the portfolio's median while its impact score is under 3 of
5 or its health under 50.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from shipyard.core.portfolio.ranking import PortfolioRow
from shipyard.core.portfolio.vocabulary import Stage
from shipyard.core.workspace.config import TeamSettings

ACTIVE = {Stage.IDEA, Stage.DISCOVERY, Stage.MVP, Stage.SHADOW, Stage.CANARY, Stage.PROGRESSIVE}
LOW_IMPACT = 3.0
LOW_HEALTH = 50.0


@dataclass(frozen=True)
class Allocation:
    slug: str
    title: str
    tshirt: str
    fte_weeks: float
    share_of_pool: float


@dataclass
class Capacity:
    horizon_weeks: int
    fte: float
    platform: float  # FTE-weeks over the horizon
    pool: float
    buffer: float
    demand: float
    allocations: list[Allocation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def used(self) -> float:
        """Demand as a share of the experiment pool (1.0 = exactly full)."""
        return self.demand / self.pool if self.pool else float("inf")


def capacity(team: TeamSettings, rows: list[PortfolioRow]) -> Capacity:
    weeks = team.horizon_weeks
    total = team.fte * weeks
    share = team.allocation
    pool = total * share.experiments
    active = [r for r in rows if r.onepager is not None and r.onepager.stage in ACTIVE]
    allocations = sorted(
        (
            Allocation(
                r.slug,
                r.title,
                r.onepager.effort.tshirt.value,
                r.onepager.effort.fte_weeks,
                r.onepager.effort.fte_weeks / pool if pool else float("inf"),
            )
            for r in active
            if r.onepager is not None
        ),
        key=lambda a: -a.fte_weeks,
    )
    demand = sum(a.fte_weeks for a in allocations)
    cap = Capacity(
        weeks, team.fte, total * share.platform, pool, total * share.buffer, demand, allocations
    )
    if demand > pool:
        over = demand - pool
        cap.warnings.append(
            f"Over-allocated: {len(allocations)} active projects ask for {demand:.0f} FTE-weeks "
            f"over the next {weeks} weeks; the experiment pool holds {pool:.0f} "
            f"({over:.0f} FTE-weeks, {over / pool:.0%} over). Pause or sunset something, "
            "or move effort to a later quarter."
        )
    for a in allocations:
        if a.share_of_pool > 0.5:
            cap.warnings.append(
                f"{a.title} alone asks for {a.share_of_pool:.0%} of the experiment pool."
            )
    return cap


@dataclass(frozen=True)
class CostRow:
    slug: str
    title: str
    cost_per_1k: float
    currency: str
    reach: int | None
    per_quarter: float | None
    impact: float | None
    health: float
    flagged: bool
    why: str = ""


def cost_rows(items: list[tuple[PortfolioRow, float | None, str]]) -> list[CostRow]:
    """Projects with a gated cost, most expensive per quarter first."""
    rows: list[CostRow] = []
    known: list[float] = []
    for row, per_1k, _currency in items:
        reach = row.onepager.scores.reach if row.onepager else None
        if per_1k is not None and reach is not None:
            known.append(per_1k * reach / 1000)
    median = statistics.median(known) if known else None
    for row, per_1k, currency in items:
        if per_1k is None:
            continue
        op = row.onepager
        reach = op.scores.reach if op else None
        impact = op.scores.impact if op else None
        quarter = per_1k * reach / 1000 if reach is not None else None
        low = []
        if impact is not None and impact < LOW_IMPACT:
            low.append(f"impact {impact:g}/5")
        if row.health.score < LOW_HEALTH:
            low.append(f"health {row.health.score:.0f}")
        flagged = bool(quarter is not None and median is not None and quarter > median and low)
        why = (
            f"costs {quarter:,.2f} {currency} a quarter, above the median {median:,.2f}, "
            f"with {' and '.join(low)}"
            if flagged and quarter is not None and median is not None
            else ""
        )
        rows.append(
            CostRow(
                row.slug,
                row.title,
                per_1k,
                currency,
                reach,
                quarter,
                impact,
                row.health.score,
                flagged,
                why,
            )
        )
    return sorted(rows, key=lambda c: -(c.per_quarter or 0.0))
