"""Dialogs over runs: compare two side by side, promote a champion, start a sweep, train
on a cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.training.leaderboard import compare_runs
from shipyard.ui.models.leaderboard_model import fmt_created, fmt_metric, metric_label

if TYPE_CHECKING:
    from shipyard.core.training import RunRecord
    from shipyard.core.workspace.workspace import Workspace

Index = QModelIndex | QPersistentModelIndex
BETTER = QColor(46, 158, 91, 70)  # translucent green: readable on light and dark bases


class RowsModel(QAbstractTableModel):
    """A read-only table of strings; `marks[(row, col)]` highlights a cell as the better one."""

    def __init__(self, headers: list[str], rows: list[list[str]], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers, self.rows = headers, rows
        self.marks: set[tuple[int, int]] = set()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        cell = (index.row(), index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and cell in self.marks:
            return BETTER
        if role == Qt.ItemDataRole.FontRole and cell in self.marks:
            font = QFont()
            font.setBold(True)
            return font
        return None


def _table(model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    view.verticalHeader().setDefaultSectionSize(24)
    return view


def _side(value: Any) -> str:
    return value if isinstance(value, str) else fmt_metric(value)


class CompareDialog(QDialog):
    """Two runs side by side (the core's compare_runs); the better value is highlighted."""

    def __init__(self, a: RunRecord, b: RunRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare runs")
        self.resize(780, 720)
        rows = compare_runs(a, b)
        headers = ["", f"A · {a.family}", f"B · {b.family}"]
        self.model = RowsModel(headers, [[r.label, _side(r.a), _side(r.b)] for r in rows], self)
        for i, r in enumerate(rows):
            if r.better in ("a", "b"):
                self.model.marks.add((i, 1 if r.better == "a" else 2))
        self.table = _table(self.model)
        intro = QLabel(
            f"<b>A</b> {a.run_id}<br><b>B</b> {b.run_id}<br>Highlighted: the "
            "better value where one is better.",
            objectName="pageSubtitle",
        )
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addWidget(self.table, 1)
        box.addWidget(buttons)


class PromoteDialog(QDialog):
    """Ask why, show who promoted what before, and promote through the champion module."""

    promoted = Signal(object)  # champion.Promotion

    def __init__(
        self,
        ws: Workspace,
        slug: str,
        record: RunRecord,
        user: str,
        primary: str = "",
        parent: QWidget | None = None,
    ) -> None:
        from shipyard.core.training.champion import champion_history, current_champion

        super().__init__(parent)
        self.ws, self.slug, self.record, self.user = ws, slug, record, user
        self.setWindowTitle("Promote to champion")
        self.resize(720, 520)
        current = current_champion(ws, slug)
        score = record.metrics.get(primary) if primary else None
        scored = f" · {metric_label(primary)} {fmt_metric(score)}" if primary else ""
        now = f"It replaces <code>{current}</code>." if current else "There is no champion yet."
        intro = QLabel(
            f"Promote <b>{record.family} · {record.model}</b>{scored}<br>"
            f"<code>{record.run_id}</code><br>{now} Gates, rollout and packages "
            "use the champion's exported model."
        )
        intro.setWordWrap(True)
        self.reason = QLineEdit(placeholderText="Why this run? e.g. best ROC-AUC, parity checked")
        self.reason.textChanged.connect(self._reason_changed)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        history = champion_history(ws, slug)
        self.history = RowsModel(
            ["When (UTC)", "Who", "Run", "Why", "Replaced"],
            [
                [fmt_created(p.when), p.user, p.run_id, p.reason, p.previous or "—"]
                for p in reversed(history)
            ],
            self,
        )
        self.history_view = _table(self.history)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Promote")
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.promote)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addLayout(form)
        box.addWidget(self.error)
        box.addWidget(QLabel("Champion history", objectName="sectionTitle"))
        if history:
            box.addWidget(self.history_view, 1)
        else:
            box.addWidget(QLabel("No promotions yet.", objectName="pageSubtitle"))
            box.addStretch(1)
            self.history_view.hide()
            self.resize(720, 280)
        box.addWidget(self.buttons)
        if not record.exportable:
            self.error.setText(f"This run cannot be champion: {record.export_problem}")
            self.reason.setEnabled(False)

    def _reason_changed(self, text: str) -> None:
        self.ok.setEnabled(bool(text.strip()) and self.record.exportable)
        self.error.clear()

    def promote(self) -> None:
        from shipyard.core.errors import ShipyardError
        from shipyard.core.training.champion import promote

        try:
            event = promote(
                self.ws, self.slug, self.record.run_id, user=self.user, reason=self.reason.text()
            )
        except ShipyardError as exc:
            self.error.setText(str(exc))
            return
        self.promoted.emit(event)
        self.accept()


class _ClusterDialog(QDialog):
    """A dialog with a Cluster field: a Dask scheduler's address, checked when the dialog
    is OK'd (a bad one keeps it open and says how to write it) and remembered in the user
    settings: through the window's session when the parent has one (so its copy stays
    current), else straight in the settings file. `required`: empty is refused, not read
    as "this machine"."""

    CLUSTER_TIP = (
        "the scheduler's address, tcp://HOST:PORT (start it with `dask scheduler`, and "
        "`dask worker tcp://HOST:PORT` on each machine; same Shipyard and scikit-learn "
        "there). Runs are still recorded here."
    )

    def __init__(self, parent: QWidget | None, *, what: str, required: bool) -> None:
        super().__init__(parent)
        self.required = required
        self.cluster = QLineEdit(self._settings().cluster)
        self.cluster.setPlaceholderText("tcp://HOST:PORT" if required else "this machine")
        self.cluster.setClearButtonEnabled(True)
        self.cluster.setToolTip(
            f"Fit {what} on a Dask cluster: {self.CLUSTER_TIP}"
            + ("" if required else " Empty: this machine.")
        )
        self.cluster_error = QLabel(objectName="fieldError")
        self.cluster_error.setWordWrap(True)
        self.cluster_error.hide()

    def cluster_address(self) -> str:
        """The scheduler's address as entered ("" = this machine)."""
        return self.cluster.text().strip()

    def accept(self) -> None:
        """Check the address and remember it before the work starts (bad: stay open)."""
        from shipyard.core.errors import ShipyardError
        from shipyard.core.training.cluster import normalize_address

        address = self.cluster_address()
        if address or self.required:
            try:
                if not address:
                    raise ShipyardError("no scheduler address", fix="enter it as tcp://HOST:PORT")
                address = normalize_address(address)
            except ShipyardError as exc:
                self.cluster_error.setText(str(exc))
                self.cluster_error.show()
                self.cluster.setFocus()
                return
            self.cluster.setText(address)
        self._remember(address)
        super().accept()

    def _session(self) -> Any:
        return getattr(self.parent(), "session", None)

    def _settings(self) -> Any:
        session = self._session()
        if session is not None and hasattr(session, "settings"):
            return session.settings
        from shipyard.core.workspace.user_settings import load_settings

        return load_settings()

    def _remember(self, address: str) -> None:
        settings = self._settings()
        if settings.cluster == address:
            return
        settings = settings.copy()
        settings.cluster = address
        session = self._session()
        if session is not None and hasattr(session, "update_settings"):
            session.update_settings(settings)
        else:
            from shipyard.core.workspace.user_settings import save_settings

            save_settings(settings)

    def _buttons(self, ok_text: str) -> QDialogButtonBox:
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        return buttons


class SweepDialog(_ClusterDialog):
    """Choose a family, grid or random search, how many trials, and where they fit (the
    Cluster field; empty: this machine)."""

    def __init__(self, families: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent, what="the trials", required=False)
        self.setWindowTitle("Sweep hyper-parameters")
        self.spaces = self._spaces()
        self.family = QComboBox()
        for fam in families:
            if not self.spaces or fam in self.spaces:
                self.family.addItem(fam)
        self.family.currentTextChanged.connect(self._show_space)
        self.mode = QComboBox()
        self.mode.addItems(["random", "grid"])
        self.mode.setToolTip("grid: every combination (up to the trials); random: a seeded sample")
        self.trials = QSpinBox()
        self.trials.setRange(2, 100)
        self.trials.setValue(8)
        self.trials.setToolTip("Each trial is a run on the leaderboard (trained in parallel)")
        self.space = QLabel(objectName="pageSubtitle")
        self.space.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Family", self.family)
        form.addRow("Search", self.mode)
        form.addRow("Trials", self.trials)
        form.addRow("Cluster", self.cluster)
        form.addRow("", self.cluster_error)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.space)
        box.addWidget(self._buttons("Start sweep"))
        self._show_space(self.family.currentText())

    @staticmethod
    def _spaces() -> dict[str, Any]:
        from shipyard.core.training.sweep import SWEEP_SPACES

        return dict(SWEEP_SPACES)

    def _show_space(self, family: str) -> None:
        space = self.spaces.get(family)
        if isinstance(space, dict) and space:
            lines = [
                f"{k}: {', '.join(map(str, v)) if isinstance(v, list | tuple) else v}"
                for k, v in space.items()
            ]
            self.space.setText("Searched: " + "; ".join(lines))
        else:
            self.space.setText("")

    def values(self) -> tuple[str, str, int]:
        return self.family.currentText(), self.mode.currentText(), self.trials.value()


class ClusterTrainDialog(_ClusterDialog):
    """Where to train the ladder when not on this machine: a Dask scheduler's address
    (required here), the same remembered setting as the sweep dialog's."""

    def __init__(self, families: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent, what="every rung of the ladder", required=True)
        self.setWindowTitle("Train the ladder on a cluster")
        about = QLabel(
            f"Fits {' → '.join(families)} on the cluster's workers at once. Every run is "
            "recorded here, as when training on this machine. On small data the "
            "out-of-fold scoring and any cross-validation still run here."
        )
        about.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Scheduler", self.cluster)
        form.addRow("", self.cluster_error)
        box = QVBoxLayout(self)
        box.addWidget(about)
        box.addLayout(form)
        box.addWidget(self._buttons("Train on the cluster"))
        self.setMinimumWidth(440)
