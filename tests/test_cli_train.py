"""`shipyard train`: the ladder from the command line, and the remembered task."""

from __future__ import annotations

import json

import pytest

from shipyard.cli import run


@pytest.fixture
def churn_ws(demo_ws):
    code = run(["data", "import", str(demo_ws.root), str(demo_ws.root / "samples" /
                "churn_customers.csv"), "--project", "churn-risk"])  # fmt: skip
    assert code == 0
    return demo_ws


def test_train_records_runs_and_remembers_the_task(churn_ws, capsys):
    capsys.readouterr()
    assert run(["train", str(churn_ws.root), "churn-risk", "--target", "churned"]) == 0
    out = capsys.readouterr().out
    assert "3 runs on churn_customers@v1, target 'churned' (binary)" in out
    assert "email' left out: holds personal data" in out
    runs = sorted((churn_ws.root / "projects" / "churn-risk" / "runs").iterdir())
    assert len(runs) == 3
    records = [json.loads((r / "run.json").read_text()) for r in runs]
    assert {r["family"] for r in records} == {"dummy", "linear", "trees"}
    assert all((r / "model.onnx").stat().st_size > 0 for r in runs)
    linear = next(r for r in records if r["family"] == "linear")
    dummy = next(r for r in records if r["family"] == "dummy")
    assert linear["metrics"]["roc_auc"] > dummy["metrics"]["roc_auc"] + 0.05
    assert linear["exportable"] and linear["parity"]["label_agreement"] >= 0.999

    # The task is remembered: no options needed the second time.
    task = (churn_ws.root / "projects" / "churn-risk" / "task.yaml").read_text()
    assert "churn_customers@v1" in task and "churned" in task
    assert run(["train", str(churn_ws.root), "churn-risk", "--family", "dummy"]) == 0
    assert "1 runs on churn_customers@v1" in capsys.readouterr().out


def test_train_without_a_target_lists_the_columns(churn_ws, capsys):
    assert run(["train", str(churn_ws.root), "churn-risk"]) == 2
    err = capsys.readouterr().err
    assert "no target column set" in err and "churned" in err and "--target" in err


def test_train_without_a_dataset_says_how_to_link_one(demo_ws, capsys):
    assert run(["train", str(demo_ws.root), "fraud-flag", "--target", "is_fraud"]) == 2
    assert "no training dataset yet" in capsys.readouterr().err


def test_a_one_class_target_is_refused_and_leaves_no_run(churn_ws, capsys):
    assert run(["data", "query", str(churn_ws.root),
                "SELECT *, 1 AS constant FROM churn_customers", "--save", "churn_const"]) == 0  # fmt: skip
    code = run(["train", str(churn_ws.root), "churn-risk", "--dataset", "churn_const",
                "--target", "constant"])  # fmt: skip
    assert code == 2
    assert "class" in capsys.readouterr().err.lower()
    runs = churn_ws.root / "projects" / "churn-risk" / "runs"
    assert not runs.exists() or not [p for p in runs.iterdir() if not p.name.startswith(".")]
