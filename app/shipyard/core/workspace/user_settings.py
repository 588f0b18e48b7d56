"""Per-user settings (name, email, theme, recent workspaces, the sweep cluster), kept outside
any workspace.

Stored as TOML in the OS config folder; `SHIPYARD_CONFIG_DIR` overrides it (tests use it so
they never touch the real folder). Each recent workspace has the date it was last opened
(`last_used`, UTC); files from before schema 2 only listed paths, and are given the date
each workspace's state folder last changed.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from shipyard.core.workspace.atomic import atomic_write_text

SETTINGS_SCHEMA = 2
MAX_RECENT = 8


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass
class UserSettings:
    """Read before the window shows, so a plain dataclass: pydantic would delay the window."""

    schema_version: int = SETTINGS_SCHEMA
    name: str = field(default_factory=_os_user)
    email: str = ""
    theme: Theme = Theme.SYSTEM
    recent_workspaces: list[str] = field(default_factory=list)
    cluster: str = ""  # the Dask scheduler sweeps run on (tcp://HOST:PORT); "" = this machine
    # When each recent workspace was last opened, as UTC "YYYY-MM-DDTHH:MM:SSZ", by path.
    last_used: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UserSettings:
        """Settings from a parsed file; a value of the wrong type falls back to its default."""
        out = cls()
        if isinstance(data.get("name"), str) and data["name"].strip():
            out.name = data["name"].strip()
        if isinstance(data.get("email"), str):
            out.email = data["email"].strip()
        if data.get("theme") in {t.value for t in Theme}:
            out.theme = Theme(data["theme"])
        if isinstance(data.get("cluster"), str):
            out.cluster = data["cluster"].strip()
        recent = data.get("recent_workspaces")
        if isinstance(recent, list):
            out.recent_workspaces = [p for p in recent if isinstance(p, str)][:MAX_RECENT]
        used = data.get("last_used")
        if isinstance(used, dict):
            out.last_used = {
                p: str(when) for p, when in used.items()
                if p in out.recent_workspaces and _stamp(str(when)) is not None
            }  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "theme": self.theme.value}

    def copy(self) -> UserSettings:
        return replace(
            self, recent_workspaces=list(self.recent_workspaces), last_used=dict(self.last_used)
        )

    def remember(self, workspace: Path, when: datetime | None = None) -> bool:
        """Put `workspace` first in the recent list, used `when` (now); True if the
        settings changed (they do whenever the date does)."""
        path = str(Path(workspace).resolve())
        before = (list(self.recent_workspaces), dict(self.last_used))
        self.recent_workspaces = [path] + [p for p in self.recent_workspaces if p != path]
        del self.recent_workspaces[MAX_RECENT:]
        self.last_used[path] = _iso(when or datetime.now(UTC))
        self.last_used = {p: w for p, w in self.last_used.items() if p in self.recent_workspaces}
        return (self.recent_workspaces, self.last_used) != before

    def used_at(self, workspace: str) -> datetime | None:
        """When `workspace` (a path in the recent list) was last opened, if known."""
        return _stamp(self.last_used.get(workspace, ""))

    @property
    def identity(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


def config_dir() -> Path:
    override = os.environ.get("SHIPYARD_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("shipyard", appauthor=False))


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _state_changed(path: str) -> str | None:
    """When a workspace's state folder (its lock lives there) last changed: the best
    guess of its last use for settings written before dates were kept."""
    root = Path(path)
    for candidate in (root / ".shipyard", root):
        try:
            return _iso(datetime.fromtimestamp(candidate.stat().st_mtime, UTC))
        except OSError:
            continue
    return None


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    # Version 0 (no schema_version) called the recent list "recent".
    if "schema_version" not in data and "recent" in data:
        data["recent_workspaces"] = data.pop("recent")
    # Before version 2 the recent list held paths only: date them by their state folder.
    version = data.get("schema_version")
    if not isinstance(version, int) or version < 2:
        recent = data.get("recent_workspaces")
        stored = data.get("last_used")
        used: dict[str, Any] = stored if isinstance(stored, dict) else {}
        for path in recent if isinstance(recent, list) else []:
            if isinstance(path, str) and path not in used:
                when = _state_changed(path)
                if when is not None:
                    used[path] = when
        data["last_used"] = used
    data["schema_version"] = SETTINGS_SCHEMA
    return data


def load_settings() -> UserSettings:
    """The user's settings; a missing or damaged file gives defaults rather than an error."""
    path = settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return UserSettings.from_dict(_migrate(data))
    except (FileNotFoundError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return UserSettings()


def save_settings(settings: UserSettings) -> None:
    import tomlkit

    doc = tomlkit.document()
    for key, value in settings.to_dict().items():
        doc[key] = value
    atomic_write_text(settings_path(), tomlkit.dumps(doc))
