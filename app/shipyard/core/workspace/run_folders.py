"""Where a project's runs are on disk, and which folders hold a recorded run.

The one way to list runs, without reading any run.json: the training package reads the
records, and the data, portfolio and gate code that only need the folders (lineage, the
project's status, the health signal) list them here without loading training.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shipyard.core.workspace.layout import RUN_FILE, RUNS_DIR
from shipyard.core.workspace.workspace import Workspace


def runs_dir(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / RUNS_DIR


def _recorded(ws: Workspace, slug: str) -> Iterator[Path]:
    folder = runs_dir(ws, slug)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        # `.tmp-<run-id>` is a run still being recorded (or one a crash left behind).
        if not path.name.startswith(".") and (path / RUN_FILE).is_file():
            yield path


def run_folders(ws: Workspace, slug: str) -> list[Path]:
    """The folders of the project's recorded runs (each holds a run.json), sorted by name:
    run ids start with their UTC time stamp, so the last is the newest. Staging folders
    (`.tmp-*`) are never listed."""
    return sorted(_recorded(ws, slug))


def has_runs(ws: Workspace, slug: str) -> bool:
    """Whether the project has at least one recorded run (stops at the first)."""
    return next(_recorded(ws, slug), None) is not None


def newest_run_folder(ws: Workspace, slug: str) -> Path | None:
    """The folder of the project's newest recorded run, or None.

    Names are sorted without a stat each (run ids start with their UTC time stamp); only
    the names from the newest backwards are checked for a run.json, so a project with
    thousands of runs costs one directory listing.
    """
    folder = runs_dir(ws, slug)
    try:
        names = sorted((n for n in _names(folder) if not n.startswith(".")), reverse=True)
    except OSError:
        return None
    for name in names:
        if (folder / name / RUN_FILE).is_file():
            return folder / name
    return None


def _names(folder: Path) -> list[str]:
    import os

    with os.scandir(folder) as entries:
        return [e.name for e in entries if e.is_dir()]
