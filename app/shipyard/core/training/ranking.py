"""Ranking runs: the primary metric from the one-pager, and index rows ranked into a board.

`primary_metric` maps the one-pager's free-text metric name ("F1", "ROC AUC", "mae_units")
to a metric the runs record, or falls back to a default per task kind with a note that
says so. `rank_rows` orders index rows (run_index.py) best first. The leaderboard
(leaderboard.py) and its kept first page (board_page.py) are built on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

import shipyard.core.training.run_index as ix
from shipyard.core.metric_registry import (
    CLASSIFICATION_METRICS,
    DEFAULT_METRIC,
    METRIC_LABELS,
    REGRESSION_METRICS,
    direction_of,
    match_metric,
    metric_label,
    metrics_for,
)
from shipyard.core.workspace.workspace import Workspace


def primary_metric(ws: Workspace, slug: str, task_kind: str) -> tuple[str, str, str]:
    """(metric key, "maximize"|"minimize", note) for ranking `slug`'s runs of `task_kind`."""
    entry = ws.project(slug)
    fallback = DEFAULT_METRIC.get(task_kind, "roc_auc")
    label = metric_label(fallback)
    if entry.doc is None:
        return (
            fallback,
            direction_of(fallback),
            (f"the one-pager has errors, so its primary metric is unknown; ranking by {label}"),
        )
    pm = entry.doc.onepager.primary_metric
    name = (pm.name or "").strip()
    if not name:
        return (
            fallback,
            direction_of(fallback),
            (f"the one-pager names no primary metric; ranking by {label}"),
        )
    key = match_metric(name)
    if key is None:
        return (
            fallback,
            direction_of(fallback),
            (f"'{name}' is not a model metric; ranking by {label}"),
        )
    if key not in metrics_for(task_kind):
        return (
            fallback,
            direction_of(fallback),
            (f"'{name}' is not recorded for {task_kind} tasks; ranking by {label}"),
        )
    natural = direction_of(key)
    direction = getattr(pm.direction, "value", str(pm.direction))
    if "direction" in pm.model_fields_set and direction != natural:
        return (
            key,
            natural,
            (
                f"ranking by {metric_label(key)} (the one-pager's '{name}'); the one-pager says "
                f"{direction}, but {'lower' if natural == 'minimize' else 'higher'} is better"
            ),
        )
    return key, natural, f"ranking by {metric_label(key)}, the one-pager's '{name}'"


@dataclass(frozen=True)
class LeaderRow:
    run_id: str
    family: str
    model: str
    created: str
    user: str
    dataset: str  # dataset ref, e.g. "churn@v1"
    exportable: bool
    champion: bool
    score: float | None  # value of the ranking metric
    metrics: dict[str, float | None]
    sweep_id: str | None
    # The 95% interval of `score` recorded at training (None: not recorded for this metric,
    # e.g. a run from before intervals were kept).
    interval: tuple[float, float] | None = None
    # True: the interval overlaps the leader's, so the two cannot be told apart on this
    # holdout ("not distinguishable"); False: told apart (or this is the leader); None: no
    # interval on this row or on the leader's.
    indistinct: bool | None = None


@dataclass(frozen=True)
class Leaderboard:
    metric: str
    direction: str
    metric_note: str
    rows: list[LeaderRow]  # best first, unscored last; ties by newest
    metric_keys: list[str]  # metric columns present, display order
    # None: `rows` is the whole board. A number: `rows` is only its first page (`first_page`)
    # and the whole board has this many runs; `champion_row` is then the champion's row
    # wherever it ranks (None: no champion on the board).
    total: int | None = None
    champion_row: LeaderRow | None = None


def rank_rows(
    rows: list[Any], key: str, direction: str, note: str, champ: str | None, kind: str
) -> Leaderboard:
    """Index rows (run_index.COLUMNS, newest first) ranked by `key` into a board."""
    sign = -1.0 if direction == "maximize" else 1.0
    # Best first, unscored last, ties newest first: the index gives the rows newest first,
    # and (signed score, position) sorts like a stable sort by score.
    scores = [r[ix.METRICS].get(key) for r in rows]
    ranked = [(sign * v, i) for i, v in enumerate(scores) if v is not None]
    ranked.sort()
    order = [i for _, i in ranked]
    if len(order) < len(rows):
        order += [i for i, v in enumerate(scores) if v is None]
    lead = rows[order[0]][ix.INTERVALS].get(key) if ranked else None
    out: list[LeaderRow] = []
    new, set_attr, add = object.__new__, object.__setattr__, out.append
    first = True
    for i in order:
        # A row is a list in run_index.COLUMNS order: unpacked in one step.
        (_, _, _, run_id, family, model, created, user, dataset, exportable, _, _, values,
         sweep_id, intervals) = rows[i]  # fmt: skip
        score = scores[i]
        recorded = intervals.get(key)
        interval = indistinct = None
        if recorded:
            interval = (recorded[0], recorded[1])
            if lead is not None and score is not None:
                indistinct = not first and recorded[0] <= lead[1] and lead[0] <= recorded[1]
        first = False
        row = new(LeaderRow)
        # Not through the frozen dataclass's __init__: it costs a __setattr__ per field,
        # and a busy project has ten thousand rows.
        set_attr(row, "__dict__", {
            "run_id": run_id, "family": family, "model": model, "created": created,
            "user": user, "dataset": dataset, "exportable": exportable,
            "champion": run_id == champ, "score": score, "metrics": dict(values),
            "sweep_id": sweep_id, "interval": interval, "indistinct": indistinct,
        })  # fmt: skip
        add(row)
    present = set(chain.from_iterable(rows[i][ix.METRICS] for i in order))
    present &= METRIC_LABELS.keys()
    order_keys = [key, *metrics_for(kind), *CLASSIFICATION_METRICS, *REGRESSION_METRICS]
    keys = list(dict.fromkeys(k for k in order_keys if k in present))
    return Leaderboard(key, direction, note, out, keys)
