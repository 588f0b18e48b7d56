"""The run record's metrics, computed with numpy, hold the values sklearn's functions give."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as m

from shipyard.core.training.metrics import classification_metrics


def _proba(rng: np.random.Generator, n: int, k: int, *, ties: bool) -> np.ndarray:
    raw = rng.random((n, k))
    if ties:  # a few distinct scores, so thresholds hold many rows
        raw = np.round(raw, 1) + 0.01
    return raw / raw.sum(axis=1, keepdims=True)


def _labels(classes: list[str], proba: np.ndarray) -> np.ndarray:
    return np.asarray(classes)[np.argmax(proba, axis=1)]


@pytest.mark.parametrize("ties", [False, True])
def test_binary_metrics_match_sklearn(ties):
    rng = np.random.default_rng(3)
    classes = ["no", "yes"]
    proba = _proba(rng, 3000, 2, ties=ties)
    y = np.where(rng.random(3000) < 0.3 + 0.4 * proba[:, 1], "yes", "no")
    labels = _labels(classes, proba)
    out, extras = classification_metrics(y, labels, proba, classes)

    yb = (y == "yes").astype(int)
    lb = (labels == "yes").astype(int)
    assert out["accuracy"] == pytest.approx(m.accuracy_score(yb, lb))
    assert out["precision"] == pytest.approx(m.precision_score(yb, lb))
    assert out["recall"] == pytest.approx(m.recall_score(yb, lb))
    assert out["f1"] == pytest.approx(m.f1_score(yb, lb))
    assert out["log_loss"] == pytest.approx(m.log_loss(yb, proba))
    assert out["roc_auc"] == pytest.approx(m.roc_auc_score(yb, proba[:, 1]))
    assert out["pr_auc"] == pytest.approx(m.average_precision_score(yb, proba[:, 1]))
    assert out["brier"] == pytest.approx(m.brier_score_loss(yb, proba[:, 1]))
    assert extras["confusion"]["matrix"] == m.confusion_matrix(yb, lb).tolist()

    # The curves are sklearn's points (thinned to at most 200 for plotting, 5 decimals).
    fpr, tpr, _ = m.roc_curve(yb, proba[:, 1])
    prec, rec, _ = m.precision_recall_curve(yb, proba[:, 1])
    roc, pr = extras["roc_curve"], extras["pr_curve"]
    if len(fpr) <= 200:
        assert roc["fpr"] == pytest.approx(np.round(fpr, 5).tolist())
        assert roc["tpr"] == pytest.approx(np.round(tpr, 5).tolist())
        assert pr["precision"] == pytest.approx(np.round(prec, 5).tolist())
        assert pr["recall"] == pytest.approx(np.round(rec, 5).tolist())
    assert (roc["fpr"][0], roc["tpr"][0], roc["fpr"][-1], roc["tpr"][-1]) == (0, 0, 1, 1)
    assert (pr["recall"][0], pr["recall"][-1], pr["precision"][-1]) == (1, 0, 1)


def test_multiclass_metrics_match_sklearn_with_an_absent_class_and_a_stray_label():
    rng = np.random.default_rng(5)
    classes = ["a", "b", "c", "d"]
    n = 2000
    proba = _proba(rng, n, 4, ties=False)
    # Class "d" never occurs in the truth; one prediction is a label outside the classes.
    y = np.asarray(classes[:3])[rng.integers(0, 3, n)]
    labels = _labels(classes, proba).astype(object)
    labels[7] = "zzz"
    out, extras = classification_metrics(y, labels, proba, classes)

    codes = {c: i for i, c in enumerate(classes)}
    yi = np.array([codes[v] for v in y])
    li = np.array([codes.get(v, -1) for v in labels])
    kw = {"labels": [0, 1, 2, 3], "average": "macro", "zero_division": 0}
    assert out["accuracy"] == pytest.approx(m.accuracy_score(yi, li))
    assert out["precision"] == pytest.approx(m.precision_score(yi, li, **kw))
    assert out["recall"] == pytest.approx(m.recall_score(yi, li, **kw))
    assert out["f1"] == pytest.approx(m.f1_score(yi, li, **kw))
    assert out["log_loss"] == pytest.approx(m.log_loss(yi, proba, labels=[0, 1, 2, 3]))
    onehot = np.eye(4, dtype=int)[yi][:, :3]
    assert out["roc_auc"] == pytest.approx(m.roc_auc_score(onehot, proba[:, :3]))
    assert out["pr_auc"] == pytest.approx(m.average_precision_score(onehot, proba[:, :3]))
    assert out["brier"] is None
    assert extras["confusion"]["matrix"] == m.confusion_matrix(yi, li, labels=[0, 1, 2, 3]).tolist()
    assert set(extras["roc_curves"]) == {"a", "b", "c"}  # no curve for the absent class
    for i, label in enumerate("abc"):
        auc = m.roc_auc_score(yi == i, proba[:, i])
        assert extras["roc_curves"][label]["auc"] == pytest.approx(auc)


def test_one_class_holdout_has_no_auc():
    classes = ["a", "b", "c"]
    proba = np.full((50, 3), 1 / 3)
    out, extras = classification_metrics(["a"] * 50, ["a"] * 50, proba, classes)
    assert out["roc_auc"] is None and out["pr_auc"] is None
    assert out["accuracy"] == 1.0
    assert extras["roc_curves"] == {}
