"""Stand-ins for training-core APIs that a workspace's Shipyard may not have yet.

Used only when `shipyard.core.training.task_file` / `.leaderboard` are not importable;
they follow the same signatures, with the simplest reading of the run records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LOWER_IS_BETTER = {"log_loss", "brier", "ece", "mae", "rmse", "mape"}
DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "f1", "text": "f1", "regression": "r2"}
HIDDEN = {"mape_rows"}
TASK_FILE = "task.yaml"


@dataclass
class LeaderRow:
    run_id: str
    family: str
    model: str
    created: str
    user: str
    dataset: str
    exportable: bool
    champion: bool
    score: float | None
    metrics: dict[str, Any]
    sweep_id: str | None = None


@dataclass
class Leaderboard:
    metric: str
    direction: str
    metric_note: str
    rows: list[LeaderRow] = field(default_factory=list)
    metric_keys: list[str] = field(default_factory=list)


@dataclass
class CompareRow:
    label: str
    a: Any
    b: Any
    better: str | None  # "a", "b" or None


def read_task(ws: Any, slug: str) -> dict[str, Any]:
    import yaml

    path = ws.projects_dir / slug / TASK_FILE
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def write_task(
    ws: Any, slug: str, dataset: str, target: str, features: list[str] | None = None
) -> None:
    import yaml

    from shipyard.core.atomic import atomic_write_text

    data: dict[str, Any] = {"dataset": dataset, "target": target}
    if features:
        data["features"] = list(features)
    atomic_write_text(ws.projects_dir / slug / TASK_FILE, yaml.safe_dump(data, sort_keys=False))


def primary_metric(ws: Any, slug: str, task_kind: str) -> tuple[str, str, str]:
    default = DEFAULT_METRIC.get(task_kind, "f1")
    try:
        pm = ws.project(slug).doc.onepager.primary_metric
        name = (pm.name or "").strip().lower()
        direction = str(getattr(pm.direction, "value", pm.direction))
    except Exception:  # no readable one-pager: the default is still a good answer
        name, direction = "", ""
    known = {"roc_auc", "pr_auc", "f1", "accuracy", "precision", "recall", *LOWER_IS_BETTER, "r2"}
    if name in known:
        return name, direction or _direction(name), "from the one-pager"
    why = f"one-pager names '{name}', not a recorded metric; " if name else ""
    return default, _direction(default), f"{why}default for {task_kind}"


def _direction(key: str) -> str:
    return "minimize" if key in LOWER_IS_BETTER else "maximize"


def leaderboard(ws: Any, slug: str, *, metric: str | None = None) -> Leaderboard:
    from shipyard.core.training import list_runs
    from shipyard.core.training.champion import current_champion

    runs = list_runs(ws, slug)
    kind = runs[-1].task.get("kind", "binary") if runs else "binary"
    key, direction, note = primary_metric(ws, slug, kind)
    if metric:
        key, direction, note = metric, _direction(metric), "chosen"
    champ = current_champion(ws, slug)
    keys: list[str] = []
    for r in runs:
        keys += [k for k in r.metrics if k not in keys and k not in HIDDEN]
    rows = [
        LeaderRow(
            r.run_id,
            r.family,
            r.model,
            r.created,
            r.user,
            r.dataset.get("ref", ""),
            r.exportable,
            r.run_id == champ,
            r.metrics.get(key),
            dict(r.metrics),
            r.config.get("sweep_id"),
        )
        for r in runs
    ]
    sign = -1.0 if direction == "maximize" else 1.0
    rows.sort(key=lambda row: (row.score is None, sign * (row.score or 0.0)))
    return Leaderboard(key, direction, note, rows, keys)


def compare_runs(a: Any, b: Any) -> list[CompareRow]:
    out = [
        CompareRow("family", a.family, b.family, None),
        CompareRow("model", a.model, b.model, None),
        CompareRow("dataset", a.dataset.get("ref"), b.dataset.get("ref"), None),
        CompareRow("exportable", a.exportable, b.exportable, None),
    ]
    for key in [k for k in a.metrics if k in b.metrics and k not in HIDDEN]:
        va, vb = a.metrics[key], b.metrics[key]
        better = None
        if isinstance(va, float | int) and isinstance(vb, float | int) and va != vb:
            low = key in LOWER_IS_BETTER
            better = "a" if (va < vb) == low else "b"
        out.append(CompareRow(key, va, vb, better))
    return out
