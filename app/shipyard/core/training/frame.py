"""Training frames: the split's rows as arrays sklearn and onnxruntime both accept.

No pandas: `X` is a 2-D object array, one column per feature in `TaskSpec.features` order, so
pipelines select columns by position and the ONNX model gets one input per column. Numbers
are rounded through float32 first, so sklearn trains on exactly the values ONNX receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipyard.core.training.task import MISSING_CATEGORY, TaskSpec, label_text

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Frame:
    X: np.ndarray  # object, (n, features)
    y: np.ndarray  # str labels (classification) or float64 (regression)

    def __len__(self) -> int:
        return len(self.y)

    def onnx_feed(self, spec: TaskSpec) -> dict[str, np.ndarray]:
        """The same rows as onnxruntime inputs: one (n, 1) tensor per feature, keyed by the
        graph's input names (`TaskSpec.onnx_names`), not by the columns' own names."""
        import numpy as np

        numeric = set(spec.numeric)
        feed: dict[str, np.ndarray] = {}
        for i, (col, name) in enumerate(spec.onnx_names().items()):
            values = self.X[:, i]
            if col in numeric:
                feed[name] = values.astype(np.float32).reshape(-1, 1)
            else:
                feed[name] = values.astype(str).reshape(-1, 1)
        return feed


def to_frame(table: Any, spec: TaskSpec) -> Frame:
    """A pyarrow table with the feature and target columns -> Frame."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    X = np.empty((n, len(spec.features)), dtype=object)
    for i, col in enumerate(spec.features):
        arr = table.column(col)
        if col in spec.numeric:
            values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
            values[np.isinf(values)] = np.nan
            X[:, i] = values.astype(np.float32).astype(np.float64)
        elif col in spec.categorical:
            X[:, i] = [MISSING_CATEGORY if v is None else str(v) for v in arr.to_pylist()]
        else:
            X[:, i] = ["" if v is None else str(v) for v in arr.to_pylist()]
    target = table.column(spec.target).to_pylist()
    if spec.is_classification:
        y = np.array([label_text(v) for v in target], dtype=object).astype(str)
    else:
        y = np.array(target, dtype=np.float64)
    return Frame(X, y)


def load_frames(version: Any, spec: TaskSpec, split: Any) -> tuple[Frame, Frame]:
    """(train, scored) frames of `split`: the rows runs are fitted on, and the rows their
    recorded metrics are scored on (the rows they are chosen on).

    Scored rows: the validation rows of a sealed split; under cross-validation the training
    rows themselves (a run is scored on out-of-fold predictions); the holdout of a two-way
    split. The test rows of a sealed split are never among them (`load_test_frame`).
    """
    from shipyard.core.data.split import CROSS_VALIDATION, role_relation, split_relations

    con = _connect()
    try:
        cols = _columns(spec)
        if not split.sealed:
            train, hold = split_relations(version, split, con)
            return _frame(train, cols, spec), _frame(hold, cols, spec)
        train_frame = _frame(role_relation(version, split, "train", con), cols, spec)
        if split.selection == CROSS_VALIDATION:
            return train_frame, train_frame
        return train_frame, _frame(role_relation(version, split, "validation", con), cols, spec)
    finally:
        con.close()


def load_test_frame(version: Any, spec: TaskSpec, split: Any) -> Frame:
    """The rows the gate judges on: a sealed split's test rows (the holdout of a two-way
    split, which the runs were also scored on)."""
    from shipyard.core.data.split import role_relation

    con = _connect()
    try:
        return _frame(role_relation(version, split, "test", con), _columns(spec), spec)
    finally:
        con.close()


def _connect() -> Any:
    from shipyard.core.sql.duck import connect

    return connect()


def _columns(spec: TaskSpec) -> str:
    from shipyard.core.sql.sql_text import quote_ident

    return ", ".join(quote_ident(c) for c in [*spec.features, spec.target])


def _frame(relation: Any, cols: str, spec: TaskSpec) -> Frame:
    return to_frame(relation.select(cols).to_arrow_table(), spec)
