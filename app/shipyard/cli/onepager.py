"""`shipyard onepager export`: one project's one-pager as Markdown, HTML or PDF, to share.

    shipyard onepager export WS SLUG --md OUT.md
    shipyard onepager export WS SLUG --html OUT.html     (one self-contained file)
    shipyard onepager export WS SLUG --pdf OUT.pdf [--page-size A4|Letter]

Reads the one-pager, writes only the files named. Exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipyard.cli.review import PdfRequest
from shipyard.core.errors import ShipyardError


def cmd_onepager_export(args: argparse.Namespace) -> int | PdfRequest:
    from shipyard.core.review.onepager_export import (
        onepager_html,
        onepager_markdown,
        onepager_page,
    )
    from shipyard.core.workspace.atomic import atomic_write_text
    from shipyard.core.workspace.workspace import Workspace

    if not (args.md or args.html or args.pdf):
        raise ShipyardError(
            "say what to write", fix="add --md OUT.md, --html OUT.html or --pdf OUT.pdf"
        )
    ws = Workspace.open(args.workspace)
    entry = ws.project(args.slug)
    if entry.doc is None:
        raise entry.error or ShipyardError("the one-pager cannot be read", file=entry.path)
    for target, render in ((args.md, onepager_markdown), (args.html, onepager_html)):
        if target:
            out = Path(target).expanduser()
            atomic_write_text(out, render(entry.doc))
            print(f"Wrote {out}")
    if args.pdf:
        return PdfRequest(
            [onepager_page(entry.doc)],
            Path(args.pdf).expanduser(),
            args.page_size,
            entry.doc.onepager.title,
            paginate=True,
        )
    return 0


def add_onepager_parser(sub: Any) -> None:
    group = sub.add_parser("onepager", help="share a project's one-pager (Markdown, HTML, PDF)")
    gsub = group.add_subparsers(dest="onepager_command", metavar="ACTION", required=True)
    sp = gsub.add_parser(
        "export",
        help="write the one-pager as Markdown, one self-contained HTML file or a PDF",
        description="Write the one-pager (its facts, then its narrative) to share.",
    )
    sp.set_defaults(fn=cmd_onepager_export)
    sp.add_argument("workspace")
    sp.add_argument("slug")
    sp.add_argument("--md", metavar="OUT.md")
    sp.add_argument("--html", metavar="OUT.html")
    sp.add_argument("--pdf", metavar="OUT.pdf")
    sp.add_argument("--page-size", choices=("A4", "Letter"), default="A4")
