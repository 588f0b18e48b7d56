"""One project: its one-pager and, as tabs, its models, gates, rollout and package.

The one-pager is built with the page; every other tab is imported and built the first
time it is shown (startup time, and their modules pull in pyqtgraph plots), and is told
which project to show only when it is visible, so switching projects stays instant.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from shipyard.ui.project.onepager_page import OnePagerPage
from shipyard.ui.session import WorkspaceSession


@dataclass(frozen=True)
class TabSpec:
    key: str
    title: str
    module: str  # dotted path
    cls: str
    tip: str


LAZY_TABS: tuple[TabSpec, ...] = (
    TabSpec(
        "models",
        "Models",
        "shipyard.ui.models.tab",
        "ModelsTab",
        "Train baselines, leaderboard, champion",
    ),
    TabSpec(
        "gates", "Gates", "shipyard.ui.gates.tab", "GatesTab", "Policy checks on the exported model"
    ),
    TabSpec(
        "rollout", "Rollout", "shipyard.ui.rollout.tab", "RolloutTab", "Rehearse the rollout; flags"
    ),
    TabSpec(
        "package", "Package", "shipyard.ui.package.tab", "PackageTab", "Model card, signed packages"
    ),
)
TAB_KEYS = ("onepager", *(t.key for t in LAZY_TABS))


def _available(spec: TabSpec) -> bool:
    return importlib.util.find_spec(spec.module) is not None


class ProjectPage(QWidget):
    """Tabs of one project; `load(slug)` switches project, `show_tab(key)` switches tab."""

    tabChanged = Signal(str)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.onepager = OnePagerPage(session)
        self.tabs = QTabWidget(objectName="projectTabs", documentMode=True)
        self.tabs.addTab(self.onepager, "One-pager")
        self.tabs.setTabToolTip(0, "The project's one-pager (Alt+1)")
        self._specs: dict[int, TabSpec] = {}
        self._built: dict[str, QWidget] = {}
        self._loaded: dict[str, str | None] = {}
        for spec in LAZY_TABS:
            if not _available(spec):
                continue
            index = self.tabs.addTab(QWidget(), spec.title)
            self.tabs.setTabToolTip(index, f"{spec.tip} (Alt+{index + 1})")
            self._specs[index] = spec
        for index in range(self.tabs.count()):
            QShortcut(
                QKeySequence(f"Alt+{index + 1}"),
                self,
                activated=lambda i=index: self.tabs.setCurrentIndex(i),
                objectName=f"tab{index + 1}Shortcut",
            )
        self.tabs.currentChanged.connect(self._current_changed)
        # Where the project stands (champion, gate verdict, stale flags), on every tab.
        self.status = QLabel(objectName="projectStatus", textFormat=Qt.RichText)
        self.status.setWordWrap(True)
        self.status.setContentsMargins(12, 6, 12, 6)
        session.projectArtifactsChanged.connect(self._artifacts_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs)

    # -- public ---------------------------------------------------------------------------
    def load(self, slug: str) -> None:
        self.slug = slug
        self.onepager.load(slug)
        self.refresh_status()
        self._load_current()

    def refresh_status(self) -> None:
        from shipyard.core.portfolio.project_status import project_status, status_line

        ws = self.session.workspace
        if ws is None or self.slug is None:
            self.status.clear()
            return
        status = project_status(ws, self.slug)
        colour = {"pass": "#1a7f37", "warn": "#b7791f", "fail": "#c62828"}
        text = escape(status_line(status))
        if status.gate_verdict in colour:
            verdict = f"Gates: {status.gate_verdict}"
            text = text.replace(
                verdict,
                f"Gates: <b style='color:{colour[status.gate_verdict]}'>"
                f"{status.gate_verdict.upper()}</b>",
            )
        if status.problems:
            text += "<br><span style='color:#c62828'>" + escape("; ".join(status.problems))
            text += "</span>"
        self.status.setText(text)
        self.status.setToolTip(
            "Champion, latest gate verdict and stale feature flags of this project"
        )

    def _artifacts_changed(self, slug: str) -> None:
        if slug == self.slug:
            self.refresh_status()

    def tab(self, key: str) -> QWidget:
        """The tab widget for `key`, built if needed (tests and the screenshot use this)."""
        if key == "onepager":
            return self.onepager
        for index, spec in self._specs.items():
            if spec.key == key:
                return self._build(index)
        raise KeyError(f"no tab '{key}'; known: {', '.join(self.tab_keys())}")

    def tab_keys(self) -> list[str]:
        return ["onepager", *(s.key for s in self._specs.values())]

    def current_key(self) -> str:
        spec = self._specs.get(self.tabs.currentIndex())
        return spec.key if spec else "onepager"

    def show_tab(self, key: str) -> QWidget:
        widget = self.tab(key)
        self.tabs.setCurrentWidget(widget)
        self._load_current()
        return widget

    # -- internals ------------------------------------------------------------------------
    def _build(self, index: int) -> QWidget:
        spec = self._specs[index]
        if spec.key in self._built:
            return self._built[spec.key]
        module = importlib.import_module(spec.module)
        widget: QWidget = getattr(module, spec.cls)(self.session)
        placeholder = self.tabs.widget(index)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, spec.title)
        self.tabs.setTabToolTip(index, f"{spec.tip} (Alt+{index + 1})")
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        placeholder.deleteLater()
        self._built[spec.key] = widget
        self._loaded[spec.key] = None
        return widget

    def _current_changed(self, index: int) -> None:
        self._load_current()
        self.tabChanged.emit(self.current_key())

    def _load_current(self) -> None:
        index = self.tabs.currentIndex()
        if index not in self._specs or self.slug is None:
            return
        spec = self._specs[index]
        widget = self._build(index)
        if self._loaded.get(spec.key) != self.slug:
            self._loaded[spec.key] = self.slug
            widget.load(self.slug)  # type: ignore[attr-defined]
