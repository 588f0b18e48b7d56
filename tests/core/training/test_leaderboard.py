"""Primary metric from the one-pager, the DuckDB leaderboard, comparisons and the champion."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.training import (
    champion_history,
    compare_runs,
    current_champion,
    leaderboard,
    load_run,
    primary_metric,
    promote,
    train_ladder,
)
from shipyard.core.training.leaderboard import match_metric
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace whose churn project has a dummy and a linear run."""
    from shipyard.core.data import import_file

    root = tmp_path_factory.mktemp("lb") / "ws"
    ws = Workspace.create(root, template_name="demo")
    shutil.rmtree(ws.projects_dir / SLUG / "runs", ignore_errors=True)  # the demo's runs
    (ws.projects_dir / SLUG / "champion.json").unlink(missing_ok=True)
    v = import_file(ws, ws.root / "samples" / "churn_customers.csv", "churn", user="t")
    train_ladder(ws, SLUG, v, "churned", user="t", families=["dummy", "linear"])
    return root


@pytest.fixture
def tws(trained: Path, tmp_path: Path) -> Workspace:
    shutil.copytree(trained, tmp_path / "copy")
    return Workspace.open(tmp_path / "copy")


def set_metric(ws: Workspace, slug: str, name: str, direction: str = "maximize") -> None:
    path = ws.projects_dir / slug / "onepager.md"
    text = path.read_text("utf-8")
    text = re.sub(r"(primary_metric:\n  name:)[^\n]*", rf"\1 {name}", text, count=1)
    text = re.sub(r"(\n  direction:)[^\n]*", rf"\1 {direction}", text, count=1)
    path.write_text(text, "utf-8")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("F1", "f1"),
        ("macro_f1", "f1"),
        ("ROC AUC", "roc_auc"),
        ("roc_auc", "roc_auc"),
        ("recall", "recall"),
        ("MAE", "mae"),
        ("mae_units", "mae"),
        ("RMSE", "rmse"),
        ("Accuracy", "accuracy"),
        ("PR AUC", "pr_auc"),
        ("log loss", "log_loss"),
        ("R²", "r2"),
        ("net revenue", None),
    ],
)
def test_match_metric(name, key):
    assert match_metric(name) == key


def test_primary_metric_from_the_one_pager(ws):
    assert primary_metric(ws, "churn-risk", "binary")[:2] == ("roc_auc", "maximize")
    key, direction, note = primary_metric(ws, "demand-forecast", "regression")
    assert (key, direction) == ("mae", "minimize") and "mae_units" in note
    set_metric(ws, "lead-scoring", "net revenue")
    assert primary_metric(ws, "lead-scoring", "multiclass") == (
        "f1",
        "maximize",
        "'net revenue' is not a model metric; ranking by F1",
    )
    set_metric(ws, "lead-scoring", "")
    key, direction, note = primary_metric(ws, "lead-scoring", "regression")
    assert (key, direction) == ("rmse", "minimize") and "one-pager has errors" in note
    set_metric(ws, "lead-scoring", "RMSE")
    key, _, note = primary_metric(ws, "lead-scoring", "binary")
    assert key == "roc_auc" and "'RMSE' is not recorded for binary tasks" in note
    set_metric(ws, "lead-scoring", "log loss", "maximize")  # a loss is never maximized
    key, direction, note = primary_metric(ws, "lead-scoring", "binary")
    assert (key, direction) == ("log_loss", "minimize") and "lower is better" in note


def test_leaderboard_ranks_by_the_one_pager_metric(tws):
    board = leaderboard(tws, SLUG)
    assert (board.metric, board.direction) == ("roc_auc", "maximize")
    assert board.metric_keys[0] == "roc_auc" and "log_loss" in board.metric_keys
    scores = [r.score for r in board.rows]
    assert scores == sorted(scores, reverse=True) and board.rows[-1].family == "dummy"
    assert all(r.dataset == "churn@v1" and r.exportable for r in board.rows)
    assert not any(r.champion for r in board.rows)
    # Every run.json records the ranking metric it was trained under.
    rec = load_run(tws, SLUG, board.rows[0].run_id)
    assert rec.primary_metric["key"] == "roc_auc" and rec.primary_metric["note"]

    set_metric(tws, SLUG, "log loss", "minimize")
    board = leaderboard(tws, SLUG)
    assert (board.metric, board.direction) == ("log_loss", "minimize")
    assert [r.score for r in board.rows] == sorted(r.score for r in board.rows)

    explicit = leaderboard(tws, SLUG, metric="accuracy")
    assert explicit.metric == "accuracy" and explicit.metric_keys[0] == "accuracy"
    with pytest.raises(ShipyardError, match="unknown metric 'speed'"):
        leaderboard(tws, SLUG, metric="speed")


def test_leaderboard_unscored_last_ties_newest_first_and_skips_temp_folders(tws):
    board = leaderboard(tws, SLUG)
    folder = tws.projects_dir / SLUG / "runs"
    best = board.rows[0].run_id
    data = json.loads((folder / best / "run.json").read_text())
    for i, (score, created) in enumerate([(None, "2030-01-01"), (data["metrics"]["roc_auc"],
                                          "2030-01-02")]):  # fmt: skip
        clone = dict(data, run_id=f"clone-{i}", created=created)
        clone["metrics"] = dict(data["metrics"], roc_auc=score)
        (folder / f"clone-{i}").mkdir()
        (folder / f"clone-{i}" / "run.json").write_text(json.dumps(clone))
    (folder / ".tmp-half").mkdir()
    (folder / ".tmp-half" / "run.json").write_text(json.dumps(dict(data, run_id="half")))
    ids = [r.run_id for r in leaderboard(tws, SLUG).rows]
    assert ids[:2] == ["clone-1", best] and ids[-1] == "clone-0" and "half" not in ids


def test_leaderboard_empty_and_damaged(tws, ws):
    import shutil

    shutil.rmtree(ws.projects_dir / "fraud-flag" / "runs")  # the demo trains it; empty it
    board = leaderboard(ws, "fraud-flag")
    assert board.rows == [] and board.metric == "recall"  # 'recall_at_1pct_review'
    folder = tws.projects_dir / SLUG / "runs"
    bad = next(p for p in folder.iterdir() if p.is_dir())
    (bad / "run.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(ShipyardError, match="damaged") as info:
        leaderboard(tws, SLUG)
    assert info.value.file == bad / "run.json"


def test_compare_runs(tws):
    rows = {r.family: r for r in leaderboard(tws, SLUG).rows}
    a, b = load_run(tws, SLUG, rows["dummy"].run_id), load_run(tws, SLUG, rows["linear"].run_id)
    table = {row.label: row for row in compare_runs(a, b)}
    assert table["family / model"].a == "dummy · DummyClassifier"
    assert table["dataset"].a == table["dataset"].b == "churn@v1"
    assert table["split"].a == a.dataset["split_id"]
    assert table["ROC AUC"].better == "b"  # higher is better
    assert table["log loss"].better == "b"  # lower is better
    assert "param strategy" not in table  # different estimators: shared parameters only
    assert table["exportable"].better == ""
    assert "seed" in table and "fit time (s)" in table and "parity max proba diff" in table
    swapped = {row.label: row for row in compare_runs(b, a)}
    assert swapped["log loss"].better == "a"


def test_champion_history_round_trip(tws):
    board = leaderboard(tws, SLUG)
    first, second = board.rows[0].run_id, board.rows[1].run_id
    assert current_champion(tws, SLUG) is None and champion_history(tws, SLUG) == []
    promote(tws, SLUG, first, user="ana", reason="best ROC AUC")
    event = promote(tws, SLUG, second, user="bo", reason="simpler model")
    assert event.previous == first
    assert current_champion(tws, SLUG) == second
    history = champion_history(tws, SLUG)
    assert [(p.run_id, p.user, p.reason) for p in history] == [
        (first, "ana", "best ROC AUC"),
        (second, "bo", "simpler model"),
    ]
    assert history[0].previous is None and history[1].when
    entries = [e for e in tws.audit.entries() if e["action"] == "champion.promote"][-2:]
    assert [e["target"] for e in entries] == [f"{SLUG}/{first}", f"{SLUG}/{second}"]
    assert entries[1]["details"]["previous"] == first and entries[1]["reason"] == "simpler model"
    champs = [r.run_id for r in leaderboard(tws, SLUG).rows if r.champion]
    assert champs == [second]
    with pytest.raises(ShipyardError, match="already the champion"):
        promote(tws, SLUG, second, user="bo", reason="again")
    with pytest.raises(ShipyardError, match="needs a reason"):
        promote(tws, SLUG, first, user="bo", reason="  ")


def test_a_non_exportable_run_cannot_be_champion(tws):
    run_id = leaderboard(tws, SLUG).rows[0].run_id
    path = tws.projects_dir / SLUG / "runs" / run_id / "run.json"
    data = json.loads(path.read_text())
    data.update(exportable=False, export_problem="ONNX disagrees with sklearn on the holdout")
    path.write_text(json.dumps(data))
    before = len(tws.audit.entries())
    with pytest.raises(ShipyardError, match="cannot be champion: ONNX disagrees"):
        promote(tws, SLUG, run_id, user="t", reason="best")
    assert current_champion(tws, SLUG) is None and len(tws.audit.entries()) == before
    with pytest.raises(ShipyardError, match="has no run 'nope'"):
        promote(tws, SLUG, "nope", user="t", reason="best")
