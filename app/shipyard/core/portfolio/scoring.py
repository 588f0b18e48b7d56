"""Prioritisation scores: RICE, ICE, WSJF and the composite priority.

Scales (0–5) follow the portfolio rubric: impact, confidence, effort (higher costs more),
time criticality and risk reduction. Reach is people or requests per quarter.

- composite = impact × confidence / effort  (the rubric's ranking number)
- RICE      = reach × impact × (confidence / 5) / FTE weeks
- ICE       = impact × confidence × ease, where ease = 5 − effort
- WSJF      = (impact + time criticality + risk reduction) / effort   (cost of delay / size)
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.portfolio.onepager_model import OnePager


@dataclass(frozen=True)
class PriorityScores:
    rice: float
    ice: float
    wsjf: float
    composite: float


def score(onepager: OnePager) -> PriorityScores:
    s = onepager.scores
    # Unscored inputs (None) rank as 0 until someone fills them in.
    reach, impact, confidence = s.reach or 0, s.impact or 0.0, s.confidence or 0.0
    effort = max(s.effort, 0.1)  # the model keeps effort > 0; guard old files anyway
    fte_weeks = max(onepager.effort.fte_weeks, 0.5)
    return PriorityScores(
        rice=reach * impact * (confidence / 5) / fte_weeks,
        ice=impact * confidence * max(0.0, 5 - s.effort),
        wsjf=(impact + s.time_criticality + s.risk_reduction) / effort,
        composite=impact * confidence / effort,
    )
