"""The audit log: a hash chain that shows tampering, and the entries project changes leave."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date
from pathlib import Path

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.portfolio.onepager_model import Stage
from shipyard.core.portfolio.projects import (
    create_project,
    delete_project,
    restore_project,
    save_onepager,
    set_stage,
)
from shipyard.core.workspace.audit import GENESIS, AuditLog
from shipyard.core.workspace.layout import AUDIT_NAME
from shipyard.core.workspace.workspace import Workspace


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path / AUDIT_NAME)
    log.append("project.create", "alpha", user="ann", details={"title": "Alpha"})
    log.append("project.edit", "alpha", user="bob", reason="typo", details={"fields": ["title"]})
    log.append("project.delete", "alpha", user="ann", reason="duplicate")
    return log


# -- the chain -----------------------------------------------------------------------------


def test_append_builds_a_hash_chain(log: AuditLog) -> None:
    entries = log.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev"] == GENESIS == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after["prev"] == before["hash"]
    for entry in entries:
        body = {k: v for k, v in entry.items() if k != "hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry["hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert len({e["hash"] for e in entries}) == 3


def test_append_records_who_what_and_why(log: AuditLog) -> None:
    second = log.entries()[1]
    assert second["user"] == "bob"
    assert second["action"] == "project.edit"
    assert second["target"] == "alpha"
    assert second["reason"] == "typo"
    assert second["details"] == {"fields": ["title"]}
    assert second["time"].endswith("+00:00")
    assert log.entries()[2]["details"] == {}


def test_append_returns_what_it_wrote(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / AUDIT_NAME)
    entry = log.append("x", "t", user="ünïcode", details={"note": "≥ 0.75"})
    assert log.entries() == [entry]
    raw = (tmp_path / AUDIT_NAME).read_text(encoding="utf-8")
    assert raw.endswith("\n")
    assert raw.count("\n") == 1
    assert "ünïcode" in raw  # written as readable UTF-8


def test_verify_ok(log: AuditLog) -> None:
    check = log.verify()
    assert check.ok
    assert check.entries == 3
    assert check.broken_line is None
    assert check.describe(log.path) == f"{log.path}: 3 entries, chain intact"


def test_verify_missing_and_empty_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / AUDIT_NAME)
    assert log.verify().ok
    assert log.verify().entries == 0
    assert log.entries() == []
    log.path.write_text("\n\n", encoding="utf-8")
    assert log.verify().ok


def test_blank_lines_are_ignored(log: AuditLog) -> None:
    lines = _lines(log.path)
    log.path.write_text(lines[0] + "\n" + "".join(lines[1:]) + "\n", encoding="utf-8")
    assert log.verify().ok
    log.append("project.restore", "alpha", user="ann")
    assert log.verify().entries == 4
    assert log.entries()[-1]["seq"] == 4


def test_editing_a_field_is_reported_on_its_line(log: AuditLog) -> None:
    lines = _lines(log.path)
    entry = json.loads(lines[1])
    entry["user"] = "mallory"
    lines[1] = json.dumps(entry, sort_keys=True) + "\n"
    log.path.write_text("".join(lines), encoding="utf-8")

    check = log.verify()
    assert not check.ok
    assert check.broken_line == 2
    assert check.entries == 1
    assert check.reason == "its content was changed after it was written"
    assert check.describe(log.path) == (
        f"{log.path}:2: chain broken — its content was changed after it was written"
    )


def test_editing_a_field_and_its_hash_breaks_the_next_link(log: AuditLog) -> None:
    lines = _lines(log.path)
    entry = json.loads(lines[1])
    entry["reason"] = "nothing to see"
    body = {k: v for k, v in entry.items() if k != "hash"}
    entry["hash"] = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    lines[1] = json.dumps(entry, sort_keys=True) + "\n"
    log.path.write_text("".join(lines), encoding="utf-8")

    check = log.verify()
    assert not check.ok
    assert check.broken_line == 3
    assert check.reason == "it does not point at the entry before it"


@pytest.mark.parametrize(("deleted", "reported"), [(0, 1), (1, 2)])
def test_deleting_a_line_is_reported(log: AuditLog, deleted: int, reported: int) -> None:
    lines = _lines(log.path)
    del lines[deleted]
    log.path.write_text("".join(lines), encoding="utf-8")

    check = log.verify()
    assert not check.ok
    assert check.broken_line == reported
    assert check.reason == "it does not point at the entry before it"


def test_reordering_lines_is_reported(log: AuditLog) -> None:
    lines = _lines(log.path)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_text("".join(lines), encoding="utf-8")
    check = log.verify()
    assert not check.ok
    assert check.broken_line == 2


def test_garbage_line_is_reported(log: AuditLog) -> None:
    lines = _lines(log.path)
    lines.insert(2, "this is not json\n")
    log.path.write_text("".join(lines), encoding="utf-8")

    check = log.verify()
    assert not check.ok
    assert check.broken_line == 3
    assert check.entries == 2
    assert check.reason == "the line is not valid JSON"


def test_truncated_last_line_is_reported(log: AuditLog) -> None:
    text = log.path.read_text(encoding="utf-8")
    log.path.write_text(text[: len(text) - 20], encoding="utf-8")
    check = log.verify()
    assert not check.ok
    assert check.broken_line == 3


def test_workspace_has_an_audit_log(blank_ws: Workspace) -> None:
    assert blank_ws.audit.path == blank_ws.root / AUDIT_NAME
    assert blank_ws.audit.verify().ok


# -- entries left by project changes -------------------------------------------------------


def _last(ws: Workspace, n: int = 1) -> list[dict]:
    return ws.audit.entries()[-n:]


def test_create_is_audited(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann <ann@example.com>")
    [entry] = blank_ws.audit.entries()
    assert entry["action"] == "project.create"
    assert entry["target"] == "churn-risk"
    assert entry["user"] == "ann <ann@example.com>"
    assert entry["details"] == {"title": "Churn risk"}
    assert entry["prev"] == GENESIS


def test_edit_is_audited_with_the_changed_fields(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann")
    previous = doc.onepager.model_copy(deep=True)
    doc.onepager.outcome = "fewer churned accounts"
    doc.onepager.scores.impact = 4
    doc.onepager.team = ["Ann", "Bob"]
    changed = save_onepager(blank_ws, "churn-risk", doc, user="bob", previous=previous,
                            reason="first draft")  # fmt: skip
    assert changed == ["outcome", "scores.impact", "team"]
    [entry] = _last(blank_ws)
    assert entry["action"] == "project.edit"
    assert entry["target"] == "churn-risk"
    assert entry["user"] == "bob"
    assert entry["reason"] == "first draft"
    assert entry["details"] == {"fields": ["outcome", "scores.impact", "team"]}
    assert [e["action"] for e in blank_ws.audit.entries()] == ["project.create", "project.edit"]


def test_edit_without_a_previous_version_is_marked_as_whole(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann")
    assert save_onepager(blank_ws, "churn-risk", doc, user="ann") == ["*"]
    assert _last(blank_ws)[0]["details"] == {"fields": ["*"]}


def test_stage_change_is_audited_with_from_and_to(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann", today=date(2026, 1, 5))
    set_stage(blank_ws, "churn-risk", Stage.DISCOVERY, user="bob", reason="kick-off done")
    stage_entry, edit_entry = _last(blank_ws, 2)
    assert stage_entry["action"] == "project.stage"
    assert stage_entry["target"] == "churn-risk"
    assert stage_entry["user"] == "bob"
    assert stage_entry["reason"] == "kick-off done"
    assert stage_entry["details"] == {"from": "idea", "to": "discovery"}
    assert edit_entry["action"] == "project.edit"
    assert edit_entry["details"] == {"fields": ["stage", "stage_since"]}
    assert edit_entry["reason"] == "kick-off done"


def test_delete_and_restore_are_audited(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann")
    trashed = delete_project(blank_ws, "churn-risk", user="bob", reason="merged into retention")
    [entry] = _last(blank_ws)
    assert entry["action"] == "project.delete"
    assert entry["target"] == "churn-risk"
    assert entry["user"] == "bob"
    assert entry["reason"] == "merged into retention"
    assert entry["details"] == {"trash": str(trashed.relative_to(blank_ws.root))}
    assert entry["details"]["trash"].startswith(".shipyard/trash/churn-risk-")

    restore_project(blank_ws, trashed, "churn-risk", user="carol")
    [entry] = _last(blank_ws)
    assert entry["action"] == "project.restore"
    assert entry["target"] == "churn-risk"
    assert entry["user"] == "carol"


def test_a_full_project_history_keeps_the_chain_intact(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann")
    previous = doc.onepager.model_copy(deep=True)
    doc.onepager.hypothesis = "usage predicts churn"
    save_onepager(blank_ws, "churn-risk", doc, user="ann", previous=previous)
    set_stage(blank_ws, "churn-risk", Stage.MVP, user="ann")
    trashed = delete_project(blank_ws, "churn-risk", user="ann")
    restore_project(blank_ws, trashed, "churn-risk", user="ann")

    assert [e["action"] for e in blank_ws.audit.entries()] == [
        "project.create",
        "project.edit",
        "project.stage",
        "project.edit",
        "project.delete",
        "project.restore",
    ]
    check = blank_ws.audit.verify()
    assert check.ok
    assert check.entries == 6


def test_append_after_a_damaged_line_gives_a_clear_error(log: AuditLog) -> None:
    # A torn or hand-edited line must not turn every later project change into a raw
    # JSONDecodeError traceback: the user needs the file, the line and what to do.
    with log.path.open("a", encoding="utf-8") as fh:
        fh.write('{"seq": 4, "action": "project.ed\n')
    with pytest.raises(ShipyardError) as info:
        log.append("project.edit", "alpha", user="ann")
    assert str(log.path) in str(info.value)
    assert "line 4" in str(info.value)
    assert info.value.fix
    assert len(_lines(log.path)) == 4  # nothing appended after the damage


def test_a_change_that_cannot_be_logged_is_not_made(blank_ws):
    from shipyard.core.errors import ShipyardError
    from shipyard.core.portfolio.projects import create_project

    blank_ws.audit.path.write_text("not json\n")
    with pytest.raises(ShipyardError, match="line 1 of the audit log is damaged"):
        create_project(blank_ws, "Never made", user="ann")
    assert blank_ws.slugs() == []
