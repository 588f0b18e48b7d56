"""The Gates tab of a project: pick a run, run the gate policy off the GUI thread, read each
check (verdict, value, threshold, evidence), export HTML, and edit the policy.

`load(slug)` reads only small JSON/YAML files (run records, champion, stored report);
the gate run itself is a background job with progress and Cancel.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.error_text import describe_error
from shipyard.ui.gates.check_model import CHECK_ROLE, VERDICT_COLOURS, GateCheckModel
from shipyard.ui.gates.evidence import JSON_LINK, TEXT_LINK, evidence_html
from shipyard.ui.gates.policy_editor import PolicyEditor
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.jobs.progress import JobProgress
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import (
    EmptyState,
    NextStepButton,
    PageHeader,
    primary,
    row_table,
    set_verdict_banner,
)

if TYPE_CHECKING:
    from shipyard.core.gates import CheckResult, GateReport


# Checks that fail when the model itself falls short: another run (or more training) is the
# fix, not gating the same run again.
MODEL_CHECKS = frozenset({"quality", "baseline", "champion_regression", "onnx_parity"})


def next_step(report: GateReport) -> str:
    """What to do after a failed gate run: the real blocker, not "run the gates"."""
    failed = [c for c in report.checks if c.required and c.verdict == "fail"]
    model = [c.id for c in failed if c.kind in MODEL_CHECKS]
    other = [c.id for c in failed if c.kind not in MODEL_CHECKS]
    parts = []
    if model:
        parts.append(
            f"the model falls short ({', '.join(model)}): compare the runs in Models and "
            "gate a better one, or train again"
        )
    if other:
        parts.append(f"fix {', '.join(other)} as each message says, then run the gates again")
    return "; ".join(parts)


def card_fixable(report: GateReport | None) -> bool:
    """Whether the report failed only because the project has no model card yet, which
    Shipyard can write from the run itself (the one blocker a button can fix; a card with
    gaps is the owner's to finish, in Package)."""
    if report is None or report.passed:
        return False
    failed = [c for c in report.checks if c.required and c.verdict == "fail"]
    return bool(failed) and all(c.kind == "model_card" and c.value == "missing" for c in failed)


def _gate_job(job: Any, ws: Any, slug: str, run_id: str | None, user: str) -> Any:
    from shipyard.core.gates import run_gates

    return run_gates(ws, slug, run_id, user=user, job=job)


class GatesTab(QWidget):
    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.report: GateReport | None = None
        self.task: BackgroundTask | None = None
        self._champion: str | None = None
        self.choice: Any = None  # choose_run's answer: the default run and why

        self.header = PageHeader(
            "Gates", "Policy checks measured on the run's exported ONNX model — what ships"
        )
        self.run_combo = QComboBox()
        # Wide enough for a run id, never wider than a laptop allows: long names elide.
        self.run_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.run_combo.setMinimumContentsLength(28)
        self.run_combo.setToolTip(
            "The run to gate (the champion by default, else the best exportable run by the "
            "primary metric)"
        )
        self.run_combo.currentIndexChanged.connect(lambda _i: self._show_stored())
        self.run_button = primary(QPushButton("Run gates"))
        self.run_button.setToolTip("Measure the selected run against the policy (Ctrl+G)")
        self.run_button.clicked.connect(self.run_gates)
        self.export_button = QPushButton("Export HTML…")
        self.export_button.setToolTip("Save this report as one self-contained HTML page")
        self.export_button.clicked.connect(self.choose_export)
        for w in (self.run_combo, self.run_button, self.export_button):
            self.header.actions.addWidget(w)

        self.progress_row = JobProgress(
            "gate run", cancel_tip="Stop the gate run; nothing is stored (Esc)"
        )

        self.choice_label = QLabel(objectName="pageSubtitle")
        self.choice_label.setWordWrap(True)
        self.choice_label.setTextFormat(Qt.RichText)
        self.choice_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.banner = QLabel(objectName="gateBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.RichText)
        self.banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.banner.setMinimumHeight(64)
        self.banner.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)

        self.model = GateCheckModel(self)
        self.table = row_table(self.model, stretch=6, row_height=26)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._detail(cur))

        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setObjectName("gateEvidence")
        self.detail.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.detail.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detail.anchorClicked.connect(self._evidence_link)
        self._raw_evidence = False  # "Show JSON" switches the evidence to its raw form
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(170)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "single-row latency (ms)")
        self.plot.setLabel("left", "calls")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(self.detail)
        lower.addWidget(self.plot)
        lower.setSizes([520, 420])
        report_split = QSplitter(Qt.Vertical)
        report_split.addWidget(self.table)
        report_split.addWidget(lower)
        report_split.setSizes([330, 220])
        report_page = QWidget()
        rbox = QVBoxLayout(report_page)
        rbox.setContentsMargins(0, 6, 0, 0)
        rbox.addWidget(self.choice_label)
        banner_row = QHBoxLayout()  # the verdict, and beside it the next steps once passed
        banner_row.setContentsMargins(0, 0, 0, 0)
        banner_row.addWidget(self.banner, 1)
        next_box = QVBoxLayout()
        next_box.setSpacing(4)
        banner_row.addLayout(next_box)
        rbox.addLayout(banner_row)
        # The blocker a button can fix, right under the verdict that names it.
        self.fix_button = QPushButton(
            "Generate the model card and run the gates again", objectName="fixCardButton"
        )
        self.fix_button.setToolTip(
            "Write model_card.md from the run and the one-pager (edit it later in Package), "
            "then gate the same run again"
        )
        self.fix_button.clicked.connect(self.fix_card)
        self.fix_button.hide()
        # Once the run passed: the next steps, one click each.
        self.next_rollout = NextStepButton(
            session, "rollout", "Rehearse the rollout", "nextRolloutButton",
            "Open the Rollout tab and rehearse this project's rollout on recorded traffic",
        )  # fmt: skip
        self.next_export = NextStepButton(
            session, "export", "Export package", "nextExportButton",
            "Open the Package tab's export dialog (you choose the key and confirm there)",
        )  # fmt: skip
        next_box.addStretch(1)
        next_box.addWidget(self.next_rollout)
        next_box.addWidget(self.next_export)
        next_box.addStretch(1)
        rbox.addWidget(self.fix_button, 0, Qt.AlignLeft)
        rbox.addWidget(report_split, 1)

        self.policy = PolicyEditor(session)
        self.policy.saved.connect(self._policy_saved)
        self.views = QTabWidget(documentMode=True)
        self.views.addTab(report_page, "Report")
        self.views.addTab(self.policy, "Policy")
        self.views.setTabToolTip(1, "Edit gates.yaml as a form or as text")

        self.empty = EmptyState(
            "No run to gate yet",
            "Gates measure a trained run's exported ONNX model. Train the baselines in the "
            "<b>Models</b> tab (or run <code>shipyard train WORKSPACE PROJECT</code>), "
            "then come back and press <b>Run gates</b>.",
        )
        content = QWidget()
        cbox = QVBoxLayout(content)
        cbox.setContentsMargins(0, 0, 0, 0)
        cbox.addWidget(self.progress_row)
        cbox.addWidget(self.views, 1)
        self.body = self.empty.alternative_to(content)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(self.body, 1)

        # Window-wide while this tab is shown (a hidden tab's shortcuts never fire): they
        # work right after the tab is clicked, with the focus still in the sidebar.
        QShortcut(
            QKeySequence("Ctrl+G"), self, activated=self.run_gates, objectName="runGatesShortcut"
        )
        QShortcut(
            QKeySequence(Qt.Key_Escape), self, activated=self.cancel, objectName="cancelShortcut"
        )
        session.projectArtifactsChanged.connect(self._artifacts_changed)
        self._style_plot()

    # -- loading --------------------------------------------------------------------------
    def load(self, slug: str) -> None:
        """Show `slug`: its runs (champion first selected) and the stored report."""
        self.slug = slug
        self._fill_runs()
        self.policy.load(slug)

    def _fill_runs(self, keep: str | None = None) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.training import list_runs
        from shipyard.core.training.champion import current_champion
        from shipyard.core.training.selection import choose_run

        ws = self.session.workspace
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        runs: list[Any] = []
        trained = 0
        champion = None
        self.choice = None
        problem = ""
        if ws is not None and self.slug is not None:
            try:
                every = list_runs(ws, self.slug)
                trained = len(every)
                runs = [r for r in every if r.exportable]
                champion = current_champion(ws, self.slug)
                if runs:  # the one rule: the champion, else the best exportable run
                    self.choice = choose_run(ws, self.slug)
            except ShipyardError as exc:
                problem = describe_error(exc)
        if champion != self._champion:  # a new champion is what people want to gate next
            keep = None
        self._champion = champion
        default = self.choice.run_id if self.choice else None
        selected = 0
        for r in reversed(runs):  # newest first
            label = f"{r.run_id}  ·  {r.family} ({r.model})"
            if r.run_id == champion:
                label = "★ champion  ·  " + label
            elif r.run_id == default:
                label = "best  ·  " + label
            self.run_combo.addItem(label, r.run_id)
            if r.run_id == (keep or default):
                selected = self.run_combo.count() - 1
        self.run_combo.setCurrentIndex(selected if runs else -1)
        self.run_combo.blockSignals(False)
        self._empty_text(trained)
        self.body.setCurrentIndex(0 if runs else 1)
        if problem:
            self.body.setCurrentIndex(0)
            self._set_banner("fail", problem)
        self.run_button.setEnabled(bool(runs) and self.task is None)
        self._show_stored()

    def _empty_text(self, trained: int) -> None:
        """Say what is really missing: training, or a run whose ONNX export worked."""
        if trained == 0:
            self.empty.heading.setText("No run to gate yet")
            self.empty.body.setText(
                "Gates measure a trained run's exported ONNX model. Train the baselines in the "
                "<b>Models</b> tab (or run <code>shipyard train WORKSPACE PROJECT</code>), "
                "then come back and press <b>Run gates</b>."
            )
            return
        self.empty.heading.setText("No exportable run to gate")
        self.empty.body.setText(
            f"None of the {trained} runs of this project exported to ONNX, so there is no "
            "model file to gate. Read why in the <b>Models</b> tab (or "
            "<code>shipyard runs list WORKSPACE PROJECT</code>), fix the data or the features "
            "it names, and train again."
        )

    def _show_choice(self) -> None:
        """Which run is selected and why: the default rule's run, or the user's pick."""
        run_id, choice = self.selected_run(), self.choice
        if choice is None or run_id is None:
            self.choice_label.clear()
            return
        if run_id == choice.run_id:
            self.choice_label.setText(f"Selected by default: {escape(choice.why)}")
        else:
            self.choice_label.setText(
                f"Selected by you: run {escape(run_id)} (the default is {escape(choice.why)})"
            )

    def selected_run(self) -> str | None:
        value = self.run_combo.currentData()
        return value if isinstance(value, str) else None

    def _show_stored(self) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.gates import load_report

        ws, run_id = self.session.workspace, self.selected_run()
        self._show_choice()
        report = None
        if ws is not None and self.slug is not None and run_id:
            try:
                report = load_report(ws, self.slug, run_id)
            except ShipyardError as exc:
                self.show_report(None)
                self._set_banner("fail", describe_error(exc))
                return
        self.show_report(report)

    def _artifacts_changed(self, slug: str) -> None:
        if slug == self.slug and self.task is None:
            self._fill_runs(keep=self.selected_run())

    # -- showing a report -----------------------------------------------------------------
    def _set_banner(self, verdict: str, html: str) -> None:
        set_verdict_banner(self.banner, VERDICT_COLOURS.get(verdict, "#7d8596"), html)

    def fix_card(self) -> None:
        """Write the model card the failed check asked for, then gate the run again."""
        from shipyard.core.errors import ShipyardError
        from shipyard.core.packaging.model_card import generate_and_write

        ws = self.session.workspace
        if ws is None or self.slug is None or self.task is not None:
            return
        try:
            generate_and_write(ws, self.slug, user=self.session.user, run_id=self.selected_run())
        except ShipyardError as exc:
            self._set_banner("fail", "The model card was not written: " + describe_error(exc))
            return
        self.session.projectArtifactsChanged.emit(self.slug)
        self.fix_button.hide()
        self.run_gates()

    def show_report(self, report: GateReport | None) -> None:
        self.report = report
        self.fix_button.setVisible(card_fixable(report))
        passed = report is not None and report.passed
        for button in (self.next_rollout, self.next_export):
            button.offer(self.slug, passed)
        self.model.set_checks(report.checks if report else [])
        self.export_button.setEnabled(report is not None)
        if report is None:
            self._set_banner(
                "",
                "Not gated yet. Press <b>Run gates</b> (Ctrl+G) to measure "
                "this run against the policy.",
            )
            self.detail.setHtml("")
            self._plot_latency(None)
            return
        n = report.counts()
        colour = VERDICT_COLOURS[report.verdict]
        headline = {
            "pass": "PASS — every check passed",
            "warn": "PASS WITH WARNINGS — no required check failed",
            "fail": "FAIL — a required check failed",
        }[report.verdict]
        failed = [c.title for c in report.checks if c.verdict == "fail"]
        more = f"<br>Failed: {escape(', '.join(failed))}" if failed else ""
        if not report.passed:
            more += f"<br>Next: {escape(next_step(report))}"
        self._set_banner(
            report.verdict,
            f'<span style="font-size:15px;font-weight:600;color:{colour}">{headline}</span>'
            f"&nbsp;&nbsp;{n['pass']} passed · {n['warn']} warnings · {n['fail']} failed{more}"
            f'<br><span style="color:#7d8596">run {escape(report.run_id)} · '
            f"model sha256 {report.model_sha256[:16]}… · {escape(report.created)} by "
            f"{escape(report.user)}</span>",
        )
        latency = next((c for c in report.checks if c.kind == "latency"), None)
        self._plot_latency(latency)
        if report.checks:
            first = next((i for i, c in enumerate(report.checks) if c.verdict == "fail"), 0)
            self.table.selectRow(first)
            self._detail(self.model.index(first, 0))

    def _detail(self, index: Any) -> None:
        from shipyard.core.gates.report_export import format_value

        check: CheckResult | None = self.model.data(index, CHECK_ROLE) if index.isValid() else None
        if check is None:
            self.detail.setHtml("")
            return
        colour = VERDICT_COLOURS[check.verdict]
        self.detail.setHtml(
            f'<p><b style="color:{colour}">{check.verdict.upper()}</b> &nbsp;'
            f"<b>{escape(check.title)}</b> <code>{escape(check.id)}</code> "
            f"({'required' if check.required else 'advisory'})</p>"
            f"<p>{escape(check.message)}</p>"
            f"<p>Value <b>{escape(format_value(check.value, check.unit))}</b> · threshold "
            f"<b>{escape(format_value(check.threshold, check.unit))}</b> "
            f"{escape(check.unit)}</p>"
            f"{evidence_html(check, self._number_colour(), raw=self._raw_evidence)}"
        )

    def _number_colour(self) -> str:
        return self.detail.palette().color(QPalette.ColorRole.Link).name()

    def _evidence_link(self, url: Any) -> None:
        """ "Show JSON" / "Show as text" under the evidence switch its form (kept per tab)."""
        target = url.toString()
        if target in (JSON_LINK, TEXT_LINK):
            self._raw_evidence = target == JSON_LINK
            self._detail(self.table.currentIndex())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.PaletteChange:  # a theme change: the plot follows it
            self._style_plot()
        super().changeEvent(event)

    def _style_plot(self) -> None:
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.Base))
        fg = palette.color(QPalette.Text)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTextPen(fg)
            self.plot.getAxis(side).setPen(fg)

    def _plot_latency(self, check: CheckResult | None) -> None:
        import numpy as np

        self.plot.clear()
        samples = np.asarray((check.evidence.get("samples_ms") if check else None) or [], float)
        if len(samples) < 2:
            note = pg.TextItem(
                "The latency histogram appears after a run with a latency check",
                color=self.palette().color(QPalette.PlaceholderText),
                anchor=(0.5, 0.5),
            )
            note.setPos(0.5, 0.5)
            self.plot.addItem(note)
            self.plot.setXRange(0, 1)
            self.plot.setYRange(0, 1)
            return
        self.plot.enableAutoRange()
        top = float(np.percentile(samples, 99.5))
        counts, edges = np.histogram(np.clip(samples, None, top), bins=30)
        self.plot.addItem(
            pg.BarGraphItem(
                x0=edges[:-1],
                width=np.diff(edges) * 0.95,
                height=counts,
                brush=pg.mkBrush("#2f6fde"),
                pen=pg.mkPen(None),
            )
        )
        ev = check.evidence if check else {}
        from shipyard.ui.gates.evidence import percentile_lines

        for line in percentile_lines(ev, self.palette().color(QPalette.Base)):
            self.plot.addItem(line)

    # -- running --------------------------------------------------------------------------
    def run_gates(self) -> None:
        ws = self.session.workspace
        if ws is None or self.slug is None or self.task is not None:
            return
        run_id = self.selected_run()
        if run_id is None:
            return
        self.run_button.setEnabled(False)
        self.run_combo.setEnabled(False)
        self.views.setCurrentIndex(0)
        self.task = (
            Op(self, _gate_job, ws, self.slug, run_id, self.session.user)
            .progress(self.progress_row, "Starting…")
            .success(self._succeeded)
            .failure(self._failed)
            .cancelled(self._cancelled)
            .finally_(self._finished)
            .run_in_background()
        )

    def cancel(self) -> None:
        self.progress_row.cancel()

    def _succeeded(self, report: GateReport) -> None:
        self.show_report(report)
        # The keyboard goes on from the verdict: the fix, else the next step.
        if self.fix_button.isVisible():
            self.fix_button.setFocus()
        elif report.passed:
            self.next_rollout.offer(self.slug, focus=True)
        if self.slug is not None:
            self.session.projectArtifactsChanged.emit(report.project)

    def _failed(self, exc: BaseException) -> None:
        self._set_banner("fail", "The gates could not run: " + describe_error(exc))

    def _cancelled(self) -> None:
        self._set_banner("", "Cancelled: nothing was stored. The last report (if any) stands.")

    def _finished(self) -> None:
        self.task = None
        self.run_button.setEnabled(self.run_combo.count() > 0)
        self.run_combo.setEnabled(True)

    # -- export and policy ----------------------------------------------------------------
    def choose_export(self) -> None:
        if self.report is None:
            return
        name = f"gates-{self.report.project}-{self.report.run_id}.html"
        path, _ = QFileDialog.getSaveFileName(self, "Export gate report", name, "HTML (*.html)")
        if path:
            self.export_html(Path(path))

    def export_html(self, path: Path) -> Path:
        from shipyard.core.gates.report_export import html_report
        from shipyard.core.workspace.atomic import atomic_write_text

        assert self.report is not None
        title = self.slug or self.report.project
        ws = self.session.workspace
        if ws is not None and self.slug is not None:
            title = ws.project(self.slug).title
        atomic_write_text(path, html_report(self.report, title))
        return path

    def _policy_saved(self) -> None:
        if self.slug is not None:
            self.session.projectArtifactsChanged.emit(self.slug)
