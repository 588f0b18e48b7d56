"""A one-pager to share: Markdown, one self-contained HTML file, or printed pages.

The facts come from the validated front matter (the same fields the window edits), the
narrative from the Markdown body, rendered with raw HTML off so a pasted `<script>` is
text. The HTML has its style inline and no network reference; the PDF is laid out by the
window's PDF writer from `onepager_page` (Qt rich text), paginated as long as it needs.
"""

from __future__ import annotations

from html import escape

from shipyard.core.portfolio.onepager_file import OnePagerDoc
from shipyard.core.portfolio.scoring import score
from shipyard.core.review.report_pages import Page


def facts(doc: OnePagerDoc) -> list[tuple[str, str]]:
    """(label, value) of the front matter a reader needs first."""
    op = doc.onepager
    metric = op.primary_metric
    target = (
        "" if metric.target is None else f" (target {metric.target:g}, {metric.direction.value})"
    )
    s = score(op)
    dates = op.dates
    rows = [
        ("Stage", op.stage.value + (f" since {op.stage_since}" if op.stage_since else "")),
        ("Owner", op.owner.name or "—"),
        ("Team", ", ".join(op.team) or "—"),
        ("Outcome", op.outcome or "—"),
        ("Hypothesis", op.hypothesis or "—"),
        ("Primary metric", (metric.name or "—") + target),
        ("Dataset", op.dataset.name or "—"),
        (
            "Risk",
            f"{op.risk.level.value}; data {op.risk.data_sensitivity.value}"
            + ("; holds PII" if op.risk.pii else ""),
        ),
        ("Effort", f"{op.effort.tshirt.value}, {op.effort.fte_weeks:g} FTE-weeks"),
        (
            "Priority",
            f"composite {s.composite:.2f} · RICE {s.rice:,.0f} · ICE {s.ice:.1f} · "
            f"WSJF {s.wsjf:.2f}",
        ),
        (
            "Dates",
            ", ".join(
                f"{k} {v}"
                for k, v in (
                    ("start", dates.start),
                    ("review", dates.review),
                    ("sunset", dates.sunset),
                )
                if v
            )
            or "—",
        ),
    ]
    return rows


def onepager_markdown(doc: OnePagerDoc) -> str:
    """The one-pager as plain Markdown: a facts table, then the narrative as written."""
    pipe = "\\|"  # a | inside a table cell
    table = "\n".join(f"| {k} | {v.replace('|', pipe)} |" for k, v in facts(doc))
    return f"# {doc.onepager.title}\n\n| | |\n|---|---|\n{table}\n\n{doc.body.strip()}\n"


def _body_html(doc: OnePagerDoc) -> str:
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).render(doc.body))


CSS = (
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;"
    "max-width:860px;margin:0 auto;padding:24px 16px}h1{font-size:26px}"
    "table{border-collapse:collapse;width:100%;margin:12px 0}"
    "th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #d1d9e0;vertical-align:top}"
    "th{width:28%;color:#59636e;font-weight:600}"
)


def onepager_html(doc: OnePagerDoc) -> str:
    """One self-contained HTML file (style inline, no network reference)."""
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts(doc))
    title = escape(doc.onepager.title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body><h1>{title}</h1>"
        f"<table>{rows}</table>{_body_html(doc)}</body></html>\n"
    )


def onepager_page(doc: OnePagerDoc) -> Page:
    """The one-pager as a printed page for the PDF writer (Qt rich text)."""
    rows = "".join(
        f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts(doc)
    )
    html = (
        f"<html><body><h1>{escape(doc.onepager.title)}</h1>"
        f"<table width='100%' cellspacing='0' cellpadding='3'>{rows}</table>"
        f"{_body_html(doc)}</body></html>"
    )
    return Page(html)
