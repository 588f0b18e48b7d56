"""The workspace lock: one process edits a workspace at a time, and a dead holder is recovered."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from shipyard.core.errors import WorkspaceLocked
from shipyard.core.workspace.layout import LOCK_NAME


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


UNREADABLE_STALE_SECONDS = 5.0


@contextlib.contextmanager
def _guard(folder: Path) -> Iterator[None]:
    """Serialise lock takeovers among processes on this host: an OS lock on the `.shipyard`
    folder itself (no extra file), released by the OS even when its holder is killed."""
    try:
        import fcntl
    except ImportError:  # Windows: O_EXCL creation alone; takeovers are rarer there
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the flock


class WorkspaceLock:
    """An exclusive lock file in `<workspace>/.shipyard/lock.json`.

    The file appears atomically with its content (written to a temporary file, then
    hard-linked into place, which fails if a lock exists), so a lock file is never seen
    empty. A lock left by a process that no longer runs on this host is taken over; every
    check-and-take-over runs under an OS lock on the `.shipyard` folder, so two processes never
    both decide a lock is stale and both take it. An unreadable lock (left by an older
    Shipyard, or damaged) is only removed once it is older than a writer could be. A live
    holder makes `acquire` raise WorkspaceLocked naming it. The same process may acquire
    again (the GUI and an in-process command share it).
    """

    def __init__(
        self, root: Path, purpose: str = "", on_acquired: Callable[[], None] | None = None
    ) -> None:
        self.path = Path(root) / ".shipyard" / LOCK_NAME
        self.purpose = purpose
        self.held = False
        self.on_acquired = on_acquired  # runs once the lock is ours (not when re-entered)

    def holder(self) -> LockHolder | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return LockHolder(**data)
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def _create(self, me: LockHolder) -> bool:
        """Put our lock file in place with its content; False when a lock exists."""
        tmp = self.path.with_name(f".{LOCK_NAME}.{me.pid}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(json.dumps(asdict(me)), encoding="utf-8")
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system: exclusive create, then write
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(me), fh)
            return True
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _unreadable_is_stale(self) -> bool:
        try:
            age = time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return True
        return age >= UNREADABLE_STALE_SECONDS

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = _me(self.purpose)
        with _guard(self.path.parent):
            for _ in range(3):
                if self._create(me):
                    self.held = True
                    break
                current = self.holder()
                if current is None:
                    if self._unreadable_is_stale():
                        self._remove()
                        continue
                    raise WorkspaceLocked(
                        "the workspace lock file is unreadable and was written moments ago",
                        file=self.path,
                        fix="try again in a few seconds; if no Shipyard is running, "
                        f"delete {self.path}",
                    )
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
        if not self.held:
            raise WorkspaceLocked("could not take the workspace lock", file=self.path)
        if self.on_acquired is not None:
            try:
                self.on_acquired()
            except BaseException:
                self.release()
                raise

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
