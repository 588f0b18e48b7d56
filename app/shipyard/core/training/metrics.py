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
    idx: Any = np.unique(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS)).astype(int)) if n else []
    # Points are for plotting: 5 decimals keep run.json small (the leaderboard reads them all).
    return [[round(float(a[i]), CURVE_DECIMALS) for i in idx] for a in arrays]


def classification_metrics(
    y: Any, labels: Any, proba: Any, classes: list[str]
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """(metrics, extras): extras holds the confusion matrix, ROC/PR curves (`roc_curve` and
    `pr_curve` for the positive class of a binary task; `roc_curves`/`pr_curves` per class)
    and `calibration` bins.

    Computed with numpy from class counts and one sort per class: sklearn's metric functions
    validate their inputs on every call, which cost more than the arithmetic (about 45 ms
    of recording a 20k-row holdout). The tests hold each value to sklearn's.
    """
    import numpy as np

    y = np.asarray(y).astype(str)
    labels = np.asarray(labels).astype(str)
    proba = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    proba = proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)  # float32 rounding
    k = len(classes)
    binary = k == 2
    pos = classes[1] if binary else None
    # Class indices instead of strings; a label outside `classes` is -1 and counts nowhere.
    yi, li = _codes(y, classes), _codes(labels, classes)
    true_n = np.bincount(yi[yi >= 0], minlength=k)
    pred_n = np.bincount(li[li >= 0], minlength=k)
    hit = (yi == li) & (yi >= 0)
    tp = np.bincount(yi[hit], minlength=k)
    precision = _ratio(tp, pred_n)  # zero_division=0, as in sklearn's scores
    recall = _ratio(tp, true_n)
    f1 = _ratio(2 * tp, true_n + pred_n)

    def pick(a: Any) -> Any:  # binary: the positive class; else the mean over classes
        return a[1] if binary else a.mean()

    onehot = (yi[:, None] == np.arange(k)).astype(np.int64)
    out: dict[str, float | None] = {
        "accuracy": _f(np.mean(yi == li)) if len(yi) else None,
        "precision": _f(pick(precision)),
        "recall": _f(pick(recall)),
        "f1": _f(pick(f1)),
        "log_loss": _f(_log_loss(onehot, proba)) if len(yi) else None,
    }
    present = onehot.sum(axis=0) > 0
    curves = class_curves(onehot, proba, classes)
    roc, pr = curves["roc_curves"], curves["pr_curves"]
    if binary:
        out["roc_auc"] = roc[pos]["auc"] if pos in roc else None
        out["pr_auc"] = pr[pos]["ap"] if pos in pr else None
    elif len(roc) == int(present.sum()) and roc:
        # Macro averages over the classes present; like sklearn, none when a class is
        # present in every row (only one class in the holdout).
        out["roc_auc"] = _f(np.mean([c["auc"] for c in roc.values()]))
        out["pr_auc"] = _f(np.mean([c["ap"] for c in pr.values()]))
    else:
        out["roc_auc"] = out["pr_auc"] = None
    out["brier"] = _f(np.mean((onehot[:, 1] - proba[:, 1]) ** 2)) if binary and len(yi) else None
    out["ece"] = _f(expected_calibration_error(yi, li, proba))
    valid = (yi >= 0) & (li >= 0)
    matrix = np.bincount(yi[valid] * k + li[valid], minlength=k * k).reshape(k, k)
    extras: dict[str, Any] = {"confusion": {"labels": classes, "matrix": matrix.tolist()}}
    if binary and present.all():
        r, p = roc[pos], pr[pos]
        extras["roc_curve"] = {"fpr": r["fpr"], "tpr": r["tpr"], "positive": pos}
        extras["pr_curve"] = {"recall": p["recall"], "precision": p["precision"], "positive": pos}
    extras.update(curves)
    extras["calibration"] = calibration_bins(yi, li, proba, list(range(k)))
    return out, extras


def _ratio(num: Any, den: Any) -> Any:
    import numpy as np

    return np.divide(num, den, out=np.zeros(len(num)), where=den != 0)


def _log_loss(onehot: Any, proba: Any) -> float:
    import numpy as np

    eps = np.finfo(np.float64).eps  # sklearn clips to the dtype's eps
    p = np.clip(proba, eps, 1 - eps)
    return float(-np.mean(np.sum(onehot * np.log(p), axis=1)))


def class_curves(onehot: Any, proba: Any, classes: list[str]) -> dict[str, Any]:
    """One-vs-rest ROC and PR curves per class (binary: the positive class only), thinned.

    A class absent from the holdout (or the only one present) has no curve.
    """
    import numpy as np

    roc: dict[str, Any] = {}
    pr: dict[str, Any] = {}
    for i, label in enumerate(classes):
        if len(classes) == 2 and i == 0:
            continue
        truth = onehot[:, i]
        if truth.min() == truth.max():
            continue
        fps, tps = _counts_at_thresholds(truth, proba[:, i])
        fpr, tpr = _roc_points(fps, tps)
        prec, rec = _pr_points(fps, tps)
        fx, ty = _thin(fpr, tpr)
        rx, py = _thin(rec, prec)
        auc = min(1.0, float(np.trapezoid(tpr, fpr)))  # float sums may pass 1 by an ulp
        # Average precision: precision at each threshold weighted by the recall it adds.
        ap = min(1.0, float(-np.sum(np.diff(rec) * prec[:-1])))
        roc[label] = {"fpr": fx, "tpr": ty, "auc": _f(auc)}
        pr[label] = {"recall": rx, "precision": py, "ap": _f(ap)}
    return {"roc_curves": roc, "pr_curves": pr}


def _counts_at_thresholds(truth: Any, score: Any) -> tuple[Any, Any]:
    """(false positives, true positives) at each distinct score, from the highest down."""
    import numpy as np

    order = np.argsort(score, kind="stable")[::-1]
    s = np.asarray(score, dtype=np.float64)[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # last row of each tie group
    tps = np.cumsum(truth[order], dtype=np.float64)[last]
    fps = 1.0 + last - tps
    return fps, tps


def _roc_points(fps: Any, tps: Any) -> tuple[Any, Any]:
    """(fpr, tpr) from (0, 0), with collinear points dropped as sklearn's roc_curve does."""
    import numpy as np

    if fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps = fps[keep], tps[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return fps / fps[-1], tps / tps[-1]


def _pr_points(fps: Any, tps: Any) -> tuple[Any, Any]:
    """(precision, recall) with recall decreasing to 0, as sklearn's precision_recall_curve."""
    import numpy as np

    precision = tps / (tps + fps)  # tps + fps counts the rows so far: never 0
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def calibration_bins(
    y: Any, labels: Any, proba: Any, classes: list[Any], bins: int = ECE_BINS
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
