"""`shipyard review`: the portfolio review from the command line, and its shareable report.

    shipyard review WS                         what changed since the last review, per project
    shipyard review WS --since 2026-11-01      ... since a date (or `all`)
    shipyard review WS --html r.html --pdf r.pdf
    shipyard review WS --decide fraud-flag=pause:"no data yet" --save

Reading never writes. `--save` writes reviews/<date>.yaml, applies the stage changes the
decisions make and appends audit entries. The PDF is laid out by Qt's own PDF writer, which
the CLI never imports: `run` hands a PdfRequest to the entry point, which renders it.
Exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.cli.output import current_user, print_json
from shipyard.core.errors import ShipyardError

DECISIONS = ("continue", "pivot", "pause", "sunset")


@dataclass(frozen=True)
class PdfRequest:
    """Pages for the entry point to lay out as a PDF (plain data: HTML and SVG text)."""

    pages: list[Any]
    out: Path
    page_size: str = "A4"
    title: str = ""
    paginate: bool = False  # one page each (a report), or as many sheets as the text needs


def parse_decision(text: str) -> tuple[str, str, str]:
    """`slug=decision[:reason]` -> (slug, decision, reason)."""
    slug, sep, rest = text.partition("=")
    decision, _, reason = rest.partition(":")
    decision = decision.strip().lower()
    if not sep or not slug.strip() or decision not in DECISIONS:
        raise ShipyardError(
            f"'{text}' is not a decision",
            fix="write --decide SLUG=DECISION[:REASON], e.g. --decide fraud-flag=pause:'no data "
            f"yet'; DECISION is one of {', '.join(DECISIONS)}",
        )
    return slug.strip(), decision, reason.strip()


def _print_summary(summary: Any) -> None:
    since = f"since {summary.since:%Y-%m-%d %H:%M}" if summary.since else "(no earlier review)"
    print(f"Portfolio review {summary.today} · {len(summary.projects)} projects · changes {since}")
    print(f"{'#':>3}  {'project':<28} {'stage':<12} {'health':>6}  {'gates':<5}  changes  metric")
    for p in summary.projects:
        trend = p.health_trend
        arrow = "" if trend is None else (" ▲" if trend > 0.5 else " ▼" if trend < -0.5 else " =")
        print(
            f"{p.row.rank:>3}  {p.slug[:28]:<28} {p.row.stage:<12} "
            f"{p.row.health.score:>4.0f}{arrow:<2}  {(p.status.gate_verdict or '—'):<5}  "
            f"{len(p.changes):>7}  {p.metric_words}"
        )
    cap = summary.capacity
    print(
        f"Capacity: active projects ask for {cap.demand:.0f} of {cap.pool:.0f} FTE-weeks in the "
        f"experiment pool over {cap.horizon_weeks} weeks ({cap.used:.0%})."
    )
    for line in [*cap.warnings, *(f"{c.title}: {c.why}" for c in summary.costs if c.flagged)]:
        print(f"warning: {line}")
    for p in summary.projects:
        if p.changes:
            print(f"\n{p.slug}:")
            for c in p.changes[-10:]:
                print(f"  {c.time:%Y-%m-%d} {c.text} ({c.user})")
    for problem in summary.problems:
        print(f"problem: {problem}", file=sys.stderr)


def _as_json(summary: Any, saved: Path | None) -> dict[str, Any]:
    return {
        "today": summary.today,
        "since": summary.since,
        "saved": saved,
        "projects": [
            {
                "slug": p.slug,
                "title": p.row.title,
                "rank": p.row.rank,
                "stage": p.row.stage,
                "health": round(p.row.health.score, 1),
                "health_trend": p.health_trend,
                "metric": p.metric_words,
                "gate_verdict": p.status.gate_verdict,
                "stale_flags": p.status.stale_flags,
                "drift": p.drift or None,
                "cost_per_1k": p.cost_per_1k,
                "changes": [
                    {"time": c.time, "user": c.user, "action": c.action, "text": c.text}
                    for c in p.changes
                ],
            }
            for p in summary.projects
        ],
        "capacity": {
            "pool_fte_weeks": summary.capacity.pool,
            "demand_fte_weeks": summary.capacity.demand,
            "warnings": summary.capacity.warnings,
        },
        "cost_flags": [c.why for c in summary.costs if c.flagged],
        "problems": summary.problems,
    }


def cmd_review(args: argparse.Namespace) -> int | PdfRequest:
    from shipyard.core.review.record import Decision, ProjectDecision
    from shipyard.core.review.summary import build_review
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    decisions = {}
    for text in args.decide or []:
        slug, decision, reason = parse_decision(text)
        decisions[slug] = ProjectDecision(decision=Decision(decision), reason=reason)
    if decisions and not args.save:
        raise ShipyardError(
            "decisions are only recorded with --save", fix="add --save to write the review"
        )
    summary = build_review(ws, args.since)
    saved: Path | None = None
    if args.save:
        from shipyard.core.review.record import load_review
        from shipyard.core.review.save import save_review

        with ws.lock("shipyard review --save"):
            saved = save_review(ws, summary, decisions, user=current_user(), notes=args.notes or "")
        decisions = load_review(saved).decisions
        print(f"Saved the review to {saved}")
    if args.json:
        print_json(_as_json(summary, saved))
    elif not (args.html or args.pdf):
        _print_summary(summary)
    if args.html:
        from shipyard.core.review.report_html import review_html
        from shipyard.core.workspace.atomic import atomic_write_text

        out = Path(args.html).expanduser()
        atomic_write_text(out, review_html(summary, workspace_name=ws.name, decisions=decisions))
        print(f"Wrote {out}")
    if args.pdf:
        from shipyard.core.review.report_pages import review_pages

        return PdfRequest(
            review_pages(summary, ws.name, decisions),
            Path(args.pdf).expanduser(),
            args.page_size,
            f"Portfolio review — {ws.name} — {summary.today}",
        )
    return 0


def add_review_parser(sub: Any) -> None:
    sp = sub.add_parser(
        "review",
        help="the portfolio review: what changed, health, capacity, cost; save decisions",
        description="Rank the portfolio with each project's health and trend, the champion "
        "against its target, the gate verdict, stale flags, drift and cost, and list what "
        "changed since the last saved review. --html/--pdf write a shareable report; --decide "
        "with --save records decisions (reviews/<date>.yaml) and moves stages.",
    )
    sp.set_defaults(fn=cmd_review)
    sp.add_argument("workspace")
    sp.add_argument(
        "--since",
        default="last",
        help="changes after this date (YYYY-MM-DD), 'last' (the last saved review, the "
        "default) or 'all'",
    )
    sp.add_argument("--html", metavar="OUT.html", help="write the report as one HTML file")
    sp.add_argument("--pdf", metavar="OUT.pdf", help="write the report as a PDF")
    sp.add_argument("--page-size", choices=("A4", "Letter"), default="A4")
    sp.add_argument(
        "--decide",
        action="append",
        metavar="SLUG=DECISION[:REASON]",
        help=f"a decision ({', '.join(DECISIONS)}); repeat for several projects",
    )
    sp.add_argument("--notes", help="notes to keep with the saved review")
    sp.add_argument("--save", action="store_true", help="record the review and its decisions")
    sp.add_argument("--json", action="store_true", help="print the review as JSON")
