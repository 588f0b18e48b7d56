"""The main window: sidebar of projects, portfolio and one-pager pages, menus, drag and drop."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QWidget,
)

if TYPE_CHECKING:
    from shipyard.ui.data.page import DataPage
    from shipyard.ui.project.onepager_page import OnePagerPage
    from shipyard.ui.project.page import ProjectPage
    from shipyard.ui.review.page import ReviewPage
from shipyard.core.errors import ShipyardError
from shipyard.ui.jobs.background import job_hub
from shipyard.ui.jobs.op import Op
from shipyard.ui.portfolio.page import PortfolioPage
from shipyard.ui.project.wizard import ProjectWizard
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.settings_dialog import SettingsDialog
from shipyard.ui.theme import apply_theme
from shipyard.ui.welcome_page import WelcomePage

PORTFOLIO = "__portfolio__"
DATASETS = "__datasets__"
REVIEW = "__review__"
# How a running job is named when the window asks before stopping it.
JOB_NOUNS = {
    "training": "A training job",
    "gates": "A gate check",
    "rehearsal": "A rollout rehearsal",
    "export": "A package export",
    "import": "A data import",
    "verify": "A package verification",
    "review": "A review save",
}
STOP_WAIT_MS = 60_000
# The next step a page offers in its banner ("Run the gates"): the tab it opens and what
# that tab then does. Nothing is promoted or signed without its own click.
NEXT_STEPS = {
    "gates": ("gates", "run_gates"),
    "rollout": ("rollout", "rehearse_next"),
    "export": ("package", "open_export"),
}


def _import_for_project(job, ws, path, user, slug, target):  # type: ignore[no-untyped-def]
    """Import `path` as a dataset version, link it to `slug` and remember its target."""
    from shipyard.core.data import import_file, link_version, suggest_name
    from shipyard.core.training.task_file import write_task

    version = import_file(ws, path, suggest_name(Path(path).stem), user=user, job=job)
    link_version(ws, slug, version, user=user)
    write_task(ws, slug, version.ref, target)
    return version


def _window_state() -> QSettings:
    """Window geometry lives beside the user's settings (tests point both at a tmp folder)."""
    from shipyard.core.workspace.user_settings import config_dir

    return QSettings(str(config_dir() / "window.ini"), QSettings.IniFormat)


class MainWindow(QMainWindow):
    # Every background job (import, training, gates, rehearsal, export, quick reads too):
    # its kind when it starts, and its kind and outcome (ok, failed, cancelled) when it ends.
    jobStarted = Signal(str)
    jobFinished = Signal(str, str)

    def __init__(self, session: WorkspaceSession | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self._stopping = False
        hub = job_hub()
        hub.jobStarted.connect(self.jobStarted)
        hub.jobFinished.connect(self.jobFinished)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # Dialogs get their names too (import, export, keys, promote, sweep, verify…):
            # the first time the focus enters one, its controls are named.
            app.focusChanged.connect(self._name_dialog)
        self.session = session or WorkspaceSession(parent=self)
        self.setWindowTitle("Shipyard")
        self.setAcceptDrops(True)
        self.resize(1400, 900)

        self.sidebar = QListWidget(objectName="sidebar", accessibleName="Projects")
        self.sidebar.setMinimumWidth(200)
        self.sidebar.setMaximumWidth(320)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.sidebar.setTextElideMode(Qt.ElideRight)
        self.sidebar.setWordWrap(False)
        self.sidebar.currentItemChanged.connect(self._sidebar_changed)

        self.welcome = WelcomePage(self.session)
        self.portfolio = PortfolioPage(self.session)
        self._project: ProjectPage | None = None  # built on first use (startup time)
        self._data: DataPage | None = None
        self._review: ReviewPage | None = None
        self.undo_group = QUndoGroup(self)
        self.pages = QStackedWidget(objectName="pages")
        # Controls built with a page (or a tab, on first show) get their names then.
        self.pages.currentChanged.connect(self._name_controls_soon)
        for page in (self.welcome, self.portfolio):
            self.pages.addWidget(page)

        self.split = QSplitter(Qt.Horizontal)
        self.split.addWidget(self.sidebar)
        self.split.addWidget(self.pages)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([230, 1170])
        self.setCentralWidget(self.split)

        self._build_menus()
        self.welcome.openRequested.connect(self.choose_workspace)
        self.welcome.newRequested.connect(self.new_workspace)
        self.welcome.pathChosen.connect(self.open_workspace)
        self.welcome.demoRequested.connect(self.open_demo)
        self.portfolio.projectActivated.connect(self.show_project)
        self.portfolio.newProjectRequested.connect(self.new_project)
        self.session.rowsChanged.connect(self._fill_sidebar)
        self.session.filesChangedOnDisk.connect(self._files_changed_on_disk)
        self.session.workspaceChanged.connect(self._workspace_changed)
        self.session.nextStepRequested.connect(self.next_step)
        self._workspace_changed()
        self._restore_layout()

    # -- menus ----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.act_new_ws = self._action(file, "New Workspace…", self.new_workspace, "Ctrl+Shift+N")
        self.act_open = self._action(
            file, "Open Workspace…", self.choose_workspace, QKeySequence.Open
        )
        self.recent_menu = file.addMenu("Open Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.act_close_ws = self._action(file, "Close Workspace", self.close_workspace, None)
        file.addSeparator()
        self.act_new_project = self._action(
            file, "New Project…", self.new_project, QKeySequence.New
        )
        self.act_import = self._action(file, "Import Data…", lambda: self.import_data(), "Ctrl+I")
        self.act_save = self._action(file, "Save One-Pager", self._save_onepager, None)
        file.addSeparator()
        self._action(file, "Settings…", self.open_settings, QKeySequence.Preferences)
        file.addSeparator()
        self._action(file, "Quit", self.close, QKeySequence.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.undo_group.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        redo = self.undo_group.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.Redo)
        edit.addAction(undo)
        edit.addAction(redo)
        self.act_undo, self.act_redo = undo, redo

        view = bar.addMenu("&View")
        self._action(view, "Portfolio", lambda: self.show_page(PORTFOLIO), "Ctrl+1")
        self._action(view, "Datasets", lambda: self.show_page(DATASETS), "Ctrl+2")
        self._action(view, "Review", lambda: self.show_page(REVIEW), "Ctrl+3")
        view.addSeparator()
        project = view.addMenu("Project Tab")
        for key, title in (
            ("onepager", "One-pager"),
            ("models", "Models"),
            ("gates", "Gates"),
            ("rollout", "Rollout"),
            ("package", "Package"),
        ):
            self._action(project, title, lambda _=False, k=key: self.show_project_tab(k), None)
        view.addSeparator()
        self.act_present = self._action(view, "Present", self.present, "F5")
        self._action(view, "Reload Workspace", self.reload, "Ctrl+Shift+R")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "About Shipyard", self._about, None)

    def _action(self, menu, text, slot, shortcut) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _fill_recent(self) -> None:
        from shipyard.ui.welcome_page import recent_entry

        self.recent_menu.clear()
        settings = self.session.settings
        for path in settings.recent_workspaces:
            entry = recent_entry(path, settings.used_at(path))
            text = f"{entry[0]}  ·  {entry[1]}" if entry else f"{path} (not found)"
            action = self.recent_menu.addAction(text)
            action.setToolTip(path)
            action.setEnabled(entry is not None)
            action.triggered.connect(lambda _=False, p=path: self.open_workspace(p))
        if not self.session.settings.recent_workspaces:
            self.recent_menu.addAction("No recent workspaces").setEnabled(False)

    # -- workspaces -----------------------------------------------------------------------
    def open_workspace(self, path: str | Path) -> bool:
        if not self._confirm_discard() or not self.stop_jobs("switch workspace"):
            return False
        try:
            self.session.open(path)
        except ShipyardError as exc:
            self.show_error("Cannot open the workspace", exc)
            return False
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def close_workspace(self) -> None:
        if self._confirm_discard() and self.stop_jobs("close the workspace"):
            self.session.close()

    def choose_workspace(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a Shipyard workspace")
        if path:
            self.open_workspace(path)

    def new_workspace(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New workspace folder", str(Path.home()))
        if not path:
            return
        from shipyard.core.workspace.workspace import Workspace

        try:
            Workspace.create(path, name=Path(path).name)
        except ShipyardError as exc:
            self.show_error("Cannot create the workspace", exc)
            return
        self.open_workspace(path)

    def open_demo(self) -> bool:
        """Open the demo workspace, creating it first where `shipyard demo` would."""
        from shipyard.core.workspace.layout import CONFIG_NAME
        from shipyard.core.workspace.workspace import Workspace

        path = self.welcome.demo_path
        created = False
        if not (path / CONFIG_NAME).exists():
            try:
                Workspace.create(path, template_name="demo", name="Demo portfolio")
            except ShipyardError as exc:
                self.show_error("Cannot create the demo workspace", exc)
                return False
            created = True
        if not self.open_workspace(path):
            return False
        verb = "Created" if created else "Opened"
        self.statusBar().showMessage(f"{verb} the demo workspace in {path}", 15000)
        return True

    def reload(self) -> None:
        if self.session.workspace is not None and self._confirm_discard():
            self.session.reload()
            slug = self.current_slug()
            if slug and slug not in (PORTFOLIO, DATASETS, REVIEW):
                self.show_project(slug)

    def present(self) -> None:
        """Demo day: the portfolio as a full-screen deck; Esc comes back here."""
        if self.session.workspace is None:
            return
        from shipyard.ui.present.window import start_presentation

        self.statusBar().showMessage("Preparing the presentation…", 5000)
        start_presentation(
            self,
            self.session.workspace,
            self.session.today,
            shown=lambda window: setattr(self, "presentation", window),
            failed=lambda exc: self.show_error("Cannot present the portfolio", exc),
        )

    def _files_changed_on_disk(self) -> None:
        """Another editor changed one-pagers: show them, unless that would lose edits here."""
        if self._onepager is not None and self._onepager.dirty:
            self.statusBar().showMessage(
                "One-pagers changed on disk; your unsaved edits are kept. "
                "Save to overwrite, or View → Reload Workspace (Ctrl+Shift+R) to take theirs.",
                15000,
            )
            return
        slug = self.current_slug()
        self.session.reload()
        if slug and slug not in (PORTFOLIO, DATASETS) and slug in self.session.slugs():
            self.onepager.load(slug)
        self.statusBar().showMessage("Reloaded: one-pagers changed on disk", 5000)

    def _workspace_changed(self) -> None:
        ws = self.session.workspace
        self.setWindowTitle(f"{ws.name} — Shipyard[*]" if ws else "Shipyard")
        self.act_new_project.setEnabled(ws is not None)
        self.act_import.setEnabled(ws is not None)
        self.act_close_ws.setEnabled(ws is not None)
        self.sidebar.setVisible(ws is not None)
        self._fill_sidebar()
        self.show_page(PORTFOLIO if ws else None)

    @property
    def project_page(self) -> ProjectPage:
        if self._project is None:
            from shipyard.ui.project.page import ProjectPage

            project = ProjectPage(self.session)
            page = project.onepager
            page.deleteRequested.connect(self.delete_project)
            page.dirtyChanged.connect(self.setWindowModified)
            self.undo_group.addStack(page.undo_stack)
            self.undo_group.setActiveStack(page.undo_stack)
            project.tabChanged.connect(self._name_controls_soon)
            self.pages.addWidget(project)
            self._project = project
        return self._project

    @property
    def _onepager(self) -> OnePagerPage | None:
        return self._project.onepager if self._project is not None else None

    @property
    def onepager(self) -> OnePagerPage:
        return self.project_page.onepager

    def show_project_tab(self, key: str) -> None:
        """Switch the open project to one of its tabs (One-pager, Models, Gates, …)."""
        if self._project is None or self.pages.currentWidget() is not self._project:
            slug = self.session.rows[0].slug if self.session.rows else None
            if slug is None:
                return
            self.show_project(slug)
        if key in self.project_page.tab_keys():
            self.project_page.show_tab(key)

    @property
    def data(self) -> DataPage:
        if self._data is None:
            from shipyard.ui.data.page import DataPage

            self._data = DataPage(self.session)
            self.pages.addWidget(self._data)
            self._data.refresh()
        return self._data

    @property
    def review(self) -> ReviewPage:
        if self._review is None:
            from shipyard.ui.review.page import ReviewPage

            self._review = ReviewPage(self.session)
            self._review.projectActivated.connect(self.show_project)
            self.pages.addWidget(self._review)
        return self._review

    def import_data(self, path: Path | None = None) -> None:
        """Import a data file (asks for one when `path` is None) on the datasets page."""
        if self.session.workspace is None:
            return
        self.show_page(DATASETS)
        if path is None:
            self.data.choose_file()
        else:
            self.data.import_file(Path(path))

    def _save_onepager(self) -> None:
        if self._onepager is not None:
            self._onepager.save()

    # -- sidebar and pages ----------------------------------------------------------------
    def _fill_sidebar(self) -> None:
        current = self.current_slug()
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        if self.session.workspace is not None:
            item = QListWidgetItem("▦  Portfolio")
            item.setData(Qt.UserRole, PORTFOLIO)
            self.sidebar.addItem(item)
            item = QListWidgetItem("⛁  Datasets")
            item.setData(Qt.UserRole, DATASETS)
            self.sidebar.addItem(item)
            item = QListWidgetItem("☑  Review")
            item.setData(Qt.UserRole, REVIEW)
            self.sidebar.addItem(item)
            for row in self.session.rows:
                item = QListWidgetItem(f"{row.rank}.  {row.title}")
                item.setData(Qt.UserRole, row.slug)
                item.setToolTip(f"{row.stage} · health {row.health.score:.0f}")
                self.sidebar.addItem(item)
        self._select_sidebar(current or PORTFOLIO)
        self.sidebar.blockSignals(False)

    def _select_sidebar(self, key: str) -> None:
        for i in range(self.sidebar.count()):
            if self.sidebar.item(i).data(Qt.UserRole) == key:
                self.sidebar.blockSignals(True)
                self.sidebar.setCurrentRow(i)
                self.sidebar.blockSignals(False)
                return

    def _sidebar_changed(self, item: QListWidgetItem | None, _prev=None) -> None:  # type: ignore[no-untyped-def]
        if item is None:
            return
        key = item.data(Qt.UserRole)
        if key in (PORTFOLIO, DATASETS, REVIEW):
            self.show_page(key)
        else:
            self.show_project(key)

    def current_slug(self) -> str | None:
        if self._project is not None and self.pages.currentWidget() is self._project:
            return self._project.slug
        if self._data is not None and self.pages.currentWidget() is self._data:
            return DATASETS
        if self._review is not None and self.pages.currentWidget() is self._review:
            return REVIEW
        return PORTFOLIO if self.pages.currentWidget() is self.portfolio else None

    def show_page(self, key: str | None) -> None:
        if key is None:
            self.pages.setCurrentWidget(self.welcome)
            self.welcome.refresh()
            return
        if key == PORTFOLIO:
            self.pages.setCurrentWidget(self.portfolio)
            self._select_sidebar(PORTFOLIO)
        elif key == DATASETS:
            self.pages.setCurrentWidget(self.data)
            self._select_sidebar(DATASETS)
        elif key == REVIEW:
            self.pages.setCurrentWidget(self.review)
            self._select_sidebar(REVIEW)

    def show_project(self, slug: str) -> None:
        if self.onepager.slug != slug and not self._confirm_discard():
            self._select_sidebar(self.current_slug() or PORTFOLIO)
            return
        if self.onepager.slug != slug or self.pages.currentWidget() is not self.project_page:
            self.project_page.load(slug)
        self.pages.setCurrentWidget(self.project_page)
        self._select_sidebar(slug)

    # -- projects -------------------------------------------------------------------------
    def new_project(self) -> None:
        if self.session.workspace is None:
            return
        wizard = ProjectWizard(owner=self.session.settings.name, parent=self)
        if wizard.exec() != ProjectWizard.Accepted:
            return
        title, fields = wizard.result_fields()
        data = wizard.data_choice()
        try:
            slug = self.session.create_project(title, fields)
        except ShipyardError as exc:
            self.show_error("Cannot create the project", exc)
            return
        self.show_project(slug)
        self.statusBar().showMessage(f"Created {title}", 5000)
        if data is not None:
            self.import_for_project(slug, *data)

    def import_for_project(self, slug: str, path: Path, target: str) -> None:
        """Import `path` for the new project `slug` in the background: the version is
        linked, `target` remembered, and the project's Models tab opens ready to train."""
        ws = self.session.workspace
        if ws is None:
            return
        self.project_page.show_tab("onepager")

        def done(version) -> None:  # type: ignore[no-untyped-def]
            self.session.datasetsChanged.emit()
            self.session.projectArtifactsChanged.emit(slug)
            self.statusBar().showMessage(
                f"Imported {version.ref} ({version.rows:,} rows) and linked it; "
                f"target {target}. Next: Train (Ctrl+T).",
                15000,
            )
            if self.current_slug() == slug:
                models = self.project_page.tab("models")
                loaded = getattr(models, "slug", None) == slug
                self.project_page.show_tab("models")
                if loaded:  # shown before the data was there: read the task again
                    models.load(slug)  # type: ignore[attr-defined]
                self._keep_focus()

        def failed(exc: BaseException) -> None:
            from shipyard.ui.error_text import describe_error

            box = QMessageBox(
                QMessageBox.Warning,
                "The data was not imported",
                f"The project was created, but {Path(path).name} was not imported.",
                parent=self,
            )
            box.setInformativeText(
                describe_error(exc) + "\n\nImport it on the Datasets page (Ctrl+I), then "
                "press Use in project."
            )
            box.open()

        from shipyard.ui.jobs.progress import JobProgress

        # In the status bar while the import runs (and only then: it would make the bar taller).
        strip = JobProgress("import", cancel_tip="Stop the import; nothing is kept")
        strip.setObjectName("windowJobProgress")
        self.statusBar().addPermanentWidget(strip)

        def finished() -> None:
            self.statusBar().removeWidget(strip)
            strip.deleteLater()

        (
            Op(self, _import_for_project, ws, Path(path), self.session.user, slug, target)
            .kind("import")
            .progress(strip, f"Importing {Path(path).name}…")
            .success(done)
            .failure(failed)
            .cancelled(
                lambda: self.statusBar().showMessage(
                    f"Import of {Path(path).name} cancelled; nothing was kept. Import it on "
                    "the Datasets page (Ctrl+I) when you want it.",
                    15000,
                )
            )
            .finally_(finished)
            .run_in_background()
        )

    def next_step(self, slug: str, step: str) -> None:
        """Open the tab of a page's "next step" button and start what it offers there."""
        if step not in NEXT_STEPS or slug not in self.session.slugs():
            return
        key, method = NEXT_STEPS[step]
        if self.current_slug() != slug:
            self.show_project(slug)
        tab = self.project_page.show_tab(key)
        getattr(tab, method)()
        self._keep_focus()

    def _keep_focus(self) -> None:
        """A keyboard user never lands nowhere: when the focused control went away with the
        page it was on, the project's tab bar takes the focus (Tab goes on into the page)."""
        focus = self.focusWidget()
        if focus is None or not focus.isVisible():
            self.project_page.tabs.tabBar().setFocus(Qt.FocusReason.OtherFocusReason)

    def delete_project(self, slug: str) -> None:
        reason, ok = QInputDialog.getText(
            self,
            "Delete project",
            f"Move '{slug}' to the workspace trash?\nReason (for the audit log):",
        )
        if not ok:
            return
        self.onepager.undo_stack.clear()
        trashed = self.session.delete(slug, reason)
        self.show_page(PORTFOLIO)
        undo = QPushButton("Undo")
        bar = self.statusBar()

        def restore() -> None:
            undo.deleteLater()
            self.session.restore(trashed, slug)
            self.show_project(slug)

        undo.clicked.connect(restore)
        bar.addPermanentWidget(undo)
        bar.showMessage(f"Deleted {slug}", 10000)
        # The button is the timer's context: if the window goes first, nothing fires.
        QTimer.singleShot(10000, undo, undo.deleteLater)

    def _name_dialog(self, _old: QWidget | None, new: QWidget | None) -> None:
        from shipyard.ui.accessible import name_controls

        window = new.window() if new is not None else None
        if isinstance(window, QDialog) and window is not self:
            if not window.objectName():  # PromoteDialog -> "promoteDialog"
                cls = type(window).__name__
                window.setObjectName(cls[:1].lower() + cls[1:])
            name_controls(window)

    def _name_controls_soon(self, *_: object) -> None:
        QTimer.singleShot(0, self, self.name_controls)

    def name_controls(self) -> int:
        """objectName and accessibleName for every control (see accessible.py)."""
        from shipyard.ui.accessible import name_controls

        return name_controls(self)

    # -- settings, errors, close ----------------------------------------------------------
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.session.settings, self)
        if dialog.exec() == SettingsDialog.Accepted:
            settings = dialog.result_settings()
            self.session.update_settings(settings)
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, settings.theme)

    def show_error(self, title: str, exc: ShipyardError) -> None:
        box = QMessageBox(QMessageBox.Warning, title, exc.message, parent=self)
        details = [f"File: {exc.file}"] if exc.file else []
        if exc.fix:
            details.append(f"Fix: {exc.fix}")
        box.setInformativeText("\n".join(details))
        box.setDetailedText(str(exc))
        box.open()
        self.last_error = exc

    def _confirm_discard(self) -> bool:
        """True when there are no unsaved edits, or the user saved or discarded them."""
        if self._onepager is None or not self._onepager.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "Save the changes to this one-pager first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self.onepager.save()
        if answer == QMessageBox.Discard:
            self.onepager.revert()
            return True
        return False

    def stop_jobs(self, then: str) -> bool:
        """True when no job runs, or the user agreed to stop them and they have ended.

        Asks "A training job is running. Stop it and close?"; on Yes every job is
        cancelled and this waits (the window stays live) until each has cleaned up and its
        child process, if any, has exited. Only then may the workspace lock be released.
        """
        hub = job_hub()
        if self._stopping:  # already waiting for them (a second close, say)
            return False
        if not hub.running():
            return True
        kinds = hub.user_jobs()
        if kinds:
            what = JOB_NOUNS.get(kinds[0], f"A {kinds[0]} job")
            if len(kinds) > 1:
                what += f" and {len(kinds) - 1} other job{'s' if len(kinds) > 2 else ''}"
            box = QMessageBox(
                QMessageBox.Question,
                "Stop the running job?",
                f"{what} {'are' if len(kinds) > 1 else 'is'} running. Stop it and {then}?",
                QMessageBox.Yes | QMessageBox.No,
                self,
                objectName="stopJobDialog",
            )
            box.setInformativeText("Nothing half-made is kept: the job cleans up as it stops.")
            box.setDefaultButton(QMessageBox.No)
            # A job that ends while the question is up leaves nothing to stop: the question
            # goes away and the close goes on, instead of asking about a job long finished.
            finished_meanwhile = partial(box.done, QMessageBox.Yes.value)
            hub.idle.connect(finished_meanwhile)
            try:
                answer = box.exec()
            finally:
                hub.idle.disconnect(finished_meanwhile)
            if answer != QMessageBox.Yes:
                return False
        self._stopping = True
        try:
            self.statusBar().showMessage("Stopping the running job…")
            loop = QEventLoop(self)
            hub.idle.connect(loop.quit)
            QTimer.singleShot(STOP_WAIT_MS, loop.quit)
            hub.cancel_all()
            if hub.running():
                loop.exec()
            hub.idle.disconnect(loop.quit)
            loop.deleteLater()
        finally:
            self._stopping = False
        self.statusBar().clearMessage()
        return not hub.running()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._confirm_discard() or not self.stop_jobs("close"):
            event.ignore()
            return
        state = _window_state()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/split", self.split.saveState())
        self.session.close(notify=False)
        event.accept()

    def _restore_layout(self) -> None:
        state = _window_state()
        geometry = state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        split = state.value("window/split")
        if split is not None:
            self.split.restoreState(split)

    def about_text(self) -> str:
        """The version, the workspace format this Shipyard writes, and its engines."""
        from shipyard.core.about import version_text

        return (
            "One-pagers, portfolio, baselines, gates, rollout and signed packages, offline."
            f"\n\n{version_text()}"
        )

    def _about(self) -> None:
        QMessageBox.about(self, "About Shipyard", self.about_text())

    # -- drag and drop a workspace folder -------------------------------------------------
    def _dropped_path(self, event: QDragEnterEvent | QDropEvent) -> Path | None:
        """A workspace folder, or a data file when a workspace is open; else None."""
        urls = event.mimeData().urls()
        if not urls or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        if path.is_dir():
            return path
        from shipyard.ui.data.import_dialog import DATA_SUFFIXES

        if self.session.workspace and path.is_file() and path.suffix.lower() in DATA_SUFFIXES:
            return path
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path is None:
            return
        if path.is_dir():
            self.open_workspace(path)
        else:
            self.import_data(path)
        event.acceptProposedAction()


__all__ = ["MainWindow", "QWidget"]
