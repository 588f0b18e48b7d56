"""`shipyard demo`, `open` and `screenshot`: the commands that end in a window.

They check their input headless and return a GuiRequest; `shipyard.main` hands it to the UI
(the CLI never imports Qt).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from shipyard.core.errors import ShipyardError

PAGES = (
    "portfolio",
    "onepager",
    "models",
    "gates",
    "rollout",
    "package",
    "datasets",
    "review",
    "settings",
    "welcome",
)


@dataclass(frozen=True)
class GuiRequest:
    """The window to open: on which workspace and page, or rendered to a PNG."""

    workspace: Path | None
    page: str = "portfolio"
    project: str | None = None
    screenshot: Path | None = None
    size: tuple[int, int] = (1400, 900)
    present: tuple[tuple[str, ...], float] | None = None  # (project order, minutes per team)


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


def add_window_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `demo`, `open` and `screenshot` on the top-level subparsers."""
    text = "create the 10-project demo workspace (if needed) and open it"
    sp = sub.add_parser("demo", help=text, description=text)
    sp.set_defaults(fn=cmd_demo)
    sp.add_argument("path", nargs="?", help="where to put it (default: ~/Documents/Shipyard Demo)")
    sp.add_argument("--no-gui", action="store_true", help="only create it")

    text = "open the window on a workspace"
    sp = sub.add_parser("open", help=text, description=text)
    sp.set_defaults(fn=cmd_open)
    sp.add_argument("path", nargs="?")

    text = "render a page of the window to PNG, no display needed"
    sp = sub.add_parser("screenshot", help=text, description=text)
    sp.set_defaults(fn=cmd_screenshot)
    sp.add_argument("workspace")
    sp.add_argument("out", help="the PNG to write")
    sp.add_argument("--page", choices=PAGES, default="portfolio")
    sp.add_argument("--project", help="the project for a project page (default: top ranked)")
    sp.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
