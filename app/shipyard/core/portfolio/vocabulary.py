"""The words of the one-pager's choice fields, as plain enums.

Kept apart from the pydantic models so the window and the CLI can offer these choices
without loading pydantic before the window shows.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    IDEA = "idea"
    DISCOVERY = "discovery"
    MVP = "mvp"
    SHADOW = "shadow"
    CANARY = "canary"
    PROGRESSIVE = "progressive"
    FULL = "full"
    PAUSED = "paused"
    SUNSET = "sunset"

    @property
    def label(self) -> str:
        return "MVP" if self is Stage.MVP else self.value.capitalize()


class Direction(StrEnum):
    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Sensitivity(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class TShirt(StrEnum):
    XS = "XS"
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"
