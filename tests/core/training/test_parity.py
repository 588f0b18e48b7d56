"""The parity check's scoring: onnxruntime in blocks on two threads, beside sklearn."""

from __future__ import annotations

import numpy as np
import pytest

from shipyard.core.training import build_pipeline
from shipyard.core.training.onnx_export import onnx_predict, onnx_predict_beside, to_onnx_bytes
from shipyard.core.training.task import TaskSpec


@pytest.fixture(scope="module")
def model() -> tuple[bytes, dict[str, np.ndarray]]:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2500, 3))
    y = np.where(X[:, 0] + rng.normal(size=2500) > 0, "yes", "no")
    spec = TaskSpec(
        version_ref="t@v1", fingerprint="f", target="y", kind="binary", rows=2500,
        numeric=["a", "b", "c"], classes=["no", "yes"],
    )  # fmt: skip
    pipe = build_pipeline("linear", spec).fit(X, y)
    feed = {c: X[:, i : i + 1].astype(np.float32) for i, c in enumerate(spec.features)}
    return to_onnx_bytes(pipe, spec), feed


def test_blocks_on_two_threads_give_one_call_s_answers(model):
    model_bytes, feed = model
    (labels, proba), other = onnx_predict_beside(model_bytes, feed, 2500, lambda: "beside")
    want_labels, want_proba = onnx_predict(model_bytes, feed, threads=1)
    assert other == "beside"
    assert labels.tolist() == want_labels.tolist()  # 1,024-row blocks and a ragged last one
    assert np.array_equal(proba, want_proba)


def test_no_rows_still_gives_outputs_of_the_right_shape(model):
    model_bytes, feed = model
    empty = {k: v[:0] for k, v in feed.items()}
    (labels, proba), _ = onnx_predict_beside(model_bytes, empty, 0, lambda: None)
    assert labels.shape == (0,) and proba.shape == (0, 2)


def test_a_model_onnxruntime_cannot_load_raises_instead_of_hanging(model):
    _, feed = model
    with pytest.raises(Exception, match=r"(?i)protobuf|parse|load"):
        onnx_predict_beside(b"not a model", feed, 2500, lambda: None)
