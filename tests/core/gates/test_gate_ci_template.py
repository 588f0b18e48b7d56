"""The CI job file the workspace templates carry, run for real against a trained workspace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gate_test_workspace as gtw
import pytest
import yaml

from shipyard.core.workspace.workspace import Workspace

WORKFLOW = Path(".github") / "workflows" / "shipyard-gates.yml"


@pytest.mark.parametrize("template", ["demo", "blank"])
def test_new_workspaces_carry_the_gates_workflow(tmp_path: Path, template: str) -> None:
    ws = Workspace.create(tmp_path / template, template_name=template)
    job = yaml.safe_load((ws.root / WORKFLOW).read_text("utf-8"))["jobs"]["gates"]
    script = next(s["run"] for s in job["steps"] if "shipyard gate" in s.get("run", ""))
    assert "--junit" in script and "--json" in script and "--html" in script


def test_the_workflow_script_gates_every_trained_project(gws: Any, tmp_path: Path) -> None:
    from shipyard.core.resources import template

    job = yaml.safe_load((template("demo") / WORKFLOW).read_text("utf-8"))["jobs"]["gates"]
    script = next(s["run"] for s in job["steps"] if "shipyard gate" in s.get("run", ""))
    shim = tmp_path / "bin" / "shipyard"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m shipyard "$@"\n', "utf-8")
    shim.chmod(0o755)
    env = dict(os.environ, PATH=f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=gws.root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr  # the default policy wants a model card
    results = gws.root / "gate-results"
    names = {p.name for p in results.iterdir()}
    trained = {p.parents[2].name for p in gws.projects_dir.glob("*/runs/*/run.json")}
    # Every project with a run is gated (the demo ships runs for some), each with 3 files.
    assert gtw.SLUG in trained
    assert names == {f"{slug}.{ext}" for slug in trained for ext in ("html", "json", "xml")}
    assert "fraud-flag has no runs yet" in done.stdout
