"""A prepared workspace for the Models tab tests, built once per test session.

- churn-risk: churn_customers@v1 linked (email and phone are PII), no runs yet
- lead-scoring: inbound_leads@v1 linked, dummy + linear trained (binary)
- invoice-routing: invoice_documents@v1 linked, dummy + linear trained (multiclass)
- demand-forecast: store_daily_sales@v1 linked, dummy + linear trained (regression)

Tests copy it (shutil.copytree) so each one may change its copy freely.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

FAST = ["dummy", "linear"]
PROJECTS = {
    "churn-risk": ("churn_customers.csv", "churn_customers", None),
    "lead-scoring": ("inbound_leads.csv", "inbound_leads", "converted"),
    "invoice-routing": ("invoice_documents.csv", "invoice_documents", "route"),
    "demand-forecast": ("store_daily_sales.csv", "store_daily_sales", "units_sold"),
}


def build(root: Path) -> Path:
    from shipyard.core.data import import_file, link_version
    from shipyard.core.training import train_ladder
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.create(root, template_name="demo", name="Models tests")
    for slug in PROJECTS:  # start from a known state, whatever the demo ships
        folder = ws.projects_dir / slug
        shutil.rmtree(folder / "runs", ignore_errors=True)
        for name in ("champion.json", "task.yaml", "data.yaml"):
            (folder / name).unlink(missing_ok=True)
    for slug, (sample, name, target) in PROJECTS.items():
        version = import_file(ws, ws.root / "samples" / sample, name, user="Ada")
        link_version(ws, slug, version, user="Ada")
        if target is not None:
            train_ladder(ws, slug, version, target, user="Ada", families=FAST)
    return ws.root


_BUILT: list[Path] = []  # one build per test process, shared by every module using it


@pytest.fixture(scope="session")
def prepared_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _BUILT:
        _BUILT.append(build(tmp_path_factory.mktemp("models") / "ws"))
    return _BUILT[0]


@pytest.fixture
def ws_copy(prepared_ws: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(prepared_ws, target, ignore=shutil.ignore_patterns("lock*"))
    return target


def runs_of(root: Path, slug: str) -> list[Any]:
    from shipyard.core.training import list_runs
    from shipyard.core.workspace.workspace import Workspace

    return list_runs(Workspace.open(root), slug)
