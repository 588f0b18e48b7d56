"""Run records: `projects/<slug>/runs/<run-id>/` and reading them back.

Training the ladder lives in train.py and recording a fitted pipeline (export, parity,
metrics, run.json) in recording.py; sweeps (sweep.py) go through recording too. Each run
folder holds `run.json` (config, hyper-parameters, dataset ref + fingerprint +
split id, library versions, seed, timings, metrics, confusion matrix, curve points, parity)
and `model.onnx` when the pipeline converted. The folder is built under
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
from shipyard.core.workspace.layout import MODEL_FILE, RUN_FILE
from shipyard.core.workspace.run_folders import run_folders, runs_dir
from shipyard.core.workspace.workspace import Workspace

RUN_FORMAT = 1
# Which rows a run's recorded metrics are scored on: runs are chosen on validation rows and
# the test split is scored only at gate time; runs recorded before that say the old holdout
# (the one the gate judged too).
SCORED_ON_VALIDATION = "validation"
SCORED_ON_LEGACY = "holdout (legacy)"


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
    def model_path(self) -> Path | None:
        if self.folder is None or not self.exportable:
            return None
        return self.folder / MODEL_FILE

    def to_json(self) -> dict[str, Any]:
        # The fields as they are (already JSON values): `asdict` would deep-copy the curves,
        # thousands of floats, each time a run is written.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "folder"}

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
        return cls(**given, folder=folder)


# What a field missing from run.json reads as when a summary reads it partially.
_EMPTY: dict[str, Any] = {
    "project": "", "family": "", "model": "", "task": {}, "dataset": {}, "config": {},
    "seed": 0, "versions": {}, "timings": {}, "metrics": {}, "curves": {}, "parity": None,
    "exportable": False, "export_problem": "", "metrics_source": "", "created": "", "user": "",
}  # fmt: skip


def list_runs(ws: Workspace, slug: str) -> list[RunRecord]:
    """Every recorded run of the project, oldest first; damaged records raise ShipyardError."""
    found = [read_record(folder / RUN_FILE) for folder in run_folders(ws, slug)]
    return sorted(found, key=lambda r: (r.created, r.run_id))


def load_run(ws: Workspace, slug: str, run_id: str) -> RunRecord:
    """One run by id; a missing or damaged record raises ShipyardError naming the file."""
    from shipyard.core.workspace.names import RUN_ID, check_name

    path = runs_dir(ws, slug) / check_name(RUN_ID, run_id) / RUN_FILE
    if not path.is_file():
        known = [r.run_id for r in list_runs(ws, slug)][-5:]
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
