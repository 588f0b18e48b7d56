"""gate_report.json has one reader (gates/report.py); packaging reads it strictly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.report import (
    CheckResult,
    GateReport,
    read_report,
    report_problem,
    report_text,
)

FULL = {
    "format": 1,
    "project": "churn-risk",
    "run_id": "r1",
    "model_sha256": "ab" * 32,
    "policy_sha256": "",
    "created": "2026-11-23T10:00:00Z",
    "user": "t",
    "passed": True,
    "verdict": "warn",
    "checks": [
        {"id": "pii", "kind": "pii", "title": "PII", "required": False, "verdict": "warn"},
    ],
    "measurements": {"latency_ms": {"p50": 1.0}},
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "gate_report.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, "utf-8")
    return path


def test_a_written_report_reads_back_the_same(tmp_path: Path) -> None:
    check = CheckResult("latency", "latency", "Latency", True, "fail", 9.0, 5.0, "ms")
    report = GateReport("p", "r1", "cd" * 32, "", "2026-11-23T10:00:00Z", "t", [check])
    back = read_report(_write(tmp_path, report_text(report)), strict=True)
    assert back == report and back.verdict == "fail" and back.passed is False
    assert back.to_json() == report.to_json()


def test_a_stored_verdict_is_what_readers_see(tmp_path: Path) -> None:
    # The file says warn/passed; its checks alone would say the same here, but a reader
    # must show the stored words, e.g. for a report written by an older version.
    data = dict(FULL, verdict="fail", passed=False)
    report = read_report(_write(tmp_path, data), strict=True)
    assert (report.verdict, report.passed) == ("fail", False)
    assert report.to_json()["verdict"] == "fail"
    assert [c.id for c in report.warned()] == ["pii"] and report.failed() == []


def test_a_partial_report_is_read_leniently_but_refused_strictly(tmp_path: Path) -> None:
    data = {"run_id": "r1", "verdict": "fail", "checks": [{"id": "latency", "verdict": "fail"}]}
    path = _write(tmp_path, data)
    report = read_report(path)
    assert report.verdict == "fail" and [c.id for c in report.failed()] == ["latency"]
    with pytest.raises(ShipyardError, match="malformed: unknown format") as err:
        read_report(path, strict=True)
    assert err.value.file == path and "gates again" in err.value.fix


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "expected a JSON object"),
        ({"verdict": ["pass"], "checks": 3}, "field 'checks'"),
        ({"verdict": "maybe"}, "field 'verdict' must be one of"),
        ({"checks": ["pass"]}, "not an object"),
        ({"passed": "yes"}, "field 'passed'"),
    ],
)
def test_a_damaged_report_names_the_file_and_the_problem(
    tmp_path: Path, data: object, problem: str
) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(ShipyardError, match=problem) as err:
        read_report(path)
    assert err.value.file == path


def test_strict_requires_what_a_package_relies_on() -> None:
    assert report_problem(FULL, strict=True) == ""
    for key in ("passed", "verdict", "model_sha256", "checks"):
        data = {k: v for k, v in FULL.items() if k != key}
        assert key in report_problem(data, strict=True)
        assert report_problem(data) == ""  # a summary still reads it
    assert "format" in report_problem(dict(FULL, format=2), strict=True)
    # an override export stores a report of no model: null reads as absent
    assert report_problem(dict(FULL, model_sha256=None)) == ""
