"""Fixtures for the data-layer tests: a blank workspace, the demo samples, and small files
written on the fly (tests/conftest.py keeps the settings folder private)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.core.workspace.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[3] / "workspace_templates" / "demo" / "samples"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", template_name="blank")


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(name, text_or_bytes) -> path of a new file in a private folder."""
    folder = tmp_path / "files"
    folder.mkdir()

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return _write


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _leftovers(ws: Workspace) -> list[str]:
    found = []
    for sub in ("datasets", ".shipyard/staging"):
        folder = ws.root / sub
        if folder.exists():
            found += [f"{sub}/{p}" for p in _tree(folder)]
    return found


@pytest.fixture
def tree() -> Callable[[Path], list[str]]:
    """tree(root) -> every file and folder under root, relative, sorted."""
    return _tree


@pytest.fixture
def leftovers() -> Callable[[Workspace], list[str]]:
    """leftovers(ws) -> files under datasets/ and .shipyard/staging/ (where a half import
    would show)."""
    return _leftovers
