"""The Review page: the ranked portfolio with health trends, what changed since the last
review, decisions (continue / pivot / pause / sunset) with reasons, capacity and cost, and
the shareable report (HTML, PDF).

Reading runs on the job thread (drift compares data versions); nothing is written until
Save review (Ctrl+S), which records reviews/<date>.yaml through the core, moves the stages
the decisions make and takes the sprint's health snapshot. A decision not yet saved is
undone by clearing it.
"""

from __future__ import annotations

import time
from datetime import date
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QEvent, QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.error_text import describe_error
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.review import jobs
from shipyard.ui.review.charts import CapacityBar, CostChart, TrendChart
from shipyard.ui.review.sparkline import SparklineDelegate
from shipyard.ui.review.table_model import COLUMN_INDEX, COLUMNS, SLUG_ROLE, ReviewTableModel
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import EmptyState, PageHeader, VerticalScroll, primary, set_verdict_banner

if TYPE_CHECKING:
    from shipyard.core.review.record import ProjectDecision
    from shipyard.core.review.summary import ReviewProject, ReviewSummary

SINCE_CHOICES = (
    ("Since the last review", "last"),
    ("Since a date", "date"),
    ("Everything", "all"),
)
DECISION_CHOICES = (
    ("— no decision —", ""),
    ("Continue", "continue"),
    ("Pivot (back to discovery)", "pivot"),
    ("Pause", "pause"),
    ("Sunset", "sunset"),
)
OK, WARN, FAIL, INFO = "#2e9e5b", "#d49a1c", "#d64545", "#2f6fde"
TEXT_CAP = 150  # px: the widest a text column starts


def _short_title(title: str) -> str:
    return title.split(" — ")[0]


class ReviewPage(QWidget):
    projectActivated = Signal(str)
    # A save finished (its path) or failed; an export was written (its path).
    saved = Signal(str)
    exported = Signal(str)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.summary: ReviewSummary | None = None
        self.decisions: dict[str, ProjectDecision] = {}
        self.task: BackgroundTask | None = None  # the read of the review
        self.save_task: BackgroundTask | None = None
        self.export_task: BackgroundTask | None = None
        self._stale = True
        self._again = False
        self._slug: str | None = None
        self._loading_detail = False

        self.header = PageHeader("Portfolio review", "")
        self.since = QComboBox(objectName="sinceChoice", accessibleName="Changes since")
        for label, key in SINCE_CHOICES:
            self.since.addItem(label, key)
        self.since_date = QDateEdit(objectName="sinceDate", accessibleName="Since date")
        self.since_date.setCalendarPopup(True)
        self.since_date.setDisplayFormat("yyyy-MM-dd")
        today = session.today
        self.since_date.setDate(QDate(today.year, today.month, today.day).addDays(-14))
        self.since_date.setVisible(False)
        self.export_html_button = QPushButton("Export HTML…", objectName="exportHtmlButton")
        self.export_html_button.setToolTip("One self-contained HTML file: readable on a phone")
        self.export_pdf_button = QPushButton("Export PDF…", objectName="exportPdfButton")
        self.export_pdf_button.setToolTip("A cover page and one page per project")
        pdf_menu = QMenu(self.export_pdf_button)
        pdf_menu.setObjectName("exportPdfMenu")
        for size in ("A4", "Letter"):
            pdf_menu.addAction(f"{size}…", lambda s=size: self.choose_export_pdf(s))
        self.export_pdf_button.setMenu(pdf_menu)
        self.save_button = primary(QPushButton("Save review"))
        self.save_button.setToolTip(
            "Record the decisions in reviews/<date>.yaml and move the stages they decide (Ctrl+S)"
        )
        self.save_button.setEnabled(False)
        for w in (self.since, self.since_date, self.export_html_button, self.export_pdf_button):
            self.header.actions.addWidget(w)
        self.header.actions.addWidget(self.save_button)

        self.banner = QLabel(objectName="reviewBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.hide()
        self.job_progress = JobProgress("review job", cancel_tip="Stop saving or exporting (Esc)")

        # -- the ranked table ----------------------------------------------------------
        self.model = ReviewTableModel(self)
        self.table = QTableView(objectName="reviewTable", accessibleName="Review table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setItemDelegateForColumn(COLUMN_INDEX["trend"], SparklineDelegate(self.table))
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The title and the metric words share what the compact columns leave.
        head.setSectionResizeMode(COLUMN_INDEX["title"], QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(COLUMN_INDEX["metric"], QHeaderView.ResizeMode.Stretch)
        head.setMinimumSectionSize(36)
        head.setHighlightSections(False)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(
            lambda index: self.projectActivated.emit(index.data(SLUG_ROLE))
        )

        # -- the selected project ------------------------------------------------------
        self.project_title = QLabel(objectName="reviewProjectTitle")
        self.project_title.setWordWrap(True)
        self.project_title.setStyleSheet("font-weight: 600;")
        self.decision = QComboBox(objectName="decisionChoice", accessibleName="Decision")
        for label, key in DECISION_CHOICES:
            self.decision.addItem(label, key)
        self.reason = QLineEdit(objectName="decisionReason", accessibleName="Reason")
        self.reason.setPlaceholderText("Why? (needed to pivot, pause or sunset)")
        self.clear_button = QPushButton("Clear", objectName="clearDecisionButton")
        self.clear_button.setToolTip("Undo this project's decision (nothing is saved yet)")
        self.decision_note = QLabel(objectName="decisionNote")
        self.decision_note.setWordWrap(True)
        self.facts = QLabel(objectName="reviewFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.previous = QLabel(objectName="lastReviewSnapshot")
        self.previous.setWordWrap(True)
        self.previous.setTextFormat(Qt.TextFormat.RichText)

        choice_row = QHBoxLayout()
        choice_row.setSpacing(6)
        choice_row.addWidget(self.decision, 1)
        choice_row.addWidget(self.clear_button)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Decision", choice_row)
        form.addRow("Reason", self.reason)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 6, 0)
        lbox.setSpacing(6)
        lbox.addWidget(self.project_title)
        lbox.addLayout(form)
        lbox.addWidget(self.decision_note)
        lbox.addWidget(self.facts)
        lbox.addWidget(self.previous)
        lbox.addStretch(1)
        self.trend = TrendChart()
        self.trend.setObjectName("healthTrendChart")
        self.changes = QListWidget(objectName="reviewChanges", accessibleName="Changes")
        self.changes.setWordWrap(True)
        self.changes.setAlternatingRowColors(True)
        self.changes_title = QLabel("Changes", objectName="sectionTitle")
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        rbox.setSpacing(4)
        rbox.addWidget(self.changes_title)
        rbox.addWidget(self.changes, 1)

        detail = QSplitter(Qt.Orientation.Horizontal)
        detail.addWidget(VerticalScroll(left))
        detail.addWidget(self.trend)
        detail.addWidget(right)
        detail.setChildrenCollapsible(False)
        detail.setSizes([380, 300, 320])
        self.detail = detail

        # -- capacity and cost ---------------------------------------------------------
        self.capacity_bar = CapacityBar()
        self.capacity_text = QLabel(objectName="capacityText")
        self.capacity_text.setWordWrap(True)
        self.capacity_text.setTextFormat(Qt.TextFormat.RichText)
        cap_box = QWidget()
        cbox = QVBoxLayout(cap_box)
        cbox.setContentsMargins(4, 4, 4, 4)
        cbox.addWidget(self.capacity_bar)
        cbox.addWidget(self.capacity_text)
        cbox.addStretch(1)
        self.cost = CostChart()
        self.cost.setObjectName("costImpactChart")
        self.cost.projectActivated.connect(self.select)
        self.cost_text = QLabel(objectName="costFlags")
        self.cost_text.setWordWrap(True)
        cost_box = QWidget()
        kbox = QVBoxLayout(cost_box)
        kbox.setContentsMargins(0, 0, 0, 0)
        kbox.addWidget(self.cost, 1)
        kbox.addWidget(self.cost_text)

        self.tabs = QTabWidget(objectName="reviewTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(detail, "Project")
        self.tabs.addTab(VerticalScroll(cap_box), "Capacity")
        self.tabs.addTab(cost_box, "Cost vs impact")
        # What the meeting agreed beyond the decisions: saved with the review's record.
        self.notes = QPlainTextEdit(objectName="reviewNotes", accessibleName="Review notes")
        self.notes.setPlaceholderText(
            "Notes kept with the saved review: what was agreed, who follows up, by when."
        )
        self.notes.setTabChangesFocus(True)
        self.tabs.addTab(self.notes, "Notes")

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.tabs)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.splitterMoved.connect(self._split_moved)
        self.split = split
        self._user_split = False

        self.empty = EmptyState(
            "Nothing to review yet",
            "A review ranks the projects of a workspace with their health, what changed and "
            "their costs. Add a project first, or from a terminal: "
            '<code>shipyard project new WORKSPACE "Title"</code>.',
        )
        self.body = self.empty.alternative_to(split)

        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(self.banner)
        box.addWidget(self.job_progress)
        box.addWidget(self.body, 1)

        self.since.currentIndexChanged.connect(self._since_changed)
        self.since_date.dateChanged.connect(lambda _d: self.refresh())
        self.export_html_button.clicked.connect(self.choose_export_html)
        self.save_button.clicked.connect(self.save)
        self.decision.currentIndexChanged.connect(self._decision_edited)
        self.reason.textEdited.connect(self._decision_edited)
        self.clear_button.clicked.connect(self.clear_decision)
        QShortcut(
            QKeySequence.StandardKey.Save, self, activated=self.save, objectName="saveShortcut"
        )
        session.workspaceChanged.connect(self._workspace_changed)
        session.rowsChanged.connect(self._mark_stale)
        session.projectArtifactsChanged.connect(self._mark_stale)
        self._show_project(None)

    # -- reading --------------------------------------------------------------------------
    def since_value(self) -> str | date:
        key = self.since.currentData()
        if key == "date":
            return self.since_date.date().toPython()
        return str(key)

    def _since_changed(self) -> None:
        self.since_date.setVisible(self.since.currentData() == "date")
        self.refresh()

    def _workspace_changed(self) -> None:
        if self.task is not None:
            self._again = self.session.workspace is not None
        self.decisions = {}
        self.summary = None
        self.model.set_decisions(self.decisions)
        self.model.set_projects([])
        self._show_project(None)
        self._update_buttons()
        self.banner.hide()
        self._stale = True
        if self.isVisible():
            self.refresh()

    def _mark_stale(self, *_: object) -> None:
        self._stale = True
        if self.isVisible() and self.save_task is None:
            self.refresh()

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.summary is not None:
            # The facts' muted colour follows the theme.
            QTimer.singleShot(0, self, self._reshow)

    def _reshow(self) -> None:
        if self.summary is not None and self._slug is not None:
            self._show_project(self.summary.project(self._slug))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.fit_rows()
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the review again (on the job thread); decisions not yet saved are kept."""
        ws = self.session.workspace
        self._stale = False
        if ws is None:
            self.summary = None
            self.model.set_projects([])
            return
        if self.task is not None:
            self._again = True
            return
        task = BackgroundTask(jobs.build, ws, self.since_value(), self.session.today)
        task.owned_by(self)
        # A read of a workspace closed meanwhile is dropped (and read again for the new one).
        task.succeeded.connect(
            lambda summary, ws=ws: self._built(summary) if self.session.workspace is ws else None
        )
        task.failed.connect(self._build_failed)
        task.finished.connect(self._build_finished)
        self.task = task
        self.header.set_text(self.header.title.text(), "Reading the portfolio…")
        task.start()

    def _built(self, summary: ReviewSummary) -> None:
        self.summary = summary
        slugs = {p.slug for p in summary.projects}
        self.decisions = {k: v for k, v in self.decisions.items() if k in slugs}
        keep = self._slug
        self.model.set_projects(summary.projects)
        self.model.set_decisions(self.decisions)
        self._size_columns()
        self.body.setCurrentIndex(0 if summary.projects else 1)
        self.fit_rows()
        ws = self.session.workspace
        name = ws.name if ws is not None else ""
        self.header.set_text(f"Portfolio review · {name}" if name else "Portfolio review", "")
        self._update_subtitle()
        self._fill_capacity(summary)
        problems = list(summary.problems)
        if self.session.snapshot_problem:
            problems.append(self.session.snapshot_problem)
        if problems and not self.banner.isVisible():
            self._banner(WARN, "<br>".join(escape(p) for p in problems[:4]))
        self.select(
            keep if keep in slugs else (summary.projects[0].slug if summary.projects else "")
        )
        self._update_buttons()

    def _build_failed(self, exc: BaseException) -> None:
        self._banner(FAIL, "The review could not be read: " + escape(describe_error(exc)))

    def _build_finished(self) -> None:
        self.task = None
        self._update_buttons()
        if self._again:
            self._again = False
            self.refresh()

    def wait_ready(self, timeout_ms: int = 30_000) -> bool:
        """Tests and screenshots: let a running read finish and reach the page."""
        from PySide6.QtCore import QDeadlineTimer
        from PySide6.QtWidgets import QApplication

        timer = QDeadlineTimer(timeout_ms)
        while (self.task is not None or self._again) and not timer.hasExpired():
            QApplication.processEvents()
            time.sleep(0.005)
        QApplication.processEvents()
        return self.task is None

    def _update_subtitle(self) -> None:
        s = self.summary
        if s is None:
            return
        since = jobs.describe_since(s)
        self.header.subtitle.setText(
            f"{s.today:%d %b %Y} · {len(s.projects)} projects · changes {since}"
        )

    def _split_moved(self, *_: object) -> None:
        self._user_split = True

    def fit_rows(self) -> None:
        """The table as tall as its rows (up to 55 % of the page), the panels below the
        rest, until the user drags the divider."""
        if self._user_split:
            return
        total = sum(self.split.sizes())
        if total <= 0:
            return
        need = (
            self.table.horizontalHeader().height()
            + self.model.rowCount() * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
            + 2
        )
        table = max(min(need, total * 55 // 100), total * 35 // 100)
        self.split.blockSignals(True)
        self.split.setSizes([table, total - table])
        self.split.blockSignals(False)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self.fit_rows()

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        head = self.table.horizontalHeader()
        for i, col in enumerate(COLUMNS):
            if col.key in ("title", "metric"):
                continue
            if col.key == "trend":
                head.resizeSection(i, 96)
                continue
            if head.sectionSize(i) > TEXT_CAP:
                head.resizeSection(i, TEXT_CAP)

    # -- the selected project -------------------------------------------------------------
    def select(self, slug: str) -> None:
        row = self.model.row_of(slug) if slug else -1
        if row < 0:
            self._show_project(None)
            return
        self.table.selectRow(row)
        self._show_project(self.model.project_at(row))

    def selected_slug(self) -> str | None:
        return self._slug

    def _selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        self._show_project(self.model.project_at(rows[0].row()) if rows else None)

    def _show_project(self, p: ReviewProject | None) -> None:
        self._loading_detail = True
        try:
            enabled = p is not None
            for w in (self.decision, self.reason, self.clear_button):
                w.setEnabled(enabled)
            if p is None:
                self._slug = None
                self.project_title.setText("Select a project to decide on it")
                self.decision.setCurrentIndex(0)
                self.reason.clear()
                self.decision_note.clear()
                self.facts.clear()
                self.previous.clear()
                self.changes.clear()
                self.trend.set_points([])
                return
            self._slug = p.slug
            self.project_title.setText(f"{p.row.rank}. {p.row.title}")
            d = self.decisions.get(p.slug)
            key = d.decision.value if d else ""
            self.decision.setCurrentIndex(max(self.decision.findData(key), 0))
            self.reason.setText(d.reason if d else "")
            self._update_note()
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
            self.facts.setText(_facts_html(p, muted))
            self.previous.setText(_previous_html(p))
            self.trend.set_points(p.health_points)
            self.changes.clear()
            self.changes_title.setText(
                f"Changes ({len(p.changes)}) {jobs.describe_since(self.summary)}"
                if self.summary is not None
                else "Changes"
            )
            for c in reversed(p.changes):
                item = QListWidgetItem(f"{c.time:%d %b} · {c.text}  ({c.user})")
                item.setToolTip(f"{c.time:%Y-%m-%d %H:%M} {c.action} {c.target}")
                self.changes.addItem(item)
            if not p.changes:
                self.changes.addItem("Nothing changed in this period")
        finally:
            self._loading_detail = False

    # -- decisions ------------------------------------------------------------------------
    def set_decision(self, slug: str, decision: str, reason: str = "") -> None:
        """Decide for `slug` ('' clears it); what the decision control and reason field do."""
        from shipyard.core.review.record import Decision, ProjectDecision

        if decision:
            self.decisions[slug] = ProjectDecision(decision=Decision(decision), reason=reason)
        else:
            self.decisions.pop(slug, None)
        self.model.set_decisions(self.decisions)
        if slug == self._slug:
            self._update_note()
        self._update_buttons()
        self._update_subtitle()

    def _decision_edited(self, *_: object) -> None:
        if self._loading_detail or self._slug is None:
            return
        key = self.decision.currentData() or ""
        self.set_decision(self._slug, key, self.reason.text())
        if self.banner.property("kind") == "reason":
            self.banner.hide()
        # Picked a decision that needs a reason: the reason field is next.
        needs_reason = key not in ("", "continue") and not self.reason.text().strip()
        if needs_reason and self.sender() is self.decision:
            self.reason.setFocus()

    def clear_decision(self) -> None:
        if self._slug is not None:
            self.set_decision(self._slug, "")
            self._loading_detail = True
            self.decision.setCurrentIndex(0)
            self.reason.clear()
            self._loading_detail = False

    def _update_note(self) -> None:
        d = self.decisions.get(self._slug or "")
        if d is None or self.summary is None or self._slug is None:
            self.decision_note.setText("")
            return
        before = self.summary.project(self._slug).row.stage
        target = d.decision.stage
        after = target.value if target is not None else before
        if after != before:
            self.decision_note.setText(f"Saving moves the stage {before} → {after}.")
        else:
            self.decision_note.setText(f"The stage stays {before}.")

    def _update_buttons(self) -> None:
        busy = self.save_task is not None
        ready = self.summary is not None and self.task is None
        self.save_button.setEnabled(bool(self.decisions) and ready and not busy)
        n = len(self.decisions)
        # The count of decisions not saved yet rides on the button that saves them.
        self.save_button.setText(f"Save review ({n})" if n else "Save review")
        for b in (self.export_html_button, self.export_pdf_button):
            b.setEnabled(ready and self.export_task is None)

    def missing_reason(self) -> str | None:
        """The first project (in rank order) whose decision needs a reason it lacks."""
        from shipyard.core.review.record import Decision

        order = [p.slug for p in self.summary.projects] if self.summary else []
        for slug in sorted(self.decisions, key=lambda s: order.index(s) if s in order else 0):
            d = self.decisions[slug]
            if d.decision is not Decision.CONTINUE and not d.reason.strip():
                return slug
        return None

    def stage_changes(self) -> list[tuple[str, str, str]]:
        """(project title, before, after) for each decision that moves a stage."""
        out = []
        if self.summary is None:
            return out
        for p in self.summary.projects:
            d = self.decisions.get(p.slug)
            if d is None or d.decision.stage is None or d.decision.stage.value == p.row.stage:
                continue
            out.append((_short_title(p.row.title), p.row.stage, d.decision.stage.value))
        return out

    def confirm(self, title: str, text: str, detail: str) -> bool:
        """Ask before saving (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        box.setObjectName("confirmReviewSave")
        box.setInformativeText(detail)
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        return box.exec() == QMessageBox.StandardButton.Save

    def save(self) -> None:
        ws = self.session.workspace
        if ws is None or self.summary is None or not self.decisions or self.save_task is not None:
            return
        if self.task is not None:
            return
        slug = self.missing_reason()
        if slug is not None:
            p = self.summary.project(slug)
            d = self.decisions[slug]
            self._banner(
                FAIL,
                f"<b>{escape(_short_title(p.row.title))}</b>: the decision to "
                f"{d.decision.value} needs a reason. Say in a sentence why, e.g. "
                "“costs more than it returns”, then save again.",
                kind="reason",
            )
            self.select(slug)
            self.tabs.setCurrentIndex(0)
            self.reason.setFocus()
            return
        n = len(self.decisions)
        changes = self.stage_changes()
        text = f"Save the review with {n} decision{'s' if n != 1 else ''}?"
        if changes:
            detail = "These stages will change:\n" + "\n".join(
                f"• {title}: {before} → {after}" for title, before, after in changes
            )
        else:
            detail = "No stage changes: every decision keeps its project's stage."
        detail += f"\n\nThe review is written to reviews/{self.summary.today.isoformat()}.yaml."
        if not self.confirm("Save the review", text, detail):
            return
        self.session.expect_own_writes()
        self._banner(INFO, "Saving the review…")
        self.save_task = (
            Op(
                self,
                jobs.save,
                ws,
                self.summary,
                dict(self.decisions),
                self.session.user,
                self.notes.toPlainText().strip(),
            )
            .kind("review")
            .progress(self.job_progress, "Saving the review…")
            .success(self._saved)
            .failure(self._save_failed)
            .finally_(self._save_finished)
            .run_in_background()
        )
        self._update_buttons()

    def _saved(self, result: jobs.Saved) -> None:
        ws = self.session.workspace
        shown = result.path
        if ws is not None and result.path.is_relative_to(ws.root):
            shown = result.path.relative_to(ws.root)
        moved = "; ".join(f"{slug}: {a} → {b}" for slug, a, b in result.stage_changes)
        self._banner(
            OK,
            f"Saved the review to <b>{escape(str(shown))}</b>."
            + (f" Stages moved: {escape(moved)}." if moved else " No stage changed."),
        )
        self.decisions = {}
        self.notes.clear()
        self.model.set_decisions(self.decisions)
        self.saved.emit(str(result.path))

    def _save_failed(self, exc: BaseException) -> None:
        self._banner(FAIL, "The review was not saved: " + escape(describe_error(exc)))

    def _save_finished(self) -> None:
        self.save_task = None
        self.session.expect_own_writes()
        # Stages and the health snapshot changed: the window re-reads (rowsChanged brings
        # this page along), and this page reads the saved review as its new "last".
        self.session.reload()
        if self.task is None:
            self.refresh()
        self._update_buttons()

    # -- export ---------------------------------------------------------------------------
    def _default_name(self, suffix: str) -> str:
        day = self.summary.today.isoformat() if self.summary else date.today().isoformat()
        return str(Path.home() / f"portfolio-review-{day}.{suffix}")

    def choose_export_html(self) -> None:
        if self.summary is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the review as HTML", self._default_name("html"), "HTML (*.html)"
        )
        if path:
            self.export_html(Path(path))

    def choose_export_pdf(self, page_size: str = "A4") -> None:
        if self.summary is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            f"Export the review as PDF ({page_size})",
            self._default_name("pdf"),
            "PDF (*.pdf)",
        )
        if path:
            self.export_pdf(Path(path), page_size)

    def _workspace_name(self) -> str:
        ws = self.session.workspace
        return ws.name if ws is not None else ""

    def export_html(self, out: Path) -> BackgroundTask | None:
        if self.summary is None or self.export_task is not None:
            return None
        out = out if out.suffix.lower() in (".html", ".htm") else out.with_suffix(".html")
        op = Op(
            self, jobs.export_html, self.summary, self._workspace_name(), dict(self.decisions), out
        )
        return self._start_export(op, "Writing the HTML report…")

    def export_pdf(self, out: Path, page_size: str = "A4") -> BackgroundTask | None:
        if self.summary is None or self.export_task is not None:
            return None
        out = out if out.suffix.lower() == ".pdf" else out.with_suffix(".pdf")
        op = Op(
            self,
            jobs.export_pdf,
            self.summary,
            self._workspace_name(),
            dict(self.decisions),
            out,
            page_size,
        )
        return self._start_export(op, f"Writing the PDF report ({page_size})…")

    def _start_export(self, op: Op, title: str) -> BackgroundTask:
        self.export_task = (
            op.kind("export")
            .progress(self.job_progress, title)
            .success(self._exported)
            .failure(
                lambda exc: self._banner(
                    FAIL, "Nothing was exported: " + escape(describe_error(exc))
                )
            )
            .cancelled(lambda: self._banner(WARN, "Export cancelled: nothing was written."))
            .finally_(self._export_finished)
            .run_in_background()
        )
        self._update_buttons()
        return self.export_task

    def _exported(self, result: Any) -> None:
        if isinstance(result, tuple):
            path, sheets = result
            what = f"{sheets} pages"
        else:
            path, what = result, "one self-contained file"
        self._banner(OK, f"Exported the review to <b>{escape(str(path))}</b> ({what}).")
        self.exported.emit(str(path))

    def _export_finished(self) -> None:
        self.export_task = None
        self._update_buttons()

    # -- capacity and messages ------------------------------------------------------------
    def _fill_capacity(self, summary: ReviewSummary) -> None:
        cap = summary.capacity
        self.capacity_bar.set_capacity(cap)
        lines = [f"<b>{escape(self.capacity_bar.text())}</b>"]
        lines.append(
            f"Team {cap.fte:g} FTE: platform {cap.platform:.0f}, experiments {cap.pool:.0f}, "
            f"buffer {cap.buffer:.0f} FTE-weeks."
        )
        lines += [f'<span style="color:{FAIL}">⚠ {escape(w)}</span>' for w in cap.warnings]
        if cap.allocations:
            rows = "".join(
                f"<tr><td>{escape(_short_title(a.title))}</td><td>{escape(a.tshirt)}</td>"
                f'<td align="right">{a.fte_weeks:g}</td>'
                f'<td align="right">{a.share_of_pool:.0%}</td></tr>'
                for a in cap.allocations
            )
            lines.append(
                '<table cellspacing="0" cellpadding="3"><tr><th align="left">Active project</th>'
                '<th align="left">Size</th><th align="right">FTE-weeks</th>'
                f'<th align="right">Share of pool</th></tr>{rows}</table>'
            )
        self.capacity_text.setText("<br>".join(lines))
        self.cost.set_rows(summary.costs)
        flagged = [c for c in summary.costs if c.flagged]
        if flagged:
            self.cost_text.setText(
                "Flagged (red): " + "; ".join(f"{_short_title(c.title)} {c.why}" for c in flagged)
            )
        elif summary.costs:
            self.cost_text.setText(
                f"{len(summary.costs)} projects with a gated cost; none costs much for little."
            )
        else:
            self.cost_text.setText("")
        title = "Cost vs impact" + (f" ({len(flagged)} flagged)" if flagged else "")
        self.tabs.setTabText(2, title)
        self.tabs.setTabText(1, "Capacity ⚠" if cap.warnings else "Capacity")

    def _banner(self, colour: str, html: str, kind: str = "") -> None:
        set_verdict_banner(self.banner, colour, html)
        self.banner.setProperty("kind", kind)
        self.banner.show()

    def banner_text(self) -> str:
        return self.banner.text() if self.banner.isVisible() else ""


def _facts_html(p: ReviewProject, muted: str) -> str:
    s = p.status
    rows = [
        ("Stage", escape(p.row.stage)),
        ("Health", f"{p.row.health.score:.0f} ({escape(p.row.health.band)})"),
        ("Primary metric", escape(p.metric_words)),
        ("Gates", escape(s.gate_verdict or "not gated")),
        ("Cost / 1k requests", escape(f"{p.cost_per_1k:,.4g} {p.currency}" if p.cost_per_1k is not None else "not measured")),
        ("Drift", escape(f"{p.drift}: {p.drift_detail}" if p.drift else "no newer data version")),
        ("Stale flags", escape(", ".join(s.stale_flags) if s.stale_flags else "none")),
    ]  # fmt: skip
    op = p.row.onepager
    if op is not None:
        effort = f"{op.effort.tshirt.value}, {op.effort.fte_weeks:g} FTE-weeks"
        rows.append(("Effort", escape(effort)))
    return (
        '<table cellspacing="0" cellpadding="2">'
        + "".join(
            f'<tr><td style="color:{muted}">{k}&nbsp;&nbsp;</td><td>{v}</td></tr>' for k, v in rows
        )
        + "</table>"
    )


def _previous_html(p: ReviewProject) -> str:
    prev = p.previous
    if not prev:
        return "<i>Not in an earlier review.</i>"
    parts = [f"rank {prev.get('rank')}", f"stage {prev.get('stage')}"]
    if prev.get("health") is not None:
        parts.append(f"health {prev['health']:.0f}")
    if prev.get("metric_value") is not None:
        parts.append(f"{prev.get('metric')} {prev['metric_value']:.3g}")
    if prev.get("gate_verdict"):
        parts.append(f"gates {prev['gate_verdict']}")
    return "<b>At the last review:</b> " + escape(", ".join(parts))


__all__ = ["ReviewPage"]
