"""A demo workspace with churn data imported and two tiny runs (dummy, linear) trained on
churn-risk (no other project has runs), built once per test process and shared by the core,
CLI and GUI rollout tests (copy it to change it).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

SLUG = "churn-risk"
_BUILT: list[Path] = []


def template() -> Path:
    """The prepared workspace folder (read-only by convention)."""
    if not _BUILT:
        from shipyard.core.data import import_file
        from shipyard.core.training import train_ladder

        root = Path(tempfile.mkdtemp(prefix="shipyard-rollout-")) / "ws"
        from demo_template import plain_demo

        # Start from projects without runs, champions, policies or flags, whatever the demo
        # ships, so "newest run", "champion" and "no runs yet" mean the same in every test.
        ws = plain_demo(root)
        sample = ws.root / "samples" / "churn_customers.csv"
        version = import_file(ws, sample, "churn", user="t")
        train_ladder(ws, SLUG, version.ref, "churned", user="t", families=["dummy", "linear"])
        _BUILT.append(root)
        atexit.register(cleanup)
    return _BUILT[0]


def copy(dest: Path) -> Path:
    shutil.copytree(template(), dest)
    return dest


def cleanup() -> None:
    for root in _BUILT:
        shutil.rmtree(root.parent, ignore_errors=True)
    _BUILT.clear()
