"""Headless commands over the core: the same rules the window applies, for scripts and CI.

`run(argv)` returns an exit code, or a GuiRequest when the command opens a window
(`demo`, `open`, `screenshot`); `shipyard.main` hands that to the UI. The `data` commands
live in `shipyard.cli.data`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.cli.output import _user
from shipyard.cli.review import PdfRequest
from shipyard.core.errors import ShipyardError
from shipyard.core.portfolio.vocabulary import Stage

PAGES = (
    "portfolio",
    "onepager",
    "models",
    "gates",
    "rollout",
    "package",
    "datasets",
    "settings",
    "welcome",
)


@dataclass(frozen=True)
class GuiRequest:
    workspace: Path | None
    page: str = "portfolio"
    project: str | None = None
    screenshot: Path | None = None
    size: tuple[int, int] = (1400, 900)
    present: tuple[tuple[str, ...], float] | None = None  # (project order, minutes per team)


# -- commands -----------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from shipyard.core.workspace.workspace import Workspace

    # "." or "~/x" must still name the workspace after its folder.
    folder = Path(args.path).expanduser().resolve()
    ws = Workspace.create(folder, template_name="blank", name=args.name or folder.name)
    print(f"Created workspace '{ws.name}' in {ws.root}")
    print(f'Next: shipyard project new {ws.root} "Your first project"')
    return 0


class _VersionAction(argparse.Action):
    """Like argparse's version action, but the text is read only when asked and printed
    as written (one engine a line)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        from shipyard.core.about import version_text

        try:
            print(version_text(), flush=True)
        except BrokenPipeError:  # `shipyard --version | head -1`
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        parser.exit()


def cmd_demo(args: argparse.Namespace) -> int | GuiRequest:
    from shipyard.core.workspace.layout import CONFIG_NAME, default_demo_path
    from shipyard.core.workspace.workspace import Workspace

    path = Path(args.path).expanduser() if args.path else default_demo_path()
    if (path / CONFIG_NAME).exists():
        print(f"Opening the demo workspace in {path}")
        ws = Workspace.open(path)
    else:
        ws = Workspace.create(path, template_name="demo", name="Demo portfolio")
        print(f"Created the demo workspace in {ws.root} ({len(ws.slugs())} projects)")
    if args.no_gui:
        return 0
    return GuiRequest(ws.root)


def cmd_open(args: argparse.Namespace) -> GuiRequest:
    # Only a quick look here: the window validates the workspace itself once it is up.
    from shipyard.core.workspace.layout import probe_workspace

    return GuiRequest(probe_workspace(args.path) if args.path else None)


def cmd_screenshot(args: argparse.Namespace) -> GuiRequest:
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    if args.page == "onepager" and args.project:
        ws.project(args.project)  # a clear error for an unknown slug, before Qt starts
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise ShipyardError(
            f"--size '{args.size}' is not WIDTHxHEIGHT", fix="e.g. 1400x900"
        ) from None
    return GuiRequest(
        ws.root,
        page=args.page,
        project=args.project,
        screenshot=Path(args.out),
        size=(width, height),
    )


def cmd_project_new(args: argparse.Namespace) -> int:
    from shipyard.core.portfolio.projects import create_project
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    fields: dict[str, object] = {}
    if args.owner:
        fields["owner"] = {"name": args.owner}
    if args.outcome:
        fields["outcome"] = args.outcome
    with ws.lock("project new"):
        doc = create_project(ws, args.title, user=_user(), slug=args.slug, fields=fields)
    print(f"Created project '{doc.onepager.title}' in {doc.path}")
    return 0


def cmd_project_list(args: argparse.Namespace) -> int:
    from shipyard.core.portfolio.ranking import portfolio
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    rows = portfolio(ws, by=args.by)
    if args.json:
        out = [
            {
                "rank": r.rank,
                "slug": r.slug,
                "title": r.title,
                "stage": r.stage,
                # An invalid one-pager has no scores: null, not -Infinity (which is not JSON).
                "composite": r.value("composite") if r.scores else None,
                "rice": r.value("rice") if r.scores else None,
                "ice": r.value("ice") if r.scores else None,
                "wsjf": r.value("wsjf") if r.scores else None,
                "health": r.health.score,
                "error": r.error,
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2))
        return 0
    if not rows:
        print(f'No projects yet. Add one: shipyard project new {ws.root} "Title"')
        return 0
    header = (
        f"{'#':>2}  {'project':<34} {'stage':<11} {'composite':>9} {'RICE':>8} "
        f"{'ICE':>6} {'WSJF':>6} {'health':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        if r.scores is None:
            print(f"{r.rank:>2}  {r.title[:34]:<34} {'invalid':<11} {r.error.splitlines()[0]}")
            continue
        s = r.scores
        print(
            f"{r.rank:>2}  {r.title[:34]:<34} {r.stage:<11} {s.composite:>9.2f} "
            f"{s.rice:>8.1f} {s.ice:>6.1f} {s.wsjf:>6.2f} {r.health.score:>6.0f}"
        )
    return 0


def cmd_project_stage(args: argparse.Namespace) -> int:
    from shipyard.core.portfolio.projects import set_stage
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("project stage"):
        set_stage(ws, args.slug, Stage(args.stage), user=_user(), reason=args.reason or "")
    print(f"{args.slug}: stage is now {args.stage}")
    return 0


def cmd_project_delete(args: argparse.Namespace) -> int:
    from shipyard.core.portfolio.projects import delete_project
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("project delete"):
        trashed = delete_project(ws, args.slug, user=_user(), reason=args.reason or "")
    print(f"Moved {args.slug} to {trashed}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    bad = [e for e in ws.projects() if e.error]
    for entry in bad:
        print(entry.error, file=sys.stderr)
    print(f"{len(ws.slugs()) - len(bad)} valid, {len(bad)} invalid one-pagers")
    return 1 if bad else 0


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
    from shipyard.cli.package import _passphrase
    from shipyard.core.signing.audit_seal import seal_log
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("sealing the audit log"):
        seal = seal_log(ws, user=_user(), passphrase=_passphrase(args), key_id=args.key)
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


# -- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="shipyard",
        description="Shipyard: one-pagers, portfolio, data, baselines, gates, rollout and "
        "signed packages for many small AI features, offline.",
    )
    p.add_argument(
        "--version", action=_VersionAction, help="the versions of Shipyard, the workspace "
        "format it writes and its engines"
    )  # fmt: skip
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(fn=fn)
        return sp

    sp = add("init", cmd_init, "create a blank workspace")
    sp.add_argument("path")
    sp.add_argument("--name", help="workspace name (default: the folder name)")

    sp = add("demo", cmd_demo, "create the 10-project demo workspace (if needed) and open it")
    sp.add_argument("path", nargs="?", help="where to put it (default: ~/Documents/Shipyard Demo)")
    sp.add_argument("--no-gui", action="store_true", help="only create it")

    sp = add("open", cmd_open, "open the window on a workspace")
    sp.add_argument("path", nargs="?")

    sp = add("screenshot", cmd_screenshot, "render a page of the window to PNG, no display needed")
    sp.add_argument("workspace")
    sp.add_argument("out", help="the PNG to write")
    sp.add_argument("--page", choices=PAGES, default="portfolio")
    sp.add_argument("--project", help="the project for a project page (default: top ranked)")
    sp.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")

    proj = sub.add_parser("project", help="create, list, change and delete projects")
    psub = proj.add_subparsers(dest="project_command", metavar="ACTION", required=True)
    sp = psub.add_parser("new", help="create a project with a one-pager")
    sp.set_defaults(fn=cmd_project_new)
    sp.add_argument("workspace")
    sp.add_argument("title")
    sp.add_argument("--slug", help="folder name (default: from the title)")
    sp.add_argument("--owner")
    sp.add_argument("--outcome", help="the one-line outcome")
    sp = psub.add_parser("list", help="print the portfolio ranking")
    sp.set_defaults(fn=cmd_project_list)
    sp.add_argument("workspace")
    sp.add_argument(
        "--by", default="composite", choices=("composite", "rice", "ice", "wsjf", "health")
    )
    sp.add_argument("--json", action="store_true")
    sp = psub.add_parser("stage", help="move a project to another stage")
    sp.set_defaults(fn=cmd_project_stage)
    sp.add_argument("workspace")
    sp.add_argument("slug")
    sp.add_argument("stage", choices=[s.value for s in Stage])
    sp.add_argument("--reason")
    sp = psub.add_parser("delete", help="move a project to the workspace trash")
    sp.set_defaults(fn=cmd_project_delete)
    sp.add_argument("workspace")
    sp.add_argument("slug")
    sp.add_argument("--reason")

    sp = add("validate", cmd_validate, "check every one-pager; exit 1 if any is invalid")
    sp.add_argument("workspace")

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

    from shipyard.cli.data import add_data_parser
    from shipyard.cli.gate import add_gate_parser
    from shipyard.cli.package import add_package_parser
    from shipyard.cli.present import add_present_parser
    from shipyard.cli.review import add_review_parser
    from shipyard.cli.rollout import add_rollout_parser
    from shipyard.cli.train import add_train_parser

    add_data_parser(sub)
    add_train_parser(sub)
    add_gate_parser(sub)
    add_rollout_parser(sub)
    add_package_parser(sub)
    add_review_parser(sub)
    add_present_parser(sub, GuiRequest)

    sp = add("settings", cmd_settings, "show or change your name, email and theme")
    sp.add_argument("--name")
    sp.add_argument("--email")
    sp.add_argument("--theme", choices=("system", "light", "dark"))
    return p


def run(argv: list[str]) -> int | GuiRequest | PdfRequest:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return 0
    from shipyard.core.workspace import recovery

    def tell(report: recovery.RecoveryReport) -> None:
        for line in report.lines():
            print(f"recovered: {line}", file=sys.stderr)

    recovery.add_listener(tell)
    try:
        return args.fn(args)
    except ShipyardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Long commands stage their work and rename it into place last, so an interrupt
        # leaves the workspace as it was before the command.
        print("interrupted: stopped before finishing; nothing half-done was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `shipyard data query ... | head`: the reader left; stop quietly, and keep Python
        # from reporting the pipe again when it flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        recovery.remove_listener(tell)


def main(argv: list[str] | None = None) -> int:
    """Headless-only entry (no window): GUI commands report that they need the app."""
    result = run(sys.argv[1:] if argv is None else argv)
    if isinstance(result, GuiRequest | PdfRequest):
        print("this command needs the app; run it as 'shipyard' instead", file=sys.stderr)
        return 2
    return result
