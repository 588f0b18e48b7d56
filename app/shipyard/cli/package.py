"""`shipyard export`, `verify`, `keys` and `card`: signed model packages, headless.

    shipyard export WS PROJECT [--run ID] [--out DIR] [--key ID] [--override-gates REASON]
    shipyard verify PACKAGE --key PUBLIC.pem [--extract DIR] [--json]
    shipyard keys generate|list|rotate|export WS ...
    shipyard card generate|refresh|check WS PROJECT

`verify` prints its verdict first and exits 0 when the package verifies, 1 when it is
rejected (2 for bad input, as every command). Never imports Qt.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shipyard.cli.jobs import file_stamps, run_job
from shipyard.cli.output import current_user, read_passphrase
from shipyard.core.errors import ShipyardError


def _new_passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase for a new key file, refused (naming the file) when too short."""
    from shipyard.core.signing.keys import check_new_passphrase

    passphrase = read_passphrase(args)
    source = getattr(args, "passphrase_file", None)
    check_new_passphrase(passphrase, source="stdin" if source == "-" else source)
    return passphrase


# -- export and verify -------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from shipyard.core.packaging.export import EXPORTS_DIR, export_package
    from shipyard.core.training.selection import choose_run
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("shipyard export"):
        choice = choose_run(ws, args.project, args.run)
        print(f"Exporting {choice.why}", flush=True)
        user, passphrase = current_user(), read_passphrase(args)
        out = Path(args.out) if args.out else ws.root / EXPORTS_DIR
        before = file_stamps(out, "*.zip")

        def cancelled() -> str:
            done = sorted(set(file_stamps(out, "*.zip").items()) - set(before.items()))
            if done:
                return f"cancelled too late: {out / done[0][0]} was already exported"
            return f"cancelled: the export of run {choice.run_id}; no package was written"

        result = run_job(
            lambda job: export_package(
                ws,
                args.project,
                run_id=choice.run_id,
                out_dir=out,
                user=user,
                key_id=args.key,
                override_reason=args.override_gates,
                passphrase=passphrase,
                job=job,
            ),
            cancelled=cancelled,
        )
    print(f"exported {result.zip_path}")
    print(f"  folder  {result.folder}")
    print(f"  run     {result.run_id}  (model sha256 {result.model_sha256[:16]}…)")
    print(f"  gates   {result.gate_verdict}" + (" — OVERRIDDEN" if result.override_reason else ""))
    print(f"  signed  key {result.key_id}  ({result.seconds:.2f} s)")
    for warning in result.warnings:
        print(f"note: {warning}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from shipyard.core.packaging.verify import extract_package, summary, verify_package

    key_path = Path(args.key)
    try:
        pem = key_path.read_bytes()
    except OSError as exc:
        raise ShipyardError(
            f"cannot read the public key ({exc.strerror})",
            file=key_path,
            fix="pass the signer's PEM public key: --key SIGNER.pub.pem",
        ) from None
    if args.extract:  # verifies, then unpacks into a new folder renamed into place last
        result = run_job(
            lambda job: extract_package(args.package, pem, args.extract),
            cancelled=f"cancelled: nothing was unpacked to {args.extract}",
        )
    else:
        result = run_job(
            lambda job: verify_package(args.package, pem, job=job),
            cancelled=f"cancelled: the verification of {args.package}; no verdict",
        )
    if args.json:
        print(json.dumps({"ok": result.ok, "message": result.message, "fix": result.fix,
                          "problems": result.problems, "files": result.files}, indent=1))  # fmt: skip
        return 0 if result.ok else 1
    print(result.message)
    if not result.ok and result.fix:
        print(f"fix: {result.fix}")
    if result.ok:
        shown = summary(result)
        print(f"  package  {shown['name']} {shown['version']}")
        override = f" — overridden: {shown['override']}" if shown["override"] else ""
        print(f"  gates    {shown['verdict']}{override}")
        for problem in result.problems:
            print(f"note: {problem}")
        if args.extract:
            print(f"  unpacked to {args.extract}")
    return 0 if result.ok else 1


# -- keys --------------------------------------------------------------------------------
def cmd_keys_generate(args: argparse.Namespace) -> int:
    from shipyard.core.signing.keys import generate_key
    from shipyard.core.workspace.workspace import Workspace

    passphrase = _new_passphrase(args)
    ws = Workspace.open(args.workspace)
    with ws.lock("shipyard keys generate"):
        info = generate_key(ws, user=current_user(), passphrase=passphrase)
    where = "the OS keyring" if info.storage == "keyring" else "a passphrase-protected file"
    print(f"generated signing key {info.key_id} (private key in {where})")
    print(f"  public key  {info.public_path}")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from shipyard.core.signing.keys import rotate_key
    from shipyard.core.workspace.workspace import Workspace

    passphrase = _new_passphrase(args)
    ws = Workspace.open(args.workspace)
    with ws.lock("shipyard keys rotate"):
        info = rotate_key(ws, user=current_user(), reason=args.reason or "", passphrase=passphrase)
    print(f"rotated: {info.key_id} is the active signing key now")
    print("the previous key stays trusted for verifying packages it signed")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from shipyard.core.signing.keys import has_private_key, list_keys
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    keys = list_keys(ws)
    if args.json:
        rows = [k.to_json() | {"private_here": has_private_key(k)} for k in keys]
        print(json.dumps(rows, indent=1))
        return 0
    if not keys:
        print("no signing keys yet — shipyard keys generate " + str(args.workspace))
        return 0
    print(f"{'key id':<17} {'status':<8} {'private key':<22} {'created':<21} user")
    for k in keys:
        here = has_private_key(k)
        where = ("keyring" if k.storage == "keyring" else "encrypted file") + (
            "" if here else " (elsewhere)"
        )
        print(f"{k.key_id:<17} {k.status:<8} {where:<22} {k.created:<21} {k.user}")
    return 0


def cmd_keys_export(args: argparse.Namespace) -> int:
    from shipyard.core.signing.keys import active_key, export_public_key
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    key_id = args.key_id
    if not key_id:
        active = active_key(ws)
        if active is None:
            raise ShipyardError(
                "the workspace has no signing key", fix="shipyard keys generate WORKSPACE"
            )
        key_id = active.key_id
    out = export_public_key(ws, key_id, Path(args.out) if args.out else Path.cwd())
    print(f"public key {key_id} written to {out}")
    return 0


# -- model cards -------------------------------------------------------------------------
def _report_card(path: Path, notes: list[str], ws_root: Path, project: str) -> None:
    """What was written, what changed on the way, and what is left for the owner to fill."""
    from shipyard.core.gates.model_card_rules import card_problems

    print(f"wrote {path}")
    for note in notes:
        print(f"note: {note}")
    problems = card_problems(path.read_text("utf-8"))
    for problem in problems:
        print(f"to do: {problem}")
    if problems:
        print(f"then check it: shipyard card check {ws_root} {project}")


def cmd_card_generate(args: argparse.Namespace) -> int:
    from shipyard.core.packaging.model_card import generate_and_write
    from shipyard.core.training.selection import choose_run
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("shipyard card generate"):
        choice = choose_run(ws, args.project, args.run)
        print(f"Writing the card of {choice.why}", flush=True)
        path = generate_and_write(
            ws, args.project, user=current_user(), run_id=choice.run_id, overwrite=args.force
        )
    _report_card(path, [], ws.root, args.project)
    return 0


def cmd_card_refresh(args: argparse.Namespace) -> int:
    from shipyard.core.packaging.model_card import refresh_and_write
    from shipyard.core.training.selection import choose_run
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("shipyard card refresh"):
        choice = choose_run(ws, args.project, args.run)
        print(f"Refreshing the card's facts from {choice.why}", flush=True)
        path, notes = refresh_and_write(ws, args.project, user=current_user(), run_id=choice.run_id)
    _report_card(path, notes, ws.root, args.project)
    return 0


def cmd_card_check(args: argparse.Namespace) -> int:
    from shipyard.core.gates.model_card_rules import card_problems
    from shipyard.core.packaging.model_card import card_path, read_card
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)
    text = read_card(ws, args.project)
    path = card_path(ws, args.project)
    if text is None:
        print(f"{path}: no model card yet — shipyard card generate {ws.root} {args.project}")
        return 1
    problems = card_problems(text)
    for problem in problems:
        print(f"{path}: {problem}")
    if problems:
        print(f"fix: edit {path} (or the Package tab's card editor), then check it again")
    else:
        print(f"{path}: complete")
    return 1 if problems else 0


def add_package_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `export`, `verify`, `keys` and `card` on the top-level subparsers."""
    sp = sub.add_parser(
        "export",
        help="export a signed model package (folder + deterministic .zip)",
        description="Package the run's ONNX model with its model card, manifest, gate "
        "report, rollout policy, flags (flagd JSON) and a serving script, signed in the "
        "OpenSSF model-signing format. Needs passing gates or --override-gates REASON, "
        "and refuses a model.onnx whose sha256 differs from its run record or gate report. "
        "The card's run facts and gate verdict are rewritten from the packaged run.",
    )
    sp.set_defaults(fn=cmd_export)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--run", help="run id (default: the champion, else the best exportable "
                    "run by the project's primary metric)")  # fmt: skip
    sp.add_argument("--out", help="folder for the package (default: WORKSPACE/exports)")
    sp.add_argument("--key", help="signing key id (default: the active key)")
    sp.add_argument("--override-gates", metavar="REASON",
                    help="export although the gates did not pass; the reason is audited")  # fmt: skip
    sp.add_argument("--passphrase-file", metavar="FILE",
                    help="passphrase of a file-stored key ('-' reads it from stdin)")  # fmt: skip

    sp = sub.add_parser(
        "verify",
        help="verify a package's signature and every file before using it",
        description="Exit 0 when the package verifies against the public key, 1 when it "
        "is rejected (changed, extra or missing files, wrong key, bad bundle, unsafe zip).",
    )
    sp.set_defaults(fn=cmd_verify)
    sp.add_argument("package", help="the .zip or the package folder")
    sp.add_argument("--key", required=True, help="the signer's public key (PEM)")
    sp.add_argument("--extract", metavar="DIR", help="unpack a verified .zip into a new folder")
    sp.add_argument("--json", action="store_true")

    keys = sub.add_parser("keys", help="signing keys: generate, list, rotate, export")
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    sp = ksub.add_parser("generate", help="make the workspace's first signing key")
    sp.set_defaults(fn=cmd_keys_generate)
    sp.add_argument("workspace")
    sp.add_argument("--passphrase-file", metavar="FILE",
                    help="without an OS keyring: keep the key encrypted with this passphrase "
                    "(line 1, at least 8 characters; '-' reads it from stdin)")  # fmt: skip
    sp = ksub.add_parser("list", help="every key the workspace trusts")
    sp.set_defaults(fn=cmd_keys_list)
    sp.add_argument("workspace")
    sp.add_argument("--json", action="store_true")
    sp = ksub.add_parser("rotate", help="make a new active key and retire the current one")
    sp.set_defaults(fn=cmd_keys_rotate)
    sp.add_argument("workspace")
    sp.add_argument("--reason", help="why (goes to the audit log)")
    sp.add_argument("--passphrase-file", metavar="FILE",
                    help="keep the new key encrypted with this passphrase (line 1, at least "
                    "8 characters; '-' reads it from stdin)")  # fmt: skip
    sp = ksub.add_parser("export", help="write a public key for people who verify packages")
    sp.set_defaults(fn=cmd_keys_export)
    sp.add_argument("workspace")
    sp.add_argument("key_id", nargs="?", help="default: the active key")
    sp.add_argument("--out", help="file or folder (default: the current folder)")

    card = sub.add_parser("card", help="model cards (Hugging Face format)")
    csub = card.add_subparsers(dest="card_command", metavar="ACTION", required=True)
    sp = csub.add_parser("generate", help="write projects/<slug>/model_card.md from the run")
    sp.set_defaults(fn=cmd_card_generate)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--run", help="run id (default: the champion, else the best exportable "
                    "run by the project's primary metric)")  # fmt: skip
    sp.add_argument("--force", action="store_true", help="replace a card edited by hand")
    sp = csub.add_parser(
        "refresh",
        help="rewrite only the card's run facts (metrics, data, gate verdict, hash); keep "
        "what people wrote",
    )
    sp.set_defaults(fn=cmd_card_refresh)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--run", help="run id (default: the champion, else the best exportable "
                    "run by the project's primary metric)")  # fmt: skip
    sp = csub.add_parser("check", help="list what the card still lacks (exit 1 if any)")
    sp.set_defaults(fn=cmd_card_check)
    sp.add_argument("workspace")
    sp.add_argument("project")
