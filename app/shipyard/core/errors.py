"""Errors a person can act on: each names the file, the field and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Problem:
    """One thing wrong with a user's file."""

    field: str
    message: str
    fix: str = ""
    line: int | None = None

    def describe(self, file: Path | str | None = None) -> str:
        where = str(file) if file else ""
        if self.line is not None and where:
            where += f":{self.line}"
        parts = [p for p in (where, f"field '{self.field}'" if self.field else "") if p]
        text = ": ".join([*parts, self.message]) if parts else self.message
        return f"{text} — fix: {self.fix}" if self.fix else text


class ShipyardError(Exception):
    """Base for every error Shipyard shows to a user."""

    def __init__(self, message: str, *, file: Path | str | None = None, fix: str = "") -> None:
        self.file = Path(file) if file else None
        self.fix = fix
        self.message = message
        text = f"{file}: {message}" if file else message
        super().__init__(f"{text} — fix: {fix}" if fix else text)


class ValidationFailed(ShipyardError):
    """A user-editable file has one or more invalid fields."""

    def __init__(self, file: Path | str, problems: list[Problem]) -> None:
        self.problems = problems
        self.file = Path(file)
        self.fix = problems[0].fix if problems else ""
        self.message = "; ".join(p.describe() for p in problems)
        Exception.__init__(self, "\n".join(p.describe(file) for p in problems))


class NotAWorkspace(ShipyardError):
    pass


class WorkspaceTooNew(ShipyardError):
    pass


class WorkspaceLocked(ShipyardError):
    pass


class ProjectExists(ShipyardError):
    pass


class ProjectNotFound(ShipyardError):
    pass
