"""Names for every control a person or a script reaches: objectName and accessibleName.

Scripts (and the journey test) find controls by objectName; screen readers announce the
accessibleName. Pages name their main controls themselves; `name_controls` fills in the
rest when a page is shown: a control kept as an attribute is named after it
(`self.train_button` -> objectName "trainButton", accessible name "Train button" unless
its text says more), any other after its text, placeholder, form label or tooltip.
Names set by a page are left as they are (styles use properties, never a shared name).
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSpinBox,
    QAbstractSlider,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
    QTabBar,
)
# Parts of a composite control (a combo box's line edit, a spin box's editor, a scroll
# bar, a tab widget's scroll arrows): named through their owner, not on their own.
_COMPOSITES = (QComboBox, QAbstractSpinBox)


def is_control(widget: QWidget) -> bool:
    if not isinstance(widget, INTERACTIVE) or isinstance(widget, QScrollBar):
        return False
    if type(widget).__module__.startswith("pyqtgraph"):
        return False  # the plot's own context controls
    parent = widget.parentWidget()
    if isinstance(parent, _COMPOSITES):
        return False
    # A combo box's popup list sits in a frame of its own under the combo box.
    grandparent = parent.parentWidget() if parent is not None else None
    if isinstance(grandparent, QComboBox):
        return False
    if isinstance(widget, QAbstractButton) and isinstance(parent, QTabBar):
        return False  # a tab bar's scroll arrows
    # Qt's own helpers inside composites are named "qt_…".
    return not widget.objectName().startswith("qt_")


def _words(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text.replace("&&", "\0").replace("&", "").replace("\0", "&"))
    text = re.sub(r"\((?:Ctrl|Alt|Shift|Esc|F\d)[^)]*\)", "", text)  # "(Ctrl+G)"
    text = text.replace("…", "").strip()
    return re.sub(r"\s+", " ", text.split("\n")[0]).strip(" .:")


def _camel(text: str) -> str:
    parts = re.findall(r"[A-Za-z0-9]+", text)
    if not parts:
        return ""
    return parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:6])


def _form_label(widget: QWidget) -> str:
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
        if isinstance(label, QLabel):
            return _words(label.text())
    return ""


def _visible_text(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton):
        return _words(widget.text())
    if isinstance(widget, QLineEdit):
        return _words(widget.placeholderText())
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return _words(widget.placeholderText())
    return ""


def _attributes(root: QWidget) -> dict[int, str]:
    """Controls kept as attributes of the page's widgets, by id: their attribute names."""
    names: dict[int, str] = {}
    for owner in [root, *root.findChildren(QWidget)]:
        try:
            attrs = vars(owner)
        except TypeError:
            continue
        for attr, value in attrs.items():
            if isinstance(value, QWidget) and not attr.startswith("_"):
                names.setdefault(id(value), attr)
            elif isinstance(value, dict):  # e.g. self.families = {"linear": QCheckBox}
                for key, item in value.items():
                    if isinstance(item, QWidget) and isinstance(key, str):
                        names.setdefault(id(item), f"{attr}_{key}")
    return names


def name_controls(root: QWidget) -> int:
    """Give every control under `root` an objectName and accessibleName; returns how many."""
    attributes: dict[int, str] | None = None
    named = 0
    for widget in [root, *root.findChildren(QWidget)]:
        if not is_control(widget):
            continue
        if widget.objectName() and widget.accessibleName():
            continue
        if attributes is None:
            attributes = _attributes(root)
        attr = attributes.get(id(widget), "")
        text = _visible_text(widget) or _form_label(widget)
        tip = _words(widget.toolTip())
        if not widget.objectName():
            widget.setObjectName(_camel(attr) or _camel(text) or _camel(tip) or _kind(widget))
        if not widget.accessibleName():
            human = attr.replace("_", " ").strip().capitalize()
            widget.setAccessibleName(text or tip or human or _kind(widget))
        named += 1
    return named


def _kind(widget: QWidget) -> str:
    name = type(widget).__name__.removeprefix("Q")
    return name[:1].lower() + name[1:]


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls under `root` that lack an objectName or an accessibleName (for tests)."""
    missing = []
    for widget in root.findChildren(QWidget):
        if is_control(widget) and not (widget.objectName() and widget.accessibleName()):
            where = widget.parentWidget()
            owner = type(where).__name__ if where is not None else "?"
            label = _visible_text(widget) or _words(widget.toolTip())[:40]
            missing.append(f"{type(widget).__name__} in {owner}: {label!r}")
    return missing
