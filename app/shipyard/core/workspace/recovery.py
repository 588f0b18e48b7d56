"""Cleaning up after a process that died mid-write, each time a workspace lock is taken.

Every long write in Shipyard builds its result aside and renames it into place last:
dataset versions in `.shipyard/staging/`, runs in `runs/.tmp-<id>/`, packages in
`exports/.tmp-<name>-*` (the old package moves to `.old-<name>-*` for a moment, and the
zip is written as `.<name>.zip.building`). A process killed with SIGKILL leaves those
behind. Taking the workspace lock proves no other Shipyard is writing, so whatever is
left is a dead process's and is cleaned here:

- staging folders, `.tmp-*` run and package folders and `*.zip.building` files whose
  package is not complete are removed;
- a package folder moved aside to `.old-*` whose replacement never arrived is restored,
  and one whose replacement did arrive is removed; a finished package whose zip was not
  yet moved into place gets its zip;
- a dataset version, run or package committed just before the process died, whose audit
  entry was never written, gets that entry from the intent written before the commit
  (`audit_intent`), so no change exists without its entry.

`recover` returns what it did, in words, for the window and the command line to show.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECOVERY_USER = "shipyard (recovery)"
# Who hears about a recovery: the command line prints it, the window shows it.
_listeners: list[Callable[[RecoveryReport], None]] = []


def add_listener(fn: Callable[[RecoveryReport], None]) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def remove_listener(fn: Callable[[RecoveryReport], None]) -> None:
    with contextlib.suppress(ValueError):
        _listeners.remove(fn)


@dataclass
class RecoveryReport:
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removed or self.restored or self.logged)

    def lines(self) -> list[str]:
        out = [f"removed the leftover of an interrupted write: {p}" for p in self.removed]
        out += [f"restored {p}" for p in self.restored]
        out += [f"added the missing audit entry of {p}" for p in self.logged]
        return out


def _rel(ws: Any, path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(ws.root))
    return str(path)


def _remove(ws: Any, path: Path, report: RecoveryReport) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return
    except OSError:
        return  # not ours to fight over; the next open tries again
    report.removed.append(_rel(ws, path))


def _zip_matches(zip_path: Path, folder: Path) -> bool:
    """The zip holds exactly the folder's files, byte for byte (it was finished)."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            names = sorted(zf.namelist())
            if names != sorted(p.name for p in folder.iterdir() if p.is_file()):
                return False
            return all(zf.read(n) == (folder / n).read_bytes() for n in names)
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def _recover_exports(ws: Any, exports: Path, report: RecoveryReport) -> None:
    if not exports.is_dir():
        return
    for path in sorted(exports.iterdir()):
        name = path.name
        if name.startswith(".tmp-"):
            _remove(ws, path, report)
        elif name.startswith(".old-") and path.is_dir():
            package = name.removeprefix(".old-").rsplit("-", 1)[0]
            final = exports / package
            if final.exists():
                _remove(ws, path, report)
            else:
                os.rename(path, final)  # the new package never arrived: keep the old one
                report.restored.append(
                    f"{_rel(ws, final)} (the package an interrupted export was replacing)"
                )
    for path in sorted(exports.glob(".*.zip.building")):
        package = path.name[1:].removesuffix(".zip.building")
        folder = exports / package
        if folder.is_dir() and _zip_matches(path, folder):
            os.replace(path, exports / f"{package}.zip")
            report.restored.append(
                f"{_rel(ws, exports / (package + '.zip'))} (finished, not yet moved)"
            )
        else:
            _remove(ws, path, report)


INTENTS = Path(".shipyard") / "intents"


@dataclass
class AuditIntent:
    """The audit entry a commit owes, written before the commit and removed after its entry.

    A process killed between the commit (a rename) and its audit entry leaves the intent
    behind; recovery then writes the entry if the committed result exists (and drops the
    intent if it does not: the commit never happened).
    """

    path: Path

    def done(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def audit_intent(
    ws: Any,
    result: Path,
    action: str,
    target: str,
    *,
    user: str,
    reason: str = "",
    details: dict[str, Any] | None = None,
    content: bytes | None = None,
) -> AuditIntent:
    """Record the entry `ws.audit.append(action, target, ...)` that committing `result`
    (a folder or file inside the workspace) owes; call `.done()` once it is appended.

    For a file that is rewritten rather than created, pass the new `content`: the entry is
    then owed only if the file holds exactly those bytes (the write happened).
    """
    import hashlib
    import json
    import secrets

    from shipyard.core.workspace.atomic import atomic_write_text

    folder = ws.root / INTENTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(8)}.json"
    data = {
        "result": _rel(ws, result),
        "action": action,
        "target": target,
        "user": user,
        "reason": reason,
        "details": details or {},
        "sha256": hashlib.sha256(content).hexdigest() if content is not None else None,
        # The entry is owed after this many lines: an older entry of the same action and
        # target (an earlier gate run, an earlier export) does not settle it.
        "after": sum(1 for _ in ws.audit.read_lines()),
    }
    atomic_write_text(path, json.dumps(data, sort_keys=True))
    return AuditIntent(path)


def _settle_intents(ws: Any, report: RecoveryReport) -> None:
    import json

    folder = ws.root / INTENTS
    if not folder.is_dir():
        return
    entries = [e for _, e, bad in ws.audit.read_lines() if not bad]
    for path in sorted(folder.iterdir()):
        try:
            intent = json.loads(path.read_text("utf-8"))
            result = ws.root / intent["result"]
            action, target = str(intent["action"]), str(intent["target"])
        except (OSError, ValueError, KeyError, TypeError):
            _remove(ws, path, report)
            continue
        if result.exists() and intent.get("sha256"):
            import hashlib

            try:
                wrote = hashlib.sha256(result.read_bytes()).hexdigest() == intent["sha256"]
            except OSError:
                wrote = False
        else:
            wrote = result.exists()
        after = intent.get("after") if isinstance(intent.get("after"), int) else 0
        logged = any(
            e.get("action") == action and e.get("target") == target for e in entries[after:]
        )
        if wrote and not logged:
            ws.audit.append(
                action,
                target,
                user=str(intent.get("user") or RECOVERY_USER),
                reason="recovered: committed just before its process stopped",
                details={**(intent.get("details") or {}), "recovered": True},
            )
            report.logged.append(f"{action} {target}")
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _subfolders(folder: Path) -> list[Path]:
    """The folders in `folder` ([] if it is none). DirEntry.is_dir() reads the type the
    listing returned: no stat per entry, which counts with thousands of run folders."""
    try:
        with os.scandir(folder) as entries:
            return [Path(e.path) for e in entries if e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _folders_with_files(ws: Any) -> list[Path]:
    """Where Shipyard writes files atomically (the lock's own folder excepted)."""
    root = ws.root
    folders = [f for f in (root, root / "keys", root / "exports", root / INTENTS) if f.is_dir()]
    for project in _subfolders(ws.projects_dir):
        folders.append(project)
        folders += _subfolders(project / "runs")
    for dataset in _subfolders(root / "datasets"):
        folders += _subfolders(dataset)
    return folders


def recover(ws: Any) -> RecoveryReport:
    """Clean what dead processes left; call only while holding the workspace lock."""
    report = RecoveryReport()
    staging = ws.root / ".shipyard" / "staging"
    if staging.is_dir():
        for child in sorted(staging.iterdir()):
            _remove(ws, child, report)
    if ws.projects_dir.is_dir():
        for tmp in sorted(ws.projects_dir.glob("*/runs/.tmp-*")):
            _remove(ws, tmp, report)
    _recover_exports(ws, ws.root / "exports", report)
    for folder in _folders_with_files(ws):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                # atomic writes' temp files: `.<name>.<random>.tmp` beside the file
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
                    _remove(ws, Path(entry.path), report)
    if ws.audit.verify().ok:  # a damaged log is reported by audit verify, not appended to
        _settle_intents(ws, report)
    if report:
        for listener in list(_listeners):
            listener(report)
    return report
