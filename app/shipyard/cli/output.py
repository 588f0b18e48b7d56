"""What every command prints with: the user's name for the audit log, and JSON output.

The command modules and `cli.py` all import from here (never from each other), so the
command line has no import cycle.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any


def _user() -> str:
    """Who signs the audit entries of this command (the settings' name and email)."""
    from shipyard.core.workspace.user_settings import load_settings

    return load_settings().identity


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


def _print_json(value: Any) -> None:
    print(json.dumps(json_ready(value), indent=2, ensure_ascii=False))
