"""Shared fixtures for the Qt-free core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.core.workspace.workspace import Workspace

# tests/conftest.py already gives every test a private SHIPYARD_CONFIG_DIR.
# These workspaces live at tmp_path / "ws", which some core tests rely on.


@pytest.fixture
def blank_ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", template_name="blank")


@pytest.fixture
def demo_ws(tmp_path: Path) -> Workspace:
    """One-pagers and samples only (see tests/demo_template.py)."""
    from demo_template import plain_demo

    return plain_demo(tmp_path / "ws")
