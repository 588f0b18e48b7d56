"""A demo workspace with churn data imported and two tiny runs trained, built once per session;
tests that change files get their own copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shipyard.core.workspace import Workspace

SLUG = "churn-risk"


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder

    root = tmp_path_factory.mktemp("rollout") / "ws"
    ws = Workspace.create(root, template_name="demo")
    version = import_file(ws, ws.root / "samples" / "churn_customers.csv", "churn", user="t")
    train_ladder(ws, SLUG, version.ref, "churned", user="t", families=["dummy", "linear"])
    return root


@pytest.fixture
def tws(trained_root: Path, tmp_path: Path) -> Workspace:
    """A private copy of the trained workspace."""
    copy = tmp_path / "trained"
    shutil.copytree(trained_root, copy)
    return Workspace.open(copy)


@pytest.fixture(scope="session")
def shared_ws(trained_root: Path) -> Workspace:
    """The trained workspace itself, for tests that only read."""
    return Workspace.open(trained_root)
