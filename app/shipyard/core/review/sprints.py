"""Sprints from `[portfolio]` in shipyard.toml (every sprint starts together): the
roadmap's sprint arithmetic, given the workspace's settings."""

from __future__ import annotations

from datetime import date, timedelta

from shipyard.core.portfolio import roadmap
from shipyard.core.workspace.config import PortfolioSettings


def sprint_start(day: date, settings: PortfolioSettings) -> date:
    """The first day of the sprint `day` falls in (before the anchor too)."""
    return roadmap.sprint_start(settings.sprint_anchor, settings.sprint_length_days, day)


def sprint_number(day: date, settings: PortfolioSettings) -> int:
    """1 for the anchor's sprint, 2 for the next, ... (0 and below before the anchor)."""
    return roadmap.sprint_number(settings.sprint_anchor, settings.sprint_length_days, day)


def sprint_label(day: date, settings: PortfolioSettings) -> str:
    start = sprint_start(day, settings)
    end = start + timedelta(days=settings.sprint_length_days - 1)
    return f"Sprint {sprint_number(day, settings)} ({start:%d %b} – {end:%d %b %Y})"
