"""HistGradientBoosting to ONNX with numpy: skl2onnx's tree attributes, built a tree at a time.

skl2onnx writes a TreeEnsemble node one tree node at a time in Python, which is about half
of exporting the ladder's trees rung (30-40 ms for 100 trees of 31 leaves). This converter
writes the same attributes in the same order from each predictor's node array, so the model
is byte-for-byte the one skl2onnx makes (a test holds them equal). It covers the ladder's
case: float32 input, numeric splits, no `raw_scores`, `nocl` or `output_class_labels`
option. Every other case goes to skl2onnx's own converter.
"""

from __future__ import annotations

from typing import Any

FLOAT_ATTRIBUTES = ("nodes_values", "nodes_hitrates", "class_weights", "target_weights")
POST_TRANSFORM = {"HalfBinomialLoss": "LOGISTIC", "HalfMultinomialLoss": "SOFTMAX"}


def register() -> None:
    """Put the converters in skl2onnx's registry under its own aliases and options."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    update_registered_converter(
        HistGradientBoostingClassifier,
        "SklearnHistGradientBoostingClassifier",
        calculate_linear_classifier_output_shapes,
        convert_classifier,
        options={
            "zipmap": [True, False, "columns"],
            "raw_scores": [True, False],
            "output_class_labels": [False, True],
            "nocl": [True, False],
        },
    )
    update_registered_converter(
        HistGradientBoostingRegressor,
        "SklearnHistGradientBoostingRegressor",
        calculate_linear_regressor_output_shapes,
        convert_regressor,
        options={"raw_scores": [True, False]},
    )


def handled(scope: Any, operator: Any, classifier: bool) -> bool:
    """Whether this converter writes the model (else skl2onnx's does)."""
    from skl2onnx.common.data_types import FloatTensorType

    op = operator.raw_operator
    if type(operator.inputs[0].type) is not FloatTensorType or not hasattr(op, "_predictors"):
        return False
    defaults = {"raw_scores": False}
    if classifier:
        defaults |= {"nocl": False, "output_class_labels": False}
    options = scope.get_options(op, defaults)
    if any(options.get(k) for k in defaults):
        return False
    if classifier and (
        not isinstance(op.classes_[0], str) or type(op._loss).__name__ not in POST_TRANSFORM
    ):
        return False
    return not any(p.nodes["is_categorical"].any() for it in op._predictors for p in it)


def convert_classifier(scope: Any, operator: Any, container: Any) -> None:
    import numpy as np
    from skl2onnx.common.tree_ensemble import get_default_tree_classifier_attribute_pairs
    from skl2onnx.operator_converters.random_forest import (
        convert_sklearn_random_forest_classifier,
    )

    if not handled(scope, operator, classifier=True):
        convert_sklearn_random_forest_classifier(scope, operator, container)
        return
    op = operator.raw_operator
    k = op.n_trees_per_iteration_
    attrs = get_default_tree_classifier_attribute_pairs()
    attrs["name"] = scope.get_unique_operator_name("TreeEnsembleClassifier")
    attrs["classlabels_strings"] = [str(c) for c in op.classes_]
    # One tree per class and iteration; skl2onnx numbers them iteration * k + class.
    trees = [
        (i * k + c, c, p.nodes)
        for i, per_class in enumerate(op._predictors)
        for c, p in enumerate(per_class)
    ]
    attrs |= _tree_attributes(trees, "class")
    attrs["base_values"] = np.asarray(op._baseline_prediction, dtype=np.float32).ravel()
    attrs["post_transform"] = POST_TRANSFORM[type(op._loss).__name__]
    container.add_node(
        "TreeEnsembleClassifier",
        operator.input_full_names,
        [operator.outputs[0].full_name, operator.outputs[1].full_name],
        op_domain="ai.onnx.ml",
        op_version=1,
        **attrs,
    )


def convert_regressor(scope: Any, operator: Any, container: Any) -> None:
    import numpy as np
    from skl2onnx.common.tree_ensemble import get_default_tree_regressor_attribute_pairs
    from skl2onnx.operator_converters.random_forest import (
        convert_sklearn_random_forest_regressor_converter,
    )

    op = operator.raw_operator
    if not handled(scope, operator, classifier=False) or op.n_trees_per_iteration_ != 1:
        convert_sklearn_random_forest_regressor_converter(scope, operator, container)
        return
    attrs = get_default_tree_regressor_attribute_pairs()
    attrs["name"] = scope.get_unique_operator_name("TreeEnsembleRegressor")
    attrs["n_targets"] = 1
    attrs |= _tree_attributes(
        [(i, 0, it[0].nodes) for i, it in enumerate(op._predictors)], "target"
    )
    attrs["base_values"] = np.asarray(op._baseline_prediction, dtype=np.float32).ravel()
    container.add_node(
        "TreeEnsembleRegressor",
        operator.input_full_names,
        operator.outputs[0].full_name,
        op_domain="ai.onnx.ml",
        op_version=1,
        **attrs,
    )


def _tree_attributes(trees: list[tuple[int, int, Any]], prefix: str) -> dict[str, Any]:
    """The `nodes_*` and `<prefix>_*` attributes of trees given as (tree id, class, nodes).

    As skl2onnx writes them: every node in order; a leaf has mode LEAF and zeros for its
    split, and adds one (tree, node, class, value) weight; a split is BRANCH_LEQ on the raw
    threshold, left when true, and says whether missing values go left.
    """
    import numpy as np

    tree_ids, node_ids, leaves, classes, nodes = [], [], [], [], []
    for tree_id, cls, arr in trees:
        n = len(arr)
        tree_ids.append(np.full(n, tree_id, dtype=np.int64))
        node_ids.append(np.arange(n, dtype=np.int64))
        leaves.append(arr["is_leaf"].astype(bool))
        classes.append(np.full(n, cls, dtype=np.int64))
        nodes.append(arr)
    tree = np.concatenate(tree_ids)
    node = np.concatenate(node_ids)
    leaf = np.concatenate(leaves)
    class_ids = np.concatenate(classes)
    arr = np.concatenate(nodes)
    split = ~leaf
    out: dict[str, Any] = {
        "nodes_treeids": tree.tolist(),
        "nodes_nodeids": node.tolist(),
        "nodes_featureids": np.where(split, arr["feature_idx"], 0).tolist(),
        "nodes_modes": np.where(split, "BRANCH_LEQ", "LEAF").tolist(),
        "nodes_values": np.where(split, arr["num_threshold"], 0.0),
        "nodes_truenodeids": np.where(split, arr["left"], 0).tolist(),
        "nodes_falsenodeids": np.where(split, arr["right"], 0).tolist(),
        "nodes_missing_value_tracks_true": np.where(split, arr["missing_go_to_left"], 0).tolist(),
        "nodes_hitrates": np.ones(len(arr)),
        f"{prefix}_treeids": tree[leaf].tolist(),
        f"{prefix}_nodeids": node[leaf].tolist(),
        f"{prefix}_ids": class_ids[leaf].tolist(),
        f"{prefix}_weights": arr["value"][leaf],
    }
    for key in FLOAT_ATTRIBUTES:
        if key in out:
            out[key] = np.asarray(out[key], dtype=np.float32)
    return out
