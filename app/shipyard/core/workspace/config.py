"""`shipyard.toml`: the workspace's name, format version and defaults."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shipyard.core.errors import Problem, ShipyardError, ValidationFailed, WorkspaceTooNew
from shipyard.core.workspace.layout import CONFIG_NAME

__all__ = ["CONFIG_NAME", "WorkspaceConfig", "read_config"]
FORMAT_VERSION = 1


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow")


class WorkspaceInfo(_Section):
    name: str = Field(min_length=1)
    format_version: int = Field(ge=0)


class PortfolioSettings(_Section):
    sprint_anchor: date = date(2026, 1, 5)
    sprint_length_days: int = Field(default=14, ge=1, le=90)


class Allocation(_Section):
    """How the team's capacity is split: a platform baseline, the experiment pool, a buffer."""

    platform: float = Field(default=0.15, ge=0, le=1)
    experiments: float = Field(default=0.60, ge=0, le=1)
    buffer: float = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Allocation:
        total = self.platform + self.experiments + self.buffer
        if abs(total - 1.0) > 0.011:
            raise ValueError(f"the shares add up to {total:.2f}; they must add up to 1.0")
        return self


class TeamSettings(_Section):
    """The team's capacity, for the review's allocation check."""

    people: int = Field(default=5, ge=1, le=10_000)
    fte: float = Field(default=4.0, gt=0, le=10_000)
    # The allocation check looks this far ahead: a quarter by default.
    horizon_weeks: int = Field(default=13, ge=1, le=104)
    allocation: Allocation = Field(default_factory=Allocation)


class TrainingSettings(_Section):
    """How training reads a dataset version."""

    # A version with more rows than this is trained, swept and gated on a seeded sample of
    # this many rows drawn by DuckDB (stratified by the target for a classification).
    row_budget: int = Field(default=200_000, ge=100, le=1_000_000_000)


class WorkspaceConfig(_Section):
    workspace: WorkspaceInfo
    portfolio: PortfolioSettings = Field(default_factory=PortfolioSettings)
    team: TeamSettings = Field(default_factory=TeamSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)


# Each step lifts a workspace one format version; keyed by the version it reads.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda data: data,  # format 0 was the unversioned preview; nothing moved.
}

FIX_HINTS = {
    "workspace.name": 'give the workspace a name, e.g. name = "Team portfolio"',
    "workspace.format_version": f"use format_version = {FORMAT_VERSION}",
    "portfolio.sprint_anchor": "use a date like 2026-01-05 (the first day of a sprint)",
    "portfolio.sprint_length_days": "use a whole number of days from 1 to 90",
    "team.people": "use a whole number of people, e.g. people = 6",
    "team.fte": "use the team's full-time equivalents, e.g. fte = 4.5",
    "team.horizon_weeks": "use a whole number of weeks from 1 to 104, e.g. 13 for a quarter",
    "team.allocation": "make platform + experiments + buffer add up to 1.0, e.g. 0.15, 0.60, 0.25",
    "training.row_budget": "use a whole number of rows of at least 100, e.g. row_budget = 200000",
}


def read_config(path: Path) -> WorkspaceConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ShipyardError(
            "the file is not UTF-8 text", file=path, fix="save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ShipyardError(f"not valid TOML: {exc}", file=path, fix="correct the syntax") from None
    info = data.get("workspace", {})
    version = info.get("format_version", 0) if isinstance(info, dict) else None
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise WorkspaceTooNew(
            f"this workspace uses format version {version}; this Shipyard reads up to "
            f"version {FORMAT_VERSION}",
            file=path,
            fix="upgrade Shipyard to open it",
        )
    if isinstance(version, int) and version >= 0:
        for step in range(version, FORMAT_VERSION):
            data = MIGRATIONS[step](data)
        data.setdefault("workspace", {})["format_version"] = FORMAT_VERSION
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            fix = FIX_HINTS.get(field, "correct the value")
            msg = "this field is required" if err["type"] == "missing" else err["msg"]
            problems.append(Problem(field, msg, fix=fix))
        raise ValidationFailed(path, problems) from None


def set_workspace_name(path: Path, name: str) -> None:
    import tomlkit

    from shipyard.core.workspace.atomic import atomic_write_text

    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    doc["workspace"]["name"] = name
    atomic_write_text(path, tomlkit.dumps(doc))
