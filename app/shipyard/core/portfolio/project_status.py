"""One line about where a project stands: champion, latest gate verdict, stale flags.

Read from small files only (champion.json, the champion's run.json and gate_report.json,
flags.yaml), each through its one reader (`champion`, `RunRecord`, `GateReport`), so the
project page can show it every time a project opens. A damaged file is reported in
`problems` rather than raised: the summary never blocks the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import FLAGS_FILE, RUN_FILE
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    from shipyard.core.gates.report import GateReport


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


def _latest_gate(ws: Workspace, slug: str, prefer: str | None) -> tuple[str, GateReport] | None:
    """(run id, report): the champion's report when it has one, else the newest of any run."""
    from shipyard.core.gates.report import stored_report
    from shipyard.core.workspace.run_folders import run_folders, runs_dir

    if prefer:
        report = stored_report(runs_dir(ws, slug) / prefer)
        if report is not None:
            return prefer, report
    best: tuple[str, GateReport] | None = None
    for folder in run_folders(ws, slug):
        report = stored_report(folder)
        if report is not None and (best is None or report.created > best[1].created):
            best = (folder.name, report)
    return best


def project_status(ws: Workspace, slug: str, today: date | None = None) -> ProjectStatus:
    from shipyard.core.training.champion import current_champion
    from shipyard.core.training.runs import read_record
    from shipyard.core.workspace.run_folders import run_folders, runs_dir

    folder = ws.projects_dir / slug
    problems: list[str] = []
    info: dict[str, Any] = {}
    info["runs"] = len(run_folders(ws, slug))
    try:
        current = current_champion(ws, slug)
        if current:
            info["champion"] = current
            path = runs_dir(ws, slug) / current / RUN_FILE
            if path.is_file():
                record = read_record(path, partial=True)
                info["champion_family"] = record.family
                primary = record.primary_metric or {}
                key = primary.get("key") if isinstance(primary, dict) else None
                if key and key in record.metrics:
                    info["metric"], info["metric_value"] = key, record.metrics[key]
        found = _latest_gate(ws, slug, current)
        if found is not None:
            info["gate_run"], gate = found
            info["gate_verdict"] = gate.verdict
            info["gate_when"] = gate.created[:10]
            info["gate_failed"] = [str(c.title or c.id) for c in gate.failed()]
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
