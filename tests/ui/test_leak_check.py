"""The leak check behind every test (tests/conftest.py): it names what a test left running."""

from __future__ import annotations

import threading
import time

import leak_check
from shipyard.core.jobs import JobControl
from shipyard.ui.jobs.background import BackgroundTask


def test_the_leak_check_names_a_job_and_a_thread_left_running(qtbot):
    before = leak_check.Snapshot.now()
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="left-behind")
    thread.start()

    def endless(job: JobControl) -> None:
        while not release.is_set():
            job.check()
            time.sleep(0.01)

    BackgroundTask(endless).start()
    try:
        found = leak_check.wait_for_leaks(before, grace_s=0.3)
        assert found == ["background job 'endless'", "thread 'left-behind'"]
    finally:
        release.set()
        thread.join()
    assert leak_check.wait_for_leaks(before) == []
