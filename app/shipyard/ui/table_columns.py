"""A column chooser for table headers: right-click a header to show or hide columns.

The choice is remembered per table beside the user's settings (`window.ini` in the config
folder, which tests point at a private folder). Columns are known by a stable key, not by
position, so a leaderboard whose metric columns change keeps the choice for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView


def column_state() -> QSettings:
    """Where column choices live: beside the user's settings and the window state."""
    from shipyard.core.workspace.user_settings import config_dir

    return QSettings(str(config_dir() / "window.ini"), QSettings.IniFormat)


class ColumnChooser(QObject):
    """Right-click menu on `view`'s horizontal header to show or hide columns.

    `key_of(section)` names a column (default: its header text); `default_hidden` are the
    keys hidden until the user chooses otherwise (or a function of the current keys that
    returns them); `required` keys can never be hidden.
    """

    def __init__(
        self,
        view: QTableView,
        table_name: str,
        *,
        key_of: Callable[[int], str] | None = None,
        default_hidden: Iterable[str] | Callable[[list[str]], Iterable[str]] = (),
        required: Iterable[str] = (),
    ) -> None:
        super().__init__(view)
        self.view = view
        self.table_name = table_name
        self._key_of = key_of
        self._default_hidden = default_hidden
        self.required = set(required)
        head = view.horizontalHeader()
        head.setContextMenuPolicy(Qt.CustomContextMenu)
        head.customContextMenuRequested.connect(self._menu_at)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.headerDataChanged):
            signal.connect(self.apply)
        model.columnsInserted.connect(self.apply)
        self.apply()

    # -- what is shown --------------------------------------------------------------------
    def key(self, section: int) -> str:
        if self._key_of is not None:
            return self._key_of(section)
        text = self.view.model().headerData(section, Qt.Horizontal, Qt.DisplayRole)
        return str(text or section)

    def keys(self) -> list[str]:
        return [self.key(s) for s in range(self.view.model().columnCount())]

    def default_hidden(self) -> set[str]:
        chosen = self._default_hidden
        return set(chosen(self.keys()) if callable(chosen) else chosen) - self.required

    def _settings_key(self) -> str:
        return f"columns/{self.table_name}"

    def hidden_keys(self) -> set[str]:
        """The keys hidden now: the user's choice if there is one, else the defaults."""
        stored = column_state().value(self._settings_key())
        if stored is None:
            return self.default_hidden()
        if isinstance(stored, str):
            stored = [stored] if stored else []
        return {str(k) for k in stored} - self.required

    def set_hidden(self, key: str, hidden: bool) -> None:
        keys = self.hidden_keys()
        if hidden and key not in self.required:
            keys.add(key)
        else:
            keys.discard(key)
        state = column_state()
        # An empty list must still mean "the user chose to show everything".
        state.setValue(self._settings_key(), sorted(keys) or "")
        state.sync()
        self.apply()

    def reset(self) -> None:
        state = column_state()
        state.remove(self._settings_key())
        state.sync()
        self.apply()

    def apply(self, *_args: object) -> None:
        hidden = self.hidden_keys()
        for section in range(self.view.model().columnCount()):
            self.view.setColumnHidden(section, self.key(section) in hidden)

    # -- the menu -------------------------------------------------------------------------
    def menu(self) -> QMenu:
        menu = QMenu(self.view)
        menu.setObjectName(f"{self.table_name}ColumnMenu")
        model = self.view.model()
        hidden = self.hidden_keys()
        for section in range(model.columnCount()):
            key = self.key(section)
            title = model.headerData(section, Qt.Horizontal, Qt.DisplayRole) or key
            tip = model.headerData(section, Qt.Horizontal, Qt.ToolTipRole) or ""
            action = QAction(f"{title} — {tip}" if tip and len(str(title)) < 3 else title, menu)
            action.setCheckable(True)
            action.setChecked(key not in hidden)
            action.setEnabled(key not in self.required)
            action.setData(key)
            action.toggled.connect(lambda on, k=key: self.set_hidden(k, not on))
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Default columns", self.reset)
        return menu

    def _menu_at(self, pos: QPoint) -> None:
        head: QHeaderView = self.view.horizontalHeader()
        self.menu().popup(head.mapToGlobal(pos))


__all__ = ["ColumnChooser", "column_state"]
