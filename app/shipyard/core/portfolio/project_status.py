"""One line about where a project stands: champion, latest gate verdict, stale flags.

Read from small files only (champion.json, the champion's run.json and gate_report.json,
flags.yaml), so the project page can show it every time a project opens. A damaged file
is reported in `problems` rather than raised: the summary never blocks the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import CHAMPION_FILE, FLAGS_FILE, GATE_REPORT_FILE, RUN_FILE
from shipyard.core.workspace.workspace import Workspace

RUNS = "runs"


@dataclass(frozen=True)
class ProjectStatus:
    runs: int = 0
    champion: str | None = None
    champion_family: str = ""
    metric: str = ""
    metric_value: float | None = None
    gate_run: str | None = None
    gate_verdict: str | None = None  # pass | warn | fail
    gate_when: str = ""
    gate_failed: list[str] = field(default_factory=list)
    stale_flags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ShipyardError(f"{path.name} is damaged ({exc})", file=path) from None
    return data if isinstance(data, dict) else None


def _latest_gate(runs: Path, prefer: str | None) -> tuple[str, dict[str, Any]] | None:
    """The champion's report when it has one, else the newest report of any run."""
    if prefer:
        report = _json(runs / prefer / GATE_REPORT_FILE)
        if report is not None:
            return prefer, report
    best: tuple[str, str, dict[str, Any]] | None = None
    for path in runs.glob(f"*/{GATE_REPORT_FILE}"):
        report = _json(path)
        if report is None:
            continue
        when = str(report.get("created", ""))
        if best is None or when > best[0]:
            best = (when, path.parent.name, report)
    return (best[1], best[2]) if best else None


def project_status(ws: Workspace, slug: str, today: date | None = None) -> ProjectStatus:
    folder = ws.projects_dir / slug
    runs = folder / RUNS
    problems: list[str] = []
    info: dict[str, Any] = {}
    info["runs"] = sum(1 for p in runs.glob("*/run.json") if not p.parent.name.startswith("."))
    try:
        champ = _json(folder / CHAMPION_FILE) or {}
        current = champ.get("current") if isinstance(champ.get("current"), str) else None
        if current:
            info["champion"] = current
            record = _json(runs / current / RUN_FILE) or {}
            info["champion_family"] = str(record.get("family", ""))
            primary = record.get("primary_metric") or {}
            key = primary.get("key") if isinstance(primary, dict) else None
            metrics = record.get("metrics") or {}
            if key and key in metrics:
                info["metric"], info["metric_value"] = key, metrics[key]
        gate = _latest_gate(runs, current) if runs.is_dir() else None
        if gate is not None:
            run_id, report = gate
            info["gate_run"] = run_id
            info["gate_verdict"] = report.get("verdict")
            info["gate_when"] = str(report.get("created", ""))[:10]
            info["gate_failed"] = [
                str(c.get("title") or c.get("id"))
                for c in report.get("checks", [])
                if isinstance(c, dict) and c.get("verdict") == "fail"
            ]
    except ShipyardError as exc:
        problems.append(f"{exc.message} ({exc.file})")
    if (folder / FLAGS_FILE).exists():
        try:
            from shipyard.core.rollout.flags import load_flags, stale_flags

            info["stale_flags"] = [s.key for s in stale_flags(load_flags(ws, slug), today)]
        except ShipyardError as exc:
            problems.append(f"flags.yaml: {exc.message}")
    return ProjectStatus(**info, problems=problems)


def status_line(status: ProjectStatus) -> str:
    """Plain-text summary, e.g. 'Champion: trees (roc_auc 0.861) · Gates: pass · 5 runs'."""
    parts = []
    if status.champion:
        value = (
            f" ({status.metric} {status.metric_value:.3f})"
            if status.metric_value is not None
            else ""
        )
        parts.append(f"Champion: {status.champion_family or status.champion}{value}")
    elif status.runs:
        parts.append("No champion yet")
    parts.append(f"{status.runs} run{'s' if status.runs != 1 else ''}")
    if status.gate_verdict:
        failed = f" — failed: {', '.join(status.gate_failed)}" if status.gate_failed else ""
        parts.append(f"Gates: {status.gate_verdict} ({status.gate_when}){failed}")
    elif status.runs:
        parts.append("Gates: not run")
    if status.stale_flags:
        parts.append(f"Stale flags: {', '.join(status.stale_flags)}")
    return " · ".join(parts)
