"""The demo-day deck as data and as one HTML file, on the shipped demo and on made-up decks."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.errors import ShipyardError
from shipyard.core.portfolio.roadmap import project_span
from shipyard.core.review.deck import (
    MAX_POINTS,
    Bar,
    Chart,
    Deck,
    Fact,
    Section,
    Slide,
    build_deck,
    deck_for,
    key_plot,
    parse_order,
    rehearsal_kpi,
    roadmap_order,
)
from shipyard.core.review.deck_html import deck_html
from shipyard.core.review.summary import build_review
from shipyard.core.workspace.layout import REHEARSAL_FILE
from shipyard.core.workspace.workspace import Workspace

TODAY = date(2026, 12, 7)
KINDS = ["outcome", "data", "model", "impact", "changes"]


@pytest.fixture
def deck(trained_demo_ws: Workspace) -> Deck:
    return deck_for(trained_demo_ws, today=TODAY)


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file with its key, except the run index: a cache derived from the run folders
    that any read of a leaderboard may refresh (it is never a user's file)."""
    index = root / ".shipyard" / "run-index"
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in root.rglob("*")
        if p.is_file() and index not in p.parents
    }


def test_title_slide_then_five_slides_per_project_in_roadmap_order(
    trained_demo_ws: Workspace, deck: Deck
):
    summary = build_review(trained_demo_ws, today=TODAY)
    rows = {p.slug: p.row for p in summary.projects}
    slugs = [s.slug for s in deck.sections]
    # Sunset projects have nothing left to demo; every other project is there once.
    assert "faq-deflection-bot" not in slugs
    assert sorted(slugs) == sorted(s for s, r in rows.items() if r.stage != "sunset")
    assert slugs == roadmap_order(summary)
    starts = [project_span(rows[s].onepager, TODAY).start for s in slugs]
    assert starts == sorted(starts)

    assert deck.slides[0].kind == "title"
    assert deck.slides[0].section == ""
    assert len(deck.slides) == 1 + 5 * len(slugs)
    for i, section in enumerate(deck.sections):
        assert [s.kind for s in section.slides] == KINDS
        assert deck.slides[1 + 5 * i : 6 + 5 * i] == list(section.slides)
        assert all(s.section == section.slug for s in section.slides)
        assert section.minutes == 10
    # The agenda on the title slide names every team in speaking order.
    agenda = deck.slides[0].bullets
    assert [a.split(". ", 1)[1].split(" — ")[0] for a in agenda] == [
        rows[s].title.split(" — ")[0] for s in slugs
    ]
    assert "10 minutes each" in deck.slides[0].note


def test_building_the_deck_reads_only(trained_demo_ws: Workspace):
    before = _files(trained_demo_ws.root)
    deck_for(trained_demo_ws, today=TODAY)
    assert _files(trained_demo_ws.root) == before


def test_the_team_chooses_the_order_and_a_wrong_slug_is_named(trained_demo_ws: Workspace):
    deck = deck_for(trained_demo_ws, "lead-scoring, faq-deflection-bot,churn-risk", 7, TODAY)
    assert [s.slug for s in deck.sections] == ["lead-scoring", "faq-deflection-bot", "churn-risk"]
    assert {s.minutes for s in deck.sections} == {7}
    assert deck_for(trained_demo_ws, ["churn-risk"], today=TODAY).sections[0].slug == "churn-risk"
    with pytest.raises(ShipyardError) as exc:
        deck_for(trained_demo_ws, "lead-scoring,lead-scorng", today=TODAY)
    assert "lead-scorng" in exc.value.message and "lead-scoring" in (exc.value.fix or "")
    with pytest.raises(ShipyardError, match="twice"):
        parse_order("churn-risk,churn-risk", ["churn-risk"])
    assert parse_order("  ", ["churn-risk"]) is None
    for minutes in (0, -3, 121, float("nan")):
        with pytest.raises(ShipyardError, match="minutes"):
            deck_for(trained_demo_ws, minutes=minutes, today=TODAY)


def _section(deck: Deck, slug: str) -> dict[str, Slide]:
    section = next(s for s in deck.sections if s.slug == slug)
    return {s.kind: s for s in section.slides}


def test_model_slide_shows_the_ladder_against_champion_and_target(deck: Deck):
    model = _section(deck, "lead-scoring")["model"]
    ladder, roc = model.charts
    assert ladder.kind == "bars" and "ROC AUC" in ladder.title
    assert ladder.target == 0.78 and ladder.target_text == "target 0.78"
    roles = {b.label: b.role for b in ladder.bars}
    champion = model.lead.removeprefix("Champion: ")
    assert set(roles) == {"trees", "linear", "dummy"} and roles[champion] == "champion"
    assert roles["dummy"] == "dummy" and list(roles.values()).count("run") == 1
    values = [b.value for b in ladder.bars]
    assert values == sorted(values, reverse=True)  # best first, as the leaderboard ranks
    assert ladder.lo <= min(values) and ladder.hi >= max([*values, 0.78])
    assert model.lead in ("Champion: trees", "Champion: linear")
    # The champion's key plot: its recorded ROC curve, inside the unit square.
    assert roc.kind == "line" and roc.diagonal
    assert roc.points[-1] == (1.0, 1.0)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in roc.points)
    # A regression shows predicted against actual, several classes their recall.
    forecast = _section(deck, "demand-forecast")["model"].charts
    assert forecast[0].title.endswith("(lower is better)")
    assert forecast[1].kind == "scatter" and forecast[1].lo < forecast[1].hi
    invoices = _section(deck, "invoice-routing")["model"].charts[1]
    assert invoices.title == "Recall per class"
    assert all(0 <= b.value <= 1 for b in invoices.bars) and len(invoices.bars) == 4


def test_a_project_without_data_or_runs_says_what_to_do(trained_demo_ws: Workspace):
    # search-query-intent ships no data or runs; put it in shadow as if it had skipped ahead.
    from shipyard.core.portfolio.projects import set_stage
    from shipyard.core.portfolio.vocabulary import Stage

    set_stage(trained_demo_ws, "search-query-intent", Stage.SHADOW, user="Ada")
    deck = deck_for(trained_demo_ws, today=TODAY)
    fraud = _section(deck, "search-query-intent")
    assert fraud["data"].lead == "No dataset version linked yet"
    assert (
        "shipyard data import WORKSPACE FILE --name search_queries --project search-query-intent"
        in fraud["data"].note
    )
    assert "The project is in shadow, but no data backs that stage" in fraud["data"].bullets
    assert fraud["model"].lead == "No runs yet" and fraud["model"].charts == ()
    assert "shipyard train" in fraud["model"].note
    assert fraud["impact"].lead == "No gate report yet"
    # The stage change above is this sprint's news (its project.stage and project.edit).
    assert fraud["changes"].lead == "2 changes since 07 Dec, when the sprint began"


def test_data_impact_and_changes_slides_on_a_trained_project(deck: Deck):
    churn = _section(deck, "churn-risk")
    data = churn["data"]
    assert data.lead.startswith("churn_customers@v1: 3,000 rows")
    assert {f.label: f.value for f in data.facts}["Rows"] == "3,000"
    impact = {f.label: f for f in churn["impact"].facts}
    assert impact["Gates"].value.startswith("pass") and impact["Gates"].tone == "good"
    assert impact["Rollout stage"].value == "mvp"
    assert impact["Rehearsal"].value == "not rehearsed yet"
    assert "Cost per 1,000 requests" in impact
    changes = churn["changes"]
    assert changes.lead == "12 changes since 07 Dec, when the sprint began"
    assert len(changes.bullets) == 8
    assert changes.bullets[0].split(" · ", 1)[1].startswith("gates pass on")  # newest first
    assert changes.note == f"and {int(changes.lead.split()[0]) - len(changes.bullets)} earlier"


def test_the_last_rehearsal_kpi_is_read_from_beside_the_champion(trained_demo_ws: Workspace):
    ws = trained_demo_ws
    champion = json.loads((ws.projects_dir / "lead-scoring" / "champion.json").read_text())
    run_id = champion["current"]
    assert rehearsal_kpi(ws, "lead-scoring", run_id) == ("", "")
    rehearsal = {
        "project": "lead-scoring",
        "result": {
            "outcome": "promoted",
            "headline": "Promoted to full traffic",
            "candidate": run_id,
            "phases": [
                {"name": "canary", "checks": [{"check": "kpi_delta", "value": -0.004,
                                               "threshold": -0.02, "verdict": "pass"}]},
                {"name": "full", "checks": [{"check": "kpi_delta", "value": -0.031,
                                             "threshold": -0.02, "verdict": "fail"}]},
            ],
        },
    }  # fmt: skip
    path = ws.projects_dir / "lead-scoring" / "runs" / run_id / REHEARSAL_FILE
    path.write_text(json.dumps(rehearsal), "utf-8")
    words, tone = rehearsal_kpi(ws, "lead-scoring", run_id)
    assert words == "KPI -0.031 vs control, limit -0.02: fail" and tone == "poor"
    impact = _section(deck_for(ws, today=TODAY), "lead-scoring")["impact"]
    assert {f.label: f.value for f in impact.facts}["Rehearsal"] == words
    # A rehearsal of another run is not this champion's.
    rehearsal["result"]["candidate"] = "some-other-run"
    path.write_text(json.dumps(rehearsal), "utf-8")
    assert rehearsal_kpi(ws, "lead-scoring", run_id) == ("", "")


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 5000))
def test_key_plots_stay_light_whatever_the_curve_size(n: int):
    xs = [i / max(1, n) for i in range(n)]
    chart = key_plot({"roc_curve": {"fpr": xs, "tpr": xs}})
    if n == 0:
        assert chart is None
        return
    assert chart is not None and len(chart.points) <= MAX_POINTS + 1
    assert chart.points[0] == (0.0, 0.0) and chart.points[-1] == (1.0, 1.0)


def test_key_plot_is_none_without_curves():
    assert key_plot({}) is None
    assert key_plot({"roc_curve": {"fpr": [], "tpr": []}, "confusion": {}}) is None


# -- the HTML deck -------------------------------------------------------------------------
def test_html_deck_has_every_slide_and_no_network_reference(deck: Deck):
    html = deck_html(deck)
    assert not re.search(r"https?://", html, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!#)""", html)  # nothing loaded at all
    assert html.count('<section class="slide') == len(deck.slides)
    kinds = re.findall(r'data-kind="(\w+)"', html)
    assert kinds == [s.kind for s in deck.slides]
    assert html.count("<svg") == sum(len(s.charts) for s in deck.slides)
    for key in ("ArrowRight", "PageDown", "PageUp", "Home", "End", "Backspace"):
        assert key in html
    assert '"minutes": 10.0' in html


def test_html_deck_escapes_workspace_text():
    nasty = '<script>alert("x")</script> & "quotes"'
    chart = Chart("bars", nasty, bars=(Bar(nasty, 0.5, nasty, "champion"),), target=0.4,
                  target_text=nasty)  # fmt: skip
    slide = Slide("model", "a-b", nasty, nasty, lead=nasty, facts=(Fact(nasty, nasty),),
                  bullets=(nasty,), charts=(chart,), note=nasty)  # fmt: skip
    title = Slide("title", "", nasty, nasty, lead=nasty, bullets=(nasty,), note=nasty)
    deck = Deck(nasty, nasty, TODAY, 10, [Section("a-b", nasty, "mvp", nasty, 10, (slide,))])
    deck.slides = [title, slide]
    html = deck_html(deck)
    assert "<script>alert" not in html and html.count("<script>") == 1
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html


def test_build_deck_refuses_a_project_whose_one_pager_has_errors(trained_demo_ws: Workspace):
    path = trained_demo_ws.projects_dir / "churn-risk" / "onepager.md"
    path.write_text(path.read_text("utf-8").replace("stage: mvp", "stage: nonsense"), "utf-8")
    ws = Workspace.open(trained_demo_ws.root)
    summary = build_review(ws, today=TODAY)
    assert "churn-risk" not in roadmap_order(summary)  # left out by default
    with pytest.raises(ShipyardError) as exc:
        build_deck(ws, summary, ["churn-risk"])
    assert "churn-risk" in exc.value.message and "shipyard validate" in (exc.value.fix or "")


def test_what_changed_counts_only_this_sprint(trained_demo_ws: Workspace):
    # The demo's history is from 7 December, in sprint 25 (7–20 Dec); sprint 26 starts fresh.
    later = deck_for(trained_demo_ws, ["churn-risk"], today=date(2026, 12, 21))
    changes = _section(later, "churn-risk")["changes"]
    assert changes.lead == "Nothing recorded since 21 Dec, when the sprint began"
    assert changes.bullets == ()
    assert later.subtitle.startswith("Sprint 26")
