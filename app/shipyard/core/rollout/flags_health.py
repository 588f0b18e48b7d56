"""The "Flags" health signal: stale feature flags (past expiry, or unchanged for long) lower
a project's health — the seeds' "toggle sprawl". Cheap: one small YAML file, read with
libyaml; no pydantic model, no ruamel, nothing heavy.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shipyard.core.portfolio.signal import HealthContext, Signal
from shipyard.core.workspace.layout import FLAGS_FILE

STALE_AFTER_DAYS = 90  # the same as flags.STALE_AFTER_DAYS (kept here to stay import-light)
WEIGHT = 1.0


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def stale_reason(item: dict[str, Any], today: date) -> str | None:
    """Why this flag (a mapping from flags.yaml) is stale, or None."""
    expires = _date(item.get("expires"))
    if expires is not None and expires < today:
        return f"expired {(today - expires).days} days ago"
    changed = _date(item.get("updated")) or _date(item.get("created"))
    if item.get("kind", "release") == "release" and changed is not None:
        age = (today - changed).days
        if age > STALE_AFTER_DAYS:
            return f"unchanged for {age} days"
    return None


def flags_signal(ctx: HealthContext) -> Signal | None:
    path = ctx.entry.path / FLAGS_FILE
    if not path.is_file():
        return None
    import yaml

    from shipyard.core.errors import ValidationFailed
    from shipyard.core.workspace.yaml_file import check_yaml_text

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        text = path.read_text("utf-8")
        check_yaml_text(text, path)
        data = yaml.load(text, Loader=loader)
        flags = data.get("flags") or [] if isinstance(data, dict) else None
        if not isinstance(flags, list):
            raise ValueError("no list of flags")
    except (OSError, ValueError, yaml.YAMLError, ValidationFailed):
        return Signal("flags", "Flags", 0.5, WEIGHT, "flags.yaml cannot be read")
    items = [f for f in flags if isinstance(f, dict)]
    if not items:
        return None
    stale = [f"{f.get('key', '?')} ({why})" for f in items if (why := stale_reason(f, ctx.today))]
    score = 1.0 - len(stale) / len(items)
    if not stale:
        return Signal("flags", "Flags", 1.0, WEIGHT, f"{len(items)} flags, none stale")
    detail = f"{len(stale)} of {len(items)} flags stale: " + ", ".join(stale)
    return Signal("flags", "Flags", max(0.0, score), WEIGHT, detail)
