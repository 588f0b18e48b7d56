"""Run records: `projects/<slug>/runs/<run-id>/` and reading them back.

Training the ladder lives in train.py and recording a fitted pipeline (export, parity,
metrics, run.json) in recording.py; sweeps (sweep.py) go through recording too. Each run
folder holds `run.json` (config, hyper-parameters, dataset ref + fingerprint +
split id, library versions, seed, timings, metrics, parity), `curves.json` (the plots'
points and the confusion matrix, read only when the run is shown: `RunRecord.curves` loads
it on first use) and `model.onnx` when the pipeline converted. Runs recorded before the
curves moved out hold them inside run.json, and read as they always did. The folder is built under
`runs/.tmp-<run-id>/` and renamed into place last, so a failed or cancelled run leaves
nothing behind. Metrics are computed from the ONNX model's outputs when it is exportable
(what is gated is what ships), else from sklearn (`metrics_source` says which).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import CURVES_FILE, MODEL_FILE, RUN_FILE
from shipyard.core.workspace.run_folders import run_folders, runs_dir
from shipyard.core.workspace.workspace import Workspace

RUN_FORMAT = 1
# Which rows a run's recorded metrics are scored on: runs are chosen on validation rows and
# the test split is scored only at gate time; runs recorded before that say the old holdout
# (the one the gate judged too).
SCORED_ON_VALIDATION = "validation"
SCORED_ON_LEGACY = "holdout (legacy)"
# What `RunRecord.scored_rows` means, in the words the run view and the model card use.
SCORED_ROWS_WORDS = {
    "validation": "the validation rows",
    "out-of-fold": "out-of-fold predictions on the training rows (cross-validation)",
    "holdout": "the holdout rows",
}
# What run.json holds in `curves` when they are in the run's curves.json.
CURVES_SIDECAR = {"sidecar": CURVES_FILE}


class CurvesFile(dict):  # type: ignore[type-arg]
    """A run's curves, read from its curves.json the first time anything looks at them.

    A dict, so every reader of `record.curves` (plots, the deck, the card) keeps working; a
    missing or unreadable file reads as no curves (the plots then say there is nothing to
    draw) rather than failing the whole run. `json.dumps` reads a dict's storage directly
    and would write an unread one as {}: serialise through `load_curves` or `to_json`.
    """

    __slots__ = ("_loaded", "path")

    def __init__(self, path: Path | Any) -> None:
        if isinstance(path, Path):
            super().__init__()
            self.path: Path | None = path
            self._loaded = False
        else:  # built from items (as `dataclasses.asdict` rebuilds a dict): already read
            super().__init__(path)
            self.path = None
            self._loaded = True

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path is not None:
            dict.update(self, read_curves(self.path))

    def __getitem__(self, key: Any) -> Any:
        self._load()
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self._load()
        return dict.__contains__(self, key)

    def __iter__(self) -> Any:
        self._load()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load()
        return dict.__len__(self)

    def __eq__(self, other: object) -> bool:
        self._load()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        self._load()
        return dict.__repr__(self)

    def get(self, key: Any, default: Any = None) -> Any:
        self._load()
        return dict.get(self, key, default)

    def keys(self) -> Any:
        self._load()
        return dict.keys(self)

    def items(self) -> Any:
        self._load()
        return dict.items(self)

    def values(self) -> Any:
        self._load()
        return dict.values(self)

    def copy(self) -> dict[str, Any]:
        self._load()
        return dict(dict.items(self))

    def __reduce__(self) -> Any:  # pickled (to or from a job process) as the plain dict
        return (dict, (self.copy(),))


def read_curves(path: Path) -> dict[str, Any]:
    """The curves in a run's curves.json; {} when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class RunRecord:
    run_id: str
    project: str
    family: str
    model: str
    task: dict[str, Any]
    dataset: dict[str, Any]
    config: dict[str, Any]
    seed: int
    versions: dict[str, str]
    timings: dict[str, float]
    metrics: dict[str, float | None]
    curves: dict[str, Any]
    parity: dict[str, Any] | None
    exportable: bool
    export_problem: str
    metrics_source: str
    created: str
    user: str
    cv: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    primary_metric: dict[str, str] | None = None  # {key, direction, note} when recorded
    sweep: dict[str, Any] | None = None  # {id, trial, params} for a sweep's trial
    # sha256 of model.onnx as recorded at training ("" for runs recorded before it was kept):
    # the gate and the export refuse a model file whose bytes no longer match it.
    model_sha256: str = ""
    # 95% intervals of the recorded metrics (core/training/intervals.py), None for older runs.
    intervals: dict[str, Any] | None = None
    scored_on: str = SCORED_ON_LEGACY  # SCORED_ON_VALIDATION for runs recorded since
    # The sample trained on when the version had more rows than the row budget: {rows, of,
    # method, seed, stratify} (core/data/split.py); None when every row was used.
    sample: dict[str, Any] | None = None
    format: int = RUN_FORMAT
    folder: Path | None = field(default=None, compare=False)

    @property
    def scored_rows(self) -> str:
        """Which rows the metrics were scored on: "validation", "out-of-fold" (small data:
        cross-validation predictions on the training rows) or "holdout" (runs recorded
        before sealed test splits)."""
        from shipyard.core.data.split import CROSS_VALIDATION

        if self.scored_on == SCORED_ON_LEGACY:
            return "holdout"
        selection = (self.dataset.get("selection") or {}).get("method")
        return "out-of-fold" if selection == CROSS_VALIDATION else "validation"

    @property
    def scored_rows_words(self) -> str:
        """`scored_rows` in words, as the run view and the model card say it."""
        return SCORED_ROWS_WORDS[self.scored_rows]

    @property
    def model_path(self) -> Path | None:
        if self.folder is None or not self.exportable:
            return None
        return self.folder / MODEL_FILE

    def to_json(self) -> dict[str, Any]:
        """The whole record, curves included (what `runs show --json` prints)."""
        # The fields as they are (already JSON values): `asdict` would deep-copy the curves,
        # thousands of floats, each time a run is written.
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "folder"}
        if isinstance(self.curves, CurvesFile):
            out["curves"] = self.curves.copy()
        return out

    def run_file_json(self) -> dict[str, Any]:
        """What run.json holds: the record without its curves, which go to curves.json
        (`curves_json`) when there are any."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "folder"}
        if isinstance(self.curves, CurvesFile) or self.curves:
            out["curves"] = dict(CURVES_SIDECAR)
        return out

    @classmethod
    def from_json(
        cls, data: dict[str, Any], folder: Path | None = None, *, partial: bool = False
    ) -> RunRecord:
        """The record of run.json's object. A missing field raises TypeError, unless
        `partial`: then it reads as empty (for summaries that show what is there; a run
        read partially is never gated, exported or promoted)."""
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, found {type(data).__name__}")
        known = {f for f in cls.__dataclass_fields__ if f != "folder"}
        given = {k: v for k, v in data.items() if k in known}
        if partial:
            empty = {"run_id": folder.name if folder else "", **_EMPTY}
            given = {**{k: v for k, v in empty.items() if k not in given}, **given}
        if given.get("curves") == CURVES_SIDECAR:
            given["curves"] = CurvesFile(folder / CURVES_FILE) if folder is not None else {}
        return cls(**given, folder=folder)


# What a field missing from run.json reads as when a summary reads it partially.
_EMPTY: dict[str, Any] = {
    "project": "", "family": "", "model": "", "task": {}, "dataset": {}, "config": {},
    "seed": 0, "versions": {}, "timings": {}, "metrics": {}, "curves": {}, "parity": None,
    "exportable": False, "export_problem": "", "metrics_source": "", "created": "", "user": "",
}  # fmt: skip


def load_curves(record: RunRecord) -> dict[str, Any]:
    """The run's curves as a plain dict, read from its curves.json if they live there."""
    curves = record.curves
    return curves.copy() if isinstance(curves, CurvesFile) else dict(curves or {})


def list_runs(ws: Workspace, slug: str) -> list[RunRecord]:
    """Every recorded run of the project, oldest first; damaged records raise ShipyardError."""
    found = [read_record(folder / RUN_FILE) for folder in run_folders(ws, slug)]
    return sorted(found, key=lambda r: (r.created, r.run_id))


def load_run(ws: Workspace, slug: str, run_id: str) -> RunRecord:
    """One run by id; a missing or damaged record raises ShipyardError naming the file."""
    from shipyard.core.workspace.names import RUN_ID, check_name

    path = runs_dir(ws, slug) / check_name(RUN_ID, run_id) / RUN_FILE
    if not path.is_file():
        from shipyard.core.training.run_index import run_summaries

        known = [r.run_id for r in run_summaries(ws, slug)][-5:]
        raise ShipyardError(
            f"project '{slug}' has no run '{run_id}'",
            file=runs_dir(ws, slug),
            fix=("recent runs: " + ", ".join(known)) if known else "train the project first",
        )
    return read_record(path)


def read_record(path: Path, *, partial: bool = False) -> RunRecord:
    """The run.json at `path`; a damaged one raises ShipyardError naming it. `partial`:
    fields it lacks read as empty (see `RunRecord.from_json`)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return RunRecord.from_json(data, path.parent, partial=partial)
    except (OSError, ValueError, TypeError) as exc:
        raise ShipyardError(
            f"the run record is damaged ({exc})",
            file=path,
            fix="restore it from a backup, or delete the run's folder",
        ) from None


def library_versions() -> dict[str, str]:
    import platform

    import numpy
    import onnx
    import onnxruntime
    import skl2onnx
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": numpy.__version__,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
