"""A workspace folder: its config, its projects, its audit log and its lock."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import ProjectNotFound, ShipyardError
from shipyard.core.resources import template
from shipyard.core.workspace.audit import AuditLog
from shipyard.core.workspace.config import WorkspaceConfig, read_config, set_workspace_name
from shipyard.core.workspace.layout import (
    AUDIT_NAME,
    CONFIG_NAME,
    ONEPAGER,
    PROJECTS,
    probe_workspace,
)
from shipyard.core.workspace.lock import WorkspaceLock

if TYPE_CHECKING:
    # the one-pager's pydantic models take ~0.1 s to import: commands that never read a
    # one-pager (a data import, say) should not pay for them
    from shipyard.core.portfolio.onepager_file import OnePagerDoc


@dataclass
class ProjectEntry:
    """A project folder; `doc` is None and `error` says why when its one-pager is invalid."""

    slug: str
    path: Path
    doc: OnePagerDoc | None
    error: ShipyardError | None = None

    @property
    def title(self) -> str:
        return self.doc.onepager.title if self.doc else self.slug


class Workspace:
    def __init__(self, root: Path, config: WorkspaceConfig) -> None:
        self.root = root
        self.config = config
        self.audit = AuditLog(root / AUDIT_NAME)
        self.last_recovery: Any = None  # what taking the lock last cleaned (RecoveryReport)

    # -- opening and creating -------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> Workspace:
        root = probe_workspace(path)
        return cls(root, read_config(root / CONFIG_NAME))

    @classmethod
    def create(cls, path: Path | str, *, template_name: str = "blank", name: str = "") -> Workspace:
        root = Path(path).expanduser().resolve()
        if root.exists() and any(root.iterdir()):
            if (root / CONFIG_NAME).exists():
                raise ShipyardError(
                    "a workspace already exists here", file=root, fix="open it instead"
                )
            raise ShipyardError(
                "the folder is not empty", file=root, fix="choose a new or empty folder"
            )
        source = template(template_name)
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = root.with_name(f".{root.name}.creating")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__", ".shipyard"))
        if name:
            set_workspace_name(staging / CONFIG_NAME, name)
        if root.exists():
            root.rmdir()
        staging.rename(root)  # the workspace appears whole or not at all
        return cls.open(root)

    # -- contents -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.config.workspace.name

    @property
    def projects_dir(self) -> Path:
        return self.root / PROJECTS

    def lock(self, purpose: str = "") -> WorkspaceLock:
        """The workspace lock; taking it first cleans what dead processes left (recovery)."""
        return WorkspaceLock(self.root, purpose, on_acquired=self._recover)

    def _recover(self) -> None:
        from shipyard.core.workspace.recovery import recover

        self.last_recovery = recover(self)

    def slugs(self) -> list[str]:
        if not self.projects_dir.is_dir():
            return []
        from shipyard.core.workspace.names import PROJECT_SLUG

        # A folder whose name is no valid slug (made by hand) is not a project: every
        # command refuses such a name, so listing it would only lead to refusals.
        return sorted(
            p.name
            for p in self.projects_dir.iterdir()
            if PROJECT_SLUG.pattern.match(p.name) and (p / ONEPAGER).is_file()
        )

    def project(self, slug: str) -> ProjectEntry:
        from shipyard.core.workspace.names import PROJECT_SLUG, check_name

        path = self.projects_dir / check_name(PROJECT_SLUG, slug)
        if not (path / ONEPAGER).is_file():
            known = ", ".join(self.slugs()) or "none yet"
            raise ProjectNotFound(
                f"no project '{slug}' in this workspace",
                file=self.root,
                fix=f"use one of: {known}",
            )
        from shipyard.core.portfolio.onepager_file import load_onepager

        try:
            return ProjectEntry(slug, path, load_onepager(path / ONEPAGER))
        except ShipyardError as exc:
            return ProjectEntry(slug, path, None, exc)

    def projects(self) -> list[ProjectEntry]:
        return [self.project(slug) for slug in self.slugs()]

    def onepager_path(self, slug: str) -> Path:
        return self.projects_dir / slug / ONEPAGER
