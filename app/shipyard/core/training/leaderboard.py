"""A project's leaderboard and the comparison of two runs.

The leaderboard reads the run index (run_index.py): a cache of one row per run, checked
against the run folders on every read, so the files stay the truth and nothing goes stale.
Runs are ranked by the one-pager's primary metric (ranking.py). The default board's first
page is kept too (board_page.py), so a window opening a busy project paints it after
listing the run folders, before the whole index is read and ranked. The metrics themselves
(labels, direction, task kinds, the words for them) are described once, in
core/metric_registry.py.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, replace
from typing import Any

import shipyard.core.training.run_index as ix
from shipyard.core.errors import ShipyardError
from shipyard.core.metric_registry import (
    ALIASES,
    CLASSIFICATION_METRICS,
    DEFAULT_METRIC,
    LOWER_IS_BETTER,
    METRIC_LABELS,
    REGRESSION_METRICS,
    direction_of,
    match_metric,
    metric_label,
    metrics_for,
)
from shipyard.core.training.board_page import keep_page
from shipyard.core.training.ranking import Leaderboard, LeaderRow, primary_metric, rank_rows
from shipyard.core.training.runs import RunRecord
from shipyard.core.workspace.workspace import Workspace

__all__ = [
    "ALIASES",
    "CLASSIFICATION_METRICS",
    "DEFAULT_METRIC",
    "LOWER_IS_BETTER",
    "METRIC_LABELS",
    "REGRESSION_METRICS",
    "CompareRow",
    "LeaderRow",
    "Leaderboard",
    "compare_runs",
    "direction_of",
    "leaderboard",
    "match_metric",
    "metric_label",
    "metrics_for",
    "primary_metric",
]


# The last board of each project, with what it was ranked from (see `leaderboard`).
_last_board: dict[tuple[Any, str], tuple[tuple[Any, ...], Leaderboard]] = {}
_board_lock = threading.Lock()


def leaderboard(
    ws: Workspace,
    slug: str,
    *,
    metric: str | None = None,
    listed: dict[str, tuple[int, int]] | None = None,
) -> Leaderboard:
    """Every run of `slug` ranked by `metric` (default: the one-pager's primary metric).

    Read from the run index (run_index.py), which is checked against the run folders on
    every call, so a run recorded, edited or deleted a moment ago shows. `listed`: the run
    folders as `run_index.scan_keys` listed them a moment ago (not listed again)."""
    from shipyard.core.training.champion import current_champion

    ws.project(slug)
    rows, generation, keys = ix.checked(ws, slug, listed)  # newest first
    kind = next((r[ix.KIND] for r in rows if r[ix.KIND]), "binary")  # the newest run's task
    if metric is not None:
        if metric not in METRIC_LABELS:
            raise ShipyardError(
                f"unknown metric '{metric}'",
                fix="use one of: " + ", ".join(metrics_for(kind)),
            )
        key, direction, note = metric, direction_of(metric), f"ranking by {metric_label(metric)}"
    else:
        key, direction, note = primary_metric(ws, slug, kind)
    champ = current_champion(ws, slug)
    # The same rows ranked the same way give the same board: a window refreshing a busy
    # project reuses it (the rows are frozen; the list is the caller's own).
    memo_key = (ws.root, slug, generation, key, direction, note, champ, kind)
    with _board_lock:
        last = _last_board.get((ws.root, slug))
    if last is not None and generation and last[0] == memo_key:
        return replace(last[1], rows=list(last[1].rows), metric_keys=list(last[1].metric_keys))
    board = rank_rows(rows, key, direction, note, champ, kind)
    with _board_lock:
        _last_board[(ws.root, slug)] = (memo_key, board)
    if metric is None and generation:
        keep_page(ws, slug, keys, board, kind, champ)
    return replace(board, rows=list(board.rows), metric_keys=list(board.metric_keys))


def rank_for_next_open(ws: Workspace, slug: str) -> None:
    """Rank the default board once after new runs were recorded, so the next window that
    opens the project paints its kept first page at once instead of ranking every run. A
    board that cannot be ranked (a damaged one-pager) is left for the window to explain."""
    with contextlib.suppress(ShipyardError):
        leaderboard(ws, slug)


@dataclass(frozen=True)
class CompareRow:
    label: str
    a: str
    b: str
    better: str  # "a", "b" or ""


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _short(fingerprint: Any) -> str:
    return str(fingerprint or "—").removeprefix("sha256:")[:12]


def _better(a: Any, b: Any, lower: bool) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or a == b:
        return ""
    return ("a" if a < b else "b") if lower else ("a" if a > b else "b")


def compare_runs(a: RunRecord, b: RunRecord) -> list[CompareRow]:
    """Side by side: what the runs are, the data, differing hyper-parameters, every metric,
    timings, parity and export. `better` names the better side where there is one."""
    rows = [
        CompareRow("run", a.run_id, b.run_id, ""),
        CompareRow("family / model", f"{a.family} · {a.model}", f"{b.family} · {b.model}", ""),
        CompareRow("dataset", a.dataset.get("ref", ""), b.dataset.get("ref", ""), ""),
        CompareRow(
            "fingerprint",
            _short(a.dataset.get("fingerprint")),
            _short(b.dataset.get("fingerprint")),
            "",
        ),
        CompareRow("split", _fmt(a.dataset.get("split_id")), _fmt(b.dataset.get("split_id")), ""),
        CompareRow(
            "train / scored rows",
            f"{a.dataset.get('train_rows', '—')} / {a.dataset.get('holdout_rows', '—')}",
            f"{b.dataset.get('train_rows', '—')} / {b.dataset.get('holdout_rows', '—')}",
            "",
        ),
        CompareRow("seed", str(a.seed), str(b.seed), ""),
        CompareRow("created", a.created, b.created, ""),
    ]
    hp_a = a.config.get("hyper_parameters", {}) or {}
    hp_b = b.config.get("hyper_parameters", {}) or {}
    # Different estimators share few parameters: compare only the ones both have.
    shared = set(hp_a) | set(hp_b) if a.model == b.model else set(hp_a) & set(hp_b)
    for k in sorted(shared):
        if hp_a.get(k) != hp_b.get(k):
            rows.append(CompareRow(f"param {k}", _fmt(hp_a.get(k)), _fmt(hp_b.get(k)), ""))
    order = [*CLASSIFICATION_METRICS, *REGRESSION_METRICS]
    keys = [k for k in order if k in a.metrics or k in b.metrics]
    keys += sorted((set(a.metrics) | set(b.metrics)) - set(keys) - {"mape_rows"})
    from shipyard.core.training.intervals import recorded_intervals

    ia, ib = recorded_intervals(a), recorded_intervals(b)
    for k in keys:
        va, vb = a.metrics.get(k), b.metrics.get(k)
        rows.append(CompareRow(metric_label(k), _fmt(va), _fmt(vb),
                               _better(va, vb, k in LOWER_IS_BETTER)))  # fmt: skip
        if k in ia or k in ib:
            ca, cb = ia.get(k), ib.get(k)
            apart = ca is not None and cb is not None and not ca.overlaps(cb)
            rows.append(CompareRow(
                f"{metric_label(k)} 95% interval" + ("" if apart else " (overlap)"),
                f"{ca.low:.4g}–{ca.high:.4g}" if ca else "—",
                f"{cb.low:.4g}–{cb.high:.4g}" if cb else "—",
                "",
            ))  # fmt: skip
    for k in sorted(set(a.timings) | set(b.timings)):
        ta, tb = a.timings.get(k), b.timings.get(k)
        rows.append(CompareRow(f"{k} time (s)", _fmt(ta), _fmt(tb), _better(ta, tb, True)))
    pa, pb = a.parity or {}, b.parity or {}
    for k, lower in (("label_agreement", False), ("max_proba_diff", True),
                     ("max_value_diff", True)):  # fmt: skip
        if pa.get(k) is not None or pb.get(k) is not None:
            label = "parity " + k.replace("_", " ")
            rows.append(CompareRow(label, _fmt(pa.get(k)), _fmt(pb.get(k)),
                                   _better(pa.get(k), pb.get(k), lower)))  # fmt: skip
    ex = "" if a.exportable == b.exportable else ("a" if a.exportable else "b")
    rows.append(CompareRow("exportable", _fmt(a.exportable), _fmt(b.exportable), ex))
    return rows
