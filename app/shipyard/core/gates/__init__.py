"""Gate checks: a policy as code, measured on the exact ONNX bytes a package will ship.

Qt-free; importing this package loads no heavy library (onnxruntime, numpy, duckdb are
imported inside the checks that need them).

    report = run_gates(ws, "churn-risk", user="Dana")   # champion, else latest run
    report.passed, report.verdict, report.model_sha256
"""

from __future__ import annotations

from .policy import (
    CHECK_KINDS,
    CHECK_TYPES,
    DEFAULT_CHECKS,
    KNOWN_METRICS,
    POLICY_FILE,
    CostModel,
    GatePolicy,
    cost_model,
    effective_policy,
    parse_policy,
    policy_path,
    policy_yaml,
    project_policy,
    save_policy,
    workspace_policy,
)
from .report import REPORT_FILE, CheckResult, GateReport, load_report, read_report
from .runner import default_run, run_gates

__all__ = [
    "CHECK_KINDS",
    "CHECK_TYPES",
    "DEFAULT_CHECKS",
    "KNOWN_METRICS",
    "POLICY_FILE",
    "REPORT_FILE",
    "CheckResult",
    "CostModel",
    "GatePolicy",
    "GateReport",
    "cost_model",
    "default_run",
    "effective_policy",
    "load_report",
    "parse_policy",
    "policy_path",
    "policy_yaml",
    "project_policy",
    "read_report",
    "run_gates",
    "save_policy",
    "workspace_policy",
]
