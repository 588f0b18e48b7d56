"""`shipyard train`: the ladder from the command line, and the remembered task."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout

import pytest

from shipyard.cli.commands import run


def _without_demo_runs(project) -> None:
    for name in ("runs", "task.yaml", "champion.json"):
        path = project / name
        if path.is_dir():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)


@pytest.fixture
def churn_ws(demo_ws):
    _without_demo_runs(demo_ws.root / "projects" / "churn-risk")
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


@pytest.fixture(scope="module")
def trained_root(tmp_path_factory):
    """A demo workspace where lead-scoring has a dummy and a linear run (trained once)."""
    root = tmp_path_factory.mktemp("cli") / "ws"
    from shipyard.core.workspace.workspace import Workspace

    Workspace.create(root, template_name="demo")
    _without_demo_runs(root / "projects" / "lead-scoring")
    samples = str(root / "samples" / "inbound_leads.csv")
    assert run(["data", "import", str(root), samples, "--name", "leads_cli",
                "--project", "lead-scoring"]) == 0  # fmt: skip
    assert run(["train", str(root), "lead-scoring", "--dataset", "leads_cli", "--target",
                "converted", "--family", "dummy", "--family", "linear"]) == 0  # fmt: skip
    return root


@pytest.fixture
def lead_ws(trained_root, tmp_path):
    shutil.copytree(trained_root, tmp_path / "ws")
    return tmp_path / "ws"


def _ids(root) -> list[str]:
    capsys_free = io.StringIO()
    with redirect_stdout(capsys_free):
        assert run(["runs", "list", str(root), "lead-scoring", "--json"]) == 0
    return [r["run_id"] for r in json.loads(capsys_free.getvalue())["rows"]]


def test_runs_list_show_compare(lead_ws, capsys):
    best, worst = _ids(lead_ws)
    capsys.readouterr()
    assert run(["runs", "list", str(lead_ws), "lead-scoring"]) == 0
    out = capsys.readouterr().out
    assert "2 runs; ranking by ROC AUC" in out and out.index(best) < out.index(worst)
    assert run(["runs", "list", str(lead_ws), "lead-scoring", "--metric", "log_loss"]) == 0
    assert "ranking by log loss" in capsys.readouterr().out
    assert run(["runs", "show", str(lead_ws), "lead-scoring", best]) == 0
    out = capsys.readouterr().out
    assert f"run {best}" in out and "leads_cli@v1" in out and "exportable (parity passed)" in out
    assert run(["runs", "show", str(lead_ws), "lead-scoring", best, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == best
    assert run(["runs", "compare", str(lead_ws), "lead-scoring", best, worst]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out and "◀ A" in out and "dummy · DummyClassifier" in out


def test_runs_promote_and_champion_history(lead_ws, capsys):
    best, worst = _ids(lead_ws)
    capsys.readouterr()
    assert run(["runs", "champion", str(lead_ws), "lead-scoring"]) == 0
    assert "no champion yet" in capsys.readouterr().out
    assert run(["runs", "promote", str(lead_ws), "lead-scoring", best, "--reason",
                "best ROC AUC"]) == 0  # fmt: skip
    assert run(["runs", "promote", str(lead_ws), "lead-scoring", worst[:-2], "--reason",
                "simplest"]) == 0  # fmt: skip
    assert f"(was {best})" in capsys.readouterr().out
    assert run(["runs", "champion", str(lead_ws), "lead-scoring"]) == 0
    out = capsys.readouterr().out
    assert f"champion: {worst}" in out and "best ROC AUC" in out and "simplest" in out
    assert run(["runs", "list", str(lead_ws), "lead-scoring"]) == 0
    assert "★ champion" in capsys.readouterr().out
    assert run(["runs", "promote", str(lead_ws), "lead-scoring", worst, "--reason", "x"]) == 2
    assert "already the champion" in capsys.readouterr().err


def test_runs_bad_input_exit_2(lead_ws, capsys):
    assert run(["runs", "show", str(lead_ws), "lead-scoring", "nope"]) == 2
    assert "has no run 'nope'" in capsys.readouterr().err
    assert run(["runs", "show", str(lead_ws), "lead-scoring", "2"]) == 2
    assert "matches 2 runs" in capsys.readouterr().err
    assert run(["runs", "list", str(lead_ws), "lead-scoring", "--metric", "speed"]) == 2
    assert "unknown metric 'speed'" in capsys.readouterr().err
    assert run(["runs", "list", str(lead_ws), "no-such-project"]) == 2
    assert "no project 'no-such-project'" in capsys.readouterr().err
    assert run(["sweep", str(lead_ws), "lead-scoring", "--family", "linear", "--trials",
                "0"]) == 2  # fmt: skip
    assert "0 trials" in capsys.readouterr().err


def test_sweep_uses_the_remembered_task(lead_ws, capsys):
    before = set(_ids(lead_ws))
    capsys.readouterr()
    assert run(["sweep", str(lead_ws), "lead-scoring", "--family", "linear", "--mode", "grid",
                "--trials", "2", "--jobs", "2"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "2 linear trials on leads_cli@v1" in out and "C=0.01" in out and "C=100.0" in out
    assert len(set(_ids(lead_ws)) - before) == 2


def test_sweep_choices_match_the_core_without_importing_it() -> None:
    from shipyard.cli import train as cli_train
    from shipyard.core.training.sweep import MODES, SWEEP_SPACES

    assert tuple(SWEEP_SPACES) == cli_train.SWEEP_FAMILIES
    assert cli_train.SWEEP_MODES == MODES


def test_building_the_parser_loads_no_domain_library() -> None:
    """The window's startup parses the command line first; it must stay light."""
    import subprocess
    import sys

    code = (
        "import sys; from shipyard.cli.commands import build_parser; build_parser(); "
        "print(sorted(m for m in ('pydantic', 'shipyard.core.training', 'shipyard.core.data', "
        "'shipyard.core.gates.runner', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_train_exits_1_when_no_run_exports_and_the_hints_follow(churn_ws, capsys, monkeypatch):
    from shipyard.core.training import onnx_export

    def broken(pipe, spec):
        raise KeyError("mean_radius")

    monkeypatch.setattr(onnx_export, "to_onnx_bytes", broken)
    capsys.readouterr()
    code = run(["train", str(churn_ws.root), "churn-risk", "--target", "churned",
                "--family", "dummy", "--family", "linear"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    assert out.count("NOT exportable") == 2 and "KeyError: 'mean_radius'" in out
    assert "none of the 2 runs is exportable" in err and "KeyError: 'mean_radius'" in err
    assert "shipyard runs list" in err
    runs = sorted(p.name for p in (churn_ws.root / "projects" / "churn-risk" / "runs").iterdir())
    # Promoting one: the refusal says why, and does not say "train it first".
    assert run(["runs", "promote", str(churn_ws.root), "churn-risk", runs[-1],
                "--reason", "best"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "cannot be champion" in err and "none of the project's runs is exportable" in err
    assert "shipyard runs show" in err and "train it first" not in err
    # Gating: the blocker is that no run exported, not that nothing was trained.
    assert run(["gate", str(churn_ws.root), "churn-risk"]) == 2
    err = capsys.readouterr().err
    assert "none of the 2 runs of 'churn-risk' is exportable" in err
    assert "shipyard runs list" in err and "train it first" not in err


def test_runs_show_json_has_the_curves_and_a_prefix_finds_the_run(lead_ws, capsys):
    best, _ = _ids(lead_ws)
    capsys.readouterr()
    folder = lead_ws / "projects" / "lead-scoring" / "runs" / best
    assert json.loads((folder / "run.json").read_text())["curves"] == {"sidecar": "curves.json"}
    prefix = best[: len(best) - 3]
    assert run(["runs", "show", str(lead_ws), "lead-scoring", prefix, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["run_id"] == best
    assert shown["curves"] == json.loads((folder / "curves.json").read_text())
    assert "roc_curve" in shown["curves"]
