"""What a health signal is given (`HealthContext`) and what it answers (`Signal`).

A signal is a small function `HealthContext -> Signal | None`. The signals themselves live
with the feature they watch (the one-pager's here in portfolio/health.py, the gates' in
gates/health_signal.py, the flags' in rollout/flags_health.py); the list the score uses
is written out once, in `portfolio.health.HEALTH_SIGNALS`. This module imports no signal,
so a signal's module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from shipyard.core.portfolio.onepager_model import OnePager
from shipyard.core.workspace.workspace import ProjectEntry


@dataclass(frozen=True)
class HealthContext:
    entry: ProjectEntry
    today: date

    @property
    def onepager(self) -> OnePager | None:
        return self.entry.doc.onepager if self.entry.doc else None


@dataclass(frozen=True)
class Signal:
    key: str
    label: str
    score: float  # 0 (bad) .. 1 (good)
    weight: float
    detail: str


SignalFn = Callable[[HealthContext], Signal | None]
