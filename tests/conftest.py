"""Shared fixtures: a private settings folder, offscreen Qt, and ready-made workspaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import leak_check

# Set before any Qt import so no test needs a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Tests never read or write the real user's settings or window state."""
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("SHIPYARD_CONFIG_DIR", str(config))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config / "xdg"))
    return config


@pytest.fixture(autouse=True)
def _no_leaked_work():
    """Fail a test that leaves work running: a window job (job_hub), a non-daemon thread it
    started, or a child process. Each gets a short grace period to finish first; what is
    still running then is stopped, so the next test starts clean, and named."""
    before = leak_check.Snapshot.now()
    yield
    leaks = leak_check.wait_for_leaks(before)
    if leaks:
        leak_check.stop_leaked_work()
        pytest.fail("the test left work running: " + ", ".join(leaks), pytrace=False)


@pytest.fixture
def memory_keyring():
    """An in-memory keyring for this test (a headless box has no OS keyring), then the
    previous backend again."""
    import sys

    import keyring

    sys.path.insert(0, str(Path(__file__).parent / "core" / "packaging"))
    from pkg_helpers import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def demo_ws(tmp_path: Path):
    """The demo's projects and samples, without its shipped datasets and runs."""
    from demo_template import plain_demo

    return plain_demo(tmp_path / "demo")


@pytest.fixture
def trained_demo_ws(tmp_path: Path):
    """The demo workspace exactly as shipped: datasets, runs and champions included."""
    from shipyard.core.workspace.workspace import Workspace

    return Workspace.create(tmp_path / "demo", template_name="demo", name="Demo portfolio")


@pytest.fixture
def blank_ws(tmp_path: Path):
    from shipyard.core.workspace.workspace import Workspace

    return Workspace.create(tmp_path / "blank", template_name="blank", name="Blank")


@pytest.fixture
def artifacts() -> Path:
    """Where rendered PNGs go for people to look at (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
