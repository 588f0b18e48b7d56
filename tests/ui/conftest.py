from __future__ import annotations

import time

import pytest
from window_helpers import open_window

SETTLE_S = 30.0


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """Before pytest-qt closes the test's windows (which it does before any fixture's
    teardown), the jobs a window started by itself (a board refresh, a key status) are let
    end, and one still running after SETTLE_S is cancelled: closing a window with a job
    running asks "Stop the running job?", a box nobody answers in a test run."""
    _settle_jobs()
    return (yield)


def _settle_jobs() -> None:
    from PySide6.QtWidgets import QApplication

    from shipyard.ui.jobs.background import job_hub

    if QApplication.instance() is None:  # a test without Qt: no window, no job
        return
    hub = job_hub()
    for last_step in (False, True):
        deadline = time.monotonic() + SETTLE_S
        while hub.running() and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)
        if not hub.running() or last_step:
            return
        hub.cancel_all()


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
