"""Intervals on fixed predictions, held to a brute-force bootstrap and the binomial interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from shipyard.core.training import intervals as iv
from shipyard.core.training.metrics import classification_metrics, regression_metrics

CLASSES = ["no", "yes"]


def binary_predictions(n: int, seed: int = 1, rounded: bool = True):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.3, "yes", "no")
    s = np.clip(rng.normal(0.45 + 0.2 * (y == "yes"), 0.2), 0, 1)
    if rounded:
        s = s.round(2)  # ties between scores, as a tree model gives
    proba = np.stack([1 - s, s], axis=1)
    labels = np.where(s > 0.5, "yes", "no")
    return y, labels, proba


def multiclass_predictions(n: int, seed: int = 2):
    classes = ["a", "b", "c"]
    rng = np.random.default_rng(seed)
    y = rng.choice(classes, n, p=[0.5, 0.3, 0.2])
    raw = rng.random((n, 3)) + 0.8 * (y[:, None] == np.array(classes))
    proba = raw / raw.sum(axis=1, keepdims=True)
    labels = np.array(classes)[proba.argmax(axis=1)]
    return y, labels, proba, classes


def brute_force(metric, y, labels, proba, classes, resamples, seed):
    """The metric recomputed from scratch on each resample's rows."""
    out = []
    groups = iv.strata(y, classes)
    for block in iv.draw_blocks(groups, resamples, seed):
        for rows in block:
            if classes is None:
                out.append(regression_metrics(y[rows], labels[rows])[0][metric])
            else:
                out.append(classification_metrics(y[rows], labels[rows], proba[rows], classes)[0][metric])  # fmt: skip
    return np.array(out, dtype=float)


@pytest.mark.parametrize(
    "metric", ["roc_auc", "pr_auc", "f1", "precision", "recall", "log_loss", "brier", "ece"]
)
def test_vectorised_bootstrap_equals_brute_force_binary(metric: str) -> None:
    y, labels, proba = binary_predictions(300)
    fast = iv.bootstrap_values(metric, y, labels, proba, CLASSES, resamples=60, seed=7)
    slow = brute_force(metric, y, labels, proba, CLASSES, 60, 7)
    assert fast.shape == (60,)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    assert np.ptp(fast) > 0  # the resamples differ


@pytest.mark.parametrize("metric", ["roc_auc", "pr_auc", "f1", "log_loss", "ece"])
def test_vectorised_bootstrap_equals_brute_force_multiclass(metric: str) -> None:
    y, labels, proba, classes = multiclass_predictions(240)
    fast = iv.bootstrap_values(metric, y, labels, proba, classes, resamples=40, seed=3)
    slow = brute_force(metric, y, labels, proba, classes, 40, 3)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


@pytest.mark.parametrize("metric", ["r2", "mape", "mae", "rmse"])
def test_vectorised_bootstrap_equals_brute_force_regression(metric: str) -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(10, 3, 200)
    y[:5] = 0.0  # MAPE leaves these rows out
    pred = y + rng.normal(0, 1, 200)
    fast = iv.bootstrap_values(metric, y, pred, resamples=50, seed=11)
    slow = brute_force(metric, y, pred, None, None, 50, 11)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_stratified_resamples_keep_the_class_counts_and_are_seeded() -> None:
    y, _, _ = binary_predictions(200)
    groups = iv.strata(y, CLASSES)
    a = np.concatenate(list(iv.draw_blocks(groups, 120, seed=9)))
    b = np.concatenate(list(iv.draw_blocks(groups, 120, seed=9)))
    c = np.concatenate(list(iv.draw_blocks(groups, 120, seed=10)))
    assert a.shape == (120, 200)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    positives = (y[a] == "yes").sum(axis=1)
    assert (positives == (y == "yes").sum()).all()


def test_row_bootstrap_interval_is_the_brute_force_percentile_interval() -> None:
    y, labels, proba = binary_predictions(400)
    value = classification_metrics(y, labels, proba, CLASSES)[0]["pr_auc"]
    got = iv.metric_interval("pr_auc", value, y, labels, proba, CLASSES, resamples=300, seed=4)
    slow = brute_force("pr_auc", y, labels, proba, CLASSES, 300, 4)
    lo, hi = np.percentile(slow, [2.5, 97.5])
    assert got is not None and got.method == iv.BOOTSTRAP
    assert (got.resamples, got.seed, got.rows) == (300, 4, 400)
    assert got.low == pytest.approx(min(lo, value), abs=1e-12)
    assert got.high == pytest.approx(max(hi, value), abs=1e-12)
    again = iv.metric_interval("pr_auc", value, y, labels, proba, CLASSES, resamples=300, seed=4)
    assert again == got


@pytest.mark.parametrize("metric", ["f1", "precision", "recall"])
def test_confusion_draws_are_the_row_bootstrap(metric: str) -> None:
    """Each drawn confusion matrix, written out as rows, scores as the drawn value; and its
    interval is the row bootstrap's (the same law, other draws)."""
    y, labels, proba, classes = multiclass_predictions(500)
    from shipyard.core.training.metrics import _codes

    yi, li = _codes(y.astype(str), classes), _codes(labels.astype(str), classes)
    drawn = iv.draw_confusions(yi, li, 3, 40, seed=2)
    values = iv._confusion_values(metric, drawn, 3)
    names = np.array(classes)
    for m, v in zip(drawn, values, strict=True):
        true_rows, pred_rows = np.nonzero(m[:3, :3])
        yy = np.repeat(names[true_rows], m[true_rows, pred_rows])
        ll = np.repeat(names[pred_rows], m[true_rows, pred_rows])
        pp = np.full((len(yy), 3), 1 / 3)
        assert classification_metrics(yy, ll, pp, classes)[0][metric] == pytest.approx(v, abs=1e-12)
    assert (drawn[:, :3, :].sum(axis=2) == np.bincount(yi, minlength=3)).all()
    value = classification_metrics(y, labels, proba, classes)[0][metric]
    fast = iv.metric_interval(metric, value, y, labels, proba, classes, resamples=1000, seed=1)
    # The row bootstrap (held to the brute force above) with other draws.
    rows = iv.bootstrap_values(metric, y, labels, proba, classes, resamples=1000, seed=1)
    lo, hi = np.percentile(rows, [2.5, 97.5])
    assert fast is not None and fast.method == iv.BOOTSTRAP and fast.resamples == 1000
    assert fast.low == pytest.approx(lo, abs=0.012) and fast.high == pytest.approx(hi, abs=0.012)


@pytest.mark.parametrize("k,n", [(100, 113), (113, 113), (0, 40), (57, 600), (1, 20)])
def test_accuracy_interval_is_the_wilson_interval(k: int, n: int) -> None:
    y = np.array(["yes"] * n)
    labels = np.array(["yes"] * k + ["no"] * (n - k))
    proba = np.tile([0.5, 0.5], (n, 1))
    value = classification_metrics(y, labels, proba, CLASSES)[0]["accuracy"]
    got = iv.metric_interval("accuracy", value, y, labels, proba, CLASSES)
    known = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    exact = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert got is not None and got.method == iv.WILSON and got.resamples is None
    assert (got.low, got.high) == pytest.approx((known.low, known.high), abs=1e-12)
    # Wilson is close to Clopper-Pearson's exact interval (and a little narrower).
    assert got.low == pytest.approx(exact.low, abs=0.03)
    assert got.high == pytest.approx(exact.high, abs=0.03)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.data())
def test_wilson_holds_its_value_and_stays_in_0_1(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = iv.wilson(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    known = binomtest(k, n).proportion_ci(method="wilson")
    assert (lo, hi) == pytest.approx((known.low, known.high), abs=1e-9)


def test_binary_roc_auc_interval_agrees_with_the_row_bootstrap() -> None:
    y, labels, proba = binary_predictions(600, seed=3)
    value = classification_metrics(y, labels, proba, CLASSES)[0]["roc_auc"]
    got = iv.metric_interval("roc_auc", value, y, labels, proba, CLASSES)
    auc, se = iv.delong_se(y == "yes", proba[:, 1])
    assert auc == pytest.approx(value, abs=1e-12)
    slow = iv.bootstrap_values("roc_auc", y, labels, proba, CLASSES, resamples=1000, seed=5)
    assert got is not None and got.method == iv.DELONG
    assert se == pytest.approx(slow.std(ddof=1), rel=0.12)
    lo, hi = np.percentile(slow, [2.5, 97.5])
    assert got.low == pytest.approx(lo, abs=0.012) and got.high == pytest.approx(hi, abs=0.012)


@pytest.mark.parametrize("metric", ["rmse", "mae"])
def test_mean_metric_intervals_agree_with_the_row_bootstrap(metric: str) -> None:
    rng = np.random.default_rng(8)
    y = rng.normal(10, 3, 800)
    pred = y + rng.normal(0, 1, 800) * rng.choice([0.5, 2.0], 800)
    value = regression_metrics(y, pred)[0][metric]
    got = iv.metric_interval(metric, value, y, pred)
    slow = iv.bootstrap_values(metric, y, pred, resamples=1000, seed=6)
    lo, hi = np.percentile(slow, [2.5, 97.5])
    assert got is not None and got.method == iv.NORMAL_MEAN
    assert got.low == pytest.approx(lo, rel=0.02) and got.high == pytest.approx(hi, rel=0.02)
    assert got.low < value < got.high


def test_binary_log_loss_and_brier_intervals_agree_with_the_row_bootstrap() -> None:
    y, labels, proba = binary_predictions(700, seed=6, rounded=False)
    metrics = classification_metrics(y, labels, proba, CLASSES)[0]
    for metric in ("log_loss", "brier"):
        got = iv.metric_interval(metric, metrics[metric], y, labels, proba, CLASSES)
        slow = iv.bootstrap_values(metric, y, labels, proba, CLASSES, resamples=600, seed=2)
        lo, hi = np.percentile(slow, [2.5, 97.5])
        assert got is not None and got.method == iv.NORMAL_MEAN
        assert got.low == pytest.approx(lo, rel=0.05) and got.high == pytest.approx(hi, rel=0.05)


def test_row_bootstrap_resamples_shrink_with_rows_within_a_budget() -> None:
    assert iv.row_resamples(500) == 1000
    assert iv.row_resamples(2000) == 1000
    assert iv.row_resamples(20_000) == 200  # never under MIN_RESAMPLES
    assert iv.row_resamples(5_000) == 400


def test_no_interval_without_a_value_or_rows() -> None:
    y, labels, proba = binary_predictions(50)
    assert iv.metric_interval("roc_auc", None, y, labels, proba, CLASSES) is None
    assert iv.metric_interval("roc_auc", 0.5, y[:1], labels[:1], proba[:1], CLASSES) is None
    only = np.array(["no"] * 50)
    assert iv.metric_interval("roc_auc", 0.5, only, labels, proba, CLASSES) is None


def test_json_round_trip_and_words() -> None:
    i = iv.Interval("roc_auc", 0.78, 0.74, 0.82, iv.BOOTSTRAP, 600, resamples=1000, seed=42)
    data = i.to_json()
    assert data == {"value": 0.78, "low": 0.74, "high": 0.82, "level": 0.95,
                    "method": iv.BOOTSTRAP, "rows": 600, "resamples": 1000, "seed": 42}  # fmt: skip
    assert iv.read_intervals(iv.intervals_json([i])) == {"roc_auc": i}
    assert iv.read_intervals(None) == {} and iv.read_intervals({"x": {"low": 1}}) == {}
    assert i.text() == "0.78 (0.74–0.82)"
    assert iv.display_digits(i) == 2
    narrow = iv.Interval("f1", 0.915, 0.912, 0.918, iv.BOOTSTRAP, 20_000)
    assert narrow.text(iv.display_digits(narrow)) == "0.915 (0.912–0.918)"
    assert iv.against_target(i, 0.75, True) == (
        "too close to call: the interval reaches below the target", True)  # fmt: skip
    assert iv.against_target(i, 0.70, True) == ("likely above target", False)
    assert iv.against_target(i, 0.90, True) == ("likely below target", False)
    err = iv.Interval("rmse", 3.0, 2.5, 3.5, iv.NORMAL_MEAN, 100)
    assert iv.against_target(err, 4.0, False) == ("likely below target", False)
    assert iv.against_target(err, 3.2, False)[1] is True
    assert iv.Interval("f1", 0.9, 0.85, 0.95, iv.WILSON, 10).overlaps(i) is False
    assert iv.Interval("f1", 0.8, 0.79, 0.85, iv.WILSON, 10).overlaps(i) is True


def test_intervals_cover_the_true_value_about_95_times_in_100() -> None:
    """Scores drawn from two normals d apart have a known ROC AUC, Φ(d/√2), and a known
    accuracy at threshold d/2, Φ(d/2): over 300 fresh holdouts of 200 rows the intervals
    hold the true values about 95% of the time (not 70%: the width is honest)."""
    from statistics import NormalDist

    d = 1.2
    true_auc = NormalDist().cdf(d / 2**0.5)
    true_acc = NormalDist().cdf(d / 2)
    rng = np.random.default_rng(2026)
    hits_auc = hits_acc = 0
    trials = 300
    for _ in range(trials):
        y = np.where(rng.random(200) < 0.5, "yes", "no")
        s = rng.normal(0, 1, 200) + d * (y == "yes")
        p = 1 / (1 + np.exp(-(s - d / 2)))
        proba = np.stack([1 - p, p], axis=1)
        labels = np.where(p > 0.5, "yes", "no")
        m = classification_metrics(y, labels, proba, CLASSES)[0]
        auc = iv.metric_interval("roc_auc", m["roc_auc"], y, labels, proba, CLASSES)
        acc = iv.metric_interval("accuracy", m["accuracy"], y, labels, proba, CLASSES)
        hits_auc += auc.low <= true_auc <= auc.high
        hits_acc += acc.low <= true_acc <= acc.high
    assert 0.91 <= hits_auc / trials <= 0.99
    assert 0.91 <= hits_acc / trials <= 0.99
