"""Run a project's gate policy against one run's exported model and store the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..errors import ShipyardError
from ..jobs import Cancelled, JobControl
from ..training.runs import MODEL_FILE, RunRecord, list_runs, load_run
from ..workspace import Workspace
from .checks_data import check_data_contract, check_drift, check_pii, check_slices
from .checks_model import (
    check_champion_regression,
    check_model_card,
    check_onnx_parity,
    check_quality,
)
from .checks_runtime import check_cost, check_error_rate, check_latency
from .context import GateContext, Outcome
from .policy import CHECK_TITLES, GatePolicy, cost_model, effective_policy, policy_sha256
from .report import CheckResult, GateReport, write_report

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
}


def default_run(ws: Workspace, slug: str) -> RunRecord:
    """The champion, else the latest exportable run; a clear error when there is none."""
    from ..training.champion import current_champion

    champion = current_champion(ws, slug)
    if champion is not None:
        return load_run(ws, slug, champion)
    runs = [r for r in list_runs(ws, slug) if r.exportable]
    if not runs:
        raise ShipyardError(
            f"project '{slug}' has no exportable run to gate",
            file=ws.projects_dir / slug,
            fix=f"train it first: shipyard train {ws.root} {slug}",
        )
    return runs[-1]


def _model_bytes(run: RunRecord) -> bytes:
    path = (run.folder / MODEL_FILE) if run.folder else None
    if not run.exportable:
        raise ShipyardError(
            f"run {run.run_id} has no exported model: {run.export_problem}",
            file=run.folder,
            fix="gate a run whose ONNX export passed the parity check",
        )
    if path is None or not path.is_file():
        raise ShipyardError(
            f"run {run.run_id} has lost its model file",
            file=path or run.folder,
            fix="restore model.onnx from a backup, or retrain",
        )
    return path.read_bytes()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _title(check: Any) -> str:
    if check.title:
        return check.title
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
    """Measure `run_id` (default: the champion, else the latest exportable run) against the
    project's effective policy; store `runs/<id>/gate_report.json` and audit "gates.run".

    A check that cannot be computed (a damaged contract, an unknown slice column) fails
    with the reason; a missing run, model or training dataset raises ShipyardError.
    """
    job = job or JobControl()
    entry = ws.project(slug)
    policy = policy if policy is not None else effective_policy(ws, slug)
    cost = cost_model(ws)
    job.progress(0.0, "loading the run")
    run = load_run(ws, slug, run_id) if run_id else default_run(ws, slug)
    ctx = GateContext(ws, slug, entry, run, _model_bytes(run), cost, job)
    latency = next((c for c in policy.checks if c.kind == "latency"), None)
    if latency is not None:  # the cost check may measure first; use the policy's rows
        ctx.measurements["_latency_rows"] = latency.rows
    if any(c.kind not in ("quality", "onnx_parity", "model_card") for c in policy.checks):
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
        write_report(run.folder, report)
        ws.audit.append(
            "gates.run",
            f"{slug}/{run.run_id}",
            user=user,
            details={
                "verdict": report.verdict,
                "passed": report.passed,
                "model_sha256": report.model_sha256,
                "failed": [c.id for c in results if c.verdict == "fail"],
            },
        )
    job.progress(1.0, report.summary())
    return report
