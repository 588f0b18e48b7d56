"""Run a project's gate policy against one run's exported model and store the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.checks_data import (
    check_data_contract,
    check_drift,
    check_pii,
    check_slices,
)
from shipyard.core.gates.checks_model import (
    check_baseline,
    check_champion_regression,
    check_model_card,
    check_onnx_parity,
    check_quality,
)
from shipyard.core.gates.checks_runtime import check_cost, check_error_rate, check_latency
from shipyard.core.gates.context import GateContext, Outcome
from shipyard.core.gates.policy import (
    CHECK_TITLES,
    GatePolicy,
    cost_model,
    effective_policy,
    policy_sha256,
    with_required,
)
from shipyard.core.gates.report import (
    CheckResult,
    GateReport,
    report_path,
    report_text,
    write_report,
)
from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.training.runs import RunRecord
from shipyard.core.training.selection import choose_run
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import MODEL_FILE
from shipyard.core.workspace.recovery import audit_intent
from shipyard.core.workspace.workspace import Workspace

CheckFn = Callable[[GateContext, Any], Outcome]
CHECKS: dict[str, CheckFn] = {
    "quality": check_quality,
    "onnx_parity": check_onnx_parity,
    "latency": check_latency,
    "error_rate": check_error_rate,
    "cost": check_cost,
    "model_card": check_model_card,
    "pii": check_pii,
    "data_contract": check_data_contract,
    "drift": check_drift,
    "slices": check_slices,
    "champion_regression": check_champion_regression,
    "baseline": check_baseline,
}


def default_run(ws: Workspace, slug: str) -> RunRecord:
    """`choose_run(ws, slug).run`, kept for the gate benchmark; new code calls
    `core.training.selection.choose_run`, which also says why it chose the run."""
    return choose_run(ws, slug).run


def _model_bytes(run: RunRecord, ws: Workspace | None = None) -> bytes:
    """The exact bytes of the run's model.onnx: refused when there is none, or when they
    are not the bytes training recorded (what is gated is the file that ships)."""
    import hashlib

    root, slug = (ws.root if ws is not None else "WORKSPACE"), run.project
    path = (run.folder / MODEL_FILE) if run.folder else None
    if not run.exportable:
        raise ShipyardError(
            f"run {run.run_id} has no exported model: {run.export_problem}",
            file=run.folder,
            fix=f"gate a run marked exportable (ONNX ok) in: shipyard runs list {root} {slug}",
        )
    if path is None or not path.is_file():
        raise ShipyardError(
            f"run {run.run_id} has lost its model file",
            file=path or run.folder,
            fix=f"restore model.onnx from a backup, or retrain: shipyard train {root} {slug}",
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if run.model_sha256 and digest != run.model_sha256:
        raise ShipyardError(
            f"model.onnx was changed after training: its sha256 is {digest[:16]}…, run.json "
            f"of run {run.run_id} records {run.model_sha256[:16]}…",
            file=path,
            fix="restore the original model.onnx from a backup, or retrain: "
            f"shipyard train {root} {slug}",
        )
    return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _title(check: Any) -> str:
    if check.title:
        return str(check.title)
    if check.kind == "quality":
        return f"Quality: {check.metric}"
    if check.kind == "slices":
        return f"Slice gap by {check.column}"
    return CHECK_TITLES[check.kind]


def _verdict(outcome: Outcome, required: bool) -> str:
    if outcome.ok is True:
        return "pass"
    if outcome.ok is None or not required:
        return "warn"
    return "fail"


def run_gates(
    ws: Workspace,
    slug: str,
    run_id: str | None = None,
    *,
    user: str,
    job: JobControl | None = None,
    policy: GatePolicy | None = None,
    save: bool = True,
) -> GateReport:
    """Measure `run_id` (default: `choose_run`'s, the champion else the best exportable run)
    against the project's effective policy; store `runs/<id>/gate_report.json` and audit
    "gates.run".

    The quality checks that are always in effect (the one-pager's target, beating the dummy
    baseline) are added to any policy given. A model file whose sha256 is not the one run.json
    recorded is refused. A check that cannot be computed (a damaged contract, an unknown
    slice column) fails with the reason; a missing run, model or training dataset raises
    ShipyardError.
    """
    job = job or JobControl()
    entry = ws.project(slug)
    policy = with_required(policy if policy is not None else effective_policy(ws, slug), ws, slug)
    cost = cost_model(ws)
    job.progress(0.0, "loading the run")
    run = choose_run(ws, slug, run_id).run
    ctx = GateContext(ws, slug, entry, run, _model_bytes(run, ws), cost, job, user=user)
    latency = next((c for c in policy.checks if c.kind == "latency"), None)
    if latency is not None:  # the cost check may measure first; use the policy's rows
        ctx.measurements["_latency_rows"] = latency.rows
    job.progress(0.03, "loading the holdout")
    ctx.frames  # noqa: B018  (a missing dataset stops here, with a clear message)
    results: list[CheckResult] = []
    total = max(len(policy.checks), 1)
    for i, check in enumerate(policy.checks):
        job.progress(0.05 + 0.9 * i / total, f"checking {check.key}")
        try:
            outcome = CHECKS[check.kind](ctx, check)
        except Cancelled:
            raise
        except ShipyardError as exc:
            outcome = Outcome(False, None, None, "", f"could not check: {exc}", {})
        except Exception as exc:  # fail closed: a check that breaks never passes a model
            outcome = Outcome(
                False, None, None, "", f"could not check: {type(exc).__name__}: {exc}", {}
            )
        results.append(
            CheckResult(
                id=check.key,
                kind=check.kind,
                title=_title(check),
                required=check.required,
                verdict=_verdict(outcome, check.required),
                value=outcome.value,
                threshold=outcome.threshold,
                unit=outcome.unit,
                message=outcome.message,
                evidence=outcome.evidence,
            )
        )
    job.check()
    measurements = {k: v for k, v in ctx.measurements.items() if not k.startswith("_")}
    report = GateReport(
        project=slug,
        run_id=run.run_id,
        model_sha256=ctx.model_sha256,
        policy_sha256=policy_sha256(policy, cost),
        created=_now(),
        user=user,
        checks=results,
        measurements=measurements,
    )
    if save and run.folder is not None:
        job.progress(0.97, "writing the report")
        ws.audit.ensure_appendable()
        details = {
            "verdict": report.verdict,
            "passed": report.passed,
            "model_sha256": report.model_sha256,
            "failed": [c.id for c in results if c.verdict == "fail"],
        }
        target = f"{slug}/{run.run_id}"
        intent = audit_intent(ws, report_path(run.folder), "gates.run", target, user=user,
                              details=details, content=report_text(report).encode("utf-8"))  # fmt: skip
        crash_point("gate.before_report")
        write_report(run.folder, report)
        crash_point("gate.before_audit")
        ws.audit.append("gates.run", target, user=user, details=details)
        intent.done()
        from shipyard.core.signing.audit_seal import try_seal

        # Seal the log with this verdict in it when a key can sign without asking (a
        # passphrase-protected key or none, as in CI: the log stays hash-chained only).
        try_seal(ws, user=user)
    job.progress(1.0, report.summary())
    return report
