"""One way to list a project's runs: run_folders / has_runs skip half-recorded folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.portfolio.projects import create_project
from shipyard.core.training.runs import list_runs, read_record
from shipyard.core.workspace.run_folders import has_runs, newest_run_folder, run_folders
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


def _folder(ws: Workspace, name: str, record: object = None) -> Path:
    folder = ws.projects_dir / SLUG / "runs" / name
    folder.mkdir(parents=True)
    if record is not None:
        (folder / "run.json").write_text(json.dumps(record), "utf-8")
    return folder


def test_staging_and_empty_folders_are_not_runs(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ana")
    assert run_folders(blank_ws, SLUG) == [] and not has_runs(blank_ws, SLUG)
    assert newest_run_folder(blank_ws, SLUG) is None
    _folder(blank_ws, ".tmp-20260101T000000-linear-aaaaaa", {"run_id": "half"})
    _folder(blank_ws, "20260101T000000-trees-bbbbbb")  # no run.json: not a run
    assert run_folders(blank_ws, SLUG) == [] and not has_runs(blank_ws, SLUG)
    newer = _folder(blank_ws, "20260102T000000-linear-cccccc", {"run_id": "c"})
    older = _folder(blank_ws, "20260101T000000-dummy-dddddd", {"run_id": "d"})
    assert run_folders(blank_ws, SLUG) == [older, newer]  # by name: oldest first
    # The newest is found from the names; a newer folder without run.json is passed over.
    _folder(blank_ws, "20260103T000000-trees-eeeeee")
    _folder(blank_ws, ".tmp-20260104T000000-linear-ffffff", {"run_id": "half"})
    assert newest_run_folder(blank_ws, SLUG) == newer
    assert newest_run_folder(blank_ws, "no-such-project") is None
    assert has_runs(blank_ws, SLUG)
    assert run_folders(blank_ws, "no-such-project") == []


def test_a_record_that_is_not_an_object_is_damaged_not_a_crash(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ana")
    _folder(blank_ws, "20260101T000000-linear-aaaaaa", [1, 2])
    with pytest.raises(ShipyardError, match="run record is damaged") as err:
        list_runs(blank_ws, SLUG)
    assert err.value.file is not None and err.value.file.name == "run.json"


def test_a_partial_read_fills_what_is_missing(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ana")
    folder = _folder(blank_ws, "r1", {"family": "trees", "metrics": {"f1": 0.5}})
    with pytest.raises(ShipyardError, match="damaged"):
        read_record(folder / "run.json")  # a full read needs every field
    record = read_record(folder / "run.json", partial=True)
    assert (record.run_id, record.family, record.metrics) == ("r1", "trees", {"f1": 0.5})
    assert record.exportable is False and record.model_path is None  # fails closed
