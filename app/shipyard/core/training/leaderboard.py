"""Rank a project's runs: the primary metric from the one-pager, the leaderboard, comparisons.

The leaderboard is one DuckDB query over `projects/<slug>/runs/*/run.json` (the files are
the truth; there is no index to go stale). `primary_metric` maps the one-pager's free-text
metric name ("F1", "ROC AUC", "mae_units") to a metric the runs record, or falls back to a
default per task kind with a note that says so. The metrics themselves (labels, direction,
task kinds, the words for them) are described once, in core/metric_registry.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

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
from shipyard.core.training.runs import RunRecord, list_runs
from shipyard.core.workspace.layout import RUN_FILE
from shipyard.core.workspace.run_folders import has_runs, runs_dir
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


_QUERY = """
WITH raw AS (
    SELECT json AS j, filename
    FROM read_json_objects({glob}, format = 'auto', filename = true)
), runs AS (
    SELECT
        j->>'run_id' AS run_id, j->>'family' AS family, j->>'model' AS model,
        j->>'created' AS created, j->>'user' AS "user", j->'dataset'->>'ref' AS dataset,
        CAST(j->'exportable' AS BOOLEAN) AS exportable, j->'task'->>'kind' AS kind,
        CAST(j->'metrics' AS VARCHAR) AS metrics, j->'sweep'->>'id' AS sweep_id,
        CAST(j->'intervals' AS VARCHAR) AS intervals,
        regexp_extract(filename, '([^/\\\\]+)[/\\\\][^/\\\\]+$', 1) AS folder
    FROM raw
)
SELECT run_id, family, model, created, "user", dataset, exportable, kind, metrics, sweep_id,
    intervals
FROM runs WHERE NOT starts_with(folder, '.')
"""


_con: Any = None
_con_lock = threading.Lock()


def _read_runs(ws: Workspace, slug: str) -> list[tuple[Any, ...]]:
    import duckdb

    from shipyard.core.sql.duck import connect, sql_path

    global _con
    folder = runs_dir(ws, slug)
    if not has_runs(ws, slug):
        return []
    query = _QUERY.format(glob=sql_path(folder / "*" / RUN_FILE))
    with _con_lock:  # one reused in-memory connection: connecting costs more than the query
        if _con is None:
            _con = connect(threads=2)
        try:
            rows: list[tuple[Any, ...]] = _con.execute(query).fetchall()
            return rows
        except duckdb.Error:
            pass
    list_runs(ws, slug)  # names the damaged file
    raise ShipyardError(
        "the run records could not be read", file=folder, fix="check the run.json files"
    )


def leaderboard(ws: Workspace, slug: str, *, metric: str | None = None) -> Leaderboard:
    """Every run of `slug` ranked by `metric` (default: the one-pager's primary metric)."""
    import json

    from shipyard.core.training.champion import current_champion
    from shipyard.core.training.intervals import read_intervals

    ws.project(slug)
    rows = _read_runs(ws, slug)
    kinds = sorted((r[3] or "", r[7]) for r in rows if r[7])
    kind = kinds[-1][1] if kinds else "binary"  # the newest run's task
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
    out: list[LeaderRow] = []
    present: set[str] = set()
    for run_id, family, model, created, user, dataset, exportable, _, metrics, sweep, cis in rows:
        recorded = read_intervals(json.loads(cis) if cis else None).get(key)
        values = {
            k: (float(v) if isinstance(v, int | float) else None)
            for k, v in (json.loads(metrics) if metrics else {}).items()
        }
        present |= {k for k in values if k in METRIC_LABELS}
        out.append(
            LeaderRow(
                run_id=run_id,
                family=family or "",
                model=model or "",
                created=created or "",
                user=user or "",
                dataset=dataset or "",
                exportable=bool(exportable),
                champion=run_id == champ,
                score=values.get(key),
                metrics=values,
                sweep_id=sweep,
                interval=(recorded.low, recorded.high) if recorded else None,
            )
        )
    sign = -1.0 if direction == "maximize" else 1.0
    out.sort(key=lambda r: r.created, reverse=True)  # stable sort: ties stay newest first
    out.sort(key=lambda r: (r.score is None, sign * r.score if r.score is not None else 0.0))
    out = _mark_indistinct(out)
    order = [key, *metrics_for(kind), *CLASSIFICATION_METRICS, *REGRESSION_METRICS]
    keys = list(dict.fromkeys(k for k in order if k in present))
    return Leaderboard(key, direction, note, out, keys)


def _mark_indistinct(rows: list[LeaderRow]) -> list[LeaderRow]:
    """Mark each scored row whose interval overlaps the leader's (the first row)."""
    from dataclasses import replace

    lead = rows[0].interval if rows and rows[0].score is not None else None
    if lead is None:
        return rows
    out = [replace(rows[0], indistinct=False)]
    for row in rows[1:]:
        if row.interval is None or row.score is None:
            out.append(row)
        else:
            lo, hi = row.interval
            out.append(replace(row, indistinct=lo <= lead[1] and lead[0] <= hi))
    return out


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
