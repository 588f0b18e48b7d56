"""What a card and a package are made from: the chosen run and its gate report.

The run is the one `core.training.selection.choose_run` picks; the gate report is read
through `core.gates.report` (`GateReport`), strictly: a package relies on its `passed`,
`verdict`, `model_sha256` and `checks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard.core.gates.report import VERDICTS, GateReport, report_path, stored_report
from shipyard.core.training.runs import RunRecord

__all__ = ["VERDICTS", "gate_report", "gate_report_path", "read_gate_report"]


def gate_report_path(run: RunRecord) -> Path:
    assert run.folder is not None
    return report_path(run.folder)


def gate_report(run: RunRecord) -> GateReport | None:
    """The run's gate report, None when it was never gated; a damaged or malformed one
    raises ShipyardError naming the file (fix: run the gates again)."""
    assert run.folder is not None
    return stored_report(run.folder, strict=True)


def read_gate_report(run: RunRecord) -> dict[str, Any] | None:
    """`gate_report(run)` as the JSON object a package carries and a card renders."""
    report = gate_report(run)
    return None if report is None else report.to_json()
