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
    """(train, holdout) frames of `split`."""
    from shipyard.core.data.split import split_relations
    from shipyard.core.sql.duck import connect
    from shipyard.core.sql.sql_text import quote_ident

    con = connect()
    try:
        train, hold = split_relations(version, split, con)
        cols = ", ".join(quote_ident(c) for c in [*spec.features, spec.target])
        return to_frame(train.select(cols).to_arrow_table(), spec), to_frame(
            hold.select(cols).to_arrow_table(), spec
        )
    finally:
        con.close()
