"""Shared fixtures for the Qt-free core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.core.workspace import Workspace


@pytest.fixture(autouse=True)
def _isolated_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never let a test read or write the real per-user settings folder."""
    config = tmp_path / "config"
    monkeypatch.setenv("SHIPYARD_CONFIG_DIR", str(config))
    return config


@pytest.fixture
def blank_ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", template_name="blank")


@pytest.fixture
def demo_ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", template_name="demo")
