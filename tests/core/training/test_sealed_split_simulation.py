"""The simulation quality bar: choosing among many runs on validation inflates the winner's
validation score; the sealed test split gives an honest number.

The labels are independent of the features (30% "yes", drawn with a fixed seed), so every
configuration of every model has the same true ROC AUC: exactly 0.5. A 50-trial sweep picks
the run with the best validation ROC AUC; that score is the maximum of 50 noisy estimates of
0.5 and lies visibly above it, while the gate's score of the same model file on the sealed
test split lies within its 95% interval of the true 0.5.
"""

from __future__ import annotations

import numpy as np

from shipyard.core.gates import GatePolicy, run_gates
from shipyard.core.training import run_sweep
from shipyard.core.training.intervals import recorded_intervals

SLUG = "churn-risk"  # its one-pager ranks by ROC AUC
TRUE_AUC = 0.5  # labels independent of the features: no model can rank better than chance
ROWS = 1_300  # 1,040 rows outside the test split: a validation split (the size rule)
FEATURES = 8  # noise only: the trials differ in which noise they fit


def test_a_50_trial_sweeps_winner_is_optimistic_on_validation_and_honest_on_test(
    ws, csv, monkeypatch
):
    from shipyard.core.training import SWEEP_SPACES

    # Cheap trials (fewer trees); still 81 grid points to draw 50 distinct trials from.
    monkeypatch.setitem(SWEEP_SPACES["trees"], "max_iter", [5, 10, 20])
    rng = np.random.default_rng(19)
    lines = [",".join(f"x{i}" for i in range(FEATURES)) + ",label"]
    for _ in range(ROWS):
        x = ",".join(f"{v:.4f}" for v in rng.normal(size=FEATURES))
        lines.append(f"{x},{'yes' if rng.random() < 0.3 else 'no'}")
    version = csv("noise", "\n".join(lines) + "\n")

    trials = run_sweep(ws, SLUG, version, "label", family="trees", trials=50, user="t", n_jobs=2)
    assert len(trials) == 50 and {t.scored_on for t in trials} == {"validation"}
    assert trials[0].dataset["selection"]["method"] == "validation split"
    validation = [t.metrics["roc_auc"] for t in trials]
    chosen = trials[int(np.argmax(validation))]  # what the leaderboard's ranking picks
    chosen_ci = recorded_intervals(chosen)["roc_auc"]

    policy = GatePolicy.model_validate(
        {"inherit": False,
         "checks": [{"kind": "quality", "metric": "roc_auc", "threshold": TRUE_AUC}]}
    )  # fmt: skip
    report = run_gates(ws, SLUG, chosen.run_id, user="t", policy=policy, save=False)
    check = next(c for c in report.checks if c.kind == "quality" and c.id != "target")
    test = check.evidence["interval"]
    assert check.evidence["scored_on"] == "test"
    assert test["rows"] == chosen.dataset["test_rows"] == 260

    print(
        f"\nchosen of 50 trials: validation ROC AUC {chosen.metrics['roc_auc']:.3f} "
        f"({chosen_ci.low:.3f}–{chosen_ci.high:.3f}); sealed test ROC AUC {test['value']:.3f} "
        f"({test['low']:.3f}–{test['high']:.3f}); truth {TRUE_AUC}; the 50 validation scores "
        f"average {np.mean(validation):.3f}"
    )
    # Validation is optimistic: the winner of 50 noisy estimates sits above the truth, above
    # the trials' own average (the selection effect) and above its honest test score.
    assert chosen.metrics["roc_auc"] - TRUE_AUC >= 0.03
    assert chosen.metrics["roc_auc"] - np.mean(validation) >= 0.04
    assert chosen.metrics["roc_auc"] > test["value"]
    # The sealed test score is honest: its 95% interval holds the true value.
    assert test["low"] <= TRUE_AUC <= test["high"]
    assert abs(test["value"] - TRUE_AUC) < abs(chosen.metrics["roc_auc"] - TRUE_AUC)
