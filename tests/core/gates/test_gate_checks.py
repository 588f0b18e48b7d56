"""Every check passes and fails on purpose-built cases."""

from __future__ import annotations

import json
from typing import Any

import gate_test_workspace as gtw
import pytest

from shipyard.core.gates import GatePolicy, run_gates
from shipyard.core.gates.report import CheckResult

SLUG = gtw.SLUG


def gate(ws: Any, *checks: dict[str, Any], run_id: str | None = None) -> list[CheckResult]:
    policy = GatePolicy.model_validate({"inherit": False, "checks": list(checks)})
    return run_gates(ws, SLUG, run_id, user="t", policy=policy, save=False).checks


def one(ws: Any, check: dict[str, Any], run_id: str | None = None) -> CheckResult:
    return gate(ws, check, run_id=run_id)[0]


# -- quality ------------------------------------------------------------------------------
def test_quality_pass_and_fail(shared_ws: Any, runs: dict) -> None:
    f1 = gtw.sealed_test_metrics(shared_ws, runs["linear"])["f1"]  # judged on the test split
    ok = one(shared_ws, {"kind": "quality", "metric": "f1", "threshold": f1 - 0.01})
    assert ok.verdict == "pass" and ok.value == pytest.approx(f1)
    assert ok.threshold == pytest.approx(f1 - 0.01) and "meets" in ok.message
    bad = one(shared_ws, {"kind": "quality", "metric": "f1", "threshold": 0.999})
    assert bad.verdict == "fail" and bad.value == pytest.approx(f1)  # shown when failing too


def test_quality_lower_is_better_for_losses(shared_ws: Any, runs: dict) -> None:
    loss = gtw.sealed_test_metrics(shared_ws, runs["linear"])["log_loss"]
    assert (
        one(shared_ws, {"kind": "quality", "metric": "log_loss", "threshold": loss + 0.1}).verdict
        == "pass"
    )
    assert (
        one(shared_ws, {"kind": "quality", "metric": "log_loss", "threshold": loss / 10}).verdict
        == "fail"
    )


def test_quality_metric_the_task_does_not_record(shared_ws: Any) -> None:
    result = one(shared_ws, {"kind": "quality", "metric": "rmse", "threshold": 1})
    assert result.verdict == "fail"
    assert "no 'rmse' is measured" in result.message and "roc_auc" in result.message


def test_advisory_failure_is_a_warning(shared_ws: Any) -> None:
    result = one(
        shared_ws, {"kind": "quality", "metric": "f1", "threshold": 0.999, "required": False}
    )
    assert result.verdict == "warn" and not result.required


# -- latency, error rate, cost --------------------------------------------------------------
def test_latency_pass_and_fail(shared_ws: Any) -> None:
    ok = one(shared_ws, {"kind": "latency", "p95_ms": 1000, "rows": 50})
    assert ok.verdict == "pass" and ok.value > 0 and ok.unit == "ms (p95)"
    assert ok.evidence["calls"] == 50 and len(ok.evidence["samples_ms"]) == 50
    assert ok.evidence["throughput_rps"] > 0
    bad = one(shared_ws, {"kind": "latency", "p99_ms": 0.000001, "rows": 20})
    assert bad.verdict == "fail" and "p99" in bad.message and bad.unit == "ms (p99)"
    slow = one(shared_ws, {"kind": "latency", "min_throughput_rps": 1e12, "rows": 20})
    assert slow.verdict == "fail" and "throughput" in slow.message


def test_error_rate_is_measured_on_the_serving_contract(shared_ws: Any) -> None:
    # Invalid requests (a feature absent, unknown or of the wrong type) are refused, which
    # is right; the valid ones (missing values, unseen categories, far-out numbers) are all
    # answered: a sound model passes even with no error allowed.
    strict = one(shared_ws, {"kind": "error_rate", "max": 0.0, "rows_per_case": 2})
    assert strict.verdict == "pass" and strict.value == 0.0, strict.message
    kinds = strict.evidence["by_kind"]
    assert {"missing", "unseen", "out_of_range", "absent", "wrong_type"} <= set(kinds)
    assert {"unknown_feature"} <= set(kinds)
    assert all(v["bad"] == 0 for v in kinds.values())
    assert strict.evidence["invalid_requests"] > 0
    assert strict.evidence["invalid_refused"] == strict.evidence["invalid_requests"]
    assert strict.evidence["invalid_answered"] == 0
    assert strict.evidence["holdout_error_rate"] == 0.0
    assert "invalid requests refused" in strict.message
    clean = one(shared_ws, {"kind": "error_rate", "max": 0.0, "robustness": False})
    assert clean.verdict == "pass" and clean.value == 0.0


def test_error_rate_fails_when_an_invalid_request_is_answered(
    shared_ws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.core.gates import robustness

    monkeypatch.setattr(robustness, "row_problems", lambda inputs, row: [])  # a leaky contract
    leaky = one(shared_ws, {"kind": "error_rate", "max": 0.5, "rows_per_case": 1})
    assert leaky.verdict == "fail"
    assert leaky.evidence["invalid_answered"] > 0
    assert "answered instead of refused" in leaky.message


def test_error_rate_counts_a_model_that_fails_valid_requests(
    shared_ws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.core.gates import robustness

    real = robustness.answer_problem
    monkeypatch.setattr(
        robustness, "answer_problem", lambda outs, n: "NaN" if n == 1 else real(outs, n)
    )
    bad = one(shared_ws, {"kind": "error_rate", "max": 0.01, "rows_per_case": 1})
    assert bad.verdict == "fail" and bad.value > 0.01
    assert bad.evidence["examples"][0]["error"] == "NaN"


def test_cost_pass_and_fail_with_the_formula(shared_ws: Any) -> None:
    ok = one(shared_ws, {"kind": "cost", "max_per_1k": 1.0})
    assert ok.verdict == "pass" and 0 < ok.value < 1.0
    assert "3,600,000" in ok.evidence["formula"] and ok.evidence["worked"].endswith(
        f"{ok.value:.6f}"
    )
    assert one(shared_ws, {"kind": "cost", "max_per_1k": 0.0}).verdict == "fail"


def test_measurements_follow_the_shared_format(shared_ws: Any) -> None:
    policy = GatePolicy.model_validate(
        {"checks": [{"kind": "latency", "rows": 20}, {"kind": "cost"}, {"kind": "error_rate"}]}
    )
    report = run_gates(shared_ws, SLUG, user="t", policy=policy, save=False)
    m = report.to_json()["measurements"]
    assert set(m) == {"latency_ms", "throughput_rps", "error_rate", "cost_per_1k"}
    assert set(m["latency_ms"]) == {"p50", "p95", "p99"}
    only_card = GatePolicy.model_validate({"checks": [{"kind": "model_card"}]})
    assert run_gates(shared_ws, SLUG, user="t", policy=only_card, save=False).measurements == {}


# -- model card, PII, parity ----------------------------------------------------------------
def test_model_card_missing_incomplete_complete(gws: Any) -> None:
    missing = one(gws, {"kind": "model_card"})
    assert missing.verdict == "fail" and missing.message == "no model card yet — generate one"
    card = gws.projects_dir / SLUG / "model_card.md"
    card.write_text(gtw.COMPLETE_CARD.replace("Small sample.", "TODO"), encoding="utf-8")
    partial = one(gws, {"kind": "model_card"})
    assert partial.verdict == "fail" and "'Limitations' is empty" in partial.message
    card.write_text(gtw.COMPLETE_CARD, encoding="utf-8")
    assert one(gws, {"kind": "model_card"}).verdict == "pass"


def test_pii_feature_needs_an_approval_in_the_one_pager(gws: Any) -> None:
    from shipyard.core.training import train_ladder

    assert one(gws, {"kind": "pii"}).verdict == "pass"  # email was left out by default
    [run] = train_ladder(
        gws, SLUG, f"{gtw.DATASET}@v1", gtw.TARGET, user="t", families=["linear"],
        features=["email", "plan", "tenure_months"], include_pii=True,
    )  # fmt: skip
    bad = one(gws, {"kind": "pii"}, run_id=run.run_id)
    assert bad.verdict == "fail" and "email" in bad.message and bad.value == 1
    onepager = gws.projects_dir / SLUG / "onepager.md"
    text = onepager.read_text("utf-8")
    onepager.write_text(text.replace("\n---\n", "\npii_approvals:\n  - email\n---\n", 1), "utf-8")
    ok = one(gws, {"kind": "pii"}, run_id=run.run_id)
    assert ok.verdict == "pass" and ok.evidence["approved"] == ["email"]


def test_onnx_parity_pass_and_fail(gws: Any, runs: dict) -> None:
    run_id = runs["linear"].run_id
    ok = one(gws, {"kind": "onnx_parity"}, run_id=run_id)
    assert ok.verdict == "pass" and ok.value is not None and ok.value <= ok.threshold
    path = gws.projects_dir / SLUG / "runs" / run_id / "run.json"
    data = json.loads(path.read_text("utf-8"))
    data["parity"].update(ok=False, max_proba_diff=0.2, reason="ONNX disagrees with sklearn")
    path.write_text(json.dumps(data), "utf-8")
    bad = one(gws, {"kind": "onnx_parity"}, run_id=run_id)
    assert bad.verdict == "fail" and bad.value == 0.2 and "disagrees" in bad.message


# -- data contract, drift, slices -----------------------------------------------------------
def test_data_contract_missing_passing_failing(gws: Any) -> None:
    from shipyard.core.data import infer_contract, resolve, save_contract

    missing = one(gws, {"kind": "data_contract"})
    assert missing.verdict == "fail" and "no data contract yet" in missing.message
    version = resolve(gws, f"{gtw.DATASET}@v1")
    contract = infer_contract(version)
    save_contract(gws, SLUG, contract, user="t")
    ok = one(gws, {"kind": "data_contract"})
    assert ok.verdict == "pass" and ok.value == 0
    contract.column("tenure_months").max = 10
    save_contract(gws, SLUG, contract, user="t")
    bad = one(gws, {"kind": "data_contract"})
    assert bad.verdict == "fail" and bad.value == 1 and "tenure_months" in bad.message


def test_drift_pass_fail_and_no_reference(gws: Any, tmp_path: Any) -> None:
    from shipyard.core.data import import_file

    none = one(gws, {"kind": "drift"})
    assert none.verdict == "warn" and "no reference version" in none.message
    same = one(gws, {"kind": "drift", "reference": f"{gtw.DATASET}@v1"})
    assert same.verdict == "pass" and same.value == pytest.approx(0.0, abs=1e-9)
    shifted = gtw.customers_csv(tmp_path / "shifted.csv", seed=8, shift=200.0)
    v2 = import_file(gws, shifted, gtw.DATASET, user="t")
    bad = one(gws, {"kind": "drift", "reference": v2.ref, "max_psi": 0.25})
    assert bad.verdict == "fail" and bad.value > 0.25 and "monthly_spend" in bad.message
    assert bad.evidence["reference"] == v2.ref


def test_slices_pass_fail_and_unknown_column(shared_ws: Any) -> None:
    ok = one(shared_ws, {"kind": "slices", "column": "plan", "max_gap": 1.0, "min_rows": 5})
    assert ok.verdict == "pass" and set(ok.evidence["groups"]) == {"free", "basic", "pro"}
    assert ok.value == pytest.approx(
        max(g["accuracy"] for g in ok.evidence["groups"].values())
        - min(g["accuracy"] for g in ok.evidence["groups"].values())
    )
    bad = one(shared_ws, {"kind": "slices", "column": "region", "max_gap": 0.0, "min_rows": 5})
    assert bad.verdict == "fail" and bad.value > 0
    binned = one(shared_ws, {"kind": "slices", "column": "tenure_months", "metric": "f1",
                             "max_gap": 1.0, "min_rows": 5})  # fmt: skip
    assert binned.verdict == "pass" and len(binned.evidence["groups"]) >= 3
    unknown = one(shared_ws, {"kind": "slices", "column": "nope"})
    assert unknown.verdict == "fail" and "no column 'nope'" in unknown.message


# -- champion regression --------------------------------------------------------------------
def test_champion_regression_warn_pass_fail(gws: Any, runs: dict) -> None:
    from shipyard.core.training.champion import promote

    linear, dummy = runs["linear"].run_id, runs["dummy"].run_id
    check = {"kind": "champion_regression", "metric": "roc_auc", "margin": 0.0}
    first = one(gws, check, run_id=linear)
    assert first.verdict == "warn" and first.message.startswith("no champion yet")
    promote(gws, SLUG, dummy, user="t", reason="baseline")
    better = one(gws, check, run_id=linear)
    assert better.verdict == "pass" and "better than" in better.message
    promote(gws, SLUG, linear, user="t", reason="better")
    worse = one(gws, check, run_id=dummy)
    assert worse.verdict == "fail" and "worse than" in worse.message
    assert worse.evidence["champion"] == linear
    assert one(gws, check, run_id=linear).message == "this run is the champion"
