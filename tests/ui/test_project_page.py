"""The project page: one-pager first, other tabs built lazily and loaded when shown."""

from __future__ import annotations

import importlib.machinery
import json
import sys
import types

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from shipyard.ui.project import page as project_page
from shipyard.ui.project.page import ProjectPage, TabSpec


class FakeTab(QWidget):
    built = 0

    def __init__(self, session, parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent)
        FakeTab.built += 1
        self.loads: list[str] = []
        self.label = QLabel("fake", self)

    def load(self, slug: str) -> None:
        self.loads.append(slug)


@pytest.fixture
def fake_tabs(monkeypatch: pytest.MonkeyPatch):
    module = types.ModuleType("shipyard_fake_tab")
    module.__spec__ = importlib.machinery.ModuleSpec("shipyard_fake_tab", None)
    module.FakeTab = FakeTab  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "shipyard_fake_tab", module)
    FakeTab.built = 0
    specs = (
        TabSpec("models", "Models", "shipyard_fake_tab", "FakeTab", "models"),
        TabSpec("missing", "Missing", "shipyard_no_such_module", "Nope", "skipped"),
    )
    monkeypatch.setattr(project_page, "LAZY_TABS", specs)


def test_tabs_are_built_when_first_shown_and_loaded_per_project(qtbot, window, fake_tabs) -> None:
    window.show_project("churn-risk")
    page = window.project_page
    assert page.tab_keys() == ["onepager", "models"]  # a tab whose module is absent is left out
    assert page.tabs.count() == 2 and FakeTab.built == 0
    qtbot.keyClick(page, Qt.Key_2, Qt.AltModifier)
    tab = page.tab("models")
    assert FakeTab.built == 1 and page.current_key() == "models"
    assert page.tabs.currentWidget() is tab and tab.loads == ["churn-risk"]
    window.show_project("fraud-flag")
    assert tab.loads == ["churn-risk", "fraud-flag"]
    qtbot.keyClick(page, Qt.Key_1, Qt.AltModifier)
    window.show_project("churn-risk")  # hidden tabs are not reloaded...
    assert tab.loads == ["churn-risk", "fraud-flag"]
    page.show_tab("models")  # ...until shown again
    assert tab.loads[-1] == "churn-risk" and FakeTab.built == 1


def test_status_strip_follows_champion_and_gates(qtbot, window, demo_ws) -> None:
    window.show_project("churn-risk")
    page: ProjectPage = window.project_page
    folder = demo_ws.projects_dir / "churn-risk"
    runs = list((folder / "runs").glob("*/run.json")) if (folder / "runs").exists() else []
    start = page.status.text()
    assert f"{len(runs)} run" in start and "FAIL" not in start
    run = folder / "runs" / "zz-test"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"family": "trees", "metrics": {}}))
    report = {"verdict": "fail", "created": "2026-11-23T09:00:00Z", "checks": []}
    (run / "gate_report.json").write_text(json.dumps(report))
    window.session.projectArtifactsChanged.emit("churn-risk")
    n = len(runs) + 1
    assert (
        "FAIL" in page.status.text() and f"{n} run{'s' if n > 1 else ''} · " in page.status.text()
    )


def test_the_window_has_every_project_tab(window) -> None:
    window.show_project("churn-risk")
    assert window.project_page.tab_keys() == ["onepager", "models", "gates", "rollout", "package"]
    titles = [window.project_page.tabs.tabText(i) for i in range(window.project_page.tabs.count())]
    assert titles == ["One-pager", "Models", "Gates", "Rollout", "Package"]
