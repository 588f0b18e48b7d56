"""Roadmap geometry: project spans and the portfolio's synchronised sprint boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from shipyard.core.portfolio.vocabulary import Stage

if TYPE_CHECKING:
    from shipyard.core.portfolio.onepager_model import OnePager

# Stages where work has stopped: their bar ends at the estimate, not at today.
_STOPPED = {Stage.PAUSED, Stage.SUNSET}


@dataclass(frozen=True)
class Span:
    start: date
    end: date
    review: date | None
    estimated_end: bool  # True when the end comes from FTE weeks, not a sunset date


def project_span(onepager: OnePager, today: date) -> Span:
    d = onepager.dates
    start = d.start or onepager.stage_since or today
    if d.sunset and d.sunset > start:
        return Span(start, d.sunset, d.review, False)
    weeks = max(onepager.effort.fte_weeks, 2.0)
    end = start + timedelta(weeks=weeks)
    if onepager.stage not in _STOPPED:
        # A live project runs at least until today and its next review.
        end = max(end, today, d.review or end)
    return Span(start, end, d.review, True)


def sprint_start(anchor: date, length_days: int, day: date) -> date:
    """The first day of the sprint `day` falls in (before the anchor too)."""
    return day - timedelta(days=(day - anchor).days % length_days)


def sprint_boundaries(anchor: date, length_days: int, first: date, last: date) -> list[date]:
    """Every sprint start between `first` and `last`, aligned to `anchor`."""
    day = sprint_start(anchor, length_days, first)
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=length_days)
    return out


def sprint_number(anchor: date, length_days: int, day: date) -> int:
    return (day - anchor).days // length_days + 1
