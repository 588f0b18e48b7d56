"""Where the bundled templates and resources live, in a wheel and in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def _bundled(name: str) -> Path:
    # In a wheel the folders sit inside the package; in a checkout, at the repo root.
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Shipyard's '{name}' folder is missing from this installation")


def templates_dir() -> Path:
    return _bundled("workspace_templates")


def template(name: str) -> Path:
    path = templates_dir() / name
    if not path.is_dir():
        raise FileNotFoundError(f"no workspace template named '{name}' in {templates_dir()}")
    return path


def resources_dir() -> Path:
    return _bundled("resources")
