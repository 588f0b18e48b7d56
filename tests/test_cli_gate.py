"""`shipyard gate`: exit codes, JSON, JUnit XML and HTML outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

sys.path.insert(0, str(Path(__file__).parent / "core" / "gates"))

import gate_test_workspace as gtw

from shipyard.cli import run

SLUG = gtw.SLUG
PASSING = "inherit: false\nchecks:\n  - kind: onnx_parity\n  - kind: latency\n    rows: 20\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gtw.build(tmp_path_factory.mktemp("cli-gate") / "ws")


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Any:
    return gtw.copy(template, tmp_path / "ws")


def _policy(ws: Any, text: str) -> None:
    (ws.projects_dir / SLUG / "gates.yaml").write_text(text, encoding="utf-8")


def test_exit_0_when_required_checks_pass_with_all_outputs(
    ws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy(ws, PASSING + "  - kind: model_card\n    required: false\n")
    junit, page = tmp_path / "gates.xml", tmp_path / "gates.html"
    code = run(
        ["gate", str(ws.root), SLUG, "--json", "-", "--junit", str(junit), "--html", str(page)]
    )
    out, err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["passed"] is True and data["verdict"] == "warn"
    assert "WARN  model_card" in err and "PASS  onnx_parity" in err
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "3" and suite.get("failures") == "0"
    assert "<!doctype html>" in page.read_text("utf-8")


def test_exit_1_when_a_required_check_fails(
    ws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy(ws, PASSING + "  - kind: model_card\n")
    junit = tmp_path / "gates.xml"
    assert run(["gate", str(ws.root), SLUG, "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  model_card" in out and "no model card yet — generate one" in out
    failures = [
        c.get("name")
        for c in ET.parse(junit).getroot().iter("testcase")
        if c.find("failure") is not None
    ]
    assert failures == ["model_card"]
    runs = ws.projects_dir / SLUG / "runs"
    assert len(list(runs.glob("*/gate_report.json"))) == 1


def test_exit_2_for_bad_input(ws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _policy(ws, "checks:\n  - kind: quality\n    metric: f2\n    threshold: 1\n")
    assert run(["gate", str(ws.root), SLUG]) == 2
    err = capsys.readouterr().err
    assert "gates.yaml:3" in err and "unknown metric 'f2'" in err and "roc_auc" in err
    _policy(ws, PASSING)
    assert run(["gate", str(ws.root), "nope"]) == 2
    assert "no project 'nope'" in capsys.readouterr().err
    assert run(["gate", str(ws.root), SLUG, "--run", "20260101T000000-x-000000"]) == 2
    assert "has no run" in capsys.readouterr().err


def test_show_policy_prints_the_effective_policy(
    ws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["gate", str(ws.root), SLUG, "--show-policy"]) == 0
    out = capsys.readouterr().out
    assert "kind: onnx_parity" in out and "kind: champion_regression" in out
