"""Changes to projects, each one written atomically and recorded in the audit log."""

from __future__ import annotations

import re
import shutil
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from shipyard.core.errors import ProjectExists, ShipyardError
from shipyard.core.portfolio.onepager_file import OnePagerDoc, new_onepager_doc
from shipyard.core.portfolio.onepager_model import OnePager, Stage
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.crashpoints import crash_point
from shipyard.core.workspace.layout import ONEPAGER
from shipyard.core.workspace.workspace import Workspace

TRASH = Path(".shipyard") / "trash"

NEW_BODY = """
## Problem

Who has the problem, how often, and what it costs them today.

## Approach

The smallest model or rule that could move the primary metric.

## Success criteria

The primary metric, its target, and the guardrails (latency, error rate, cost).

## Risks & mitigations

Data sensitivity, failure modes, and the safe default behind the kill switch.
"""


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:48].rstrip("-") or "project"


def _free_slug(ws: Workspace, base: str) -> str:
    slug, n = base, 2
    while (ws.projects_dir / slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_project(
    ws: Workspace,
    title: str,
    *,
    user: str,
    slug: str | None = None,
    fields: dict[str, Any] | None = None,
    today: date | None = None,
) -> OnePagerDoc:
    """Create `projects/<slug>/onepager.md`; raise ProjectExists if the slug is taken."""
    from shipyard.core.workspace.names import PROJECT_SLUG, check_name, check_title

    title = check_title(title)
    if slug is not None:
        check_name(PROJECT_SLUG, slug)
    ws.audit.ensure_appendable()  # a change that cannot be logged is not made
    today = today or date.today()
    data: dict[str, Any] = {"title": title, "stage": Stage.IDEA, "stage_since": today}
    data.setdefault("dates", {"start": today})
    data.update(fields or {})
    onepager = OnePager.model_validate(data)
    if slug:
        if (ws.projects_dir / slug).exists():
            raise ProjectExists(
                f"a project '{slug}' already exists",
                file=ws.projects_dir / slug,
                fix="choose another short name",
            )
    else:
        slug = _free_slug(ws, slugify(title))
    folder = ws.projects_dir / slug
    folder.mkdir(parents=True)
    doc = new_onepager_doc(folder / ONEPAGER, onepager, NEW_BODY)
    doc.save()
    ws.audit.append("project.create", slug, user=user, details={"title": onepager.title})
    return doc


def save_onepager(
    ws: Workspace,
    slug: str,
    doc: OnePagerDoc,
    *,
    user: str,
    previous: OnePager | None = None,
    reason: str = "",
    today: date | None = None,
) -> list[str]:
    """Save an edited one-pager; returns the changed fields (also written to the audit log).

    A stage change stamps `stage_since` and gets its own audit entry.
    """
    ws.audit.ensure_appendable()
    before = previous.front_matter() if previous else {}
    if previous is not None and previous.stage != doc.onepager.stage:
        doc.onepager.stage_since = today or date.today()
    after = doc.onepager.front_matter()
    changed = sorted(_diff(before, after)) if previous is not None else ["*"]
    from shipyard.core.workspace.recovery import audit_intent

    text = doc.to_text()  # dumped once: the intent's hash and the file are the same bytes
    intent = audit_intent(ws, doc.path, "project.edit", slug, user=user, reason=reason,
                          details={"fields": changed}, content=text.encode("utf-8"))  # fmt: skip
    atomic_write_text(doc.path, text)
    crash_point("onepager.before_audit")
    if previous is not None and previous.stage != doc.onepager.stage:
        ws.audit.append(
            "project.stage",
            slug,
            user=user,
            reason=reason,
            details={"from": previous.stage.value, "to": doc.onepager.stage.value},
        )
    ws.audit.append("project.edit", slug, user=user, reason=reason, details={"fields": changed})
    intent.done()
    return changed


def _diff(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        name = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(_diff(a, b, name + "."))
        elif a != b:
            out.append(name)
    return out


def set_stage(ws: Workspace, slug: str, stage: Stage, *, user: str, reason: str = "") -> None:
    entry = ws.project(slug)
    if entry.doc is None:
        raise entry.error or ShipyardError("the one-pager cannot be read")
    previous = entry.doc.onepager.model_copy(deep=True)
    entry.doc.onepager.stage = stage
    save_onepager(ws, slug, entry.doc, user=user, previous=previous, reason=reason)


def delete_project(ws: Workspace, slug: str, *, user: str, reason: str = "") -> Path:
    """Move the project to the workspace's trash (so it can be restored) and log it."""
    from shipyard.core.workspace.names import PROJECT_SLUG, check_name

    source = ws.projects_dir / check_name(PROJECT_SLUG, slug)
    if not source.is_dir():
        ws.project(slug)  # raises ProjectNotFound with the list of slugs
    ws.audit.ensure_appendable()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = ws.root / TRASH / f"{slug}-{stamp}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))
    ws.audit.append(
        "project.delete",
        slug,
        user=user,
        reason=reason,
        details={"trash": str(target.relative_to(ws.root))},
    )
    return target


def restore_project(ws: Workspace, trashed: Path, slug: str, *, user: str) -> None:
    """Undo a delete: move the folder back from the trash."""
    from shipyard.core.workspace.names import PROJECT_SLUG, check_name

    target = ws.projects_dir / check_name(PROJECT_SLUG, slug)
    if target.exists():
        raise ProjectExists(
            f"a project '{slug}' exists again", file=target, fix="rename it before restoring"
        )
    shutil.move(str(trashed), str(target))
    ws.audit.append("project.restore", slug, user=user)
