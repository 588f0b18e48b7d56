"""Per-user settings (name, email, theme, recent workspaces, the sweep cluster), kept outside
any workspace.

Stored as TOML in the OS config folder; `SHIPYARD_CONFIG_DIR` overrides it (tests use it so
they never touch the real folder).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from shipyard.core.workspace.atomic import atomic_write_text

SETTINGS_SCHEMA = 1
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
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "theme": self.theme.value}

    def copy(self) -> UserSettings:
        return replace(self, recent_workspaces=list(self.recent_workspaces))

    def remember(self, workspace: Path) -> bool:
        """Put `workspace` first in the recent list; True if the list changed."""
        path = str(Path(workspace).resolve())
        before = list(self.recent_workspaces)
        self.recent_workspaces = [path] + [p for p in self.recent_workspaces if p != path]
        del self.recent_workspaces[MAX_RECENT:]
        return self.recent_workspaces != before

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


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    # Version 0 (no schema_version) called the recent list "recent".
    if "schema_version" not in data and "recent" in data:
        data["recent_workspaces"] = data.pop("recent")
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
