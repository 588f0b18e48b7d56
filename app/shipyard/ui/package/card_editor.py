"""The model card editor: Markdown source on the left, live preview and what is missing on
the right. The preview renders the metadata as a small table and the body with Qt's
Markdown (GitHub dialect); it is refreshed a moment after typing stops."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextOption,
)
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


def _meta_html(meta: dict[str, Any]) -> str:
    rows = []
    for key, value in meta.items():
        if key == "model-index":
            value = f"{len(value or [])} result set(s)"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append(
            f"<tr><td style='padding:2px 10px 2px 0'><b>{escape(str(key))}</b></td>"
            f"<td>{escape(str(value))}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table><hr>"


# Qt's size steps: 0 = body, 1 = 1.2x, 2 = 1.44x (Qt's own Markdown uses 3 and 2 for h1/h2).
_HEADING_STEP = {1: 2, 2: 1}


def show_markdown(browser: QTextBrowser, text: str) -> None:
    """Render Markdown with headings a little above body size (Qt's defaults shout)."""
    browser.setMarkdown(text)
    doc = browser.document()
    block = doc.begin()
    while block.isValid():
        cursor = QTextCursor(block)
        level = block.blockFormat().headingLevel()
        if level:
            cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
            fmt = QTextCharFormat()
            fmt.setProperty(QTextFormat.FontSizeAdjustment, _HEADING_STEP.get(level, 0))
            cursor.mergeCharFormat(fmt)
        if block.blockFormat().nonBreakableLines():  # code blocks wrap too: no side scrolling
            wrap = QTextBlockFormat()
            wrap.setNonBreakableLines(False)
            cursor.mergeBlockFormat(wrap)
        block = block.next()


class CardEditor(QWidget):
    """Edit `model_card.md`; `problems` lists what the card still lacks."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.editor.setPlaceholderText(
            "No model card yet. Generate one from the run (Ctrl+Shift+C), then edit it here."
        )
        self.editor.setToolTip("Hugging Face model card: YAML metadata, then Markdown sections")
        self.preview = QTextBrowser()
        self.preview.setOpenExternalLinks(False)
        # Long digests and paths wrap instead of pushing a horizontal scroll bar.
        self.preview.setWordWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.problems = QLabel(objectName="cardProblems")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.RichText)
        self.problems.setContentsMargins(4, 6, 4, 2)
        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.problems)
        box.addWidget(self.preview, 1)
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.render)
        self._loading = False
        self.editor.textChanged.connect(self._changed)
        self.current_problems: list[str] = []

    def set_text(self, text: str) -> None:
        self._loading = True
        self.editor.setPlainText(text)
        self._loading = False
        self.render()

    def text(self) -> str:
        return self.editor.toPlainText()

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()
        self._timer.start()

    def render(self) -> None:
        """Refresh the preview and the list of problems now."""
        from shipyard.core.gates.model_card_rules import card_problems, split_card

        text = self.text()
        if not text.strip():
            self.preview.setHtml("<p style='color:gray'>The preview of the card appears here.</p>")
            self.current_problems = []
            self.problems.setText(
                "<span style='color:gray'>No card yet: <b>Generate card</b> fills every "
                "section from the one-pager, the run and its gate report.</span>"
            )
            return
        meta, body, _problem = split_card(text)
        show_markdown(self.preview, body)
        if meta:
            cursor = self.preview.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            cursor.insertHtml(_meta_html(meta))
            self.preview.moveCursor(cursor.MoveOperation.Start)
        self.current_problems = card_problems(text)
        if self.current_problems:
            items = "".join(f"<li>{escape(p, quote=False)}</li>" for p in self.current_problems)
            self.problems.setText(
                f"<b style='color:#c62828'>The card is incomplete "
                f"({len(self.current_problems)}):</b><ul style='margin:2px 0'>{items}</ul>"
            )
        else:
            self.problems.setText(
                "<b style='color:#1a7f37'>✓ Complete</b> — every required section and "
                "metadata field is filled (the gate's model-card check passes)."
            )
