"""The portfolio's health picks up the gate verdict and stale flags with no extra import."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from shipyard.core.workspace.workspace import Workspace


def test_gate_verdict_and_stale_flags_lower_health(demo_ws: Workspace) -> None:
    from shipyard.core.portfolio.ranking import row_for

    folder = demo_ws.projects_dir / "churn-risk"
    today = date(2026, 11, 23)
    before = row_for(demo_ws.project("churn-risk"), today).health
    run = folder / "runs" / "20990101T000000-trees-aaaaaa"
    run.mkdir(parents=True)
    report = {
        "run_id": run.name,
        "verdict": "fail",
        "checks": [{"id": "latency", "verdict": "fail"}],
    }
    (run / "gate_report.json").write_text(json.dumps(report))
    (folder / "champion.json").write_text(json.dumps({"current": run.name, "history": []}))
    (folder / "flags.yaml").write_text(
        "flags:\n  - key: churn-model\n    created: 2026-01-01\n    expires: 2026-02-01\n"
    )
    after = row_for(demo_ws.project("churn-risk"), today).health
    keys = {s.key: s for s in after.signals}
    assert keys["gates"].score < 0.2 and "failed: latency" in keys["gates"].detail
    assert keys["flags"].score == 0.0 and "churn-model" in keys["flags"].detail
    assert after.score < before.score


def test_registering_the_signals_stays_light() -> None:
    """Startup: the portfolio must not pull in the gate engine, training or data packages."""
    code = (
        "import sys, shipyard.core.portfolio.ranking\n"
        "heavy = [m for m in ('shipyard.core.gates.runner', 'shipyard.core.training.runs', "
        "'shipyard.core.data.dataset_version', 'numpy', 'duckdb') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
