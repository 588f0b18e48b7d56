"""`shipyard project new|list|stage|delete` and `validate`: the portfolio's projects and
their one-pagers."""

from __future__ import annotations

import argparse
import json
import sys

from shipyard.cli.output import current_user
from shipyard.core.portfolio.vocabulary import Stage


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
        doc = create_project(ws, args.title, user=current_user(), slug=args.slug, fields=fields)
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
        set_stage(ws, args.slug, Stage(args.stage), user=current_user(), reason=args.reason or "")
    print(f"{args.slug}: stage is now {args.stage}")
    return 0


def cmd_project_delete(args: argparse.Namespace) -> int:
    from shipyard.core.portfolio.projects import delete_project
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    with ws.lock("project delete"):
        trashed = delete_project(ws, args.slug, user=current_user(), reason=args.reason or "")
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


def add_project_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `project new|list|stage|delete` on the top-level subparsers."""
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


def add_validate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "check every one-pager; exit 1 if any is invalid"
    sp = sub.add_parser("validate", help=text, description=text)
    sp.set_defaults(fn=cmd_validate)
    sp.add_argument("workspace")
