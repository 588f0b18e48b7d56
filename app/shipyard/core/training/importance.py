"""Permutation feature importance of a run, measured on its holdout through its ONNX model.

Computed on demand (never at train time) from `runs/<id>/model.onnx` with onnxruntime, so it
explains the model that ships; no pickle is ever written or read. The holdout is rebuilt from
the run's dataset ref, fingerprint and split id. The result is cached in
`runs/<id>/importance.json` and returned from there while the settings are the same.

Importance of a feature = how much worse the metric gets when that column is shuffled
(mean and standard deviation over `repeats` shuffles): ROC AUC lost for binary tasks, log
loss added for multiclass and text, RMSE added for regression.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import RunRecord, load_run
from shipyard.core.training.task import TaskSpec
from shipyard.core.workspace.layout import IMPORTANCE_FILE
from shipyard.core.workspace.workspace import Workspace

IMPORTANCE_FORMAT = 1


def _spec(record: RunRecord) -> TaskSpec:
    return TaskSpec.from_record(record.task)


def _holdout(ws: Workspace, record: RunRecord) -> tuple[TaskSpec, Any]:
    from shipyard.core.data import DatasetNotFound, load_split, resolve
    from shipyard.core.training.frame import load_frames

    ref = record.dataset.get("ref", "")
    fix = f"import the data again as {ref}, or train a new run"
    try:
        version = resolve(ws, ref)
    except DatasetNotFound:
        raise ShipyardError(
            f"run {record.run_id} was trained on {ref}, which is no longer in the workspace",
            file=record.folder,
            fix=fix,
        ) from None
    if version.fingerprint != record.dataset.get("fingerprint"):
        raise ShipyardError(
            f"{ref} no longer has the content run {record.run_id} was trained on",
            file=record.folder,
            fix=fix,
        )
    spec = _spec(record)
    split = load_split(version, record.dataset.get("split_id"))
    _, hold = load_frames(version, spec, split)
    return spec, hold


def _scorer(spec: TaskSpec) -> tuple[str, Any]:
    """(metric name, fn(y, outputs) -> loss where higher is worse)."""
    import numpy as np
    from sklearn import metrics as m

    if not spec.is_classification:
        return "rmse", lambda y, out: float(np.sqrt(m.mean_squared_error(y, out[0])))
    if spec.kind == "binary":
        pos = spec.classes[1]
        return "roc_auc", lambda y, out: -float(m.roc_auc_score(y == pos, out[1][:, 1]))
    return "log_loss", lambda y, out: float(
        m.log_loss(y, np.clip(out[1], 1e-7, 1.0), labels=spec.classes)
    )


def permutation_importance(
    ws: Workspace,
    slug: str,
    run_id: str,
    *,
    job: JobControl | None = None,
    repeats: int = 5,
    max_rows: int = 5000,
    seed: int = 0,
) -> dict[str, Any]:
    """{"features", "mean", "std", "metric", "rows"} for the run, most important first."""
    import numpy as np

    from shipyard.core.workspace.atomic import atomic_write_text

    job = job or JobControl()
    record = load_run(ws, slug, run_id)
    model = _model_file(record, run_id)
    assert record.folder is not None
    cache = record.folder / IMPORTANCE_FILE
    settings = {"repeats": repeats, "max_rows": max_rows, "seed": seed}
    cached = _cached(cache, settings)
    if cached is not None:
        return cached
    job.progress(0.0, "loading the holdout")
    spec, hold = _holdout(ws, record)
    if len(hold) < 2:
        raise ShipyardError(
            f"run {run_id}'s holdout has {len(hold)} rows: too few to shuffle",
            file=record.folder,
            fix="train on more data",
        )
    rng = np.random.default_rng(seed)
    take = np.sort(rng.choice(len(hold), size=min(max_rows, len(hold)), replace=False))
    feed = {k: v[take] for k, v in hold.onnx_feed(spec).items()}
    y = hold.y[take]
    metric, score = _onnx_scorer(model, spec, y)
    base = score(feed)
    means, stds = _shuffle_losses(spec.features, feed, len(y), score, base, rng, repeats, job)
    order = sorted(range(len(means)), key=lambda j: -means[j])
    data = {
        "format": IMPORTANCE_FORMAT,
        "features": [spec.features[j] for j in order],
        "mean": [means[j] for j in order],
        "std": [stds[j] for j in order],
        "metric": metric,
        "baseline": abs(base) if metric == "roc_auc" else base,
        "rows": len(y),
        "settings": settings,
    }
    job.check()
    atomic_write_text(cache, json.dumps(data, indent=1) + "\n")
    job.progress(1.0, "done")
    return data


def _model_file(record: RunRecord, run_id: str) -> Path:
    """The run's model.onnx; a run without one has nothing to explain."""
    model = record.model_path
    if model is None or not model.is_file():
        raise ShipyardError(
            f"run {run_id} has no ONNX model to explain"
            + (f" ({record.export_problem})" if record.export_problem else ""),
            file=record.folder,
            fix="pick a run whose ONNX export passed the parity check",
        )
    return model


def _cached(cache: Path, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The importance stored for these settings, if any (a damaged cache is recomputed)."""
    if not cache.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(cache.read_text("utf-8"))
        if data.get("settings") == settings:
            return data
    except (OSError, ValueError):
        pass  # a damaged cache is recomputed
    return None


def _onnx_scorer(
    model: Path, spec: TaskSpec, y: Any
) -> tuple[str, Callable[[dict[str, Any]], float]]:
    """(metric name, score(inputs) -> the model's loss on `y`, higher is worse)."""
    import numpy as np
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    metric, loss = _scorer(spec)

    def score(inputs: dict[str, Any]) -> float:
        outs = sess.run(None, {k: inputs[k] for k in names})
        out = (np.asarray(outs[0]).reshape(-1), outs[1] if len(outs) > 1 else None)
        return float(loss(y, out))

    return metric, score


def _shuffle_losses(
    features: list[str],
    feed: dict[str, Any],
    rows: int,
    score: Callable[[dict[str, Any]], float],
    base: float,
    rng: Any,
    repeats: int,
    job: JobControl,
) -> tuple[list[float], list[float]]:
    """(mean, std) of the loss added by shuffling each feature, `repeats` times each."""
    import numpy as np

    means: list[float] = []
    stds: list[float] = []
    for i, col in enumerate(features):
        job.progress(0.05 + 0.95 * i / len(features), f"shuffling '{col}'")
        drops = []
        for _ in range(repeats):
            shuffled = dict(feed)
            shuffled[col] = feed[col][rng.permutation(rows)]
            drops.append(score(shuffled) - base)
        means.append(float(np.mean(drops)))
        stds.append(float(np.std(drops)))
    return means, stds
