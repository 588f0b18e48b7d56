"""The run view's summary says which rows the metrics were scored on."""

from __future__ import annotations

from shipyard.core.training.runs import SCORED_ON_LEGACY, SCORED_ON_VALIDATION, RunRecord
from shipyard.ui.models.run_detail import summary_html

BASE = {
    "run_id": "r1", "project": "p", "family": "linear", "model": "LogisticRegression",
    "task": {"target": "y", "kind": "multiclass"},
    "config": {}, "seed": 42, "versions": {}, "timings": {}, "metrics": {"f1": 0.9},
    "curves": {}, "parity": None, "exportable": True, "export_problem": "",
    "metrics_source": "sklearn", "created": "2026-01-01T00:00:00Z", "user": "ann",
}  # fmt: skip


def _summary(dataset: dict, scored_on: str) -> str:
    return summary_html(RunRecord.from_json({**BASE, "dataset": dataset, "scored_on": scored_on}))


def test_small_data_says_out_of_fold_not_validation_rows():
    small = {"ref": "wine@v1", "train_rows": 142, "validation_rows": 0, "test_rows": 36,
             "selection": {"method": "cross-validation", "folds": 5, "rows": 142}}  # fmt: skip
    html = _summary(small, SCORED_ON_VALIDATION)
    assert "Metrics are on out-of-fold predictions on the training rows" in html
    assert "validation rows" not in html


def test_validation_and_legacy_runs():
    split = {"ref": "big@v1", "train_rows": 600, "validation_rows": 200, "test_rows": 200,
             "selection": {"method": "validation", "rows": 200}}  # fmt: skip
    assert "Metrics are on the validation rows" in _summary(split, SCORED_ON_VALIDATION)
    assert "Metrics are on the holdout" in _summary({"ref": "old@v1"}, SCORED_ON_LEGACY)
