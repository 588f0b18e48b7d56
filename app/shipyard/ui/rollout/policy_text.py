"""rollout.yaml as text: validated as you type (problems under the editor with line, field
and fix, the line highlighted), knob edits written in with comments kept, Save on Ctrl+S."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.workspace.layout import ROLLOUT_FILE
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import primary
from shipyard.ui.yaml_problems import save_yaml_text, show_yaml_problems

if TYPE_CHECKING:
    from shipyard.core.rollout.policy import RolloutPolicy


class PolicyText(QWidget):
    policyChanged = Signal()  # `policy` holds a new valid policy
    policyInvalid = Signal(str)  # the first problem, as text
    saved = Signal()

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.policy: RolloutPolicy | None = None
        self._syncing = False
        self.text = QPlainTextEdit()
        self.text.setLineWrapMode(QPlainTextEdit.NoWrap)
        font = self.text.font()
        font.setFamily("monospace")
        self.text.setFont(font)
        self.text.textChanged.connect(self._typed)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.validate)
        self.problems = QLabel(objectName="fieldError")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.RichText)
        self.status = QLabel(objectName="pageSubtitle")
        self.reset_button = QPushButton("Reset to default")
        self.reset_button.setToolTip("Replace the text with the default policy (not saved yet)")
        self.reset_button.clicked.connect(self.reset)
        self.save_button = primary(QPushButton("Save policy"))
        self.save_button.setToolTip("Validate and write projects/<slug>/rollout.yaml (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.problems, 1)
        bottom.addWidget(self.status)
        bottom.addWidget(self.reset_button)
        bottom.addWidget(self.save_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 6, 0, 0)
        box.addWidget(self.text, 1)
        box.addLayout(bottom)

    def load(self, slug: str) -> None:
        from shipyard.core.rollout.policy import default_rollout_yaml, policy_path

        self.slug = slug
        ws = self.session.workspace
        path = policy_path(ws, slug) if ws else None
        exists = path is not None and path.is_file()
        self._set_text(path.read_text("utf-8") if exists else default_rollout_yaml(slug))
        self.validate(notify=False)
        self.status.setText("" if exists else "default policy, not saved yet")

    def _set_text(self, text: str) -> None:
        self._syncing = True
        self.text.setPlainText(text)
        self._syncing = False

    def _typed(self) -> None:
        if not self._syncing:
            self.status.setText("● unsaved")
            self._debounce.start()

    def validate(self, notify: bool = True) -> bool:
        from shipyard.core.errors import ValidationFailed
        from shipyard.core.rollout.policy import parse_policy
        from shipyard.core.workspace.layout import ROLLOUT_FILE

        self._debounce.stop()
        try:
            policy = parse_policy(self.text.toPlainText(), ROLLOUT_FILE)
        except ValidationFailed as exc:
            self.policy = None
            self._show_problems(exc)
            if notify:
                first = exc.problems[0] if exc.problems else None
                self.policyInvalid.emit(first.describe() if first else str(exc))
            return False
        self._show_problems(None)
        changed = policy != self.policy
        self.policy = policy
        if notify and changed:
            self.policyChanged.emit()
        return True

    def apply(self, changes: dict[tuple[Any, ...], Any]) -> None:
        """Write knob values into the text (comments kept) and re-validate at once."""
        from shipyard.core.errors import ValidationFailed
        from shipyard.core.rollout.policy import set_policy_values

        try:
            text = set_policy_values(self.text.toPlainText(), changes)
        except ValidationFailed as exc:
            self._show_problems(exc)
            return
        self._set_text(text)
        self.status.setText("● unsaved")
        self.validate()

    def reset(self) -> None:
        from shipyard.core.rollout.policy import default_rollout_yaml

        if self.slug is not None:
            self._set_text(default_rollout_yaml(self.slug))
            self.status.setText("● unsaved")
            self.validate()

    def _show_problems(self, exc: Any) -> None:
        self.save_button.setEnabled(exc is None)
        show_yaml_problems(self.text, self.problems, exc, ROLLOUT_FILE)

    def save(self) -> bool:
        from shipyard.core.rollout.policy import save_policy_text

        ws, slug = self.session.workspace, self.slug
        if ws is None or slug is None or not self.validate():
            return False
        text, user = self.text.toPlainText(), self.session.user
        if not save_yaml_text(
            lambda: save_policy_text(ws, slug, text, user=user),
            self._show_problems, self.problems, self.status,
        ):  # fmt: skip
            return False
        self.saved.emit()
        return True
