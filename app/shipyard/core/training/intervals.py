"""95% intervals for a metric measured on fixed predictions: how sure a score is.

The rule, per metric (the method is recorded with every interval):

- accuracy: the Wilson score interval of a binomial proportion (analytic).
- precision, recall, F1: a seeded, stratified percentile bootstrap, 1,000 resamples. The
  metric depends on the rows only through the confusion matrix, and resampling a class's rows
  with replacement gives that class's row of the matrix a multinomial law, so each resample
  draws k multinomials instead of n rows: exact, and as fast on a million rows as on a hundred.
- binary ROC AUC: DeLong's variance of the Mann-Whitney statistic, normal interval (analytic,
  one sort); the row bootstrap of ROC AUC on a 20,000-row split costs several seconds.
- log loss, Brier score, MAE: a normal interval on the mean of the per-row terms; RMSE: the
  square root of that interval for the mean squared error.
- the rest (PR AUC, ECE, macro ROC AUC, R², MAPE): a seeded, stratified percentile bootstrap
  over rows, 1,000 resamples up to 2,000 rows, then as many as ROW_BUDGET row draws allow
  (never under 200): the interval records how many.

Stratified: each resample draws, within each true class, as many rows as the class has (with
replacement), so every resample keeps the class balance of the split; regression draws from
all rows. The predictions are never recomputed: a resample is a vector of row weights, and
each metric is computed from weighted class counts in one numpy pass over a block of
resamples. `draw_blocks` and `draw_confusions` are the only sources of resamples, so a
brute-force bootstrap (the metric computed on each resample's rows) gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

LEVEL = 0.95
RESAMPLES = 1000
BLOCK = 50  # resamples per numpy block: 50 x 20,000 rows of float64 weights is 8 MB
ROW_BUDGET = 2_000_000  # row draws a row bootstrap may make (1,000 resamples to 2,000 rows)
MIN_RESAMPLES = 200
WILSON = "wilson"
BOOTSTRAP = "stratified bootstrap"
PLAIN_BOOTSTRAP = "bootstrap"
DELONG = "delong"
NORMAL_MEAN = "normal (mean of per-row terms)"
CONFUSION_METRICS = frozenset({"precision", "recall", "f1"})
MEAN_METRICS = frozenset({"log_loss", "brier", "mae", "rmse"})


@dataclass(frozen=True)
class Interval:
    """A metric's value with its `level` interval [low, high] on `rows` rows."""

    metric: str
    value: float
    low: float
    high: float
    method: str  # WILSON | BOOTSTRAP | PLAIN_BOOTSTRAP
    rows: int
    level: float = LEVEL
    resamples: int | None = None  # bootstrap only
    seed: int | None = None  # bootstrap only

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "method": self.method,
            "rows": self.rows,
        }
        if self.resamples is not None:
            out["resamples"] = self.resamples
            out["seed"] = self.seed
        return out

    @classmethod
    def from_json(cls, metric: str, data: Any) -> Interval | None:
        """None for anything that is not a recorded interval (old runs have none)."""
        try:
            return cls(
                metric=metric,
                value=float(data["value"]),
                low=float(data["low"]),
                high=float(data["high"]),
                method=str(data.get("method", "")),
                rows=int(data.get("rows", 0)),
                level=float(data.get("level", LEVEL)),
                resamples=data.get("resamples"),
                seed=data.get("seed"),
            )
        except (TypeError, KeyError, ValueError):
            return None

    def overlaps(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high

    def text(self, digits: int = 2) -> str:
        """The value and its interval, for people: "0.78 (0.74–0.82)"."""
        return f"{_num(self.value, digits)} ({_num(self.low, digits)}–{_num(self.high, digits)})"

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def describe(self) -> str:
        how = {
            WILSON: "Wilson score interval",
            DELONG: "DeLong's variance, normal interval",
            NORMAL_MEAN: "normal interval on the mean of per-row terms",
        }.get(self.method, f"{self.method}, {self.resamples} resamples, seed {self.seed}")
        return f"{self.level:.0%} interval over {self.rows:,} rows ({how})"


def _num(x: float, digits: int) -> str:
    """Enough digits to tell the bounds apart: 0.78, or 0.912 for a narrow interval."""
    return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:,.0f}"


def display_digits(interval: Interval) -> int:
    """Decimals that show the interval's width: 2 for 0.74–0.82, 3 for 0.912–0.918."""
    width = max(interval.high - interval.low, 1e-12)
    return int(min(6, max(2, -math.floor(math.log10(width)))))


def against_target(
    interval: Interval, target: float, higher_is_better: bool, noun: str = "target"
) -> tuple[str, bool]:
    """(words a product owner reads, True when the interval crosses the target).

    "likely above target" when the whole interval is on the good side, "likely below
    target" when it is all on the bad side, else "too close to call".
    """
    good, bad = ("above", "below") if higher_is_better else ("below", "above")
    lo_ok = interval.low >= target if higher_is_better else interval.high <= target
    hi_ok = interval.high >= target if higher_is_better else interval.low <= target
    if lo_ok:
        return f"likely {good} {noun}", False
    if not hi_ok:
        return f"likely {bad} {noun}", False
    return f"too close to call: the interval reaches {bad} the {noun}", True


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion `successes / n`."""
    from statistics import NormalDist

    if n <= 0:
        raise ValueError("no rows")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes a bound is exactly 0 or 1 (float rounding lands a hair inside).
    lo = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    hi = 1.0 if successes == n else max(p, min(1.0, centre + half))
    return lo, hi


def strata(y: Any, classes: list[str] | None) -> list[Any]:
    """Row indices of each true class present (classification), or all rows (regression)."""
    import numpy as np

    if classes is None:
        return [np.arange(len(y))]
    y = np.asarray(y).astype(str)
    groups = [np.flatnonzero(y == str(c)) for c in classes]
    rest = np.flatnonzero(~np.isin(y, [str(c) for c in classes]))
    return [g for g in [*groups, rest] if len(g)]


def draw_blocks(groups: list[Any], resamples: int, seed: int, block: int = BLOCK) -> Iterator[Any]:
    """Blocks of resamples, each an int array (resamples in block, rows): row indices drawn
    with replacement within each group, as many as the group has. Seeded: the same
    arguments give the same rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    done = 0
    while done < resamples:
        b = min(block, resamples - done)
        parts = [g[rng.integers(0, len(g), size=(b, len(g)))] for g in groups]
        yield np.concatenate(parts, axis=1)
        done += b


def row_resamples(n: int, resamples: int = RESAMPLES) -> int:
    """How many resamples a row bootstrap of `n` rows makes: `resamples` up to the row
    budget, never under MIN_RESAMPLES."""
    return max(min(resamples, MIN_RESAMPLES), min(resamples, ROW_BUDGET // max(n, 1)))


def draw_confusions(yi: Any, li: Any, k: int, resamples: int, seed: int) -> Any:
    """(resamples, k + 1, k + 1) confusion matrices of stratified resamples: row = true class,
    column = predicted class, index k = a label outside the classes. Within each true class,
    drawing its rows with replacement draws its row of the matrix from a multinomial."""
    import numpy as np

    rng = np.random.default_rng(seed)
    yi = np.where(yi >= 0, yi, k)
    li = np.where(li >= 0, li, k)
    cells = np.bincount(yi * (k + 1) + li, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    out = np.zeros((resamples, k + 1, k + 1), dtype=np.int64)
    for c in range(k + 1):
        total = int(cells[c].sum())
        if total:
            out[:, c, :] = rng.multinomial(total, cells[c] / total, size=resamples)
    return out


def _confusion_values(metric: str, confusions: Any, k: int) -> Any:
    """precision, recall or F1 of each confusion matrix, as `classification_metrics` scores
    them (binary: the positive class; else the macro mean; 0 when undefined)."""
    import numpy as np

    m = confusions.astype(np.float64)
    idx = np.arange(k)
    tp = m[:, idx, idx]
    true_n = m[:, :k, :].sum(axis=2)
    pred_n = m[:, :, :k].sum(axis=1)
    num, den = {"precision": (tp, pred_n), "recall": (tp, true_n),
                "f1": (2 * tp, true_n + pred_n)}[metric]  # fmt: skip
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
    return ratio[:, 1] if k == 2 else ratio.mean(axis=1)


def _normal(value: float, se: float, level: float) -> tuple[float, float]:
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    return value - z * se, value + z * se


def delong_se(truth: Any, score: Any) -> tuple[float, float]:
    """(ROC AUC, its standard error by DeLong's method) for 0/1 `truth` and `score`."""
    import numpy as np
    from scipy.stats import rankdata

    truth = np.asarray(truth).astype(bool)
    score = np.asarray(score, dtype=np.float64)
    x, y = score[truth], score[~truth]
    m, n = len(x), len(y)
    ranks = rankdata(score)  # midranks: a tie counts half
    v10 = (ranks[truth] - rankdata(x)) / n  # share of negatives below each positive
    v01 = 1.0 - (ranks[~truth] - rankdata(y)) / m  # share of positives above each negative
    auc = float(v10.mean())
    var = (v10.var(ddof=1) if m > 1 else 0.0) / m + (v01.var(ddof=1) if n > 1 else 0.0) / n
    return auc, math.sqrt(max(var, 0.0))


def _mean_terms(metric: str, y: Any, pred: Any, proba: Any, classes: list[str] | None) -> Any:
    """Per-row terms whose mean is the metric (for RMSE: the squared errors)."""
    import numpy as np

    if classes is None:
        err = np.asarray(pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
        return np.abs(err) if metric == "mae" else err**2
    from shipyard.core.training.metrics import _codes

    yi = _codes(np.asarray(y).astype(str), classes)
    p = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
    onehot = (yi[:, None] == np.arange(len(classes))).astype(np.float64)
    if metric == "brier":
        return (onehot[:, 1] - p[:, 1]) ** 2
    eps = np.finfo(np.float64).eps
    return -np.sum(onehot * np.log(np.clip(p, eps, 1 - eps)), axis=1)


def _weights(rows: Any, n: int) -> Any:
    """(block, n) float64: how many times each row was drawn in each resample."""
    import numpy as np

    b = rows.shape[0]
    flat = (rows + (np.arange(b) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


Stat = Callable[[Any], Any]  # (block, n) weights -> (block,) metric values


def _classification_stat(metric: str, y: Any, labels: Any, proba: Any, classes: list[str]) -> Stat:
    """The weighted form of `metrics.classification_metrics`'s `metric` (same conventions:
    binary scores for the positive class, macro averages otherwise, precision 0 when nothing
    is predicted)."""
    import numpy as np

    from shipyard.core.training.metrics import _codes

    y = np.asarray(y).astype(str)
    labels = np.asarray(labels).astype(str)
    proba = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    proba = proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
    k = len(classes)
    binary = k == 2
    yi, li = _codes(y, classes), _codes(labels, classes)
    n = len(yi)
    onehot = (yi[:, None] == np.arange(k)).astype(np.float64)
    predhot = (li[:, None] == np.arange(k)).astype(np.float64)
    hits = onehot * predhot

    def div(a: Any, b: Any) -> Any:
        return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)

    def counts(w: Any) -> tuple[Any, Any, Any]:
        return w @ hits, w @ onehot, w @ predhot  # (block, k) each

    def pick(a: Any) -> Any:
        return a[:, 1] if binary else a.mean(axis=1)

    if metric == "accuracy":
        correct = (yi == li).astype(np.float64)
        return lambda w: (w @ correct) / n
    if metric in ("precision", "recall", "f1"):

        def prf(w: Any) -> Any:
            tp, true_n, pred_n = counts(w)
            if metric == "precision":
                return pick(div(tp, pred_n))
            if metric == "recall":
                return pick(div(tp, true_n))
            return pick(div(2 * tp, true_n + pred_n))

        return prf
    if metric == "log_loss":
        eps = np.finfo(np.float64).eps
        loss = -np.sum(onehot * np.log(np.clip(proba, eps, 1 - eps)), axis=1)
        return lambda w: (w @ loss) / n
    if metric == "brier":
        if not binary:
            raise KeyError(metric)
        sq = (onehot[:, 1] - proba[:, 1]) ** 2
        return lambda w: (w @ sq) / n
    if metric == "ece":
        from shipyard.core.training.metrics import ECE_BINS

        conf = np.max(proba, axis=1)
        gap = (y == labels).astype(np.float64) - conf
        edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
        which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, ECE_BINS - 1)
        binned = (which[:, None] == np.arange(ECE_BINS)) * gap[:, None]
        return lambda w: np.abs(w @ binned).sum(axis=1) / n
    if metric in ("roc_auc", "pr_auc"):
        present = [i for i in range(k) if 0 < onehot[:, i].sum() < n]
        if binary:
            present = [1] if 1 in present else []
        if not present or (not binary and len(present) != int((onehot.sum(axis=0) > 0).sum())):
            raise KeyError(metric)  # no curve: the metric is not measured on this split
        curves = [_ranked(onehot[:, i], proba[:, i]) for i in present]
        area = _auc if metric == "roc_auc" else _average_precision
        return lambda w: np.mean([area(w, *c) for c in curves], axis=0)
    raise KeyError(metric)


def _ranked(truth: Any, score: Any) -> tuple[Any, Any, Any]:
    """(row order by score, highest first; start of each tie group in that order; truth in
    that order): what the weighted curves need, computed once."""
    import numpy as np

    order = np.argsort(score, kind="stable")[::-1]
    s = np.asarray(score, dtype=np.float64)[order]
    starts = np.r_[0, np.flatnonzero(np.diff(s)) + 1]
    return order, starts, truth[order]


def _group_counts(w: Any, order: Any, starts: Any, truth: Any) -> tuple[Any, Any]:
    """Weighted positives and negatives in each tie group, highest score first."""
    import numpy as np

    ws = w[:, order]
    pos = np.add.reduceat(ws * truth, starts, axis=1)
    allw = np.add.reduceat(ws, starts, axis=1)
    return pos, allw - pos


def _auc(w: Any, order: Any, starts: Any, truth: Any) -> Any:
    """ROC AUC = the trapezoid area over tie groups (a tie counts half)."""
    import numpy as np

    pos, neg = _group_counts(w, order, starts, truth)
    p, q = pos.sum(axis=1), neg.sum(axis=1)
    # Negatives scored lower than each group = all negatives minus those scored as high or higher.
    lower = q[:, None] - np.cumsum(neg, axis=1)
    area = np.sum(pos * (lower + 0.5 * neg), axis=1)
    return np.minimum(1.0, area / (p * q))


def _average_precision(w: Any, order: Any, starts: Any, truth: Any) -> Any:
    """Σ (recall gained at each threshold) x (precision there), thresholds high to low."""
    import numpy as np

    pos, neg = _group_counts(w, order, starts, truth)
    tp, fp = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
    seen = tp + fp
    precision = np.divide(tp, seen, out=np.zeros_like(tp), where=seen > 0)
    return np.minimum(1.0, np.sum(pos * precision, axis=1) / pos.sum(axis=1))


def _regression_stat(metric: str, y: Any, pred: Any) -> Stat:
    import numpy as np

    y = np.asarray(y, dtype=np.float64)
    err = np.asarray(pred, dtype=np.float64) - y
    n = len(y)
    if metric == "mae":
        a = np.abs(err)
        return lambda w: (w @ a) / n
    if metric == "rmse":
        sq = err**2
        return lambda w: np.sqrt((w @ sq) / n)
    if metric == "r2":
        cols = np.stack([err**2, y, y**2], axis=1)

        def r2(w: Any) -> Any:
            res, sy, syy = (w @ cols).T
            tot = syy - sy * sy / n
            return np.where(tot > 0, 1 - np.divide(res, tot, where=tot > 0, out=np.ones(len(res))),
                            np.nan)  # fmt: skip

        return r2
    if metric == "mape":
        nz = y != 0
        ape = np.where(nz, np.abs(err) / np.where(nz, np.abs(y), 1.0), 0.0)
        rows = nz.astype(np.float64)

        def mape(w: Any) -> Any:
            m = w @ rows
            return np.where(m > 0, (w @ ape) / np.maximum(m, 1), np.nan)

        return mape
    raise KeyError(metric)


def bootstrap_values(
    metric: str,
    y: Any,
    pred: Any,
    proba: Any = None,
    classes: list[str] | None = None,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Any:
    """The metric on each of `resamples` stratified resamples of the fixed predictions
    (`classes` given: classification, `pred` the labels and `proba` the probabilities;
    else regression, `pred` the values). Raises KeyError for a metric it cannot resample."""
    import numpy as np

    if classes is not None:
        stat = _classification_stat(metric, y, pred, proba, list(classes))
    else:
        stat = _regression_stat(metric, y, pred)
    n = len(y)
    out = [stat(_weights(rows, n)) for rows in draw_blocks(strata(y, classes), resamples, seed)]
    return np.concatenate(out) if out else np.zeros(0)


def metric_interval(
    metric: str,
    value: float | None,
    y: Any,
    pred: Any,
    proba: Any = None,
    classes: list[str] | None = None,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = LEVEL,
) -> Interval | None:
    """`value`'s interval: Wilson for accuracy, else the stratified bootstrap's percentile
    interval. None when there is no value, too few rows (under 2) or no resample could be
    scored."""
    import numpy as np

    n = len(y)
    if value is None or n < 2 or not math.isfinite(value):
        return None
    if metric == "accuracy" and classes is not None:
        lo, hi = wilson(round(value * n), n, level)
        return Interval(metric, value, lo, hi, WILSON, n, level)
    if metric == "roc_auc" and classes is not None and len(classes) == 2:
        truth = np.asarray(y).astype(str) == str(classes[1])
        if truth.all() or not truth.any():
            return None
        p = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
        score = p[:, 1] / np.maximum(p.sum(axis=1), 1e-12)
        _, se = delong_se(truth, score)
        lo, hi = _normal(value, se, level)
        return Interval(metric, value, max(0.0, lo), min(1.0, hi), DELONG, n, level)
    if metric in MEAN_METRICS and (metric != "brier" or (classes and len(classes) == 2)):
        terms = _mean_terms(metric, y, pred, proba, list(classes) if classes else None)
        mean, se = float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n))
        lo, hi = _normal(mean, se, level)
        lo = max(0.0, lo)
        if metric == "rmse":
            lo, hi = math.sqrt(lo), math.sqrt(max(hi, 0.0))
        lo, hi = min(lo, value), max(hi, value)
        return Interval(metric, value, lo, hi, NORMAL_MEAN, n, level)
    method = BOOTSTRAP if classes is not None else PLAIN_BOOTSTRAP
    if metric in CONFUSION_METRICS and classes is not None:
        from shipyard.core.training.metrics import _codes

        k = len(classes)
        yi = _codes(np.asarray(y).astype(str), list(classes))
        li = _codes(np.asarray(pred).astype(str), list(classes))
        values = _confusion_values(metric, draw_confusions(yi, li, k, resamples, seed), k)
    else:
        resamples = row_resamples(n, resamples)
        try:
            values = bootstrap_values(
                metric, y, pred, proba, classes, resamples=resamples, seed=seed
            )
        except KeyError:
            return None
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    tail = (1 - level) / 2 * 100
    lo, hi = (float(v) for v in np.percentile(values, [tail, 100 - tail]))
    # The point estimate lies inside its own interval (a skewed metric near 1 may not).
    lo, hi = min(lo, value), max(hi, value)
    return Interval(metric, value, lo, hi, method, n, level, resamples, seed)


def intervals_json(intervals: list[Interval]) -> dict[str, Any]:
    """run.json's `intervals`: {metric: {value, low, high, level, method, rows, ...}}."""
    return {i.metric: i.to_json() for i in intervals}


def read_intervals(data: Any) -> dict[str, Interval]:
    """The recorded intervals of a run.json's `intervals` (empty for old runs)."""
    if not isinstance(data, dict):
        return {}
    out = {}
    for metric, raw in data.items():
        interval = Interval.from_json(str(metric), raw)
        if interval is not None:
            out[str(metric)] = interval
    return out


def recorded_intervals(run: Any) -> dict[str, Interval]:
    """The intervals a run recorded at training (empty for runs recorded before intervals
    were kept). The record holds them: run.json is not read a second time."""
    return read_intervals(getattr(run, "intervals", None))
