"""The demo workspace ships trained projects: the leaderboard is not empty on first open."""

from __future__ import annotations

import json

import pytest

from shipyard.core.training import (
    champion_history,
    current_champion,
    leaderboard,
    load_run,
    permutation_importance,
    read_task,
    training_version,
)
from shipyard.core.workspace.workspace import Workspace

TRAINED = (
    "churn-risk",
    "lead-scoring",
    "demand-forecast",
    "ticket-triage",
    "invoice-routing",
    "fraud-flag",
    "support-ticket-summaries",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace.create(tmp_path_factory.mktemp("demo") / "ws", template_name="demo")


@pytest.mark.parametrize("slug", TRAINED)
def test_each_trained_demo_project_has_runs_and_a_champion(demo, slug):
    board = leaderboard(demo, slug)
    assert len(board.rows) >= 3 and all(r.score is not None for r in board.rows)
    champion = current_champion(demo, slug)
    assert champion == board.rows[0].run_id  # the best run was promoted
    history = champion_history(demo, slug)
    assert len(history) == 1 and history[0].user and "validation rows" in history[0].reason
    record = load_run(demo, slug, champion)
    assert record.exportable and record.model_path.is_file()
    task = read_task(demo, slug)
    version = training_version(demo, slug)
    assert version.ref == task["dataset"] == record.dataset["ref"]
    assert version.fingerprint == record.dataset["fingerprint"]
    assert task["target"] == record.task["target"]


def test_demo_history_is_audited_and_carries_no_machine_paths(demo):
    assert demo.audit.verify().ok
    actions = [e["action"] for e in demo.audit.entries()]
    assert actions.count("champion.promote") == len(TRAINED)
    assert actions.count("run.record") >= 3 * len(TRAINED)
    for meta in (demo.root / "datasets").glob("*/v*/version.json"):
        source = json.loads(meta.read_text("utf-8"))["lineage"]["source"]
        assert source.startswith("samples/"), meta


def test_importance_of_a_demo_champion(demo):
    slug = "lead-scoring"
    imp = permutation_importance(demo, slug, current_champion(demo, slug), repeats=2)
    assert len(imp["features"]) >= 5 and imp["metric"] == "roc_auc" and imp["mean"][0] > 0
