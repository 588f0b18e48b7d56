"""Guards against Qt binding releases that corrupt the interpreter.

PySide6 6.12.0 released a reference to None for every empty QVariant it handed to Python;
on Python 3.11 the count reaches zero after a few thousand edits and the process aborts.
pyproject.toml keeps that release out; this test fails if a lock update lets it back in.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit


def _none_refs_lost(fn, rounds: int = 500) -> int:
    fn()
    before = sys.getrefcount(None)
    for _ in range(rounds):
        fn()
    return before - sys.getrefcount(None)


def test_empty_qvariants_keep_none_alive(qtbot):
    line = QLineEdit()
    qtbot.addWidget(line)
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.addItem("no data")
    model = QStringListModel(["a"])
    index = model.index(0, 0)
    for fn in (
        lambda: line.property("unset"),
        lambda: combo.currentData(),
        lambda: index.data(Qt.UserRole),
    ):
        # A few references may come and go; hundreds lost means one per call.
        assert _none_refs_lost(fn) < 50
