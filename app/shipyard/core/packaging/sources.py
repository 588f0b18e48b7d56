"""What a card and a package are made from: the chosen run and its gate report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.training.runs import RunRecord
from shipyard.core.workspace.layout import GATE_REPORT_FILE
from shipyard.core.workspace.workspace import Workspace

VERDICTS = ("pass", "warn", "fail")


def pick_run(ws: Workspace, slug: str, run_id: str | None = None) -> RunRecord:
    """`run_id`, else the champion, else the best exportable run by the primary metric: the
    one rule every command uses (`core.training.selection.choose_run`)."""
    from shipyard.core.training.selection import choose_run

    return choose_run(ws, slug, run_id).run


def gate_report_path(run: RunRecord) -> Path:
    assert run.folder is not None
    return run.folder / GATE_REPORT_FILE


def read_gate_report(run: RunRecord) -> dict[str, Any] | None:
    """The run's gate report, None when it was never gated; a damaged one raises."""
    path = gate_report_path(run)
    if not path.is_file():
        return None
    try:
        report = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ShipyardError(
            f"the gate report is not valid JSON ({exc})", file=path, fix="run the gates again"
        ) from None
    problem = gate_report_problem(report)
    if problem:
        raise ShipyardError(
            f"the gate report is malformed: {problem}", file=path, fix="run the gates again"
        )
    return report


def gate_report_problem(report: Any) -> str:
    """'' when `report` has the shared gate-report shape, else what is wrong."""
    if not isinstance(report, dict):
        return "expected a JSON object"
    if report.get("format") != 1:
        return f"unknown format {report.get('format')!r} (expected 1)"
    for key, kind in (("passed", bool), ("model_sha256", str), ("checks", list)):
        if not isinstance(report.get(key), kind):
            return f"field '{key}' is missing or not a {kind.__name__}"
    if report.get("verdict") not in VERDICTS:
        return f"field 'verdict' must be one of {', '.join(VERDICTS)}"
    return ""
