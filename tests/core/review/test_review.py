"""The portfolio review in the core: changes since the last review, decisions, health history,
capacity and cost, on the shipped demo and on workspaces built here."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from shipyard.core.errors import ShipyardError, ValidationFailed
from shipyard.core.portfolio.projects import create_project
from shipyard.core.portfolio.ranking import portfolio
from shipyard.core.portfolio.vocabulary import Stage
from shipyard.core.review.capacity import capacity, cost_rows
from shipyard.core.review.changes import changes_since
from shipyard.core.review.health_history import (
    load_history,
    snapshot_due,
    snapshot_path,
    take_snapshot,
)
from shipyard.core.review.record import Decision, ProjectDecision, latest_review, list_reviews
from shipyard.core.review.save import save_review
from shipyard.core.review.sprints import sprint_label, sprint_number, sprint_start
from shipyard.core.review.summary import build_review
from shipyard.core.workspace.config import PortfolioSettings, TeamSettings, read_config
from shipyard.core.workspace.workspace import Workspace

TODAY = date(2026, 12, 7)


def _decide(**items: tuple[str, str]) -> dict[str, ProjectDecision]:
    return {
        slug.replace("_", "-"): ProjectDecision(decision=Decision(d), reason=r)
        for slug, (d, r) in items.items()
    }


# -- changes since the last review ---------------------------------------------------------
def test_changes_map_runs_datasets_and_edits_to_their_projects(trained_demo_ws: Workspace):
    changes = changes_since(trained_demo_ws, None)
    churn = [c.text for c in changes["churn-risk"]]
    assert any(t.startswith("new data version churn_customers@v1") for t in churn), churn
    assert any(t.startswith("new dummy run") for t in churn)
    assert any(t.startswith("champion is now linear run") for t in churn)
    assert any(t.startswith("gates pass on") for t in churn)
    # A dataset belongs to the projects linking it, never to the others.
    assert not any("churn_customers" in c.text for c in changes.get("lead-scoring", []))
    # Projects the demo never trained have nothing on record.
    assert "onpage-suggestion" not in changes


def test_changes_after_a_date_and_unreadable_lines_are_skipped(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    with ws.audit.path.open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    later = datetime.now(UTC) + timedelta(days=1)
    assert changes_since(ws, later) == {}
    everything = changes_since(ws, None)
    assert sum(len(v) for v in everything.values()) > 20


# -- building the review -------------------------------------------------------------------
def test_review_of_the_demo_ranks_every_project_with_its_evidence(trained_demo_ws: Workspace):
    summary = build_review(trained_demo_ws, "all", TODAY)
    assert [p.row.rank for p in summary.projects] == list(range(1, 11))
    churn = summary.project("churn-risk")
    assert churn.status.gate_verdict == "pass"
    assert "target 0.75" in churn.metric_words
    assert churn.cost_per_1k is not None and churn.cost_per_1k > 0
    assert churn.changes
    untrained = summary.project("onpage-suggestion")
    assert untrained.metric_words == "no runs yet"
    assert untrained.status.gate_verdict is None
    # Every project has today's health as the last point of its series.
    assert all(p.health_points[-1][0] == sprint_start(TODAY, trained_demo_ws.config.portfolio)
               for p in summary.projects)  # fmt: skip


def test_since_takes_dates_last_and_all_and_refuses_nonsense(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    assert build_review(ws, "all", TODAY).since is None
    assert build_review(ws, "last", TODAY).since is None  # no review saved yet
    assert build_review(ws, "2026-11-01", TODAY).since == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ShipyardError, match="not a date") as err:
        build_review(ws, "last tuesday", TODAY)
    assert "--since" in (err.value.fix or "")


# -- saving decisions ---------------------------------------------------------------------
def test_saving_records_decisions_moves_stages_and_audits(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    summary = build_review(ws, "last", TODAY)
    path = save_review(
        ws,
        summary,
        _decide(
            fraud_flag=("pause", "no data after two sprints"),
            churn_risk=("continue", ""),
            invoice_routing=("pivot", "accuracy is far from target; try rules first"),
            faq_deflection_bot=("sunset", "superseded by the help centre"),
        ),
        user="Ada",
        today=TODAY,
    )
    assert path.name == "2026-12-07.yaml"
    stages = {e.slug: e.doc.onepager.stage for e in ws.projects() if e.doc}
    assert stages["fraud-flag"] is Stage.PAUSED
    assert stages["churn-risk"] is Stage.MVP
    assert stages["invoice-routing"] is Stage.DISCOVERY
    assert stages["faq-deflection-bot"] is Stage.SUNSET
    record = latest_review(ws)
    assert record is not None and record[0] == path
    saved = record[1]
    assert saved.decisions["fraud-flag"].stage_before == "shadow"
    assert saved.decisions["fraud-flag"].stage_after == "paused"
    assert saved.snapshot["churn-risk"].gate_verdict == "pass"
    assert saved.snapshot["churn-risk"].target == 0.75
    actions = [e["action"] for e in ws.audit.entries()]
    assert actions[-1] == "review.save"
    assert actions.count("review.decision") == 4
    assert ws.audit.verify().ok
    # The stage change names the review and its reason.
    stage_entries = [e for e in ws.audit.entries() if e["action"] == "project.stage"]
    assert stage_entries[-1]["reason"].startswith("review 2026-12-07: ")
    # The sprint's health snapshot was taken.
    assert snapshot_path(ws, sprint_start(TODAY, ws.config.portfolio)).exists()
    # The next review starts after this one: the review's own changes are not "new".
    after = build_review(ws, "last", TODAY)
    assert after.since == saved.created_at
    assert all(not p.changes for p in after.projects), [
        (p.slug, [c.text for c in p.changes]) for p in after.projects if p.changes
    ]
    assert after.project("fraud-flag").previous["stage"] == "shadow"


def test_a_second_review_the_same_day_gets_its_own_file(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    first = save_review(ws, build_review(ws, "last", TODAY), {}, user="Ada", today=TODAY)
    second = save_review(ws, build_review(ws, "last", TODAY), {}, user="Ada", today=TODAY)
    assert (first.name, second.name) == ("2026-12-07.yaml", "2026-12-07-2.yaml")
    assert [p for p, _ in list_reviews(ws)] == [first, second]


def test_decisions_need_a_reason_and_a_known_project(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    summary = build_review(ws, "last", TODAY)
    before = ws.audit.path.read_bytes()
    with pytest.raises(ShipyardError, match="needs a reason"):
        save_review(ws, summary, _decide(fraud_flag=("sunset", "  ")), user="Ada")
    with pytest.raises(ShipyardError, match="no project 'nope'") as err:
        save_review(ws, summary, {"nope": ProjectDecision(decision=Decision.PAUSE, reason="x")},
                    user="Ada")  # fmt: skip
    assert "churn-risk" in (err.value.fix or "")
    assert ws.audit.path.read_bytes() == before  # nothing was written
    assert not (ws.root / "reviews").exists()


def test_a_damaged_review_file_is_named(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    (ws.root / "reviews").mkdir()
    bad = ws.root / "reviews" / "2026-11-01.yaml"
    bad.write_text("schema: 1\ndate: 2026-11-01\ncreated: 2026-11-01T10:00:00Z\nuser: a\n"
                   "decisions:\n"
                   "  churn-risk: {decision: maybe}\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ValidationFailed) as err:
        build_review(ws, "last", TODAY)
    assert err.value.file == bad
    assert "2026-11-01.yaml:6: field 'decisions.churn-risk.decision'" in str(err.value)
    assert "'continue', 'pivot', 'pause' or 'sunset'" in str(err.value)


# -- health history ---------------------------------------------------------------------
def test_one_snapshot_per_sprint_and_the_trend_between_them(blank_ws: Workspace):
    ws = blank_ws
    create_project(ws, "Alpha", user="Ada")
    rows = portfolio(ws, TODAY)
    settings = ws.config.portfolio
    earlier = TODAY - timedelta(days=settings.sprint_length_days)
    assert snapshot_due(ws, earlier)
    assert take_snapshot(ws, rows, earlier, reason="first open") is not None
    assert not snapshot_due(ws, earlier)
    assert take_snapshot(ws, rows, earlier, reason="again") is None  # one per sprint
    # Make the earlier score lower by hand, as if the project was less healthy then.
    path = snapshot_path(ws, sprint_start(earlier, settings))
    data = json.loads(path.read_text())
    data["projects"]["alpha"]["health"] = 20.0
    path.write_text(json.dumps(data))
    history = load_history(ws, live=rows, today=TODAY)
    points = history.of("alpha")
    assert [d for d, _ in points] == [
        sprint_start(earlier, settings),
        sprint_start(TODAY, settings),
    ]
    assert history.trend("alpha") == pytest.approx(rows[0].health.score - 20.0, abs=0.1)
    # A damaged snapshot is skipped and named, never fatal.
    (path.parent / "2025-01-01.json").write_text("{not json", encoding="utf-8")
    damaged = load_history(ws, live=rows, today=TODAY)
    assert damaged.of("alpha") == points
    assert any("2025-01-01.json" in p for p in damaged.problems)


def test_sprints_follow_the_anchor_both_ways():
    s = PortfolioSettings(sprint_anchor=date(2026, 1, 5), sprint_length_days=14)
    assert sprint_start(date(2026, 1, 5), s) == date(2026, 1, 5)
    assert sprint_start(date(2026, 1, 18), s) == date(2026, 1, 5)
    assert sprint_start(date(2026, 1, 19), s) == date(2026, 1, 19)
    assert sprint_start(date(2026, 1, 4), s) == date(2025, 12, 22)
    assert sprint_number(date(2026, 1, 19), s) == 2
    assert sprint_label(date(2026, 1, 20), s) == "Sprint 2 (19 Jan – 01 Feb 2026)"


# -- capacity and cost ----------------------------------------------------------------
def test_over_allocation_is_named_with_its_numbers(trained_demo_ws: Workspace):
    rows = portfolio(trained_demo_ws, TODAY)
    team = TeamSettings(fte=2.0, horizon_weeks=13)
    cap = capacity(team, rows)
    assert cap.pool == pytest.approx(2.0 * 13 * 0.60)
    active = [r for r in rows if r.stage not in ("full", "paused", "sunset")]
    assert cap.demand == pytest.approx(sum(r.onepager.effort.fte_weeks for r in active))
    assert cap.demand > cap.pool
    assert cap.warnings and cap.warnings[0].startswith("Over-allocated")
    assert f"{cap.pool:.0f}" in cap.warnings[0]
    roomy = capacity(TeamSettings(fte=40.0), rows)
    assert not [w for w in roomy.warnings if w.startswith("Over-allocated")]


def test_shares_that_do_not_add_up_are_refused_naming_the_fix(blank_ws: Workspace):
    path = blank_ws.root / "shipyard.toml"
    text = path.read_text()
    assert "experiments = 0.60" in text
    path.write_text(text.replace("platform = 0.15", "platform = 0.5"))
    with pytest.raises(ValidationFailed) as err:
        read_config(path)
    assert "add up to 1.0" in str(err.value)


def test_expensive_low_impact_projects_are_flagged(trained_demo_ws: Workspace):
    rows = {r.slug: r for r in portfolio(trained_demo_ws, TODAY)}
    churn, lead, demand = rows["churn-risk"], rows["lead-scoring"], rows["demand-forecast"]
    # demand-forecast: impact 3 in the demo; give it low impact and a high cost.
    demand.onepager.scores.impact = 1.0
    costs = cost_rows([(churn, 0.01, "USD"), (lead, 0.01, "USD"), (demand, 5.0, "USD")])
    flagged = [c for c in costs if c.flagged]
    assert [c.slug for c in flagged] == ["demand-forecast"]
    assert "impact 1/5" in flagged[0].why and "above the median" in flagged[0].why
    assert costs[0].slug == "demand-forecast"  # most expensive first
    assert cost_rows([(churn, None, "")]) == []
