"""Default gates that mean something: the one-pager's target and beating the dummy baseline
are always checked, on the model file that ships, and a swapped model.onnx is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import gate_test_workspace as gtw
import pytest

from shipyard.core.errors import ShipyardError, ValidationFailed
from shipyard.core.gates import GatePolicy, effective_policy, policy_path, run_gates

SLUG = gtw.SLUG


def _policy(ws: Any, text: str) -> None:
    policy_path(ws, SLUG).write_text(text, encoding="utf-8")


def _onepager(ws: Any, slug: str, old: str, new: str) -> None:
    path = ws.projects_dir / slug / "onepager.md"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_the_dummy_run_fails_the_default_gates(shared_ws: Any, runs: dict) -> None:
    dummy = run_gates(shared_ws, SLUG, runs["dummy"].run_id, user="t", save=False)
    assert not dummy.passed
    base = dummy.check("baseline")
    assert base.required and base.verdict == "fail"
    assert base.evidence["metric"] == "roc_auc"  # the one-pager's primary metric
    assert base.value == pytest.approx(0.5) and base.threshold == pytest.approx(0.52)
    assert "does not beat the dummy baseline" in base.message
    target = dummy.check("target")  # churn-risk's one-pager: ROC AUC >= 0.75
    assert target.required and target.verdict == "fail" and target.threshold == 0.75
    linear = run_gates(shared_ws, SLUG, runs["linear"].run_id, user="t", save=False)
    assert linear.check("baseline").verdict == "pass"
    assert linear.check("target").verdict == "pass"
    assert linear.check("baseline").evidence["baseline_source"].startswith("the dummy run ")


def test_quality_is_measured_on_the_model_file(shared_ws: Any, runs: dict) -> None:
    linear = runs["linear"]
    check = run_gates(shared_ws, SLUG, linear.run_id, user="t", save=False).check("target")
    assert check.evidence["computed_from"].startswith("the model file's answers")
    # Judged on the sealed test split, not on the rows the run was scored and chosen on.
    assert "sealed test split" in check.evidence["computed_from"]
    test = gtw.sealed_test_metrics(shared_ws, linear)
    assert check.value == pytest.approx(test["roc_auc"], abs=1e-6)
    assert check.evidence["scored_on"] == "test" and linear.scored_on == "validation"
    assert check.evidence["recorded_value"] == linear.metrics["roc_auc"]
    assert check.evidence["holdout_rows"] == linear.dataset["test_rows"]
    assert check.evidence["test_rows"] == linear.dataset["test_rows"]


def test_baseline_without_a_dummy_run_is_computed_from_the_train_prior(
    gws: Any, runs: dict
) -> None:
    dummy = runs["dummy"]
    shutil.rmtree(gws.projects_dir / SLUG / "runs" / dummy.run_id)
    report = run_gates(gws, SLUG, runs["linear"].run_id, user="t", save=False)
    base = report.check("baseline")
    assert "class prior" in base.evidence["baseline_source"]
    # The prior predictor scores exactly what the project's dummy run scored.
    assert base.evidence["baseline_value"] == pytest.approx(dummy.metrics["roc_auc"])
    assert base.verdict == "pass"


def test_the_baseline_stays_whatever_gates_yaml_says(gws: Any, runs: dict) -> None:
    _policy(gws, "inherit: false\nchecks:\n  - kind: latency\n    rows: 20\n    required: false\n")
    keys = [c.key for c in effective_policy(gws, SLUG).checks]
    assert keys == ["latency", "target", "baseline"]
    report = run_gates(gws, SLUG, runs["dummy"].run_id, user="t")
    assert not report.passed and report.verdict == "fail"  # not "passed with warnings"
    # A policy given in code gets them too (appended after its own checks).
    own = GatePolicy.model_validate({"inherit": False, "checks": [{"kind": "pii"}]})
    given = run_gates(gws, SLUG, runs["dummy"].run_id, user="t", policy=own, save=False)
    assert [c.id for c in given.checks] == ["pii", "target", "baseline"] and not given.passed


@pytest.mark.parametrize("field", ["required", "enabled"])
def test_switching_the_baseline_off_is_refused_naming_the_file(gws: Any, field: str) -> None:
    _policy(gws, f"checks:\n  - kind: pii\n  - kind: baseline\n    {field}: false\n")
    with pytest.raises(ValidationFailed) as err:
        effective_policy(gws, SLUG)
    problem = err.value.problems[0]
    assert problem.field == f"checks.1.{field}" and problem.line == 4
    assert "must not ship" in problem.message and f"remove '{field}: false'" in problem.fix
    assert "gates.yaml" in str(err.value)


def test_the_baseline_margins_can_only_be_raised(gws: Any, runs: dict) -> None:
    _policy(gws, "checks:\n  - kind: baseline\n    min_gain: 0.9\n")
    check = run_gates(gws, SLUG, runs["linear"].run_id, user="t", save=False).check("baseline")
    assert check.verdict == "fail" and check.threshold == pytest.approx(1.4)
    _policy(gws, "checks:\n  - kind: baseline\n    min_gain: 0\n")
    with pytest.raises(ValidationFailed, match="min_gain"):
        effective_policy(gws, SLUG)


def test_the_target_id_is_kept_for_the_one_pager(gws: Any) -> None:
    _policy(gws, "checks:\n  - kind: quality\n    id: target\n    metric: f1\n    threshold: 0.1\n")
    with pytest.raises(ValidationFailed) as err:
        effective_policy(gws, SLUG)
    assert err.value.problems[0].field == "checks.0.id"
    assert "one-pager" in err.value.problems[0].message


def test_target_follows_the_one_pager(gws: Any, runs: dict) -> None:
    _onepager(gws, SLUG, "target: 0.75", "target: 0.999")
    report = run_gates(gws, SLUG, runs["linear"].run_id, user="t", save=False)
    target = report.check("target")
    assert target.verdict == "fail" and "(the one-pager's target)" in target.message
    assert not report.passed
    # A business metric no run measures sets no target check; the baseline still applies.
    _onepager(gws, SLUG, "name: roc_auc", "name: retention_uplift")
    keys = [c.key for c in effective_policy(gws, SLUG).checks]
    assert "target" not in keys and "baseline" in keys


def test_champion_regression_compares_the_ranking_metric(gws: Any, runs: dict) -> None:
    from shipyard.core.training import leaderboard, promote

    _onepager(gws, SLUG, "name: roc_auc", "name: Brier score")
    assert leaderboard(gws, SLUG).metric == "brier"
    promote(gws, SLUG, runs["linear"].run_id, user="t", reason="best")
    policy = GatePolicy.model_validate({"checks": [{"kind": "champion_regression"}]})
    check = run_gates(gws, SLUG, runs["dummy"].run_id, user="t", policy=policy, save=False)
    regression = check.check("champion_regression")
    assert regression.evidence["metric"] == "brier" and regression.unit == "brier"
    base = check.check("baseline")
    assert base.evidence["metric"] == "brier" and "less error" in base.evidence["rule"]


# -- the file that ships --------------------------------------------------------------------
def test_training_records_the_model_hash(shared_ws: Any, runs: dict) -> None:
    for run in runs.values():
        data = (run.folder / "model.onnx").read_bytes()
        assert run.model_sha256 == hashlib.sha256(data).hexdigest()


def test_a_swapped_model_file_is_refused_and_measured(gws: Any, runs: dict) -> None:
    folder = gws.projects_dir / SLUG / "runs"
    linear, dummy = runs["linear"].run_id, runs["dummy"].run_id
    from shipyard.core.training import promote

    promote(gws, SLUG, linear, user="t", reason="best")
    shutil.copyfile(folder / dummy / "model.onnx", folder / linear / "model.onnx")
    with pytest.raises(ShipyardError) as err:
        run_gates(gws, SLUG, user="t")
    assert "model.onnx was changed after training" in err.value.message
    assert err.value.file == folder / linear / "model.onnx"
    assert "restore the original model.onnx" in err.value.fix and "shipyard train" in err.value.fix
    assert not (folder / linear / "gate_report.json").exists()
    # A run recorded before hashes were kept: the measurements expose the swap.
    record = folder / linear / "run.json"
    data = json.loads(record.read_text("utf-8"))
    data["model_sha256"] = ""
    record.write_text(json.dumps(data), "utf-8")
    report = run_gates(gws, SLUG, user="t", save=False)
    assert report.run_id == linear and not report.passed
    parity = report.check("onnx_parity")
    assert parity.verdict == "fail"
    assert "the model file does not produce the recorded metrics" in parity.message
    assert "roc_auc" in parity.evidence["differences"]
    assert report.check("baseline").verdict == "fail"
    assert report.check("target").value == pytest.approx(0.5)


# -- a regression project: error metrics, relative margin ------------------------------------
@pytest.fixture(scope="module")
def regression_ws(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import random

    from demo_template import plain_demo
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder

    root = tmp_path_factory.mktemp("regression")
    ws = plain_demo(root / "ws")
    rng = random.Random(3)
    lines = ["store,promo,temp,units"]
    for _ in range(300):
        promo, temp = rng.randint(0, 1), rng.uniform(0, 30)
        units = 20 + 15 * promo + 0.8 * temp + rng.gauss(0, 3)
        lines.append(f"s{rng.randint(1, 4)},{promo},{temp:.2f},{units:.2f}")
    path: Path = root / "sales.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    version = import_file(ws, path, "sales", user="t")
    train_ladder(ws, "demand-forecast", version, "units", user="t", families=["dummy", "linear"])
    return ws


def test_regression_ranks_and_gates_by_the_error_metric(regression_ws: Any) -> None:
    from shipyard.core.training import leaderboard, list_runs

    ws = regression_ws
    board = leaderboard(ws, "demand-forecast")
    assert board.metric == "mae"  # the one-pager's 'mae_units'
    runs = {r.family: r for r in list_runs(ws, "demand-forecast")}
    dummy = run_gates(ws, "demand-forecast", runs["dummy"].run_id, user="t", save=False)
    base = dummy.check("baseline")
    assert base.verdict == "fail" and base.evidence["metric"] == "mae"
    dummy_mae = gtw.sealed_test_metrics(ws, runs["dummy"])["mae"]  # on the test split
    assert base.threshold == pytest.approx(dummy_mae * 0.95)
    linear = run_gates(ws, "demand-forecast", runs["linear"].run_id, user="t", save=False)
    assert linear.check("baseline").verdict == "pass"
    assert linear.check("champion_regression").evidence["metric"] == "mae"
    assert "target" not in [c.id for c in linear.checks]  # the one-pager sets no target
