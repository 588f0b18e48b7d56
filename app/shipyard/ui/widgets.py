"""Small shared widgets: page headers, empty states, read-only row tables, verdict banners."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)


def compact_combo(combo: QComboBox, chars: int = 20) -> QComboBox:
    """A combo box sized for `chars` characters, whatever its longest item: long project
    titles and run ids elide instead of widening the window."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def primary(button: QPushButton) -> QPushButton:
    """Style `button` as its page's main action (a property, so each keeps its own
    objectName for scripts and tests)."""
    button.setProperty("primary", True)
    return button


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the width runs out: a row
    of controls that never forces the window wider than a laptop screen."""

    def __init__(
        self, parent: QWidget | None = None, spacing: int = 8, *, right: bool = False
    ) -> None:
        super().__init__(parent)
        self._right = right
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def setSpacing(self, spacing: int) -> None:
        self._spacing = spacing
        self.invalidate()

    def spacing(self) -> int:
        return self._spacing

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """One line of everything."""
        shown = [i for i in self._items if not i.isEmpty()]
        width = sum(i.sizeHint().width() for i in shown) + self._spacing * max(0, len(shown) - 1)
        height = max((i.sizeHint().height() for i in shown), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        """The widest single item: everything else may wrap."""
        size = QSize()
        for item in self._items:
            if not item.isEmpty():
                size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, *, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        shown = [i for i in self._items if not i.isEmpty()]
        lines: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        for item in shown:
            hint = item.sizeHint().boundedTo(QSize(area.width(), 10_000))
            if lines[-1] and x + hint.width() > area.right() + 1:
                x = area.x()
                lines.append([])
            lines[-1].append((item, hint))
            x += hint.width() + self._spacing
        for items in lines:
            if not items:
                continue
            line = max(h.height() for _i, h in items)
            used = sum(h.width() for _i, h in items) + self._spacing * (len(items) - 1)
            x = area.x() + (max(0, area.width() - used) if self._right else 0)
            for item, hint in items:
                if move:
                    top = y + (line - hint.height()) // 2
                    item.setGeometry(QRect(QPoint(x, top), hint))
                x += hint.width() + self._spacing
            y += line + self._spacing
        return y - self._spacing - area.y() + m.top() + m.bottom() if shown else 0


class VerticalScroll(QScrollArea):
    """A side panel that scrolls up and down but never cuts its content on the right: its
    minimum width is its content's minimum width plus the scroll bar."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(width + bar + 2 * self.frameWidth(), 80)


class PageHeader(QWidget):
    """Title and subtitle on the left, actions on the right; the actions wrap onto more
    lines (and the subtitle wraps) rather than widen the window."""

    def __init__(self, title: str = "", subtitle: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(title, objectName="pageTitle")
        self.title.setWordWrap(True)  # a long project title wraps, never widens the window
        self.subtitle = QLabel(subtitle, objectName="pageSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setMinimumWidth(180)
        self.actions_box = QWidget()
        self.actions = FlowLayout(self.actions_box, right=True)
        self.actions.setSpacing(8)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        row.addLayout(text, 1)
        row.addWidget(self.actions_box)

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
        self.button = primary(QPushButton(action))
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


class NextStepButton(QPushButton):
    """A banner's "what now" button ("Run the gates →"): asks the window, through the
    session's `nextStepRequested`, to open the next tab and start its step there. Offered
    after the step before it succeeded, it takes the focus unless someone is typing, so
    Return or Space goes on from the keyboard."""

    def __init__(self, session, step: str, text: str, name: str, tip: str = "") -> None:  # type: ignore[no-untyped-def]
        super().__init__(f"{text} →", objectName=name)
        self.session, self.step = session, step
        self.slug: str | None = None
        self.setAccessibleName(text)
        self.setToolTip(tip)
        self.setAutoDefault(True)
        self.clicked.connect(self._go)
        self.hide()

    def offer(self, slug: str | None, shown: bool = True, *, focus: bool = False) -> None:
        """Show (or hide) the button for `slug`; `focus` right after the step before it."""
        from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit

        self.slug = slug
        self.setVisible(shown and slug is not None)
        if not self.isVisible() or not focus:
            return
        # The window's own focus (a dialog may be closing over it; the focus comes back here).
        current = self.window().focusWidget()
        typing = isinstance(current, QLineEdit | QPlainTextEdit | QTextEdit) and not (
            current.isReadOnly()
        )
        if not typing:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _go(self) -> None:
        if self.slug is not None:
            self.hide()
            self.session.nextStepRequested.emit(self.slug, self.step)
