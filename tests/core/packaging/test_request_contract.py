"""The serving contract shipped in packages: which rows are refused, how rows are fed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.packaging.request_contract import (
    InvalidRequest,
    answer,
    answer_problem,
    row_problems,
    to_feed,
    validate,
)

INPUTS: list[dict[str, Any]] = [
    {"name": "mean radius", "onnx_name": "mean_radius", "role": "numeric", "type": "float32",
     "missing": None},
    {"name": "auto", "onnx_name": "auto", "role": "boolean", "type": "float32", "missing": None},
    {"name": "plan/tier", "onnx_name": "plan_tier", "role": "categorical", "type": "string",
     "missing": "(missing)"},
    {"name": "note", "onnx_name": "note", "role": "text", "type": "string", "missing": ""},
]  # fmt: skip
GOOD = {"mean radius": 3.5, "auto": True, "plan/tier": "pro", "note": "hello there"}


def test_a_valid_row_is_fed_by_graph_input_name() -> None:
    rows = [GOOD, {"mean radius": None, "auto": None, "plan/tier": None, "note": None}]
    validate(INPUTS, rows)
    feed = to_feed(INPUTS, rows)
    assert set(feed) == {"mean_radius", "auto", "plan_tier", "note"}
    assert feed["mean_radius"].dtype == np.float32 and feed["mean_radius"].shape == (2, 1)
    assert feed["mean_radius"][0, 0] == 3.5 and math.isnan(feed["mean_radius"][1, 0])
    assert feed["auto"][0, 0] == 1.0
    assert feed["plan_tier"][1, 0] == "(missing)" and feed["note"][1, 0] == ""


def test_infinite_numbers_are_missing() -> None:
    feed = to_feed(INPUTS, [{**GOOD, "mean radius": float("inf")}])
    assert math.isnan(feed["mean_radius"][0, 0])


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({k: v for k, v in GOOD.items() if k != "auto"}, "missing feature 'auto'"),
        ({**GOOD, "mean_radius": 1}, "unknown feature 'mean_radius' (did you mean 'mean radius'?)"),
        ({**GOOD, "mean radius": "3.5"}, "feature 'mean radius' must be a number or null"),
        ({**GOOD, "mean radius": True}, "feature 'mean radius' must be a number, got a boolean"),
        ({**GOOD, "plan/tier": 3}, "feature 'plan/tier' must be a string or null"),
        ({**GOOD, "note": ["a"]}, "feature 'note' must be a string or null, got a list"),
    ],
)
def test_invalid_rows_are_refused_with_the_problem_named(row: dict, problem: str) -> None:
    problems = row_problems(INPUTS, row)
    assert any(p.startswith(problem) for p in problems), problems
    with pytest.raises(InvalidRequest) as caught:
        validate(INPUTS, [GOOD, row])
    assert any(p.startswith(f"row 1: {problem}") for p in caught.value.problems)


def test_a_row_that_is_not_an_object_is_refused() -> None:
    assert row_problems(INPUTS, [1, 2]) == ["a row must be an object of feature: value, got a list"]


values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([*GOOD, "extra", ""]), values, max_size=6))
def test_any_row_is_either_refused_or_fed(row: dict) -> None:
    problems = row_problems(INPUTS, row)
    if problems:
        with pytest.raises(InvalidRequest):
            validate(INPUTS, [row])
    else:
        feed = to_feed(INPUTS, [row])
        assert all(v.shape == (1, 1) for v in feed.values())


def test_answers_keep_the_label_type_and_refuse_nan() -> None:
    labels = np.array(["0", "2"], dtype=object)
    proba = np.array([[0.9, 0.1], [0.2, 0.8]], dtype=np.float32)
    body = answer([labels, proba], ["label", "probabilities"], [0, 2], "integer", 2)
    assert body["predictions"] == [0, 2]
    assert body["probabilities"][1] == pytest.approx({"0": 0.2, "2": 0.8})
    assert answer_problem([labels, proba], 2) == ""
    assert "NaN" in answer_problem([np.array([np.nan], dtype=np.float32)], 1)
    assert "rows" in answer_problem([labels], 3)
