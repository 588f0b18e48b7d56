"""The quality checks compare with the 95% interval in one documented way: pass or fail on
the point estimate, and warn (message and evidence) when the interval crosses the target."""

from __future__ import annotations

import re
from typing import Any

import gate_test_workspace as gtw
import pytest

from shipyard.core.gates import GatePolicy, run_gates
from shipyard.core.gates.policy import TARGET_ID
from shipyard.core.training.intervals import recorded_intervals

SLUG = gtw.SLUG


def quality(ws: Any, metric: str, threshold: float) -> Any:
    policy = GatePolicy.model_validate(
        {"inherit": False,
         "checks": [{"kind": "quality", "metric": metric, "threshold": threshold}]}
    )  # fmt: skip
    report = run_gates(ws, SLUG, None, user="t", policy=policy, save=False)
    return report, next(c for c in report.checks if c.kind == "quality" and c.id != TARGET_ID)


def test_a_pass_inside_the_interval_passes_with_a_warning(shared_ws: Any, runs: dict) -> None:
    _, champion = quality(shared_ws, "roc_auc", 0.5)
    ci = champion.evidence["interval"]
    threshold = (ci["low"] + ci["value"]) / 2  # met on the point, not by the lower bound
    report, check = quality(shared_ws, "roc_auc", threshold)
    assert check.verdict == "pass" and report.passed
    assert "too close to call" in check.message and "passes on the point estimate" in check.message
    assert "Warning: the lower bound" in check.message
    assert check.evidence["interval_words"].startswith("too close to call")
    assert "lower bound" in check.evidence["interval_warning"]
    assert "point estimate" in check.evidence["interval_rule"]
    assert "intervals" not in report.measurements  # the shared runtime format stays as it is


def test_clear_pass_and_clear_fail_say_so(shared_ws: Any) -> None:
    _, low = quality(shared_ws, "roc_auc", 0.5)
    ci = low.evidence["interval"]
    assert ci["low"] > 0.5
    assert low.verdict == "pass" and "likely above threshold" in low.message
    assert "interval_warning" not in low.evidence
    _, high = quality(shared_ws, "roc_auc", min(0.999, ci["high"] + 0.01))
    assert high.verdict == "fail" and "likely below threshold" in high.message
    assert "fails on the point estimate" in high.message
    assert "interval_warning" not in high.evidence


def test_lower_is_better_metrics_read_the_other_way(shared_ws: Any) -> None:
    _, loose = quality(shared_ws, "log_loss", 5.0)
    assert loose.verdict == "pass" and "likely below threshold" in loose.message
    ci = loose.evidence["interval"]
    _, close = quality(shared_ws, "log_loss", (ci["value"] + ci["high"]) / 2)
    assert close.verdict == "pass" and "Warning: the upper bound" in close.message


def test_the_gate_measures_the_interval_on_the_sealed_test_split(
    shared_ws: Any, runs: dict
) -> None:
    """Same model file, test rows and seed: the gate's interval is the one computed from the
    file's answers on the test split; training recorded its own on the validation scores."""
    from shipyard.core.training.intervals import metric_interval

    report, check = quality(shared_ws, "roc_auc", 0.5)
    run = next(r for r in runs.values() if r.run_id == report.run_id)
    frame, labels, proba = gtw.sealed_test_answers(shared_ws, run)
    value = gtw.sealed_test_metrics(shared_ws, run)["roc_auc"]
    want = metric_interval("roc_auc", value, frame.y, labels, proba, list(run.task["classes"]),
                           seed=run.seed)  # fmt: skip
    ci = check.evidence["interval"]
    assert (ci["low"], ci["high"], ci["method"]) == (want.low, want.high, want.method)
    assert ci["rows"] == run.dataset["test_rows"]
    recorded = recorded_intervals(run)["roc_auc"]
    assert recorded.rows == run.dataset["holdout_rows"]  # the rows the run was scored on


def test_the_one_pagers_target_reads_as_a_product_owner_would(shared_ws: Any) -> None:
    report = run_gates(shared_ws, SLUG, None, user="t", save=False)
    target = report.check(TARGET_ID)
    pattern = (
        r"^ROC AUC (\d\.\d+) \((\d\.\d+)–(\d\.\d+)\), target (\d\.?\d*): "
        r"(likely above target|likely below target|too close to call)"
    )
    m = re.match(pattern, target.message)
    assert m, target.message
    lo, hi = float(m.group(2)), float(m.group(3))
    assert lo <= float(m.group(1)) <= hi
    assert target.evidence["interval"]["rows"] == target.evidence["holdout_rows"]


def test_champion_regression_says_whether_the_runs_can_be_told_apart(gws: Any, runs: dict) -> None:
    from shipyard.core.training.champion import promote
    from shipyard.core.training.intervals import Interval

    linear, dummy = runs["linear"], runs["dummy"]
    policy = GatePolicy.model_validate(
        {"inherit": False,
         "checks": [{"kind": "champion_regression", "metric": "roc_auc", "margin": 0.0}]}
    )  # fmt: skip
    promote(gws, SLUG, dummy.run_id, user="t", reason="baseline")
    report = run_gates(gws, SLUG, linear.run_id, user="t", policy=policy, save=False)
    check = report.check("champion_regression")
    mine = Interval.from_json("roc_auc", check.evidence["candidate_interval"])
    theirs = Interval.from_json("roc_auc", check.evidence["champion_interval"])
    # Both measured on the same sealed test split (the champion's file answers it too).
    assert check.evidence["champion_measured_on"] == "the test split"
    assert theirs.rows == mine.rows == dummy.dataset["test_rows"]
    assert theirs.value == pytest.approx(gtw.sealed_test_metrics(gws, dummy)["roc_auc"])
    assert check.evidence["distinguishable"] is (not mine.overlaps(theirs))
    if check.evidence["distinguishable"]:
        assert "a real difference on this holdout" in check.message
    else:
        assert "not distinguishable on these rows" in check.message
    assert check.verdict == "pass"  # the verdict stays on the point estimates


def test_the_cards_gate_table_reads_the_interval_out(gws: Any, runs: dict) -> None:
    from shipyard.core.packaging.model_card import _gate_text, facts_for
    from shipyard.core.training.runs import load_run

    linear = load_run(gws, SLUG, runs["linear"].run_id)  # the copy's run folder
    report = run_gates(gws, SLUG, linear.run_id, user="t")
    target = report.check(TARGET_ID)
    text = _gate_text(facts_for(gws, SLUG, linear))
    row = next(line for line in text.splitlines() if line.startswith(f"| {target.title} "))
    summary = target.evidence["interval_summary"]
    assert summary in row and ", target " in summary
    assert re.search(r"\(\d\.\d+–\d\.\d+\), target [\d.]+: (likely|too close)", row), row
    assert "In brackets: the 95% interval" in text
    # A check without an interval keeps its plain value.
    parity = report.check("onnx_parity")
    assert "interval" not in parity.evidence
