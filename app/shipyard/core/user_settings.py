"""Per-user settings (name, email, theme, recent workspaces), kept outside any workspace.

Stored as TOML in the OS config folder; `SHIPYARD_CONFIG_DIR` overrides it (tests use it so
they never touch the real folder).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .atomic import atomic_write_text

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


class UserSettings(BaseModel):
    schema_version: int = SETTINGS_SCHEMA
    name: str = Field(default_factory=_os_user)
    email: str = ""
    theme: Theme = Theme.SYSTEM
    recent_workspaces: list[str] = Field(default_factory=list)

    def remember(self, workspace: Path) -> None:
        path = str(Path(workspace).resolve())
        self.recent_workspaces = [path] + [p for p in self.recent_workspaces if p != path]
        del self.recent_workspaces[MAX_RECENT:]

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


def _migrate(data: dict) -> dict:
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
        return UserSettings.model_validate(_migrate(data))
    except (FileNotFoundError, tomllib.TOMLDecodeError, ValidationError, UnicodeDecodeError):
        return UserSettings()


def save_settings(settings: UserSettings) -> None:
    import tomlkit

    doc = tomlkit.document()
    for key, value in settings.model_dump(mode="json").items():
        doc[key] = value
    atomic_write_text(settings_path(), tomlkit.dumps(doc))
