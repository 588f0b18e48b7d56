"""Every model metric Shipyard records, ranks by and gates on, described once.

A `Metric` says its key (as run.json records it), the label people read, whether higher is
better, which task kinds record it, the words a one-pager may use for it and whether a slice
check may compare groups by it. The leaderboard (training/leaderboard.py), the gate policy
and checks (gates/) and the intervals read these lists; none keeps its own.

Imports nothing from the rest of Shipyard, so the gates and training both use it cheaply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    higher_is_better: bool
    kind: str  # CLASSIFICATION | REGRESSION: the tasks that record it
    aliases: tuple[str, ...] = ()  # words a one-pager may use for it (lower case)
    slices: bool = False  # a slice check may compare groups of rows by it

    @property
    def direction(self) -> str:
        return "maximize" if self.higher_is_better else "minimize"


def _c(key: str, label: str, *aliases: str, high: bool = True, slices: bool = False) -> Metric:
    return Metric(key, label, high, CLASSIFICATION, aliases, slices)


def _r(key: str, label: str, *aliases: str, high: bool = False, slices: bool = False) -> Metric:
    return Metric(key, label, high, REGRESSION, aliases, slices)


# In the order they are shown (the leaderboard's columns, a comparison's rows).
METRICS: tuple[Metric, ...] = (
    _c("roc_auc", "ROC AUC", "roc auc", "auroc", "auc roc", "rocauc", "auc"),
    _c("pr_auc", "PR AUC", "pr auc", "auprc", "average precision", "prauc"),
    _c("f1", "F1", "f1", "f score", "fscore", "f1score", slices=True),
    _c("accuracy", "accuracy", "accuracy", "acc", slices=True),
    _c("precision", "precision", "precision", slices=True),
    _c("recall", "recall", "recall", "sensitivity", slices=True),
    _c("log_loss", "log loss", "log loss", "logloss", "cross entropy", high=False),
    _c("brier", "Brier score", "brier", high=False),
    _c("ece", "ECE", "ece", "calibration error", high=False),
    _r("rmse", "RMSE", "rmse", "root mean squared error", slices=True),
    _r("mae", "MAE", "mae", "mean absolute error", slices=True),
    _r("r2", "R²", "r2", "r²", "r squared", high=True),
    _r("mape", "MAPE", "mape", "mean absolute percentage error"),
)
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}

CLASSIFICATION_METRICS = tuple(m.key for m in METRICS if m.kind == CLASSIFICATION)
REGRESSION_METRICS = tuple(m.key for m in METRICS if m.kind == REGRESSION)
KNOWN_METRICS = CLASSIFICATION_METRICS + REGRESSION_METRICS
LOWER_IS_BETTER = frozenset(m.key for m in METRICS if not m.higher_is_better)
SLICE_METRICS = tuple(m.key for m in METRICS if m.slices)
METRIC_LABELS: dict[str, str] = {m.key: m.label for m in METRICS}
# Words people write in a one-pager -> metric key (matching tries longer phrases first).
ALIASES: dict[str, str] = {alias: m.key for m in METRICS for alias in m.aliases}
# The metric a task kind is ranked by when the one-pager names none the runs record.
DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "f1", "text": "f1", "regression": "rmse"}


def higher_is_better(key: str) -> bool:
    """Unknown keys count as higher-is-better (as scores usually are)."""
    metric = BY_KEY.get(key)
    return metric.higher_is_better if metric is not None else True


def direction_of(key: str) -> str:
    return "maximize" if higher_is_better(key) else "minimize"


def metric_label(key: str) -> str:
    return METRIC_LABELS.get(key, key)


def metrics_for(kind: str) -> tuple[str, ...]:
    """The metrics a task of `kind` (binary, multiclass, text, regression) records."""
    return REGRESSION_METRICS if kind == REGRESSION else CLASSIFICATION_METRICS


def match_metric(name: str) -> str | None:
    """The metric key a free-text name means ("Macro F1" -> "f1"), or None."""
    words = re.findall(r"[a-z0-9²]+", name.lower())
    text = f" {' '.join(words)} "
    for alias in sorted(ALIASES, key=len, reverse=True):
        if f" {alias} " in text:
            return ALIASES[alias]
    return None
