"""Health's Evidence signal: a live stage without the evidence it claims is named and scored down."""

from __future__ import annotations

import json
import shutil
from datetime import date

from shipyard.core.portfolio.evidence_signal import evidence_signal, missing_evidence
from shipyard.core.portfolio.health import project_health
from shipyard.core.portfolio.projects import set_stage
from shipyard.core.portfolio.signal import HealthContext
from shipyard.core.portfolio.vocabulary import Stage
from shipyard.core.workspace.workspace import Workspace

TODAY = date(2026, 12, 7)


def _signal(ws: Workspace, slug: str):
    return evidence_signal(HealthContext(ws.project(slug), TODAY))


def test_early_stages_say_nothing(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    assert ws.project("churn-risk").doc.onepager.stage is Stage.MVP
    assert _signal(ws, "churn-risk") is None


def test_a_live_stage_without_data_or_a_model_is_named(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    set_stage(ws, "churn-risk", Stage.CANARY, user="Ada")
    full = _signal(ws, "churn-risk")
    assert full is not None and full.score == 1.0, full  # data, champion, pass, rollout.yaml
    # Take the evidence away piece by piece.
    folder = ws.projects_dir / "churn-risk"
    (folder / "rollout.yaml").unlink()
    assert _signal(ws, "churn-risk").detail == "canary without a rollout policy"
    champion = json.loads((folder / "champion.json").read_text())["current"]
    report = folder / "runs" / champion / "gate_report.json"
    data = json.loads(report.read_text())
    data["passed"] = False
    report.write_text(json.dumps(data))
    assert "a passing gate report" in _signal(ws, "churn-risk").detail
    (folder / "data.yaml").unlink()
    (folder / "champion.json").unlink()
    bare = _signal(ws, "churn-risk")
    assert bare.detail == (
        "canary without linked data, a champion, a passing gate report, a rollout policy"
    )
    assert bare.score == 0.0
    # The score follows: the project's health drops below what it was with its evidence.
    assert project_health(ws.project("churn-risk"), TODAY).score < 75


def test_full_rollout_also_needs_a_signed_package(trained_demo_ws: Workspace, tmp_path):
    ws = trained_demo_ws
    set_stage(ws, "churn-risk", Stage.FULL, user="Ada")
    folder = ws.projects_dir / "churn-risk"
    assert missing_evidence(folder, Stage.FULL, ws.root) == ["a signed package of the champion"]
    champion = json.loads((folder / "champion.json").read_text())["current"]
    exports = ws.root / "exports"
    exports.mkdir()
    (exports / f"churn-risk-{champion}.zip").write_bytes(b"PK")
    assert missing_evidence(folder, Stage.FULL, ws.root) == []
    shutil.rmtree(exports)
