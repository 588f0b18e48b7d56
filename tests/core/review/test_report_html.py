"""The shareable review report: one self-contained HTML file, safe with any project text."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.portfolio.projects import create_project
from shipyard.core.review.record import Decision, ProjectDecision
from shipyard.core.review.report_html import review_html, sparkline_svg, trend_svg
from shipyard.core.review.report_pages import review_pages
from shipyard.core.review.summary import build_review
from shipyard.core.workspace.workspace import Workspace

TODAY = date(2026, 12, 7)


def test_the_report_is_self_contained_and_lists_every_project(trained_demo_ws: Workspace):
    summary = build_review(trained_demo_ws, "all", TODAY)
    decisions = {"fraud-flag": ProjectDecision(decision=Decision.PAUSE, reason="no data yet",
                                               stage_before="shadow", stage_after="paused")}  # fmt: skip
    html = review_html(summary, workspace_name="Demo portfolio", decisions=decisions)
    assert not re.search(r"(?i)\b(https?:)?//[a-z0-9]", html.replace("</", "")), "network reference"
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert 'name="viewport"' in html  # readable on a phone
    for p in summary.projects:
        assert f'id="{p.slug}"' in html
    assert "no data yet" in html and ">pause<" in html
    assert "Over-allocated" in html  # the demo asks for more than a 4 FTE team's pool
    assert html.count("<svg") >= 2 * len(summary.projects)  # a sparkline and a trend each


def test_pages_are_a_cover_then_one_per_project(trained_demo_ws: Workspace):
    summary = build_review(trained_demo_ws, "all", TODAY)
    pages = review_pages(summary, "Demo portfolio")
    assert len(pages) == 1 + len(summary.projects)
    assert "Portfolio review" in pages[0].html
    for page, p in zip(pages[1:], summary.projects, strict=True):
        assert f"trend-{p.slug}" in page.charts
        assert f"chart:trend-{p.slug}" in page.html


def test_charts_show_one_point_or_many():
    assert "no history" in sparkline_svg([])
    one = sparkline_svg([(TODAY, 80.0)])
    assert "<circle" in one and "polyline" in one
    many = trend_svg([(date(2026, 11, 9), 40.0), (date(2026, 11, 23), 60.0), (TODAY, 90.0)])
    assert many.count("<circle") == 3 and "23 Nov" in many


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip())


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TEXT, reason=TEXT)
def test_any_title_or_reason_is_escaped(blank_ws: Workspace, title: str, reason: str):
    ws = blank_ws
    slug = create_project(ws, "<script>alert(1)</script> " + title, user="Ada").path.parent.name
    summary = build_review(ws, "all", TODAY)
    decisions = {slug: ProjectDecision(decision=Decision.PIVOT, reason=reason + "<img src=x>")}
    html = review_html(summary, workspace_name=title, decisions=decisions)
    assert "<script" not in html and "<img" not in html
    pages = review_pages(summary, title, decisions)
    assert all("<script" not in p.html and "<img src=x" not in p.html for p in pages)
    # Clean up so the next example starts from a blank portfolio.
    import shutil

    shutil.rmtree(ws.projects_dir / slug)
