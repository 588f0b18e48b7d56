"""Sprint boundaries from `[portfolio]` in shipyard.toml: every sprint starts together."""

from __future__ import annotations

from datetime import date, timedelta

from shipyard.core.workspace.config import PortfolioSettings


def sprint_start(day: date, settings: PortfolioSettings) -> date:
    """The first day of the sprint `day` falls in (before the anchor too)."""
    length = settings.sprint_length_days
    offset = (day - settings.sprint_anchor).days // length
    return settings.sprint_anchor + timedelta(days=offset * length)


def sprint_number(day: date, settings: PortfolioSettings) -> int:
    """1 for the anchor's sprint, 2 for the next, ... (0 and below before the anchor)."""
    return (day - settings.sprint_anchor).days // settings.sprint_length_days + 1


def sprint_label(day: date, settings: PortfolioSettings) -> str:
    start = sprint_start(day, settings)
    end = start + timedelta(days=settings.sprint_length_days - 1)
    return f"Sprint {sprint_number(day, settings)} ({start:%d %b} – {end:%d %b %Y})"
