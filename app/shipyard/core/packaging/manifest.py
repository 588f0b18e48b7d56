"""`manifest.json`: what the package holds and how to feed its model.

Everything here comes from the run record, the ONNX graph and the files written before it,
never from the clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.training.runs import RunRecord
from shipyard.core.training.task import INPUT_RULES, MISSING_CATEGORY, TaskSpec

MANIFEST_FORMAT = 1
SIGNATURE_FORMAT = "OpenSSF model-signing v1.0 (Sigstore bundle v0.3, DSSE, in-toto v1)"

_ELEM = {1: "float32", 7: "int64", 8: "string", 11: "float64", 9: "bool"}


def _tensor(value_info: Any) -> dict[str, Any]:
    t = value_info.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    return {
        "name": value_info.name,
        "type": _ELEM.get(t.elem_type, str(t.elem_type)),
        "shape": dims,
    }


def onnx_io(model_bytes: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(inputs, outputs) of the ONNX graph: name, element type, shape (None = any)."""
    import onnx

    graph = onnx.load_model_from_string(model_bytes).graph
    inits = {i.name for i in graph.initializer}
    return [_tensor(v) for v in graph.input if v.name not in inits], [
        _tensor(v) for v in graph.output
    ]


def build_manifest(
    run: RunRecord,
    *,
    title: str,
    model_bytes: bytes,
    files: dict[str, str],
    gate: dict[str, Any],
    signer: dict[str, str],
    tools: dict[str, str],
) -> dict[str, Any]:
    task = run.task
    spec = TaskSpec.from_record(task)
    graph_inputs, outputs = onnx_io(model_bytes)
    graph = {item["name"]: item for item in graph_inputs}
    inputs = []
    for item in spec.contract_inputs():
        found = graph.get(item["onnx_name"])
        if found is None:
            raise ShipyardError(
                f"model.onnx has no input '{item['onnx_name']}' for the feature "
                f"'{item['name']}' of run {run.run_id}",
                file=run.folder,
                fix="the model file does not belong to this run: retrain the project",
            )
        inputs.append(item | {"type": found["type"], "shape": found["shape"]})
    return {
        "format": MANIFEST_FORMAT,
        "package": {"name": run.project, "version": run.run_id, "title": title},
        "project": run.project,
        "run": {
            "run_id": run.run_id,
            "family": run.family,
            "model": run.model,
            "created": run.created,
            "user": run.user,
            "seed": run.seed,
        },
        "task": {"kind": task.get("kind"), "target": task.get("target")},
        "inputs": inputs,
        "outputs": outputs,
        "class_labels": spec.typed_classes(),
        "label_type": spec.label_type if spec.is_classification else None,
        "feature_names": [i["name"] for i in inputs],
        "input_names": {i["name"]: i["onnx_name"] for i in inputs},
        "preprocessing": {
            "rules": task.get("input_rules") or dict(INPUT_RULES),
            "missing_category": MISSING_CATEGORY,
            "infinite_as_missing": list(task.get("infinite_as_missing", [])),
            "excluded_columns": dict(task.get("excluded", {})),
        },
        "data": dict(run.dataset),
        "metrics": dict(run.metrics),
        "metrics_source": run.metrics_source,
        "gate": gate,
        "files": dict(sorted(files.items())),
        "tools": dict(sorted(tools.items())),
        "signature": {"file": "model.sig", "format": SIGNATURE_FORMAT} | signer,
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
