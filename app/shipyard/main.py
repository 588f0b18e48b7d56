"""The entry point: headless commands go to the CLI, windows to the UI.

This module is the one place that knows both faces; `shipyard.cli.commands` never imports Qt and
`shipyard.ui` never imports the CLI.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from shipyard.cli.commands import GuiRequest, run
    from shipyard.cli.review import PdfRequest

    args = sys.argv[1:] if argv is None else argv
    if not args and getattr(sys, "frozen", False):
        # The installed app started from a menu, a dock or the Finder gets no arguments:
        # it opens the window (the command line lists the commands instead).
        args = ["open"]
    result = run(args)
    if isinstance(result, GuiRequest):
        from shipyard.ui.app import launch

        return launch(
            result.workspace,
            screenshot=result.screenshot,
            page=result.page,
            project=result.project,
            size=result.size,
            present=result.present,
        )
    if isinstance(result, PdfRequest):
        from shipyard.ui.review.pdf import write_pdf_headless

        return write_pdf_headless(
            result.pages, result.out, result.page_size, result.title, paginate=result.paginate
        )
    return result


if __name__ == "__main__":
    sys.exit(main())
