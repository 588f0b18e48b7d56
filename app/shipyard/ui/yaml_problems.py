"""Problems of a YAML file being edited as text: listed under the editor, lines tinted."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtGui import QColor, QTextCursor, QTextFormat
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit

SHOWN = 4  # more than a few problems at once is noise; the first ones are fixed first
TINT = QColor(214, 69, 69, 60)


def show_yaml_problems(
    editor: QPlainTextEdit | QTextEdit, label: QLabel, exc: Any, file_name: str
) -> None:
    """List `exc.problems` (line, field, message, fix) in `label` and tint their lines;
    `exc` None clears both."""
    problems = [] if exc is None else list(exc.problems)
    lines = []
    for p in problems[:SHOWN]:
        where = f"line {p.line}" if p.line else file_name
        field = f", field <b>{escape(p.field)}</b>" if p.field else ""
        fix = f" — fix: {escape(p.fix)}" if p.fix else ""
        lines.append(f"⚠ {where}{field}: {escape(p.message)}{fix}")
    label.setText("<br>".join(lines))
    selections = []
    for p in problems:
        if p.line:
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(TINT)
            sel.format.setProperty(QTextFormat.FullWidthSelection, True)
            sel.cursor = QTextCursor(editor.document().findBlockByNumber(p.line - 1))
            selections.append(sel)
    editor.setExtraSelections(selections)


def save_yaml_text(
    write: Callable[[], object], show_problems: Callable[[Any], None], problems: QLabel,
    status: QLabel,
) -> bool:  # fmt: skip
    """Run `write` (it saves the editor's text); True when it saved.

    A validation failure goes to `show_problems` (lines and fields inline), any other refusal
    to `problems` as one line; success says "Saved" in `status`.
    """
    from shipyard.core.errors import ShipyardError, ValidationFailed

    try:
        write()
    except ValidationFailed as exc:
        show_problems(exc)
        return False
    except ShipyardError as exc:
        problems.setText(f"⚠ {escape(str(exc))}")
        return False
    status.setText("Saved")
    return True
