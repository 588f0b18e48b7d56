"""Replaying requests: holdout rows plus a generated robustness set, counting errors.

A request is a dict of raw values, column -> value, as a client would send it. The request
adapter turns it into ONNX inputs following the run's input rules: numbers accept ints,
floats, booleans and numeric text ("" and None are missing, +/-inf is missing); categories
and text accept anything (str()). A value the adapter cannot turn into an input (text
where a number is expected) is a refused request and counts as an error, as does a call
that raises or returns NaN.

The robustness set takes the first `rows_per_case` holdout rows and, one column at a time,
replaces the value with: missing (None), an empty string, a wrong type (text for a number,
a number for a category), an unseen category or word, and an out-of-range number (far
beyond the training range on both sides).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..jobs import JobControl
from ..training.task import MISSING_CATEGORY, TaskSpec

UNSEEN = "__shipyard_unseen__"
WRONG_TYPE_TEXT = "not a number"
WRONG_TYPE_NUMBER = 12345


class RequestRefused(ValueError):
    """The request holds a value the model cannot accept."""


@dataclass(frozen=True)
class Case:
    kind: str  # holdout | missing | empty_string | wrong_type | unseen | out_of_range
    column: str
    request: dict[str, Any]


@dataclass
class ReplayResult:
    requests: int = 0
    errors: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [requests, errors]
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first few errors

    @property
    def rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def add(self, kind: str, ok: bool, count: int = 1, example: dict | None = None) -> None:
        slot = self.by_kind.setdefault(kind, [0, 0])
        slot[0] += count
        self.requests += count
        if not ok:
            slot[1] += count
            self.errors += count
            if example is not None and len(self.examples) < 8:
                self.examples.append(example)


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool | int | float):
        x = float(value)
    elif isinstance(value, str):
        if not value.strip():
            return math.nan
        try:
            x = float(value.strip())
        except ValueError:
            raise RequestRefused(f"'{value}' is not a number") from None
    else:
        raise RequestRefused(f"a {type(value).__name__} is not a number")
    return math.nan if math.isinf(x) else x


def to_feed(request: dict[str, Any], spec: TaskSpec) -> dict[str, Any]:
    """One request -> ONNX inputs (one (1, 1) tensor per feature)."""
    import numpy as np

    feed: dict[str, Any] = {}
    for col in spec.features:
        value = request.get(col)
        if col in spec.numeric:
            try:
                x = _number(value)
            except RequestRefused as exc:
                raise RequestRefused(f"{col}: {exc}") from None
            feed[col] = np.array([[x]], dtype=np.float32)
        elif col in spec.categorical:
            feed[col] = np.array([[MISSING_CATEGORY if value is None else str(value)]])
        else:
            feed[col] = np.array([["" if value is None else str(value)]])
    return feed


def holdout_requests(holdout: Any, spec: TaskSpec, rows: int | None = None) -> list[dict]:
    """Holdout rows as the raw requests a client would send (missing values as None)."""
    out = []
    n = len(holdout) if rows is None else min(rows, len(holdout))
    for i in range(n):
        request: dict[str, Any] = {}
        for j, col in enumerate(spec.features):
            v = holdout.X[i, j]
            if col in spec.numeric:
                request[col] = None if v is None or math.isnan(float(v)) else float(v)
            elif col in spec.categorical:
                request[col] = None if v == MISSING_CATEGORY else v
            else:
                request[col] = v
        out.append(request)
    return out


def robustness_cases(train: Any, holdout: Any, spec: TaskSpec, rows_per_case: int) -> list[Case]:
    import numpy as np

    base = holdout_requests(holdout, spec, rows_per_case)
    cases: list[Case] = []
    for j, col in enumerate(spec.features):
        variants: list[tuple[str, Any]] = [("missing", None), ("empty_string", "")]
        if col in spec.numeric:
            values = np.asarray(train.X[:, j], dtype=np.float64)
            finite = values[np.isfinite(values)]
            lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
            span = max(hi - lo, 1.0)
            variants += [
                ("wrong_type", WRONG_TYPE_TEXT),
                ("out_of_range", hi + 1000 * span),
                ("out_of_range", lo - 1000 * span),
            ]
        else:
            variants += [("wrong_type", WRONG_TYPE_NUMBER), ("unseen", UNSEEN)]
        for kind, value in variants:
            for row in base:
                cases.append(Case(kind, col, {**row, col: value}))
    return cases


def _output_has_nan(outs: list[Any], spec: TaskSpec) -> bool:
    import numpy as np

    arrays = outs[1:2] if spec.is_classification and len(outs) > 1 else outs[:1]
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind == "f" and np.isnan(a).any():
            return True
    return False


def replay(
    session: Any,
    spec: TaskSpec,
    holdout: Any,
    cases: list[Case],
    *,
    job: JobControl | None = None,
) -> ReplayResult:
    """Holdout rows (one batch; row by row only if the batch fails) then every case."""
    import numpy as np

    result = ReplayResult()
    n = len(holdout)
    if n:
        try:
            outs = session.run(None, holdout.onnx_feed(spec))
            arr = np.asarray(outs[1] if spec.is_classification and len(outs) > 1 else outs[0])
            bad = np.isnan(arr.reshape(n, -1)).any(axis=1) if arr.dtype.kind == "f" else None
            failing = int(bad.sum()) if bad is not None else 0
            result.add("holdout", True, n - failing)
            if failing:
                result.add(
                    "holdout",
                    False,
                    failing,
                    {"kind": "holdout", "column": "", "error": "the model returned NaN"},
                )
        except Exception:  # a batch failed: find the rows that fail, one by one
            for request in holdout_requests(holdout, spec):
                _one(session, spec, Case("holdout", "", request), result)
    for i, case in enumerate(cases):
        if job is not None and i % 50 == 0:
            job.check()
        _one(session, spec, case, result)
    return result


def _one(session: Any, spec: TaskSpec, case: Case, result: ReplayResult) -> None:
    def fail(error: str) -> None:
        value = case.request.get(case.column) if case.column else None
        result.add(
            case.kind,
            False,
            1,
            {"kind": case.kind, "column": case.column, "value": repr(value), "error": error},
        )

    try:
        feed = to_feed(case.request, spec)
    except RequestRefused as exc:
        return fail(f"refused: {exc}")
    try:
        outs = session.run(None, feed)
    except Exception as exc:  # onnxruntime raises its own types; any raise is an error
        return fail(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    if _output_has_nan(outs, spec):
        return fail("the model returned NaN")
    result.add(case.kind, True)
    return None
