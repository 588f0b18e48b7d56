"""Big versions in the window: the Data page's profile, PII and drift views say they read a
sample, and the run view says a run was trained on one. Small sample sizes stand in for big
tables."""

from __future__ import annotations

from shipyard.core.data import import_file
from shipyard.core.data.drift import compare_versions
from shipyard.core.data.pii_scan import scan_pii
from shipyard.core.data.profile import compute_profile
from shipyard.core.training.runs import RunRecord
from shipyard.ui.main_window import DATASETS


def test_profile_pii_and_drift_views_say_they_sampled(qtbot, window, demo_ws):
    version = import_file(demo_ws, demo_ws.root / "samples" / "churn_customers.csv", "churn",
                          user="ann")  # fmt: skip
    window.show_page(DATASETS)
    page = window.data

    page.profile.version = version
    page.profile.show_profile(compute_profile(version, sample_rows=1_000))
    assert page.profile.status.text().startswith("Profiled a sample of 1,000 of 3,000 rows")
    numeric = next(i for i, c in enumerate(page.profile.profile.columns) if c.histogram)
    page.profile.show_column(numeric)
    assert "histogram of 1,000 sampled rows" in page.profile.plot_title.text()

    page.pii.show_report(scan_pii(version, sample_rows=1_000))
    assert "scanned a sample of 1,000 of 3,000 rows, seed 42" in page.pii.summary.text()

    page.drift.show_report(compare_versions(version, version, sample_rows=1_000))
    assert "compared a sample of 1,000 of 3,000 rows" in page.drift.status.text()


def test_the_run_view_says_the_run_was_trained_on_a_sample():
    from shipyard.ui.models.run_detail import summary_html

    base = {
        "run_id": "r1", "project": "p", "family": "linear", "model": "LogisticRegression",
        "task": {"target": "y", "kind": "classification"},
        "dataset": {"ref": "big@v1", "train_rows": 120_000, "validation_rows": 40_000,
                    "test_rows": 40_000},
        "config": {}, "seed": 42, "versions": {}, "timings": {}, "metrics": {}, "curves": {},
        "parity": None, "exportable": False, "export_problem": "x", "metrics_source": "onnx",
        "created": "2026-01-01T00:00:00Z", "user": "ann",
    }  # fmt: skip
    sample = {"rows": 200_000, "of": 20_000_000, "method": "duckdb-hash-stratified-1",
              "seed": 42, "stratify": "y"}  # fmt: skip
    html = summary_html(RunRecord.from_json({**base, "sample": sample}))
    assert "Trained on a stratified sample of 200,000 of 20,000,000 rows, seed 42" in html
    assert "sample" not in summary_html(RunRecord.from_json(base))
