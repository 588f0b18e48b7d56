"""Two-way bindings between form widgets and dotted fields, with one undo stack for the form.

Each edit becomes an undo command; consecutive edits of one field merge into one, so Ctrl+Z
steps back a field at a time rather than a keystroke at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget


@dataclass
class Binding:
    path: str
    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    error: QLabel = field(default_factory=lambda: QLabel(objectName="fieldError"))
    last: Any = None

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        invalid = "true" if message else "false"
        if self.widget.property("invalid") != invalid:
            self.widget.setProperty("invalid", invalid)
            self.widget.style().unpolish(self.widget)
            self.widget.style().polish(self.widget)


class FieldEdit(QUndoCommand):
    def __init__(self, form: BoundForm, binding: Binding, old: Any, new: Any) -> None:
        super().__init__(f"edit {binding.path}")
        self.form, self.binding, self.old, self.new = form, binding, old, new
        self._first = True

    def id(self) -> int:
        return 1000 + self.form.bindings.index(self.binding)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, FieldEdit) or other.binding is not self.binding:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        if self._first:  # the widget already shows the new value
            self._first = False
            return
        self.form.apply(self.binding, self.new)

    def undo(self) -> None:
        self.form.apply(self.binding, self.old)


class BoundForm:
    """Holds the bindings of one form and turns widget edits into undoable commands."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.bindings: list[Binding] = []
        self.undo_stack = QUndoStack()
        self._applying = False
        self._on_change = on_change

    # -- creating bound widgets -----------------------------------------------------------
    def line(self, path: str, placeholder: str = "", tip: str = "") -> QLineEdit:
        w = QLineEdit(placeholderText=placeholder, toolTip=tip)
        self._bind(path, w, w.text, lambda v: w.setText("" if v is None else str(v)), w.textChanged)
        return w

    def text(self, path: str, placeholder: str = "", height: int = 64) -> QPlainTextEdit:
        w = QPlainTextEdit(placeholderText=placeholder)
        w.setUndoRedoEnabled(False)  # the form's stack owns undo
        if height:
            w.setFixedHeight(height)
        w.setTabChangesFocus(True)
        self._bind(path, w, w.toPlainText, lambda v: w.setPlainText(v or ""), w.textChanged)
        return w

    def choice(self, path: str, options: list[tuple[str, str]]) -> QComboBox:
        w = QComboBox()
        for label, value in options:
            w.addItem(label, value)

        def set_value(v: Any) -> None:
            i = w.findData(v)
            w.setCurrentIndex(max(i, 0))

        self._bind(path, w, w.currentData, set_value, w.currentIndexChanged)
        return w

    def check(self, path: str, label: str) -> QCheckBox:
        w = QCheckBox(label)
        self._bind(path, w, w.isChecked, lambda v: w.setChecked(bool(v)), w.toggled)
        return w

    def _bind(self, path: str, widget: QWidget, get, set_, signal) -> None:  # type: ignore[no-untyped-def]
        binding = Binding(path, widget, get, set_)
        binding.error.setVisible(False)
        binding.error.setWordWrap(True)
        widget.setObjectName(f"field:{path}")
        self.bindings.append(binding)
        signal.connect(lambda *_: self._edited(binding))

    # -- values ---------------------------------------------------------------------------
    def binding(self, path: str) -> Binding:
        return next(b for b in self.bindings if b.path == path)

    def load(self, values: dict[str, Any]) -> None:
        """Show `values` (dotted path -> value) without recording undo steps."""
        self._applying = True
        try:
            for b in self.bindings:
                b.set(values.get(b.path))
                b.last = b.get()
                b.show_error("")
        finally:
            self._applying = False
        self.undo_stack.clear()

    def values(self) -> dict[str, Any]:
        return {b.path: b.get() for b in self.bindings}

    def apply(self, binding: Binding, value: Any) -> None:
        self._applying = True
        try:
            binding.set(value)
            binding.last = binding.get()
        finally:
            self._applying = False
        binding.widget.setFocus()
        self._on_change()

    def _edited(self, binding: Binding) -> None:
        if self._applying:
            return
        new = binding.get()
        if new == binding.last:
            return
        old, binding.last = binding.last, new
        self.undo_stack.push(FieldEdit(self, binding, old, new))
        self._on_change()
