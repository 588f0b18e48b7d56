"""Rollout tests share one trained workspace (see rollout_workspace.py); tests that change
files get their own copy."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.core.workspace.workspace import Workspace

sys.path.insert(0, str(Path(__file__).parent))

import rollout_workspace


@pytest.fixture(scope="session")
def trained_root() -> Iterator[Path]:
    yield rollout_workspace.template()


@pytest.fixture
def tws(trained_root: Path, tmp_path: Path) -> Workspace:
    """A private copy of the trained workspace."""
    return Workspace.open(rollout_workspace.copy(tmp_path / "trained"))


@pytest.fixture(scope="session")
def shared_ws(trained_root: Path) -> Workspace:
    """The trained workspace itself, for tests that only read."""
    return Workspace.open(trained_root)
