"""The stored report (shared format), the run it picks, exports, audit and health."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from typing import Any
from xml.etree import ElementTree as ET

import gate_test_workspace as gtw
import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.gates import GatePolicy, load_report, run_gates
from shipyard.core.gates.report_export import html_report, junit_xml

SLUG = gtw.SLUG
MIXED = {
    "inherit": False,
    "checks": [
        {"kind": "onnx_parity"},
        {"kind": "latency", "p95_ms": 1000, "rows": 20},
        {"kind": "model_card"},  # fails: no card
        {"kind": "quality", "metric": "f1", "threshold": 0.999, "required": False},
    ],
}


def test_report_is_stored_in_the_shared_format_and_audited(gws: Any, runs: dict) -> None:
    policy = GatePolicy.model_validate(MIXED)
    report = run_gates(gws, SLUG, user="Dana", policy=policy)
    linear = runs["linear"]
    assert report.run_id == linear.run_id  # no champion: the best exportable run
    folder = gws.projects_dir / SLUG / "runs" / linear.run_id
    data = json.loads((folder / "gate_report.json").read_text("utf-8"))
    assert data["format"] == 1 and data["project"] == SLUG and data["user"] == "Dana"
    model = (folder / "model.onnx").read_bytes()
    assert data["model_sha256"] == hashlib.sha256(model).hexdigest()
    assert len(data["policy_sha256"]) == 64 and data["created"].endswith("Z")
    assert data["passed"] is False and data["verdict"] == "fail"
    verdicts = {c["id"]: c["verdict"] for c in data["checks"]}
    # The one-pager's target and the dummy baseline are checked whatever the policy says.
    assert verdicts == {"onnx_parity": "pass", "latency": "pass", "model_card": "fail",
                        "quality-f1": "warn", "target": "pass", "baseline": "pass"}  # fmt: skip
    for check in data["checks"]:
        assert set(check) == {"id", "kind", "title", "required", "verdict", "value",
                              "threshold", "unit", "message", "evidence"}  # fmt: skip
    assert set(data["measurements"]) == {"latency_ms", "throughput_rps"}
    entry = gws.audit.entries()[-1]
    assert entry["action"] == "gates.run" and entry["target"] == f"{SLUG}/{linear.run_id}"
    assert entry["details"]["failed"] == ["model_card"]
    assert load_report(gws, SLUG, linear.run_id).verdict == "fail"
    assert gws.audit.verify().ok


def test_warnings_do_not_block(gws: Any) -> None:
    policy = GatePolicy.model_validate(
        {**MIXED, "checks": MIXED["checks"][:2] + MIXED["checks"][3:]}
    )
    report = run_gates(gws, SLUG, user="t", policy=policy)
    assert report.passed and report.verdict == "warn"


def test_the_champion_is_gated_by_default(gws: Any, runs: dict) -> None:
    from shipyard.core.training.champion import promote

    promote(gws, SLUG, runs["dummy"].run_id, user="t", reason="baseline")
    policy = GatePolicy.model_validate({"checks": [{"kind": "onnx_parity"}]})
    assert run_gates(gws, SLUG, user="t", policy=policy).run_id == runs["dummy"].run_id


def test_missing_things_give_clear_errors(gws: Any, runs: dict) -> None:
    with pytest.raises(ShipyardError, match="no run 'nope'"):
        run_gates(gws, SLUG, "nope", user="t")
    with pytest.raises(ShipyardError, match="no trained run yet") as err:
        run_gates(gws, "fraud-flag", user="t")
    assert "shipyard train" in err.value.fix
    run_id = runs["linear"].run_id
    (gws.projects_dir / SLUG / "runs" / run_id / "model.onnx").unlink()
    with pytest.raises(ShipyardError, match="lost its model file"):
        run_gates(gws, SLUG, run_id, user="t")
    shutil.rmtree(gws.root / "datasets" / gtw.DATASET)
    with pytest.raises(ShipyardError, match="no longer in the workspace"):
        run_gates(gws, SLUG, runs["dummy"].run_id, user="t")


def test_junit_and_html_exports(shared_ws: Any) -> None:
    policy = GatePolicy.model_validate(MIXED)
    report = run_gates(shared_ws, SLUG, user="t", policy=policy, save=False)
    suite = ET.fromstring(junit_xml(report))
    assert suite.get("tests") == "6" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"onnx_parity", "latency", "model_card", "quality-f1", "target",
                          "baseline"}  # fmt: skip
    assert cases["model_card"].find("failure").get("message") == "no model card yet — generate one"
    assert cases["latency"].find("failure") is None
    props = {p.get("name"): p.get("value") for p in cases["quality-f1"].iter("property")}
    assert props["threshold"] == "0.999" and props["verdict"] == "warn"
    page = html_report(report)
    assert page.startswith("<!doctype html>") and "FAIL" in page
    assert report.model_sha256 in page and "<svg" in page and "<script" not in page


def test_health_signal_reads_the_latest_verdict(gws: Any, runs: dict) -> None:
    from shipyard.core.gates.health_signal import gates_signal
    from shipyard.core.portfolio.health import HEALTH_SIGNALS, HealthContext, project_health

    assert gates_signal in HEALTH_SIGNALS
    ctx = HealthContext(gws.project(SLUG), date(2026, 11, 23))
    assert gates_signal(ctx) is None  # never gated
    before = project_health(gws.project(SLUG)).score
    run_gates(gws, SLUG, user="t", policy=GatePolicy.model_validate(MIXED))
    signal = gates_signal(ctx)
    assert signal is not None and signal.score < 0.5 and "model_card" in signal.detail
    assert project_health(gws.project(SLUG)).score < before
    ok = GatePolicy.model_validate({"checks": [{"kind": "onnx_parity"}]})
    run_gates(gws, SLUG, user="t", policy=ok)
    assert gates_signal(ctx).score == 1.0


def test_a_check_that_breaks_fails_closed_and_cancel_stores_nothing(
    gws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.core.gates import runner
    from shipyard.core.jobs import Cancelled, JobControl

    def broken(ctx: Any, check: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(runner.CHECKS, "pii", broken)
    policy = GatePolicy.model_validate({"checks": [{"kind": "pii"}]})
    report = run_gates(gws, SLUG, user="t", policy=policy, save=False)
    assert report.checks[0].verdict == "fail" and "RuntimeError: boom" in report.checks[0].message
    job = JobControl()
    job.cancel()
    with pytest.raises(Cancelled):
        run_gates(gws, SLUG, user="t", job=job)
    assert not list((gws.projects_dir / SLUG / "runs").glob("*/gate_report.json"))
