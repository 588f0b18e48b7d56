"""A table model that pages through a dataset version in DuckDB.

Only the pages the view asks for are fetched (200 rows each, a few milliseconds), and only
a handful are kept, so a million-row version scrolls smoothly without loading into widgets.
Sorting and filtering are done by DuckDB (`VersionReader.prepare`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from shipyard.core.data import VersionReader

PAGE = 200
KEEP_PAGES = 12
DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_NUMERIC = ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "BIGINT", "HUGEINT", "SMALLINT")
_Index = QModelIndex | QPersistentModelIndex


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class VersionTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.reader: VersionReader | None = None
        self._rows = 0
        self._pages: OrderedDict[int, list[tuple[Any, ...]]] = OrderedDict()
        self._order: tuple[str | None, bool] = (None, False)
        self._where: str | None = None
        self.fetches = 0  # pages read from DuckDB (tests and the status line use it)

    def set_reader(self, reader: VersionReader | None) -> None:
        self.beginResetModel()
        self.reader = reader
        self._order, self._where = (None, False), None
        self._rows = reader.rows if reader else 0
        self._pages.clear()
        self.endResetModel()

    def apply(self, order_by: str | None, descending: bool, where: str | None) -> int:
        """Sort and filter (DuckDB does it; QueryRefused for a bad filter). Returns rows."""
        assert self.reader is not None
        rows = self.reader.prepare(order_by, descending, where)
        self.beginResetModel()
        self._order, self._where, self._rows = (order_by, descending), where, rows
        self._pages.clear()
        self.endResetModel()
        return rows

    @property
    def where(self) -> str | None:
        return self._where

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.reader is None else len(self.reader.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if self.reader is None:
            return None
        role = int(role)
        if orientation == Qt.Orientation.Horizontal:
            if role == DISPLAY:
                return self.reader.columns[section]
            if role == TOOLTIP:
                return f"{self.reader.columns[section]}: {self.reader.types[section]}"
        elif role == DISPLAY:
            return str(section + 1)
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        role = int(role)
        if not index.isValid() or role not in (DISPLAY, ALIGN, TOOLTIP) or self.reader is None:
            return None
        if role == ALIGN:
            numeric = self.reader.types[index.column()].upper().startswith(_NUMERIC)
            return _RIGHT if numeric else None
        row = self._row(index.row())
        return _cell(row[index.column()]) if row is not None else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.reader is None or column < 0:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.apply(self.reader.columns[column], descending, self._where)

    # -- paging ---------------------------------------------------------------------------
    def _row(self, row: int) -> tuple[Any, ...] | None:
        number = row // PAGE
        page = self._pages.get(number)
        if page is None:
            assert self.reader is not None
            order_by, descending = self._order
            page = self.reader.page(number * PAGE, PAGE, order_by, descending, self._where)
            self.fetches += 1
            self._pages[number] = page
            while len(self._pages) > KEEP_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row - number * PAGE
        return page[offset] if offset < len(page) else None
