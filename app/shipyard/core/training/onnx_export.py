"""Export a fitted ladder pipeline to ONNX and check it against sklearn.

- One graph input per feature column: FloatTensorType([None, 1]) for numbers and booleans,
  StringTensorType([None, 1]) for categories and text (see `Frame.onnx_feed`), named by
  `TaskSpec.onnx_names` (a column such as "mean radius" or "€" is not a name every runtime
  and client accepts; the mapping goes into the run record and the package manifest).
- Classifiers: `zipmap` off, so outputs are `label` (n,) and `probabilities` (n, classes).
- TF-IDF: sklearn's token pattern `(?u)\\b\\w\\w+\\b` is Unicode-aware; onnxruntime's
  Tokenizer uses RE2 where `\\w` is ASCII only (and skl2onnx's default maps the pattern to
  `[a-zA-Z0-9_]+`), so words such as "Zürich" would split. We pass `tokenexp`
  `[\\p{L}\\p{N}_]{2,}` (runs of two or more letters/digits/underscores: the same tokens)
  and `locale` "C.UTF-8" for the lower-casing StringNormalizer (the default "en_US" may be
  missing on a machine).
- DummyClassifier/DummyRegressor have no skl2onnx converter; a small one is registered
  here (constant class prior / mean, broadcast to the batch size).
- HistGradientBoosting goes through `onnx_trees`: skl2onnx's graph, built with numpy.

Parity thresholds (`check_parity`): a run is exportable when labels agree on at least
99.9% of holdout rows and the largest probability difference is at most 1e-4
(classification), or the largest value difference is at most 1e-4 x max(1, max |prediction|)
(regression; ONNX computes in float32).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from shipyard.core.training.frame import Frame
from shipyard.core.training.onnx_trees import register as register_tree_converters
from shipyard.core.training.task import TaskSpec

LABEL_AGREEMENT_MIN = 0.999
PROBA_DIFF_MAX = 1e-4
VALUE_REL_DIFF_MAX = 1e-4
PARITY_ROWS = 5_000  # sklearn's side of the parity check: a seeded sample of the holdout
ONNX_BLOCK_ROWS = 1_024  # the parity check's onnxruntime calls: blocks of at least this
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
TOKEN_REGEX = r"[\p{L}\p{N}_]{2,}"
LOCALE = "C.UTF-8"
T = TypeVar("T")

_registered = False


@dataclass
class Parity:
    rows: int
    label_agreement: float | None  # classification
    max_proba_diff: float | None  # classification
    max_value_diff: float | None  # regression
    ok: bool
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _register_converters() -> None:
    global _registered
    if _registered:
        return
    import numpy as np
    from onnx import TensorProto, helper
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from sklearn.dummy import DummyClassifier, DummyRegressor

    def batch_shape(scope: Any, operator: Any, container: Any) -> str:
        shape = scope.get_unique_variable_name("shape")
        n = scope.get_unique_variable_name("n")
        container.add_node("Shape", operator.inputs[0].full_name, shape)
        starts = scope.get_unique_variable_name("starts")
        ends = scope.get_unique_variable_name("ends")
        container.add_initializer(starts, TensorProto.INT64, [1], [0])
        container.add_initializer(ends, TensorProto.INT64, [1], [1])
        container.add_node("Slice", [shape, starts, ends], n)
        return str(n)

    def clf_shape(operator: Any) -> None:
        op = operator.raw_operator
        n = operator.inputs[0].get_first_dimension()
        is_str = np.asarray(op.classes_).dtype.kind in "OUS"
        operator.outputs[0].type = StringTensorType([n]) if is_str else Int64TensorType([n])
        operator.outputs[1].type = FloatTensorType([n, len(op.classes_)])

    def clf_convert(scope: Any, operator: Any, container: Any) -> None:
        op = operator.raw_operator
        n = batch_shape(scope, operator, container)
        classes = np.asarray(op.classes_)
        prior = np.asarray(op.class_prior_, dtype=np.float32).reshape(1, -1)
        top = classes[int(np.argmax(prior))]
        prob_c = scope.get_unique_variable_name("prior")
        container.add_initializer(prob_c, TensorProto.FLOAT, list(prior.shape), prior.ravel())
        width = scope.get_unique_variable_name("width")
        container.add_initializer(width, TensorProto.INT64, [1], [prior.shape[1]])
        full = scope.get_unique_variable_name("full_shape")
        container.add_node("Concat", [n, width], full, axis=0)
        container.add_node("Expand", [prob_c, full], operator.outputs[1].full_name)
        label_c = scope.get_unique_variable_name("top")
        if classes.dtype.kind in "OUS":
            label = [str(top).encode()]
            # onnx's stub lists numbers only, but a STRING tensor takes bytes.
            tensor = helper.make_tensor(label_c, TensorProto.STRING, [1], label)  # type: ignore[arg-type]  # bytes for STRING
        else:
            tensor = helper.make_tensor(label_c, TensorProto.INT64, [1], [int(top)])
        container.initializers.append(tensor)
        container.add_node("Expand", [label_c, n], operator.outputs[0].full_name)

    def reg_shape(operator: Any) -> None:
        n = operator.inputs[0].get_first_dimension()
        operator.outputs[0].type = FloatTensorType([n, 1])

    def reg_convert(scope: Any, operator: Any, container: Any) -> None:
        op = operator.raw_operator
        n = batch_shape(scope, operator, container)
        value = scope.get_unique_variable_name("mean")
        mean = float(np.ravel(op.constant_)[0])
        container.add_initializer(value, TensorProto.FLOAT, [1, 1], [mean])
        one = scope.get_unique_variable_name("one")
        container.add_initializer(one, TensorProto.INT64, [1], [1])
        full = scope.get_unique_variable_name("full_shape")
        container.add_node("Concat", [n, one], full, axis=0)
        container.add_node("Expand", [value, full], operator.outputs[0].full_name)

    update_registered_converter(
        DummyClassifier,
        "ShipyardDummyClassifier",
        clf_shape,
        clf_convert,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    update_registered_converter(DummyRegressor, "ShipyardDummyRegressor", reg_shape, reg_convert)
    register_tree_converters()
    _registered = True


def initial_types(spec: TaskSpec) -> list[tuple[str, Any]]:
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    numeric = set(spec.numeric)
    return [
        (name, FloatTensorType([None, 1]) if c in numeric else StringTensorType([None, 1]))
        for c, name in spec.onnx_names().items()
    ]


def to_onnx_bytes(pipe: Any, spec: TaskSpec) -> bytes:
    """Convert the fitted pipeline; raises whatever skl2onnx raises when it cannot."""
    from skl2onnx import to_onnx
    from sklearn.feature_extraction.text import TfidfVectorizer

    _register_converters()
    options: dict[Any, Any] = {}
    if spec.is_classification:
        options[id(pipe.steps[-1][1])] = {"zipmap": False}
    if spec.text:
        options[TfidfVectorizer] = {"tokenexp": TOKEN_REGEX, "locale": LOCALE}
    types = initial_types(spec)
    model = to_onnx(pipe, initial_types=types, options=options, target_opset=TARGET_OPSET)
    got = [i.name for i in model.graph.input]
    if got != [name for name, _ in types]:  # the feed, the manifest and serving rely on it
        raise ValueError(f"the converter renamed the model's inputs: {got[:5]}")
    _sort_opsets(model)
    data: bytes = model.SerializeToString()
    return data


def _sort_opsets(model: Any) -> None:
    """skl2onnx lists the imported opsets in the order of a set of (domain, version) pairs,
    which follows the process's string-hash seed: sorted, the same pipeline gives the same
    bytes (and `model_sha256`) in every process, on this machine or a cluster's worker."""
    opsets = sorted((o.domain, o.version) for o in model.opset_import)
    del model.opset_import[:]
    for domain, version in opsets:
        model.opset_import.add(domain=domain, version=version)


def onnx_session(model_bytes: bytes, threads: int = 0) -> Any:
    """An onnxruntime session on the CPU (`threads` 0: all cores), warnings only."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = threads
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def _model_outputs(outs: list[Any]) -> tuple[Any, Any]:
    import numpy as np

    if len(outs) >= 2:
        return np.asarray(outs[0]), np.asarray(outs[1])
    return np.asarray(outs[0]).reshape(-1), None


def onnx_predict(model_bytes: bytes, feed: dict[str, Any], threads: int = 0) -> tuple[Any, Any]:
    """(labels or values, probabilities or None) from onnxruntime (`threads` 0: all cores)."""
    sess = onnx_session(model_bytes, threads)
    names = {i.name for i in sess.get_inputs()}
    return _model_outputs(sess.run(None, {k: v for k, v in feed.items() if k in names}))


def parity_rows(n: int) -> Any:
    """The holdout rows sklearn answers in the parity check: a seeded sample of PARITY_ROWS."""
    import numpy as np

    if n <= PARITY_ROWS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, PARITY_ROWS, replace=False))


def sklearn_reference(spec: TaskSpec, pipe: Any, X: Any) -> Any:
    """sklearn's side of the parity check on rows `X`: probabilities, or values (float64)."""
    import numpy as np

    if spec.is_classification:
        # One pass: every ladder classifier predicts the class of largest probability, so
        # the labels follow from predict_proba (predict() would cost a second pass).
        return pipe.predict_proba(X)
    return pipe.predict(X).astype(np.float64)


def onnx_predict_beside(
    model_bytes: bytes, feed: dict[str, Any], n: int, beside: Callable[[], T]
) -> tuple[tuple[Any, Any], T]:
    """(`onnx_predict` on the `n` rows of `feed`, what `beside()` returns), run at once.

    Two threads, each single-threaded (the job shares the machine with the window, and on
    a busy machine OpenMP and onnxruntime pools run 2x slower): a worker makes the session
    and answers the rows in blocks (each call releases the GIL) while this thread runs
    `beside`, then helps with the blocks that are left.
    """
    import numpy as np

    from shipyard.core.training.threads import native_threads

    block = max(ONNX_BLOCK_ROWS, -(-n // 16))
    starts = iter(range(0, n, block))  # shared: each block is taken by one thread
    answers: dict[int, list[Any]] = {}
    session: Future[Any] = Future()

    def answer_blocks() -> None:
        sess = session.result()
        inputs = {i.name: feed[i.name] for i in sess.get_inputs()}
        for start in starts:
            answers[start] = sess.run(
                None, {k: v[start : start + block] for k, v in inputs.items()}
            )

    def start_session() -> None:
        try:
            session.set_result(onnx_session(model_bytes, threads=1))
        except BaseException as exc:
            session.set_exception(exc)
            raise
        answer_blocks()

    with ThreadPoolExecutor(1, thread_name_prefix="onnx-blocks") as pool:
        worker = pool.submit(start_session)
        with native_threads(1):
            other = beside()
        answer_blocks()
        worker.result()
    if not answers:  # no rows: one call for the outputs' shapes
        sess = session.result()
        return _model_outputs(
            sess.run(None, {i.name: feed[i.name] for i in sess.get_inputs()})
        ), other
    order = sorted(answers)
    outs = [np.concatenate([answers[s][i] for s in order]) for i in range(len(answers[0]))]
    return _model_outputs(outs), other


def check_parity(
    spec: TaskSpec,
    pipe: Any,
    model_bytes: bytes,
    hold: Frame,
    *,
    feed: dict[str, Any] | None = None,
    rows: Any = None,
) -> tuple[Parity, Any, Any]:
    """Compare sklearn and onnxruntime on the holdout; also returns the ONNX outputs.

    ONNX answers every holdout row (the metrics use them); sklearn answers `rows` (default
    `parity_rows`), both at once (`onnx_predict_beside`). A caller running many checks on
    one holdout passes its ONNX `feed`.
    """
    import numpy as np

    feed = hold.onnx_feed(spec) if feed is None else feed
    rows = parity_rows(len(hold)) if rows is None else rows
    (labels, proba), sk_out = onnx_predict_beside(
        model_bytes, feed, len(hold), lambda: sklearn_reference(spec, pipe, hold.X[rows])
    )
    m = len(rows)
    if spec.is_classification:
        sk_proba = sk_out
        sk_labels = np.asarray(pipe.classes_)[np.argmax(sk_proba, axis=1)].astype(str)
        agreement = float(np.mean(sk_labels == labels[rows].astype(str))) if m else 1.0
        diff = float(np.max(np.abs(sk_proba - proba[rows]))) if m else 0.0
        ok = agreement >= LABEL_AGREEMENT_MIN and diff <= PROBA_DIFF_MAX
        reason = (
            ""
            if ok
            else f"ONNX disagrees with sklearn on the holdout: labels agree on "
            f"{agreement:.2%} (need {LABEL_AGREEMENT_MIN:.1%}), largest probability "
            f"difference {diff:.2e} (allowed {PROBA_DIFF_MAX:.0e})"
        )
        return Parity(m, agreement, diff, None, ok, reason), labels.astype(str), proba
    sk = sk_out
    values = labels.astype(np.float64)
    diff = float(np.max(np.abs(sk - values[rows]))) if m else 0.0
    allowed = VALUE_REL_DIFF_MAX * max(1.0, float(np.max(np.abs(sk))) if m else 1.0)
    ok = diff <= allowed
    reason = (
        ""
        if ok
        else f"ONNX disagrees with sklearn on the holdout: largest value difference "
        f"{diff:.3g} (allowed {allowed:.3g})"
    )
    return Parity(m, None, None, diff, ok, reason), values, None
