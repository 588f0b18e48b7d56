"""The review as one self-contained HTML file: styles and charts inline, no network reference.

Readable on a phone (one column under 700 px), printable, and safe to mail around: every
value from the workspace is escaped, and one-pager prose is rendered with raw HTML off.
Charts are inline SVG: a health sparkline per project, a health trend per project, the
capacity bar and cost against impact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

from shipyard.core.review.capacity import Capacity, CostRow
from shipyard.core.review.changes import Change
from shipyard.core.review.record import ProjectDecision
from shipyard.core.review.summary import ReviewProject, ReviewSummary

GOOD, FAIR, POOR = "#1a7f37", "#9a6700", "#cf222e"
INK, MUTED, LINE, ACCENT = "#1f2328", "#59636e", "#d1d9e0", "#0969da"

CSS = """
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:#1f2328;background:#f6f8fa;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px 16px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px}
h3{font-size:17px;margin:0}
.muted{color:#59636e}.small{font-size:13px}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:16px;margin:12px 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{font-size:13px;color:#59636e;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nowrap{white-space:nowrap}a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
border:1px solid currentColor;white-space:nowrap}
.pass,.good,.continue{color:#1a7f37}.warn,.fair,.pivot{color:#9a6700}
.fail,.poor,.pause,.sunset{color:#cf222e}
.warning{border-left:4px solid #9a6700;background:#fff8c5;padding:8px 12px;margin:8px 0}
ul.changes{margin:4px 0 0;padding-left:18px}
.scroll{overflow-x:auto}
@media (max-width:700px){.grid{grid-template-columns:1fr}.hide-narrow{display:none}
main{padding:12px 8px}}
@media print{body{background:#fff}.card{break-inside:avoid}}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def band_colour(score: float) -> str:
    return GOOD if score >= 75 else FAIR if score >= 50 else POOR


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {_e(kind)}">{_e(text)}</span>'


def sparkline_svg(points: list[tuple[date, float]], width: int = 110, height: int = 26) -> str:
    """Health (0–100) over sprints as a small line; one point shows as a dot."""
    if not points:
        return '<span class="muted small">no history</span>'
    pad = 3
    n = len(points)
    xs = [pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 1.0) for i in range(n)]
    ys = [pad + (height - 2 * pad) * (1 - v / 100) for _, v in points]
    colour = band_colour(points[-1][1])
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    title = ", ".join(f"{d:%d %b}: {v:.0f}" for d, v in points)
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="health over sprints: {_e(title)}"><title>{_e(title)}</title>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{line}"/>'
        f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.8" fill="{colour}"/></svg>'
    )


def trend_svg(points: list[tuple[date, float]], width: int = 480, height: int = 150) -> str:
    """A labelled health trend with the 50 and 75 band lines."""
    left, right, top, bottom = 34, 12, 10, 24
    w, h = width - left - right, height - top - bottom
    parts = [
        f'<svg width="100%" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="health trend" style="max-width:{width}px">'
    ]
    for level in (0, 50, 75, 100):
        y = top + h * (1 - level / 100)
        dash = ' stroke-dasharray="4 3"' if level in (50, 75) else ""
        parts.append(
            f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}"{dash}/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">{level}</text>'
        )
    n = len(points)
    if n:
        xs = [left + w * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
        ys = [top + h * (1 - v / 100) for _, v in points]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(
            f'<polyline fill="none" stroke="{ACCENT}" stroke-width="2.5" points="{line}"/>'
        )
        step = max(1, n // 6)
        for i, ((d, v), x, y) in enumerate(zip(points, xs, ys, strict=True)):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{band_colour(v)}"/>')
            if i % step == 0 or i == n - 1:
                parts.append(
                    f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
                    f'fill="{MUTED}">{d:%d %b}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def capacity_svg(cap: Capacity, width: int = 480, height: int = 56) -> str:
    """Demand against the experiment pool: the bar turns red past the pool."""
    scale = max(cap.demand, cap.pool, 1e-9) * 1.05
    pool_x = width * cap.pool / scale
    demand_w = width * cap.demand / scale
    colour = POOR if cap.demand > cap.pool else GOOD
    return (
        f'<svg width="100%" viewBox="0 0 {width} {height}" role="img" style="max-width:{width}px" '
        f'aria-label="demand {cap.demand:.0f} of a pool of {cap.pool:.0f} FTE-weeks">'
        f'<rect x="0" y="8" width="{width}" height="22" fill="#eaeef2" rx="4"/>'
        f'<rect x="0" y="8" width="{demand_w:.1f}" height="22" fill="{colour}" rx="4"/>'
        f'<line x1="{pool_x:.1f}" x2="{pool_x:.1f}" y1="2" y2="36" stroke="{INK}" '
        f'stroke-width="2"/><text x="{min(pool_x, width - 4):.1f}" y="50" font-size="12" '
        f'text-anchor="end" fill="{INK}">pool {cap.pool:.0f} FTE-weeks</text></svg>'
    )


def cost_svg(costs: list[CostRow], width: int = 480, height: int = 220) -> str:
    """Cost per quarter against impact (0–5): the expensive, low-impact corner is top left."""
    known = [c for c in costs if c.per_quarter is not None and c.impact is not None]
    if not known:
        return '<p class="muted">No project has both a gated cost and a reach yet.</p>'
    left, right, top, bottom = 60, 16, 12, 34
    w, h = width - left - right, height - top - bottom
    top_cost = max(c.per_quarter or 0.0 for c in known) * 1.15 or 1.0
    parts = [
        f'<svg width="100%" viewBox="0 0 {width} {height}" role="img" style="max-width:{width}px" '
        'aria-label="cost per quarter against impact">',
        f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="{MUTED}"/>',
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + h}" stroke="{MUTED}"/>',
        f'<text x="{left + w / 2}" y="{height - 4}" font-size="12" text-anchor="middle" '
        f'fill="{MUTED}">impact (0–5)</text>',
        f'<text x="{left - 6}" y="{top + 10}" font-size="11" text-anchor="end" '
        f'fill="{MUTED}">{top_cost:,.3g}</text>',
        f'<text x="{left - 6}" y="{top + h}" font-size="11" text-anchor="end" '
        f'fill="{MUTED}">0</text>',
    ]
    for c in known:
        x = left + w * (c.impact or 0) / 5
        y = top + h * (1 - (c.per_quarter or 0) / top_cost)
        colour = POOR if c.flagged else ACCENT
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}" fill-opacity="0.75">'
            f"<title>{_e(c.title)}: {c.per_quarter:,.4g} {_e(c.currency)} a quarter, "
            f"impact {c.impact:g}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _trend_text(p: ReviewProject) -> str:
    t = p.health_trend
    if t is None:
        return ""
    arrow = "▲" if t > 0.5 else "▼" if t < -0.5 else "▶"
    return f'<span class="small muted">{arrow} {t:+.0f}</span>'


def _verdict(p: ReviewProject) -> str:
    v = p.status.gate_verdict
    return _badge(v, v) if v else '<span class="muted">not gated</span>'


def _cost_text(p: ReviewProject) -> str:
    if p.cost_per_1k is None:
        return '<span class="muted">—</span>'
    return f"{p.cost_per_1k:,.4g} {_e(p.currency)}"


def _summary_table(summary: ReviewSummary) -> str:
    rows = []
    for p in summary.projects:
        r = p.row
        health = r.health.score
        rows.append(
            "<tr>"
            f'<td class="num">{r.rank}</td>'
            f'<td><a href="#{_e(p.slug)}">{_e(r.title)}</a></td>'
            f"<td>{_e(r.stage)}</td>"
            f'<td class="num" style="color:{band_colour(health)}">{health:.0f} {_trend_text(p)}</td>'
            f'<td class="hide-narrow">{sparkline_svg(p.health_points)}</td>'
            f"<td>{_e(p.metric_words)}</td>"
            f'<td class="nowrap">{_verdict(p)}</td>'
            f'<td class="num hide-narrow">{_cost_text(p)}</td>'
            f'<td class="num">{len(p.changes)}</td>'
            "</tr>"
        )
    return (
        '<div class="card scroll"><table><thead><tr><th>#</th><th>Project</th><th>Stage</th>'
        '<th>Health</th><th class="hide-narrow">Trend</th><th>Primary metric</th><th>Gates</th>'
        '<th class="hide-narrow">Cost / 1k</th><th>Changes</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _decisions_table(summary: ReviewSummary, decisions: dict[str, ProjectDecision]) -> str:
    if not decisions:
        return '<p class="muted">No decisions recorded in this report.</p>'
    titles = {p.slug: p.row.title for p in summary.projects}
    rows = "".join(
        f"<tr><td>{_e(titles.get(slug, slug))}</td>"
        f"<td>{_badge(d.decision.value, d.decision.value)}</td>"
        f"<td>{_e(d.stage_before)} → {_e(d.stage_after or d.stage_before)}</td>"
        f"<td>{_e(d.reason)}</td></tr>"
        for slug, d in decisions.items()
    )
    return (
        '<div class="card scroll"><table><thead><tr><th>Project</th><th>Decision</th>'
        f"<th>Stage</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _capacity_block(cap: Capacity) -> str:
    warnings = "".join(f'<div class="warning">{_e(w)}</div>' for w in cap.warnings)
    rows = "".join(
        f"<tr><td>{_e(a.title)}</td><td>{_e(a.tshirt)}</td>"
        f'<td class="num">{a.fte_weeks:g}</td><td class="num">{a.share_of_pool:.0%}</td></tr>'
        for a in cap.allocations
    )
    return (
        f'<div class="card"><h3>Capacity over the next {cap.horizon_weeks} weeks</h3>'
        f'<p class="small muted">{cap.fte:g} FTE: platform {cap.platform:.0f}, experiment '
        f"pool {cap.pool:.0f}, buffer {cap.buffer:.0f} FTE-weeks. Active projects ask for "
        f"{cap.demand:.0f} ({cap.used:.0%} of the pool).</p>{capacity_svg(cap)}{warnings}"
        '<div class="scroll"><table><thead><tr><th>Active project</th><th>Size</th>'
        '<th class="num">FTE-weeks</th><th class="num">Of pool</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></div>"
    )


def _cost_block(costs: list[CostRow]) -> str:
    flagged = "".join(
        f'<div class="warning">{_e(c.title)}: {_e(c.why)}</div>' for c in costs if c.flagged
    )
    return (
        '<div class="card"><h3>Cost against impact</h3><p class="small muted">Estimated cost '
        "a quarter = the champion's gated cost per 1,000 requests × the one-pager's reach.</p>"
        f"{cost_svg(costs)}{flagged}</div>"
    )


def _changes(changes: Iterable[Change]) -> str:
    items = list(changes)
    if not items:
        return '<p class="muted small">Nothing changed since the last review.</p>'
    shown = items[-12:]
    more = len(items) - len(shown)
    lis = "".join(
        f"<li>{_e(c.time.strftime('%d %b'))} · {_e(c.text)} "
        f'<span class="muted small">({_e(c.user)})</span></li>'
        for c in shown
    )
    plural = "s" if more != 1 else ""
    extra = f'<p class="muted small">and {more} earlier change{plural}</p>' if more else ""
    return f'<ul class="changes">{lis}</ul>{extra}'


def _project_section(p: ReviewProject, decision: ProjectDecision | None) -> str:
    r = p.row
    op = r.onepager
    facts = [
        ("Stage", r.stage),
        ("Owner", op.owner.name if op and op.owner.name else "—"),
        ("Primary metric", p.metric_words),
        ("Gates", p.status.gate_verdict or "not gated"),
        ("Stale flags", ", ".join(p.status.stale_flags) or "none"),
        (
            "Data drift",
            p.drift_detail or ("not measured: no newer data" if not p.drift else p.drift),
        ),
        ("Cost / 1k requests", f"{p.cost_per_1k:,.4g} {p.currency}" if p.cost_per_1k else "—"),
        ("Effort", f"{op.effort.tshirt.value}, {op.effort.fte_weeks:g} FTE-weeks" if op else "—"),
    ]
    if p.previous:
        was = p.previous
        facts.append(
            (
                "At the last review",
                f"rank {was.get('rank')}, health {was.get('health')}, stage {was.get('stage')}",
            )
        )
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    decided = (
        f"<p>Decision: {_badge(decision.decision.value, decision.decision.value)} "
        f"{_e(decision.reason)}</p>"
        if decision
        else ""
    )
    outcome = (
        _e(op.outcome) if op and op.outcome else '<span class="muted">no outcome written</span>'
    )
    return (
        f'<section class="card" id="{_e(p.slug)}"><h3>{r.rank}. {_e(r.title)}</h3>'
        f'<p class="small">{outcome}</p>{decided}<div class="grid"><div><table>{rows}</table></div>'
        f"<div>{trend_svg(p.health_points)}<h4>Changes since the last review</h4>"
        f"{_changes(p.changes)}</div></div></section>"
    )


def review_html(
    summary: ReviewSummary,
    *,
    workspace_name: str,
    decisions: dict[str, ProjectDecision] | None = None,
) -> str:
    decisions = decisions or {}
    since = (
        f"since the review of {summary.since:%d %b %Y}"
        if summary.since
        else "everything on record (no earlier review)"
    )
    problems = "".join(f'<div class="warning">{_e(p)}</div>' for p in summary.problems)
    sections = "".join(_project_section(p, decisions.get(p.slug)) for p in summary.projects)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Portfolio review — {_e(workspace_name)} — {summary.today:%d %b %Y}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"<h1>Portfolio review: {_e(workspace_name)}</h1>"
        f'<p class="muted">{summary.today:%A %d %B %Y} · {len(summary.projects)} projects · '
        f"changes {_e(since)}</p>{problems}"
        f"<h2>Ranking</h2>{_summary_table(summary)}"
        f"<h2>Decisions</h2>{_decisions_table(summary, decisions)}"
        f'<h2>Capacity and cost</h2><div class="grid">{_capacity_block(summary.capacity)}'
        f"{_cost_block(summary.costs)}</div>"
        f"<h2>Projects</h2>{sections}"
        '<p class="small muted">Made by Shipyard from the workspace files and its audit log.</p>'
        "</main></body></html>\n"
    )
