"""The model card editor opens on the prose: the YAML metadata is folded behind one click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from shipyard.ui.package.card_editor import CardEditor, front_matter_lines

CARD = """---
license: other
library_name: onnx
tags:
- shipyard
- onnx
datasets:
- churn_customers@v1
---

# Churn risk

## Intended use

CS calls the accounts most likely to churn.

## Limitations

Trained on one quarter.
"""


@pytest.fixture
def card(qtbot) -> CardEditor:
    editor = CardEditor()
    qtbot.addWidget(editor)
    editor.resize(900, 500)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def top_line(card: CardEditor) -> str:
    """The line drawn first in the editor's viewport."""
    QApplication.processEvents()
    return card.editor.cursorForPosition(QPoint(4, 4)).block().text()


def visible_lines(card: CardEditor) -> list[str]:
    doc = card.editor.document()
    return [doc.findBlockByNumber(i).text() for i in range(doc.blockCount())
            if doc.findBlockByNumber(i).isVisible()]  # fmt: skip


def test_front_matter_lines():
    assert front_matter_lines(CARD) == 9
    assert front_matter_lines("# Just prose\n") == 0
    assert front_matter_lines("---\nlicense: other\n") == 0  # no closing fence: not metadata


def test_opens_on_the_prose_with_metadata_folded(card):
    card.set_text(CARD)
    assert not card.metadata_shown()
    assert card.meta_toggle.isVisible()
    assert "4 fields" in card.meta_toggle.text() and "license" in card.meta_toggle.text()
    lines = visible_lines(card)
    assert "license: other" not in lines and "---" not in lines
    assert lines[:2] == ["", "# Churn risk"]
    assert top_line(card) in ("", "# Churn risk")
    assert card.editor.textCursor().block().blockNumber() == 9  # typing goes to the prose
    assert card.text() == CARD  # folding hides lines, it never drops them
    # The preview starts with the sections; the metadata table comes after them.
    preview = card.preview.toPlainText()
    assert preview.lstrip().startswith("Churn risk")
    assert preview.index("Limitations") < preview.index("license")


def test_metadata_is_one_click_away(card, qtbot):
    card.set_text(CARD)
    qtbot.mouseClick(card.meta_toggle, Qt.MouseButton.LeftButton)
    assert card.metadata_shown()
    assert visible_lines(card) == CARD.split("\n")
    assert top_line(card) == "---"
    assert "Hide" in card.meta_toggle.accessibleName()
    qtbot.mouseClick(card.meta_toggle, Qt.MouseButton.LeftButton)
    assert not card.metadata_shown()
    assert "license: other" not in visible_lines(card)
    assert card.text() == CARD


def test_edits_keep_the_fold_and_the_text(card, qtbot):
    card.set_text(CARD)
    with qtbot.waitSignal(card.edited):
        qtbot.keyClicks(card.editor, "Intro. ")
    assert card.text() == CARD.replace("\n# Churn risk", "Intro. \n# Churn risk", 1)
    assert "license: other" not in visible_lines(card)
    # A whole new text (as a paste or a regenerated card) is folded again.
    card.editor.setPlainText(CARD.replace("Trained on one quarter.", "Two quarters."))
    assert "license: other" not in visible_lines(card) and "Two quarters." in visible_lines(card)
    assert card.text().startswith("---\nlicense: other\n")


def test_a_card_without_metadata_has_no_fold(card):
    card.set_text("# Just prose\n\nNo metadata yet.\n")
    assert not card.meta_toggle.isVisible()
    assert visible_lines(card)[0] == "# Just prose"
    card.set_text("")
    assert not card.meta_toggle.isVisible()
