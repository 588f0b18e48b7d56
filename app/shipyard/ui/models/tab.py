"""The Models tab of a project: task setup, training the ladder, leaderboard, run details.

Training, sweeps, task detection, leaderboard reads and importance all run as background
jobs (`Op`); `load(slug)` only reads small YAML/JSON files. The leaderboard comes from the
run index and shows a page of runs at a time; a run's record (and its curves, for the plots)
is read when it is selected. After anything under
`projects/<slug>/` changes here, `session.projectArtifactsChanged` is emitted, and the tab
refreshes itself when another tab emits it.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.error_text import describe_error
from shipyard.ui.jobs import process as job_process
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.models import jobs as models_jobs
from shipyard.ui.models.leaderboard_model import RUN_ROLE, LeaderboardModel
from shipyard.ui.models.run_detail import RunDetail
from shipyard.ui.models.run_dialogs import (
    ClusterTrainDialog,
    CompareDialog,
    PromoteDialog,
    SweepDialog,
)
from shipyard.ui.models.task_setup import TaskSetupPanel
from shipyard.ui.table_columns import ColumnChooser
from shipyard.ui.widgets import EmptyState, NextStepButton, PageHeader, primary

if TYPE_CHECKING:
    from shipyard.core.training import RunRecord
    from shipyard.ui.models.task_setup import TrainChoice
    from shipyard.ui.session import WorkspaceSession

# Shown from the header's right-click menu: the leaderboard fits a laptop without them.
LEADERBOARD_HIDDEN = ("model", "dataset", "sweep", "created")
SHOWN_METRICS = 2  # secondary metrics shown by default (beside the 95% column), in the core's order


def leaderboard_hidden(keys: list[str]) -> set[str]:
    """The columns a leaderboard hides until the user picks: the model class (the family
    says it), bookkeeping columns and secondary metrics past the first two."""
    metrics = [k for k in keys if k.startswith("m:")]
    return {*LEADERBOARD_HIDDEN, *metrics[SHOWN_METRICS:]}


PREWARM_AFTER_MS = 1500  # on the tab this long: start the training process's server
PAINT_WAIT_MS = 250  # the most `_AfterPaint` waits for a paint that does not come
HOLD_S = 0.6  # the most the job thread waits for the board's first paint


class _AfterPaint(QObject):
    """Calls `fn` once `widget` has painted (a turn after its next paint), or at once when
    it is not on screen, or after PAINT_WAIT_MS at the latest. A timer of 0 ms alone runs
    before the paint: Qt delivers paints after the calls queued with them."""

    def __init__(self, widget: QWidget, fn: Any) -> None:
        super().__init__(widget)
        self.widget, self.fn = widget, fn
        if not widget.isVisible():
            QTimer.singleShot(0, self, self._run)
            return
        widget.installEventFilter(self)
        QTimer.singleShot(PAINT_WAIT_MS, self, self._run)

    def eventFilter(self, obj: Any, event: Any) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.widget.removeEventFilter(self)
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        fn, self.fn = self.fn, None
        if fn is None:
            return
        self.widget.removeEventFilter(self)
        self.deleteLater()
        fn()


class ModelsTab(QWidget):
    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.data: models_jobs.BoardData | None = None
        self.job: BackgroundTask | None = None  # training or sweep
        self.board_task: BackgroundTask | None = None
        # The board's first page as last ranked, shown while the whole board loads.
        self.page: models_jobs.BoardData | None = None
        self._refreshes = 0
        self._select_after: list[str] = []
        self._stale = False
        self._prewarm_asked = False

        self.header = PageHeader("Models", "Baselines, the leaderboard and the champion")
        self.sweep_button = QPushButton("Sweep…")
        self.sweep_button.setToolTip("Search a model's key hyper-parameters; each trial is a run")
        self.sweep_button.clicked.connect(self.sweep)
        self.train_button = primary(QPushButton("Train ladder"))
        self.train_button.setToolTip("Train dummy → linear → trees (→ text) on the task (Ctrl+T)")
        self.train_button.clicked.connect(self.train)
        # where else the ladder can train: a menu beside the button, so Train stays one click
        self.train_more = QToolButton(objectName="trainMore")
        self.train_more.setText("▼")
        self.train_more.setToolTip("More ways to train the ladder")
        self.train_more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.train_more)
        # one action, in the menu and on the tab: its shortcut works without the menu open
        self.train_cluster_action = QAction("Train ladder on a cluster…", self)
        self.train_cluster_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.train_cluster_action.setShortcutVisibleInContextMenu(True)
        self.train_cluster_action.triggered.connect(self.train_on_cluster)
        self.addAction(self.train_cluster_action)
        more.addAction(self.train_cluster_action)
        self.train_more.setMenu(more)
        self.header.actions.addWidget(self.sweep_button)
        self.header.actions.addWidget(self.train_button)
        self.header.actions.addWidget(self.train_more)

        self.run_bar = JobProgress(
            "training",
            cancel_tip="Stop after the current step; finished runs are kept (Esc)",
            cancelling="Cancelling after the current step…",
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.setup = TaskSetupPanel(session)
        self.setup.setMinimumWidth(240)
        self.setup.save_button.clicked.connect(self._task_saved)
        self.setup.detected.connect(lambda _found: self._update_actions())
        self.setup.detectFailed.connect(lambda _exc: self._update_actions())

        # The model sorts and pages itself (thousands of runs): the view shows it directly.
        self.model = LeaderboardModel(self)
        self.proxy = self.model  # the view's model, as other tabs name theirs
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        # Columns are sized to the rows on screen once per board (`_board_ready`), not on
        # every layout and column shown or hidden: no formatting of unseen rows.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(0)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(
            "Select a run for its details; select two to compare (Ctrl+click). "
            "Right-click the header to choose columns."
        )
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.columns = ColumnChooser(
            self.table,
            "leaderboard",
            key_of=self._column_key,
            default_hidden=leaderboard_hidden,
            required=("rank", "primary"),
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.board_title = QLabel("Leaderboard", objectName="sectionTitle")
        self.board_note = QLabel(objectName="pageSubtitle")
        self.board_note.setWordWrap(True)
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setToolTip("Compare the two selected runs side by side")
        self.compare_button.clicked.connect(self.compare)
        self.promote_button = QPushButton("Promote to champion…")
        self.promote_button.setToolTip("Make the selected run the champion, with a reason (Ctrl+P)")
        self.promote_button.clicked.connect(self.promote)
        self.board_empty = EmptyState(
            "No runs yet",
            "Pick the dataset version and the target column on the left, check the features, "
            "then press <b>Train ladder</b> (Ctrl+T). Every run lands here, ranked by the "
            "primary metric.",
        )
        self.board_empty.setMinimumWidth(300)
        self.board_stack = self.board_empty.alternative_to(self.table)
        board = QWidget()
        bbox = QVBoxLayout(board)
        bbox.setContentsMargins(8, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.board_title)
        top.addWidget(self.board_note, 1)
        top.addWidget(self.compare_button)
        top.addWidget(self.promote_button)
        self.next_gates = NextStepButton(
            session, "gates", "Run the gates", "nextGatesButton",
            "Open the Gates tab and check the new champion against the policy",
        )  # fmt: skip
        top.addWidget(self.next_gates)
        bbox.addLayout(top)
        bbox.addWidget(self.board_stack, 1)

        self.detail = RunDetail(session)
        self.detail_box = QWidget()
        dbox = QVBoxLayout(self.detail_box)
        dbox.setContentsMargins(8, 0, 0, 0)
        dbox.addWidget(self.detail)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(board)
        right.addWidget(self.detail_box)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        right.setSizes([400, 600])  # from the start, not only on resize: room for ~8 runs
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.setup)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 900])

        self.empty = EmptyState(
            "No data for this project yet",
            "Models train on a dataset version. Import a sample on the Datasets page "
            "(<b>Ctrl+I</b>), press <b>Use in project</b> to link the version to this "
            "project, then come back and <b>Train</b> (Ctrl+T).",
            "Import data…",
        )
        self.empty.actionTriggered.connect(self._import_data)
        self.body = self.empty.alternative_to(split)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(self.run_bar)
        box.addWidget(self.message)
        box.addWidget(self.body, 1)

        QShortcut(QKeySequence("Ctrl+T"), self, activated=self.train, objectName="trainShortcut")
        QShortcut(
            QKeySequence("Ctrl+P"), self, activated=self.promote, objectName="promoteShortcut"
        )
        QShortcut(QKeySequence("Escape"), self, activated=self.cancel, objectName="cancelShortcut")
        session.projectArtifactsChanged.connect(self._artifacts_changed)
        session.workspaceChanged.connect(self._workspace_changed)
        session.datasetsChanged.connect(self._datasets_changed)
        self._update_actions()

    # -- loading --------------------------------------------------------------------------
    def load(self, slug: str) -> None:
        """Show project `slug`: cheap file reads here, the leaderboard in the background."""
        if self.slug != slug:
            self.cancel()
            self.data = self.page = None
            self.model.set_board(None)
            self.detail.show_run(slug, None)
            self.show_message("")
            self.next_gates.offer(None)
        self.slug = slug
        # The board's job first: the task setup's detection queues behind it on the pool.
        self.refresh()
        try:
            title = self.session.entry(slug).doc.onepager.title  # type: ignore[union-attr]
        except (KeyError, AttributeError):
            title = slug
        self.header.set_text("Models", f"{title} — baselines, the leaderboard and the champion")
        versions = self.setup.load(slug)
        from shipyard.core.workspace.run_folders import has_runs as project_has_runs

        ws = self.session.workspace
        has_runs = ws is not None and project_has_runs(ws, slug)
        self.body.setCurrentIndex(0 if versions or has_runs else 1)

    def refresh(self) -> None:
        """Re-read the runs and the champion (in the background) and redraw the board."""
        ws, slug = self.session.workspace, self.slug
        if ws is None or slug is None:
            return
        self._refreshes += 1
        if self.data is None:
            # Nothing on the board yet: its kept first page paints first, then the whole
            # board is read (a job at a time: the page's painting is not slowed by it).
            # The job thread waits for that paint before the jobs queued behind the board.
            turn, painted = self._refreshes, threading.Event()
            self.board_task = (
                Op(self, models_jobs.load_board_page, ws, slug)
                .success(lambda data, s=slug, t=turn: self._page_ready(s, t, data, painted))
                .failure(lambda exc: self._board_failed(exc, painted))
                .run_in_background()
            )
            Op(self, models_jobs.hold, painted, HOLD_S).run_in_background()
            return
        self._load_board(slug)

    def _board_failed(self, exc: BaseException, painted: threading.Event | None = None) -> None:
        if painted is not None:
            painted.set()
        ws = self.session.workspace
        self.show_message("⚠ " + describe_error(exc, ws.root if ws is not None else None))

    def _load_board(self, slug: str) -> None:
        ws = self.session.workspace
        if ws is None or slug != self.slug:
            return
        self.board_task = (
            Op(self, models_jobs.load_board, ws, slug)
            .success(lambda data, s=slug: self._board_ready(s, data))
            .failure(lambda exc: self.show_message("⚠ " + describe_error(exc, ws.root)))
            .run_in_background()
        )

    def _page_ready(
        self, slug: str, turn: int, page: models_jobs.BoardData, painted: threading.Event
    ) -> None:
        """The first page is here, or the whole board when there was no page to trust."""
        if slug != self.slug or turn != self._refreshes:
            painted.set()
            return  # another project, or a later refresh that reads the board itself
        if page.board.total is None:
            self._board_ready(slug, page)
            _AfterPaint(self.table.viewport(), painted.set)
            return
        self.page = page
        self._show_board(slug, page)

        def after_paint() -> None:  # the jobs behind, then the whole board (all the runs)
            painted.set()
            self._load_board(slug)

        _AfterPaint(self.table.viewport(), after_paint)

    def _board_ready(self, slug: str, data: models_jobs.BoardData) -> None:
        if slug != self.slug:
            return
        if self.page is not None and isinstance(data.records, models_jobs.RunRecords):
            data.records.adopt(self.page.records)  # the selected run's record, read already
        self.data, self.page = data, None
        self._show_board(slug, data)

    def _show_board(self, slug: str, data: models_jobs.BoardData) -> None:
        keep = self._select_after or self.selected_run_ids()
        self._select_after = []
        board = data.board
        # The table is shown before it gets its rows, so it sizes columns on what is seen.
        self.board_stack.setCurrentIndex(0 if board.rows else 1)
        self.detail_box.setVisible(bool(board.rows))  # room for the "No runs yet" card
        if board.rows:
            self.body.setCurrentIndex(0)
        continued = self.model.set_board(board, data.export_problem)
        star = next((r for r in board.rows if r.champion), None) or board.champion_row
        champ = f"champion ★ {star.family}" if star else "no champion yet"
        count = len(board.rows) if board.total is None else board.total
        self.board_note.setText(
            f"{count} runs · {board.metric_note} · {champ}" if board.rows else ""
        )
        if not continued:  # sized on the first page already
            self.table.resizeColumnsToContents()
        wanted = keep or ([board.rows[0].run_id] if board.rows else [])
        # The board paints first; the selected run's record and plots come a turn later
        # (a first page: once it has painted, which a turn of 0 ms comes before).
        select = partial(self._select_when_shown, slug, data, wanted)
        if board.total is None:
            QTimer.singleShot(0, self, select)
        else:
            _AfterPaint(self.table.viewport(), select)
        self._update_actions()

    def _select_when_shown(self, slug: str, data: models_jobs.BoardData, wanted: list[str]) -> None:
        if slug == self.slug and data is (self.data or self.page):
            self.select_runs(wanted)

    def _artifacts_changed(self, slug: str) -> None:
        if slug == self.slug and self.isVisible():
            self.refresh()
        elif slug == self.slug:
            self.data = None  # stale: re-read when shown again
            self._stale = True

    def _datasets_changed(self) -> None:
        """A version was imported or linked: the dataset list shows it at once."""
        if self.slug is None or self.session.workspace is None:
            return
        if self.setup.refresh_datasets() and self.body.currentIndex() == 1:
            self.body.setCurrentIndex(0)  # the "No data yet" card gives way to the setup
        self._update_actions()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._prewarm_asked:
            # Someone on this tab is likely to train: have the training process ready. Not
            # at once, so a glance at the tab (or a screenshot) starts nothing.
            self._prewarm_asked = True
            QTimer.singleShot(PREWARM_AFTER_MS, self, job_process.prewarm)
        if self._stale and self.slug is not None:
            self._stale = False
            self.refresh()

    def _workspace_changed(self) -> None:
        self.cancel()
        self.slug, self.data, self.page = None, None, None
        self.model.set_board(None)

    # -- selection ------------------------------------------------------------------------
    def selected_run_ids(self) -> list[str]:
        rows = self.table.selectionModel().selectedRows()
        return [self.model.data(i, RUN_ROLE) for i in sorted(rows, key=lambda i: i.row())]

    def selected_rows(self) -> list[Any]:
        """The selected leaderboard rows (LeaderRow): what the board knows, no file read."""
        rows = self.table.selectionModel().selectedRows()
        model = self.model
        return [model.rows[i.row()] for i in sorted(rows, key=lambda i: i.row())
                if i.row() < model.loaded]  # fmt: skip

    def selected_records(self) -> list[RunRecord]:
        """The selected runs' records, each read from its run folder when first needed."""
        data = self.data or self.page
        if data is None:
            return []
        found = (data.records.get(r) for r in self.selected_run_ids())
        return [r for r in found if r is not None]

    def select_runs(self, run_ids: list[str]) -> None:
        sel = self.table.selectionModel()
        sel.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        first = None
        for rid in run_ids:
            src = self.model.row_of(rid)
            if src < 0:
                continue
            self.model.ensure_loaded(src)
            index = self.model.index(src, 0)
            sel.select(index, flags)
            first = first or index
        if first is not None:
            sel.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.table.scrollTo(first)
        self._selection_changed()

    def _column_key(self, section: int) -> str:
        columns = self.model.columns
        return columns[section] if 0 <= section < len(columns) else str(section)

    def _selection_changed(self) -> None:
        ids = self.selected_run_ids()
        primary = self.model.metric
        if self.slug is not None:
            current = self.detail.record
            if not ids or current is None or ids[0] != current.run_id:
                # The one run shown is read now (its curves when a plot draws them).
                data = self.data or self.page
                wanted = data.records.get(ids[0]) if ids and data is not None else None
                self.detail.show_run(self.slug, wanted, primary)
        self._update_actions()

    # -- training -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A training or sweep job is under way (until its end reaches the GUI thread)."""
        return self.job is not None

    def _update_actions(self) -> None:
        # Train stays clickable without a task: it then says what to set up first.
        self.train_button.setEnabled(not self.busy)
        self.train_more.setEnabled(not self.busy)
        ready = self.setup.choice() is not None
        self.sweep_button.setEnabled(not self.busy and ready)
        selected = self.selected_rows()
        self.compare_button.setEnabled(len(selected) == 2)
        self.promote_button.setEnabled(len(selected) == 1 and selected[0].exportable)

    def show_message(self, html: str, *, error: bool = True) -> None:
        self.message.setStyleSheet("color: #d64545;" if error else "")
        self.message.setText(html)
        self.message.setVisible(bool(html))

    def _ladder_choice(self) -> TrainChoice | None:
        """The task to train the ladder on, or None after saying what to set up first."""
        if self.session.workspace is None or self.slug is None or self.busy:
            return None
        choice = self.setup.choice()
        if choice is None:
            waiting = self.setup.detecting
            self.show_message(
                "⚠ Shipyard is still detecting the task; train again in a moment."
                if waiting
                else "⚠ Pick a dataset version and a target column first (Task, on the left)."
            )
            return None
        if not choice.families:
            self.show_message("⚠ Tick at least one model family under Ladder.")
            return None
        return choice

    def train(self, *, cluster: str = "") -> None:
        """Train the ladder on this machine, or on the Dask scheduler at `cluster`."""
        ws, slug, choice = self.session.workspace, self.slug, self._ladder_choice()
        if ws is None or slug is None or choice is None:
            return
        self._start(
            Op(
                self,
                models_jobs.train,
                ws,
                slug,
                choice.ref,
                choice.target,
                user=self.session.user,
                families=choice.families,
                features=choice.features,
                folds=choice.folds,
                include_pii=choice.include_pii,
                cluster=cluster or None,
            ),
            f"Training {', '.join(choice.families)} on {choice.ref} → {choice.target}"
            + (f" on the cluster at {cluster}" if cluster else ""),
        )

    def train_on_cluster(self) -> ClusterTrainDialog | None:
        """Ask for the Dask scheduler's address; the ladder trains there when it is OK'd."""
        choice = self._ladder_choice()
        if choice is None:
            return None
        dialog = ClusterTrainDialog(choice.families, self)
        dialog.accepted.connect(lambda: self.train(cluster=dialog.cluster_address()))
        dialog.open()
        return dialog

    def sweep(self) -> SweepDialog | None:
        """Ask for family, search mode and trials; the sweep starts when the dialog is OK'd."""
        if self.session.workspace is None or self.slug is None or self.busy:
            return None
        if self.setup.choice() is None:
            self.show_message("⚠ Set up the task (dataset and target) before a sweep.")
            return None
        fams = [f for f in ("linear", "trees", "text") if self.setup.families[f].isEnabled()]
        dialog = SweepDialog(fams, self)
        dialog.accepted.connect(
            lambda: self.start_sweep(*dialog.values(), cluster=dialog.cluster_address())
        )
        dialog.open()
        return dialog

    def start_sweep(self, family: str, mode: str, trials: int, *, cluster: str = "") -> None:
        """Sweep on this machine, or on the Dask scheduler at `cluster` (tcp://HOST:PORT)."""
        ws, slug, choice = self.session.workspace, self.slug, self.setup.choice()
        if ws is None or slug is None or self.busy or choice is None:
            return
        self._start(
            Op(
                self,
                models_jobs.sweep,
                ws,
                slug,
                choice.ref,
                choice.target,
                user=self.session.user,
                family=family,
                mode=mode,
                trials=trials,
                features=choice.features,
                include_pii=choice.include_pii,
                cluster=cluster or None,
            ),
            f"Sweeping {family} ({mode}, {trials} trials) on {choice.ref}"
            + (f" on the cluster at {cluster}" if cluster else ""),
        )

    def _start(self, op: Op, what: str) -> None:
        slug = self.slug
        self.show_message("")
        self.job = (
            op.progress(self.run_bar, what)
            .success(lambda runs, s=slug: self._trained(s, runs))
            .failure(self._job_failed)
            .cancelled(lambda s=slug: self._job_cancelled(s))
            .finally_(self._job_finished)
            .run_in_background()
        )
        self._update_actions()

    def cancel(self) -> None:
        """Escape: stop the training, or the run detail's importance computation."""
        self.detail.cancel_importance()
        self.run_bar.cancel()

    def _trained(self, slug: str, runs: list[RunRecord]) -> None:
        if slug != self.slug:
            return
        self._select_after = self._best_of(runs)
        self.show_message(f"{len(runs)} runs recorded.", error=False)
        self.session.projectArtifactsChanged.emit(slug)  # the board refreshes from this

    def _best_of(self, runs: list[RunRecord]) -> list[str]:
        if not runs:
            return []
        metric = self.model.metric or next(iter(runs[0].metrics), "")
        scored = [r for r in runs if isinstance(r.metrics.get(metric), int | float)]
        if not scored:
            return [runs[-1].run_id]
        low = self.model.direction == "minimize"
        best = min(scored, key=lambda r: r.metrics[metric] * (1 if low else -1))
        return [best.run_id]

    def _job_failed(self, exc: BaseException) -> None:
        ws = self.session.workspace
        self.show_message("⚠ " + describe_error(exc, ws.root if ws is not None else None))
        if self.slug is not None:
            self.refresh()  # runs finished before the failure are on the board

    def _job_cancelled(self, slug: str) -> None:
        self.show_message(
            "Cancelled. The run in progress left nothing behind; runs finished "
            "before the cancel are kept.",
            error=False,
        )
        self.session.projectArtifactsChanged.emit(slug)

    def _job_finished(self) -> None:
        self.job = None
        self._update_actions()

    # -- compare and promote --------------------------------------------------------------
    def compare(self) -> CompareDialog | None:
        records = self.selected_records()
        if len(records) != 2:
            self.show_message("⚠ Select two runs to compare (Ctrl+click the second).")
            return None
        dialog = CompareDialog(records[0], records[1], self)
        dialog.open()
        return dialog

    def promote(self) -> PromoteDialog | None:
        ws, slug, records = self.session.workspace, self.slug, self.selected_records()
        if ws is None or slug is None or self.busy:
            return None
        if len(records) != 1:
            self.show_message("⚠ Select the one run to promote.")
            return None
        dialog = PromoteDialog(ws, slug, records[0], self.session.user, self.model.metric, self)
        dialog.promoted.connect(lambda _event, s=slug: self._promoted(s))
        dialog.open()
        return dialog

    def _promoted(self, slug: str) -> None:
        self._select_after = self.selected_run_ids()
        self.show_message("Champion promoted; the audit log has the reason.", error=False)
        self.next_gates.offer(slug, focus=True)
        self.session.projectArtifactsChanged.emit(slug)

    def _task_saved(self) -> None:
        if self.slug is not None and self.setup.saved_note.text().startswith("Saved"):
            self.session.projectArtifactsChanged.emit(self.slug)

    def _import_data(self) -> None:
        window = self.window()
        importer = getattr(window, "import_data", None)
        if callable(importer):
            importer()
