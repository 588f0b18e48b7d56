"""A user error as rich text for a page's banner: what went wrong, which file, the fix."""

from __future__ import annotations

from html import escape
from pathlib import Path

MAX_PROBLEMS = 5


def describe_error(exc: BaseException, root: Path | None = None) -> str:
    """Message, file (relative to `root` when inside it) and fix; never a traceback.

    A ValidationFailed lists its first problems, each with file:line, field and fix.
    """
    from shipyard.core.errors import ShipyardError, ValidationFailed

    if isinstance(exc, ValidationFailed):
        return "<br>".join(escape(p.describe(exc.file)) for p in exc.problems[:MAX_PROBLEMS])
    if not isinstance(exc, ShipyardError):
        return f"Something went wrong: {escape(type(exc).__name__)}: {escape(str(exc))}"
    text = escape(exc.message)
    if exc.file is not None:
        shown = Path(exc.file)
        if root is not None and shown.is_relative_to(root):
            shown = shown.relative_to(root)
        text += f"<br>File: <code>{escape(str(shown))}</code>"
    if exc.fix:
        text += f"<br>Fix: {escape(exc.fix)}"
    return text
