"""Train the baseline ladder and record every run in `projects/<slug>/runs/<run-id>/`.

Each run folder holds `run.json` (config, hyper-parameters, dataset ref + fingerprint +
split id, library versions, seed, timings, metrics, confusion matrix, curve points, parity)
and `model.onnx` when the pipeline converted. The folder is built under
`runs/.tmp-<run-id>/` and renamed into place last, so a failed or cancelled run leaves
nothing behind. Metrics are computed from the ONNX model's outputs when it is exportable
(what is gated is what ships), else from sklearn (`metrics_source` says which).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from ..errors import ShipyardError
from ..jobs import JobControl
from ..workspace import Workspace
from .task import TaskSpec, TrainingRefused, detect_task

RUNS = "runs"
RUN_FILE = "run.json"
MODEL_FILE = "model.onnx"
RUN_FORMAT = 1


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
    format: int = RUN_FORMAT
    folder: Path | None = field(default=None, compare=False)

    @property
    def model_path(self) -> Path | None:
        if self.folder is None or not self.exportable:
            return None
        return self.folder / MODEL_FILE

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("folder")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], folder: Path | None = None) -> RunRecord:
        known = {f for f in cls.__dataclass_fields__ if f != "folder"}
        return cls(**{k: v for k, v in data.items() if k in known}, folder=folder)


def runs_dir(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / RUNS


def list_runs(ws: Workspace, slug: str) -> list[RunRecord]:
    """Every recorded run of the project, oldest first; damaged records raise ShipyardError."""
    folder = runs_dir(ws, slug)
    if not folder.is_dir():
        return []
    found: list[RunRecord] = []
    for path in sorted(folder.glob(f"*/{RUN_FILE}")):
        if path.parent.name.startswith("."):
            continue
        try:
            found.append(RunRecord.from_json(json.loads(path.read_text("utf-8")), path.parent))
        except (OSError, ValueError, TypeError) as exc:
            raise ShipyardError(
                f"the run record is damaged ({exc})",
                file=path,
                fix="restore it from a backup, or delete the run's folder",
            ) from None
    return sorted(found, key=lambda r: (r.created, r.run_id))


def load_run(ws: Workspace, slug: str, run_id: str) -> RunRecord:
    """One run by id; a missing or damaged record raises ShipyardError naming the file."""
    path = runs_dir(ws, slug) / run_id / RUN_FILE
    if run_id.startswith(".") or "/" in run_id or not path.is_file():
        known = [r.run_id for r in list_runs(ws, slug)][-5:]
        raise ShipyardError(
            f"project '{slug}' has no run '{run_id}'",
            file=runs_dir(ws, slug),
            fix=("recent runs: " + ", ".join(known)) if known else "train the project first",
        )
    try:
        return RunRecord.from_json(json.loads(path.read_text("utf-8")), path.parent)
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


def train_ladder(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    *,
    user: str,
    job: JobControl | None = None,
    families: list[str] | None = None,
    seed: int = 42,
    features: list[str] | None = None,
    folds: int | None = None,
    holdout: float = 0.2,
    include_pii: bool = False,
) -> list[RunRecord]:
    """Train dummy -> linear -> trees (-> text) on `version`'s stored split; record each run.

    `version` is a DatasetVersion or a reference ("name" or "name@v2"). Progress goes to
    `job`; a cancel is honoured between runs and between the steps of a run (data, fit,
    export, parity, write) and leaves no run folder. Runs finished before the cancel stay.
    """
    from ..data.catalog import resolve
    from ..data.split import make_split
    from .frame import load_frames
    from .ladder import FAMILIES, default_families

    job = job or JobControl()
    ws.project(slug)  # ProjectNotFound with the known slugs
    if isinstance(version, str):
        version = resolve(ws, version)
    job.progress(0.0, "checking the data")
    spec = detect_task(
        version, target, features=features, folds=folds, holdout=holdout, include_pii=include_pii
    )
    fams = list(families) if families is not None else default_families(spec)
    for fam in fams:
        if fam not in FAMILIES:
            raise TrainingRefused(
                f"unknown model family '{fam}'", fix="use one of: " + ", ".join(FAMILIES)
            )
        if fam == "text" and not spec.text:
            raise TrainingRefused(
                "the text rung needs a free-text feature", fix="choose a text column as feature"
            )
    split = make_split(
        version,
        holdout=holdout,
        seed=seed,
        stratify=target if spec.is_classification else None,
        ws=ws,
        user=user,
    )
    job.progress(0.02, "loading the split")
    train, hold = load_frames(version, spec, split)
    versions = library_versions()
    records: list[RunRecord] = []
    for i, fam in enumerate(fams):
        span = (0.05 + 0.95 * i / len(fams), 0.05 + 0.95 * (i + 1) / len(fams))
        records.append(
            _one_run(
                ws,
                slug,
                version,
                spec,
                split,
                train,
                hold,
                fam,
                seed,
                folds,
                versions,
                user,
                job,
                span,
            )
        )
    job.progress(1.0, f"{len(records)} runs recorded")
    return records


def _one_run(
    ws: Workspace,
    slug: str,
    version: Any,
    spec: TaskSpec,
    split: Any,
    train: Any,
    hold: Any,
    family: str,
    seed: int,
    folds: int | None,
    versions: dict[str, str],
    user: str,
    job: JobControl,
    span: tuple[float, float],
) -> RunRecord:
    from .ladder import build_pipeline, hyper_parameters
    from .metrics import classification_metrics, regression_metrics
    from .onnx_export import check_parity, to_onnx_bytes

    def step(share: float, msg: str) -> None:
        job.progress(span[0] + (span[1] - span[0]) * share, f"{family}: {msg}")

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    run_id = f"{stamp}-{family}-{secrets.token_hex(3)}"
    final = runs_dir(ws, slug) / run_id
    tmp = runs_dir(ws, slug) / f".tmp-{run_id}"
    try:
        step(0.0, "fitting")
        pipe = build_pipeline(family, spec, seed)
        t0 = time.perf_counter()
        pipe.fit(train.X, train.y)
        timings = {"fit": time.perf_counter() - t0}
        cv = _cross_validate(pipe, spec, train, folds, seed) if folds else None
        step(0.5, "exporting to ONNX")
        t0 = time.perf_counter()
        model_bytes: bytes | None = None
        problem = ""
        try:
            model_bytes = to_onnx_bytes(pipe, spec)
        except Exception as exc:  # skl2onnx raises many kinds; the run records why
            problem = f"the pipeline did not convert to ONNX: {type(exc).__name__}: {exc}"
        timings["export"] = time.perf_counter() - t0
        step(0.7, "checking ONNX against sklearn")
        t0 = time.perf_counter()
        parity = None
        outputs: tuple[Any, Any] | None = None
        if model_bytes is not None:
            par, labels, proba = check_parity(spec, pipe, model_bytes, hold)
            parity = par.to_json()
            if par.ok:
                outputs = (labels, proba)
            else:
                problem = par.reason
        timings["parity"] = time.perf_counter() - t0
        step(0.85, "computing metrics")
        if outputs is None:
            if spec.is_classification:
                outputs = (pipe.predict(hold.X).astype(str), pipe.predict_proba(hold.X))
            else:
                outputs = (pipe.predict(hold.X), None)
            source = "sklearn"
        else:
            source = "onnx"
        if spec.is_classification:
            metrics, curves = classification_metrics(hold.y, outputs[0], outputs[1], spec.classes)
        else:
            metrics, curves = regression_metrics(hold.y, outputs[0])
        exportable = not problem
        record = RunRecord(
            run_id=run_id,
            project=slug,
            family=family,
            model=type(pipe.steps[-1][1]).__name__,
            task=spec.to_json() | {"input_rules": spec.input_rules()},
            dataset={
                "ref": version.ref,
                "fingerprint": version.fingerprint,
                "split_id": split.split_id,
                "split_sha256": split.parquet_sha256,
                "train_rows": len(train),
                "holdout_rows": len(hold),
            },
            config={
                "steps": [name for name, _ in pipe.steps],
                "hyper_parameters": hyper_parameters(pipe),
                "pipeline": repr(pipe),
            },
            seed=seed,
            versions=versions,
            timings={k: round(v, 6) for k, v in timings.items()},
            metrics=metrics,
            curves=curves,
            parity=parity,
            exportable=exportable,
            export_problem=problem,
            metrics_source=source,
            created=_now(),
            user=user,
            cv=cv,
            warnings=list(spec.warnings),
        )
        step(0.95, "writing the run")
        tmp.mkdir(parents=True)
        if model_bytes is not None and exportable:
            atomic_write_bytes(tmp / MODEL_FILE, model_bytes)
        atomic_write_text(tmp / RUN_FILE, json.dumps(record.to_json(), indent=1) + "\n")
        job.check()
        os.rename(tmp, final)
        fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    record.folder = final
    ws.audit.append(
        "run.record",
        f"{slug}/{run_id}",
        user=user,
        details={
            "family": family,
            "dataset": version.ref,
            "split": split.split_id,
            "exportable": exportable,
        },
    )
    return record


def _cross_validate(pipe: Any, spec: TaskSpec, train: Any, folds: int, seed: int) -> dict[str, Any]:
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    if spec.is_classification:
        cv: Any = StratifiedKFold(folds, shuffle=True, random_state=seed)
        scoring = "accuracy"
    else:
        cv = KFold(folds, shuffle=True, random_state=seed)
        scoring = "neg_root_mean_squared_error"
    scores = cross_val_score(clone(pipe), train.X, train.y, cv=cv, scoring=scoring)
    return {
        "folds": folds,
        "scoring": scoring,
        "scores": [float(s) for s in scores],
        "mean": float(scores.mean()),
        "std": float(scores.std()),
    }
