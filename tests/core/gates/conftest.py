"""Fixtures for the gate tests: a trained workspace built once, copied per test."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import gate_test_workspace as gtw


@pytest.fixture(scope="session")
def gate_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gtw.build(tmp_path_factory.mktemp("gate-template") / "ws")


@pytest.fixture(scope="session")
def shared_ws(gate_template: Path) -> Any:
    """Read-only use: tests that only run gates with save=False."""
    from shipyard.core.workspace.workspace import Workspace

    return Workspace.open(gate_template)


@pytest.fixture
def gws(gate_template: Path, tmp_path: Path) -> Any:
    """A private copy to change."""
    return gtw.copy(gate_template, tmp_path / "ws")


@pytest.fixture
def runs(shared_ws: Any) -> dict[str, Any]:
    from shipyard.core.training import list_runs

    return {r.family: r for r in list_runs(shared_ws, gtw.SLUG)}
