"""The leaderboard as a Qt table model: one row per run, the primary metric in bold.

Rows arrive ranked from the core (`leaderboard(ws, slug)`); the view sorts through a
QSortFilterProxyModel on SORT_ROLE, which holds raw values (numbers sort as numbers).
"""

from __future__ import annotations

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
        self.rows: list[Any] = []  # LeaderRow, ranked best first
        self.metric = ""
        self.direction = "maximize"
        self.others: list[str] = []
        self.problems: dict[str, str] = {}  # run_id -> why it is not exportable
        self.columns: list[str] = []

    # -- data in --------------------------------------------------------------------------
    def set_board(self, board: Any, problems: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(board.rows) if board is not None else []
        self.metric = board.metric if board is not None else ""
        self.direction = board.direction if board is not None else "maximize"
        keys = list(board.metric_keys) if board is not None else []
        self.others = [k for k in keys if k != self.metric and k not in HIDDEN_METRICS]
        self.problems = dict(problems or {})
        # What decides a promotion comes first, where it is seen without scrolling: rank,
        # the champion's star, family, the primary metric and whether it exports to ONNX.
        self.columns = ["rank", "champion", "family", "primary", "interval", "exportable", "model",
                        *(f"m:{k}" for k in self.others),
                        "dataset", "sweep", "created"]  # fmt: skip
        self.endResetModel()

    def row_of(self, run_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.run_id == run_id), -1)

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

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
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(index.row(), row, col)
        if role == SORT_ROLE:
            return self._sort_value(index.row(), row, col)
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

    def _display(self, rank: int, row: Any, col: str) -> str:
        if col == "rank":
            return str(rank + 1)
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

    def _sort_value(self, rank: int, row: Any, col: str) -> Any:
        if col == "rank":
            return rank
        if col == "primary" or col.startswith("m:"):
            value = row.score if col == "primary" else row.metrics.get(col[2:])
            # Missing values sort after every number either way round.
            return float("-inf") if value is None else float(value)
        if col in ("exportable", "champion"):
            return int(bool(getattr(row, col)))
        if col == "interval":  # narrowest first; none last
            return float("inf") if row.interval is None else row.interval[1] - row.interval[0]
        return self._display(rank, row, col)

    def _tooltip(self, row: Any, col: str) -> str:
        if col == "exportable":
            if row.exportable:
                return "ONNX export agrees with sklearn on the validation rows"
            return self.problems.get(row.run_id) or "not exportable"
        if col == "champion" and row.champion:
            return "The champion: gates and packages use this run"
        if col == "interval":
            if row.interval is None:
                return "No interval recorded: the run predates them; retrain for one"
            lo, hi = row.interval
            near = "; overlaps the leader's: not distinguishable from it" if row.indistinct else ""
            return f"95% interval {fmt_metric(lo)}–{fmt_metric(hi)} on the validation rows{near}"
        return f"{row.run_id} · trained by {row.user}"
