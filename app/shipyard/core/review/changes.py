"""What changed since the last review, per project, read from the audit log.

Every change the app makes is an audit entry whose target names the project (`slug`),
a run of it (`slug/run-id`) or a dataset version (`name@vN`, which belongs to every
project linking that dataset). A line that cannot be read is skipped here: `shipyard audit
verify` is where a broken log is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shipyard.core.workspace.workspace import Workspace


@dataclass(frozen=True)
class Change:
    time: datetime
    user: str
    action: str
    target: str
    text: str


def _run_id(target: str) -> str:
    return target.split("/", 1)[1] if "/" in target else target


def _fields(d: dict[str, Any]) -> str:
    fields = d.get("fields") or []
    return ", ".join(str(f) for f in fields) if fields != ["*"] else "all fields"


DESCRIBE: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "run.record": lambda t, d: f"new {d.get('family', '')} run {_run_id(t)}".replace("  ", " "),
    "champion.promote": lambda t, d: f"champion is now {d.get('family', '')} run {_run_id(t)}",
    "gates.run": lambda t, d: (
        f"gates {d.get('verdict', '?')} on {_run_id(t)}"
        + (f" (failed: {', '.join(map(str, d['failed']))})" if d.get("failed") else "")
    ),
    "project.stage": lambda t, d: f"stage {d.get('from', '?')} → {d.get('to', '?')}",
    "project.create": lambda t, d: "project created",
    "project.edit": lambda t, d: f"one-pager edited ({_fields(d)})",
    "dataset.import": lambda t, d: f"new data version {t} ({d.get('rows', '?')} rows)",
    "dataset.split": lambda t, d: f"{t} split for training and evaluation",
    "project.data.link": lambda t, d: f"uses {d.get('ref', '?')} for {d.get('role', 'training')}",
    "flags.save": lambda t, d: "feature flags saved",
    "rollout.policy.save": lambda t, d: "rollout policy saved",
    "card.generate": lambda t, d: "model card generated",
    "card.edit": lambda t, d: "model card edited",
    "package.export": lambda t, d: f"signed package exported for {_run_id(t)}",
    "project.data.unlink": lambda t, d: f"no longer uses {d.get('ref', '?')}",
    "project.data_contract.save": lambda t, d: "data contract saved",
    "project.delete": lambda t, d: "project moved to the trash",
    "project.restore": lambda t, d: "project restored from the trash",
    "gates.policy.save": lambda t, d: "gate policy saved",
    "review.decision": lambda t, d: f"review decision: {d.get('decision', '?')}",
}
# Entries about the workspace, not a project: the audit's seals, a saved review.
QUIET = {"audit.seal", "review.save"}


def _when(text: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def links_by_project(ws: Workspace) -> dict[str, list[Any]]:
    """Each project's data links (data.yaml); a damaged file counts as no links here (the
    Datasets page and `shipyard validate` report it)."""
    from shipyard.core.data.project_links import project_links
    from shipyard.core.errors import ShipyardError

    out: dict[str, list[Any]] = {}
    for slug in ws.slugs():
        try:
            out[slug] = project_links(ws, slug)
        except ShipyardError:
            out[slug] = []
    return out


def changes_since(
    ws: Workspace, since: datetime | None, links: dict[str, list[Any]] | None = None
) -> dict[str, list[Change]]:
    """Per project, the changes after `since` (everything when None), oldest first.
    `links` (from `links_by_project`) spares reading every data.yaml again."""
    links = links_by_project(ws) if links is None else links
    known = set(links)
    datasets: dict[str, list[str]] = {}  # dataset name -> the projects linking it
    for slug, project_links in links.items():
        for link in project_links:
            datasets.setdefault(link.dataset, []).append(slug)
    out: dict[str, list[Change]] = {}
    for _line, entry, problem in ws.audit.read_lines():
        if problem:
            continue
        action = str(entry.get("action", ""))
        when = _when(entry.get("time"))
        if when is None or action in QUIET or (since is not None and when <= since):
            continue
        target = str(entry.get("target", ""))
        raw = entry.get("details")
        details: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if "@" in target:
            owners = datasets.get(target.split("@", 1)[0], [])
        else:
            head = target.split("/", 1)[0]
            owners = [head] if head in known else []
        describe = DESCRIBE.get(action)
        text = describe(target, details) if describe else action
        if entry.get("reason"):
            text += f" — {entry['reason']}"
        change = Change(when, str(entry.get("user", "")), action, target, text)
        for slug in owners:
            out.setdefault(slug, []).append(change)
    return out
