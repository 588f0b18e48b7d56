"""Seals: signed checkpoints that show truncation, removal and rewrites of the audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.cli.commands import run
from shipyard.core.errors import ShipyardError
from shipyard.core.signing.audit_seal import seal_log, verify_audit
from shipyard.core.signing.keys import generate_key
from shipyard.core.workspace.audit import _digest
from shipyard.core.workspace.layout import SEALS_NAME


@pytest.fixture
def sealed_ws(blank_ws: Any, memory_keyring: Any) -> Any:
    generate_key(blank_ws, user="Ann Lee")
    for i in range(5):
        blank_ws.audit.append("project.edit", f"p{i}", user="ann", details={"i": i})
    seal_log(blank_ws, user="ann")
    return blank_ws


def _lines(ws: Any) -> list[str]:
    return ws.audit.path.read_text("utf-8").splitlines(keepends=True)


def _rewrite(ws: Any, lines: list[str]) -> None:
    ws.audit.path.write_text("".join(lines), "utf-8")


def _rechain(entries: list[dict]) -> list[str]:
    """What an insider would do: recompute every hash after editing the history."""
    prev = "0" * 64
    out = []
    for entry in entries:
        entry["prev"] = prev
        entry["hash"] = _digest(entry)
        prev = entry["hash"]
        out.append(json.dumps(entry, sort_keys=True) + "\n")
    return out


def test_a_sealed_intact_log_verifies_and_names_the_signer(sealed_ws: Any) -> None:
    total = len(_lines(sealed_ws))
    report = verify_audit(sealed_ws)
    assert report.ok and report.sealed_upto == total
    assert report.seals[0].signer == "Ann Lee" and report.seals[0].ok
    sealed_ws.audit.append("project.edit", "later", user="bob")
    report = verify_audit(sealed_ws)
    assert report.ok and "1 newer entries are not sealed yet" in report.describe()[-1]


def test_deleting_the_last_lines_is_detected(sealed_ws: Any) -> None:
    _rewrite(sealed_ws, _lines(sealed_ws)[:-2])
    assert sealed_ws.audit.verify().ok  # the plain chain cannot tell
    report = verify_audit(sealed_ws)
    assert not report.ok and "the log was cut" in report.seals[0].problem


def test_emptying_the_log_is_detected(sealed_ws: Any) -> None:
    _rewrite(sealed_ws, [])
    report = verify_audit(sealed_ws)
    assert not report.ok and "the log holds 0" in report.seals[0].problem


def test_a_rewritten_history_with_recomputed_hashes_is_detected(sealed_ws: Any) -> None:
    entries = [json.loads(line) for line in _lines(sealed_ws)]
    entries[1]["user"] = "mallory"
    _rewrite(sealed_ws, _rechain(entries))
    assert sealed_ws.audit.verify().ok  # a consistent chain ...
    report = verify_audit(sealed_ws)
    assert not report.ok and "rewritten" in report.seals[0].problem  # ... but not the sealed one


def test_removing_an_entry_in_the_middle_is_detected(sealed_ws: Any) -> None:
    entries = [json.loads(line) for line in _lines(sealed_ws)]
    del entries[2]
    _rewrite(sealed_ws, _rechain(entries))
    assert not verify_audit(sealed_ws).ok


def test_a_forged_or_edited_seal_is_detected(sealed_ws: Any) -> None:
    path = sealed_ws.root / SEALS_NAME
    seal = json.loads(path.read_text())
    seal["entries"] = 1  # move the checkpoint back to hide later rewrites
    path.write_text(json.dumps(seal) + "\n")
    report = verify_audit(sealed_ws)
    assert not report.ok and "signature does not match" in report.seals[0].problem


def test_a_seal_by_an_unknown_key_fails(sealed_ws: Any, tmp_path: Path) -> None:
    seal = json.loads((sealed_ws.root / SEALS_NAME).read_text())
    seal["key_id"] = "feedfacefeedface"
    (sealed_ws.root / SEALS_NAME).write_text(json.dumps(seal) + "\n")
    report = verify_audit(sealed_ws)
    assert not report.ok and "does not know" in report.seals[0].problem


def test_a_broken_log_is_not_sealed(sealed_ws: Any) -> None:
    _rewrite(sealed_ws, [*_lines(sealed_ws), "[1, 2]\n"])
    with pytest.raises(ShipyardError, match="not sealed"):
        seal_log(sealed_ws, user="ann")


@pytest.mark.parametrize(
    "bad", [b"[1,2]\n", b"null\n", b"\xff\xfe\n", b"{not json\n", b"[" * 100_000 + b"\n"]
)
def test_malformed_lines_never_crash_verify(sealed_ws: Any, bad: bytes, capsys: Any) -> None:
    with sealed_ws.audit.path.open("ab") as fh:
        fh.write(bad)
    report = verify_audit(sealed_ws)
    assert not report.ok
    assert report.broken_line == sealed_ws.audit.path.read_bytes().count(b"\n")
    assert run(["audit", "verify", str(sealed_ws.root)]) == 1
    assert "chain broken" in capsys.readouterr().err


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_any_bytes_in_the_log_or_the_seals_end_in_a_verdict(sealed_ws: Any, junk: bytes) -> None:
    log, seals = sealed_ws.audit.path, sealed_ws.root / SEALS_NAME
    keep_log, keep_seals = log.read_bytes(), seals.read_bytes()
    try:
        log.write_bytes(keep_log + junk)
        seals.write_bytes(keep_seals + junk)
        report = verify_audit(sealed_ws)
        assert isinstance(report.ok, bool) and report.describe()
    finally:
        log.write_bytes(keep_log)
        seals.write_bytes(keep_seals)


def test_the_cli_seals_and_verifies(blank_ws: Any, memory_keyring: Any, capsys: Any) -> None:
    generate_key(blank_ws, user="Ann Lee")
    blank_ws.audit.append("project.edit", "p", user="ann")
    assert run(["audit", "seal", str(blank_ws.root)]) == 0
    assert "Sealed" in capsys.readouterr().out
    assert run(["audit", "verify", str(blank_ws.root)]) == 0
    out = capsys.readouterr().out
    assert "chain intact" in out and "by Ann Lee's key" in out and "valid" in out


def test_an_export_carries_the_seal_of_the_log_and_seals_itself(
    pkg_ws: Any, tmp_path: Path
) -> None:
    from pkg_helpers import SLUG

    from shipyard.core.packaging.export import export_package

    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    carried = json.loads((result.folder / "audit_seal.json").read_text())
    lines = pkg_ws.audit.path.read_text().splitlines()
    assert carried["entries"] == len(lines) - 1  # the log before its export entry
    assert json.loads(lines[carried["entries"] - 1])["hash"] == carried["head"]
    report = verify_audit(pkg_ws)
    assert report.ok and report.sealed_upto == len(lines)  # the export entry is sealed too
