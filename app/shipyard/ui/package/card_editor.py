"""The model card editor: Markdown source on the left, live preview and what is missing on
the right. The card opens on its prose: the YAML metadata at the top of the source is
folded away behind a "Metadata" button (one click shows it), and the preview renders the
sections first, with Qt's Markdown (GitHub dialect), and the metadata as a small table
after them. The preview is refreshed a moment after typing stops."""

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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

FOLD_KEYS = 3  # metadata keys named on the folded "Metadata" button


def front_matter_lines(text: str) -> int:
    """How many lines the YAML front matter takes, both `---` fences included (0 when the
    card has none, or its closing fence is missing)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return 0
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return i + 1
    return 0


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
    return "<hr><p><b>Metadata</b></p><table>" + "".join(rows) + "</table>"


def _metadata_keys(text: str, count: int) -> list[str]:
    """The top-level keys of the front matter's first `count` lines (cheap: no YAML parse,
    so it stays quick while typing)."""
    keys = []
    for line in text.split("\n")[1 : max(count - 1, 1)]:
        if line and not line[0].isspace() and not line.startswith(("-", "#")) and ":" in line:
            keys.append(line.split(":", 1)[0].strip())
    return keys


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
        self.meta_toggle = QToolButton(objectName="cardMetadataToggle", checkable=True)
        self.meta_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.meta_toggle.setAutoRaise(True)
        self.meta_toggle.setAccessibleName("Show the card's metadata")
        self.meta_toggle.setToolTip(
            "The card's YAML metadata (license, tags, datasets, metrics, results): "
            "click to show or hide it above the sections"
        )
        self.meta_toggle.toggled.connect(self._metadata_toggled)
        self.meta_toggle.hide()
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
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.meta_toggle, 0, Qt.AlignLeft)
        column.addWidget(self.editor, 1)
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(left)
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
        """Load a card, opened on its prose: the metadata folded, the cursor on the body."""
        self._loading = True
        self.editor.setPlainText(text)
        self._loading = False
        self.show_metadata(False)
        block = self.editor.document().findBlockByNumber(front_matter_lines(text))
        if block.isValid():
            self.editor.setTextCursor(QTextCursor(block))
        self.editor.verticalScrollBar().setValue(0)
        self.render()

    # -- the metadata fold ----------------------------------------------------------------
    def metadata_shown(self) -> bool:
        return self.meta_toggle.isChecked()

    def show_metadata(self, shown: bool) -> None:
        if self.meta_toggle.isChecked() != shown:
            self.meta_toggle.setChecked(shown)  # folds through _metadata_toggled
        else:
            self._fold()

    def _metadata_toggled(self, shown: bool) -> None:
        self._fold()
        if shown:
            self.editor.verticalScrollBar().setValue(0)
        self.meta_toggle.setAccessibleName(
            "Hide the card's metadata" if shown else "Show the card's metadata"
        )

    def _fold(self) -> None:
        """Hide the front matter's lines unless the metadata is shown, and say on the
        button what is folded."""
        text = self.text()
        count = front_matter_lines(text)
        hide = 0 if self.meta_toggle.isChecked() else count
        doc = self.editor.document()
        changed = False
        block = doc.begin()
        while block.isValid():  # a card is a few hundred lines: cheap on every keystroke
            visible = block.blockNumber() >= hide
            if block.isVisible() != visible:
                block.setVisible(visible)
                changed = True
            block = block.next()
        if changed:
            doc.markContentsDirty(0, doc.characterCount())
            self.editor.viewport().update()
        if hide and self.editor.textCursor().blockNumber() < hide:
            # Keep the cursor out of folded lines: typing there would be invisible.
            self.editor.setTextCursor(QTextCursor(doc.findBlockByNumber(hide)))
        self.meta_toggle.setVisible(count > 0)
        self.meta_toggle.setArrowType(
            Qt.DownArrow if self.meta_toggle.isChecked() else Qt.RightArrow
        )
        keys = _metadata_keys(text, count)
        shown = ", ".join(keys[:FOLD_KEYS]) + (", …" if len(keys) > FOLD_KEYS else "")
        self.meta_toggle.setText(
            f"Metadata: {len(keys)} field{'s' if len(keys) != 1 else ''} ({shown})"
            if keys
            else "Metadata"
        )

    def text(self) -> str:
        return self.editor.toPlainText()

    def _changed(self) -> None:
        if self._loading:
            return  # set_text folds and renders once the text is in
        self.edited.emit()
        self._fold()  # the fences may have moved: fold what is metadata now
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
        if meta:  # after the prose: the sections are what a reader comes for
            cursor = self.preview.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            cursor.insertHtml(_meta_html(meta))
        self.preview.moveCursor(QTextCursor.MoveOperation.Start)
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
