"""The workspace lock: one process edits a workspace at a time, and a dead holder is recovered."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import WorkspaceLocked

LOCK_NAME = "lock.json"


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    user: str
    since: str
    purpose: str = ""

    def describe(self) -> str:
        what = f" ({self.purpose})" if self.purpose else ""
        return f"{self.user} on {self.host}, process {self.pid}{what}, since {self.since}"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _me(purpose: str) -> LockHolder:
    return LockHolder(
        pid=os.getpid(),
        host=socket.gethostname(),
        user=getpass.getuser(),
        since=datetime.now(UTC).isoformat(timespec="seconds"),
        purpose=purpose,
    )


class WorkspaceLock:
    """An exclusive lock file in `<workspace>/.shipyard/lock.json`.

    Creation is atomic (O_EXCL). A lock left by a process that no longer runs on this
    host is taken over; a live holder makes `acquire` raise WorkspaceLocked naming it.
    The same process may acquire again (the GUI and an in-process command share it).
    """

    def __init__(self, root: Path, purpose: str = "") -> None:
        self.path = Path(root) / ".shipyard" / LOCK_NAME
        self.purpose = purpose
        self.held = False

    def holder(self) -> LockHolder | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return LockHolder(**data)
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = _me(self.purpose)
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                current = self.holder()
                if current is None:
                    # Unreadable: a crash between create and write. Treat it as stale.
                    self._remove()
                    continue
                if current.host == me.host and current.pid == me.pid:
                    self.held = False  # re-entrant: the outer holder releases it
                    return
                if current.host == me.host and not _pid_alive(current.pid):
                    self._remove()
                    continue
                raise WorkspaceLocked(
                    f"this workspace is open in another Shipyard: {current.describe()}",
                    file=self.path.parent.parent,
                    fix="close it there first; if that process is gone on another machine, "
                    f"delete {self.path}",
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(me), fh)
            self.held = True
            return
        raise WorkspaceLocked("could not take the workspace lock", file=self.path)

    def release(self) -> None:
        if self.held:
            current = self.holder()
            if current is not None and (current.pid, current.host) == (
                os.getpid(),
                socket.gethostname(),
            ):
                self._remove()
            self.held = False

    def _remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __enter__(self) -> WorkspaceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
