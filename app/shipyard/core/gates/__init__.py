"""Gate checks: a policy as code, measured on the exact ONNX bytes a package will ship.

Qt-free; importing this package loads no heavy library (onnxruntime, numpy, duckdb are
imported inside the checks that need them).

    report = run_gates(ws, "churn-risk", user="Dana")   # champion, else the best run
    report.passed, report.verdict, report.model_sha256
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are loaded on first use, so importing the health signal (at startup) stays cheap.
_EXPORTS = {
    "policy": (
        "CHECK_KINDS",
        "CHECK_TYPES",
        "DEFAULT_CHECKS",
        "KNOWN_METRICS",
        "POLICY_FILE",
        "CostModel",
        "GatePolicy",
        "cost_model",
        "effective_policy",
        "parse_policy",
        "policy_path",
        "policy_yaml",
        "project_policy",
        "save_policy",
        "with_required",
        "workspace_policy",
    ),
    "report": ("REPORT_FILE", "CheckResult", "GateReport", "load_report", "read_report"),
    "runner": ("default_run", "run_gates"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
