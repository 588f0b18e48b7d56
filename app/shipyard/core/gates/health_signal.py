"""The "Gates" health signal: the latest gate verdict of the champion (else the newest
gated run). Cheap: reads champion.json and one gate_report.json (through `GateReport`),
nothing else; listed in `portfolio.health.HEALTH_SIGNALS`."""

from __future__ import annotations

import json
from pathlib import Path

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.report import read_report
from shipyard.core.portfolio.signal import HealthContext, Signal
from shipyard.core.workspace.layout import CHAMPION_FILE, GATE_REPORT_FILE

SCORES = {"pass": 1.0, "warn": 0.7, "fail": 0.1}
WEIGHT = 1.5


def _champion(folder: Path) -> str | None:
    try:
        data = json.loads((folder / CHAMPION_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    current = data.get("current") if isinstance(data, dict) else None
    return current if isinstance(current, str) else None


def latest_report_path(project_folder: Path) -> Path | None:
    """The champion's gate report, else the newest run's that has one."""
    runs = project_folder / "runs"
    champion = _champion(project_folder)
    if champion:
        path = runs / champion / GATE_REPORT_FILE
        return path if path.is_file() else None
    if not runs.is_dir():
        return None
    # Run ids start with their UTC time stamp, so names sort by age.
    for folder in sorted((p for p in runs.iterdir() if not p.name.startswith(".")), reverse=True):
        path = folder / GATE_REPORT_FILE
        if path.is_file():
            return path
    return None


def gates_signal(ctx: HealthContext) -> Signal | None:
    path = latest_report_path(ctx.entry.path)
    if path is None:
        return None
    try:
        report = read_report(path)
        score = SCORES[report.verdict]
    except ShipyardError:
        return Signal("gates", "Gates", 0.0, WEIGHT, f"the gate report is damaged: {path}")
    failed = [c.id for c in report.failed()]
    warned = [c.id for c in report.warned()]
    detail = f"{report.verdict} on run {report.run_id or '?'}"
    if failed:
        detail += " — failed: " + ", ".join(failed)
    elif warned:
        detail += " — warnings: " + ", ".join(warned)
    return Signal("gates", "Gates", score, WEIGHT, detail)
