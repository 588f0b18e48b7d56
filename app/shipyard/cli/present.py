"""`shipyard present`: demo day, full screen, one section per project.

    shipyard present WS                              the deck in roadmap order, 10 min a team
    shipyard present WS --order churn-risk,lead-scoring --minutes 8
    shipyard present WS --export deck.html           one self-contained HTML file, no window

Reading never writes (the export writes only its own file). The window opens through a
GuiRequest, as `open` does: the CLI never imports Qt.
Exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cmd_present(args: argparse.Namespace, gui_request: Callable[..., Any]) -> Any:
    from shipyard.core.review.deck import check_minutes, deck_for, parse_order
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    check_minutes(args.minutes)
    order = parse_order(args.order, ws.slugs())  # a clear error before any window opens
    if args.export:
        deck = deck_for(ws, order, args.minutes)
        from shipyard.core.review.deck_html import deck_html
        from shipyard.core.workspace.atomic import atomic_write_text

        out = Path(args.export).expanduser()
        atomic_write_text(out, deck_html(deck))
        print(f"Wrote {out} ({len(deck.slides)} slides, {len(deck.sections)} teams)")
        return 0
    # An empty order: the window picks the roadmap order.
    return gui_request(ws.root, page="present", present=(tuple(order or ()), float(args.minutes)))


def add_present_parser(sub: Any, gui_request: Callable[..., Any]) -> None:
    """`gui_request` makes the request that opens the window (the commands' GuiRequest,
    handed in so this module does not import the module that imports it)."""
    sp = sub.add_parser(
        "present",
        help="demo day: the portfolio as a full-screen deck, one section per project",
        description="Show a title slide, then per project: outcome and hypothesis, data, "
        "model (ladder vs champion vs target), impact (metric, rehearsal KPI, gates, stage) "
        "and what changed this sprint. Keys: arrows, PgUp/PgDn, Space, Home/End, "
        "B to blank, Esc to leave. --export writes the same deck as one HTML file.",
    )
    sp.set_defaults(fn=lambda args: cmd_present(args, gui_request))
    sp.add_argument("workspace")
    sp.add_argument(
        "--order",
        metavar="SLUG,SLUG,...",
        help="the projects to present, in speaking order (default: roadmap order, sunset "
        "projects left out)",
    )
    sp.add_argument(
        "--minutes", type=float, default=10.0, help="each team's countdown (default: 10)"
    )
    sp.add_argument("--export", metavar="DECK.html", help="write the deck as one HTML file")
