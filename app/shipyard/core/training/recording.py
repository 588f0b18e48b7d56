"""Record one fitted pipeline as a run: ONNX export, parity, metrics, run.json, audit entry.

The one path every run takes (the ladder and each sweep trial). The run folder is built under
`runs/.tmp-<run-id>/` and renamed into place last, so an error or a cancel leaves nothing.
Metrics come from the ONNX model's outputs when it is exportable (what is gated is what
ships), else from sklearn (`metrics_source` says which).

Runs are scored on the split's validation rows only (`scored_on` = "validation" in run.json):
the leaderboard, sweeps, comparisons and promotion use those scores. Under cross-validation
(small data, see core/data/split.py) a run is scored on the out-of-fold predictions of
sklearn clones of its pipeline on the training rows. The test rows stay sealed: nothing here
reads them; the gate scores them for the run it gates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import SCORED_ON_VALIDATION, RunRecord, _now
from shipyard.core.training.task import TaskSpec
from shipyard.core.workspace.atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import MODEL_FILE, RUN_FILE
from shipyard.core.workspace.recovery import audit_intent
from shipyard.core.workspace.run_folders import runs_dir
from shipyard.core.workspace.workspace import Workspace


@dataclass
class RunContext:
    """What every run of one training job shares: data, split, frames, seed, versions."""

    ws: Workspace
    slug: str
    version: Any
    spec: TaskSpec
    split: Any
    train: Any
    hold: Any  # the rows runs are scored on: validation (the training rows under CV)
    seed: int
    folds: int | None
    versions: dict[str, str]
    user: str
    # Shared by every run's parity check: the holdout as ONNX inputs, sklearn's sample rows.
    hold_feed: dict[str, Any]
    parity_rows: Any


def prepare_context(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    *,
    user: str,
    job: JobControl,
    seed: int = 42,
    features: list[str] | None = None,
    folds: int | None = None,
    holdout: float = 0.2,
    include_pii: bool = False,
) -> RunContext:
    """Check the task, make (or reuse) the stored split and load its frames.

    `version` is a DatasetVersion or a reference ("name" or "name@v2"). Bad input raises
    TrainingRefused before anything is written.
    """
    from shipyard.core.data.catalog import resolve
    from shipyard.core.data.split import make_split
    from shipyard.core.training.frame import load_frames
    from shipyard.core.training.onnx_export import parity_rows
    from shipyard.core.training.runs import library_versions
    from shipyard.core.training.task import detect_task

    ws.project(slug)  # ProjectNotFound with the known slugs
    if isinstance(version, str):
        version = resolve(ws, version)
    job.progress(0.0, "checking the data")
    spec = detect_task(
        version, target, features=features, folds=folds, holdout=holdout, include_pii=include_pii
    )
    split = make_split(
        version,
        holdout=holdout,
        seed=seed,
        stratify=target if spec.is_classification else None,
        ws=ws,
        user=user,
        sealed=True,
    )
    job.progress(0.02, "loading the split")
    train, hold = load_frames(version, spec, split)
    versions = library_versions()
    return RunContext(
        ws, slug, version, spec, split, train, hold, seed, folds, versions, user,
        hold_feed=hold.onnx_feed(spec), parity_rows=parity_rows(len(hold)),
    )  # fmt: skip


def new_run_id(family: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{family}-{secrets.token_hex(3)}"


def record_run(
    ctx: RunContext,
    pipe: Any,
    family: str,
    fit_seconds: float,
    job: JobControl,
    span: tuple[float, float] = (0.0, 1.0),
    *,
    sweep: dict[str, Any] | None = None,
) -> RunRecord:
    """Export, check and write the fitted `pipe` as a new run; returns its record."""
    from shipyard.core.training.ladder import hyper_parameters
    from shipyard.core.training.leaderboard import primary_metric
    from shipyard.core.training.onnx_export import check_parity, to_onnx_bytes

    spec, hold, train = ctx.spec, ctx.hold, ctx.train

    def step(share: float, msg: str) -> None:
        job.progress(span[0] + (span[1] - span[0]) * share, f"{family}: {msg}")

    run_id = new_run_id(family)
    final = runs_dir(ctx.ws, ctx.slug) / run_id
    tmp = runs_dir(ctx.ws, ctx.slug) / f".tmp-{run_id}"
    try:
        timings = {"fit": fit_seconds}
        cv = _cross_validate(pipe, spec, train, ctx.folds, ctx.seed) if ctx.folds else None
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
            try:
                par, labels, proba = check_parity(
                    spec, pipe, model_bytes, hold, feed=ctx.hold_feed, rows=ctx.parity_rows
                )
            except Exception as exc:  # onnxruntime refusing the converted model, say
                problem = f"the ONNX model did not run: {type(exc).__name__}: {exc}"
            else:
                parity = par.to_json()
                if par.ok:
                    outputs = (labels, proba)
                else:
                    problem = par.reason
        timings["parity"] = time.perf_counter() - t0
        step(0.85, "computing metrics")
        if _cross_validated(ctx):
            if outputs is not None and parity is not None:
                # The model file's own (in-sample) metrics on the training rows: not a score,
                # a fingerprint the gate reproduces to recognise the file.
                parity["file_metrics"] = _metrics(spec, hold.y, outputs)
                parity["file_metrics_rows"] = "train"
            t0 = time.perf_counter()
            outputs = _out_of_fold(pipe, spec, train, ctx.split.folds, ctx.seed)
            timings["cross_validation"] = time.perf_counter() - t0
            source = "sklearn"
        elif outputs is None:
            if spec.is_classification:
                outputs = (pipe.predict(hold.X).astype(str), pipe.predict_proba(hold.X))
            else:
                outputs = (pipe.predict(hold.X), None)
            source = "sklearn"
        else:
            source = "onnx"
        metrics, curves = _metrics(spec, hold.y, outputs, curves=True)
        key, direction, note = primary_metric(ctx.ws, ctx.slug, spec.kind)
        intervals = run_intervals(spec, hold.y, outputs, metrics, key, ctx.seed)
        exportable = not problem
        record = RunRecord(
            run_id=run_id,
            project=ctx.slug,
            family=family,
            model=type(pipe.steps[-1][1]).__name__,
            task=spec.to_json() | {"input_rules": spec.input_rules()},
            dataset={
                "ref": ctx.version.ref,
                "fingerprint": ctx.version.fingerprint,
                "split_id": ctx.split.split_id,
                "split_sha256": ctx.split.parquet_sha256,
                "train_rows": len(train),
                # The rows the metrics are scored on (validation; under cross-validation the
                # training rows' out-of-fold predictions).
                "holdout_rows": len(hold),
                "validation_rows": ctx.split.validation_rows,
                "test_rows": ctx.split.test_rows,
                "selection": ctx.split.selection_json(),
            },
            config={
                "steps": [name for name, _ in pipe.steps],
                "hyper_parameters": hyper_parameters(pipe),
                "pipeline": repr(pipe),
            },
            seed=ctx.seed,
            versions=ctx.versions,
            timings={k: round(v, 6) for k, v in timings.items()},
            metrics=metrics,
            curves=curves,
            parity=parity,
            exportable=exportable,
            export_problem=problem,
            metrics_source=source,
            created=_now(),
            user=ctx.user,
            cv=cv,
            warnings=list(spec.warnings),
            primary_metric={"key": key, "direction": direction, "note": note},
            sweep=sweep,
            # The gate and the export refuse a model.onnx whose bytes are not these.
            model_sha256=(
                hashlib.sha256(model_bytes).hexdigest()
                if model_bytes is not None and exportable
                else ""
            ),
        )
        step(0.95, "writing the run")
        details: dict[str, Any] = {
            "family": family,
            "dataset": ctx.version.ref,
            "split": ctx.split.split_id,
            "exportable": exportable,
            "scored_on": SCORED_ON_VALIDATION,
        }
        if sweep is not None:
            details["sweep"] = sweep["id"]
        tmp.mkdir(parents=True)
        if model_bytes is not None and exportable:
            atomic_write_bytes(tmp / MODEL_FILE, model_bytes)
        record.intervals = intervals
        record.scored_on = SCORED_ON_VALIDATION
        atomic_write_text(tmp / RUN_FILE, json.dumps(record.to_json(), indent=1) + "\n")
        job.check()
        target = f"{ctx.slug}/{run_id}"
        intent = audit_intent(ctx.ws, final, "run.record", target, user=ctx.user, details=details)
        crash_point("train.before_commit")
        os.rename(tmp, final)
        fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    record.folder = final
    crash_point("train.before_audit")
    ctx.ws.audit.append("run.record", target, user=ctx.user, details=details)
    intent.done()
    return record


def run_intervals(
    spec: TaskSpec, y: Any, outputs: tuple[Any, Any], metrics: dict[str, Any], key: str, seed: int
) -> dict[str, Any]:
    """run.json's `intervals`: the 95% interval of the primary metric (and accuracy's, which
    costs nothing) on the holdout, from the fixed predictions (see intervals.py)."""
    from shipyard.core.training.intervals import intervals_json, metric_interval

    classes = list(spec.classes) if spec.is_classification else None
    wanted = [key, "accuracy"] if classes is not None and key != "accuracy" else [key]
    found = [
        metric_interval(m, metrics.get(m), y, outputs[0], outputs[1], classes, seed=seed)
        for m in wanted
    ]
    return intervals_json([i for i in found if i is not None])


def _metrics(spec: TaskSpec, y: Any, outputs: tuple[Any, Any], *, curves: bool = False) -> Any:
    from shipyard.core.training.metrics import classification_metrics, regression_metrics

    if spec.is_classification:
        found = classification_metrics(y, outputs[0], outputs[1], spec.classes)
    else:
        found = regression_metrics(y, outputs[0])
    return found if curves else found[0]


def _cross_validated(ctx: RunContext) -> bool:
    from shipyard.core.data.split import CROSS_VALIDATION

    return bool(ctx.split.sealed and ctx.split.selection == CROSS_VALIDATION)


def _out_of_fold(pipe: Any, spec: TaskSpec, train: Any, folds: int, seed: int) -> tuple[Any, Any]:
    """(labels or values, probabilities or None) for every training row, each predicted by a
    clone of `pipe` fitted on the other folds (seeded, stratified for a classification)."""
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    if not spec.is_classification:
        cv: Any = KFold(folds, shuffle=True, random_state=seed)
        values = cross_val_predict(clone(pipe), train.X, train.y, cv=cv)
        return np.asarray(values, dtype=np.float64), None
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    found = cross_val_predict(clone(pipe), train.X, train.y, cv=cv, method="predict_proba")
    classes = [str(c) for c in spec.classes]
    proba = np.zeros((len(train), len(classes)), dtype=np.float64)
    for j, c in enumerate(np.unique(train.y)):  # sklearn's column order
        proba[:, classes.index(str(c))] = found[:, j]
    labels = np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)].astype(str)
    return labels, proba


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
