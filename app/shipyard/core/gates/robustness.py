"""Replaying requests through the serving contract: holdout rows plus a robustness set.

A request is a dict of raw values, column -> value, as a client would send it as JSON. Each
goes through the package's own serving path (`packaging/request_contract.py`, the code
`serve.py` runs): the contract validates it, then the model answers it. What counts:

- a **valid** request (a holdout row; a row with a missing value, an unseen category or an
  out-of-range number) must be answered: a contract refusal, a model that raises, or an
  answer with NaN is an **error** (the error rate is errors / valid requests);
- an **invalid** request (a feature left out, an unknown feature, a wrongly typed value)
  must be refused with the problem named: that is a correct rejection, and an invalid
  request that gets an answer is a **leak** (any leak fails the check).

The robustness set takes the first `rows_per_case` holdout rows and, one column at a time,
sets the value to: missing (null), an empty string, a wrong type (text for a number, a
number for a category), an unseen category or word, and out-of-range numbers (far beyond the
training range on both sides); and it removes the column, or adds an unknown one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shipyard.core.jobs import JobControl
from shipyard.core.packaging.request_contract import answer_problem, row_problems, to_feed
from shipyard.core.training.task import MISSING_CATEGORY, TaskSpec

UNSEEN = "__shipyard_unseen__"
UNKNOWN_FEATURE = "__shipyard_unknown_feature__"
WRONG_TYPE_TEXT = "not a number"
WRONG_TYPE_NUMBER = 12345
ABSENT = object()  # the case removes the column from the request

# Case kinds whose requests break the contract and must be refused.
INVALID_KINDS = frozenset({"absent", "unknown_feature", "wrong_type", "empty_number"})


@dataclass(frozen=True)
class Case:
    kind: str  # holdout | missing | empty_string | empty_number | wrong_type | unseen |
    #            out_of_range | absent | unknown_feature
    column: str
    request: dict[str, Any]

    @property
    def valid(self) -> bool:
        return self.kind not in INVALID_KINDS


@dataclass
class ReplayResult:
    requests: int = 0  # valid requests
    errors: int = 0  # valid requests that were not answered properly
    invalid: int = 0  # invalid requests
    rejected: int = 0  # invalid requests the contract refused (the right outcome)
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [requests, bad]
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first few bad ones

    @property
    def rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def leaked(self) -> int:
        """Invalid requests that were answered instead of refused."""
        return self.invalid - self.rejected

    def add(
        self, kind: str, ok: bool, count: int = 1, example: dict[str, Any] | None = None
    ) -> None:
        slot = self.by_kind.setdefault(kind, [0, 0])
        slot[0] += count
        if kind in INVALID_KINDS:
            self.invalid += count
            self.rejected += count if ok else 0
        else:
            self.requests += count
            self.errors += 0 if ok else count
        if not ok:
            slot[1] += count
            if example is not None and len(self.examples) < 8:
                self.examples.append(example)


def holdout_requests(holdout: Any, spec: TaskSpec, rows: int | None = None) -> list[dict[str, Any]]:
    """Holdout rows as the JSON requests a client would send (missing values as None)."""
    out = []
    n = len(holdout) if rows is None else min(rows, len(holdout))
    numeric, categorical = set(spec.numeric), set(spec.categorical)
    boolean = set(spec.boolean)
    for i in range(n):
        request: dict[str, Any] = {}
        for j, col in enumerate(spec.features):
            v = holdout.X[i, j]
            if col in numeric:
                missing = v is None or math.isnan(float(v))
                request[col] = None if missing else (bool(v) if col in boolean else float(v))
            elif col in categorical:
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
        variants: list[tuple[str, Any]] = [("missing", None), ("absent", ABSENT)]
        if col in spec.numeric:
            values = np.asarray(train.X[:, j], dtype=np.float64)
            finite = values[np.isfinite(values)]
            lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
            span = max(hi - lo, 1.0)
            variants += [
                ("empty_number", ""),
                ("wrong_type", WRONG_TYPE_TEXT),
                ("out_of_range", hi + 1000 * span),
                ("out_of_range", lo - 1000 * span),
            ]
        else:
            variants += [
                ("empty_string", ""),
                ("wrong_type", WRONG_TYPE_NUMBER),
                ("unseen", UNSEEN),
            ]
        for kind, value in variants:
            for row in base:
                request = {**row}
                if value is ABSENT:
                    del request[col]
                else:
                    request[col] = value
                cases.append(Case(kind, col, request))
    for row in base:
        cases.append(Case("unknown_feature", UNKNOWN_FEATURE, {**row, UNKNOWN_FEATURE: 1.0}))
    return cases


def replay(
    session: Any,
    spec: TaskSpec,
    holdout: Any,
    cases: list[Case],
    *,
    job: JobControl | None = None,
) -> ReplayResult:
    """Holdout rows (validated, then answered in one batch; row by row only if the batch
    fails) and then every case, each through the serving contract."""
    inputs = spec.contract_inputs()
    result = ReplayResult()
    requests = holdout_requests(holdout, spec)
    if requests:
        if any(row_problems(inputs, r) for r in requests):
            for request in requests:  # name the rows the contract refuses
                _one(session, spec, inputs, Case("holdout", "", request), result)
        else:
            try:
                outs = session.run(None, to_feed(inputs, requests))
                problem = answer_problem(outs, len(requests))
            except Exception as exc:  # onnxruntime raises its own types
                problem = f"{type(exc).__name__}"
            if problem:
                for request in requests:  # find the rows that fail, one by one
                    _one(session, spec, inputs, Case("holdout", "", request), result)
            else:
                result.add("holdout", True, len(requests))
    for i, case in enumerate(cases):
        if job is not None and i % 50 == 0:
            job.check()
        _one(session, spec, inputs, case, result)
    return result


def _one(
    session: Any, spec: TaskSpec, inputs: list[dict[str, Any]], case: Case, result: ReplayResult
) -> None:
    def record(ok: bool, outcome: str) -> None:
        value = case.request.get(case.column, None) if case.column else None
        example = {
            "kind": case.kind,
            "column": case.column,
            "value": "(absent)" if case.kind == "absent" else repr(value),
            "error": outcome,
        }
        result.add(case.kind, ok, 1, None if ok else example)

    problems = row_problems(inputs, case.request)
    if not case.valid:
        if problems:
            return record(True, "")
        return record(False, "an invalid request was answered instead of refused")
    if problems:
        return record(False, f"refused: {problems[0]}")
    try:
        outs = session.run(None, to_feed(inputs, [case.request]))
    except Exception as exc:  # onnxruntime raises its own types; any raise is an error
        return record(False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    problem = answer_problem(outs, 1)
    return record(not problem, problem)
