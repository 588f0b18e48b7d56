"""Taking the workspace lock cleans what a killed process left, and says what it did."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from shipyard.cli.commands import run
from shipyard.core.workspace.recovery import audit_intent


def _folder(path: Path, files: dict[str, bytes] | None = None) -> Path:
    path.mkdir(parents=True)
    for name, data in (files or {"a.txt": b"a"}).items():
        (path / name).write_bytes(data)
    return path


def test_staging_and_tmp_folders_of_dead_processes_are_removed(blank_ws: Any) -> None:
    staging = _folder(blank_ws.root / ".shipyard" / "staging" / "v-123", {"data.parquet": b"x"})
    run_tmp = _folder(blank_ws.projects_dir / "p" / "runs" / ".tmp-20260101T000000-dummy-aa")
    pkg_tmp = _folder(blank_ws.root / "exports" / ".tmp-p-1-abc123")
    with blank_ws.lock("test"):
        pass
    assert not staging.exists() and not run_tmp.exists() and not pkg_tmp.exists()
    lines = blank_ws.last_recovery.lines()
    assert any(".shipyard/staging/v-123" in line for line in lines)
    assert any(".tmp-20260101T000000-dummy-aa" in line for line in lines)
    assert blank_ws.audit.verify().ok


def test_a_package_interrupted_between_renames_is_restored(blank_ws: Any) -> None:
    exports = blank_ws.root / "exports"
    old = _folder(exports / ".old-p-run1-a1b2c3", {"model.onnx": b"old"})
    with blank_ws.lock("test"):
        pass
    assert (exports / "p-run1" / "model.onnx").read_bytes() == b"old" and not old.exists()
    assert "restored exports/p-run1" in blank_ws.last_recovery.lines()[0]


def test_a_replaced_package_drops_its_old_copy(blank_ws: Any) -> None:
    exports = blank_ws.root / "exports"
    _folder(exports / "p-run1", {"model.onnx": b"new"})
    old = _folder(exports / ".old-p-run1-a1b2c3", {"model.onnx": b"old"})
    with blank_ws.lock("test"):
        pass
    assert not old.exists() and (exports / "p-run1" / "model.onnx").read_bytes() == b"new"


def test_a_finished_zip_is_moved_into_place_and_a_partial_one_removed(blank_ws: Any) -> None:
    exports = blank_ws.root / "exports"
    done = _folder(exports / "p-run1", {"model.onnx": b"m", "manifest.json": b"{}"})
    with zipfile.ZipFile(exports / ".p-run1.zip.building", "w") as zf:
        for f in done.iterdir():
            zf.writestr(f.name, f.read_bytes())
    (exports / ".p-run2.zip.building").write_bytes(b"PK\x03\x04 half a zip")
    with blank_ws.lock("test"):
        pass
    assert (exports / "p-run1.zip").is_file()
    assert not (exports / ".p-run1.zip.building").exists()
    assert not (exports / ".p-run2.zip.building").exists()


def test_a_commit_without_its_audit_entry_gets_it_from_its_intent(blank_ws: Any) -> None:
    version = _folder(blank_ws.root / "datasets" / "sales" / "v1", {"version.json": b"{}"})
    audit_intent(blank_ws, version, "dataset.import", "sales@v1", user="ann", details={"rows": 3})
    # A commit that never happened: its intent is dropped, nothing is logged.
    audit_intent(blank_ws, blank_ws.root / "datasets" / "ghost" / "v1", "dataset.import",
                 "ghost@v1", user="ann")  # fmt: skip
    done = audit_intent(blank_ws, version, "dataset.split", "sales@v1", user="ann")
    blank_ws.audit.append("dataset.split", "sales@v1", user="ann")
    done.done()
    with blank_ws.lock("test"):
        pass
    entries = blank_ws.audit.entries()
    assert [(e["action"], e["target"], e["user"]) for e in entries] == [
        ("dataset.split", "sales@v1", "ann"),
        ("dataset.import", "sales@v1", "ann"),
    ]
    assert entries[1]["details"] == {"rows": 3, "recovered": True}
    assert blank_ws.audit.verify().ok
    assert not any((blank_ws.root / ".shipyard" / "intents").iterdir())
    with blank_ws.lock("again"):  # nothing left to do the second time
        pass
    assert not blank_ws.last_recovery and len(blank_ws.audit.entries()) == 2


def test_an_untouched_workspace_reports_nothing(trained_demo_ws: Any) -> None:
    before = trained_demo_ws.audit.path.read_bytes()
    with trained_demo_ws.lock("test"):
        pass
    assert not trained_demo_ws.last_recovery, trained_demo_ws.last_recovery.lines()
    assert trained_demo_ws.audit.path.read_bytes() == before


def test_the_cli_says_what_it_recovered(blank_ws: Any, capsys: Any) -> None:
    _folder(blank_ws.root / ".shipyard" / "staging" / "v-9")
    assert run(["project", "new", str(blank_ws.root), "Recovered"]) == 0
    assert "recovered: removed the leftover of an interrupted write" in capsys.readouterr().err
