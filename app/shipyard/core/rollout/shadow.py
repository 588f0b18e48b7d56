"""Shadow mode: both models answer the same traffic; how often they agree, and where not.

Classification answers agree when they are the same label; regression answers when they
differ by no more than the traffic's KPI tolerance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from shipyard.core.rollout.traffic import Arms

Right = Literal["candidate", "control", "neither", "unknown"]


@dataclass(frozen=True)
class Disagreement:
    row: int
    inputs: dict[str, Any]
    candidate: Any
    control: Any
    label: Any | None
    right: Right


@dataclass
class ShadowReport:
    rows: int
    agreed: int
    disagreements: list[Disagreement]
    total_disagreements: int
    candidate_accuracy: float | None
    control_accuracy: float | None
    pairs: list[tuple[str, str, int]] = field(default_factory=list)  # most common splits

    @property
    def agreement(self) -> float:
        return self.agreed / self.rows if self.rows else 1.0

    def to_json(self, limit: int = 50) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "agreement": round(self.agreement, 6),
            "disagreements": self.total_disagreements,
            "candidate_accuracy": self.candidate_accuracy,
            "control_accuracy": self.control_accuracy,
            "pairs": [{"candidate": c, "control": k, "rows": n} for c, k, n in self.pairs],
            "examples": [
                {
                    "row": d.row,
                    "candidate": _plain(d.candidate),
                    "control": _plain(d.control),
                    "label": _plain(d.label),
                    "right": d.right,
                    "inputs": {k: _plain(v) for k, v in d.inputs.items()},
                }
                for d in self.disagreements[:limit]
            ],
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if number == number else None


def shadow_compare(arms: Arms, limit: int = 5000) -> ShadowReport:
    """Agreement over every traffic row and up to `limit` disagreements to browse."""
    import numpy as np

    traffic = arms.traffic
    cand, ctrl = arms.candidate.predictions, arms.control.predictions
    if traffic.kind == "regression":
        agree = np.abs(cand.astype(float) - ctrl.astype(float)) <= traffic.tolerance
    else:
        agree = cand.astype(str) == ctrl.astype(str)
    cc, kc = arms.correct(arms.candidate), arms.correct(arms.control)
    where = np.flatnonzero(~agree)
    found: list[Disagreement] = []
    for i in where[:limit]:
        if cc is None or kc is None:
            right: Right = "unknown"
        else:
            right = "candidate" if cc[i] else "control" if kc[i] else "neither"
        found.append(
            Disagreement(
                row=int(i),
                inputs={f: traffic.rows[i, j] for j, f in enumerate(traffic.features)},
                candidate=cand[i],
                control=ctrl[i],
                label=None if traffic.labels is None else traffic.labels[i],
                right=right,
            )
        )
    pairs: list[tuple[str, str, int]] = []
    if traffic.kind != "regression":
        counted = Counter(zip(cand[where].astype(str), ctrl[where].astype(str), strict=True))
        pairs = [(c, k, n) for (c, k), n in counted.most_common(10)]
    return ShadowReport(
        rows=len(agree),
        agreed=int(agree.sum()),
        disagreements=found,
        total_disagreements=len(where),
        candidate_accuracy=None if cc is None else float(cc.mean()),
        control_accuracy=None if kc is None else float(kc.mean()),
        pairs=pairs,
    )
