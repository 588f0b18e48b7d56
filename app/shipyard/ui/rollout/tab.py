"""The Rollout tab of a project: rehearse shadow -> canary -> progressive -> full on recorded
traffic, watch the timeline and the automatic rollback, read each phase's judgement, browse
the shadow disagreements, edit rollout.yaml, and manage the project's feature flags.

`load(slug)` reads only small files (the policy, run records, flags); scoring the traffic
and simulating run as background jobs. The simulation re-runs ~100 ms after any knob moves.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.error_text import describe_error
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.rollout.controls import RolloutControls
from shipyard.ui.rollout.flags import FlagsPanel
from shipyard.ui.rollout.policy_text import PolicyText
from shipyard.ui.rollout.table_models import VERDICT_COLOURS, DisagreementModel, PhaseCheckModel
from shipyard.ui.rollout.timeline import TimelinePlot
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.table_columns import ColumnChooser
from shipyard.ui.widgets import (
    EmptyState,
    NextStepButton,
    PageHeader,
    VerticalScroll,
    primary,
    row_table,
    set_verdict_banner,
)

if TYPE_CHECKING:
    from shipyard.core.rollout.rehearsal import Rehearsal

DEBOUNCE_MS = 100
SHOW_PROGRESS_AFTER_MS = 300  # a quick re-run after a knob move never flashes the bar
OUTCOME_COLOURS = {
    "promoted": VERDICT_COLOURS["pass"],
    "completed": VERDICT_COLOURS["pass"],
    "held": VERDICT_COLOURS["hold"],
    "rolled_back": VERDICT_COLOURS["fail"],
    "killed": VERDICT_COLOURS["fail"],
}


def _rehearse_job(job: Any, ws: Any, slug: str, policy: Any, seed: int, incidents: list) -> Any:
    from shipyard.core.rollout.rehearsal import rehearse

    return rehearse(ws, slug, policy=policy, seed=seed, incidents=incidents, job=job)


class RolloutTab(QWidget):
    rehearsed = Signal(object)  # the Rehearsal just shown

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.last: Rehearsal | None = None
        self.task: BackgroundTask | None = None
        self._pending = False
        self._own_change = False
        self._task_slug: str | None = None

        self.header = PageHeader("Rollout", "Rehearse the rollout on recorded traffic")
        self.header.subtitle.setToolTip(
            "Shadow → canary → progressive → full, judged phase by phase, with automatic rollback"
        )
        self.candidate_combo = QComboBox()
        self.candidate_combo.setToolTip("The run to roll out (rollout.yaml: candidate)")
        self.control_combo = QComboBox()
        self.control_combo.setToolTip("What serves the rest of the traffic (rollout.yaml: control)")
        self.traffic_combo = QComboBox()
        self.traffic_combo.setToolTip("The recorded traffic to replay (rollout.yaml: traffic)")
        self.run_button = primary(QPushButton("Rehearse"))
        self.run_button.setToolTip(
            "Run the rehearsal again (Ctrl+R); it also re-runs on any change"
        )
        self.run_button.clicked.connect(self.rehearse)
        for label, w in (("Candidate", self.candidate_combo), ("Control", self.control_combo),
                         ("Traffic", self.traffic_combo)):  # fmt: skip
            # Label and combo stay together when the header's controls wrap.
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(18)
            pair = QWidget()
            prow = QHBoxLayout(pair)
            prow.setContentsMargins(0, 0, 0, 0)
            prow.setSpacing(6)
            prow.addWidget(QLabel(label, objectName="pageSubtitle"))
            prow.addWidget(w)
            self.header.actions.addWidget(pair)
        self.header.actions.addWidget(self.run_button)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this rehearsal as JSON plus the timeline as PNG")
        self.export_button.clicked.connect(self.choose_export)
        self.export_button.setEnabled(False)
        self.header.actions.addWidget(self.export_button)
        self.candidate_combo.activated.connect(
            lambda _i: self._picked("candidate", self.candidate_combo)
        )
        self.control_combo.activated.connect(lambda _i: self._picked("control", self.control_combo))
        self.traffic_combo.activated.connect(lambda _i: self._picked("traffic", self.traffic_combo))

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.RichText)
        self.banner.setMinimumHeight(40)
        self.progress_row = JobProgress(
            "rehearsal", cancel_tip="Stop the rehearsal (Esc)", show_after_ms=SHOW_PROGRESS_AFTER_MS
        )
        self.progress_row.cancelRequested.connect(self._drop_pending)

        self.controls = RolloutControls()
        self.controls.policyEdited.connect(self._controls_edited)
        self.controls.settingsChanged.connect(self.schedule)
        scroll = VerticalScroll(self.controls)

        self.timeline = TimelinePlot()
        self.phase_model = PhaseCheckModel(self)
        self.phase_table = row_table(self.phase_model, 9, row_height=24)
        # The figures behind each verdict are in the decision log beside the table; the
        # table shows what was decided, so it fits a laptop without scrolling sideways.
        # Right-click a header to show the figures as columns.
        self.phase_columns = ColumnChooser(
            self.phase_table,
            "rollout-decisions",
            default_hidden=("Candidate", "Control", "Threshold", "p-value", "Effect", "Test"),
            required=("Phase", "Decision", "Check", "Verdict"),
        )
        self.phase_table.horizontalHeader().setToolTip(
            "Right-click to show the figures (candidate, control, threshold, p-value ...)"
        )
        self.log = QTextBrowser()
        self.log.setToolTip("Decision log: why each phase was promoted, held or rolled back")
        decisions = QSplitter(Qt.Horizontal)
        decisions.addWidget(self.phase_table)
        decisions.addWidget(self.log)
        decisions.setSizes([700, 300])
        self.shadow_label = QLabel()
        self.shadow_label.setWordWrap(True)
        self.shadow_model = DisagreementModel(self)
        self.shadow_table = row_table(self.shadow_model, 5, row_height=24)
        shadow = QWidget()
        sbox = QVBoxLayout(shadow)
        sbox.setContentsMargins(0, 6, 0, 0)
        sbox.addWidget(self.shadow_label)
        sbox.addWidget(self.shadow_table, 1)
        self.policy_text = PolicyText(session)
        self.policy_text.policyChanged.connect(self._policy_changed)
        self.policy_text.policyInvalid.connect(self._policy_invalid)
        self.policy_text.saved.connect(self._saved)
        self.flags = FlagsPanel(session)
        self.flags.changed.connect(self._flags_changed)
        self.views = QTabWidget(documentMode=True)
        self.views.addTab(decisions, "Decisions")
        self.views.addTab(shadow, "Shadow")
        self.views.addTab(self.policy_text, "Policy")
        self.views.addTab(self.flags, "Flags")
        self.views.setTabToolTip(0, "Each phase's checks: statistic, p-value, effect and verdict")
        self.views.setTabToolTip(1, "Both models on the same inputs: agreement and disagreements")
        self.views.setTabToolTip(2, "rollout.yaml as text; Ctrl+S saves")
        self.views.setTabToolTip(3, "flags.yaml: traffic per flag, stale flags, kill switch")

        right = QSplitter(Qt.Vertical)
        right.addWidget(self.timeline)
        right.addWidget(self.views)
        right.setStretchFactor(0, 3)  # the timeline keeps room for its four panels
        right.setStretchFactor(1, 2)
        right.setSizes([400, 300])
        body = QSplitter(Qt.Horizontal)
        body.addWidget(scroll)
        body.addWidget(right)
        body.setStretchFactor(1, 1)
        body.setSizes([340, 900])
        content = QWidget()
        cbox = QVBoxLayout(content)
        cbox.setContentsMargins(0, 0, 0, 0)
        # After a rehearsal that reached full traffic: on to the package, beside the verdict
        # (a row of its own would take the height a laptop needs for the timeline).
        self.next_export = NextStepButton(
            session, "export", "Export package", "nextExportButton",
            "Open the Package tab's export dialog (you choose the key and confirm there)",
        )  # fmt: skip
        self._focus_next = False
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(0, 0, 0, 0)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.next_export, 0, Qt.AlignVCenter)
        cbox.addLayout(banner_row)
        cbox.addWidget(self.progress_row)
        cbox.addWidget(body, 1)
        self.empty = EmptyState(
            "Nothing to roll out yet",
            "A rehearsal routes traffic between the champion (or a safe default rule) and a "
            "trained run. Train the baselines in the <b>Models</b> tab (or run "
            "<code>shipyard train WORKSPACE PROJECT</code>), then come back here.",
        )
        self.body = self.empty.alternative_to(content)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(self.body, 1)

        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.rehearse)
        for keys, slot, name in (
            ("Ctrl+R", self.rehearse, "rehearseShortcut"),
            (Qt.Key_Escape, self.cancel, "cancelShortcut"),
            (QKeySequence.Save, self.policy_text.save, "saveShortcut"),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot, objectName=name)
        session.projectArtifactsChanged.connect(self._artifacts_changed)

    # -- loading --------------------------------------------------------------------------
    def load(self, slug: str) -> None:
        """Show `slug`: its policy, runs, traffic and flags; the rehearsal follows."""
        self.slug = slug
        self.last = None
        self.next_export.offer(None)
        self.policy_text.load(slug)
        self.flags.load(slug)
        has_runs = self._fill_pickers()
        self.body.setCurrentIndex(0 if has_runs else 1)
        self.timeline.clear_all("Rehearsing…" if has_runs else "")
        if has_runs:
            self.schedule()

    def _fill_pickers(self) -> bool:
        from shipyard.core.data.catalog import all_versions
        from shipyard.core.errors import ShipyardError
        from shipyard.core.training import list_runs

        ws = self.session.workspace
        if ws is None or self.slug is None:
            return False
        try:
            runs = [r for r in list_runs(ws, self.slug) if r.exportable]
        except ShipyardError as exc:
            self._set_banner("fail", "The runs cannot be read: " + describe_error(exc))
            return False
        policy = self.policy_text.policy
        for combo in (self.candidate_combo, self.control_combo, self.traffic_combo):
            combo.clear()
        self.candidate_combo.addItem("champion", "champion")
        self.control_combo.addItem("champion", "champion")
        self.control_combo.addItem("safe default rule", "default")
        for r in reversed(runs):
            self.candidate_combo.addItem(f"{r.run_id} ({r.family})", r.run_id)
            self.control_combo.addItem(f"{r.run_id} ({r.family})", r.run_id)
        self.traffic_combo.addItem("the candidate's dataset", "")
        try:
            for v in all_versions(ws):
                self.traffic_combo.addItem(f"{v.ref} ({v.rows:,} rows)", v.ref)
        except ShipyardError:
            pass
        if policy is not None:
            for combo, value in ((self.candidate_combo, policy.candidate),
                                 (self.control_combo, policy.control),
                                 (self.traffic_combo, policy.traffic)):  # fmt: skip
                if combo is not self.traffic_combo and value in ("", "latest"):
                    value = "champion"  # older policies' spelling of the default rule
                i = combo.findData(value)
                if i < 0 and value:
                    combo.addItem(value, value)
                    i = combo.count() - 1
                combo.setCurrentIndex(max(i, 0))
            self.controls.set_policy(policy)
        self._label_defaults()
        return bool(runs)

    def _label_defaults(self) -> None:
        """Name the runs the default entries stand for, with the rule that picks them: the
        candidate is the champion (else the best exportable run), the control the champion
        it replaces (or the one before it, else the safe default rule)."""
        from shipyard.core.errors import ShipyardError
        from shipyard.core.rollout.traffic import resolve_candidate, resolve_control

        ws, policy = self.session.workspace, self.policy_text.policy
        if ws is None or self.slug is None or self.candidate_combo.count() == 0:
            return
        cand_text, cand_tip = "champion (no exportable run yet)", ""
        ctrl_text, ctrl_tip = "champion it replaces", ""
        try:
            pick = resolve_candidate(ws, self.slug, "champion")
            assert pick.run is not None
            champion = pick.why.startswith("the champion")
            cand_text = (
                f"champion: {pick.run.run_id}"
                if champion
                else f"best run: {pick.run.run_id} (no champion yet)"
            )
            cand_tip = pick.why
            chosen = policy.candidate if policy is not None else "champion"
            if chosen not in ("", "latest", "champion"):
                pick = resolve_candidate(ws, self.slug, chosen)
            assert pick.run is not None
            ctrl = resolve_control(ws, self.slug, "champion", pick.run)
            ctrl_text = f"champion rule: {ctrl.run.run_id if ctrl.run else 'safe default'}"
            ctrl_tip = ctrl.why
        except ShipyardError:
            pass  # the rehearsal itself reports what is wrong
        self.candidate_combo.setItemText(0, cand_text)
        self.candidate_combo.setItemData(0, cand_tip, Qt.ToolTipRole)
        self.control_combo.setItemText(0, ctrl_text)
        self.control_combo.setItemData(0, ctrl_tip, Qt.ToolTipRole)

    # -- edits ----------------------------------------------------------------------------
    def _picked(self, field: str, combo: QComboBox) -> None:
        self.policy_text.apply({(field,): combo.currentData() or ""})

    def _controls_edited(self, changes: dict) -> None:
        self.policy_text.apply(changes)

    def _policy_changed(self) -> None:
        """The text holds a valid policy again: show it in the knobs and re-run."""
        policy = self.policy_text.policy
        if policy is not None:
            self.controls.set_policy(policy)
            self._label_defaults()
            self.schedule()

    def _policy_invalid(self, problem: str) -> None:
        self._timer.stop()
        self._set_banner(
            "held",
            "<b>rollout.yaml has a problem</b>; the chart shows the last valid rehearsal.<br>"
            + escape(problem),
        )

    def schedule(self) -> None:
        """Re-run shortly; knob moves within DEBOUNCE_MS collapse into one run."""
        if self.slug is not None and self.policy_text.policy is not None:
            self._timer.start()

    def rehearse_next(self) -> None:
        """Another tab's "Rehearse the rollout" button: rehearse, then offer the export
        with the keyboard focus on it."""
        self._focus_next = True
        self.schedule()

    # -- running --------------------------------------------------------------------------
    def rehearse(self) -> None:
        ws = self.session.workspace
        policy = self.policy_text.policy
        if ws is None or self.slug is None or policy is None:
            return
        if self.task is not None:
            self._pending = True  # one more run once this one is done
            return
        self._task_slug = self.slug
        self._pending = False
        seed, incidents = self.controls.seed.value(), self.controls.incidents()
        self.task = (
            Op(self, _rehearse_job, ws, self.slug, policy, seed, incidents)
            .progress(self.progress_row, "Scoring the traffic…" if self.last is None else "")
            .success(self._succeeded)
            .failure(self._failed)
            .cancelled(self._cancelled)
            .finally_(self._finished)
            .run_in_background()
        )

    def cancel(self) -> None:
        self.progress_row.cancel()  # drops a queued re-run too (cancelRequested)

    def _drop_pending(self) -> None:
        self._pending = False

    def _succeeded(self, done: Rehearsal) -> None:
        if self._task_slug != self.slug:  # another project was opened meanwhile
            self._pending = True
            return
        self.last = done
        self.export_button.setEnabled(True)
        self.show_rehearsal(done)
        went_well = done.result.outcome in ("promoted", "completed")
        self.next_export.offer(self.slug, went_well, focus=self._focus_next)
        self._focus_next = False
        self.rehearsed.emit(done)

    def _failed(self, exc: BaseException) -> None:
        if self._task_slug != self.slug:
            self._pending = True
            return
        self.timeline.clear_all("The rehearsal could not run")
        self._set_banner("fail", "The rehearsal could not run: " + describe_error(exc))

    def _cancelled(self) -> None:
        self._set_banner(
            "", "Cancelled. Move a knob or press <b>Rehearse</b> (Ctrl+R) to run again."
        )

    def _finished(self) -> None:
        self.task = None
        if self._pending:
            self.rehearse()

    # -- showing --------------------------------------------------------------------------
    def _set_banner(self, outcome: str, html: str) -> None:
        set_verdict_banner(self.banner, OUTCOME_COLOURS.get(outcome, "#8a93a6"), html)

    def show_rehearsal(self, done: Rehearsal) -> None:
        res, shadow = done.result, done.shadow
        colour = OUTCOME_COLOURS.get(res.outcome, "#8a93a6")
        extra = f" — {escape(', '.join(res.incidents))}" if res.incidents else ""
        self._set_banner(
            res.outcome,
            f"<b style='color:{colour}'>{escape(res.headline)}</b>{extra}<br>"
            f"<span>{escape(res.candidate)} vs {escape(res.control)} on "
            f"{escape(done.arms.traffic.ref)} · {res.requests:,} requests · seed {res.seed} · "
            f"latency {escape(done.arms.candidate.latency_source)}</span><br>"
            f"<span>Candidate: {escape(done.arms.candidate.why)}. "
            f"Control: {escape(done.arms.control.why)}.</span>",
        )
        self.timeline.show_result(res, done.policy)
        self.phase_model.set_phases(res.phases)
        lines = []
        for line in res.log:
            colour = next(
                (VERDICT_COLOURS[k] for k, w in (("promote", "PROMOTE"), ("hold", "HOLD"),
                 ("rollback", "ROLL BACK")) if w in line), None,
            )  # fmt: skip
            style = f" style='color:{colour}'" if colour else ""
            lines.append(f"<div{style}>{escape(line)}</div>")
        self.log.setHtml("".join(lines) or "<i>No phase ran.</i>")
        right = sum(d.right == "candidate" for d in shadow.disagreements)
        wrong = sum(d.right == "control" for d in shadow.disagreements)
        judged = (
            f" The candidate was right in {right}, the control in {wrong}."
            if shadow.candidate_accuracy is not None
            else ""
        )
        self.shadow_label.setText(
            f"<b>The models agree on {shadow.agreement:.1%}</b> of {shadow.rows:,} rows "
            f"({shadow.total_disagreements:,} disagreements).{judged}"
        )
        self.shadow_model.set_rows(shadow.disagreements)

    def choose_export(self) -> None:
        if self.last is None or self.slug is None:
            return
        name = f"{self.slug}-rehearsal-seed{self.last.result.seed}.json"
        path, _ = QFileDialog.getSaveFileName(self, "Export rehearsal", name, "JSON (*.json)")
        if path:
            self.export_to(Path(path))

    def export_to(self, json_path: Path) -> tuple[Path, Path]:
        """Write the last rehearsal as JSON and its timeline as a PNG beside it."""
        assert self.last is not None and self.slug is not None
        png_path = json_path.with_suffix(".png")
        self.last.write(self.slug, json_path, png_path)
        return json_path, png_path

    # -- saving and outside changes -------------------------------------------------------
    def _saved(self) -> None:
        self.flags.load(self.slug or "")  # flags that follow a phase take its new percent
        self._emit_changed()

    def _flags_changed(self) -> None:
        self._emit_changed()
        self.schedule()  # an engaged kill switch changes the rehearsal

    def _emit_changed(self) -> None:
        if self.slug is None:
            return
        self._own_change = True
        try:
            self.session.projectArtifactsChanged.emit(self.slug)
        finally:
            self._own_change = False

    def _artifacts_changed(self, slug: str) -> None:
        if self._own_change or slug != self.slug:
            return
        # another tab trained a run, promoted a champion or gated: refresh what depends on it
        has_runs = self._fill_pickers()
        self.body.setCurrentIndex(0 if has_runs else 1)
        self.flags.load(slug)
        if has_runs:
            self.schedule()
