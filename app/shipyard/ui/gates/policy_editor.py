"""Editing a project's gates.yaml: a form (checks and their settings) and the YAML text,
kept in step, with validation problems shown inline (line and field) and Save (Ctrl+S)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.workspace.layout import GATES_FILE
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.widgets import primary
from shipyard.ui.yaml_problems import save_yaml_text, show_yaml_problems

COMMON = ("id", "title", "required", "enabled")
HEADER = (
    "Gate policy for this project. Checks here override the workspace defaults with the\n"
    "same id; 'enabled: false' drops a default; 'required: false' makes a check advisory."
)


def _scalar(text: str) -> Any:
    """A form field's value as YAML reads it (a number, true/false), else the text."""
    import yaml

    from shipyard.core.errors import ValidationFailed
    from shipyard.core.workspace.yaml_file import check_yaml_text

    try:
        check_yaml_text(text, "the field")
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValidationFailed):
        return text


class PolicyEditor(QWidget):
    """`load(ws, slug)` reads gates.yaml; `saved` fires after a successful Save."""

    saved = Signal()

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.data: dict[str, Any] = {"schema": 1, "checks": []}
        self.valid = True
        self._syncing = False

        # -- form --
        self.check_list = QListWidget()
        self.check_list.setMinimumWidth(220)
        self.check_list.currentRowChanged.connect(self._show_check)
        self.kind_combo = QComboBox()
        self.kind_combo.setToolTip("The kind of check to add")
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add a check of this kind (same kind as a default overrides it)")
        self.add_button.clicked.connect(self.add_check)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected check from this project's policy")
        self.remove_button.clicked.connect(self.remove_check)
        self.inherit_box = QCheckBox("Start from the workspace defaults")
        self.inherit_box.setToolTip("Off: only the checks listed here apply")
        self.inherit_box.toggled.connect(self._inherit_toggled)
        self.inherited = QLabel(objectName="pageSubtitle")
        self.inherited.setWordWrap(True)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(self.inherit_box)
        lbox.addWidget(self.check_list, 1)
        add_row = QHBoxLayout()
        add_row.addWidget(self.kind_combo, 1)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        lbox.addLayout(add_row)
        lbox.addWidget(self.inherited)
        self.fields_host = QWidget()
        self.fields = QFormLayout(self.fields_host)
        self.fields.setLabelAlignment(Qt.AlignRight)
        self.field_editors: dict[str, QWidget] = {}
        form = QSplitter(Qt.Horizontal)
        form.addWidget(left)
        form.addWidget(self.fields_host)
        form.setStretchFactor(1, 1)

        # -- text --
        self.text = QPlainTextEdit()
        self.text.setLineWrapMode(QPlainTextEdit.NoWrap)
        font = self.text.font()
        font.setFamily("monospace")
        self.text.setFont(font)
        self.text.textChanged.connect(lambda: None if self._syncing else self._debounce.start())
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self._text_changed)

        self.views = QTabWidget(documentMode=True)
        self.views.addTab(form, "Form")
        self.views.addTab(self.text, "Text")
        self.problems = QLabel(objectName="fieldError")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.RichText)
        self.save_button = primary(QPushButton("Save policy"))
        self.save_button.setToolTip("Validate and write projects/<slug>/gates.yaml (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel(objectName="pageSubtitle")
        bottom = QHBoxLayout()
        bottom.addWidget(self.problems, 1)
        bottom.addWidget(self.status)
        bottom.addWidget(self.save_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 6, 0, 0)
        box.addWidget(self.views, 1)
        box.addLayout(bottom)
        QShortcut(QKeySequence.Save, self, activated=self.save, objectName="saveShortcut")

    # -- loading --------------------------------------------------------------------------
    def load(self, slug: str) -> None:
        from shipyard.core.gates import CHECK_KINDS, policy_path

        ws = self.session.workspace
        self.slug = slug
        if self.kind_combo.count() == 0:
            self.kind_combo.addItems(list(CHECK_KINDS))
        path = policy_path(ws, slug) if ws else None
        text = path.read_text("utf-8") if path and path.is_file() else ""
        if not text:
            text = "# " + HEADER.replace("\n", "\n# ") + "\nschema: 1\ninherit: true\nchecks: []\n"
        self._set_text(text)
        self._text_changed()
        self.status.setText("")

    def _set_text(self, text: str) -> None:
        self._syncing = True
        self.text.setPlainText(text)
        self._syncing = False

    # -- text -> form ---------------------------------------------------------------------
    def _text_changed(self) -> None:
        from shipyard.core.errors import ValidationFailed
        from shipyard.core.gates import parse_policy

        if self._syncing:
            return
        try:
            policy = parse_policy(self.text.toPlainText(), GATES_FILE)
        except ValidationFailed as exc:
            self._show_problems(exc)
            return
        self._show_problems(None)
        self.data = policy.to_data()
        self.data["inherit"] = policy.inherit
        self._fill_form()

    def _show_problems(self, exc: Any) -> None:
        self.valid = exc is None
        self.save_button.setEnabled(self.valid)
        show_yaml_problems(self.text, self.problems, exc, GATES_FILE)

    # -- form -----------------------------------------------------------------------------
    def _fill_form(self, select: int | None = None) -> None:
        from shipyard.core.gates import workspace_policy

        row = self.check_list.currentRow() if select is None else select
        self.check_list.blockSignals(True)
        self.check_list.clear()
        for entry in self.data.get("checks", []):
            label = entry.get("id") or entry["kind"]
            if entry["kind"] == "quality" and not entry.get("id"):
                label = f"quality-{entry.get('metric', '?')}"
            extra = "" if entry.get("required", True) else "  (advisory)"
            if entry.get("enabled") is False:
                extra = "  (dropped)"
            QListWidgetItem(f"{label}{extra}", self.check_list)
        self.check_list.blockSignals(False)
        self.inherit_box.blockSignals(True)
        self.inherit_box.setChecked(bool(self.data.get("inherit", True)))
        self.inherit_box.blockSignals(False)
        inherited = ""
        if self.data.get("inherit", True) and self.session.workspace is not None:
            try:
                keys = [c.key for c in workspace_policy(self.session.workspace).checks]
                inherited = "Inherited from the workspace: " + ", ".join(keys)
            except Exception as exc:  # a broken [gates] section is shown, not raised
                inherited = f"Workspace defaults cannot be read: {exc}"
        self.inherited.setText(inherited)
        count = self.check_list.count()
        self.check_list.setCurrentRow(min(max(row, 0), count - 1) if count else -1)
        self._show_check(self.check_list.currentRow())

    def _show_check(self, row: int) -> None:
        from shipyard.core.gates import CHECK_TYPES

        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.field_editors = {}
        checks = self.data.get("checks", [])
        self.remove_button.setEnabled(0 <= row < len(checks))
        if not 0 <= row < len(checks):
            self.fields.addRow(QLabel("Add a check on the left to change its settings."))
            return
        entry = checks[row]
        model = CHECK_TYPES[entry["kind"]]
        title = QLabel(f"<b>{escape(entry['kind'])}</b>")
        self.fields.addRow("Check", title)
        names = [n for n in model.model_fields if n != "kind"]
        names = [n for n in names if n not in COMMON] + [n for n in COMMON if n in names]
        for name in names:
            info = model.model_fields[name]
            default = info.get_default(call_default_factory=True)
            if info.annotation is bool:
                editor: QWidget = QCheckBox()
                editor.setChecked(bool(entry.get(name, default)))
                editor.toggled.connect(lambda v, n=name: self._field_changed(n, v))
            else:
                editor = QLineEdit()
                editor.setText("" if entry.get(name) is None else str(entry[name]))
                editor.setPlaceholderText(
                    "optional" if default in (None, "") else f"default: {default}"
                )
                editor.editingFinished.connect(
                    lambda n=name, e=editor: self._field_changed(n, _scalar(e.text()))
                )
            editor.setToolTip(info.description or name)
            self.field_editors[name] = editor
            self.fields.addRow(name.replace("_", " "), editor)

    def _field_changed(self, name: str, value: Any) -> None:
        row = self.check_list.currentRow()
        checks = self.data.get("checks", [])
        if not 0 <= row < len(checks):
            return
        if value is None or value == "":
            checks[row].pop(name, None)
        else:
            checks[row][name] = value
        self._form_changed(row)

    def _inherit_toggled(self, on: bool) -> None:
        self.data["inherit"] = on
        self._form_changed()

    def add_check(self) -> None:
        kind = self.kind_combo.currentText()
        entry: dict[str, Any] = {"kind": kind}
        if kind == "quality":
            entry.update(metric="f1", threshold=0.7)
        elif kind == "slices":
            entry.update(column="region")
        entry.update(self._workspace_default(kind))  # start from the value that applies now
        self.data.setdefault("checks", []).append(entry)
        self._form_changed(len(self.data["checks"]) - 1)

    def _workspace_default(self, kind: str) -> dict[str, Any]:
        from shipyard.core.gates import workspace_policy

        if self.session.workspace is None:
            return {}
        try:
            defaults = workspace_policy(self.session.workspace).to_data()["checks"]
        except Exception:  # a broken [gates] section: start from the built-in values
            return {}
        return next((dict(c) for c in defaults if c["kind"] == kind and not c.get("id")), {})

    def remove_check(self) -> None:
        row = self.check_list.currentRow()
        checks = self.data.get("checks", [])
        if 0 <= row < len(checks):
            del checks[row]
            self._form_changed(max(row - 1, 0))

    def _form_changed(self, select: int | None = None) -> None:
        from shipyard.core.workspace.yaml_file import dump_yaml

        data = {"schema": self.data.get("schema", 1)}
        if not self.data.get("inherit", True):
            data["inherit"] = False
        data["checks"] = self.data.get("checks", [])
        self._set_text(dump_yaml(data, header=HEADER))
        self._text_changed_keep(select)
        self.status.setText("● unsaved")

    def _text_changed_keep(self, select: int | None) -> None:
        from shipyard.core.errors import ValidationFailed
        from shipyard.core.gates import parse_policy

        try:
            parse_policy(self.text.toPlainText(), GATES_FILE)
        except ValidationFailed as exc:
            self._show_problems(exc)
        else:
            self._show_problems(None)
        self._fill_form(select)

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> bool:
        from shipyard.core.gates import save_policy

        ws, slug = self.session.workspace, self.slug
        if ws is None or slug is None:
            return False
        self._debounce.stop()
        self._text_changed()
        text, user = self.text.toPlainText(), self.session.user
        if not save_yaml_text(
            lambda: save_policy(ws, slug, text, user=user),
            self._show_problems, self.problems, self.status,
        ):  # fmt: skip
            return False
        self.saved.emit()
        return True
