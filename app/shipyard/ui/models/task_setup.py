"""Task setup: dataset version, target, the detected task, features, families and folds.

Picking a target starts `detect_task` in the background; its answer proposes the features
(checked) and lists each column it left out with the reason (unchecked, with a warning).
Ticking a PII column back in trains with `include_pii` and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from shipyard.core.training.task_file import read_task, write_task
from shipyard.ui.jobs.background import BackgroundTask
from shipyard.ui.jobs.op import Op
from shipyard.ui.models import jobs as models_jobs
from shipyard.ui.models.leaderboard_model import metric_label
from shipyard.ui.widgets import compact_combo

if TYPE_CHECKING:
    from shipyard.core.workspace.workspace import Workspace
    from shipyard.ui.session import WorkspaceSession

KIND_TITLES = {
    "binary": "Binary classification",
    "multiclass": "Multiclass classification",
    "regression": "Regression",
    "text": "Text classification",
}
FAMILY_TIPS = {
    "dummy": "The baseline every model must beat (prior / mean)",
    "linear": "Logistic regression or ridge, with imputation, scaling and one-hot encoding",
    "trees": "Gradient-boosted trees (HistGradientBoosting, categoricals one-hot encoded)",
    "text": "TF-IDF + logistic regression on the free-text column",
}
COLUMN_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
WARNING_COLOUR = "#c07a00"  # amber: readable on the light and the dark base


def short_reason(why: str) -> str:
    """detect_task's reason for leaving a column out, in a few words for the list."""
    if "personal data" in why:
        return "personal data (PII)"
    if "identifier" in why:
        return "an identifier"
    if why.startswith("its values ("):
        return "type " + why.removeprefix("its values (").split(")", 1)[0]
    if "missing" in why:
        return "every value missing"
    if "different values" in why:
        return "too many different values"
    return why


@dataclass(frozen=True)
class TrainChoice:
    """What the Train button trains: passed straight to train_ladder."""

    ref: str
    target: str
    families: list[str]
    features: list[str] | None  # None: Shipyard's proposal
    folds: int | None
    include_pii: bool


def _section(text: str) -> QLabel:
    return QLabel(text, objectName="sectionTitle")


class TaskSetupPanel(QWidget):
    detected = Signal(object)  # models_jobs.Detected
    detectFailed = Signal(object)  # the exception

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slug: str | None = None
        self.result: models_jobs.Detected | None = None
        self.remembered: dict[str, Any] = {}
        self._pending: tuple[str, str] | None = None  # the (ref, target) being detected
        self.task: BackgroundTask | None = None

        self.dataset = compact_combo(QComboBox(), 22)
        self.dataset.setToolTip(
            "The dataset version to train on; the project's linked versions come first"
        )
        self.dataset.currentIndexChanged.connect(self._dataset_changed)
        self.target = compact_combo(QComboBox(), 22)
        self.target.setToolTip("The column the models learn to predict")
        self.target.currentIndexChanged.connect(self._target_changed)
        self.kind = QLabel("Pick a target column.")
        self.kind.setWordWrap(True)
        self.metric = QLabel(objectName="pageSubtitle")
        self.metric.setWordWrap(True)
        self.features = QListWidget()
        self.features.setToolTip("Untick a column to leave it out; ticked columns are inputs")
        self.features.itemChanged.connect(lambda _item: self._features_changed())
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        self.families: dict[str, QCheckBox] = {}
        fam_row = QHBoxLayout()
        for fam, tip in FAMILY_TIPS.items():
            box = QCheckBox(fam)
            box.setToolTip(tip)
            self.families[fam] = box
            fam_row.addWidget(box)
        fam_row.addStretch(1)
        self.folds = QSpinBox()
        self.folds.setRange(1, 10)
        self.folds.setSpecialValueText("off")
        self.folds.setValue(1)
        self.folds.setToolTip("k-fold cross-validation on the training rows (off: holdout only)")
        self.save_button = QPushButton("Save task")
        self.save_button.setToolTip("Remember dataset, target and features in task.yaml")
        self.save_button.clicked.connect(self.save)
        self.saved_note = QLabel(objectName="pageSubtitle")

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Dataset", self.dataset)
        form.addRow("Target", self.target)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 8, 0)
        box.addWidget(_section("Task"))
        box.addLayout(form)
        box.addWidget(self.kind)
        box.addWidget(self.metric)
        box.addWidget(_section("Features"))
        box.addWidget(self.features, 1)
        box.addWidget(self.warnings)
        box.addWidget(_section("Ladder"))
        box.addLayout(fam_row)
        folds_row = QHBoxLayout()
        folds_row.addWidget(QLabel("Cross-validation folds"))
        folds_row.addWidget(self.folds)
        folds_row.addStretch(1)
        box.addLayout(folds_row)
        save_row = QHBoxLayout()
        save_row.addWidget(self.saved_note, 1)
        save_row.addWidget(self.save_button)
        box.addLayout(save_row)

    # -- loading --------------------------------------------------------------------------
    def load(self, slug: str) -> int:
        """Fill the dataset list for `slug` and restore its task.yaml; returns how many
        versions there are to choose from (0: the tab shows what to do first)."""
        ws = self.session.workspace
        self.slug = slug
        self.result = None
        self.remembered = {}
        self.saved_note.clear()
        if ws is None:
            return 0
        try:
            self.remembered = read_task(ws, slug)
        except Exception as exc:  # a damaged task.yaml: say so, start from scratch
            self.saved_note.setText(f"⚠ {exc}")
        if not self.remembered.get("target"):
            self.remembered = {**self._latest_run_task(slug), **self.remembered}
        count = self._fill_datasets(ws, slug, self.remembered.get("dataset"))
        self._dataset_changed()
        return count

    def refresh_datasets(self) -> int:
        """Re-read the versions and the project's links (after an import, a saved query or
        a link), keeping the chosen version when it is still there; returns how many
        versions there are. Target and features are re-read only if the choice changed."""
        ws = self.session.workspace
        if ws is None or self.slug is None:
            return 0
        current = self.dataset.currentData()
        count = self._fill_datasets(ws, self.slug, current or self.remembered.get("dataset"))
        if self.dataset.currentData() != current:
            self._dataset_changed()
        return count

    def _fill_datasets(self, ws: Workspace, slug: str, wanted: str | None) -> int:
        """The dataset list: the project's linked versions first, then every other one;
        `wanted` is chosen when listed, else the first."""
        from shipyard.core.data import all_versions, project_links

        try:
            linked = [link.ref for link in project_links(ws, slug)]
        except Exception as exc:  # a damaged data.yaml is reported, not fatal here
            self.saved_note.setText(f"⚠ {exc}")
            linked = []
        refs = [v.ref for v in sorted(all_versions(ws), key=lambda v: (v.name, -v.number))]
        self.dataset.blockSignals(True)
        self.dataset.clear()
        for ref in [r for r in linked if r in refs]:
            self.dataset.addItem(f"{ref}  (linked)", ref)
        others = [r for r in refs if r not in linked]
        if self.dataset.count() and others:
            self.dataset.insertSeparator(self.dataset.count())
        for ref in others:
            self.dataset.addItem(ref, ref)
        index = self.dataset.findData(wanted) if wanted else -1
        self.dataset.setCurrentIndex(index if index >= 0 else 0)
        self.dataset.blockSignals(False)
        return len(refs)

    def _latest_run_task(self, slug: str) -> dict[str, Any]:
        """Dataset and target of the newest run, for projects trained before task.yaml."""
        import json

        from shipyard.core.workspace.layout import RUN_FILE
        from shipyard.core.workspace.run_folders import newest_run_folder

        ws = self.session.workspace
        if ws is None:
            return {}
        newest = newest_run_folder(ws, slug)
        try:
            data = json.loads((newest / RUN_FILE).read_text("utf-8")) if newest else {}
            return {"dataset": data["dataset"]["ref"], "target": data["task"]["target"]}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def version(self) -> Any:
        from shipyard.core.data import resolve

        ref = self.dataset.currentData()
        ws = self.session.workspace
        return resolve(ws, ref) if ws is not None and ref else None

    def _dataset_changed(self, *_: Any) -> None:
        version = self.version()
        self.target.blockSignals(True)
        self.target.clear()
        if version is not None:
            for name, typ in version.types.items():
                self.target.addItem(f"{name}  ·  {typ}", name)
        wanted = self.remembered.get("target")
        index = self.target.findData(wanted) if wanted else -1
        self.target.setCurrentIndex(index if index >= 0 else -1)
        self.target.blockSignals(False)
        self._target_changed()

    # -- detection ------------------------------------------------------------------------
    def _target_changed(self, *_: Any) -> None:
        self.result = None
        self.features.clear()
        self.warnings.clear()
        self.metric.clear()
        version, target = self.version(), self.target.currentData()
        ws = self.session.workspace
        if ws is None or version is None or not target or self.slug is None:
            self.kind.setText("Pick the target column the models should predict.")
            return
        self.kind.setText(f"Detecting the task for <b>{target}</b>…")
        self._pending = (version.ref, target)
        key = self._pending
        self.task = (
            Op(self, models_jobs.detect, ws, self.slug, version, target)
            .success(lambda found: self._detected(key, found))
            .failure(lambda exc: self._failed(key, exc))
            .run_in_background()
        )

    @property
    def detecting(self) -> bool:
        return self.task is not None and self.task.running

    def _detected(self, key: tuple[str, str], found: models_jobs.Detected) -> None:
        if key != self._pending:
            return  # the user picked another target meanwhile
        self.result = found
        spec = found.spec
        classes = f" · {len(spec.classes)} classes" if spec.classes else ""
        self.kind.setText(
            f"<b>{KIND_TITLES.get(spec.kind, spec.kind)}</b>{classes} · {spec.rows:,} rows"
        )
        if spec.classes:
            self.kind.setToolTip("Classes: " + ", ".join(spec.classes[:30]))
        arrow = "higher" if found.direction == "maximize" else "lower"
        self.metric.setText(
            f"Primary metric: <b>{metric_label(found.metric)}</b> ({arrow} is better)<br>"
            f"<small>{found.metric_note}</small>"
        )
        chosen = self._remembered_features(spec)
        self.features.blockSignals(True)
        self.features.clear()
        for col in [c for c in self._columns() if c != spec.target]:
            why = spec.excluded.get(col)
            label = col if why is None else f"⚠ {col} — left out: {short_reason(why)}"
            item = QListWidgetItem(label)
            if why is not None:
                item.setForeground(QColor(WARNING_COLOUR))
            item.setData(COLUMN_ROLE, col)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = col in chosen if chosen is not None else why is None
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            item.setToolTip(why or self._role(spec, col))
            self.features.addItem(item)
        self.features.blockSignals(False)
        defaults = {"dummy", "linear", "trees"} if spec.numeric or spec.categorical else {"dummy"}
        if spec.text:
            defaults.add("text")
        for fam, box in self.families.items():
            box.setChecked(fam in defaults)
            box.setEnabled(fam != "text" or bool(spec.text))
        self._features_changed()
        self.detected.emit(found)

    def _failed(self, key: tuple[str, str], exc: Exception) -> None:
        if key != self._pending:
            return
        self.kind.setText(f"<span style='color:#d64545'>⚠ {exc}</span>")
        self.detectFailed.emit(exc)

    def _columns(self) -> list[str]:
        version = self.version()
        return version.column_names if version is not None else []

    def _remembered_features(self, spec: Any) -> set[str] | None:
        feats = self.remembered.get("features")
        same = self.remembered.get("target") == spec.target
        return set(feats) if same and isinstance(feats, list) else None

    @staticmethod
    def _role(spec: Any, col: str) -> str:
        for role in ("numeric", "categorical", "text"):
            if col in getattr(spec, role):
                return f"used as a {role} feature"
        return "not proposed; tick it to use it"

    def checked_features(self) -> list[str]:
        out = []
        for i in range(self.features.count()):
            item = self.features.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(COLUMN_ROLE))
        return out

    def _features_changed(self) -> None:
        found = self.result
        if found is None:
            return
        checked = set(self.checked_features())
        lines = []
        pii_in = [c for c in found.pii if c in checked]
        pii_out = [c for c in found.pii if c not in checked]
        if pii_out:
            lines.append(
                f"<b>{', '.join(pii_out)}</b>: personal data, left out. Tick to use it only "
                "with an approval recorded in the one-pager."
            )
        if pii_in:
            lines.append(
                f"<b>{', '.join(pii_in)}</b>: personal data, ticked, so it will be used. "
                "Record the approval in the one-pager."
            )
        others = [c for c in found.spec.excluded if c not in found.pii and c not in checked]
        if others:
            lines.append(f"Also left out: {', '.join(others)} (hover for why).")
        lines += [w for w in found.spec.warnings if "left out" not in w]
        self.warnings.setText(
            "".join(f"<div style='color:{WARNING_COLOUR}'>⚠ {line}</div>" for line in lines)
        )

    # -- the choice -----------------------------------------------------------------------
    def choice(self) -> TrainChoice | None:
        """What to train, or None while the task is not detected (or detection failed)."""
        found = self.result
        if found is None:
            return None
        checked = self.checked_features()
        proposed = set(found.spec.features)
        features = None if set(checked) == proposed else checked
        families = [f for f, box in self.families.items() if box.isChecked() and box.isEnabled()]
        folds = self.folds.value() if self.folds.value() >= 2 else None
        include_pii = any(c in found.pii for c in checked)
        return TrainChoice(
            found.spec.version_ref, found.spec.target, families, features, folds, include_pii
        )

    def save(self) -> bool:
        ws, choice = self.session.workspace, self.choice()
        if ws is None or choice is None or self.slug is None:
            return False
        try:
            write_task(ws, self.slug, choice.ref, choice.target, choice.features)
        except Exception as exc:
            self.saved_note.setText(f"⚠ {exc}")
            return False
        self.remembered = {"dataset": choice.ref, "target": choice.target}
        if choice.features is not None:
            self.remembered["features"] = choice.features
        self.saved_note.setText("Saved to task.yaml.")
        return True

    def workspace(self) -> Workspace | None:
        return self.session.workspace
