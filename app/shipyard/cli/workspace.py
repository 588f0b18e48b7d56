"""`shipyard init`, `audit verify|seal|log` and `settings`: the workspace itself, its audit
log, and the user's own settings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shipyard.cli.output import current_user, read_passphrase
from shipyard.core.errors import ShipyardError


def cmd_init(args: argparse.Namespace) -> int:
    from shipyard.core.workspace.workspace import Workspace

    # "." or "~/x" must still name the workspace after its folder.
    folder = Path(args.path).expanduser().resolve()
    ws = Workspace.create(folder, template_name="blank", name=args.name or folder.name)
    print(f"Created workspace '{ws.name}' in {ws.root}")
    print(f'Next: shipyard project new {ws.root} "Your first project"')
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from shipyard.core.signing.audit_seal import verify_audit
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    report = verify_audit(ws)
    out = sys.stdout if report.ok else sys.stderr
    for line in report.describe(ws.audit.path):
        print(line, file=out)
    return 0 if report.ok else 1


def cmd_audit_seal(args: argparse.Namespace) -> int:
    from shipyard.core.signing.audit_seal import seal_log
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("sealing the audit log"):
        seal = seal_log(ws, user=current_user(), passphrase=read_passphrase(args), key_id=args.key)
    print(f"Sealed {seal.entries} audit entries with key {seal.key_id} (head {seal.head[:12]})")
    return 0


def cmd_audit_log(args: argparse.Namespace) -> int:
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    try:
        entries = ws.audit.entries()
    except ValueError:
        raise ShipyardError(
            "a line of the audit log is not valid JSON",
            file=ws.audit.path,
            fix="run 'shipyard audit verify' to find it, then restore the log from a backup",
        ) from None
    for e in entries[-args.last :] if args.last > 0 else []:
        reason = f" — {e['reason']}" if e.get("reason") else ""
        print(
            f"{e.get('time', '?')}  {e.get('user', '?'):<20} {e.get('action', '?'):<16} "
            f"{e.get('target', '?')}{reason}"
        )
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from shipyard.core.workspace.user_settings import (
        Theme,
        load_settings,
        save_settings,
        settings_path,
    )

    settings = load_settings()
    if args.name is not None:
        settings.name = args.name
    if args.email is not None:
        settings.email = args.email
    if args.theme is not None:
        settings.theme = Theme(args.theme)
    if any(v is not None for v in (args.name, args.email, args.theme)):
        save_settings(settings)
    print(f"name:  {settings.name}\nemail: {settings.email}\ntheme: {settings.theme.value}")
    print(f"file:  {settings_path()}")
    return 0


def add_init_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "create a blank workspace"
    sp = sub.add_parser("init", help=text, description=text)
    sp.set_defaults(fn=cmd_init)
    sp.add_argument("path")
    sp.add_argument("--name", help="workspace name (default: the folder name)")


def add_audit_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = sub.add_parser("audit", help="the workspace's hash-chained audit log")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    sp = asub.add_parser(
        "verify", help="check the hash chain and every seal; name the first problem"
    )
    sp.set_defaults(fn=cmd_audit_verify)
    sp.add_argument("workspace")
    sp = asub.add_parser("seal", help="sign the log's current head with your signing key")
    sp.set_defaults(fn=cmd_audit_seal)
    sp.add_argument("workspace")
    sp.add_argument("--key", help="the key id to sign with (default: the active key)")
    sp.add_argument("--passphrase-file", help="a file whose first line is the key's passphrase")
    sp = asub.add_parser("log", help="print the latest entries")
    sp.set_defaults(fn=cmd_audit_log)
    sp.add_argument("workspace")
    sp.add_argument("--last", type=int, default=20)


def add_settings_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "show or change your name, email and theme"
    sp = sub.add_parser("settings", help=text, description=text)
    sp.set_defaults(fn=cmd_settings)
    sp.add_argument("--name")
    sp.add_argument("--email")
    sp.add_argument("--theme", choices=("system", "light", "dark"))
