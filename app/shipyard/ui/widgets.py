"""Small shared widgets: page headers, empty states, read-only row tables, verdict banners."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class PageHeader(QWidget):
    def __init__(self, title: str = "", subtitle: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(title, objectName="pageTitle")
        self.subtitle = QLabel(subtitle, objectName="pageSubtitle")
        self.subtitle.setWordWrap(True)
        self.actions = QHBoxLayout()
        self.actions.setSpacing(8)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        row.addLayout(text, 1)
        row.addLayout(self.actions)

    def set_text(self, title: str, subtitle: str = "") -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)


class EmptyState(QFrame):
    """A centred card that says what is missing and offers the next step."""

    actionTriggered = Signal()

    def __init__(self, title: str, body: str, action: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.heading = QLabel(title, objectName="emptyTitle")
        self.body = QLabel(body, objectName="emptyBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.RichText)
        self.button = QPushButton(action, objectName="primary")
        self.button.setVisible(bool(action))
        self.button.clicked.connect(self.actionTriggered)
        box = QVBoxLayout(self)
        box.setContentsMargins(28, 24, 28, 24)
        box.setSpacing(10)
        box.addWidget(self.heading, 0, Qt.AlignHCenter)
        box.addWidget(self.body)
        box.addWidget(self.button, 0, Qt.AlignHCenter)
        self.setMaximumWidth(560)

    def alternative_to(self, content: QWidget) -> QStackedWidget:
        """A stack showing `content` (index 0) or this empty state, centred (index 1)."""
        stack = QStackedWidget()
        stack.addWidget(content)
        stack.addWidget(self.centred())
        return stack

    def centred(self) -> QWidget:
        """This card in a holder that keeps it in the middle of the page."""
        holder = QWidget()
        outer = QVBoxLayout(holder)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        return holder


def row_table(model: QAbstractItemModel, stretch: int = -1, row_height: int = 0) -> QTableView:
    """A read-only table of whole-row selections over `model`: columns sized to their
    contents, column `stretch` (default: the last) taking the remaining width."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    if row_height:
        view.verticalHeader().setDefaultSectionSize(row_height)
    head = view.horizontalHeader()
    head.setSectionResizeMode(QHeaderView.ResizeToContents)
    head.setSectionResizeMode(
        stretch if stretch >= 0 else model.columnCount() - 1, QHeaderView.Stretch
    )
    return view


def set_verdict_banner(label: QLabel, colour: str, html: str) -> None:
    """Show `html` in `label` as a verdict banner: a bar of `colour` on its left and a faint
    wash of it behind (the Gates and Rollout tabs give their verdict first this way)."""
    c = QColor(colour)
    label.setStyleSheet(
        f"QLabel {{ border-left: 5px solid {colour}; padding: 8px 12px; border-radius: 4px; "
        f"background: rgba({c.red()},{c.green()},{c.blue()},0.12); }}"
    )
    label.setText(html)
