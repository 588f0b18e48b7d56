"""One description per metric: the leaderboard, the gate policy and the checks share it."""

from __future__ import annotations

import dataclasses

import pytest

from shipyard.core import metric_registry as registry
from shipyard.core.metric_registry import BY_KEY, METRICS, match_metric


def test_the_leaderboard_and_the_gates_read_the_same_lists() -> None:
    import importlib

    from shipyard.core.gates import checks_model, policy

    # (the training package exports a function of the same name as the module)
    leaderboard = importlib.import_module("shipyard.core.training.leaderboard")

    assert policy.KNOWN_METRICS is registry.KNOWN_METRICS
    assert policy.LOWER_IS_BETTER is leaderboard.LOWER_IS_BETTER is registry.LOWER_IS_BETTER
    assert policy.SLICE_METRICS is registry.SLICE_METRICS
    assert leaderboard.METRIC_LABELS is registry.METRIC_LABELS
    assert leaderboard.ALIASES is registry.ALIASES
    assert checks_model.CLASSIFICATION_METRICS is leaderboard.CLASSIFICATION_METRICS
    assert checks_model.REGRESSION_METRICS is leaderboard.REGRESSION_METRICS
    assert policy.higher_is_better is registry.higher_is_better
    assert leaderboard.direction_of is registry.direction_of


def test_each_metric_is_described_once_and_cannot_be_changed() -> None:
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys)) == len(BY_KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        METRICS[0].label = "changed"  # type: ignore[misc]  # frozen: the test checks it
    aliases = [a for m in METRICS for a in m.aliases]
    assert len(aliases) == len(set(aliases))  # one word never means two metrics
    for metric in METRICS:
        assert match_metric(metric.key.replace("_", " ")) == metric.key
        assert match_metric(metric.label) == metric.key


def test_directions_kinds_and_defaults() -> None:
    assert {"log_loss", "brier", "ece", "mae", "rmse", "mape"} == registry.LOWER_IS_BETTER
    assert registry.direction_of("r2") == "maximize" and BY_KEY["r2"].direction == "maximize"
    assert registry.direction_of("mape") == "minimize"
    assert registry.higher_is_better("a_business_kpi")  # unknown: a score
    assert set(registry.SLICE_METRICS) == {"accuracy", "precision", "recall", "f1", "mae", "rmse"}
    assert set(registry.metrics_for("regression")) == {"rmse", "mae", "r2", "mape"}
    for kind in ("binary", "multiclass", "text"):
        assert registry.metrics_for(kind) == registry.CLASSIFICATION_METRICS
    for kind, key in registry.DEFAULT_METRIC.items():
        assert key in registry.metrics_for(kind)
    assert registry.metric_label("roc_auc") == "ROC AUC" and registry.metric_label("x") == "x"
    assert match_metric("Macro F1 on the holdout") == "f1"
    assert match_metric("mean absolute percentage error") == "mape"
    assert match_metric("weekly revenue") is None


def test_the_registry_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, shipyard.core.metric_registry, shipyard.core.gates.policy\n"
        "print([m for m in ('shipyard.core.training', 'numpy', 'duckdb') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
