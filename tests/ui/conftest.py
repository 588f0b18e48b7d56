from __future__ import annotations

import pytest
from window_helpers import open_window


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(qapp):
    """As the app does (shipyard.ui.jobs.gc_guard): no cycle collection on worker threads."""
    from shipyard.ui.jobs.gc_guard import install

    install(qapp)


@pytest.fixture
def window(qtbot, demo_ws):
    """The main window on a fresh copy of the demo workspace, with a fixed 'today'."""
    with open_window(qtbot, demo_ws.root) as win:
        yield win


def pytest_addoption(parser):
    parser.addoption(
        "--approve",
        action="store_true",
        default=False,
        help="rewrite the approved screen images (tests/ui/approved/) from this run's renders",
    )
