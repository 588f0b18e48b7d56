"""The audit log: append-only JSON lines, each holding the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ShipyardError

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
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        # One O_APPEND write per entry: a crash never leaves half a line before a whole one.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def verify(self) -> AuditCheck:
        if not self.path.exists():
            return AuditCheck(True, 0)
        prev = GENESIS
        count = 0
        with self.path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    return AuditCheck(False, count, number, "the line is not valid JSON")
                if entry.get("prev") != prev:
                    return AuditCheck(
                        False, count, number, "it does not point at the entry before it"
                    )
                if entry.get("hash") != _digest(entry):
                    return AuditCheck(
                        False, count, number, "its content was changed after it was written"
                    )
                prev = entry["hash"]
                count += 1
        return AuditCheck(True, count)
