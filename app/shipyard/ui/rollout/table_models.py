"""Table models of the Rollout tab: each phase's checks, shadow disagreements, and flags."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

if TYPE_CHECKING:
    from shipyard.core.rollout.flags import Flag, Staleness
    from shipyard.core.rollout.results import CheckResult, PhaseResult
    from shipyard.core.rollout.shadow import Disagreement

Index = QModelIndex | QPersistentModelIndex
VERDICT_COLOURS = {
    "pass": "#1f8a4c",
    "promote": "#1f8a4c",
    "hold": "#c27c0e",
    "wait": "#8a93a6",
    "fail": "#d64545",
    "rollback": "#d64545",
    "not run": "#8a93a6",
}
VERDICT_TEXT = {"pass": "✔ pass", "hold": "▲ hold", "fail": "✖ roll back", "wait": "… wait"}


def fmt_value(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "share":
        return f"{value * 100:+.2f} pts" if value < 0 else f"{value * 100:.2f}%"
    return f"{value:.4g}"


def fmt_p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "—"
    return "<0.0001" if p < 1e-4 else f"{p:.3g}"


class _Table(QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()
    TIPS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Horizontal:
            return None
        if role == Qt.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ToolTipRole and section < len(self.TIPS):
            return self.TIPS[section]
        return None


@dataclass(frozen=True)
class CheckRow:
    phase: PhaseResult
    check: CheckResult | None  # None: a phase without checks, or not run


class PhaseCheckModel(_Table):
    """One row per check of each phase (its last judgement), with the phase's decision."""

    COLUMNS = ("Phase", "Decision", "Check", "Verdict", "Candidate", "Control", "Threshold",
               "p-value", "Effect", "Test")  # fmt: skip
    TIPS = (
        "Phase and its share of traffic",
        "What the phase decided: promote to the next phase, hold for a person, or roll back",
        "The policy's check",
        "pass; hold = breached but not significant (or too few requests); roll back",
        "The candidate's figure (KPI: the change against control)",
        "The control's figure in the same requests",
        "The policy's limit (max for latency, errors and cost; min for the KPI change)",
        "One-sided p-value: below alpha / windows, the candidate is significantly worse",
        "Effect size: P(candidate slower) for latency, Cohen's h for proportions",
        "The statistic behind the verdict",
    )

    def set_phases(self, phases: list[PhaseResult]) -> None:
        rows = []
        for phase in phases:
            rows += [CheckRow(phase, c) for c in phase.checks] or [CheckRow(phase, None)]
        self.set_rows(rows)

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row: CheckRow = self.rows[index.row()]
        phase, check, col = row.phase, row.check, index.column()
        if role == Qt.DisplayRole:
            head = (f"{phase.name} ({phase.percent:g}%)", phase.decision)
            if check is None:
                return (*head, "no checks" if phase.decision != "not run" else "", *[""] * 7)[col]
            unit = check.unit
            kpi = check.key == "kpi_delta"
            threshold = (
                f"{check.threshold * 100:+.1f} pts" if kpi else fmt_value(check.threshold, unit)
            )
            value = fmt_value(check.value, unit)
            if kpi and check.value is not None and math.isfinite(check.value):
                value = f"{check.value * 100:+.1f} pts"
            control = fmt_value(check.control, "share" if unit == "share" else unit)
            if check.key == "kpi_delta" and check.control is not None:
                control = f"{check.control * 100:.1f}% right"
            effect = "—" if check.effect is None else f"{check.effect:.2f}"
            return (
                *head, check.title, VERDICT_TEXT.get(check.verdict, check.verdict), value,
                control, threshold, fmt_p(check.p_value), effect, check.test,
            )[col]  # fmt: skip
        if role == Qt.ForegroundRole:
            if col == 1:
                return QColor(VERDICT_COLOURS.get(phase.decision, "#8a93a6"))
            if col == 3 and check is not None:
                return QColor(VERDICT_COLOURS.get(check.verdict, "#8a93a6"))
        if role == Qt.ToolTipRole and check is not None:
            return check.message
        return None


class DisagreementModel(_Table):
    """Rows where the shadow answers differ: what each said, the label, who was right."""

    COLUMNS = ("Row", "Candidate", "Control", "Label", "Right", "Inputs")
    TIPS = (
        "Row of the traffic",
        "The candidate's answer",
        "The control's answer",
        "The true label, when the traffic is labelled",
        "Which model matched the label",
        "The request's inputs",
    )

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        d: Disagreement = self.rows[index.row()]
        col = index.column()
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            inputs = ", ".join(f"{k}={_short(v)}" for k, v in d.inputs.items())
            if role == Qt.ToolTipRole:
                return inputs.replace(", ", "\n") if col == 5 else None
            return (
                d.row, _short(d.candidate), _short(d.control),
                "—" if d.label is None else _short(d.label), d.right, inputs,
            )[col]  # fmt: skip
        if role == Qt.ForegroundRole and col == 4:
            colour = {"candidate": "#1f8a4c", "control": "#d64545"}.get(d.right)
            return QColor(colour) if colour else None
        return None


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass(frozen=True)
class FlagRow:
    flag: Flag
    percent: float
    staleness: Staleness


class FlagsModel(_Table):
    COLUMNS = ("Flag", "Kind", "State", "Traffic", "Phase", "Owner", "Expires", "Status")
    TIPS = (
        "The key the feature's code checks",
        "release (the AI feature) or kill_switch (everyone gets the safe default)",
        "enabled or disabled",
        "Share of requests that get the new behaviour (from the rollout phase when set)",
        "The rollout phase whose percent the flag follows",
        "Who answers for this flag",
        "When the flag should be retired",
        "Stale flags (past expiry, or unchanged for long) lower the project's health",
    )

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row: FlagRow = self.rows[index.row()]
        f, col = row.flag, index.column()
        if role == Qt.DisplayRole:
            traffic = "—" if f.kind == "kill_switch" else f"{row.percent:g}%"
            state = f.state
            if f.kind == "kill_switch":
                state = "ENGAGED" if f.state == "enabled" else "off"
            status = ("⚠ STALE: " if row.staleness.stale else "") + row.staleness.reason
            return (
                f.key, f.kind, state, traffic, f.phase or "—", f.owner or "—",
                f.expires.isoformat() if f.expires else "—", status,
            )[col]  # fmt: skip
        if role == Qt.ForegroundRole:
            if col == 7 and row.staleness.stale:
                return QColor("#d64545")
            if col == 2 and f.kind == "kill_switch" and f.state == "enabled":
                return QColor("#d64545")
        if role == Qt.ToolTipRole:
            return f.description or None
        return None
