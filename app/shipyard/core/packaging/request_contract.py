"""The serving contract: which requests a packaged model answers, and how they are fed.

This one file is copied into every package beside `serve.py`, which imports it, and the
gates' error-rate check uses it too: what the gate measured is what serving does. So it
needs only the standard library and numpy, and imports nothing from Shipyard.

A request row is a JSON object with exactly the model's features, by their column names:
- a feature that is absent, or a key that is no feature, makes the row invalid;
- a number feature takes a JSON number or null (missing); +/-inf and NaN are missing;
  a boolean feature also takes true/false; text is refused;
- a category or text feature takes a string or null (missing); numbers are refused.
An invalid row is answered with HTTP 400 listing every problem; a valid row always gets
an answer, or the failure is the model's (an error).

`inputs` is the manifest's list: {"name": column, "onnx_name": graph input, "role":
numeric|boolean|categorical|text, "type": float32|string, "missing": value for missing}.
Older manifests have no "onnx_name": the column name is then the graph input's name.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

CONTRACT_FILE = "request_contract.py"
MAX_PROBLEMS = 20


class InvalidRequest(ValueError):
    """The request breaks the contract; `problems` says how, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__("; ".join(problems[:5]) + more)


def _near(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def value_problem(spec: dict[str, Any], value: Any) -> str:
    """'' when `value` is acceptable for the input `spec`, else what is wrong with it."""
    if value is None:
        return ""
    role = spec.get("role") or ("numeric" if spec.get("type") == "float32" else "text")
    if role in ("numeric", "boolean"):
        if isinstance(value, bool):
            return "" if role == "boolean" else "must be a number, got a boolean"
        if isinstance(value, int | float):
            return ""
        return f"must be a number or null, got {_describe(value)}"
    if isinstance(value, str):
        return ""
    return f"must be a string or null, got {_describe(value)}"


def _describe(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:27] + "..."
        return f"the text {text!r}"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    kinds: dict[type, str] = {list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def row_problems(inputs: list[dict[str, Any]], row: Any) -> list[str]:
    """Every way one request row breaks the contract ([] when it is valid)."""
    if not isinstance(row, dict):
        return [f"a row must be an object of feature: value, got {_describe(row)}"]
    names = [spec["name"] for spec in inputs]
    problems = [
        f"missing feature '{name}' (send null for a missing value)"
        for name in names
        if name not in row
    ]
    known = set(names)
    for key in row:
        if key not in known:
            problems.append(f"unknown feature '{key}'{_near(str(key), names)}")
    for spec in inputs:
        if spec["name"] in row:
            problem = value_problem(spec, row[spec["name"]])
            if problem:
                problems.append(f"feature '{spec['name']}' {problem}")
    return problems


def validate(inputs: list[dict[str, Any]], rows: list[Any]) -> None:
    """Raise InvalidRequest naming the rows and features that break the contract."""
    problems: list[str] = []
    for i, row in enumerate(rows):
        for problem in row_problems(inputs, row):
            problems.append(f"row {i}: {problem}" if len(rows) > 1 else problem)
            if len(problems) >= MAX_PROBLEMS:
                raise InvalidRequest(problems)
    if problems:
        raise InvalidRequest(problems)


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    x = float(value)
    return x if math.isfinite(x) else math.nan


def to_feed(inputs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Valid rows -> the ONNX inputs: one (n, 1) tensor per feature, by graph input name."""
    import numpy as np

    feed: dict[str, Any] = {}
    for spec in inputs:
        name = spec["name"]
        graph_name = spec.get("onnx_name") or name
        values = [row.get(name) for row in rows]
        if spec.get("type") == "float32":
            numbers = [_number(v) for v in values]
            feed[graph_name] = np.array(numbers, dtype=np.float32).reshape(-1, 1)
        else:
            missing = spec.get("missing") or ""
            column = [missing if v is None else str(v) for v in values]
            feed[graph_name] = np.array(column, dtype=object).reshape(-1, 1)
    return feed


def typed_label(text: Any, label_type: str) -> Any:
    """A class label as the model outputs it (text) back in the target's own type."""
    text = str(text)
    if label_type == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if label_type == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def label_key(label: Any) -> str:
    """A typed label as a JSON object key: "true", "3", "spam"."""
    if isinstance(label, bool):
        return "true" if label else "false"
    return str(label)


def answer_problem(outputs: list[Any], rows: int) -> str:
    """'' when the model's outputs are a usable answer for `rows` rows, else why not."""
    import numpy as np

    if not outputs:
        return "the model returned nothing"
    for out in outputs:
        arr = np.asarray(out)
        if arr.shape[:1] != (rows,):
            return f"the model answered {arr.shape[:1]} rows for {rows}"
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            return "the model returned NaN or an infinite value"
    return ""


def answer(
    outputs: list[Any],
    output_names: list[str],
    class_labels: list[Any],
    label_type: str,
    rows: int,
) -> dict[str, Any]:
    """The model's outputs as the JSON answer: predictions (typed labels or numbers) and,
    for classifiers, each row's probability per class."""
    import numpy as np

    result = dict(zip(output_names, outputs, strict=False))
    if class_labels and "label" in result:
        body: dict[str, Any] = {
            "predictions": [typed_label(v, label_type) for v in result["label"].tolist()]
        }
        if "probabilities" in result:
            keys = [label_key(c) for c in class_labels]
            body["probabilities"] = [
                dict(zip(keys, map(float, row), strict=False))
                for row in result["probabilities"].tolist()
            ]
        return body
    first = np.asarray(outputs[0]).reshape(rows, -1)[:, 0]
    return {"predictions": [float(v) for v in first.tolist()]}
