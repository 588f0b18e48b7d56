"""The two arms of a rehearsal and the traffic they answer.

`prepare_arms` resolves the policy's candidate and control (see `resolve_candidate` and
`resolve_control`: by default the champion against the champion before it, else the safe
default rule; never "the newest run") and its traffic (a dataset version, held-out rows by
default), scores the traffic once through onnxruntime and keeps the answers in a small
in-memory cache, so re-running the simulation costs no scoring.

Default traffic is rows no model was chosen on: the candidate's sealed test split (of its
training version), or all rows of another version when one is given (new data). A run on an
old two-way split has only its holdout, which the leaderboard chose on; `Traffic.rows_from`
says which rows were used, and the rehearsal reports it.

What each arm is charged with comes from the traffic it would serve and from stored
measurements, so the same inputs give the same rehearsal:
- errors: the traffic rows (valid requests, with the model's own input columns) on which
  the model raises or answers NaN. Never the gate's robustness set: its wrongly typed
  requests are rejected by the serving contract before they reach a model.
- latency: measured once per model file and kept beside the run (`core.gates.latency`,
  shared with the gate), keyed by the file's sha256.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import Problem, ShipyardError, ValidationFailed
from shipyard.core.rollout.policy import RolloutPolicy, policy_path
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

    from shipyard.core.gates.latency import LatencyResult
    from shipyard.core.gates.report import GateReport
    from shipyard.core.training.runs import RunRecord

DEFAULT_RULE = "default"
CHAMPION = "champion"
LEGACY_LATEST = "latest"  # older policies' spelling of the default candidate
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
    failed_rows: int = 0  # traffic rows the model raised on or answered NaN
    why: str = ""  # which rule picked this arm, for people

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
    rows_from: str = ""  # which rows, in words: the test split, new data, ...

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Arms:
    candidate: Arm
    control: Arm
    traffic: Traffic
    shadow: Any = None  # the ShadowReport, once computed

    def selection(self) -> dict[str, Any]:
        """Which runs the rehearsal compared and why, as `shipyard simulate --json` writes."""
        return {
            side: {
                "run_id": arm.run_id,
                "label": arm.label,
                "why": arm.why,
                "error_rate": arm.error_rate,
                "failed_rows": arm.failed_rows,
                "latency_ms": {"p50": arm.p50_ms, "p95": arm.p95_ms},
                "latency_source": arm.latency_source,
            }
            for side, arm in (("candidate", self.candidate), ("control", self.control))
        }

    def correct(self, arm: Arm) -> np.ndarray | None:
        """Per traffic row: did this arm answer right? None without labels."""
        import numpy as np

        y = self.traffic.labels
        if y is None:
            return None
        hits: np.ndarray
        if self.traffic.kind == "regression":
            hits = np.abs(arm.predictions.astype(float) - y.astype(float)) <= self.traffic.tolerance
        else:
            hits = arm.predictions.astype(str) == y.astype(str)
        return hits


def _policy_problem(
    ws: Workspace, slug: str, field: str, message: str, fix: str
) -> ValidationFailed:
    return ValidationFailed(policy_path(ws, slug), [Problem(field, message, fix=fix)])


@dataclass(frozen=True)
class Pick:
    """A resolved arm: the run (None = the safe default rule) and why it was picked."""

    run: RunRecord | None
    why: str


def resolve_candidate(ws: Workspace, slug: str, name: str) -> Pick:
    """The run to roll out: a named run; by default ("champion", also "" and the older
    "latest") the project's one rule, `selection.choose_run`: the champion, else the best
    exportable run by the primary metric."""
    from shipyard.core.training.runs import load_run
    from shipyard.core.training.selection import choose_run

    if name in ("", CHAMPION, LEGACY_LATEST):
        try:
            choice = choose_run(ws, slug)
        except ShipyardError as exc:
            raise _policy_problem(
                ws, slug, "candidate", f"the project has no exportable run to rehearse: {exc}",
                exc.fix or "train a baseline first (Models tab, or shipyard train)",
            ) from None  # fmt: skip
        why = choice.why
        if name == LEGACY_LATEST:
            why += " ('latest' is read as the champion; name a run id to rehearse another)"
        record = choice.run
    else:
        try:
            record = load_run(ws, slug, name)
        except ShipyardError as exc:
            raise _policy_problem(ws, slug, "candidate", f"no run '{name}'", exc.fix) from None
        why = f"run {name}, as the policy names it"
    if not record.exportable:
        raise _policy_problem(
            ws, slug, "candidate", f"run {record.run_id} has no usable ONNX model",
            "pick an exportable run (shipyard runs list shows them)",
        )  # fmt: skip
    return Pick(record, why)


def resolve_control(ws: Workspace, slug: str, name: str, candidate: RunRecord) -> Pick:
    """What serves the traffic the candidate does not get.

    "champion" (the default): the run the candidate would replace, i.e. the current
    champion; when the candidate is the champion itself, the champion before it
    (`selection.previous_champion`); the safe default rule when there is none. "default":
    the safe default rule. Else a run id.
    """
    from shipyard.core.training.champion import current_champion
    from shipyard.core.training.runs import load_run
    from shipyard.core.training.selection import previous_champion

    if name == DEFAULT_RULE:
        return Pick(None, "the safe default rule, as the policy asks")
    if name in ("", CHAMPION):
        champion = current_champion(ws, slug)
        if champion is None:
            return Pick(None, "the safe default rule: the project has no champion yet")
        if champion != candidate.run_id:
            name, why = champion, f"the champion {champion}, which the candidate would replace"
        else:
            before = previous_champion(ws, slug)
            if before is None:
                return Pick(
                    None, f"the safe default rule: no champion before {champion} to compare with"
                )
            name, why = before, f"the previous champion {before} (before {champion})"
    else:
        if name == candidate.run_id:
            raise _policy_problem(
                ws, slug, "control", "the control is the candidate itself",
                "pick another run, champion or default",
            )  # fmt: skip
        why = f"run {name}, as the policy names it"
    try:
        record = load_run(ws, slug, name)
    except ShipyardError as exc:
        raise _policy_problem(ws, slug, "control", f"no run '{name}'", exc.fix) from None
    if not record.exportable:
        raise _policy_problem(
            ws, slug, "control", f"run {name} has no usable ONNX model",
            "pick an exportable run, or control: default for the safe default rule",
        )  # fmt: skip
    return Pick(record, why)


def resolve_arms(ws: Workspace, slug: str, policy: RolloutPolicy) -> tuple[Pick, Pick]:
    """(candidate, control) as the policy names them, each with why."""
    candidate = resolve_candidate(ws, slug, policy.candidate)
    assert candidate.run is not None
    return candidate, resolve_control(ws, slug, policy.control, candidate.run)


def _gated_report(record: RunRecord) -> GateReport | None:
    """The run's gate report when it measured these exact model bytes (None when there is
    none, it is damaged, or it measured other bytes)."""
    from shipyard.core.gates.report import stored_report

    if record.folder is None or record.model_path is None:
        return None
    try:
        report = stored_report(record.folder)
        if report is None:
            return None
        digest = hashlib.sha256(record.model_path.read_bytes()).hexdigest()
    except (OSError, ShipyardError):
        return None
    return report if report.model_sha256 == digest else None


def read_measurements(record: RunRecord) -> dict[str, Any] | None:
    """`measurements` of the run's gate report when it measured these exact model bytes."""
    report = _gated_report(record)
    return None if report is None else report.measurements


def _spec(record: RunRecord) -> Any:
    from shipyard.core.training.task import TaskSpec

    return TaskSpec.from_record(record.task)


def _load_traffic(
    ws: Workspace, slug: str, policy: RolloutPolicy, cand: RunRecord, ctrl: RunRecord | None,
    ref: str,
) -> tuple[Traffic, dict[str, Any], Any]:  # fmt: skip
    """(traffic, per arm ("candidate", "control") its frame of the traffic rows, the
    training labels for the default rule). Each arm's frame holds its own input columns."""
    import dataclasses

    import numpy as np
    import pyarrow as pa

    from shipyard.core.data.catalog import open_relation, resolve
    from shipyard.core.data.errors import DataError
    from shipyard.core.data.split import load_split, split_relations
    from shipyard.core.sql.duck import connect
    from shipyard.core.sql.sql_text import quote_ident
    from shipyard.core.training.frame import to_frame

    spec = _spec(cand)
    ctrl_spec = _spec(ctrl) if ctrl is not None else None
    try:
        version = resolve(ws, ref)
    except DataError as exc:
        raise _policy_problem(ws, slug, "traffic", str(exc.message), exc.fix) from None
    columns = {c.name for c in version.schema} if hasattr(version, "schema") else set()
    for who, arm_spec in (("candidate", spec), ("control", ctrl_spec)):
        needed = arm_spec.features if arm_spec is not None else []
        missing = [c for c in needed if columns and c not in columns]
        if missing:
            raise _policy_problem(
                ws,
                slug,
                "traffic",
                f"{version.ref} lacks the {who}'s input columns: {', '.join(missing)}",
                f"pick a version with the columns the {who} was trained on",
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
    wanted = list(dict.fromkeys([*spec.features, *(ctrl_spec.features if ctrl_spec else [])]))
    cols = ", ".join(quote_ident(c) for c in [*wanted, *([spec.target] if labelled else [])])
    same = version.ref == cand.dataset.get("ref") and bool(cand.dataset.get("split_id"))
    con = connect()
    try:
        if same:
            split = load_split(version, cand.dataset["split_id"])
            # A sealed split's "holdout" is its test rows: no run was scored or chosen on them.
            train, hold = split_relations(version, split, con)
            parts = [hold] if policy.traffic_rows == "holdout" else [train, hold]
            rows_from = _rows_from(split, policy.traffic_rows, version.ref)
            tables = [rel.select(cols).to_arrow_table() for rel in parts]
            table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
            train_table = train.select(quote_ident(spec.target)).to_arrow_table()
        else:
            table = open_relation(version, con).select(cols).to_arrow_table()
            train_table = None
            rows_from = (
                f"new data: every row of {version.ref} (not the version the candidate was "
                "trained and chosen on)"
            )
    finally:
        con.close()
    if not labelled:
        table = table.append_column(spec.target, pa.array([0.0] * table.num_rows))
    if table.num_rows == 0:
        raise _policy_problem(ws, slug, "traffic", f"{version.ref} has no rows", "import data")
    frame = to_frame(table, spec)
    frames: dict[str, Any] = {"candidate": frame}
    if ctrl_spec is not None:
        # the candidate's labels, the control's inputs
        frames["control"] = to_frame(
            table, dataclasses.replace(ctrl_spec, target=spec.target, kind=spec.kind)
        )
    train_y = frame.y
    if train_table is not None and train_table.num_rows:
        # the candidate's training labels, converted as training converted them
        train_y = to_frame(train_table, dataclasses.replace(spec, numeric=[], categorical=[],
                                                            text=[])).y  # fmt: skip
    labels = frame.y if labelled else None
    tolerance = policy.kpi_tolerance or 0.0
    if spec.kind == "regression" and not tolerance:
        tolerance = max(1e-9, 0.5 * float(np.std(np.asarray(train_y, dtype=float))))
    traffic = Traffic(version.ref, frame.X, spec.features, labels, spec.kind, tolerance,
                      rows_from=rows_from)  # fmt: skip
    return traffic, frames, train_y


def _rows_from(split: Any, traffic_rows: str, ref: str) -> str:
    if traffic_rows != "holdout":
        return f"every row of {ref}, the training rows included (traffic_rows: all)"
    if split.sealed:
        return f"the sealed test split of {ref}: rows no model was trained or chosen on"
    return (
        f"the holdout of {ref}: an old two-way split, so the leaderboard chose on these rows "
        "too (retrain for a sealed test split)"
    )


def _model_bytes(ws: Workspace, slug: str, record: RunRecord, field: str) -> tuple[bytes, str]:
    """The run's model bytes and their sha256; a file replaced since training is refused."""
    assert record.model_path is not None
    try:
        model = record.model_path.read_bytes()
    except OSError as exc:
        raise ShipyardError(
            f"the model of run {record.run_id} cannot be read: {exc.strerror or exc}",
            file=record.model_path,
            fix=f"train the project again: shipyard train {ws.root} {slug}",
        ) from None
    digest = hashlib.sha256(model).hexdigest()
    if record.model_sha256 and record.model_sha256 != digest:
        raise ShipyardError(
            f"the {field}'s model.onnx (run {record.run_id}) is not the file recorded at "
            "training (its sha256 differs from run.json)",
            file=record.model_path,
            fix="restore the model file the run recorded, or train again and rehearse the "
            f"new run: shipyard train {ws.root} {slug}",
        )
    return model, digest


def _answers(model: bytes, frame: Any, spec: Any) -> tuple[Any, int]:
    """(one answer per traffic row, how many rows failed): a row fails when the model
    raises on it or answers NaN; its answer is then NaN (regression) or ""."""
    import numpy as np

    from shipyard.core.training.onnx_export import onnx_session

    sess = onnx_session(model)
    feed = frame.onnx_feed(spec)
    try:
        inputs = {i.name: feed[i.name] for i in sess.get_inputs()}
    except KeyError as exc:
        raise ShipyardError(
            f"the model expects an input {exc} its run record does not list",
            fix="train the run again",
        ) from None
    n = len(frame)
    regression = not spec.is_classification
    try:
        outs = sess.run(None, inputs)
        preds = np.asarray(outs[0]).reshape(-1)
        probs = np.asarray(outs[1]) if len(outs) > 1 and not regression else None
    except Exception:  # the batch failed: answer row by row to find the rows that fail
        rows = []
        for i in range(n):
            try:
                one = sess.run(None, {k: v[i : i + 1] for k, v in inputs.items()})
                rows.append(np.asarray(one[0]).reshape(-1)[0])
            except Exception:  # onnxruntime raises its own types; any raise is an error
                rows.append(np.nan if regression else "")
        preds = np.asarray(rows, dtype=float if regression else object)
        probs = None
    if regression:
        preds = preds.astype(np.float64)
        bad = ~np.isfinite(preds)
    else:
        bad = np.asarray([v is None or v == "" or (isinstance(v, float) and v != v)
                          for v in preds.tolist()], dtype=bool)  # fmt: skip
        if probs is not None and probs.dtype.kind == "f":
            bad |= np.isnan(probs.reshape(n, -1)).any(axis=1)
        preds = preds.astype(object)
        preds[bad] = ""
    return preds, int(bad.sum())


def _latency(
    model: bytes, digest: str, record: RunRecord, frame: Any, spec: Any
) -> tuple[float, float, str]:
    """(p50, p95, where they come from): the model's one stored measurement; the first time,
    the gate report's figures for these bytes or a measurement on the traffic, then stored.
    The source reads the same on the first rehearsal and every one after it."""
    from shipyard.core.gates.latency import (
        DEFAULT_ROWS,
        latency_once,
        measure_latency,
        stored_latency_info,
    )

    taken = "rehearsal"

    def measure() -> LatencyResult:
        nonlocal taken
        gated = _gate_report_latency(record)
        if gated is not None:
            taken = "gate report"
            return gated
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = 1  # as the gate measures: one request on a busy server
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        return measure_latency(sess, frame, spec, rows=DEFAULT_ROWS)

    result = latency_once(record.folder, digest, measure, measured_by=lambda: taken)
    info = stored_latency_info(record.folder, digest)
    if info is None:  # the run folder could not be written: this figure is not kept
        source = "measured now (the run folder is read-only, so it is not kept)"
    else:
        source = f"measured once ({info.get('measured_by') or 'earlier'}), kept with the run"
    return result.p50_ms, result.p95_ms, source


def _gate_report_latency(record: RunRecord) -> LatencyResult | None:
    """The latency the gate report measured on these exact model bytes, as a LatencyResult
    (the latency check's evidence when present, else the report's p50/p95/p99)."""
    from shipyard.core.gates.latency import LatencyResult

    report = _gated_report(record)
    if report is None:
        return None
    try:
        ev = next((c.evidence or {} for c in report.checks if c.kind == "latency"), {})
        if isinstance(ev, dict) and "p50_ms" in ev and "calls" in ev:
            return LatencyResult.from_json(ev)
        lat = report.measurements["latency_ms"]
        p50, p95, p99 = (float(lat[k]) for k in ("p50", "p95", "p99"))
    except (ValueError, KeyError, TypeError):
        return None
    # figures without the timed calls: a gate asking for its rows measures again
    return LatencyResult(0, p50, p95, p99, p50, p99, 0.0, 0, ())


def _score(
    ws: Workspace, slug: str, record: RunRecord, frame: Any, spec: Any, field: str, why: str
) -> Arm:
    """Answers for every traffic row; errors from the rows the model fails on; latency
    measured once per model file."""
    model, digest = _model_bytes(ws, slug, record, field)
    preds, failed = _answers(model, frame, spec)
    p50, p95, source = _latency(model, digest, record, frame, spec)
    cost = (read_measurements(record) or {}).get("cost_per_1k")
    return Arm(
        label=f"{record.run_id} ({record.family})",
        run_id=record.run_id,
        p50_ms=p50,
        p95_ms=max(p95, p50),
        error_rate=failed / len(frame) if len(frame) else 0.0,
        predictions=preds,
        cost_per_1k=float(cost) if isinstance(cost, int | float) else None,
        latency_source=source,
        failed_rows=failed,
        why=why,
    )


def _default_arm(kind: str, train_y: Any, rows: int, why: str) -> Arm:
    import numpy as np

    if kind == "regression":
        value: Any = float(np.mean(np.asarray(train_y, dtype=float)))
        label, preds = f"safe default (mean {value:.3g})", np.full(rows, value)
    else:
        classes, counts = np.unique(np.asarray(train_y).astype(str), return_counts=True)
        value = str(classes[int(np.argmax(counts))])
        label, preds = f"safe default (always '{value}')", np.full(rows, value, dtype=object)
    return Arm(label, None, 0.01, 0.02, 0.0, preds, None, "a rule: no model", 0, why)


def prepare_arms(
    ws: Workspace, slug: str, policy: RolloutPolicy, *, traffic: str | None = None
) -> Arms:
    """Resolve and score both arms on the traffic; cached by model files and traffic."""
    cand_pick, ctrl_pick = resolve_arms(ws, slug, policy)
    candidate, control = cand_pick.run, ctrl_pick.run
    assert candidate is not None
    ref = traffic or policy.traffic or str(candidate.dataset.get("ref") or "")
    if not ref:
        raise _policy_problem(
            ws, slug, "traffic", "no traffic to rehearse on", "name a dataset version, e.g. x@v1"
        )
    from shipyard.core.workspace.layout import LATENCY_FILE

    def cache_key() -> tuple[Any, ...]:
        # the stored latencies are part of the key: a gate that measures again is seen
        return (
            str(ws.root),
            slug,
            _stamp(candidate.model_path),
            _stamp(control.model_path if control else None),
            _stamp(candidate.folder / LATENCY_FILE if candidate.folder else None),
            _stamp(control.folder / LATENCY_FILE if control and control.folder else None),
            cand_pick.why,
            ctrl_pick.why,
            ref,
            policy.traffic_rows,
            policy.kpi_tolerance,
            policy.needs_labels(),
        )

    key = cache_key()
    if key in _CACHE:
        cached: Arms = _CACHE[key]
        return cached
    data, frames, train_y = _load_traffic(ws, slug, policy, candidate, control, ref)
    cand = _score(ws, slug, candidate, frames["candidate"], _spec(candidate), "candidate",
                  cand_pick.why)  # fmt: skip
    if control is None:
        ctrl = _default_arm(data.kind, train_y, len(data), ctrl_pick.why)
    else:
        ctrl = _score(ws, slug, control, frames["control"], _spec(control), "control",
                      ctrl_pick.why)  # fmt: skip
    arms = Arms(cand, ctrl, data)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[cache_key()] = arms  # after scoring: the first rehearsal stores the latencies
    return arms


def _stamp(path: Path | None) -> tuple[str, int, int] | None:
    if path is None or not path.exists():
        return None
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)
