"""What every command shares: who signs its audit entries, the passphrase it may read, and
how it prints (JSON, plain text tables).

The command modules import from here and from `shipyard.cli.jobs`, never from each other, so
the command line has no import cycle.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError

CELL_WIDTH = 32


def current_user() -> str:
    """Who signs the audit entries of this command (the settings' name and email)."""
    from shipyard.core.workspace.user_settings import load_settings

    return load_settings().identity


def read_passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase named by `--passphrase-file` (line 1 of the file, or of stdin for '-');
    None without the option."""
    source = getattr(args, "passphrase_file", None)
    if not source:
        return None
    try:
        text = sys.stdin.readline() if source == "-" else Path(source).read_text("utf-8")
    except OSError as exc:
        raise ShipyardError(
            f"cannot read the passphrase ({exc.strerror})", file=source, fix="check the path"
        ) from None
    passphrase = text.splitlines()[0] if text.strip() else ""
    if not passphrase:
        raise ShipyardError("the passphrase is empty", file=source, fix="write it on line 1")
    return passphrase


# -- JSON ----------------------------------------------------------------------------------
def json_ready(value: Any) -> Any:
    """Plain JSON data: dataclasses as dicts, paths and dates as text, NaN/inf as null."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_ready(v) for v in value]
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def print_json(value: Any) -> None:
    print(json.dumps(json_ready(value), indent=2, ensure_ascii=False))


# -- tables --------------------------------------------------------------------------------
class Count(int):
    """A count shown with thousands separators (data values are shown as they are)."""


def cell(value: Any, width: int = CELL_WIDTH) -> str:
    """One value as table text on one line, cut with '…' past `width`."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = "NaN" if math.isnan(value) else f"{value:.6g}"
    elif isinstance(value, Count):
        text = f"{value:,}"
    elif isinstance(value, datetime | date | time):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    else:
        text = str(value)
    text = " ".join(text.split()) if ("\n" in text or "\t" in text or "\r" in text) else text
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    indent: str = "",
    last_width: int = CELL_WIDTH,
) -> None:
    """A plain text table: numbers right-aligned, long cells cut with '…' (the last column
    at `last_width`, the others at CELL_WIDTH)."""
    last = len(headers) - 1
    cells = [
        [cell(v, last_width if i == last else CELL_WIDTH) for i, v in enumerate(row)]
        for row in rows
    ]
    numeric = [
        bool(rows) and all(_is_number(r[i]) or r[i] is None for r in rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(parts)).rstrip()

    print(line(list(headers)))
    print(indent + "  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
