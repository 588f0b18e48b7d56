"""The review as printed pages: a cover (summary and decisions), then one page per project.

Each page is Qt rich text (the HTML subset QTextDocument lays out), with its charts as SVG
kept beside it and named `chart:<name>` in the page's `<img>` tags; the window's PDF writer
renders the SVG and lays each page on one sheet of A4 or Letter. Kept Qt-free so the same
pages come from the CLI and the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from shipyard.core.review.record import ProjectDecision
from shipyard.core.review.report_html import band_colour, sparkline_svg, trend_svg
from shipyard.core.review.summary import ReviewProject, ReviewSummary

PAGE_CSS = (
    "body{font-family:sans-serif;font-size:10pt;color:#1f2328}"
    "h1{font-size:20pt;margin:0}h2{font-size:13pt;margin-top:14px}"
    "th{text-align:left;color:#59636e;font-size:9pt;padding:3px 6px;"
    "border-bottom:1px solid #d1d9e0}td{padding:3px 6px;border-bottom:1px solid #d1d9e0}"
    ".muted{color:#59636e}.warn{color:#9a6700}"
)
MAX_CHANGES = 10


@dataclass
class Page:
    html: str
    charts: dict[str, str] = field(default_factory=dict)  # name -> SVG text


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _short(text: str, limit: int) -> str:
    """`text` cut at a word boundary with an ellipsis when longer than `limit`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" —,.;:")
    return cut + "…"


def _doc(body: str) -> str:
    return f"<html><head><style>{PAGE_CSS}</style></head><body>{body}</body></html>"


def cover_page(
    summary: ReviewSummary, workspace_name: str, decisions: dict[str, ProjectDecision]
) -> Page:
    charts: dict[str, str] = {}
    rows = []
    for p in summary.projects:
        r = p.row
        name = f"spark-{p.slug}"
        charts[name] = sparkline_svg(p.health_points, 90, 22)
        rows.append(
            f"<tr><td>{r.rank}</td><td>{_e(_short(r.title, 52))}</td><td>{_e(r.stage)}</td>"
            f'<td><span style="color:{band_colour(r.health.score)}">{r.health.score:.0f}</span>'
            f'</td><td><img src="chart:{name}" width="90" height="22"></td>'
            f"<td>{_e(p.status.gate_verdict or '—')}</td><td>{len(p.changes)}</td></tr>"
        )
    decided = "".join(
        f"<tr><td>{_e(_short(summary.project(slug).row.title, 40))}</td><td><b>{_e(d.decision.value)}"
        f"</b></td><td>{_e(_short(d.reason, 90))}</td></tr>"
        for slug, d in decisions.items()
    )
    cap = summary.capacity
    warnings = "".join(f'<p class="warn">{_e(w)}</p>' for w in cap.warnings[:3])
    flagged = "".join(
        f'<p class="warn">{_e(c.title)}: {_e(c.why)}</p>' for c in summary.costs if c.flagged
    )
    since = f"since {summary.since:%d %b %Y}" if summary.since else "everything on record"
    body = (
        f"<h1>Portfolio review</h1><p class='muted'>{_e(workspace_name)} · "
        f"{summary.today:%d %B %Y} · {len(summary.projects)} projects · changes {since}</p>"
        "<h2>Ranking</h2><table width='100%' cellspacing='0'><tr><th>#</th><th>Project</th>"
        "<th>Stage</th><th>Health</th><th>Trend</th><th>Gates</th><th>Changes</th></tr>"
        + "".join(rows)
        + "</table><h2>Decisions</h2>"
        + (
            "<table width='100%' cellspacing='0'><tr><th>Project</th><th>Decision</th>"
            f"<th>Reason</th></tr>{decided}</table>"
            if decided
            else "<p class='muted'>No decisions recorded.</p>"
        )
        + f"<h2>Capacity</h2><p>{cap.fte:g} FTE over {cap.horizon_weeks} weeks: experiment pool "
        f"{cap.pool:.0f} FTE-weeks, active projects ask for {cap.demand:.0f} "
        f"({cap.used:.0%}).</p>{warnings}{flagged}"
    )
    return Page(_doc(body), charts)


def project_page(p: ReviewProject, decision: ProjectDecision | None) -> Page:
    r = p.row
    op = r.onepager
    name = f"trend-{p.slug}"
    facts = [
        ("Stage", r.stage),
        ("Health", f"{r.health.score:.0f} ({r.health.band})"),
        ("Owner", op.owner.name if op and op.owner.name else "—"),
        ("Primary metric", p.metric_words),
        ("Gates", p.status.gate_verdict or "not gated"),
        ("Stale flags", ", ".join(p.status.stale_flags) or "none"),
        ("Data drift", p.drift_detail or "not measured: no newer data"),
        ("Cost / 1k requests", f"{p.cost_per_1k:,.4g} {p.currency}" if p.cost_per_1k else "—"),
    ]
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    shown = p.changes[-MAX_CHANGES:]
    more = len(p.changes) - len(shown)
    changes = (
        "<ul>"
        + "".join(f"<li>{c.time:%d %b} · {_e(_short(c.text, 110))}</li>" for c in shown)
        + "</ul>"
        + (
            f"<p class='muted'>and {more} earlier change{'' if more == 1 else 's'}</p>"
            if more
            else ""
        )
        if shown
        else "<p class='muted'>Nothing changed since the last review.</p>"
    )
    decided = (
        f"<p><b>Decision: {_e(decision.decision.value)}</b> — {_e(decision.reason)}</p>"
        if decision
        else ""
    )
    outcome = _e(_short(op.outcome, 400)) if op and op.outcome else "<i>no outcome written</i>"
    hypothesis = (
        _e(_short(op.hypothesis, 400)) if op and op.hypothesis else "<i>no hypothesis written</i>"
    )
    body = (
        f"<h1>{r.rank}. {_e(r.title)}</h1><p><b>Outcome.</b> {outcome}</p>"
        f"<p><b>Hypothesis.</b> {hypothesis}</p>{decided}"
        f"<table width='100%' cellspacing='0'>{table}</table>"
        f"<h2>Health over sprints</h2><p><img src='chart:{name}' width='480' height='150'></p>"
        f"<h2>Changes since the last review</h2>{changes}"
    )
    return Page(_doc(body), {name: trend_svg(p.health_points)})


def review_pages(
    summary: ReviewSummary,
    workspace_name: str,
    decisions: dict[str, ProjectDecision] | None = None,
) -> list[Page]:
    decisions = decisions or {}
    return [
        cover_page(summary, workspace_name, decisions),
        *(project_page(p, decisions.get(p.slug)) for p in summary.projects),
    ]
