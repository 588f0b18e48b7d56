"""A rehearsal repeats byte for byte; it compares the champion with the champion before it;
errors come from the traffic, never from the robustness set; its size is bounded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.errors import ShipyardError, ValidationFailed
from shipyard.core.rollout import traffic
from shipyard.core.rollout.packaged import packaged_rollout_yaml
from shipyard.core.rollout.policy import (
    MAX_REQUESTS,
    default_rollout_yaml,
    load_policy,
    parse_policy,
    policy_path,
)
from shipyard.core.rollout.rehearsal import rehearse
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


def _runs(ws: Workspace, slug: str = SLUG) -> dict[str, str]:
    from shipyard.core.training import list_runs

    return {r.family: r.run_id for r in list_runs(ws, slug)}


def _fresh(ws: Workspace, slug: str, tmp: Path, seed: int) -> tuple[bytes, bytes]:
    """A rehearsal as a new process would run it (nothing cached): JSON and PNG bytes."""
    traffic._CACHE.clear()
    done = rehearse(ws, slug, seed=seed)
    done.write(slug, tmp / "r.json", tmp / "r.png")
    return (tmp / "r.json").read_bytes(), (tmp / "r.png").read_bytes()


def test_same_inputs_give_byte_identical_json_and_png(tws: Workspace, tmp_path: Path) -> None:
    runs = _runs(tws)
    first = _fresh(tws, SLUG, tmp_path, seed=11)
    for _ in range(2):
        assert _fresh(tws, SLUG, tmp_path, seed=11) == first
    data = json.loads(first[0])
    cand = data["selection"]["candidate"]
    assert cand["run_id"] == runs["linear"]  # the best exportable run: no champion yet
    assert "best exportable run" in cand["why"]
    # the latency was measured once and kept with the run, keyed by the model's bytes
    folder = tws.projects_dir / SLUG / "runs" / runs["linear"]
    stored = json.loads((folder / "latency.json").read_text("utf-8"))
    digest = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
    assert stored["model_sha256"] == digest and stored["measured_by"] == "rehearsal"
    assert cand["latency_ms"]["p95"] == stored["result"]["p95_ms"]
    assert "measured once (rehearsal)" in cand["latency_source"]
    # a PNG with no metadata chunk (no time, no software name): IHDR, IDAT, IEND only
    png = first[1]
    chunks, at = [], 8
    while at < len(png):
        size = int.from_bytes(png[at : at + 4], "big")
        chunks.append(png[at + 4 : at + 8])
        at += 12 + size
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]
    assert _fresh(tws, SLUG, tmp_path, seed=12)[0] != first[0]


def test_champion_against_the_previous_champion_and_the_packaged_policy(
    tws: Workspace,
) -> None:
    from shipyard.core.training.champion import promote

    runs = _runs(tws)
    promote(tws, SLUG, runs["dummy"], user="dana", reason="first")
    promote(tws, SLUG, runs["linear"], user="dana", reason="better")
    for legacy in ("champion", "latest", ""):
        policy = load_policy(tws, SLUG).model_copy(update={"candidate": legacy})
        arms = traffic.prepare_arms(tws, SLUG, policy)
        assert arms.candidate.run_id == runs["linear"] and arms.control.run_id == runs["dummy"]
    assert arms.candidate.why.startswith("the champion")
    assert "previous champion" in arms.control.why
    text = packaged_rollout_yaml(tws, SLUG, runs["linear"])
    packaged = parse_policy(text)
    assert packaged.candidate == runs["linear"] and packaged.control == runs["dummy"]
    assert text.startswith(f"# Packaged with run {runs['linear']}")
    assert "latest" not in text.split("phases:")[0].split("\n", 2)[2].split("#")[0]
    # phases and checks are the project's own
    assert [p.name for p in packaged.phases] == [p.name for p in load_policy(tws, SLUG).phases]
    # packaging the older run: it would replace the champion, so that is its control
    other = parse_policy(packaged_rollout_yaml(tws, SLUG, runs["dummy"]))
    assert other.candidate == runs["dummy"] and other.control == runs["linear"]


def test_packaged_policy_without_champion_and_with_a_broken_policy(tws: Workspace) -> None:
    runs = _runs(tws)
    packaged = parse_policy(packaged_rollout_yaml(tws, SLUG, runs["linear"]))
    assert packaged.candidate == runs["linear"] and packaged.control == "default"
    policy_path(tws, SLUG).write_text("phases: []\n", "utf-8")
    with pytest.raises(ValidationFailed) as err:
        packaged_rollout_yaml(tws, SLUG, runs["linear"])
    assert "rollout.yaml" in str(err.value) and err.value.problems[0].field == "phases"


def test_numeric_table_errors_come_from_traffic_not_robustness(
    tws: Workspace, tmp_path: Path
) -> None:
    """A gate report charging 15% robustness errors does not reach the rehearsal's arms."""
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder
    from shipyard.core.training.champion import promote

    slug = "demand-forecast"
    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.5, 500) > 0).astype(int)
    lines = ["a,b,c,label"] + [
        f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{t}" for r, t in zip(x, y, strict=True)
    ]
    path = tmp_path / "numbers.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    version = import_file(tws, path, "numbers", user="t")
    train_ladder(tws, slug, version.ref, "label", user="t", families=["dummy", "linear"])
    runs = _runs(tws, slug)
    promote(tws, slug, runs["dummy"], user="t", reason="first")
    promote(tws, slug, runs["linear"], user="t", reason="better")
    for run_id in runs.values():
        folder = tws.projects_dir / slug / "runs" / run_id
        digest = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
        report = {"format": 1, "project": slug, "run_id": run_id, "model_sha256": digest,
                  "measurements": {"error_rate": 0.15}}  # fmt: skip
        (folder / "gate_report.json").write_text(json.dumps(report), "utf-8")
    done = rehearse(tws, slug, seed=2)
    cand, ctrl = done.arms.candidate, done.arms.control
    assert (cand.run_id, ctrl.run_id) == (runs["linear"], runs["dummy"])
    assert cand.error_rate == 0.0 and ctrl.error_rate == 0.0
    assert cand.failed_rows == 0 and ctrl.failed_rows == 0
    for phase in done.result.phases[1:]:
        err = next(c for c in phase.checks if c.key == "error_rate")
        # only the policy's infrastructure errors (0.1%) remain, for both arms alike
        assert err.control is not None and err.control < 0.01
        assert err.value is not None and err.value < 0.01
    assert done.result.outcome == "promoted"


def test_a_model_failing_on_rows_is_charged_those_rows() -> None:
    """Rows the model answers NaN count as its errors; the others are its answers."""
    from onnx import TensorProto, helper

    from shipyard.core.training.frame import Frame
    from shipyard.core.training.task import TaskSpec

    graph = helper.make_graph(
        [helper.make_node("Log", ["x"], ["variable"])],
        "log",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    spec = TaskSpec("v@v1", "f", "y", "regression", 4, numeric=["x"])
    frame = Frame(np.array([[1.0], [-1.0], [np.e], [-5.0]], dtype=object), np.zeros(4))
    preds, failed = traffic._answers(model.SerializeToString(), frame, spec)
    assert failed == 2
    assert preds[0] == pytest.approx(0.0) and preds[2] == pytest.approx(1.0)
    assert np.isnan(preds[1]) and np.isnan(preds[3])


def test_swapped_model_file_is_refused(tws: Workspace) -> None:
    runs = _runs(tws)
    folder = tws.projects_dir / SLUG / "runs" / runs["linear"]
    record = json.loads((folder / "run.json").read_text("utf-8"))
    record["model_sha256"] = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
    (folder / "run.json").write_text(json.dumps(record), "utf-8")
    dummy = tws.projects_dir / SLUG / "runs" / runs["dummy"] / "model.onnx"
    (folder / "model.onnx").write_bytes(dummy.read_bytes())
    traffic._CACHE.clear()
    with pytest.raises(ShipyardError) as err:
        rehearse(tws, SLUG, run=runs["linear"])
    assert "not the file recorded at training" in str(err.value)
    assert err.value.fix and "shipyard train" in err.value.fix


def _problem(text: str) -> tuple[str, str, str]:
    with pytest.raises(ValidationFailed) as err:
        parse_policy(text, "projects/x/rollout.yaml")
    p = err.value.problems[0]
    assert "projects/x/rollout.yaml" in str(err.value)
    return p.field, p.message, p.fix


def test_sizes_are_bounded_with_file_field_and_fix() -> None:
    base = default_rollout_yaml("x")
    field, message, fix = _problem(base.replace("requests: 2000", "requests: 1e10"))
    assert field == "phases.0.requests" and "limit of 20,000,000" in message and "20,000,000" in fix
    field, message, fix = _problem(
        base.replace("request_rate_per_min: 600", "request_rate_per_min: 1e15")
    )
    assert field == "request_rate_per_min" and "1,000,000" in fix
    # each value within its own limit, but together too large: the phase where it overflows
    big = base.replace("request_rate_per_min: 600", "request_rate_per_min: 400000")
    field, message, fix = _problem(big)
    assert field == "phases.2.minutes" and "20,000,000" in message
    assert "request_rate_per_min" in fix
    field, message, _ = _problem(base.replace("overhead_ms: 20", "overhead_ms: .inf"))
    assert field == "overhead_ms" and "finite" in message
    field, _, fix = _problem(base.replace("minutes: 30", "minutes: 1e9"))
    assert field == "phases.1.minutes" and "30 days" in fix
    many = "phases:\n" + "".join(
        f"  - {{name: p{i}, percent: {i}, requests: 10}}\n" for i in range(25)
    )
    assert _problem(many)[0] == "phases"


def test_a_policy_built_in_code_is_bounded_too(shared_ws: Workspace) -> None:
    policy = load_policy(shared_ws, SLUG)
    huge = policy.model_copy(
        update={
            "phases": [
                p.model_copy(update={"requests": MAX_REQUESTS, "minutes": None})
                for p in policy.phases
            ]
        }
    )
    with pytest.raises(ValidationFailed) as err:
        rehearse(shared_ws, SLUG, policy=huge)
    assert err.value.problems[0].field == "phases.1.requests"
    with pytest.raises(ShipyardError, match="seed"):
        rehearse(shared_ws, SLUG, seed=-1)


@settings(max_examples=40, deadline=None)
@given(
    requests=st.one_of(st.integers(min_value=-5, max_value=10**12), st.floats(allow_nan=True)),
    rate=st.one_of(st.floats(min_value=-1, max_value=1e18), st.just(float("inf"))),
    minutes=st.floats(min_value=-1, max_value=1e7),
)
def test_any_size_is_either_within_the_limit_or_refused(
    requests: float, rate: float, minutes: float
) -> None:
    text = (
        (
            f"request_rate_per_min: {rate!r}\nphases:\n"
            f"  - {{name: a, percent: 0, requests: {requests!r}}}\n"
            f"  - {{name: b, percent: 50, minutes: {minutes!r}}}\n"
        )
        .replace("inf", ".inf")
        .replace("nan", ".nan")
    )
    try:
        policy = parse_policy(text)
    except ValidationFailed as err:
        assert all(p.field and p.fix for p in err.problems)
        return
    assert sum(policy.phase_lengths()) <= MAX_REQUESTS


def test_a_gated_run_keeps_the_gate_s_latency(tws: Workspace) -> None:
    """The rehearsal of a gated model uses the latency the gate timed, kept as the model's one
    measurement (every timed call included), so a gate reading it back reuses it."""
    from shipyard.core.gates.latency import load_latency
    from shipyard.core.gates.runner import run_gates

    runs = _runs(tws)
    report = run_gates(tws, SLUG, runs["linear"], user="t")
    lat = next(c for c in report.checks if c.kind == "latency").evidence
    traffic._CACHE.clear()
    done = rehearse(tws, SLUG, run=runs["linear"], seed=1)
    assert done.arms.candidate.p50_ms == lat["p50_ms"]
    assert done.arms.candidate.p95_ms == max(lat["p95_ms"], lat["p50_ms"])
    assert "measured once (gate" in done.arms.candidate.latency_source  # stored by the gate
    folder = tws.projects_dir / SLUG / "runs" / runs["linear"]
    digest = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
    stored = load_latency(folder, digest)
    assert stored is not None and stored.calls == lat["calls"] and stored.mean_ms == lat["mean_ms"]
