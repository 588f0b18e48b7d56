"""The open workspace as the window sees it: rows, previews of unsaved edits, and signals."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from shipyard.core.workspace.user_settings import UserSettings, load_settings, save_settings

if TYPE_CHECKING:
    # The domain modules load pydantic; they are imported where used, after the window
    # is on screen.
    from shipyard.core.portfolio.onepager_file import OnePagerDoc
    from shipyard.core.portfolio.onepager_model import OnePager
    from shipyard.core.portfolio.ranking import PortfolioRow
    from shipyard.core.workspace.workspace import ProjectEntry, Workspace


class WorkspaceSession(QObject):
    """Owns the open Workspace and its lock; every change from the window goes through it."""

    workspaceChanged = Signal()
    filesChangedOnDisk = Signal()  # one-pagers edited outside Shipyard (debounced)
    rowsChanged = Signal()
    projectSaved = Signal(str)
    settingsChanged = Signal()
    # Something under projects/<slug>/ besides the one-pager changed: runs, the champion,
    # gate reports, rollout policy, flags or packages. Tabs refresh; health is re-scored.
    projectArtifactsChanged = Signal(str)
    # A dataset version was added (import, saved query) or a project's data links changed:
    # lists of versions (the Models tab's dataset choice) are re-read.
    datasetsChanged = Signal()
    # A page's "next step" button (slug, step): "gates" runs the gates, "rollout" rehearses,
    # "export" opens the export dialog; the window opens the tab and starts it.
    nextStepRequested = Signal(str, str)

    def __init__(self, settings: UserSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings or load_settings()
        self.workspace: Workspace | None = None
        self.rank_by = "composite"
        self._lock = None
        self._entries: dict[str, ProjectEntry] = {}
        self._previews: dict[str, OnePager] = {}
        self.rows: list[PortfolioRow] = []
        # Health at each past sprint boundary (snapshot files), per project; `health_points`
        # closes each series with today's live score.
        self._history: dict[str, list[tuple[date, float]]] = {}
        self.snapshot_problem = ""
        self.today = date.today()
        # Files are the truth: a one-pager edited in another editor shows up here.
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_disk_change)
        self._watcher.fileChanged.connect(self._on_disk_change)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._disk_changed)
        self._quiet_until = 0.0
        self.projectArtifactsChanged.connect(lambda _slug: self._rerank())

    # -- workspace ------------------------------------------------------------------------
    def open(self, path: Path | str) -> Workspace:
        """Open a workspace and take its lock; raises ShipyardError and changes nothing."""
        from shipyard.core.workspace.workspace import Workspace

        ws = Workspace.open(path)
        lock = ws.lock("Shipyard window")
        lock.acquire()
        self.close(notify=False)
        self.workspace, self._lock = ws, lock
        if self.settings.remember(ws.root):
            save_settings(self.settings)
        self.reload(notify=False)  # one refresh, through workspaceChanged
        self._snapshot_if_due()
        self.workspaceChanged.emit()
        return ws

    def _snapshot_if_due(self) -> None:
        """The first open after a sprint boundary records the sprint's health snapshot
        (this session holds the lock). A folder that cannot be written is not fatal: the
        trend then misses a point, and `snapshot_problem` says why."""
        from shipyard.core.errors import ShipyardError
        from shipyard.core.review.health_history import snapshot_due, take_snapshot

        ws = self.workspace
        self.snapshot_problem = ""
        if ws is None or not self.rows or not snapshot_due(ws, self.today):
            return
        try:
            take_snapshot(ws, self.rows, self.today, reason="first open after a sprint boundary")
        except (OSError, ShipyardError) as exc:
            self.snapshot_problem = f"The sprint's health snapshot was not saved: {exc}"
            return
        self._load_history()

    # -- changes made by others -----------------------------------------------------------
    def _watch(self) -> None:
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        ws = self.workspace
        if ws is None:
            return
        paths = [str(ws.projects_dir)] if ws.projects_dir.is_dir() else []
        paths += [str(ws.onepager_path(slug)) for slug in self._entries]
        if paths:
            self._watcher.addPaths(paths)

    def _on_disk_change(self, _path: str) -> None:
        self._debounce.start()  # editors write in bursts; react once they are done

    def _disk_changed(self) -> None:
        if self.workspace is None:
            return
        if time.monotonic() < self._quiet_until:  # our own save, already reloaded
            self._watch()
            return
        self.filesChangedOnDisk.emit()

    def _own_write(self) -> None:
        self._quiet_until = time.monotonic() + 1.0

    def expect_own_writes(self) -> None:
        """A page is about to change files itself (a saved review moves stages): the
        watcher's next burst is ours, not another editor's."""
        self._own_write()

    def close(self, notify: bool = True) -> None:
        """Release the workspace and its lock (the window shows the welcome page)."""
        was_open = self.workspace is not None
        if self._lock is not None:
            self._lock.release()
        self.workspace, self._lock = None, None
        self._entries, self._previews, self.rows = {}, {}, []
        self._history = {}
        self._watch()
        if notify and was_open:
            self.workspaceChanged.emit()

    @property
    def user(self) -> str:
        return self.settings.identity

    def update_settings(self, settings: UserSettings) -> None:
        self.settings = settings
        save_settings(settings)
        self.settingsChanged.emit()

    # -- rows -----------------------------------------------------------------------------
    def reload(self, notify: bool = True) -> None:
        ws = self.workspace
        self._entries = {e.slug: e for e in ws.projects()} if ws else {}
        self._previews = {k: v for k, v in self._previews.items() if k in self._entries}
        self._watch()  # atomic saves replace files, so the watch list is renewed
        self._load_history()
        self._rerank(notify)

    def _load_history(self) -> None:
        from shipyard.core.review.health_history import load_history

        ws = self.workspace
        self._history = load_history(ws).points if ws is not None else {}

    def health_series(self) -> dict[str, list[float]]:
        """Every project's health at each sprint boundary, today's score last."""
        ws = self.workspace
        if ws is None:
            return {}
        from shipyard.core.review.sprints import sprint_start

        start = sprint_start(self.today, ws.config.portfolio)
        return {
            row.slug: [
                v
                for _, v in sorted(
                    [p for p in self._history.get(row.slug, []) if p[0] != start]
                    + [(start, round(row.health.score, 1))]
                )
            ]
            for row in self.rows
        }

    def health_points(self, slug: str) -> list[tuple[date, float]]:
        """(sprint start, health) oldest first: the stored snapshots, then today's score
        (which replaces a snapshot of the current sprint)."""
        ws = self.workspace
        row = self.row(slug)
        points = list(self._history.get(slug, []))
        if ws is None or row is None:
            return points
        from shipyard.core.review.sprints import sprint_start

        start = sprint_start(self.today, ws.config.portfolio)
        return sorted([p for p in points if p[0] != start] + [(start, round(row.health.score, 1))])

    def _rerank(self, notify: bool = True) -> None:
        from shipyard.core.portfolio.onepager_file import OnePagerDoc
        from shipyard.core.portfolio.ranking import rank, row_for
        from shipyard.core.workspace.workspace import ProjectEntry

        rows = []
        for slug, entry in self._entries.items():
            preview = self._previews.get(slug)
            if preview is not None and entry.doc is not None:
                doc = OnePagerDoc(entry.doc.path, preview, entry.doc.body, entry.doc.raw)
                entry = ProjectEntry(slug, entry.path, doc)
            rows.append(row_for(entry, self.today))
        self.rows = rank(rows, self.rank_by)
        if notify:
            self.rowsChanged.emit()

    def set_rank_by(self, key: str) -> None:
        self.rank_by = key
        self._rerank()

    def slugs(self) -> list[str]:
        return list(self._entries)

    def entry(self, slug: str) -> ProjectEntry:
        return self._entries[slug]

    def row(self, slug: str) -> PortfolioRow | None:
        return next((r for r in self.rows if r.slug == slug), None)

    def preview(self, slug: str, onepager: OnePager | None) -> None:
        """Re-rank with unsaved values (None drops the preview)."""
        if onepager is None:
            self._previews.pop(slug, None)
        else:
            self._previews[slug] = onepager
        self._rerank()

    # -- changes --------------------------------------------------------------------------
    def create_project(self, title: str, fields: dict) -> str:
        from shipyard.core.portfolio.projects import create_project

        assert self.workspace is not None
        self._own_write()
        doc = create_project(self.workspace, title, user=self.user, fields=fields)
        slug = doc.path.parent.name
        self.reload()
        return slug

    def save(self, slug: str, doc: OnePagerDoc, previous: OnePager) -> list[str]:
        from shipyard.core.portfolio.projects import save_onepager

        assert self.workspace is not None
        self._own_write()
        changed = save_onepager(self.workspace, slug, doc, user=self.user, previous=previous)
        self._previews.pop(slug, None)
        self.reload()
        self.projectSaved.emit(slug)
        return changed

    def delete(self, slug: str, reason: str = "") -> Path:
        from shipyard.core.portfolio.projects import delete_project

        assert self.workspace is not None
        self._own_write()
        trashed = delete_project(self.workspace, slug, user=self.user, reason=reason)
        self.reload()
        return trashed

    def restore(self, trashed: Path, slug: str) -> None:
        from shipyard.core.portfolio.projects import restore_project

        assert self.workspace is not None
        self._own_write()
        restore_project(self.workspace, trashed, slug, user=self.user)
        self.reload()
