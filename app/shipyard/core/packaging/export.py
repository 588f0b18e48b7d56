"""Export a signed model package: a folder and a deterministic .zip of it.

The run is the one `training.selection.choose_run` picks (the one asked for, else the
champion, else the best exportable run by the primary metric). `export_package` signs only
when the model file, the run record and the gate report agree on one sha256: a model.onnx
changed after training, or a gate report of other bytes or of another run, is refused with
no way around it. A run whose gates are missing or failed is refused unless the caller gives
an override reason (it goes to the audit log, the manifest and the card). The card's
machine-written parts are rewritten from that run and gate report (`model_card.refresh_card`),
so the card agrees with the gate_report.json beside it. The package is built in a hidden
folder next to its destination and renamed into place last, so a failed or cancelled export
leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import JobControl
from shipyard.core.packaging.digests import sha256_bytes, sha256_file
from shipyard.core.workspace.atomic import atomic_write_bytes, fsync_dir, staged_folder
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import (
    CARD_FILE,
    GATE_REPORT_FILE,
    MODEL_FILE,
    PACKAGE_FLAGS_FILE,
    ROLLOUT_FILE,
    SIGNATURE_FILE,
)
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    from shipyard.core.workspace.recovery import AuditIntent

EXPORTS_DIR = "exports"
FLAGD_SCHEMA = "https://flagd.dev/schema/v0/flags.json"


@dataclass
class PackageResult:
    folder: Path
    zip_path: Path
    project: str
    run_id: str
    key_id: str
    model_sha256: str
    zip_sha256: str
    files: dict[str, str]
    gate_verdict: str
    override_reason: str | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    used_real_rollout: bool = False
    why: str = ""  # which rule picked the run, for people ("the champion 2026…")


def package_name(slug: str, run_id: str) -> str:
    return f"{slug}-{run_id}"


def _short(sha: str) -> str:
    return f"{sha[:12]}…" if sha else "none"


def _failed_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for c in report.get("checks", [])
        if isinstance(c, dict) and c.get("required") and c.get("verdict") == "fail"
    ]


def _check_line(check: dict[str, Any]) -> str:
    unit = f" {check['unit']}" if check.get("unit") else ""
    value, limit = check.get("value"), check.get("threshold")
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    said = f" ({check['message']})" if check.get("message") else ""
    if limit is None:
        return f"{check.get('title') or check.get('id')}: {shown}{unit}{said}"
    return f"{check.get('title') or check.get('id')}: {shown}{unit}, threshold {limit}{unit}{said}"


def gate_status(run: Any, model_sha: str) -> tuple[dict[str, Any] | None, str]:
    """(report, problem) — problem is '' when the run's gates passed on these exact bytes."""
    from shipyard.core.packaging.sources import gate_report_path, read_gate_report

    try:
        report = read_gate_report(run)
    except ShipyardError as exc:
        return None, str(exc)
    where = gate_report_path(run)
    if report is None:
        return None, f"run {run.run_id} has not been gated ({where.name} is missing)"
    if report.get("run_id") not in (None, run.run_id):
        return report, f"{where.name} is the gate report of run {report.get('run_id')}"
    if report.get("model_sha256") != model_sha:
        return report, (
            f"the gate report measured other model bytes (sha256 "
            f"{_short(str(report.get('model_sha256') or ''))}, model.onnx is {_short(model_sha)})"
        )
    if not report.get("passed"):
        failed = [str(c.get("title") or c.get("id")) for c in _failed_checks(report)]
        return report, "the gates did not pass" + (f": {', '.join(failed)}" if failed else "")
    return report, ""


@dataclass
class ExportStatus:
    """Whether a run can be packaged: `blocker` stops it for good (the hashes disagree);
    `problem` (gates missing or failed) can be overridden with an audited reason."""

    report: dict[str, Any] | None
    model_sha256: str
    blocker: ShipyardError | None
    problem: str
    fix: str  # the command that clears `problem` ('' when there is none)


def export_status(ws: Workspace, slug: str, run: Any) -> ExportStatus:
    """Check that file, run record and gate report agree on one sha256, and the gates."""
    from shipyard.core.packaging.sources import gate_report_path

    root = ws.root
    gate_again = f"run the gates again: shipyard gate {root} {slug} --run {run.run_id}"
    if run.model_path is None or not run.model_path.is_file():
        problem = run.export_problem or "model.onnx is missing"
        return ExportStatus(None, "", ShipyardError(
            f"run {run.run_id} has no exportable model: {problem}",
            file=run.model_path or run.folder,
            fix=f"export a run whose ONNX model passed the parity check (see shipyard runs "
            f"list {root} {slug}), or train again: shipyard train {root} {slug}",
        ), "", "")  # fmt: skip
    model_sha = sha256_file(run.model_path)
    recorded = str(getattr(run, "model_sha256", "") or "")
    if recorded and recorded != model_sha:
        return ExportStatus(None, model_sha, ShipyardError(
            f"model.onnx was changed after training: its sha256 is {_short(model_sha)} but "
            f"run.json records {_short(recorded)} for run {run.run_id}",
            file=run.model_path,
            fix=f"model.onnx was changed after training: retrain (shipyard train {root} "
            f"{slug}) and gate the new run, or put back the file the run recorded",
        ), "", "")  # fmt: skip
    report, problem = gate_status(run, model_sha)
    where = gate_report_path(run)
    if report is not None and report.get("run_id") not in (None, run.run_id):
        blocker = ShipyardError(
            f"cannot export run {run.run_id}: {where.name} in its folder is the gate report "
            f"of run {report.get('run_id')}",
            file=where,
            fix=gate_again,
        )
        return ExportStatus(report, model_sha, blocker, problem, "")
    if report is not None and report.get("model_sha256") != model_sha:
        # With a recorded hash the file is the trained one, so the report is stale; without
        # one (a run recorded before hashes were kept) the file may have been replaced too.
        unsure = (
            ""
            if recorded
            else f"; if model.onnx was replaced after training, put back the trained file "
            f"or retrain (shipyard train {root} {slug})"
        )
        blocker = ShipyardError(
            f"cannot export run {run.run_id}: {problem}; the package would sign a verdict "
            "about other bytes",
            file=where,
            fix=gate_again + unsure,
        )
        return ExportStatus(report, model_sha, blocker, problem, "")
    if not problem:
        return ExportStatus(report, model_sha, None, "", "")
    override = "or export anyway with --override-gates REASON (the reason is audited)"
    if report is None and where.is_file():  # damaged: read_gate_report said why
        fix = f"{gate_again}; {override}"
    elif report is None:
        fix = f"run the gates: shipyard gate {root} {slug} --run {run.run_id}; {override}"
    else:
        fix = (
            "the gates already ran on these bytes and failed, so running them again will not "
            f"change the verdict: improve the model (shipyard train {root} {slug}) or review "
            f"the policy (projects/{slug}/gates.yaml), then gate again; {override}"
        )
    return ExportStatus(report, model_sha, None, problem, fix)


def _refusal(run: Any, status: ExportStatus, where: Path) -> ShipyardError:
    detail = status.problem
    failed = _failed_checks(status.report) if status.report is not None else []
    if failed:
        detail = "the gates did not pass: " + "; ".join(_check_line(c) for c in failed)
    return ShipyardError(f"cannot export run {run.run_id}: {detail}", file=where, fix=status.fix)


def _rollout_yaml(ws: Workspace, slug: str, run_id: str) -> tuple[str, bool]:
    """The rollout.yaml to ship with run `run_id`: the project's policy (else the default)
    with candidate and control pinned to the runs it rehearses, so the file says which
    model it is about. A broken policy must not ship: ValidationFailed names it."""
    from shipyard.core.rollout.packaged import packaged_rollout_yaml

    return packaged_rollout_yaml(ws, slug, run_id), True


def _flags_json(ws: Workspace, slug: str) -> tuple[dict[str, Any], bool]:
    try:
        from shipyard.core.rollout.flags import flagd_document
    except ImportError:
        return {"$schema": FLAGD_SCHEMA, "flags": {}}, False
    return flagd_document(ws, slug), True


def _active_key_fix(ws: Workspace, slug: str, active: Any) -> str:
    if active is None:
        return f"make a new key: shipyard keys generate {ws.root}"
    return (
        f"sign with the active key {active.key_id}: leave out --key "
        f"(shipyard export {ws.root} {slug})"
    )


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()


@dataclass
class _Checked:
    """A run that may be packaged: its bytes, its gate report, and the override if any."""

    title: str  # the project's
    run: Any
    why: str  # which rule picked the run
    model_bytes: bytes
    model_sha: str
    report: dict[str, Any] | None
    problem: str  # why the gates do not vouch for these bytes ('' when they do)
    reason: str | None  # the override reason


@dataclass
class _Files:
    """The package's files by name, their sha256, and what building them found."""

    contents: dict[str, bytes]
    digests: dict[str, str]
    report: dict[str, Any]  # the packaged gate report (a placeholder when not gated)
    warnings: list[str]
    real_rollout: bool


def export_package(
    ws: Workspace,
    slug: str,
    *,
    run_id: str | None = None,
    out_dir: Path | None = None,
    user: str,
    key_id: str | None = None,
    override_reason: str | None = None,
    passphrase: str | None = None,
    job: JobControl | None = None,
) -> PackageResult:
    """Build, sign and zip the package of `run_id` (default: the run `choose_run` picks)."""
    from shipyard.core.signing.audit_seal import try_seal

    started = time.perf_counter()
    job = job or JobControl()
    job.progress(0.0, "checking the run and its gates")
    checked = _check_run(ws, slug, run_id, override_reason)
    key, private = _signing_key(ws, slug, key_id, passphrase)
    job.progress(0.2, "writing the files")
    files = _package_files(ws, slug, checked, key, private, user)
    out = Path(out_dir) if out_dir else ws.root / EXPORTS_DIR
    final, zip_path, intent = _write_package(ws, slug, out, checked, key, files, private, user, job)
    zip_sha = sha256_file(zip_path)
    crash_point("export.before_audit")
    _audit_export(ws, slug, checked, key, files.report, zip_path, zip_sha, user)
    intent.done()
    try_seal(ws, user=user, key_id=key.key_id, private_key=private)  # the export, sealed
    job.progress(1.0, f"exported {zip_path.name}")
    return PackageResult(
        folder=final,
        zip_path=zip_path,
        project=slug,
        run_id=checked.run.run_id,
        key_id=key.key_id,
        model_sha256=checked.model_sha,
        zip_sha256=zip_sha,
        files=dict(sorted(files.digests.items())),
        gate_verdict=str(files.report.get("verdict")),
        override_reason=checked.reason,
        seconds=round(time.perf_counter() - started, 3),
        warnings=files.warnings,
        used_real_rollout=files.real_rollout,
        why=checked.why,
    )


def _check_run(
    ws: Workspace, slug: str, run_id: str | None, override_reason: str | None
) -> _Checked:
    """The run to package, refused unless its bytes, record and gate report agree and its
    gates passed (or an override reason is given)."""
    from shipyard.core.packaging.sources import gate_report_path
    from shipyard.core.training.selection import choose_run

    entry = ws.project(slug)
    choice = choose_run(ws, slug, run_id)
    run = choice.run
    status = export_status(ws, slug, run)
    if status.blocker is not None:
        raise status.blocker
    assert run.model_path is not None  # export_status refused a run without a model file
    model_bytes = run.model_path.read_bytes()
    model_sha = sha256_bytes(model_bytes)
    if model_sha != status.model_sha256:  # changed between the check and the read
        raise ShipyardError(
            "model.onnx changed while the package was being made",
            file=run.model_path,
            fix="export again when nothing is writing to the run's folder",
        )
    reason = (override_reason or "").strip() or None
    if status.problem and not reason:
        raise _refusal(run, status, gate_report_path(run))
    return _Checked(
        entry.title, run, choice.why, model_bytes, model_sha, status.report, status.problem, reason
    )


def _signing_key(
    ws: Workspace, slug: str, key_id: str | None, passphrase: str | None
) -> tuple[Any, Any]:
    """(key, private key) to sign with: the one asked for, else the active one."""
    from shipyard.core.signing import keys

    key = keys.get_key(ws, key_id) if key_id else keys.active_key(ws)
    if key is None:
        raise ShipyardError(
            "the workspace has no signing key",
            file=keys.keys_dir(ws),
            fix=f"generate one: shipyard keys generate {ws.root} (or Keys… in the Package tab)",
        )
    if key.status != keys.ACTIVE:
        raise ShipyardError(
            f"the signing key '{key.key_id}' was retired",
            fix=_active_key_fix(ws, slug, keys.active_key(ws)),
        )
    ws.audit.ensure_appendable()
    return key, keys.load_private_key(ws, key.key_id, passphrase)


def _package_files(
    ws: Workspace, slug: str, checked: _Checked, key: Any, private: Any, user: str
) -> _Files:
    """Every file of the package but the signature, the manifest last."""
    from shipyard.core.packaging.serving_template import README_FILE, readme_text, serving_files
    from shipyard.core.signing.audit_seal import seal_json, try_seal
    from shipyard.core.workspace.layout import AUDIT_SEAL_FILE, MANIFEST_FILE

    run, reason = checked.run, checked.reason
    warnings: list[str] = []
    if reason:
        warnings.append(f"exported with a gate override: {reason}")
    report = checked.report
    if report is None:
        report = {
            "format": 1, "project": slug, "run_id": run.run_id, "model_sha256": None,
            "passed": False, "verdict": "fail", "checks": [],
            "message": "not gated: exported with an override",
        }  # fmt: skip
    card = _packaged_card(ws, slug, checked, warnings)
    rollout, real_rollout = _rollout_yaml(ws, slug, run.run_id)
    flags, real_flags = _flags_json(ws, slug)
    # The package carries a seal of the audit log as it stood at export time, signed with
    # the package's key: the workspace's history up to this export can be checked later.
    seal, _why_not = try_seal(ws, user=user, key_id=key.key_id, private_key=private)
    contents: dict[str, bytes] = {
        **({AUDIT_SEAL_FILE: seal_json(seal)} if seal is not None else {}),
        MODEL_FILE: checked.model_bytes,
        CARD_FILE: card.encode("utf-8"),
        GATE_REPORT_FILE: _json(report),
        ROLLOUT_FILE: rollout.encode("utf-8"),
        PACKAGE_FLAGS_FILE: _json(flags),
        **serving_files(),
    }
    contents[README_FILE] = readme_text(
        {
            "package": {"name": slug, "version": run.run_id, "title": checked.title},
            "inputs": [{"name": f} for f in _features(run)],
            "signature": {"key_id": key.key_id},
        }
    ).encode("utf-8")
    digests = {fname: sha256_bytes(data) for fname, data in contents.items()}
    contents[MANIFEST_FILE] = _manifest(checked, key, report, digests)
    digests[MANIFEST_FILE] = sha256_bytes(contents[MANIFEST_FILE])
    return _Files(contents, digests, report, warnings, real_rollout and real_flags)


def _packaged_card(ws: Workspace, slug: str, checked: _Checked, warnings: list[str]) -> str:
    """The project's model card with its machine-written parts rewritten from this run and
    gate report (a generated card when the project has none); notes go to `warnings`."""
    from shipyard.core.gates import model_card_rules
    from shipyard.core.packaging.model_card import (
        CardFacts,
        generate_card,
        read_card,
        refresh_card,
        stored_rehearsal,
    )

    run = checked.run
    facts = CardFacts(
        run, checked.model_sha, checked.report, stored_rehearsal(run), checked.reason, str(ws.root)
    )
    card = read_card(ws, slug)
    if card is None:
        card = generate_card(ws, slug, facts=facts)
        warnings.append("the project has no model card yet; a generated card was packaged")
    else:
        card, notes = refresh_card(ws, slug, card, facts)
        warnings += [f"model card: {n}" for n in notes]
    warnings += [f"model card: {p}" for p in model_card_rules.card_problems(card)]
    return card


def _manifest(
    checked: _Checked, key: Any, report: dict[str, Any], digests: dict[str, str]
) -> bytes:
    """manifest.json: the run, the files' digests, the gate verdict and the signer."""
    from shipyard import __version__
    from shipyard.core.packaging.manifest import build_manifest, manifest_bytes

    run = checked.run
    gate = {
        "verdict": report.get("verdict"),
        "passed": bool(report.get("passed")) and not checked.problem,
        "report_sha256": digests[GATE_REPORT_FILE],
        "override": checked.reason,
        "problem": checked.problem or None,
    }
    signer = {"key_id": key.key_id, "key_hint": key.hint}
    manifest = build_manifest(
        run,
        title=checked.title,
        model_bytes=checked.model_bytes,
        files=digests,
        gate=gate,
        signer=signer,
        tools={"shipyard": __version__, **run.versions},
    )
    return manifest_bytes(manifest)


def _write_package(
    ws: Workspace,
    slug: str,
    out: Path,
    checked: _Checked,
    key: Any,
    files: _Files,
    private: Any,
    user: str,
    job: JobControl,
) -> tuple[Path, Path, AuditIntent]:
    """Write, sign and zip the package beside `out/<name>`, then rename folder and zip into
    place: (folder, zip, the audit intent the export now owes). A failure or a cancel before
    the renames leaves nothing behind."""
    from shipyard.core.packaging.archive import write_zip
    from shipyard.core.signing.model_signing import build_statement, sign_statement
    from shipyard.core.workspace.recovery import audit_intent

    run, reason = checked.run, checked.reason
    name = package_name(slug, run.run_id)
    out.mkdir(parents=True, exist_ok=True)
    final, zip_path = out / name, out / f"{name}.zip"
    building = out / f".{name}.zip.building"
    try:
        with staged_folder(final) as staged:
            for fname, data in files.contents.items():
                atomic_write_bytes(staged.path / fname, data)
            job.progress(0.6, "signing")
            statement = build_statement(name, files.digests)
            atomic_write_bytes(staged.path / SIGNATURE_FILE, sign_statement(private, statement))
            crash_point("export.signed")
            job.progress(0.75, "zipping")
            write_zip(staged.path, sorted([*files.contents, SIGNATURE_FILE]), building)
            job.check()
            # The entry this commit owes, written first: a kill between the rename and the
            # audit line leaves it for recovery to log.
            intent = audit_intent(ws, zip_path, "package.export", f"{slug}/{run.run_id}",
                                  user=user, reason=reason or "",
                                  details={"zip": zip_path.name, "model_sha256": checked.model_sha,
                                           "key_id": key.key_id})  # fmt: skip
            staged.commit(crash_at="export.between_renames")
            crash_point("export.before_zip")
            os.replace(building, zip_path)
            fsync_dir(out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(building)
        raise
    return final, zip_path, intent


def _audit_export(
    ws: Workspace,
    slug: str,
    checked: _Checked,
    key: Any,
    report: dict[str, Any],
    zip_path: Path,
    zip_sha: str,
    user: str,
) -> None:
    """The audit entry of the export: the zip, the model, the key and the gate verdict."""
    problem, reason = checked.problem, checked.reason
    ws.audit.append(
        "package.export",
        f"{slug}/{checked.run.run_id}",
        user=user,
        reason=reason or "",
        details={
            "zip": zip_path.name,
            "zip_sha256": zip_sha,
            "model_sha256": checked.model_sha,
            "key_id": key.key_id,
            "gate_verdict": report.get("verdict"),
            "gate_override": bool(reason),
            **({"gate_problem": problem} if problem else {}),
        },
    )


def _features(run: Any) -> list[str]:
    task = run.task
    return [*task.get("numeric", []), *task.get("categorical", []), *task.get("text", [])]
