"""Curves per class, permutation importance from the ONNX model, sweeps, chunked trees fits."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.training import (
    SWEEP_SPACES,
    TrainingRefused,
    leaderboard,
    list_runs,
    permutation_importance,
    run_sweep,
    runs_dir,
    train_ladder,
)
from shipyard.core.training.sweep import plan_trials

SLUG = "search-query-intent"  # a demo project without runs


def _three_classes(csv, rows: int = 300):
    rng = np.random.default_rng(3)
    lines = ["signal,noise,colour,label"]
    for i in range(rows):
        label = ("red", "green", "blue")[i % 3]
        signal = (i % 3) * 1.5 + rng.normal(scale=0.7)
        lines.append(f"{signal:.3f},{rng.normal():.3f},{rng.choice(['a', 'b'])},{label}")
    return csv("three", "\n".join(lines) + "\n")


def _no_temp_folders(ws) -> bool:
    folder = runs_dir(ws, SLUG)
    return not folder.exists() or not any(p.name.startswith(".") for p in folder.iterdir())


def test_multiclass_curves_and_importance(ws, csv, monkeypatch):
    v = _three_classes(csv)
    _, linear = train_ladder(ws, SLUG, v, "label", user="t", families=["dummy", "linear"])
    curves = linear.curves
    assert set(curves["roc_curves"]) == set(curves["pr_curves"]) == {"red", "green", "blue"}
    for label in ("red", "green", "blue"):
        roc, pr = curves["roc_curves"][label], curves["pr_curves"][label]
        assert len(roc["fpr"]) == len(roc["tpr"]) <= 200 and 0.8 < roc["auc"] <= 1.0
        assert len(pr["recall"]) == len(pr["precision"]) <= 200 and 0.5 < pr["ap"] <= 1.0
    cal = curves["calibration"]
    assert len(cal["predicted"]) == len(cal["observed"]) == len(cal["count"]) <= 10
    assert sum(cal["count"]) == linear.dataset["holdout_rows"]
    assert "confusion" in curves  # the old keys stay

    imp = permutation_importance(ws, SLUG, linear.run_id, repeats=3)
    assert imp["features"][0] == "signal" and imp["metric"] == "log_loss"
    assert imp["mean"][0] > 0.3 > abs(imp["mean"][-1]) and len(imp["std"]) == 3
    assert imp["rows"] == linear.dataset["holdout_rows"]
    cache = linear.folder / "importance.json"
    assert json.loads(cache.read_text())["features"] == imp["features"]

    import onnxruntime

    def no_session(*args, **kwargs):
        raise AssertionError("the cached result should be used")

    monkeypatch.setattr(onnxruntime, "InferenceSession", no_session)
    assert permutation_importance(ws, SLUG, linear.run_id, repeats=3) == imp
    with pytest.raises(AssertionError, match="cached"):  # other settings: computed again
        permutation_importance(ws, SLUG, linear.run_id, repeats=2)


def test_binary_curves_hold_the_positive_class_only(ws, csv):
    body = "".join(f"{i % 7},{'churn' if i % 7 > 3 else 'stay'}\n" for i in range(120))
    (run,) = train_ladder(ws, SLUG, csv("bin", "x,y\n" + body), "y", user="t",
                          families=["linear"])  # fmt: skip
    assert list(run.curves["roc_curves"]) == ["stay"] and list(run.curves["pr_curves"]) == ["stay"]
    assert "roc_curve" in run.curves and run.curves["calibration"]["predicted"]


def test_importance_needs_an_onnx_model_and_the_data(ws, csv):
    v = _three_classes(csv, 90)
    (run,) = train_ladder(ws, SLUG, v, "label", user="t", families=["linear"])
    (run.folder / "model.onnx").unlink()
    with pytest.raises(ShipyardError, match="no ONNX model") as info:
        permutation_importance(ws, SLUG, run.run_id)
    assert info.value.file == run.folder
    with pytest.raises(ShipyardError, match="has no run"):
        permutation_importance(ws, SLUG, "missing-run")


def test_sweep_records_each_trial_as_a_run(ws, csv):
    v = _three_classes(csv, 150)
    seen: list[str] = []
    records = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=3, user="t",
                        job=JobControl(lambda f, m: seen.append(m)))  # fmt: skip
    assert len(records) == 3 and seen[-1] == "3 trials recorded"
    ids = {r.sweep["id"] for r in records}
    assert len(ids) == 1 and [r.sweep["trial"] for r in records] == [0, 1, 2]
    cs = [r.sweep["params"]["C"] for r in records]
    assert cs == [0.01, 1.0, 100.0]  # the grid, evenly thinned
    assert [r.config["hyper_parameters"]["C"] for r in records] == cs
    assert all(r.exportable and r.parity["label_agreement"] >= 0.999 for r in records)
    on_disk = json.loads((records[1].folder / "run.json").read_text())
    assert on_disk["sweep"] == records[1].sweep
    board = leaderboard(ws, SLUG)
    assert {r.sweep_id for r in board.rows} == ids
    audit = [e for e in ws.audit.entries() if e["target"].startswith(f"{SLUG}/")]
    assert len(audit) == 3 and all(e["details"]["sweep"] in ids for e in audit)


def test_random_plan_is_seeded_and_distinct():
    space = SWEEP_SPACES["trees"]
    a = plan_trials(space, "random", 8, seed=1)
    assert a == plan_trials(space, "random", 8, seed=1) != plan_trials(space, "random", 8, 2)
    assert len({json.dumps(p, sort_keys=True) for p in a}) == 8
    assert len(plan_trials({"C": [1, 2]}, "random", 8, 0)) == 2


def test_sweep_cancel_keeps_finished_trials_and_leaves_no_half_run(ws, csv):
    v = _three_classes(csv, 150)
    job = JobControl()
    writes: list[str] = []

    def on_progress(fraction: float, message: str) -> None:
        if message.startswith("linear: writing"):
            writes.append(message)
            if len(writes) == 2:  # the second trial is being written
                job.cancel()

    job._on_progress = on_progress
    with pytest.raises(Cancelled):
        run_sweep(ws, SLUG, v, "label", family="linear", trials=4, user="t", job=job)
    assert len(list_runs(ws, SLUG)) == 1 and _no_temp_folders(ws)


def test_sweep_bad_input(ws, csv):
    v = _three_classes(csv, 60)
    for kwargs, words in (
        ({"family": "dummy"}, "nothing to sweep"),
        ({"family": "linear", "mode": "bayes"}, "unknown sweep mode"),
        ({"family": "linear", "trials": 0}, "0 trials"),
        ({"family": "text"}, "needs a free-text feature"),
    ):
        with pytest.raises(TrainingRefused, match=words):
            run_sweep(ws, SLUG, v, "label", user="t", **kwargs)
    assert list_runs(ws, SLUG) == []


def test_chunked_trees_fit_matches_and_cancels(monkeypatch):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from shipyard.core.training import fitting

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(size=3000) > 0).astype(int)
    whole = HistGradientBoostingClassifier(max_iter=40, early_stopping=False, random_state=1)
    whole.fit(X, y)
    monkeypatch.setattr(fitting, "FIRST_CHUNK", 3)
    monkeypatch.setattr(fitting, "CHUNK_SECONDS", 1e-9)  # one tree per chunk after the first
    chunked = HistGradientBoostingClassifier(max_iter=40, early_stopping=False, random_state=1)
    steps: list[str] = []
    fitting.fit_chunked(chunked, X, y, JobControl(), lambda share, msg: steps.append(msg))
    assert len(steps) == 38 and steps[-1] == "fitting: 40 of 40 trees"
    assert chunked.n_iter_ == 40 and not chunked.warm_start and "_bin_data" not in vars(chunked)
    assert np.max(np.abs(whole.predict_proba(X) - chunked.predict_proba(X))) < 1e-9

    job = JobControl()
    stopped = HistGradientBoostingClassifier(max_iter=40, early_stopping=False, random_state=1)

    def cancel_early(share: float, msg: str) -> None:
        if share >= 0.2:
            job.cancel()

    with pytest.raises(Cancelled):
        fitting.fit_chunked(stopped, X, y, job, cancel_early)
    assert stopped.n_iter_ < 12 and stopped.max_iter == 40
