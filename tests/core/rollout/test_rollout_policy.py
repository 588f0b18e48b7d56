"""rollout.yaml errors name the file, the line and the field; missing arms and labels too."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from shipyard.core.errors import ValidationFailed
from shipyard.core.rollout.policy import (
    default_rollout_yaml,
    load_policy,
    parse_policy,
    policy_path,
    save_policy_text,
)
from shipyard.core.rollout.traffic import prepare_arms
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


def _problems(text: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        parse_policy(text, "projects/x/rollout.yaml")
    return err.value


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_default_policy_is_valid() -> None:
    policy = parse_policy(default_rollout_yaml("x"))
    assert [p.name for p in policy.phases] == ["shadow", "canary", "progressive", "full"]
    assert [p.percent for p in policy.phases] == [0, 5, 50, 100]
    assert policy.phase_lengths() == [2000, 18000, 36000, 36000]
    assert policy.kill_switch.flag == "x-kill-switch" and policy.needs_labels()


def test_percent_out_of_range_names_line_and_field() -> None:
    bad = default_rollout_yaml("x").replace("percent: 100", "percent: 120")
    err = _problems(bad)
    text = str(err)
    assert "projects/x/rollout.yaml:" in text and "phases.3.percent" in text
    assert err.problems[0].line == _line_of(bad, "percent: 120") and "0 to 100" in text


def test_percents_must_increase() -> None:
    bad = default_rollout_yaml("x").replace("percent: 50", "percent: 3")
    err = _problems(bad)
    assert err.problems[0].field == "phases.2.percent"
    assert "not more than the 5%" in err.problems[0].message
    assert err.problems[0].line == _line_of(bad, "percent: 3\n")


def test_phase_length_and_unknown_key() -> None:
    text = "phases:\n  - name: a\n    percent: 0\n    requests: 10\n    minutes: 2\n"
    assert "exactly one of requests or minutes" in str(_problems(text))
    err = _problems("phases:\n  - name: a\n    percnt: 0\n    requests: 10\n")
    fields = {p.field for p in err.problems}
    assert "phases.0.percnt" in fields and "phases.0.percent" in fields
    assert "not valid YAML" in str(_problems("phases: [\n"))


def test_save_validates_and_audits(tws: Workspace) -> None:
    with pytest.raises(ValidationFailed):
        save_policy_text(tws, SLUG, "phases: []\n", user="dana")
    assert not policy_path(tws, SLUG).exists()
    save_policy_text(tws, SLUG, default_rollout_yaml(SLUG), user="dana", reason="first policy")
    assert load_policy(tws, SLUG).phases[1].name == "canary"
    entry = tws.audit.entries()[-1]
    assert entry["action"] == "rollout.policy.save" and entry["user"] == "dana"


def test_missing_candidate_and_control(tws: Workspace) -> None:
    policy = load_policy(tws, SLUG)
    with pytest.raises(ValidationFailed) as err:
        prepare_arms(tws, SLUG, policy.model_copy(update={"candidate": "nope"}))
    assert err.value.problems[0].field == "candidate" and "rollout.yaml" in str(err.value)
    with pytest.raises(ValidationFailed) as err:
        prepare_arms(tws, SLUG, policy.model_copy(update={"control": "gone-run"}))
    assert err.value.problems[0].field == "control"
    other = "demand-forecast"  # no runs at all
    with pytest.raises(ValidationFailed) as err:
        prepare_arms(tws, other, policy)
    assert "no exportable run" in str(err.value) and "train" in err.value.fix


def test_traffic_without_labels_when_kpi_needs_them(tws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from shipyard.core.data import import_file

    src = (tws.root / "samples" / "churn_customers.csv").read_text("utf-8").splitlines()
    unlabelled = "\n".join(",".join(line.split(",")[:-1]) for line in src) + "\n"
    path = tmp_path / "live.csv"
    path.write_text(unlabelled, "utf-8")
    version = import_file(tws, path, "churn_live", user="t")
    policy = load_policy(tws, SLUG)
    with pytest.raises(ValidationFailed) as err:
        prepare_arms(tws, SLUG, policy.model_copy(update={"traffic": version.ref}))
    problem = err.value.problems[0]
    assert problem.field == "traffic" and "kpi_delta" in problem.message
    # without KPI checks the same traffic rehearses fine
    no_kpi = policy.model_copy(
        update={
            "traffic": version.ref,
            "phases": [
                p.model_copy(update={"checks": p.checks.model_copy(update={"kpi_delta": None})})
                for p in policy.phases
            ],
        }
    )
    arms = prepare_arms(tws, SLUG, no_kpi)
    assert arms.traffic.labels is None and len(arms.traffic) == 3000


def test_gate_report_latency_is_kept_but_its_error_rate_is_not(tws: Workspace) -> None:
    from shipyard.core.training import list_runs

    run = next(r for r in list_runs(tws, SLUG) if r.family == "linear")
    assert run.folder is not None and run.model_path is not None
    digest = hashlib.sha256(run.model_path.read_bytes()).hexdigest()
    report = {
        "format": 1,
        "project": SLUG,
        "run_id": run.run_id,
        "model_sha256": digest,
        "measurements": {"latency_ms": {"p50": 3.0, "p95": 9.0, "p99": 12.0}, "error_rate": 0.002},
    }
    (run.folder / "gate_report.json").write_text(json.dumps(report), "utf-8")
    arms = prepare_arms(
        tws, SLUG, load_policy(tws, SLUG).model_copy(update={"candidate": run.run_id})
    )
    assert arms.candidate.p50_ms == 3.0 and arms.candidate.p95_ms == 9.0
    assert "gate report" in arms.candidate.latency_source
    # errors come from the traffic the model would serve, not from the gate's robustness set
    assert arms.candidate.error_rate == 0.0 and arms.candidate.failed_rows == 0
    # the gate report's figures became the run's one stored measurement
    stored = json.loads((run.folder / "latency.json").read_text("utf-8"))
    assert stored["model_sha256"] == digest and stored["result"]["p95_ms"] == 9.0


def test_stale_flags_lower_health(tws: Workspace) -> None:
    from shipyard.core.portfolio.health import project_health
    from shipyard.core.rollout.flags import Flag, FlagsFile, save_flags
    from shipyard.core.rollout.flags_health import flags_signal  # registers the signal

    today = date(2026, 11, 23)
    fresh = FlagsFile(flags=[Flag(key="new", created=date(2026, 11, 1))])
    save_flags(tws, SLUG, fresh, user="dana")
    before = project_health(tws.project(SLUG), today)
    flags = FlagsFile(
        flags=[
            Flag(key="old", created=date(2026, 1, 1), expires=date(2026, 6, 1)),
            Flag(key="new", created=date(2026, 11, 1), expires=date(2027, 2, 1)),
        ]
    )
    save_flags(tws, SLUG, flags, user="dana")
    from shipyard.core.portfolio.health import HealthContext

    signal = flags_signal(HealthContext(tws.project(SLUG), today))
    assert signal is not None and signal.score == 0.5 and "old (expired" in signal.detail
    after = project_health(tws.project(SLUG), today)
    assert after.score < before.score
    assert any(s.key == "flags" for s in after.signals)


def test_champion_is_control_and_never_its_own_candidate(tws: Workspace) -> None:
    from shipyard.core.training import list_runs
    from shipyard.core.training.champion import promote

    runs = {r.family: r.run_id for r in list_runs(tws, SLUG)}
    policy = load_policy(tws, SLUG)
    promote(tws, SLUG, runs["linear"], user="dana", reason="best F1")
    arms = prepare_arms(tws, SLUG, policy)
    # the default candidate is the champion (never "the newest other run"); with no champion
    # before it, the control is the safe default rule
    assert arms.candidate.run_id == runs["linear"] and arms.control.run_id is None
    assert "champion" in arms.candidate.why and "no champion before" in arms.control.why
    # a run named as candidate is measured against the champion it would replace
    arms = prepare_arms(tws, SLUG, policy.model_copy(update={"candidate": runs["dummy"]}))
    assert arms.candidate.run_id == runs["dummy"] and arms.control.run_id == runs["linear"]
    assert "would replace" in arms.control.why
    with pytest.raises(ValidationFailed) as err:
        prepare_arms(tws, SLUG, policy.model_copy(update={"control": runs["dummy"],
                                                          "candidate": runs["dummy"]}))  # fmt: skip
    assert err.value.problems[0].field == "control"
