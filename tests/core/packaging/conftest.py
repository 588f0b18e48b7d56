"""Fixtures for the packaging tests: a prepared workspace (built once) and a fresh keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pkg_helpers import build_trained_workspace, copy_workspace


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_trained_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest.fixture
def pkg_ws(trained_template: tuple[Path, str], tmp_path: Path, memory_keyring: Any) -> Any:
    """A copy of the prepared workspace with an active signing key in the memory keyring."""
    from shipyard.core.signing.keys import generate_key

    ws = copy_workspace(trained_template[0], tmp_path / "pkgws")
    ws.run_id = trained_template[1]  # type: ignore[attr-defined]
    generate_key(ws, user="t")
    return ws
