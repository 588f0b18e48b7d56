"""The audit log: append-only JSON lines, each holding the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError

GENESIS = "0" * 64


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    broken_line: int | None = None
    reason: str = ""

    def describe(self, path: Path) -> str:
        if self.ok:
            return f"{path}: {self.entries} entries, chain intact"
        return f"{path}:{self.broken_line}: chain broken — {self.reason}"


def append_line(path: Path, line: str) -> None:
    """Append one line durably. One O_APPEND write per line: a crash never leaves half a
    line before a whole one."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _last_hash(self) -> tuple[str, int]:
        if not self.path.exists():
            return GENESIS, 0
        last, count = GENESIS, 0
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if raw.strip():
                    count += 1
                    try:
                        last = json.loads(raw)["hash"]
                    except (ValueError, KeyError, TypeError):
                        raise ShipyardError(
                            f"line {number} of the audit log is damaged; nothing more can be "
                            "recorded after it",
                            file=self.path,
                            fix="run 'shipyard audit verify', then restore the log from a backup",
                        ) from None
        return last, count

    def ensure_appendable(self) -> None:
        """Raise the damaged-log error now, before a caller changes anything it must log."""
        self._last_hash()

    def append(
        self,
        action: str,
        target: str,
        *,
        user: str,
        reason: str = "",
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        prev, count = self._last_hash()
        entry: dict[str, Any] = {
            "seq": count + 1,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": user,
            "action": action,
            "target": target,
            "reason": reason,
            "details": details or {},
            "prev": prev,
        }
        entry["hash"] = _digest(entry)
        append_line(self.path, json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def verify(self) -> AuditCheck:
        """Walk the chain; the first line that breaks it is named. Never raises on a
        malformed line (not UTF-8, not JSON, not an object): that line is the break."""
        prev = GENESIS
        count = 0
        for number, entry, problem in self.read_lines():
            if problem:
                return AuditCheck(False, count, number, problem)
            if entry.get("prev") != prev:
                return AuditCheck(False, count, number, "it does not point at the entry before it")
            if entry.get("hash") != _digest(entry):
                return AuditCheck(
                    False, count, number, "its content was changed after it was written"
                )
            prev = entry["hash"]
            count += 1
        return AuditCheck(True, count)

    def hashes(self) -> list[str]:
        """The hash of every entry of the intact chain, in order (stops at a break)."""
        out: list[str] = []
        prev = GENESIS
        for _, entry, problem in self.read_lines():
            if problem or entry.get("prev") != prev or entry.get("hash") != _digest(entry):
                break
            prev = entry["hash"]
            out.append(prev)
        return out

    def read_lines(self) -> Iterator[tuple[int, dict[str, Any], str]]:
        """(line number, entry, problem) for every non-blank line; problem '' when the
        line is a JSON object."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield number, {}, "the line is not UTF-8 text"
                    continue
                try:
                    entry = json.loads(text)
                except (ValueError, RecursionError):
                    yield number, {}, "the line is not valid JSON"
                    continue
                if not isinstance(entry, dict):
                    yield number, {}, "the line is not an audit entry (a JSON object)"
                    continue
                yield number, entry, ""
