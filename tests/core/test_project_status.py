"""The one-line project summary: champion, gate verdict and stale flags from small files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from shipyard.core.portfolio.project_status import project_status, status_line
from shipyard.core.portfolio.projects import create_project
from shipyard.core.workspace.workspace import Workspace


def _project(ws: Workspace) -> Path:
    create_project(ws, "Churn risk", user="ana")
    return ws.projects_dir / "churn-risk"


def _run(folder: Path, run_id: str, family: str, auc: float) -> None:
    (folder / "runs" / run_id).mkdir(parents=True)
    record = {
        "run_id": run_id,
        "family": family,
        "metrics": {"roc_auc": auc, "f1": 0.5},
        "primary_metric": {"key": "roc_auc", "direction": "maximize", "note": ""},
    }
    (folder / "runs" / run_id / "run.json").write_text(json.dumps(record))


def _gate(folder: Path, run_id: str, verdict: str, created: str, failed: str = "") -> None:
    checks = [{"id": "f1", "title": "F1", "verdict": "pass"}]
    if failed:
        checks.append({"id": failed, "title": failed.title(), "verdict": "fail"})
    report = {"run_id": run_id, "verdict": verdict, "created": created, "checks": checks}
    (folder / "runs" / run_id / "gate_report.json").write_text(json.dumps(report))


def test_a_new_project_says_it_has_no_runs(blank_ws: Workspace) -> None:
    _project(blank_ws)
    status = project_status(blank_ws, "churn-risk")
    assert status.runs == 0 and status.champion is None and status.gate_verdict is None
    assert status_line(status) == "0 runs"


def test_champion_metric_and_its_gate_verdict(blank_ws: Workspace) -> None:
    folder = _project(blank_ws)
    _run(folder, "r1", "linear", 0.71)
    _run(folder, "r2", "trees", 0.86)
    (folder / "champion.json").write_text(json.dumps({"current": "r2", "history": []}))
    _gate(folder, "r1", "pass", "2026-11-22T10:00:00Z")  # newer reports of other runs
    _gate(folder, "r2", "fail", "2026-11-20T10:00:00Z", failed="latency")
    status = project_status(blank_ws, "churn-risk")
    assert (status.champion, status.champion_family) == ("r2", "trees")
    assert status.metric == "roc_auc" and status.metric_value == 0.86
    # The champion's own report wins over a newer report of another run.
    assert (status.gate_run, status.gate_verdict, status.gate_failed) == ("r2", "fail", ["Latency"])
    line = status_line(status)
    assert line.startswith("Champion: trees (roc_auc 0.860) · 2 runs · Gates: fail (2026-11-20)")
    assert line.endswith("failed: Latency")


def test_without_a_champion_the_newest_report_counts(blank_ws: Workspace) -> None:
    folder = _project(blank_ws)
    _run(folder, "r1", "linear", 0.71)
    _run(folder, "r2", "trees", 0.86)
    _gate(folder, "r1", "warn", "2026-11-22T10:00:00Z")
    _gate(folder, "r2", "pass", "2026-11-21T10:00:00Z")
    status = project_status(blank_ws, "churn-risk")
    assert (status.gate_run, status.gate_verdict) == ("r1", "warn")
    assert "No champion yet" in status_line(status)


def test_stale_flags_are_named(blank_ws: Workspace) -> None:
    folder = _project(blank_ws)
    (folder / "flags.yaml").write_text(
        "schema: 1\nflags:\n"
        "  - key: churn-model\n    created: 2026-01-01\n    expires: 2026-03-01\n"
        "  - key: churn-kill\n    created: 2026-01-01\n    kind: kill_switch\n"
    )
    status = project_status(blank_ws, "churn-risk", today=date(2026, 11, 23))
    assert status.stale_flags == ["churn-model"]
    assert "Stale flags: churn-model" in status_line(status)


def test_damaged_files_are_reported_not_raised(blank_ws: Workspace) -> None:
    folder = _project(blank_ws)
    _run(folder, "r1", "linear", 0.71)
    (folder / "champion.json").write_text("{not json")
    (folder / "flags.yaml").write_text("flags: [oops\n")
    status = project_status(blank_ws, "churn-risk")
    assert len(status.problems) == 2
    assert "champion.json is damaged" in status.problems[0]
    assert status.problems[1].startswith("flags.yaml:")


def test_a_damaged_gate_report_is_a_problem_and_staging_folders_are_not_runs(
    blank_ws: Workspace,
) -> None:
    folder = _project(blank_ws)
    _run(folder, "r1", "linear", 0.71)
    _run(folder, ".tmp-r2", "trees", 0.86)  # a run still being recorded
    (folder / "runs" / "r1" / "gate_report.json").write_text('{"verdict": "maybe"}')
    status = project_status(blank_ws, "churn-risk")
    assert status.runs == 1
    assert status.gate_verdict is None
    assert len(status.problems) == 1 and "gate report is malformed" in status.problems[0]
    assert "gate_report.json" in status.problems[0]
