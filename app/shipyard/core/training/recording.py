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

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import SCORED_ON_VALIDATION, RunRecord, _now
from shipyard.core.training.task import TaskSpec
from shipyard.core.workspace.atomic import atomic_write_bytes, atomic_write_text, staged_folder
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import CURVES_FILE, MODEL_FILE, RUN_FILE
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
        row_budget=ws.config.training.row_budget,
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


@dataclass
class _Exported:
    """The fitted pipeline as ONNX, checked against sklearn on the scored rows."""

    model_bytes: bytes | None = None
    parity: dict[str, Any] | None = None
    outputs: tuple[Any, Any] | None = None  # the ONNX model's (labels, probabilities)
    problem: str = ""  # why the run is not exportable ("" when it is)


def _export_and_check(
    ctx: RunContext, pipe: Any, timings: dict[str, float], step: Callable[[float, str], None]
) -> _Exported:
    from shipyard.core.training.onnx_export import check_parity, to_onnx_bytes

    out = _Exported()
    step(0.5, "exporting to ONNX")
    t0 = time.perf_counter()
    try:
        out.model_bytes = to_onnx_bytes(pipe, ctx.spec)
    except Exception as exc:  # skl2onnx raises many kinds; the run records why
        out.problem = f"the pipeline did not convert to ONNX: {type(exc).__name__}: {exc}"
    timings["export"] = time.perf_counter() - t0
    step(0.7, "checking ONNX against sklearn")
    t0 = time.perf_counter()
    if out.model_bytes is not None:
        try:
            par, labels, proba = check_parity(
                ctx.spec, pipe, out.model_bytes, ctx.hold, feed=ctx.hold_feed,
                rows=ctx.parity_rows,
            )  # fmt: skip
        except Exception as exc:  # onnxruntime refusing the converted model, say
            out.problem = f"the ONNX model did not run: {type(exc).__name__}: {exc}"
        else:
            out.parity = par.to_json()
            if par.ok:
                out.outputs = (labels, proba)
            else:
                out.problem = par.reason
    timings["parity"] = time.perf_counter() - t0
    return out


def _scored_outputs(
    ctx: RunContext, pipe: Any, exported: _Exported, timings: dict[str, float]
) -> tuple[tuple[Any, Any], str]:
    """(labels, probabilities) on the scored rows and where they came from: the ONNX file's
    own answers when it agrees with sklearn, else sklearn's; out-of-fold predictions under
    cross-validation."""
    spec, hold = ctx.spec, ctx.hold
    if _cross_validated(ctx):
        if exported.outputs is not None and exported.parity is not None:
            # The model file's own (in-sample) metrics on the training rows: not a score,
            # a fingerprint the gate reproduces to recognise the file.
            exported.parity["file_metrics"] = _metrics(spec, hold.y, exported.outputs)
            exported.parity["file_metrics_rows"] = "train"
        t0 = time.perf_counter()
        outputs = _out_of_fold(pipe, spec, ctx.train, ctx.split.folds, ctx.seed)
        timings["cross_validation"] = time.perf_counter() - t0
        return outputs, "sklearn"
    if exported.outputs is not None:
        return exported.outputs, "onnx"
    if spec.is_classification:
        return (pipe.predict(hold.X).astype(str), pipe.predict_proba(hold.X)), "sklearn"
    return (pipe.predict(hold.X), None), "sklearn"


def _dataset_facts(ctx: RunContext) -> dict[str, Any]:
    return {
        "ref": ctx.version.ref,
        "fingerprint": ctx.version.fingerprint,
        "split_id": ctx.split.split_id,
        "split_sha256": ctx.split.parquet_sha256,
        "train_rows": len(ctx.train),
        # The rows the metrics are scored on (validation; under cross-validation the
        # training rows' out-of-fold predictions).
        "holdout_rows": len(ctx.hold),
        "validation_rows": ctx.split.validation_rows,
        "test_rows": ctx.split.test_rows,
        "selection": ctx.split.selection_json(),
    }


def _commit_run(
    ctx: RunContext, record: RunRecord, model_bytes: bytes | None, job: JobControl,
    details: dict[str, Any],
) -> RunRecord:  # fmt: skip
    """Write the run into `runs/.tmp-<run-id>/`, rename it into place, then audit it."""
    final = runs_dir(ctx.ws, ctx.slug) / record.run_id
    target = f"{ctx.slug}/{record.run_id}"
    with staged_folder(final, name=f".tmp-{record.run_id}") as staged:
        if model_bytes is not None:
            atomic_write_bytes(staged.path / MODEL_FILE, model_bytes)
        if record.curves:  # the bulky plot points go beside run.json, read on demand
            atomic_write_text(staged.path / CURVES_FILE, json.dumps(record.curves) + "\n")
        atomic_write_text(
            staged.path / RUN_FILE, json.dumps(record.run_file_json(), indent=1) + "\n"
        )
        job.check()
        intent = audit_intent(ctx.ws, final, "run.record", target, user=ctx.user, details=details)
        crash_point("train.before_commit")
    record.folder = final
    crash_point("train.before_audit")
    ctx.ws.audit.append("run.record", target, user=ctx.user, details=details)
    intent.done()
    return record


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

    spec = ctx.spec

    def step(share: float, msg: str) -> None:
        job.progress(span[0] + (span[1] - span[0]) * share, f"{family}: {msg}")

    timings = {"fit": fit_seconds}
    cv = _cross_validate(pipe, spec, ctx.train, ctx.folds, ctx.seed) if ctx.folds else None
    exported = _export_and_check(ctx, pipe, timings, step)
    step(0.85, "computing metrics")
    outputs, source = _scored_outputs(ctx, pipe, exported, timings)
    metrics, curves = _metrics(spec, ctx.hold.y, outputs, curves=True)
    key, direction, note = primary_metric(ctx.ws, ctx.slug, spec.kind)
    exportable = not exported.problem
    model_bytes = exported.model_bytes if exportable else None
    record = RunRecord(
        run_id=new_run_id(family),
        project=ctx.slug,
        family=family,
        model=type(pipe.steps[-1][1]).__name__,
        task=spec.to_json() | {"input_rules": spec.input_rules()},
        dataset=_dataset_facts(ctx),
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
        parity=exported.parity,
        exportable=exportable,
        export_problem=exported.problem,
        metrics_source=source,
        created=_now(),
        user=ctx.user,
        cv=cv,
        warnings=list(spec.warnings),
        primary_metric={"key": key, "direction": direction, "note": note},
        sweep=sweep,
        sample=ctx.split.sample,
        # The gate and the export refuse a model.onnx whose bytes are not these.
        model_sha256=hashlib.sha256(model_bytes).hexdigest() if model_bytes else "",
    )
    record.intervals = run_intervals(spec, ctx.hold.y, outputs, metrics, key, ctx.seed)
    record.scored_on = SCORED_ON_VALIDATION
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
    return _commit_run(ctx, record, model_bytes, job, details)


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
