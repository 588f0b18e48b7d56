"""The baseline ladder: task detection, every family with ONNX parity, run records, bad input."""

from __future__ import annotations

import json
import random

import pytest

from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.training import TrainingRefused, detect_task, list_runs, runs_dir, train_ladder

SLUG = "onpage-suggestion"  # a demo project without runs


def _no_run_folders(ws) -> bool:
    folder = runs_dir(ws, SLUG)
    return not folder.exists() or not any(folder.iterdir())


def test_churn_ladder_records_runs_with_parity(ws, sample):
    v = sample("churn_customers.csv", "churn")
    spec = detect_task(v, "churned")
    assert spec.kind == "binary"
    assert "email" not in spec.features and "phone" not in spec.features
    assert any("email" in w and "personal" in w for w in spec.warnings)
    seen: list[float] = []
    job = JobControl(lambda f, m: seen.append(f))
    records = train_ladder(ws, SLUG, v, "churned", user="t", job=job)
    assert [r.family for r in records] == ["dummy", "linear", "trees"]
    assert seen == sorted(seen) and seen[-1] == 1.0
    for r in records:
        assert r.exportable, r.export_problem
        assert r.parity["label_agreement"] >= 0.999 and r.parity["max_proba_diff"] <= 1e-4
        assert (r.folder / "model.onnx").is_file() and r.metrics_source == "onnx"
        for key in (
            "accuracy",
            "precision",
            "recall",
            "f1",
            "roc_auc",
            "pr_auc",
            "log_loss",
            "brier",
            "ece",
        ):
            assert key in r.metrics
        assert "roc_curve" in r.curves and "confusion" in r.curves
        assert r.dataset["fingerprint"] == v.fingerprint and r.dataset["split_id"]
        assert "email" not in r.task["numeric"] + r.task["categorical"]
    dummy, linear = records[0], records[1]
    assert linear.metrics["roc_auc"] > dummy.metrics["roc_auc"] + 0.05
    assert linear.metrics["log_loss"] < dummy.metrics["log_loss"]
    # round trip
    listed = list_runs(ws, SLUG)
    assert listed == records
    raw = json.loads((records[1].folder / "run.json").read_text("utf-8"))
    assert raw["versions"]["scikit-learn"] and raw["seed"] == 42
    ours = [e for e in ws.audit.entries() if e["target"].startswith(f"{SLUG}/")]
    assert [e["action"] for e in ours] == ["run.record"] * 3


def test_multiclass_and_regression(ws, sample):
    v = sample("store_daily_sales.csv", "sales")
    records = train_ladder(
        ws, SLUG, v, "units_sold", user="t", families=["dummy", "linear", "trees"]
    )
    assert records[0].task["kind"] == "regression"
    for r in records:
        assert r.exportable, r.export_problem
        assert set(r.metrics) >= {"mae", "rmse", "r2", "mape"}
    assert records[2].metrics["rmse"] < records[0].metrics["rmse"]


def test_text_classification_parity_with_punctuation_and_non_ascii(ws, sample, csv):
    v = sample("support_ticket_text.csv", "tickets")
    spec = detect_task(v, "category")
    assert spec.kind == "text" and spec.text == ["text"] and len(spec.classes) > 2
    rnd = random.Random(1)
    words = {
        "travel": ["Zürich", "Straße", "São", "Paulo", "café", "hôtel", "ÜBER", "Ærø"],
        "billing": ["invoice", "card—declined", "refund!!", "€uro", "naïve", "résumé"],
        "tech": ["crash", "login…", "app's", "ошибка", "日本語テキスト", "e-mail"],
    }
    rows = ["text,category"]
    for i in range(240):
        cat = list(words)[i % 3]
        picked = rnd.sample(words[cat], 3) + rnd.sample(
            [w for ws_ in words.values() for w in ws_], 1
        )
        text = " ".join(picked) + rnd.choice(["?", "!", ", ok.", " (again)", ""])
        rows.append(f'"{text}",{cat}')
    small = csv("multilingual", "\n".join(rows) + "\n")
    for version in (v, small):
        records = train_ladder(ws, SLUG, version, "category", user="t", families=["dummy", "text"])
        for r in records:
            assert r.exportable, r.export_problem
            assert r.parity["max_proba_diff"] <= 1e-4
    assert records[1].metrics["accuracy"] > 0.9


def test_bad_inputs_are_refused_and_leave_no_run(ws, csv):
    one = csv("one", "a,b,y\n" + "".join(f"{i},{i % 3},yes\n" for i in range(30)))
    with pytest.raises(TrainingRefused, match="one class"):
        train_ladder(ws, SLUG, one, "y", user="t")
    miss = csv("miss", "a,y\n" + "".join(f"{i},{'' if i == 5 else i % 2}\n" for i in range(30)))
    with pytest.raises(TrainingRefused, match="missing on 1"):
        train_ladder(ws, SLUG, miss, "y", user="t")
    empty = csv("emptytext", "a,t,y\n" + "".join(f"{i},,{i % 2}\n" for i in range(30)))
    spec = detect_task(empty, "y")  # the all-null column is left out with a warning
    assert "t" not in spec.features and any("every value is missing" in w for w in spec.warnings)
    words = csv("words", "t,y\n" + "".join(f'"w{i} x y z",{i % 2}\n' for i in range(30)))
    with pytest.raises(TrainingRefused, match="folds"):
        train_ladder(ws, SLUG, words, "y", user="t", folds=20)
    blank = csv("blank", "t,y\n" + "".join(f'"   ",{i % 2}\n' for i in range(30)))
    with pytest.raises(TrainingRefused, match="empty"):
        detect_task(blank, "y", features=["t"], kind="classification")
    assert _no_run_folders(ws)


def test_infinite_values(ws, csv):
    body = "".join(f"{'inf' if i == 3 else i * 0.5},{i % 2}\n" for i in range(40))
    v = csv("inf", "x,y\n" + body)
    spec = detect_task(v, "y")
    assert spec.infinite_as_missing == ["x"] and any("infinite" in w for w in spec.warnings)
    records = train_ladder(ws, SLUG, v, "y", user="t", families=["linear"])
    assert records[0].exportable
    target = csv(
        "inft", "x,y\n" + "".join(f"{i},{'inf' if i == 2 else i * 1.5}\n" for i in range(40))
    )
    with pytest.raises(TrainingRefused, match="infinite"):
        train_ladder(ws, SLUG, target, "y", user="t")


def test_cancel_leaves_no_run_folder(ws, sample):
    v = sample("inbound_leads.csv", "leads")
    job = JobControl()

    def on_progress(fraction: float, message: str) -> None:
        if "exporting" in message:
            job.cancel()

    job._on_progress = on_progress
    with pytest.raises(Cancelled):
        train_ladder(ws, SLUG, v, "converted", user="t", job=job)
    assert _no_run_folders(ws)
    assert list_runs(ws, SLUG) == []


def test_cross_validation_is_recorded(ws, sample):
    v = sample("inbound_leads.csv", "leads")
    spec = detect_task(v, "converted")
    assert "email" not in spec.features
    (r,) = train_ladder(ws, SLUG, v, "converted", user="t", families=["linear"], folds=3)
    assert r.cv["folds"] == 3 and len(r.cv["scores"]) == 3


def test_a_run_whose_onnx_disagrees_or_fails_is_kept_but_not_exportable(ws, sample, monkeypatch):
    from shipyard.core.training import onnx_export

    v = sample("churn_customers.csv", "churn")
    real = onnx_export.sklearn_reference
    # sklearn's side shifted by 0.01: every probability differs by more than 1e-4
    monkeypatch.setattr(onnx_export, "sklearn_reference", lambda *a: real(*a) * 0.98 + 0.01)
    (off,) = train_ladder(ws, SLUG, v, "churned", user="t", families=["linear"])
    assert not off.exportable and off.model_path is None
    assert "ONNX disagrees with sklearn" in off.export_problem and "1e-04" in off.export_problem
    assert off.parity["max_proba_diff"] > 1e-4 and off.metrics_source == "sklearn"
    assert not (off.folder / "model.onnx").exists() and off.metrics["accuracy"] is not None

    monkeypatch.setattr(onnx_export, "to_onnx_bytes", lambda *a: b"not a model")
    (broken,) = train_ladder(ws, SLUG, v, "churned", user="t", families=["dummy"])
    assert not broken.exportable and broken.parity is None
    assert broken.export_problem.startswith("the ONNX model did not run")

    def refuse(*a):
        raise ValueError("no converter for this step")

    monkeypatch.setattr(onnx_export, "to_onnx_bytes", refuse)
    (unconverted,) = train_ladder(ws, SLUG, v, "churned", user="t", families=["dummy"])
    assert "did not convert to ONNX: ValueError: no converter" in unconverted.export_problem
    assert [r.exportable for r in list_runs(ws, SLUG)].count(False) == 3
