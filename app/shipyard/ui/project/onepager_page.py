"""The one-pager editor: a validated form, a Markdown narrative, live scores and health."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.portfolio.onepager_file import OnePagerDoc, problems_from
from shipyard.core.portfolio.onepager_model import (
    FIELD_HINTS,
    Direction,
    OnePager,
    RiskLevel,
    Sensitivity,
    Stage,
    TShirt,
    missing_key_fields,
)
from shipyard.ui.portfolio.table_model import health_colour
from shipyard.ui.project.form_bindings import BoundForm
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import PageHeader, primary

BODY = "__body__"
LIST_FIELDS = ("team", "dependencies")
NUMBER_FIELDS = (
    "primary_metric.target", "effort.fte_weeks", "scores.reach", "scores.impact",
    "scores.confidence", "scores.effort", "scores.time_criticality", "scores.risk_reduction",
)  # fmt: skip
DATE_FIELDS = ("dates.start", "dates.review", "dates.sunset")


def _fmt_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_values(onepager: OnePager, body: str) -> dict[str, Any]:
    """The model as the form shows it: dotted paths to display values."""
    flat: dict[str, Any] = {BODY: body.lstrip("\n")}

    def walk(prefix: str, obj: Any) -> None:
        for key, value in obj.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(path + ".", value)
            elif path in LIST_FIELDS:
                flat[path] = ", ".join(value or [])
            elif path in NUMBER_FIELDS:
                flat[path] = _fmt_number(value)
            elif path in DATE_FIELDS:
                flat[path] = value.isoformat() if value else ""
            else:
                flat[path] = getattr(value, "value", value)

    walk("", onepager.model_dump(mode="python"))
    return flat


def model_from_form(values: dict[str, Any], original: OnePager) -> OnePager:
    """Apply form values on top of the original (keeping unknown fields); may raise."""
    data = original.model_dump(mode="python", by_alias=True)
    for path, value in values.items():
        if path == BODY:
            continue
        if path in LIST_FIELDS:
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif path in NUMBER_FIELDS or path in DATE_FIELDS:
            value = value.strip() or None
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return OnePager.model_validate(data)


class ScoreCard(QFrame):
    """Live priority scores, rank and health of the project being edited."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="card")
        grid = QGridLayout(self)
        grid.setContentsMargins(14, 12, 14, 12)
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(
            (
                ("composite", "Priority"),
                ("rank", "Rank"),
                ("rice", "RICE"),
                ("ice", "ICE"),
                ("wsjf", "WSJF"),
                ("health", "Health"),
            )
        ):
            caption = QLabel(label, objectName="pageSubtitle")
            value = QLabel("—")
            value.setStyleSheet("font-size: 18px; font-weight: 600;")
            grid.addWidget(caption, (i // 3) * 2, i % 3)
            grid.addWidget(value, (i // 3) * 2 + 1, i % 3)
            self.values[key] = value
        self.detail = QLabel(objectName="pageSubtitle")
        self.detail.setWordWrap(True)
        grid.addWidget(self.detail, 4, 0, 1, 3)

    def show_row(self, row: Any, total: int) -> None:
        if row is None or row.scores is None:
            return
        s = row.scores
        self.values["composite"].setText(f"{s.composite:.2f}")
        self.values["rank"].setText(f"{row.rank} of {total}")
        self.values["rice"].setText(f"{s.rice:,.0f}")
        self.values["ice"].setText(f"{s.ice:.1f}")
        self.values["wsjf"].setText(f"{s.wsjf:.2f}")
        health = self.values["health"]
        health.setText(f"{row.health.score:.0f}")
        health.setStyleSheet(
            f"font-size: 18px; font-weight: 600; color: {health_colour(row.health.score).name()};"
        )
        self.detail.setText(row.health.explain())


class OnePagerPage(QWidget):
    """Edit one project's one-pager. Save is explicit (Ctrl+S); edits are undoable."""

    dirtyChanged = Signal(bool)
    deleteRequested = Signal(str)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.doc: OnePagerDoc | None = None
        self.form = BoundForm(self._changed)
        self.undo_stack = self.form.undo_stack
        self.undo_stack.cleanChanged.connect(lambda clean: self._dirty_changed(not clean))
        self.candidate: OnePager | None = None

        self.header = PageHeader()
        self.save_button = primary(QPushButton("Save", toolTip="Save (Ctrl+S)"))
        self.revert_button = QPushButton("Revert", toolTip="Throw away unsaved edits")
        self.delete_button = QPushButton("Delete…", toolTip="Move the project to the trash")
        for b in (self.delete_button, self.revert_button, self.save_button):
            self.header.actions.addWidget(b)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.delete_button.clicked.connect(lambda: self.deleteRequested.emit(self.slug or ""))
        QShortcut(QKeySequence.Save, self, activated=self.save, objectName="saveShortcut")

        self.banner = QLabel(objectName="emptyBody")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.RichText)
        self.status = QLabel(objectName="fieldError")
        self.status.setWordWrap(True)

        self.cards = ScoreCard()
        self.narrative = self.form.text(BODY, "Problem, approach, success criteria, risks…", 0)
        self.narrative.setTabChangesFocus(False)
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(8, 0, 0, 0)
        rbox.addWidget(QLabel("Priority & health", objectName="sectionTitle"))
        rbox.addWidget(self.cards)
        rbox.addWidget(QLabel("Narrative (Markdown)", objectName="sectionTitle"))
        rbox.addWidget(self.narrative, 1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(self._build_form())
        split = QSplitter(Qt.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        box = QVBoxLayout(self)
        box.setContentsMargins(18, 14, 18, 14)
        box.addWidget(self.header)
        box.addWidget(self.banner)
        box.addWidget(self.status)
        box.addWidget(split, 1)
        session.rowsChanged.connect(self._show_scores)

    # -- form layout ----------------------------------------------------------------------
    def _build_form(self) -> QWidget:
        f = self.form

        def opts(enum: type) -> list[tuple[str, str]]:
            return [(getattr(e, "label", e.value.capitalize()), e.value) for e in enum]

        sections: list[tuple[str, list[tuple[str, QWidget]]]] = [
            ("Summary", [
                ("Title", f.line("title", "Search summaries for support tickets")),
                ("Outcome", f.line("outcome", "30% faster ticket resolution")),
                ("Hypothesis", f.text("hypothesis", "If agents see a summary, handle time drops")),
                ("Stage", f.choice("stage", opts(Stage))),
            ]),
            ("Primary metric", [
                ("Metric", f.line("primary_metric.name", "avg_handle_time")),
                ("Target", f.line("primary_metric.target", "0.8", FIELD_HINTS[
                    "primary_metric.target"])),
                ("Direction", f.choice("primary_metric.direction", opts(Direction))),
            ]),
            ("People", [
                ("Owner", f.line("owner.name", "Product lead")),
                ("Contact", f.line("owner.contact", "name@example.com, #channel")),
                ("Team", f.line("team", "Comma-separated names")),
            ]),
            ("Data & dependencies", [
                ("Dataset", f.line("dataset.name", "support_tickets")),
                ("Lineage", f.line("dataset.lineage", "Where it comes from, link or text")),
                ("Dependencies", f.line("dependencies", "Comma-separated")),
            ]),
            ("Risk & compliance", [
                ("Risk level", f.choice("risk.level", opts(RiskLevel))),
                ("Data sensitivity", f.choice("risk.data_sensitivity", opts(Sensitivity))),
                ("PII", f.check("risk.pii", "The data holds personal information")),
                ("Compliance notes", f.text("risk.compliance_notes", "Privacy controls, approvals")),
            ]),
            ("Effort & scores", [
                ("T-shirt size", f.choice("effort.tshirt", opts(TShirt))),
                ("FTE weeks", f.line("effort.fte_weeks", "4")),
                ("Reach", f.line("scores.reach", "per quarter", FIELD_HINTS["scores.reach"])),
                ("Impact", f.line("scores.impact", "0–5")),
                ("Confidence", f.line("scores.confidence", "0–5")),
                ("Effort", f.line("scores.effort", "0–5, higher costs more")),
                ("Time criticality", f.line("scores.time_criticality", "0–5 (WSJF)")),
                ("Risk reduction", f.line("scores.risk_reduction", "0–5 (WSJF)")),
            ]),
            ("Dates", [
                ("Start", f.line("dates.start", "YYYY-MM-DD")),
                ("Review", f.line("dates.review", "YYYY-MM-DD")),
                ("Sunset", f.line("dates.sunset", "YYYY-MM-DD")),
            ]),
        ]  # fmt: skip
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 8, 0)
        # One form layout for every section, so labels line up down the page.
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        for title, rows in sections:
            form.addRow(QLabel(title, objectName="sectionTitle"))
            for label, widget in rows:
                cell = QWidget()
                cbox = QVBoxLayout(cell)
                cbox.setContentsMargins(0, 0, 0, 0)
                cbox.setSpacing(1)
                cbox.addWidget(widget)
                cbox.addWidget(f.binding(widget.objectName().removeprefix("field:")).error)
                form.addRow(label, cell)
        box.addLayout(form)
        box.addStretch(1)
        return holder

    # -- loading, validating, saving -------------------------------------------------------
    def load(self, slug: str) -> None:
        entry = self.session.entry(slug)
        self.slug = slug
        self.doc = entry.doc
        if entry.doc is None:
            self.header.set_text(slug, "This one-pager cannot be read")
            self.status.setText(str(entry.error))
            self.setEnabled(True)
            self._set_editable(False)
            return
        self._set_editable(True)
        self.status.setText("")
        self.candidate = entry.doc.onepager
        self.form.load(form_values(entry.doc.onepager, entry.doc.body))
        self._update_header()
        self._update_banner()
        self._show_scores()

    def _set_editable(self, editable: bool) -> None:
        for b in self.form.bindings:
            b.widget.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.revert_button.setEnabled(editable)

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def _dirty_changed(self, dirty: bool) -> None:
        self._update_header()
        self.dirtyChanged.emit(dirty)

    def _update_header(self) -> None:
        if self.doc is None:
            return
        title = self.form.binding("title").get() or self.doc.onepager.title
        marker = "  ●" if self.dirty else ""
        rel = f"projects/{self.slug}/onepager.md"
        state = "unsaved changes — Ctrl+S saves, Ctrl+Z undoes" if self.dirty else "saved"
        self.header.set_text(f"{title}{marker}", f"{rel} · {state}")

    def _update_banner(self) -> None:
        if self.candidate is None:
            return
        missing = missing_key_fields(self.candidate)
        lines = []
        if missing:
            lines.append(
                "<b>Fill these first</b> — reviewers rank projects on them: " + ", ".join(missing)
            )
        for w in self.doc.warnings if self.doc else []:
            lines.append(
                f"<b>Unknown field</b> '{w.field}' (line {w.line}) is kept as written — {w.fix}"
            )
        self.banner.setText("<br>".join(lines))
        self.banner.setVisible(bool(lines))

    def validate(self) -> OnePager | None:
        """Check the form; show each problem under its field. Returns the model when valid."""
        assert self.doc is not None
        for b in self.form.bindings:
            b.show_error("")
        try:
            model = model_from_form(self.form.values(), self.doc.onepager)
        except ValidationError as exc:
            paths = {b.path for b in self.form.bindings}
            unplaced = []
            for p in problems_from(exc):
                target = (
                    p.field if p.field in paths else "dates.review" if p.field == "dates" else None
                )
                if target:
                    binding = self.form.binding(target)
                    text = p.message + (f" — {p.fix}" if p.fix else "")
                    binding.show_error(
                        (binding.error.text() + "\n" if binding.error.text() else "") + text
                    )
                else:
                    unplaced.append(p.describe())
            count = len(exc.errors())
            self.status.setText(
                f"{count} field{'s' if count > 1 else ''} need fixing before you can save"
                + (": " + "; ".join(unplaced) if unplaced else "")
            )
            return None
        self.status.setText("")
        return model

    def _changed(self) -> None:
        model = self.validate()
        self._update_header()
        if model is not None and self.slug:
            self.candidate = model
            self._update_banner()
            self.session.preview(self.slug, model)  # the portfolio re-ranks live

    def _show_scores(self) -> None:
        if self.slug:
            self.cards.show_row(self.session.row(self.slug), len(self.session.rows))

    def save(self) -> bool:
        if self.doc is None or self.slug is None:
            return False
        model = self.validate()
        if model is None:
            return False
        previous = self.doc.onepager
        self.doc.onepager = model
        self.doc.body = "\n" + self.form.values()[BODY].rstrip("\n") + "\n"
        self.session.save(self.slug, self.doc, previous)
        self.doc = self.session.entry(self.slug).doc
        self.undo_stack.setClean()
        self._update_header()
        return True

    def revert(self) -> None:
        if self.slug:
            self.session.preview(self.slug, None)
            self.load(self.slug)
