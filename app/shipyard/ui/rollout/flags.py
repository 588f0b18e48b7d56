"""The flags panel of the Rollout tab: flags.yaml as a table with stale markers, and the few
changes a person makes to flags (follow a phase, kill switch, review, extend, export)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipyard.ui.rollout.table_models import FlagRow, FlagsModel
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import FlowLayout, VerticalScroll, row_table


class FlagsPanel(QWidget):
    changed = Signal()  # flags.yaml was written

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.flags: Any = None
        self.summary = QLabel(objectName="pageSubtitle")
        self.summary.setWordWrap(True)
        self.model = FlagsModel(self)
        self.table = row_table(self.model, stretch=7)

        self.create_button = QPushButton("Create flags")
        self.create_button.setToolTip(
            "A release flag that follows the canary phase, plus a kill switch"
        )
        self.create_button.clicked.connect(self.create_defaults)
        self.phase_combo = QComboBox()
        self.phase_combo.setToolTip(
            "The rollout phase whose traffic share the selected flag follows"
        )
        self.follow_button = QPushButton("Follow phase")
        self.follow_button.setToolTip(
            "Make the selected release flag take its percent from this phase"
        )
        self.follow_button.clicked.connect(self.follow_phase)
        self.kill_button = QPushButton("Engage kill switch")
        self.kill_button.setToolTip("Everyone gets the safe default; press again to release")
        self.kill_button.clicked.connect(self.toggle_kill_switch)
        self.review_button = QPushButton("Mark reviewed")
        self.review_button.setToolTip("Record that someone looked at the selected flag today")
        self.review_button.clicked.connect(lambda: self._update_selected(updated=date.today()))
        self.extend_button = QPushButton("Extend 90 days")
        self.extend_button.setToolTip("Move the selected flag's expiry 90 days past today")
        self.extend_button.clicked.connect(
            lambda: self._update_selected(
                expires=date.today() + timedelta(days=90), updated=date.today()
            )
        )
        self.export_button = QPushButton("Export flagd JSON…")
        self.export_button.setToolTip("Save the flags as OpenFeature flagd JSON")
        self.export_button.clicked.connect(self.choose_export)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        # The buttons wrap onto a second line on a laptop rather than widen the window.
        actions = FlowLayout(spacing=6)
        for w in (self.create_button, self.phase_combo, self.follow_button, self.kill_button,
                  self.review_button, self.extend_button, self.export_button):  # fmt: skip
            actions.addWidget(w)
        # On a laptop the flags and their buttons scroll rather than squeeze.
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(0, 6, 0, 0)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(self.error)
        box.addLayout(actions)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(VerticalScroll(inner))

    def _user(self) -> str:
        return self.session.user

    def load(self, slug: str) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.rollout.flags import effective_percent, load_flags, staleness
        from shipyard.core.rollout.policy import load_policy_or_none

        self.slug = slug
        ws = self.session.workspace
        self._show_error("")
        if ws is None:
            return
        try:
            self.flags = load_flags(ws, slug)
        except ShipyardError as exc:
            self.flags = None
            self.model.set_rows([])
            self._show_error(f"⚠ {escape(str(exc))}")
            self._enable()
            return
        policy = load_policy_or_none(ws, slug)
        percents = {p.name: p.percent for p in policy.phases} if policy else {}
        self.phase_combo.clear()
        self.phase_combo.addItems(list(percents) or ["canary"])
        today = date.today()
        rows = [
            FlagRow(f, effective_percent(f, percents), staleness(f, today))
            for f in self.flags.flags
        ]
        self.model.set_rows(rows)
        stale = [r for r in rows if r.staleness.stale]
        if not rows:
            self.summary.setText(
                "No flags yet. Every AI feature should sit behind a flag with an owner and an "
                "expiry date; <b>Create flags</b> adds a release flag and a kill switch."
            )
        elif stale:
            self.summary.setText(
                f"<b>{len(stale)} of {len(rows)} flags are stale</b> and lower the project's "
                "health: retire them, or mark them reviewed and extend their expiry."
            )
        else:
            self.summary.setText(f"{len(rows)} flags, none stale.")
        self._enable()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _enable(self) -> None:
        has = bool(self.flags and self.flags.flags)
        self.create_button.setVisible(not has)
        for w in (self.follow_button, self.phase_combo, self.review_button, self.extend_button):
            w.setEnabled(has)
        kill = self._kill_switch()
        self.kill_button.setEnabled(kill is not None)
        self.kill_button.setText(
            "Release kill switch"
            if kill is not None and kill.state == "enabled"
            else "Engage kill switch"
        )
        self.export_button.setEnabled(self.flags is not None)

    def _kill_switch(self) -> Any:
        if not self.flags:
            return None
        return next((f for f in self.flags.flags if f.kind == "kill_switch"), None)

    def _selected(self) -> Any:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self.model.rows):
            return self.model.rows[row].flag
        release = [f for f in self.flags.flags if f.kind == "release"] if self.flags else []
        return release[0] if release else None

    def _save(self, flags: Any, reason: str) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.rollout.flags import save_flags

        ws = self.session.workspace
        if ws is None or self.slug is None:
            return
        try:
            save_flags(ws, self.slug, flags, user=self._user(), reason=reason)
        except ShipyardError as exc:
            self._show_error(f"⚠ {escape(str(exc))}")
            return
        self.load(self.slug)
        self.changed.emit()

    def _replace(self, old: Any, new: Any) -> Any:
        flags = [new if f.key == old.key else f for f in self.flags.flags]
        return self.flags.model_copy(update={"flags": flags})

    def create_defaults(self) -> None:
        from shipyard.core.rollout.flags import default_flags

        if self.slug is not None:
            flags = default_flags(self.slug, owner=self._user())
            self._save(flags, "release flag and kill switch")

    def follow_phase(self) -> None:
        flag = self._selected()
        if flag is None or flag.kind != "release":
            self._show_error("Select a release flag to make it follow a phase.")
            return
        phase = self.phase_combo.currentText()
        new = flag.model_copy(update={"phase": phase, "updated": date.today()})
        self._save(self._replace(flag, new), f"{flag.key} follows the {phase} phase")

    def toggle_kill_switch(self) -> None:
        flag = self._kill_switch()
        if flag is None:
            return
        engage = flag.state != "enabled"
        new = flag.model_copy(
            update={"state": "enabled" if engage else "disabled", "updated": date.today()}
        )
        what = "engaged: everyone gets the safe default" if engage else "released"
        self._save(self._replace(flag, new), f"kill switch {what}")

    def _update_selected(self, **changes: Any) -> None:
        flag = self._selected()
        if flag is None:
            return
        what = "reviewed" if "expires" not in changes else "expiry extended"
        self._save(self._replace(flag, flag.model_copy(update=changes)), f"{flag.key} {what}")

    def choose_export(self) -> None:
        if self.slug is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export flags", f"{self.slug}-flags.json",
                                              "flagd JSON (*.json)")  # fmt: skip
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Path:
        import json

        from shipyard.core.rollout.flags import flagd_document
        from shipyard.core.workspace.atomic import atomic_write_text

        assert self.session.workspace is not None and self.slug is not None
        doc = flagd_document(self.session.workspace, self.slug)
        atomic_write_text(path, json.dumps(doc, indent=2) + "\n")
        return path
