"""Which column of a new table a model most likely predicts: a guess shown to the person,
never applied without them (the New Project wizard proposes it, the user may pick another)."""

from __future__ import annotations

# Column names that usually hold what a model should predict, most telling first.
TARGET_NAMES = (
    "target", "label", "class", "outcome", "y", "churned", "churn", "diagnosis", "fraud",
    "is_fraud", "default", "survived", "species", "result", "response",
)  # fmt: skip


def guess_target(columns: list[str]) -> tuple[str, str]:
    """(column, why) for the column a model most likely predicts: a telling name, else the
    last column (where exported tables usually keep the label)."""
    if not columns:
        raise ValueError("no columns")
    lowered = {c.lower(): c for c in columns}
    for name in TARGET_NAMES:
        if name in lowered:
            return lowered[name], f"its name, “{lowered[name]}”, usually means the label"
    return columns[-1], "it is the last column, where tables usually keep the label"
