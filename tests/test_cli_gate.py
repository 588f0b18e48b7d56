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

from shipyard.cli.commands import run

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
    # The policy's three checks, then the one-pager's target and the dummy baseline.
    assert suite.get("tests") == "5" and suite.get("failures") == "0"
    assert "PASS  target" in err and "PASS  baseline" in err
    assert err.startswith("Gating the best exportable run by ROC AUC, ")  # no champion yet
    assert "<!doctype html>" in page.read_text("utf-8")


def test_exit_1_when_a_required_check_fails(
    ws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy(ws, PASSING + "  - kind: model_card\n")
    junit = tmp_path / "gates.xml"
    assert run(["gate", str(ws.root), SLUG, "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  model_card" in out and "no model card yet — generate one" in out
    assert "blocked by: model_card" in out and "then gate again: shipyard gate" in out
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
    # The checks always in effect are shown too: the one-pager's target, the baseline.
    assert "id: target" in out and "threshold: 0.75" in out and "kind: baseline" in out


def _train_dummy_again(ws: Any) -> str:
    from shipyard.core.training import train_ladder

    [run] = train_ladder(ws, SLUG, f"{gtw.DATASET}@v1", gtw.TARGET, user="t", families=["dummy"])
    return run.run_id


def test_without_a_champion_the_best_run_is_gated_not_the_newest(
    ws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from shipyard.core.training import list_runs

    _policy(ws, PASSING)
    newest = _train_dummy_again(ws)  # newer than the linear run, and worse
    linear = next(r.run_id for r in list_runs(ws, SLUG) if r.family == "linear")
    assert list_runs(ws, SLUG)[-1].run_id == newest
    assert run(["gate", str(ws.root), SLUG]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith(f"Gating the best exportable run by ROC AUC, {linear}")
    assert "no champion yet" in first and "shipyard runs promote" in first
    assert f"Gates for {SLUG}, run {linear}" in out
    assert f"Gates for {SLUG}, run {newest}" not in out


def test_the_champion_is_gated_and_named(ws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard.core.training import promote

    _policy(ws, PASSING)
    newest = _train_dummy_again(ws)
    promote(ws, SLUG, newest, user="t", reason="try the dummy")
    assert run(["gate", str(ws.root), SLUG]) == 1  # the dummy never beats the dummy
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Gating the champion {newest}"
    assert "FAIL  baseline" in out and "blocked by: target, baseline" in out
    assert "the model itself falls short" in out and "then gate again" not in out
    assert run(["gate", str(ws.root), SLUG, "--run", newest[:8] + "x"]) == 2


def test_a_swapped_model_is_refused_with_the_fix(
    ws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from shipyard.core.training import list_runs

    runs = {r.family: r for r in list_runs(ws, SLUG)}
    shutil.copyfile(runs["dummy"].folder / "model.onnx", runs["linear"].folder / "model.onnx")
    assert run(["gate", str(ws.root), SLUG, "--run", runs["linear"].run_id]) == 2
    err = capsys.readouterr().err
    assert "model.onnx was changed after training" in err and "model.onnx" in err
    assert "restore the original model.onnx" in err


def test_the_verdict_names_the_sealed_test_split_and_its_wear(
    ws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from shipyard.core.training import list_runs

    _policy(ws, PASSING)
    runs = {r.family: r for r in list_runs(ws, SLUG)}
    assert run(["gate", str(ws.root), SLUG]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    tests = runs["linear"].dataset["test_rows"]
    judged = next(x for x in lines if x.startswith("judged on"))
    assert judged.startswith(f"judged on the sealed test split ({tests} rows); ")
    assert lines.index(judged) == len(lines) - 2  # right above the verdict
    assert "(measured on the test split)" in out
    count = int(judged.split("; ")[1].split(" distinct")[0])
    config = ws.root / "shipyard.toml"
    config.write_text(
        config.read_text("utf-8") + f"\n[gates]\ntest_split_wear_limit = {count}\n", "utf-8"
    )
    assert run(["gate", str(ws.root), SLUG, "--run", runs["dummy"].run_id]) == 1
    out = capsys.readouterr().out
    assert f"{count + 1} distinct models scored on it so far (warns past {count})" in out
    assert "WARN  the test split is worn" in out and "--seed 43" in out
