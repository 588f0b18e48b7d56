"""The numpy converter for HistGradientBoosting writes the very model skl2onnx writes."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from shipyard.core.training import build_pipeline, onnx_trees
from shipyard.core.training.onnx_export import to_onnx_bytes
from shipyard.core.training.task import TaskSpec

# skl2onnx's own converter (the reference here) writes booleans into integer attributes.
pytestmark = pytest.mark.filterwarnings("ignore:Field onnx.AttributeProto.ints:DeprecationWarning")


def _data(n: int = 600, features: int = 4) -> np.ndarray:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(n, features))
    X[rng.random(X.shape) < 0.1] = np.nan  # splits that send missing values either way
    return X.astype(np.float32).astype(np.float64)


def _spec(kind: str, classes: list[str] | None = None) -> TaskSpec:
    features = [f"x{i}" for i in range(4)]
    return TaskSpec(
        version_ref="t@v1", fingerprint="f", target="y", kind=kind, rows=600,
        numeric=features, classes=classes or [],
    )  # fmt: skip


def _spy_handled(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What `onnx_trees.handled` answers, call by call."""
    seen: list[bool] = []
    real = onnx_trees.handled
    monkeypatch.setattr(
        onnx_trees, "handled", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1]
    )
    return seen


def _both(pipe: Pipeline, spec: TaskSpec, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    """(the numpy converter's model, skl2onnx's converter's model)."""
    with monkeypatch.context() as m:
        seen = _spy_handled(m)
        ours = to_onnx_bytes(pipe, spec)
    assert seen == [True]
    monkeypatch.setattr(onnx_trees, "handled", lambda *a, **k: False)  # skl2onnx's converter
    theirs = to_onnx_bytes(pipe, spec)
    return ours, theirs


@pytest.mark.parametrize("classes", [["no", "yes"], ["a", "b", "c"]])
def test_classifier_model_is_skl2onnx_byte_for_byte(classes, monkeypatch):
    X = _data()
    y = np.asarray(classes)[np.argmax(X[:, : len(classes)] + np.isnan(X[:, : len(classes)]), 1)]
    spec = _spec("binary" if len(classes) == 2 else "multiclass", classes)
    pipe = build_pipeline("trees", spec).set_params(model__max_iter=15).fit(X, y)
    ours, theirs = _both(pipe, spec, monkeypatch)
    assert ours == theirs

    sess = ort.InferenceSession(ours, providers=["CPUExecutionProvider"])
    feed = {f"x{i}": X[:, i : i + 1].astype(np.float32) for i in range(4)}
    proba = sess.run(None, feed)[1]
    assert np.max(np.abs(proba - pipe.predict_proba(X))) < 1e-5


def test_regressor_model_is_skl2onnx_byte_for_byte(monkeypatch):
    X = _data()
    y = np.nan_to_num(X[:, 0]) * 3 + np.nan_to_num(X[:, 1])
    spec = _spec("regression")
    pipe = build_pipeline("trees", spec).set_params(model__max_iter=15).fit(X, y)
    ours, theirs = _both(pipe, spec, monkeypatch)
    assert ours == theirs


def test_native_categorical_splits_go_to_skl2onnx(monkeypatch):
    X = _data()
    X[:, 0] = np.random.default_rng(2).integers(0, 4, len(X))
    y = np.where(X[:, 0] == 2, "yes", "no")
    est = HistGradientBoostingClassifier(
        max_iter=5, random_state=0, early_stopping=False, categorical_features=[0]
    )
    pipe = build_pipeline("trees", _spec("binary", ["no", "yes"]))
    pipe.steps[-1] = ("model", est)
    pipe.fit(X, y)
    seen = _spy_handled(monkeypatch)
    to_onnx_bytes(pipe, _spec("binary", ["no", "yes"]))
    assert seen == [False]
