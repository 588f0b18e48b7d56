"""Fixtures for the training tests: a demo workspace with the sample datasets imported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shipyard.core.workspace.workspace import Workspace


@pytest.fixture(scope="session", autouse=True)
def _one_native_thread() -> Iterator[None]:
    """One OpenMP/BLAS thread: on a shared, busy machine spinning OpenMP workers make a small
    boosted-trees fit many times slower, and these tests fit small data only."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPYARD_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", template_name="demo")


@pytest.fixture
def sample(ws: Workspace) -> Callable[[str, str], Any]:
    from shipyard.core.data import import_file

    def load(file: str, name: str) -> Any:
        return import_file(ws, ws.root / "samples" / file, name, user="t")

    return load


@pytest.fixture
def csv(ws: Workspace, tmp_path: Path) -> Callable[[str, str], Any]:
    from shipyard.core.data import import_file

    def make(name: str, text: str) -> Any:
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        return import_file(ws, path, name, user="t")

    return make
