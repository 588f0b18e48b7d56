"""The command line's parser and dispatcher: `run(argv)` parses, calls the command and turns
its outcome into an exit code.

Each command group lives in its own module (`projects`, `workspace`, `windows`, `data`,
`train`, `gate`, `rollout`, `package`); they print through `shipyard.cli.output` and run
long jobs through `shipyard.cli.jobs`. `run` returns an exit code, or a GuiRequest when the
command opens a window (`demo`, `open`, `screenshot`); `shipyard.main` hands that to the UI.

Exit codes: 0 done, 1 a check failed (as each command documents), 2 bad input (a
ShipyardError, printed as one `error:` line), 130 cancelled or interrupted by Ctrl+C,
141 the reader of the output went away.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any

from shipyard.cli.data import add_data_parser
from shipyard.cli.gate import add_gate_parser
from shipyard.cli.jobs import EXIT_CANCELLED, JobCancelled
from shipyard.cli.onepager import add_onepager_parser
from shipyard.cli.package import add_package_parser
from shipyard.cli.present import add_present_parser
from shipyard.cli.projects import add_project_parser, add_validate_parser
from shipyard.cli.review import PdfRequest, add_review_parser
from shipyard.cli.rollout import add_rollout_parser
from shipyard.cli.train import add_train_parser
from shipyard.cli.windows import GuiRequest, add_window_parsers
from shipyard.cli.workspace import add_audit_parser, add_init_parser, add_settings_parser
from shipyard.core.errors import ShipyardError

__all__ = ["GuiRequest", "build_parser", "main", "run"]


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
    # In the order `shipyard --help` lists them.
    add_init_parser(sub)
    add_window_parsers(sub)
    add_project_parser(sub)
    add_validate_parser(sub)
    add_audit_parser(sub)
    add_data_parser(sub)
    add_train_parser(sub)
    add_gate_parser(sub)
    add_rollout_parser(sub)
    add_package_parser(sub)
    add_review_parser(sub)
    add_onepager_parser(sub)
    add_present_parser(sub, GuiRequest)
    add_settings_parser(sub)
    return p


def run(argv: list[str]) -> int | GuiRequest | PdfRequest:
    """Parse `argv`, run the command, and return its exit code (or the window it asks for)."""
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
    except JobCancelled as exc:  # Ctrl+C during a long job: it stopped at its next check
        print(exc.message, file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        # Ctrl+C outside a job. Commands stage their work and rename it into place last, so
        # an interrupt leaves the workspace as it was before the command.
        print("interrupted: stopped before finishing; nothing half-done was kept", file=sys.stderr)
        return EXIT_CANCELLED
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
    if isinstance(result, GuiRequest):
        print("this command opens a window; run it as 'shipyard' instead", file=sys.stderr)
        return 2
    if isinstance(result, PdfRequest):
        print("a PDF is laid out by the app; run it as 'shipyard' instead", file=sys.stderr)
        return 2
    return result
