"""The workspace lock: one live holder at a time, dead holders recovered, clear messages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from shipyard.core.errors import WorkspaceLocked
from shipyard.core.workspace.layout import LOCK_NAME
from shipyard.core.workspace.lock import LockHolder, WorkspaceLock
from shipyard.core.workspace.workspace import Workspace

HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from shipyard.core.workspace.lock import WorkspaceLock
lock = WorkspaceLock(Path(sys.argv[1]), "training churn-risk")
lock.acquire()
print("locked", flush=True)
time.sleep(120)
"""


def _lock_file(root: Path) -> Path:
    return root / ".shipyard" / LOCK_NAME


def _write_holder(root: Path, **fields: object) -> Path:
    data = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": "someone",
        "since": "2026-01-01T00:00:00+00:00",
        "purpose": "",
        **fields,
    }
    path = _lock_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


@pytest.fixture
def live_holder(tmp_path: Path):
    """Another process that holds the lock on `tmp_path / 'ws'` until the test ends."""
    root = tmp_path / "ws"
    root.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        lock_file = _lock_file(root)
        while True:
            holder = WorkspaceLock(root).holder()
            if holder is not None and holder.pid == proc.pid:
                break
            if proc.poll() is not None:
                pytest.fail(f"holder process exited early: {proc.stderr.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{lock_file} never appeared")
            time.sleep(0.02)
        yield root, proc
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


# -- acquire and release -------------------------------------------------------------------


def test_acquire_creates_and_release_removes_the_lock_file(tmp_path: Path) -> None:
    lock = WorkspaceLock(tmp_path, "editing")
    path = _lock_file(tmp_path)
    assert lock.path == path
    assert lock.holder() is None
    lock.acquire()
    try:
        assert lock.held
        assert path.is_file()
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["pid"] == os.getpid()
        assert data["host"] == socket.gethostname()
        assert data["purpose"] == "editing"
        assert data["user"]
        assert data["since"].endswith("+00:00")
        assert lock.holder() == LockHolder(**data)
    finally:
        lock.release()
    assert not lock.held
    assert not path.exists()
    assert path.parent.is_dir()  # .shipyard stays


def test_release_twice_is_harmless(tmp_path: Path) -> None:
    lock = WorkspaceLock(tmp_path)
    lock.acquire()
    lock.release()
    lock.release()
    assert not _lock_file(tmp_path).exists()


def test_context_manager(tmp_path: Path) -> None:
    with WorkspaceLock(tmp_path, "cli") as lock:
        assert lock.held
        assert lock.holder().purpose == "cli"
    assert not _lock_file(tmp_path).exists()


def test_context_manager_releases_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), WorkspaceLock(tmp_path):
        raise RuntimeError("boom")
    assert not _lock_file(tmp_path).exists()


def test_workspace_lock_helper(blank_ws: Workspace) -> None:
    with blank_ws.lock("importing data") as lock:
        assert lock.path == blank_ws.root / ".shipyard" / LOCK_NAME
        assert lock.holder().purpose == "importing data"
    assert not lock.path.exists()


# -- another live process ------------------------------------------------------------------


def test_live_holder_in_another_process_blocks(live_holder) -> None:
    root, proc = live_holder
    lock = WorkspaceLock(root, "me too")
    with pytest.raises(WorkspaceLocked) as info:
        lock.acquire()
    text = str(info.value)
    assert f"process {proc.pid}" in text
    assert socket.gethostname() in text
    assert "(training churn-risk)" in text
    assert "this workspace is open in another Shipyard" in text
    assert "fix: close it there first" in text
    assert str(_lock_file(root)) in text
    assert not lock.held
    # The holder's lock is untouched, and releasing our failed attempt keeps it.
    lock.release()
    assert lock.holder().pid == proc.pid


def test_lock_is_free_again_after_the_holder_dies(live_holder) -> None:
    root, proc = live_holder
    proc.kill()
    proc.wait(timeout=30)
    assert _lock_file(root).exists()  # SIGKILL leaves the file behind
    with WorkspaceLock(root) as lock:
        assert lock.holder().pid == os.getpid()


# -- stale and damaged locks ---------------------------------------------------------------


def test_stale_lock_of_a_dead_process_on_this_host_is_recovered(tmp_path: Path) -> None:
    dead = _dead_pid()
    _write_holder(tmp_path, pid=dead, purpose="crashed")
    lock = WorkspaceLock(tmp_path)
    lock.acquire()
    try:
        assert lock.held
        assert lock.holder().pid == os.getpid()
    finally:
        lock.release()
    assert not _lock_file(tmp_path).exists()


def test_lock_from_another_host_is_not_taken_over(tmp_path: Path) -> None:
    # We cannot tell whether a process on another machine is alive: refuse, and say how.
    path = _write_holder(tmp_path, pid=_dead_pid(), host="other-laptop", user="ann")
    with pytest.raises(WorkspaceLocked) as info:
        WorkspaceLock(tmp_path).acquire()
    assert "ann on other-laptop" in str(info.value)
    assert f"delete {path}" in str(info.value)
    assert json.loads(path.read_text())["host"] == "other-laptop"


@pytest.mark.parametrize(
    "content",
    ["", "{not json", "[1, 2, 3]", '{"pid": 1}', '{"unexpected": true}'],
    ids=["empty", "garbage", "list", "missing-fields", "wrong-fields"],
)
def test_unreadable_lock_file_is_recovered_once_old(tmp_path: Path, content: str) -> None:
    path = _lock_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    old = time.time() - 60
    os.utime(path, (old, old))  # older than any writer could be
    lock = WorkspaceLock(tmp_path)
    assert lock.holder() is None
    lock.acquire()
    try:
        assert lock.holder().pid == os.getpid()
    finally:
        lock.release()


# -- re-entrance and ownership -------------------------------------------------------------


def test_reentrant_in_the_same_process(tmp_path: Path) -> None:
    outer = WorkspaceLock(tmp_path, "window")
    outer.acquire()
    try:
        inner = WorkspaceLock(tmp_path, "in-process command")
        inner.acquire()  # no error
        assert not inner.held  # the outer holder owns the file
        assert inner.holder().purpose == "window"
        inner.release()  # the non-owner's release keeps the owner's lock
        assert _lock_file(tmp_path).exists()
        assert outer.holder().pid == os.getpid()
    finally:
        outer.release()
    assert not _lock_file(tmp_path).exists()


def test_release_does_not_delete_a_lock_now_owned_by_someone_else(tmp_path: Path) -> None:
    # We held the lock, but the file was taken over (e.g. someone deleted it as the error
    # message suggests and another Shipyard took it). Our release must not drop theirs.
    lock = WorkspaceLock(tmp_path)
    lock.acquire()
    path = _write_holder(tmp_path, pid=4242, host="other-laptop", user="ann")
    lock.release()
    assert path.exists(), "release() deleted a lock held by another process"
    assert json.loads(path.read_text())["host"] == "other-laptop"


def test_a_fresh_unreadable_lock_is_not_deleted(tmp_path: Path) -> None:
    # It may belong to a process writing it right now: refuse, never delete it.
    path = _lock_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("", encoding="utf-8")
    with pytest.raises(WorkspaceLocked) as info:
        WorkspaceLock(tmp_path).acquire()
    assert "unreadable" in str(info.value) and "try again" in str(info.value)
    assert path.exists()


def _race(root: str, barrier: Any, out: str, index: int) -> None:
    """One racer: start with the others, try the lock, wait until every racer has tried."""
    from shipyard.core.workspace.lock import WorkspaceLock

    barrier.wait()
    lock = WorkspaceLock(Path(root), f"racer {index}")
    try:
        lock.acquire()
        Path(out, f"held-{index}").touch()
    except WorkspaceLocked:
        Path(out, f"refused-{index}").touch()
    barrier.wait()  # a holder keeps the lock until all six have tried
    os._exit(0)  # die holding it: the lock file stays, as after kill -9


@pytest.mark.parametrize("before", ["none", "dead", "empty"])
def test_racing_processes_never_share_the_lock(tmp_path: Path, before: str) -> None:
    """6 processes released together, many times over: exactly one holds the lock.

    Each winner dies holding it, so every next trial also races over a dead holder's
    lock; `before` sets up the first trial's file (none, a dead holder's, or an empty
    one old enough to be stale).
    """
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    root = tmp_path / "ws"
    (root / ".shipyard").mkdir(parents=True)
    if before == "dead":
        _write_holder(root, pid=_dead_pid())
    elif before == "empty":
        _lock_file(root).write_text("")
        os.utime(_lock_file(root), (0, 0))
    trials = 67  # x 3 parametrisations: 201 trials
    for trial in range(trials):
        out = tmp_path / f"t{trial}"
        out.mkdir()
        barrier = ctx.Barrier(6)
        procs = [
            ctx.Process(target=_race, args=(str(root), barrier, str(out), i)) for i in range(6)
        ]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=30)
        held = sorted(p.name for p in out.iterdir() if p.name.startswith("held"))
        assert len(held) == 1, f"trial {trial}: {held}"
