"""Export a signed model package: a folder and a deterministic .zip of it.

`export_package` refuses a run whose gate report is missing, failed, or measured other
model bytes, unless the caller gives an override reason (it goes to the audit log and the
manifest). The package is built in a hidden folder next to its destination and renamed into
place last, so a failed or cancelled export leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes, fsync_dir
from ..errors import ShipyardError
from ..jobs import JobControl
from ..workspace import Workspace
from . import SIGNATURE_FILE
from .digests import sha256_bytes, sha256_file

MODEL_FILE = "model.onnx"
CARD_FILE = "model_card.md"
GATE_FILE = "gate_report.json"
ROLLOUT_FILE = "rollout.yaml"
FLAGS_FILE = "flags.flagd.json"
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


def package_name(slug: str, run_id: str) -> str:
    return f"{slug}-{run_id}"


def gate_status(run: Any, model_sha: str) -> tuple[dict[str, Any] | None, str]:
    """(report, problem) — problem is '' when the run's gates passed on these exact bytes."""
    from .sources import gate_report_path, read_gate_report

    try:
        report = read_gate_report(run)
    except ShipyardError as exc:
        return None, str(exc)
    where = gate_report_path(run)
    if report is None:
        return None, f"run {run.run_id} has not been gated ({where.name} is missing)"
    if report.get("model_sha256") != model_sha:
        return report, (
            f"the gate report measured other model bytes (sha256 "
            f"{str(report.get('model_sha256'))[:12]}…, model.onnx is {model_sha[:12]}…)"
        )
    if not report.get("passed"):
        failed = [
            str(c.get("title") or c.get("id"))
            for c in report.get("checks", [])
            if isinstance(c, dict) and c.get("required") and c.get("verdict") == "fail"
        ]
        return report, "the gates did not pass" + (f": {', '.join(failed)}" if failed else "")
    return report, ""


def _rollout_yaml(ws: Workspace, slug: str) -> tuple[str, bool]:
    path = ws.projects_dir / slug / "rollout.yaml"
    try:
        from ..rollout.policy import default_rollout_yaml, parse_policy
    except ImportError:  # an install without the rollout engine: ship the file as written
        if path.is_file():
            return path.read_text("utf-8"), False
        return f"# No rollout policy written for {slug} yet.\nphases: []\n", False
    if path.is_file():
        text = path.read_text("utf-8")
        parse_policy(text, path)  # a broken policy must not ship: ValidationFailed names it
        return text, True
    return default_rollout_yaml(slug), True


def _flags_json(ws: Workspace, slug: str) -> tuple[dict[str, Any], bool]:
    try:
        from ..rollout.flags import flagd_document
    except ImportError:
        return {"$schema": FLAGD_SCHEMA, "flags": {}}, False
    return flagd_document(ws, slug), True


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()


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
    """Build, sign and zip the package of `run_id` (default: champion, else newest run)."""
    from .. import model_card_rules
    from . import keys
    from .archive import write_zip
    from .manifest import MANIFEST_FILE, build_manifest, manifest_bytes
    from .model_card import generate_card, read_card
    from .serving_template import README_FILE, readme_text, serving_files
    from .signing import build_statement, sign_statement
    from .sources import pick_run

    started = time.perf_counter()
    job = job or JobControl()
    job.progress(0.0, "checking the run and its gates")
    entry = ws.project(slug)
    run = pick_run(ws, slug, run_id)
    if run.model_path is None or not run.model_path.is_file():
        raise ShipyardError(
            f"run {run.run_id} has no exportable model: {run.export_problem or 'model.onnx is missing'}",
            file=run.folder,
            fix="export a run whose ONNX model passed the parity check",
        )
    model_bytes = run.model_path.read_bytes()
    model_sha = sha256_bytes(model_bytes)
    report, problem = gate_status(run, model_sha)
    reason = (override_reason or "").strip() or None
    if problem and not reason:
        raise ShipyardError(
            f"cannot export run {run.run_id}: {problem}",
            file=run.folder,
            fix="run the gates on this run (shipyard gate), or export with an override reason "
            "(--override-gates REASON) that goes to the audit log",
        )
    key = keys.get_key(ws, key_id) if key_id else keys.active_key(ws)
    if key is None:
        raise ShipyardError(
            "the workspace has no signing key",
            file=keys.keys_dir(ws),
            fix="generate one: shipyard keys generate WORKSPACE (or Keys… in the Package tab)",
        )
    if key.status != keys.ACTIVE:
        raise ShipyardError(
            f"the signing key '{key.key_id}' was retired",
            fix=f"sign with the active key ({getattr(keys.active_key(ws), 'key_id', 'none')})",
        )
    ws.audit.ensure_appendable()
    private = keys.load_private_key(ws, key.key_id, passphrase)
    job.progress(0.2, "writing the files")

    warnings: list[str] = []
    card = read_card(ws, slug)
    if card is None:
        card = generate_card(ws, slug, run.run_id)
        warnings.append("the project has no model card yet; a generated card was packaged")
    elif run.run_id not in card:
        warnings.append(f"the project's model card does not mention run {run.run_id}")
    warnings += [f"model card: {p}" for p in model_card_rules.card_problems(card)]
    if reason:
        warnings.append(f"exported with a gate override: {reason}")
    if report is None:
        report = {
            "format": 1, "project": slug, "run_id": run.run_id, "model_sha256": None,
            "passed": False, "verdict": "fail", "checks": [],
            "message": "not gated: exported with an override",
        }  # fmt: skip
    rollout, real_rollout = _rollout_yaml(ws, slug)
    flags, real_flags = _flags_json(ws, slug)
    contents: dict[str, bytes] = {
        MODEL_FILE: model_bytes,
        CARD_FILE: card.encode("utf-8"),
        GATE_FILE: _json(report),
        ROLLOUT_FILE: rollout.encode("utf-8"),
        FLAGS_FILE: _json(flags),
        **serving_files(),
    }
    name = package_name(slug, run.run_id)
    contents[README_FILE] = readme_text(
        {
            "package": {"name": slug, "version": run.run_id, "title": entry.title},
            "inputs": [{"name": f} for f in _features(run)],
            "signature": {"key_id": key.key_id},
        }
    ).encode("utf-8")
    digests = {fname: sha256_bytes(data) for fname, data in contents.items()}
    from shipyard import __version__

    gate = {
        "verdict": report.get("verdict"),
        "passed": bool(report.get("passed")) and not problem,
        "report_sha256": digests[GATE_FILE],
        "override": reason,
        "problem": problem or None,
    }
    signer = {"key_id": key.key_id, "key_hint": key.hint}
    title = entry.title
    manifest = build_manifest(
        run,
        title=title,
        model_bytes=model_bytes,
        files=digests,
        gate=gate,
        signer=signer,
        tools={"shipyard": __version__, **run.versions},
    )
    contents[MANIFEST_FILE] = manifest_bytes(manifest)
    digests[MANIFEST_FILE] = sha256_bytes(contents[MANIFEST_FILE])

    out = Path(out_dir) if out_dir else ws.root / EXPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    final, zip_path = out / name, out / f"{name}.zip"
    tmp = out / f".tmp-{name}-{secrets.token_hex(3)}"
    try:
        tmp.mkdir()
        for fname, data in contents.items():
            atomic_write_bytes(tmp / fname, data)
        job.progress(0.6, "signing")
        statement = build_statement(name, digests)
        atomic_write_bytes(tmp / SIGNATURE_FILE, sign_statement(private, statement))
        job.progress(0.75, "zipping")
        write_zip(tmp, sorted([*contents, SIGNATURE_FILE]), out / f".{name}.zip.building")
        job.check()
        _swap_into_place(tmp, final)
        os.replace(out / f".{name}.zip.building", zip_path)
        fsync_dir(out)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        with contextlib.suppress(OSError):
            os.unlink(out / f".{name}.zip.building")
        raise
    zip_sha = sha256_file(zip_path)
    ws.audit.append(
        "package.export",
        f"{slug}/{run.run_id}",
        user=user,
        reason=reason or "",
        details={
            "zip": zip_path.name,
            "zip_sha256": zip_sha,
            "model_sha256": model_sha,
            "key_id": key.key_id,
            "gate_verdict": report.get("verdict"),
            "gate_override": bool(reason),
            **({"gate_problem": problem} if problem else {}),
        },
    )
    job.progress(1.0, f"exported {zip_path.name}")
    return PackageResult(
        folder=final,
        zip_path=zip_path,
        project=slug,
        run_id=run.run_id,
        key_id=key.key_id,
        model_sha256=model_sha,
        zip_sha256=zip_sha,
        files=dict(sorted(digests.items())),
        gate_verdict=str(report.get("verdict")),
        override_reason=reason,
        seconds=round(time.perf_counter() - started, 3),
        warnings=warnings,
        used_real_rollout=real_rollout and real_flags,
    )


def _features(run: Any) -> list[str]:
    task = run.task
    return [*task.get("numeric", []), *task.get("categorical", []), *task.get("text", [])]


def _swap_into_place(tmp: Path, final: Path) -> None:
    old = final.with_name(f".old-{final.name}-{secrets.token_hex(3)}")
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
