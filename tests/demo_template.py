"""The demo workspace without what it ships from training onwards, for tests that make their own.

The demo template carries datasets, runs, champions, model cards, data contracts, rollout
policies, flags and the audit entries that made them. Tests that count runs, audit entries
or expect "no model card yet" start from the one-pagers and samples only.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from shipyard.core.workspace.layout import PROJECT_OUTPUTS


def strip_demo_training(root: Path) -> None:
    shutil.rmtree(root / "datasets", ignore_errors=True)
    (root / "audit.jsonl").unlink(missing_ok=True)
    for project in (root / "projects").iterdir():
        for name in PROJECT_OUTPUTS:
            path = project / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


def plain_demo(root: Path, name: str | None = None) -> Any:
    """A new demo workspace at `root` with only one-pagers and samples."""
    from shipyard.core.workspace.workspace import Workspace

    named = {"name": name} if name else {}
    ws = Workspace.create(root, template_name="demo", **named)
    strip_demo_training(ws.root)
    return Workspace.open(ws.root)
