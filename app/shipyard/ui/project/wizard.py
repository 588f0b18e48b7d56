"""A short wizard for a new project: what it is for, then how it ranks."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
    QWizard,
    QWizardPage,
)

from shipyard.core.portfolio.vocabulary import RiskLevel


def _score_box(value: float, minimum: float = 0.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, 5.0)
    box.setSingleStep(0.5)
    box.setDecimals(1)
    box.setValue(value)
    return box


class ProjectWizard(QWizard):
    def __init__(self, owner: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.setWizardStyle(QWizard.ModernStyle)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)

        first = QWizardPage()
        first.setTitle("What is it for?")
        first.setSubTitle(
            "A title and a one-line outcome are enough to start; the one-pager holds the rest."
        )
        self.title = QLineEdit(placeholderText="Search summaries for support tickets")
        self.outcome = QLineEdit(placeholderText="30% faster ticket resolution")
        self.owner = QLineEdit(owner)
        form = QFormLayout(first)
        form.addRow("Title*", self.title)
        form.addRow("Outcome", self.outcome)
        form.addRow("Owner", self.owner)
        first.registerField("title*", self.title)  # Next stays disabled until a title is typed

        second = QWizardPage()
        second.setTitle("How does it rank?")
        second.setSubTitle(
            "Scores use 0–5 scales; priority = impact × confidence ÷ effort. "
            "You can refine them later."
        )
        self.reach = QSpinBox()
        self.reach.setRange(0, 100_000_000)
        self.reach.setSingleStep(100)
        self.reach.setSuffix(" per quarter")
        self.impact = _score_box(3)
        self.confidence = _score_box(3)
        self.effort = _score_box(3, minimum=0.5)
        self.risk = QComboBox()
        for level in RiskLevel:
            self.risk.addItem(level.value.capitalize(), level.value)
        self.risk.setCurrentIndex(1)
        self.preview = QLabel()
        form = QFormLayout(second)
        form.addRow("Reach", self.reach)
        form.addRow("Impact", self.impact)
        form.addRow("Confidence", self.confidence)
        form.addRow("Effort", self.effort)
        form.addRow("Risk", self.risk)
        form.addRow("Priority", self.preview)
        for box in (self.impact, self.confidence, self.effort):
            box.valueChanged.connect(self._update_preview)
        self._update_preview()

        self.addPage(first)
        self.addPage(second)

    def _update_preview(self) -> None:
        value = self.impact.value() * self.confidence.value() / max(self.effort.value(), 0.1)
        self.preview.setText(f"<b>{value:.2f}</b>")

    def result_fields(self) -> tuple[str, dict[str, Any]]:
        fields: dict[str, Any] = {
            "outcome": self.outcome.text().strip(),
            "owner": {"name": self.owner.text().strip()},
            "scores": {
                "reach": self.reach.value(),
                "impact": self.impact.value(),
                "confidence": self.confidence.value(),
                "effort": self.effort.value(),
            },
            "risk": {"level": self.risk.currentData()},
        }
        return self.title.text().strip(), fields
