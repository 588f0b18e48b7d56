"""Rank a project's runs: the primary metric from the one-pager, the leaderboard, comparisons.

The leaderboard reads the run index (run_index.py): a cache of one row per run, checked
against the run folders on every read, so the files stay the truth and nothing goes stale.
The default board's first page is kept too (`first_page`), so a window opening a busy
project paints it after listing the run folders, before the whole index is read and ranked.
`primary_metric` maps the one-pager's free-text metric name ("F1", "ROC AUC", "mae_units")
to a metric the runs record, or falls back to a default per task kind with a note that says so. The metrics themselves (labels, direction,
task kinds, the words for them) are described once, in core/metric_registry.py.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, replace
from itertools import chain
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
    "first_page",
    "leaderboard",
    "match_metric",
    "metric_label",
    "metrics_for",
    "primary_metric",
]


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
    board = _rank(rows, key, direction, note, champ, kind)
    with _board_lock:
        _last_board[(ws.root, slug)] = (memo_key, board)
    if metric is None and generation:
        _keep_page(ws, slug, ix.runs_key(keys), board, kind, champ)
    return replace(board, rows=list(board.rows), metric_keys=list(board.metric_keys))


def rank_for_next_open(ws: Workspace, slug: str) -> None:
    """Rank the default board once after new runs were recorded, so the next window that
    opens the project paints its kept first page at once instead of ranking every run. A
    board that cannot be ranked (a damaged one-pager) is left for the window to explain."""
    with contextlib.suppress(ShipyardError):
        leaderboard(ws, slug)


# -- the first page ---------------------------------------------------------------------------
PAGE_ROWS = 100  # rows kept of the default board: a window's first screenful and more
PAGE_FORMAT = 1
# page file -> (the signature this process last wrote or found there, that file's stat key)
_page_kept: dict[Any, tuple[str, Any]] = {}


def first_page(
    ws: Workspace, slug: str, listed: dict[str, tuple[int, int]] | None = None
) -> Leaderboard | None:
    """The first PAGE_ROWS rows of `leaderboard(ws, slug)`, with `total` the number of runs,
    from the page kept when that board was last ranked; None when there is none to trust.

    The run folders are listed and every run.json's key compared (through one digest)
    with those the page was ranked from, and the one-pager's metric and the champion are
    read again: a run recorded, edited or removed since, a new champion or another metric
    and the page is not used (the caller ranks the whole board, which keeps a new page).
    `listed` as for `leaderboard`."""
    from shipyard.core.training.champion import current_champion

    path = ix.page_path(ws, slug)
    try:
        stored = json.loads(path.read_bytes())
        if stored["format"] != PAGE_FORMAT:
            return None
        signature = stored["signature"]
        runs, key, direction, note, champ, kind = signature
    except (OSError, ValueError, TypeError, KeyError):
        return None  # none yet, damaged or another version's: the whole board is ranked
    if runs != ix.runs_key(ix.scan_keys(ws, slug) if listed is None else listed):
        return None
    if [key, direction, note] != list(primary_metric(ws, slug, kind)):
        return None
    if champ != current_champion(ws, slug):
        return None
    try:
        rows = [_unpack(r, champ) for r in stored["rows"]]
        star = stored["champion_row"]
        star = None if star is None else _unpack(star, champ)
        total = int(stored["total"])
        keys = [str(k) for k in stored["metric_keys"]]
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if not rows or total < len(rows):
        return None
    return Leaderboard(key, direction, note, rows, keys, total=total, champion_row=star)


def _pack(r: LeaderRow) -> list[Any]:
    interval = None if r.interval is None else list(r.interval)
    return [r.run_id, r.family, r.model, r.created, r.user, r.dataset, r.exportable, r.score,
            r.metrics, r.sweep_id, interval, r.indistinct]  # fmt: skip


def _unpack(r: list[Any], champ: str | None) -> LeaderRow:
    return LeaderRow(
        run_id=r[0], family=r[1], model=r[2], created=r[3], user=r[4], dataset=r[5],
        exportable=bool(r[6]), champion=r[0] == champ, score=r[7], metrics=dict(r[8]),
        sweep_id=r[9], interval=None if r[10] is None else (r[10][0], r[10][1]),
        indistinct=r[11],
    )  # fmt: skip


def _keep_page(
    ws: Workspace, slug: str, runs: str, board: Leaderboard, kind: str, champ: str | None
) -> None:
    """Keep the default board's first page beside the index (see `first_page`), unless the
    one there was ranked from the same runs the same way. A cache: failing to write it
    (a read-only workspace) only means the next window ranks the whole board first."""
    from shipyard.core.workspace.atomic import atomic_write_bytes

    path = ix.page_path(ws, slug)
    signature = [runs, board.metric, board.direction, board.metric_note, champ, kind]
    mark = json.dumps(signature)
    with _board_lock:
        kept = _page_kept.get(path)
    if kept is not None and kept == (mark, ix.file_key(path)):
        return
    try:
        found = json.loads(path.read_bytes())
        same = found.get("format") == PAGE_FORMAT and found.get("signature") == signature
    except (OSError, ValueError, AttributeError):
        same = False
    if not same:
        star = next((r for r in board.rows if r.champion), None)
        page = {"format": PAGE_FORMAT, "signature": signature, "total": len(board.rows),
                "metric_keys": board.metric_keys, "rows": [_pack(r) for r in board.rows[:PAGE_ROWS]],
                "champion_row": None if star is None else _pack(star)}  # fmt: skip
        try:
            atomic_write_bytes(path, json.dumps(page, ensure_ascii=False).encode("utf-8"))
        except OSError:
            return
    with _board_lock:
        _page_kept[path] = (mark, ix.file_key(path))


def _rank(
    rows: list[Any], key: str, direction: str, note: str, champ: str | None, kind: str
) -> Leaderboard:

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
