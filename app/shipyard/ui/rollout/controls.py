"""The knobs of the Rollout tab: canary share, limits, overhead, incidents, seed, kill switch.

Knobs that belong to the policy emit `policyEdited({path: value})` (the tab writes them into
rollout.yaml's text, comments kept); rehearsal-only settings (seed, incidents) emit
`settingsChanged`. `set_policy` shows a policy's values without emitting anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from shipyard.core.rollout.policy import RolloutPolicy
    from shipyard.core.rollout.simulate import Incident


class _Slider(QWidget):
    """A slider with its value written next to it."""

    valueChanged = Signal(int)

    def __init__(self, lo: int, hi: int, fmt: str, tip: str) -> None:
        super().__init__()
        self.fmt = fmt
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(lo, hi)
        self.slider.setToolTip(tip)
        self.label = QLabel()
        self.label.setMinimumWidth(64)
        self.label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self._changed(self.slider.value())

    def _changed(self, value: int) -> None:
        self.label.setText(self.fmt.format(value))
        self.valueChanged.emit(value)

    def value(self) -> int:
        return self.slider.value()

    def setValue(self, value: int) -> None:
        self.slider.setValue(value)
        self.label.setText(self.fmt.format(self.slider.value()))


class RolloutControls(QWidget):
    policyEdited = Signal(object)  # {path tuple: value}
    settingsChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.policy: RolloutPolicy | None = None
        self._quiet = False

        self.canary = _Slider(
            1, 20, "{}%", "Share of traffic the canary phase sends to the candidate"
        )
        self.latency = _Slider(
            10, 1000, "{} ms", "The p95 latency limit of every phase that checks it"
        )
        self.errors = QDoubleSpinBox(
            suffix=" %", decimals=2, minimum=0.01, maximum=50, singleStep=0.1
        )
        self.errors.setToolTip("The error-rate limit of every phase that checks it")
        self.kpi = QDoubleSpinBox(suffix=" pts", decimals=1, minimum=-50, maximum=0, singleStep=0.5)
        self.kpi.setToolTip("The smallest acceptable KPI change against control (e.g. -2 points)")
        self.alpha = QDoubleSpinBox(decimals=3, minimum=0.001, maximum=0.2, singleStep=0.01)
        self.alpha.setToolTip(
            "Significance level of a phase: a breach rolls back only when p < alpha / windows"
        )
        self.overhead = _Slider(0, 500, "{} ms", "Infrastructure overhead added to every request")
        self.kill = QCheckBox("Kill switch engaged")
        self.kill.setToolTip("Send all traffic to the safe default: nothing is rolled out")
        limits = QGroupBox("Policy")
        form = QFormLayout(limits)
        form.setLabelAlignment(Qt.AlignRight)
        form.addRow("Canary share", self.canary)
        form.addRow("p95 latency limit", self.latency)
        form.addRow("Error-rate limit", self.errors)
        form.addRow("KPI change at least", self.kpi)
        form.addRow("Significance (alpha)", self.alpha)
        form.addRow("Overhead", self.overhead)
        form.addRow("", self.kill)

        self.spike_on = QCheckBox("Latency spike")
        self.spike_at = _Slider(
            0, 99, "from {}%", "When the spike starts, as a share of the rehearsal"
        )
        self.spike_ms = QSpinBox(suffix=" ms", minimum=10, maximum=5000, singleStep=50, value=300)
        self.burst_on = QCheckBox("Error burst")
        self.burst_at = _Slider(0, 99, "from {}%", "When the errors start")
        self.burst_pct = QSpinBox(suffix=" %", minimum=1, maximum=100, value=10)
        self.drift_on = QCheckBox("Data drift")
        self.drift_at = _Slider(0, 99, "from {}%", "When the inputs drift")
        self.drift_pct = QSpinBox(suffix=" %", minimum=1, maximum=100, value=30)
        self.drift_pct.setToolTip("Share of the candidate's answers the drift makes wrong")
        self.spike_at.setValue(40)
        self.burst_at.setValue(20)
        self.drift_at.setValue(50)
        incidents = QGroupBox("Inject incidents")
        grid = QGridLayout(incidents)
        grid.setColumnStretch(1, 1)
        for row, (box, at, size) in enumerate(
            (
                (self.spike_on, self.spike_at, self.spike_ms),
                (self.burst_on, self.burst_at, self.burst_pct),
                (self.drift_on, self.drift_at, self.drift_pct),
            )
        ):
            size.setFixedWidth(86)
            grid.addWidget(box, 2 * row, 0, 1, 2)
            grid.addWidget(size, 2 * row, 2)
            grid.addWidget(at, 2 * row + 1, 0, 1, 3)
            box.toggled.connect(self._settings)
            at.valueChanged.connect(lambda _v, b=box: self._settings() if b.isChecked() else None)
            size.valueChanged.connect(lambda _v, b=box: self._settings() if b.isChecked() else None)
        self.seed = QSpinBox(minimum=0, maximum=999_999)
        self.seed.setToolTip("The same seed gives the same rehearsal")
        self.seed.valueChanged.connect(self._settings)
        seed_row = QHBoxLayout()
        seed_row.addWidget(QLabel("Seed"))
        seed_row.addWidget(self.seed, 1)
        grid.addLayout(seed_row, 6, 0, 1, 3)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.phases_box = QGroupBox("Phases")
        self.phases_box.setToolTip("Each phase's share of traffic and length")
        self.phases_grid = QGridLayout(self.phases_box)
        self._phase_names: list[str] = []
        box.addWidget(self.phases_box)
        box.addWidget(limits)
        box.addWidget(incidents)
        box.addStretch(1)

        self.canary.valueChanged.connect(self._canary)
        self.latency.valueChanged.connect(lambda v: self._all_phases("p95_latency_ms", float(v)))
        self.errors.valueChanged.connect(
            lambda v: self._all_phases("error_rate", round(v / 100, 6))
        )
        self.kpi.valueChanged.connect(lambda v: self._all_phases("kpi_delta", round(v / 100, 6)))
        self.alpha.valueChanged.connect(lambda v: self._edit({("rollback", "alpha"): round(v, 4)}))
        self.overhead.valueChanged.connect(lambda v: self._edit({("overhead_ms",): v}))
        self.kill.toggled.connect(lambda on: self._edit({("kill_switch", "engaged"): on}))

    # -- showing a policy -----------------------------------------------------------------
    def set_policy(self, policy: RolloutPolicy) -> None:
        self.policy = policy
        self._quiet = True
        try:
            self._show_phases(policy)
            canary = self._canary_index()
            self.canary.setEnabled(canary is not None)
            if canary is not None:
                self.canary.setValue(round(policy.phases[canary].percent))
            self._show_first(
                "p95_latency_ms", lambda v: self.latency.setValue(round(v)), self.latency
            )
            self._show_first("error_rate", lambda v: self.errors.setValue(v * 100), self.errors)
            self._show_first("kpi_delta", lambda v: self.kpi.setValue(v * 100), self.kpi)
            self.alpha.setValue(policy.rollback.alpha)
            self.overhead.setValue(round(policy.overhead_ms))
            self.kill.setChecked(policy.kill_switch.engaged)
        finally:
            self._quiet = False

    def _show_phases(self, policy: RolloutPolicy) -> None:
        """One row per phase: name, percent and length (requests or minutes)."""
        names = [p.name for p in policy.phases]
        if names != self._phase_names:
            while self.phases_grid.count():
                item = self.phases_grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            self.phase_editors: list[tuple[QSpinBox, QSpinBox]] = []
            for i, phase in enumerate(policy.phases):
                percent = QSpinBox(suffix=" %", minimum=0, maximum=100)
                percent.setToolTip(f"Share of traffic '{phase.name}' sends to the candidate")
                length = QSpinBox(minimum=1, maximum=10_000_000, singleStep=100)
                percent.valueChanged.connect(
                    lambda v, i=i: self._edit({("phases", i, "percent"): v})
                )
                length.valueChanged.connect(lambda v, i=i: self._length(i, v))
                self.phases_grid.addWidget(QLabel(phase.name), i, 0)
                self.phases_grid.addWidget(percent, i, 1)
                self.phases_grid.addWidget(length, i, 2)
                self.phase_editors.append((percent, length))
            self._phase_names = names
        for (percent, length), phase in zip(self.phase_editors, policy.phases, strict=True):
            percent.setValue(round(phase.percent))
            minutes = phase.requests is None
            length.setSuffix(" min" if minutes else " req")
            length.setToolTip("Length in minutes (at the request rate)" if minutes
                              else "Length in requests")  # fmt: skip
            length.setValue(round(phase.minutes or 1) if minutes else (phase.requests or 1))

    def _length(self, i: int, value: int) -> None:
        if self.policy is None or i >= len(self.policy.phases):
            return
        key = "minutes" if self.policy.phases[i].requests is None else "requests"
        self._edit({("phases", i, key): value})

    def _show_first(self, check: str, show: Any, widget: QWidget) -> None:
        assert self.policy is not None
        values = [getattr(p.checks, check) for p in self.policy.phases]
        found = [v for v in values if v is not None]
        widget.setEnabled(bool(found))
        if found:
            show(found[-1])

    def _canary_index(self) -> int | None:
        if self.policy is None:
            return None
        phases = self.policy.phases
        named = [i for i, p in enumerate(phases) if p.name.lower() == "canary"]
        partial = [i for i, p in enumerate(phases) if 0 < p.percent < 100]
        found = named or partial
        return found[0] if found else None

    # -- edits ----------------------------------------------------------------------------
    def _edit(self, changes: dict[tuple[Any, ...], Any]) -> None:
        if not self._quiet and changes:
            self.policyEdited.emit(changes)

    def _all_phases(self, check: str, value: float) -> None:
        if self.policy is None:
            return
        self._edit(
            {
                ("phases", i, "checks", check): value
                for i, p in enumerate(self.policy.phases)
                if getattr(p.checks, check) is not None
            }
        )

    def _canary(self, value: int) -> None:
        i = self._canary_index()
        if i is not None:
            self._edit({("phases", i, "percent"): value})

    def _settings(self, *_: Any) -> None:
        if not self._quiet:
            self.settingsChanged.emit()

    def incidents(self) -> list[Incident]:
        from shipyard.core.rollout.simulate import Incident

        found = []
        if self.spike_on.isChecked():
            found.append(
                Incident("spike", self.spike_at.value() / 100, float(self.spike_ms.value()))
            )
        if self.burst_on.isChecked():
            found.append(
                Incident("errors", self.burst_at.value() / 100, self.burst_pct.value() / 100)
            )
        if self.drift_on.isChecked():
            found.append(
                Incident("drift", self.drift_at.value() / 100, self.drift_pct.value() / 100)
            )
        return found
