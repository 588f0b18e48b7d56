"""Holdout metrics, confusion matrix and curve points for a run record (JSON-safe)."""

from __future__ import annotations

from typing import Any

MAX_CURVE_POINTS = 200
CURVE_DECIMALS = 5
ECE_BINS = 10


def _f(x: Any) -> float | None:
    import math

    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _thin(*arrays: Any) -> list[list[float]]:
    import numpy as np

    n = len(arrays[0])
    idx = np.unique(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS)).astype(int)) if n else []
    # Points are for plotting: 5 decimals keep run.json small (the leaderboard reads them all).
    return [[round(float(a[i]), CURVE_DECIMALS) for i in idx] for a in arrays]


def classification_metrics(
    y: Any, labels: Any, proba: Any, classes: list[str]
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """(metrics, extras): extras holds the confusion matrix, ROC/PR curves (`roc_curve` and
    `pr_curve` for the positive class of a binary task; `roc_curves`/`pr_curves` per class)
    and `calibration` bins."""
    import numpy as np
    from sklearn import metrics as m
    from sklearn.preprocessing import label_binarize

    y = np.asarray(y).astype(str)
    labels = np.asarray(labels).astype(str)
    proba = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    proba = proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)  # float32 rounding
    binary = len(classes) == 2
    pos = classes[1] if binary else None
    # Class indices instead of strings: sklearn encodes string labels in Python loops.
    yi, li = _codes(y, classes), _codes(labels, classes)
    codes = list(range(len(classes)))
    kw: dict[str, Any] = {"average": "binary" if binary else "macro", "zero_division": 0}
    if binary:
        kw["pos_label"] = 1
    out: dict[str, float | None] = {
        "accuracy": _f(np.mean(yi == li)) if len(yi) else None,
        "precision": _f(m.precision_score(yi, li, labels=codes, **kw)),
        "recall": _f(m.recall_score(yi, li, labels=codes, **kw)),
        "f1": _f(m.f1_score(yi, li, labels=codes, **kw)),
        "log_loss": _f(m.log_loss(yi, proba, labels=codes)),
    }
    onehot = label_binarize(yi, classes=codes)
    if binary:
        onehot = np.hstack([1 - onehot, onehot])
    present = onehot.sum(axis=0) > 0
    curves = class_curves(onehot, proba, classes)
    try:
        if binary:
            # The positive class's curves hold the same AUC and AP as roc_auc_score and
            # average_precision_score; computing them once keeps recording a run cheap.
            roc_pos = curves["roc_curves"].get(pos)
            pr_pos = curves["pr_curves"].get(pos)
            out["roc_auc"] = roc_pos["auc"] if roc_pos else None
            out["pr_auc"] = pr_pos["ap"] if pr_pos else None
        else:
            out["roc_auc"] = _f(
                m.roc_auc_score(onehot[:, present], proba[:, present], average="macro")
            )
            out["pr_auc"] = _f(
                m.average_precision_score(onehot[:, present], proba[:, present], average="macro")
            )
    except ValueError:  # one class only in the holdout
        out["roc_auc"] = out["pr_auc"] = None
    out["brier"] = _f(m.brier_score_loss(onehot[:, 1], proba[:, 1])) if binary else None
    out["ece"] = _f(expected_calibration_error(yi, li, proba))
    extras: dict[str, Any] = {
        "confusion": {
            "labels": classes,
            "matrix": m.confusion_matrix(yi, li, labels=codes).tolist(),
        }
    }
    if binary and present.all():
        roc, pr = curves["roc_curves"][pos], curves["pr_curves"][pos]
        extras["roc_curve"] = {"fpr": roc["fpr"], "tpr": roc["tpr"], "positive": pos}
        extras["pr_curve"] = {"recall": pr["recall"], "precision": pr["precision"], "positive": pos}
    extras.update(curves)
    extras["calibration"] = calibration_bins(yi, li, proba, codes)
    return out, extras


def class_curves(onehot: Any, proba: Any, classes: list[str]) -> dict[str, Any]:
    """One-vs-rest ROC and PR curves per class (binary: the positive class only), thinned.

    A class absent from the holdout (or the only one present) has no curve.
    """
    from sklearn import metrics as m

    roc: dict[str, Any] = {}
    pr: dict[str, Any] = {}
    for i, label in enumerate(classes):
        if len(classes) == 2 and i == 0:
            continue
        truth = onehot[:, i]
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = m.roc_curve(truth, proba[:, i])
        prec, rec, _ = m.precision_recall_curve(truth, proba[:, i])
        fx, ty = _thin(fpr, tpr)
        rx, py = _thin(rec, prec)
        auc = min(1.0, float(m.auc(fpr, tpr)))  # float sums may pass 1 by an ulp
        ap = min(1.0, float(m.average_precision_score(truth, proba[:, i])))
        roc[label] = {"fpr": fx, "tpr": ty, "auc": _f(auc)}
        pr[label] = {"recall": rx, "precision": py, "ap": _f(ap)}
    return {"roc_curves": roc, "pr_curves": pr}


def calibration_bins(
    y: Any, labels: Any, proba: Any, classes: list[str], bins: int = ECE_BINS
) -> dict[str, list[float]]:
    """Reliability diagram points over equal-width bins (empty bins left out).

    Binary: mean predicted probability of the positive class vs the observed positive rate.
    Multiclass: mean top-label confidence vs accuracy.
    """
    import numpy as np

    y = np.asarray(y)
    if len(classes) == 2:
        conf = proba[:, 1]
        hit = (y == classes[1]).astype(float)
    else:
        conf = np.max(proba, axis=1)
        hit = (y == np.asarray(labels)).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    out: dict[str, list[float]] = {"predicted": [], "observed": [], "count": []}
    for b in range(bins):
        sel = which == b
        if sel.any():
            out["predicted"].append(round(float(conf[sel].mean()), CURVE_DECIMALS))
            out["observed"].append(round(float(hit[sel].mean()), CURVE_DECIMALS))
            out["count"].append(float(sel.sum()))
    return out


def _codes(values: Any, classes: list[str]) -> Any:
    """Each label's index in `classes`; a label outside them gets -1 (never matches)."""
    import numpy as np

    order = np.argsort(np.asarray(classes))
    sorted_classes = np.asarray(classes)[order]
    pos = np.clip(np.searchsorted(sorted_classes, values), 0, len(classes) - 1)
    found = sorted_classes[pos] == values
    return np.where(found, order[pos], -1)


def expected_calibration_error(y: Any, labels: Any, proba: Any, bins: int = ECE_BINS) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over equal-width confidence bins."""
    import numpy as np

    conf = np.max(proba, axis=1)
    correct = (np.asarray(y) == np.asarray(labels)).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return total


def regression_metrics(y: Any, pred: Any) -> tuple[dict[str, float | None], dict[str, Any]]:
    """MAE, RMSE, R² and MAPE (over rows whose true value is not 0; `mape_rows` says how many)."""
    import numpy as np
    from sklearn import metrics as m

    y = np.asarray(y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    nz = y != 0
    out: dict[str, float | None] = {
        "mae": _f(m.mean_absolute_error(y, pred)),
        "rmse": _f(np.sqrt(m.mean_squared_error(y, pred))),
        "r2": _f(m.r2_score(y, pred)) if len(y) > 1 else None,
        "mape": _f(np.mean(np.abs((y[nz] - pred[nz]) / y[nz]))) if nz.any() else None,
        "mape_rows": float(nz.sum()),
    }
    ys, ps = _thin(y, pred)
    return out, {"predicted_vs_actual": {"actual": ys, "predicted": ps}}
