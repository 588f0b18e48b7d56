"""The leaderboard as a Qt table model: one row per run, the primary metric in bold.

Rows arrive ranked from the core (`leaderboard(ws, slug)`). A busy project has thousands of
runs, so the model does the work a view would otherwise ask of every row: it sorts itself
(`sort`, on the raw values SORT_ROLE gives: numbers sort as numbers), shows the runs a page
at a time (`canFetchMore`/`fetchMore`: the view asks for more as it scrolls), and formats a
cell only when the view asks for it (`data`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from shipyard.core.training.leaderboard import METRIC_LABELS

SORT_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
RUN_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2

HIDDEN_METRICS = {"mape_rows"}
STAR, TICK, CROSS = "★", "✓", "✗"
NEAR = "≈ leader"

Index = QModelIndex | QPersistentModelIndex
PAGE = 100  # rows shown at first, and added each time the view scrolls to the end


def metric_label(key: str) -> str:
    """The core's name for a metric ("ROC AUC", "log loss"), capitalised for headers."""
    label = METRIC_LABELS.get(key, key.replace("_", " "))
    return label[:1].upper() + label[1:]


def fmt_metric(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if abs(value) < 10:
        return f"{value:.4f}"
    return f"{value:,.2f}"


def fmt_interval(row: Any) -> str:
    """The 95% interval's half-width, compact: "±0.021", and "≈ leader" when the run cannot
    be told apart from the leader ("" when no interval was recorded)."""
    if row.interval is None:
        return ""
    half = (row.interval[1] - row.interval[0]) / 2
    text = f"±{half:.3f}" if half < 10 else f"±{half:,.1f}"
    return f"{text} {NEAR}" if row.indistinct else text


def fmt_created(iso: str) -> str:
    """'2026-11-23T13:50:12.123Z' -> '2026-11-23 13:50' (UTC, as recorded)."""
    return iso[:16].replace("T", " ") if iso else ""


class LeaderboardModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.ranked: list[Any] = []  # LeaderRow, ranked best first (as the core gives them)
        self.rows: list[Any] = []  # the same rows in the shown order
        self.rank: dict[str, int] = {}  # run_id -> 0-based rank by the primary metric
        self.loaded = 0  # rows the view has (a page at a time)
        self.metric = ""
        self.direction = "maximize"
        self.others: list[str] = []
        # Why a run is not exportable, asked for when its tooltip shows.
        self.problem_of: Callable[[str], str] = lambda _run_id: ""
        self.columns: list[str] = []
        self._sorted: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)
        self.partial = False  # only the board's first page is here (its whole comes next)

    # -- data in --------------------------------------------------------------------------
    def set_board(self, board: Any, problem_of: Callable[[str], str] | None = None) -> bool:
        """Show `board` (None: nothing). A board's first page (`board.total` set) can be shown
        first: the whole board that follows with the same runs on top in the same order
        only adds the rest, without a reset (the selection and the scroll stay); then, and
        only then, True is returned."""
        if self._continues(board):
            self.ranked = list(board.rows)
            self.rows = list(self.ranked)
            self.rank = {}
            self.partial = False
            self.problem_of = problem_of or (lambda _run_id: "")
            if self.loaded:  # the same runs, their values read again
                last = self.index(self.loaded - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return True
        self.beginResetModel()
        self.partial = board is not None and board.total is not None
        self.ranked = list(board.rows) if board is not None else []
        self.rows = list(self.ranked)
        self.rank = {}
        self.loaded = min(PAGE, len(self.rows))
        self.metric = board.metric if board is not None else ""
        self.direction = board.direction if board is not None else "maximize"
        keys = list(board.metric_keys) if board is not None else []
        self.others = [k for k in keys if k != self.metric and k not in HIDDEN_METRICS]
        self.problem_of = problem_of or (lambda _run_id: "")
        # What decides a promotion comes first, where it is seen without scrolling: rank,
        # the champion's star, family, the primary metric and whether it exports to ONNX.
        self.columns = ["rank", "champion", "family", "primary", "interval", "exportable", "model",
                        *(f"m:{k}" for k in self.others),
                        "dataset", "sweep", "created"]  # fmt: skip
        if self._sorted != (0, Qt.SortOrder.AscendingOrder) and self.rows:
            self._sort_rows(*self._sorted)
        self.endResetModel()
        return False

    def _continues(self, board: Any) -> bool:
        """`board` is the whole of the first page shown now, shown in rank order."""
        if not self.partial or board is None or board.total is not None:
            return False
        if self._sorted != (0, Qt.SortOrder.AscendingOrder):
            return False
        if (board.metric, board.direction) != (self.metric, self.direction):
            return False
        keys = [k for k in board.metric_keys if k != board.metric and k not in HIDDEN_METRICS]
        if keys != self.others or len(board.rows) < len(self.ranked):
            return False
        top = board.rows[: len(self.ranked)]
        return all(a.run_id == b.run_id for a, b in zip(top, self.ranked, strict=True))

    def row_of(self, run_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.run_id == run_id), -1)

    def rank_of(self, run_id: str) -> int:
        if not self.rank and self.ranked:  # built on first use: ten thousand runs, one dict
            self.rank = {r.run_id: i for i, r in enumerate(self.ranked)}
        return self.rank.get(run_id, -1)

    def ensure_loaded(self, row: int) -> None:
        """Let the view have rows up to `row` (to select or scroll to a run far down)."""
        if row >= self.loaded:
            last = min(len(self.rows), (row // PAGE + 1) * PAGE)
            self.beginInsertRows(QModelIndex(), self.loaded, last - 1)
            self.loaded = last
            self.endInsertRows()

    # -- paging and sorting ---------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.loaded < len(self.rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.loaded >= len(self.rows):
            return
        self.ensure_loaded(self.loaded)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every run (not only the loaded page) on the column's raw values."""
        if not 0 <= column < len(self.columns):
            return
        self._sorted = (column, order)
        if not self.rows:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        before = [(p, self.rows[p.row()].run_id if p.row() < len(self.rows) else None)
                  for p in persistent]  # fmt: skip
        self._sort_rows(column, order)
        where = {r.run_id: i for i, r in enumerate(self.rows)} if persistent else {}
        for index, run_id in before:
            row = where.get(run_id or "", -1)
            moved = self.index(row, index.column()) if 0 <= row < self.loaded else QModelIndex()
            self.changePersistentIndex(index, moved)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        col = self.columns[column]
        descending = order == Qt.SortOrder.DescendingOrder
        if col == "rank":
            self.rows = list(reversed(self.ranked) if descending else self.ranked)
            return
        key = self._raw_key(col)
        self.rows.sort(key=key, reverse=descending)

    def _raw_key(self, col: str) -> Any:
        """What a row sorts by in `col`, without formatting anything."""
        if col == "primary" or col.startswith("m:"):
            metric = self.metric if col == "primary" else col[2:]

            def number(row: Any) -> float:
                value = row.score if col == "primary" else row.metrics.get(metric)
                return float("-inf") if value is None else float(value)

            return number
        if col in ("exportable", "champion"):
            return lambda row: int(bool(getattr(row, col)))
        if col == "interval":
            return lambda row: (
                float("inf") if row.interval is None else row.interval[1] - row.interval[0]
            )
        if col == "sweep":
            return lambda row: row.sweep_id or ""
        return lambda row: str(getattr(row, col, "") or "")

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.loaded

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._title(col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._header_tip(col)
        if role == Qt.ItemDataRole.FontRole and col == "primary":
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _title(self, col: str) -> str:
        if col == "primary":
            arrow = "↑" if self.direction == "maximize" else "↓"
            return f"{metric_label(self.metric)} {arrow}"
        if col.startswith("m:"):
            return metric_label(col[2:])
        return {
            "rank": "#",
            "family": "Family",
            "model": "Model",
            "dataset": "Dataset",
            "exportable": "ONNX",
            "champion": STAR,
            "interval": "95%",
            "sweep": "Sweep",
            "created": "Created (UTC)",
        }[col]

    def _header_tip(self, col: str) -> str:
        if col == "primary":
            better = "higher" if self.direction == "maximize" else "lower"
            return (
                f"The primary metric on the validation rows ({better} is better); runs rank by it"
            )
        return {
            "exportable": "Exported to ONNX and checked against sklearn on the validation rows",
            "champion": "The project's champion run",
            "rank": "Rank by the primary metric",
            "sweep": "The sweep a run belongs to",
            "interval": "How sure the primary metric is: half the width of its 95% interval on "
            f"the validation rows. {NEAR}: the interval overlaps the leader's, so the two runs are not "
            "distinguishable on these rows",
        }.get(col, "")

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.loaded:
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col, index.row())
        if role == SORT_ROLE:
            return self._sort_value(row, col, index.row())
        if role == RUN_ROLE:
            return row.run_id
        if role == Qt.ItemDataRole.FontRole and col == "primary":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in ("exportable", "champion", "rank"):
                return int(Qt.AlignmentFlag.AlignCenter)
            if col == "primary" or col.startswith("m:"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col == "interval":
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        return None

    def _rank(self, row: Any, shown_at: int) -> int:
        if self._sorted == (0, Qt.SortOrder.AscendingOrder):  # shown in rank order
            return shown_at
        return self.rank_of(row.run_id)

    def _display(self, row: Any, col: str, shown_at: int) -> str:
        if col == "rank":
            return str(self._rank(row, shown_at) + 1)
        if col == "primary":
            return fmt_metric(row.score)
        if col == "interval":
            return fmt_interval(row)
        if col.startswith("m:"):
            return fmt_metric(row.metrics.get(col[2:]))
        if col == "exportable":
            return TICK if row.exportable else CROSS
        if col == "champion":
            return STAR if row.champion else ""
        if col == "sweep":
            return row.sweep_id or ""
        if col == "created":
            return fmt_created(row.created)
        return str(getattr(row, col, "") or "")

    def _sort_value(self, row: Any, col: str, shown_at: int) -> Any:
        if col == "rank":
            return self._rank(row, shown_at)
        if col == "primary" or col.startswith("m:"):
            value = row.score if col == "primary" else row.metrics.get(col[2:])
            # Missing values sort after every number either way round.
            return float("-inf") if value is None else float(value)
        if col in ("exportable", "champion"):
            return int(bool(getattr(row, col)))
        if col == "interval":  # narrowest first; none last
            return float("inf") if row.interval is None else row.interval[1] - row.interval[0]
        return self._display(row, col, shown_at)

    def _tooltip(self, row: Any, col: str) -> str:
        if col == "exportable":
            if row.exportable:
                return "ONNX export agrees with sklearn on the validation rows"
            return self.problem_of(row.run_id) or "not exportable"
        if col == "champion" and row.champion:
            return "The champion: gates and packages use this run"
        if col == "interval":
            if row.interval is None:
                return "No interval recorded: the run predates them; retrain for one"
            lo, hi = row.interval
            near = "; overlaps the leader's: not distinguishable from it" if row.indistinct else ""
            return f"95% interval {fmt_metric(lo)}–{fmt_metric(hi)} on the validation rows{near}"
        return f"{row.run_id} · trained by {row.user}"
