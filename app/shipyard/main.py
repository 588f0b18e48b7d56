"""The entry point: headless commands go to the CLI, windows to the UI.

This module is the one place that knows both faces; `shipyard.cli` never imports Qt and
`shipyard.ui` never imports the CLI.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from .cli import GuiRequest, run

    result = run(sys.argv[1:] if argv is None else argv)
    if isinstance(result, GuiRequest):
        from .ui.app import launch

        return launch(
            result.workspace,
            screenshot=result.screenshot,
            page=result.page,
            project=result.project,
            size=result.size,
        )
    return result


if __name__ == "__main__":
    sys.exit(main())
