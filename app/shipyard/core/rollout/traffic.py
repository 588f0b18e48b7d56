"""The two arms of a rehearsal and the traffic they answer.

`prepare_arms` resolves the policy's candidate (a run, default the newest exportable one),
its control (the champion, a run, or the safe default rule) and its traffic (a dataset
version, held-out rows by default), scores the traffic once through onnxruntime and keeps
the answers in a small in-memory cache, so re-running the simulation costs no scoring.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, ShipyardError, ValidationFailed
from ..workspace import Workspace
from .policy import RolloutPolicy, policy_path

if TYPE_CHECKING:
    import numpy as np

    from ..training.runs import RunRecord

GATE_REPORT = "gate_report.json"
DEFAULT_RULE = "default"
LATENCY_SAMPLE = 120
_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_LIMIT = 16


@dataclass
class Arm:
    """One side of the rehearsal: what answers, how fast, how often it fails."""

    label: str
    run_id: str | None  # None = the safe default rule
    p50_ms: float
    p95_ms: float
    error_rate: float
    predictions: np.ndarray  # one answer per traffic row
    cost_per_1k: float | None = None
    latency_source: str = ""

    @property
    def latency_mu(self) -> float:
        return math.log(max(self.p50_ms, 1e-3))

    @property
    def latency_sigma(self) -> float:
        spread = math.log(max(self.p95_ms, 1e-3)) - self.latency_mu
        return max(0.05, spread / 1.6449)


@dataclass
class Traffic:
    ref: str
    rows: np.ndarray  # object (n, features): the inputs, for browsing disagreements
    features: list[str]
    labels: np.ndarray | None
    kind: str  # binary | multiclass | regression | text
    tolerance: float  # regression: |error| within this counts as correct

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Arms:
    candidate: Arm
    control: Arm
    traffic: Traffic
    shadow: Any = None  # the ShadowReport, once computed

    def correct(self, arm: Arm) -> np.ndarray | None:
        """Per traffic row: did this arm answer right? None without labels."""
        import numpy as np

        y = self.traffic.labels
        if y is None:
            return None
        if self.traffic.kind == "regression":
            return np.abs(arm.predictions.astype(float) - y.astype(float)) <= self.traffic.tolerance
        return arm.predictions.astype(str) == y.astype(str)


def _policy_problem(
    ws: Workspace, slug: str, field: str, message: str, fix: str
) -> ValidationFailed:
    return ValidationFailed(policy_path(ws, slug), [Problem(field, message, fix=fix)])


def resolve_candidate(
    ws: Workspace, slug: str, name: str, *, besides: str | None = None
) -> RunRecord:
    """The named run; for "latest", the newest exportable run other than `besides` (the
    control), or `besides` itself when it is the only one."""
    from ..training.runs import list_runs, load_run

    if name in ("", "latest"):
        runs = [r for r in list_runs(ws, slug) if r.exportable]
        others = [r for r in runs if r.run_id != besides]
        if others:
            return others[-1]
        if not runs:
            raise _policy_problem(
                ws,
                slug,
                "candidate",
                "the project has no exportable run to rehearse",
                "train a baseline first (Models tab, or shipyard train)",
            )
        return runs[-1]
    try:
        record = load_run(ws, slug, name)
    except ShipyardError as exc:
        raise _policy_problem(ws, slug, "candidate", f"no run '{name}'", exc.fix) from None
    if not record.exportable:
        raise _policy_problem(
            ws, slug, "candidate", f"run {name} has no usable ONNX model", "pick an exportable run"
        )
    return record


def resolve_control(ws: Workspace, slug: str, name: str) -> RunRecord | None:
    """The control run, or None for the safe default rule."""
    from ..training.champion import current_champion
    from ..training.runs import load_run

    if name == DEFAULT_RULE:
        return None
    if name in ("", "champion"):
        champion = current_champion(ws, slug)
        if champion is None:
            return None
        name = champion
    try:
        return load_run(ws, slug, name)
    except ShipyardError as exc:
        raise _policy_problem(ws, slug, "control", f"no run '{name}'", exc.fix) from None


def read_measurements(record: RunRecord) -> dict[str, Any] | None:
    """`measurements` of the run's gate report when it measured these exact model bytes."""
    if record.folder is None or record.model_path is None:
        return None
    path = record.folder / GATE_REPORT
    try:
        report = json.loads(path.read_text("utf-8"))
        digest = hashlib.sha256(record.model_path.read_bytes()).hexdigest()
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("model_sha256") != digest:
        return None
    found = report.get("measurements")
    return found if isinstance(found, dict) else None


def measure_latency(model_bytes: bytes, feed: dict[str, Any], rows: int) -> tuple[float, float]:
    """(p50, p95) in ms of single-row onnxruntime calls on up to LATENCY_SAMPLE rows."""
    import numpy as np
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    feed = {k: v for k, v in feed.items() if k in names}
    times = []
    for i in range(min(rows, LATENCY_SAMPLE)):
        one = {k: v[i : i + 1] for k, v in feed.items()}
        start = time.perf_counter()
        sess.run(None, one)
        times.append((time.perf_counter() - start) * 1000)
    arr = np.asarray(times[1:] or times or [0.1])
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def _load_traffic(
    ws: Workspace, slug: str, policy: RolloutPolicy, record: RunRecord, ref: str
) -> tuple[Traffic, Any, Any, Any]:
    """(traffic, the task spec, the ONNX feed, the training labels for the default rule)."""
    import numpy as np

    from ..data.catalog import resolve
    from ..data.errors import DataError
    from ..data.split import load_split
    from ..training.frame import load_frames, to_frame
    from ..training.task import TaskSpec

    spec = TaskSpec(**{k: v for k, v in record.task.items() if k in TaskSpec.__dataclass_fields__})
    try:
        version = resolve(ws, ref)
    except DataError as exc:
        raise _policy_problem(ws, slug, "traffic", str(exc.message), exc.fix) from None
    columns = {c.name for c in version.schema} if hasattr(version, "schema") else set()
    missing = [c for c in spec.features if columns and c not in columns]
    if missing:
        raise _policy_problem(
            ws,
            slug,
            "traffic",
            f"{version.ref} lacks the model's input columns: {', '.join(missing)}",
            "pick a version with the columns the candidate was trained on",
        )
    labelled = not columns or spec.target in columns
    if not labelled and policy.needs_labels():
        raise _policy_problem(
            ws,
            slug,
            "traffic",
            f"{version.ref} has no '{spec.target}' column, but the kpi_delta checks need labels",
            "pick a labelled version, or remove kpi_delta from the phases' checks",
        )
    same = version.ref == record.dataset.get("ref")
    if same and record.dataset.get("split_id"):
        train, hold = load_frames(version, spec, load_split(version, record.dataset["split_id"]))
        frame = hold if policy.traffic_rows == "holdout" else _concat(train, hold)
        train_y = train.y
    else:
        from ..data.catalog import open_relation
        from ..data.duck import connect

        con = connect()
        try:
            cols = [*spec.features, *([spec.target] if labelled else [])]
            rel = open_relation(version, con).select(", ".join(f'"{c}"' for c in cols))
            table = rel.to_arrow_table()
        finally:
            con.close()
        if not labelled:
            import pyarrow as pa

            fill = [0.0] * table.num_rows
            table = table.append_column(spec.target, pa.array(fill))
        frame = to_frame(table, spec)
        train_y = frame.y
    if len(frame) == 0:
        raise _policy_problem(ws, slug, "traffic", f"{version.ref} has no rows", "import data")
    labels = frame.y if labelled else None
    tolerance = policy.kpi_tolerance or 0.0
    if spec.kind == "regression" and not tolerance:
        tolerance = max(1e-9, 0.5 * float(np.std(np.asarray(train_y, dtype=float))))
    traffic = Traffic(version.ref, frame.X, spec.features, labels, spec.kind, tolerance)
    return traffic, spec, frame.onnx_feed(spec), train_y


def _concat(a: Any, b: Any) -> Any:
    import numpy as np

    from ..training.frame import Frame

    return Frame(np.concatenate([a.X, b.X]), np.concatenate([a.y, b.y]))


def _score(record: RunRecord, feed: dict[str, Any], rows: int) -> Arm:
    """Answers for every traffic row, and the latency and errors the gate report measured
    (else a small single-row latency sample)."""
    import numpy as np

    from ..training.onnx_export import onnx_predict

    assert record.model_path is not None
    model = record.model_path.read_bytes()
    preds, _ = onnx_predict(model, feed)
    preds = np.asarray(preds).reshape(-1)
    measured = read_measurements(record) or {}
    lat = measured.get("latency_ms") or {}
    if isinstance(lat, dict) and lat.get("p50") and lat.get("p95"):
        p50, p95, source = float(lat["p50"]), float(lat["p95"]), "gate report"
    else:
        p50, p95 = measure_latency(model, feed, rows)
        source = f"measured on {min(rows, LATENCY_SAMPLE)} rows"
    err = measured.get("error_rate")
    cost = measured.get("cost_per_1k")
    return Arm(
        label=f"{record.run_id} ({record.family})",
        run_id=record.run_id,
        p50_ms=p50,
        p95_ms=max(p95, p50),
        error_rate=float(err) if isinstance(err, int | float) else 0.0,
        predictions=preds,
        cost_per_1k=float(cost) if isinstance(cost, int | float) else None,
        latency_source=source,
    )


def _default_arm(kind: str, train_y: Any, rows: int) -> Arm:
    import numpy as np

    if kind == "regression":
        value: Any = float(np.mean(np.asarray(train_y, dtype=float)))
        label, preds = f"safe default (mean {value:.3g})", np.full(rows, value)
    else:
        classes, counts = np.unique(np.asarray(train_y).astype(str), return_counts=True)
        value = str(classes[int(np.argmax(counts))])
        label, preds = f"safe default (always '{value}')", np.full(rows, value, dtype=object)
    return Arm(label, None, 0.01, 0.02, 0.0, preds, None, "a rule: no model")


def prepare_arms(
    ws: Workspace, slug: str, policy: RolloutPolicy, *, traffic: str | None = None
) -> Arms:
    """Resolve and score both arms on the traffic; cached by model files and traffic."""
    control = resolve_control(ws, slug, policy.control)
    candidate = resolve_candidate(
        ws, slug, policy.candidate, besides=control.run_id if control else None
    )
    if control is not None and control.run_id == candidate.run_id:
        if policy.control not in ("", "champion"):
            raise _policy_problem(
                ws, slug, "control", "the control is the candidate itself", "pick another run"
            )
        # Rolling out the champion itself: measure it against the safe default rule.
        control = None
    ref = traffic or policy.traffic or str(candidate.dataset.get("ref") or "")
    if not ref:
        raise _policy_problem(
            ws, slug, "traffic", "no traffic to rehearse on", "name a dataset version, e.g. x@v1"
        )
    key = (
        str(ws.root),
        slug,
        _stamp(candidate.model_path),
        _stamp(control.model_path if control else None),
        ref,
        policy.traffic_rows,
        policy.kpi_tolerance,
        policy.needs_labels(),
    )
    if key in _CACHE:
        return _CACHE[key]
    data, _, feed, train_y = _load_traffic(ws, slug, policy, candidate, ref)
    cand = _score(candidate, feed, len(data))
    ctrl = (
        _default_arm(data.kind, train_y, len(data))
        if control is None
        else _score(control, feed, len(data))
    )
    arms = Arms(cand, ctrl, data)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = arms
    return arms


def _stamp(path: Path | None) -> tuple[str, int, int] | None:
    if path is None:
        return None
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)
