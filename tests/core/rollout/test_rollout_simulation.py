"""The rehearsal end to end on a real trained model: promotion, rollbacks, determinism."""

from __future__ import annotations

import json

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.rollout.policy import load_policy
from shipyard.core.rollout.rehearsal import rehearse
from shipyard.core.rollout.simulate import parse_incident
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


def _phase_span(result, name: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    total = result.phases[-1].start_minute + result.phases[-1].planned_requests / 600
    phase = next(p for p in result.phases if p.name == name)
    return phase.start_minute / total, (phase.start_minute + phase.planned_requests / 600) / total


def test_healthy_candidate_is_promoted_to_full(shared_ws: Workspace) -> None:
    r = rehearse(shared_ws, SLUG, seed=1)
    res = r.result
    assert res.outcome == "promoted" and res.final_percent == 100
    assert [p.decision for p in res.phases] == ["promote"] * 4
    assert "linear" in res.candidate and "safe default" in res.control
    assert res.requests == sum(r.policy.phase_lengths())
    canary = res.phases[1]
    assert 0.03 < canary.candidate_requests / canary.requests < 0.07
    assert {c.key for c in res.phases[2].checks} == {
        "p95_latency_ms",
        "error_rate",
        "kpi_delta",
        "cost_per_1k",
    }
    latency = res.phases[2].checks[0]
    assert latency.test == "Mann–Whitney U" and latency.p_value is not None
    assert latency.verdict == "pass" and latency.value < latency.threshold
    assert len(res.log) == 4 and all("PROMOTE" in line for line in res.log)
    # the timeline covers the whole rehearsal and ends at full traffic
    tl = res.timeline
    assert tl is not None and tl.share[-1] == pytest.approx(1.0)
    assert [n for _, n in tl.boundaries] == ["shadow", "canary", "progressive", "full"]
    json.dumps(res.to_json())


def test_latency_spike_rolls_back_in_progressive(shared_ws: Workspace) -> None:
    policy = load_policy(shared_ws, SLUG)
    total = sum(policy.phase_lengths())
    start = (sum(policy.phase_lengths()[:2]) + 5000) / total  # inside progressive
    res = rehearse(
        shared_ws, SLUG, seed=2, incidents=[parse_incident(f"spike@{start:.3f}:400ms")]
    ).result
    assert res.outcome == "rolled_back" and res.rollback_phase == "progressive"
    assert res.final_percent == 0
    prog = res.phases[2]
    assert prog.decision == "rollback" and "p95" in prog.reason
    assert res.rollback_minute is not None and res.rollback_minute >= start * total / 600
    assert res.phases[3].decision == "not run"
    failed = [c for c in prog.checks if c.verdict == "fail"]
    assert failed[0].key == "p95_latency_ms" and failed[0].p_value < 0.05
    assert "ROLL BACK" in res.log[-2] and "returned to the control" in res.log[-1]
    assert res.timeline is not None and res.timeline.minutes[-1] == pytest.approx(
        res.rollback_minute
    )


def test_error_burst_rolls_back_in_canary(shared_ws: Workspace) -> None:
    policy = load_policy(shared_ws, SLUG)
    total = sum(policy.phase_lengths())
    start = (policy.phase_lengths()[0] + 1000) / total  # early in canary
    res = rehearse(
        shared_ws, SLUG, seed=3, incidents=[parse_incident(f"errors@{start}:20%")]
    ).result
    assert res.outcome == "rolled_back" and res.rollback_phase == "canary"
    canary = res.phases[1]
    err = next(c for c in canary.checks if c.key == "error_rate")
    assert err.verdict == "fail" and err.value > 0.1 and err.effect > 0.2
    assert res.phases[0].decision == "promote"


def test_drift_lowers_kpi_and_rolls_back(shared_ws: Workspace) -> None:
    res = rehearse(shared_ws, SLUG, seed=4, incidents=[parse_incident("drift@0.3:50%")]).result
    assert res.outcome == "rolled_back"
    phase = next(p for p in res.phases if p.decision == "rollback")
    assert any(c.key == "kpi_delta" and c.verdict == "fail" for c in phase.checks)


def test_same_seed_same_result(shared_ws: Workspace) -> None:
    spike = [parse_incident("spike@0.5:150ms")]
    a = rehearse(shared_ws, SLUG, seed=9, incidents=spike).result.to_json()
    b = rehearse(shared_ws, SLUG, seed=9, incidents=spike).result.to_json()
    c = rehearse(shared_ws, SLUG, seed=10, incidents=spike).result.to_json()
    assert a == b
    assert a["timeline"] != c["timeline"]


def test_kill_switch_sends_everything_to_the_safe_default(shared_ws: Workspace) -> None:
    policy = load_policy(shared_ws, SLUG)
    killed = policy.model_copy(
        update={"kill_switch": policy.kill_switch.model_copy(update={"engaged": True})}
    )
    res = rehearse(shared_ws, SLUG, policy=killed).result
    assert res.outcome == "killed" and res.final_percent == 0 and res.requests == 0


def test_shadow_agreement_and_disagreements(shared_ws: Workspace) -> None:
    r = rehearse(shared_ws, SLUG, seed=1)
    sh = r.shadow
    assert sh.rows == len(r.arms.traffic) == 600
    assert 0.5 < sh.agreement < 1.0
    assert sh.total_disagreements == sh.rows - sh.agreed == len(sh.disagreements)
    first = sh.disagreements[0]
    assert first.candidate != first.control
    assert first.right in ("candidate", "control")
    assert set(first.inputs) == set(r.arms.traffic.features)
    assert sh.candidate_accuracy is not None and sh.control_accuracy is not None
    json.dumps(sh.to_json())


def test_bad_incident_text() -> None:
    with pytest.raises(ShipyardError, match=r"spike@0\.4:200ms"):
        parse_incident("spike at 40%")
    assert parse_incident("errors@0.6:5%").magnitude == pytest.approx(0.05)
    assert parse_incident("drift@0.5:30%/0.2").duration == pytest.approx(0.2)
    with pytest.raises(ShipyardError, match="60,000 ms"):
        parse_incident("spike@0.4:99999999999999ms")
