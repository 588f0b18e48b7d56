"""Runs are chosen on validation rows only; the test split stays sealed until the gate.

Small data is compared by cross-validation on the training rows (out-of-fold scores), and
runs recorded before sealed splits load and say they were scored on the old holdout.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from shipyard.core.training import list_runs, load_run, train_ladder
from shipyard.core.training.runs import SCORED_ON_LEGACY, SCORED_ON_VALIDATION

SLUG = "search-query-intent"  # a demo project without runs


def _onnx_answers(run, frame, spec):
    import onnxruntime as ort

    session = ort.InferenceSession(str(run.folder / "model.onnx"))
    labels, proba = session.run(None, frame.onnx_feed(spec))
    return np.asarray(labels).astype(str), np.asarray(proba)


def test_runs_are_scored_on_validation_and_never_read_the_test_rows(ws, sample, monkeypatch):
    import shipyard.core.data.split as split_module
    from shipyard.core.data import load_split
    from shipyard.core.training.frame import load_frames, load_test_frame
    from shipyard.core.training.metrics import classification_metrics
    from shipyard.core.training.task import TaskSpec

    asked: list[str] = []
    role_relation = split_module.role_relation

    def spy(version, split, role, con=None):
        asked.append(role)
        return role_relation(version, split, role, con)

    monkeypatch.setattr(split_module, "role_relation", spy)
    v = sample("churn_customers.csv", "churn")  # 3,000 rows: a validation split
    _, linear = train_ladder(ws, SLUG, v, "churned", user="t", families=["dummy", "linear"])
    assert "test" not in asked and {"train", "validation"} <= set(asked)
    monkeypatch.undo()

    d = linear.dataset
    assert linear.scored_on == SCORED_ON_VALIDATION
    assert d["selection"]["method"] == "validation split" and "1,000 rows" in d["selection"]["rule"]
    assert (d["train_rows"], d["validation_rows"], d["test_rows"]) == (1800, 600, 600)
    assert d["holdout_rows"] == d["validation_rows"]  # the rows the metrics are scored on
    from shipyard.core.training.intervals import recorded_intervals

    assert {i.rows for i in recorded_intervals(linear).values()} == {600}
    raw = json.loads((linear.folder / "run.json").read_text("utf-8"))
    assert raw["scored_on"] == "validation"

    # The recorded metrics are the model file's on the validation rows, not on the test rows.
    spec = TaskSpec.from_record(linear.task)
    split = load_split(v, d["split_id"])
    _, validation = load_frames(v, spec, split)
    test = load_test_frame(v, spec, split)
    assert set(split.role_ids("test").tolist()).isdisjoint(split.role_ids("validation").tolist())
    on_val = classification_metrics(validation.y, *_onnx_answers(linear, validation, spec),
                                    spec.classes)[0]  # fmt: skip
    on_test = classification_metrics(test.y, *_onnx_answers(linear, test, spec), spec.classes)[0]
    assert linear.metrics["roc_auc"] == pytest.approx(on_val["roc_auc"], abs=1e-9)
    assert linear.metrics["roc_auc"] != pytest.approx(on_test["roc_auc"], abs=1e-6)
    assert load_run(ws, SLUG, linear.run_id).scored_on == SCORED_ON_VALIDATION


def test_small_data_is_scored_by_cross_validation_out_of_fold(ws, csv):
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from shipyard.core.training.ladder import build_pipeline
    from shipyard.core.training.metrics import classification_metrics
    from shipyard.core.training.task import TaskSpec

    rng = np.random.default_rng(4)
    lines = ["signal,noise,label"]
    for _ in range(400):  # 320 rows outside the test split: cross-validation
        label = rng.random() < 0.4
        lines.append(f"{rng.normal(1.2 * label):.3f},{rng.normal():.3f},{'yes' if label else 'no'}")
    v = csv("small", "\n".join(lines) + "\n")
    (linear,) = train_ladder(ws, SLUG, v, "label", user="t", families=["linear"])
    d = linear.dataset
    assert d["selection"] == {"method": "cross-validation", "folds": 5, "rows": 320,
                              "rule": d["selection"]["rule"]}  # fmt: skip
    assert (d["train_rows"], d["validation_rows"], d["test_rows"], d["holdout_rows"]) == (
        320, 0, 80, 320)  # fmt: skip
    assert linear.scored_on == SCORED_ON_VALIDATION and "cross_validation" in linear.timings
    assert linear.scored_rows == "out-of-fold"  # what the CLI and the run view say
    # Independently: out-of-fold probabilities of the same pipeline, same folds and seed.
    from shipyard.core.data import load_split
    from shipyard.core.training.frame import load_frames

    spec = TaskSpec.from_record(linear.task)
    train, scored = load_frames(v, spec, load_split(v, d["split_id"]))
    assert len(scored) == len(train) == 320
    cv = StratifiedKFold(5, shuffle=True, random_state=linear.seed)
    proba = cross_val_predict(build_pipeline("linear", spec, linear.seed), train.X, train.y, cv=cv,
                              method="predict_proba")  # fmt: skip
    labels = np.asarray(spec.classes)[proba.argmax(axis=1)]
    want = classification_metrics(train.y, labels, proba, spec.classes)[0]
    assert linear.metrics["roc_auc"] == pytest.approx(want["roc_auc"], abs=1e-9)
    # The model file's own training-row metrics are kept to recognise it at the gate.
    assert linear.parity["file_metrics"]["roc_auc"] > 0.5
    assert linear.parity["file_metrics_rows"] == "train"


def test_runs_recorded_before_sealed_splits_say_so(ws, capsys):
    # Make the demo's shipped runs look as runs recorded before sealed splits did.
    import json

    from shipyard.cli.commands import run

    for run_file in (ws.projects_dir / "churn-risk" / "runs").glob("*/run.json"):
        data = json.loads(run_file.read_text(encoding="utf-8"))
        data.pop("scored_on", None)
        data["dataset"].pop("selection", None)
        run_file.write_text(json.dumps(data), encoding="utf-8")
    old = list_runs(ws, "churn-risk")
    assert old and all(r.scored_on == SCORED_ON_LEGACY for r in old)
    assert all("selection" not in r.dataset for r in old)
    assert run(["runs", "show", str(ws.root), "churn-risk", old[-1].run_id]) == 0
    out = capsys.readouterr().out
    assert "scored  holdout (legacy): recorded before sealed test splits" in out
    assert "metrics (holdout, from" in out
    assert all(r.scored_rows == "holdout" for r in old)


def test_runs_show_says_how_a_new_run_was_scored(ws, sample, capsys):
    from shipyard.cli.commands import run

    v = sample("churn_customers.csv", "churn")
    (dummy,) = train_ladder(ws, SLUG, v, "churned", user="t", families=["dummy"])
    assert run(["runs", "show", str(ws.root), SLUG, dummy.run_id]) == 0
    out = capsys.readouterr().out
    assert "1800 train, 600 validation, 600 test rows (sealed)" in out
    assert "scored  validation: the validation split (600 rows); the test split is sealed" in out
    assert "metrics (validation, from onnx)" in out and dummy.scored_rows == "validation"
