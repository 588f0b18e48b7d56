"""The project's champion run and the history of promotions.

`projects/<slug>/champion.json` holds the current champion's run id and every promotion
(who, when, why, which run it replaced). Each promotion also goes to the audit log, and
is refused before anything is written when the log cannot take it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.training.runs import load_run
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import CHAMPION_FILE
from shipyard.core.workspace.recovery import audit_intent
from shipyard.core.workspace.workspace import Workspace


@dataclass(frozen=True)
class Promotion:
    run_id: str
    user: str
    when: str
    reason: str
    previous: str | None


def champion_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / CHAMPION_FILE


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"current": None, "history": []}
    try:
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("history", []), list):
            raise ValueError("expected an object with 'current' and 'history'")
        return data
    except (OSError, ValueError) as exc:
        raise ShipyardError(
            f"{CHAMPION_FILE} is damaged ({exc})",
            file=path,
            fix="restore it from version control, or delete it to start without a champion",
        ) from None


def current_champion(ws: Workspace, slug: str) -> str | None:
    """The champion's run id, or None when no run was promoted yet."""
    current = _read(champion_path(ws, slug)).get("current")
    return current if isinstance(current, str) else None


def champion_history(ws: Workspace, slug: str) -> list[Promotion]:
    """Every promotion, oldest first."""
    known = set(Promotion.__dataclass_fields__)
    return [
        Promotion(**{k: v for k, v in item.items() if k in known})
        for item in _read(champion_path(ws, slug)).get("history", [])
    ]


def _not_exportable(ws: Workspace, slug: str, record: Any) -> tuple[str, Path, str]:
    """(message, file, fix) refusing a run whose model did not export: the fix depends on
    whether any run of the project did."""
    from shipyard.core.training.run_index import run_summaries

    others = [r for r in run_summaries(ws, slug) if r.exportable]
    message = f"run {record.run_id} cannot be champion: {record.export_problem}"
    if others:
        best = f"shipyard runs list {ws.root} {slug}"
        return message, record.folder, f"promote a run marked ONNX ok in: {best}"
    return (
        message + " (none of the project's runs is exportable)",
        record.folder,
        f"read why in: shipyard runs show {ws.root} {slug} {record.run_id}; fix the data or "
        f"the features it names, then train again: shipyard train {ws.root} {slug}",
    )


def promote(ws: Workspace, slug: str, run_id: str, *, user: str, reason: str) -> Promotion:
    """Make `run_id` the champion. The reason is required: reviewers read it later."""
    if not reason.strip():
        raise ShipyardError(
            "a promotion needs a reason", fix="say why this run should serve, e.g. 'best F1'"
        )
    record = load_run(ws, slug, run_id)
    if not record.exportable:
        message, folder, fix = _not_exportable(ws, slug, record)
        raise ShipyardError(message, file=folder, fix=fix)
    path = champion_path(ws, slug)
    data = _read(path)
    previous = data.get("current") if isinstance(data.get("current"), str) else None
    if previous == run_id:
        raise ShipyardError(f"run {run_id} is already the champion", fix="pick another run")
    ws.audit.ensure_appendable()
    event = Promotion(
        run_id=run_id,
        user=user,
        when=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        reason=reason.strip(),
        previous=previous,
    )
    data["current"] = run_id
    data.setdefault("history", []).append(asdict(event))
    text = json.dumps(data, indent=1) + "\n"
    details = {"previous": previous, "family": record.family}
    intent = audit_intent(ws, path, "champion.promote", f"{slug}/{run_id}", user=user,
                          reason=event.reason, details=details, content=text.encode())  # fmt: skip
    atomic_write_text(path, text)
    crash_point("promote.before_audit")
    ws.audit.append(
        "champion.promote", f"{slug}/{run_id}", user=user, reason=event.reason, details=details
    )
    intent.done()
    return event
