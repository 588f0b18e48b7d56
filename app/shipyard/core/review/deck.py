"""The demo-day deck as plain data: a title slide, then one section of slides per project.

Each section tells one team's ~10-minute story: outcome and hypothesis, the data (linked
version, rows, drift), the model (the baseline ladder against the champion and the target,
and the champion's key plot from its recorded curves), the impact (primary metric and the
last rehearsal's KPI against target, gate verdict, rollout stage) and what changed this
sprint. The window and the HTML deck draw the same slides. Building reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.review.summary import ReviewProject, ReviewSummary
from shipyard.core.workspace.workspace import Workspace

DEFAULT_MINUTES = 10.0
MAX_BARS = 8  # runs on the ladder chart: the champion, the best others and the dummy
MAX_POINTS = 300  # points of a key plot: enough for its shape, light in an HTML file
MAX_CHANGES = 8  # lines on a "what changed" slide; the rest is counted
# Stages that serve real traffic: evidence (data, a champion, gates) should back them.
LIVE_STAGES = ("shadow", "canary", "progressive", "full")


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    tone: str = ""  # "good" | "fair" | "poor" | "" (neutral)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    role: str = "run"  # "champion" | "run" | "dummy"


@dataclass(frozen=True)
class Chart:
    """A bar chart (`bars`, with an optional target line) or a key plot (`points`)."""

    kind: str  # "bars" | "line" | "scatter"
    title: str
    bars: tuple[Bar, ...] = ()
    target: float | None = None
    target_text: str = ""
    points: tuple[tuple[float, float], ...] = ()
    x_label: str = ""
    y_label: str = ""
    diagonal: bool = False  # draw y = x (ROC chance line, perfect prediction)
    lo: float = 0.0
    hi: float = 1.0


@dataclass(frozen=True)
class Slide:
    kind: str  # "title" | "outcome" | "data" | "model" | "impact" | "changes"
    section: str  # the project's slug ("" on the title slide)
    section_title: str
    heading: str
    lead: str = ""  # the one sentence to say out loud
    facts: tuple[Fact, ...] = ()
    bullets: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    note: str = ""  # small print: where a figure comes from, what to do next


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    stage: str
    owner: str
    minutes: float
    slides: tuple[Slide, ...]


@dataclass
class Deck:
    title: str
    subtitle: str
    today: date
    minutes: float
    sections: list[Section]
    slides: list[Slide] = field(default_factory=list)  # title slide first, then each section

    def section_of(self, index: int) -> Section | None:
        slug = self.slides[index].section
        return next((s for s in self.sections if s.slug == slug), None)


# -- order --------------------------------------------------------------------------------
def roadmap_order(summary: ReviewSummary) -> list[str]:
    """The roadmap's order: by the start of each project's bar (earliest first), then rank.
    Sunset projects have nothing left to demo and are left out; invalid one-pagers too."""
    from shipyard.core.portfolio.roadmap import project_span
    from shipyard.core.portfolio.vocabulary import Stage

    rows = [
        p.row
        for p in summary.projects
        if p.row.onepager is not None and p.row.onepager.stage is not Stage.SUNSET
    ]
    rows.sort(key=lambda r: (project_span(r.onepager, summary.today).start, r.rank))  # type: ignore[arg-type]  # rows with no one-pager were left out above
    return [r.slug for r in rows]


def parse_order(text: str | None, known: list[str]) -> list[str] | None:
    """`slug,slug,...` -> the slugs, checked; None when no order was given."""
    if text is None or not text.strip():
        return None
    slugs = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise ShipyardError(
            f"--order names no project '{unknown[0]}'",
            fix="use the project slugs, comma separated, from: " + ", ".join(known),
        )
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise ShipyardError(
            f"--order names '{dupes[0]}' twice", fix="list each project once, in speaking order"
        )
    return slugs


def check_minutes(minutes: float) -> None:
    if not 0 < minutes <= 120:
        raise ShipyardError(
            f"{minutes:g} minutes per team is outside 0..120", fix="e.g. --minutes 10"
        )


# -- slides -------------------------------------------------------------------------------
def _tone(verdict: str | None) -> str:
    return {"pass": "good", "warn": "fair", "fail": "poor"}.get(verdict or "", "")


def _outcome(p: ReviewProject, title: str) -> Slide:
    op = p.row.onepager
    assert op is not None
    pm = op.primary_metric
    target = f"{pm.name or '—'}" + (f", target {pm.target:g}" if pm.target is not None else "")
    facts = (
        Fact("Owner", op.owner.name or "—"),
        Fact("Primary metric", target),
        Fact("Stage", p.row.stage),
        Fact("Effort", f"{op.effort.tshirt.value} · {op.effort.fte_weeks:g} FTE-weeks"),
    )
    return Slide(
        "outcome",
        p.slug,
        title,
        "Outcome and hypothesis",
        lead=op.outcome or "No outcome written yet",
        bullets=(f"Hypothesis: {op.hypothesis}",) if op.hypothesis else (),
        facts=facts,
        note="" if op.outcome else "Write the one-line outcome in the one-pager.",
    )


def _data(ws: Workspace, p: ReviewProject, title: str) -> Slide:
    from shipyard.core.data.project_links import linked_versions

    op = p.row.onepager
    try:
        versions = linked_versions(ws, p.slug)
    except ShipyardError as exc:
        return Slide("data", p.slug, title, "Data", lead="The data links cannot be read",
                     note=f"{exc.message}; fix the file and reopen")  # fmt: skip
    if not versions:
        wanted = op.dataset.name if op and op.dataset.name else ""
        lineage = op.dataset.lineage if op else ""
        return Slide(
            "data",
            p.slug,
            title,
            "Data",
            lead="No dataset version linked yet",
            bullets=tuple(
                b
                for b in (
                    f"The one-pager names the dataset '{wanted}'" if wanted else "",
                    f"Source: {lineage}" if lineage else "",
                    f"The project is in {p.row.stage}, but no data backs that stage"
                    if p.row.stage in LIVE_STAGES
                    else "",
                )
                if b
            ),
            note="Import it: shipyard data import WORKSPACE FILE "
            + (f"--name {wanted} " if wanted else "")
            + f"--project {p.slug}",
        )
    first = versions[0]
    facts = [
        Fact("Version", first.ref),
        Fact("Rows", f"{first.rows:,}"),
        Fact("Columns", str(first.columns)),
    ]
    if p.drift:
        tone = {"none": "good", "moderate": "fair", "major": "poor"}.get(p.drift, "")
        facts.append(Fact("Drift", p.drift, tone))
    else:
        facts.append(Fact("Drift", "newest version in use"))
    bullets = [f"Also uses {v.ref} ({v.rows:,} rows)" for v in versions[1:3]]
    if p.drift_detail:
        bullets.insert(0, p.drift_detail)
    if op and op.dataset.lineage:
        bullets.append(f"Source: {op.dataset.lineage}")
    return Slide(
        "data",
        p.slug,
        title,
        "Data",
        lead=f"{first.ref}: {first.rows:,} rows, {first.columns} columns",
        facts=tuple(facts),
        bullets=tuple(bullets),
        note=f"Imported {first.created[:10]} by {first.user}" if first.user else "",
    )


def _ladder(ws: Workspace, slug: str, target: float | None) -> Chart | None:
    from shipyard.core.training.leaderboard import leaderboard, metric_label

    board = leaderboard(ws, slug)
    scored = [r for r in board.rows if r.score is not None]
    if not scored:
        return None
    keep = [r for r in scored if r.champion] + [r for r in scored if not r.champion]
    dummy = [r for r in scored if r.family == "dummy" and not r.champion][:1]
    keep = [r for r in keep if r not in dummy][: MAX_BARS - len(dummy)] + dummy
    keep.sort(key=lambda r: scored.index(r))
    bars = tuple(
        Bar(
            r.family or r.model,
            float(r.score),  # type: ignore[arg-type]  # the leaderboard's score is numeric
            f"{r.score:.3g}",
            "champion" if r.champion else "dummy" if r.family == "dummy" else "run",
        )
        for r in keep
    )
    values = [b.value for b in bars] + ([target] if target is not None else [])
    hi = max(values)
    lo = min(0.0, min(values))
    label = metric_label(board.metric)
    lower = " (lower is better)" if board.direction == "minimize" else ""
    return Chart(
        "bars",
        f"{label}, as the leaderboard ranks it{lower}",
        bars=bars,
        target=target,
        target_text=f"target {target:g}" if target is not None else "",
        lo=lo,
        hi=hi * 1.08 if hi > 0 else 1.0,
    )


def _thin(xs: list[Any], ys: list[Any]) -> tuple[tuple[float, float], ...]:
    n = min(len(xs), len(ys))
    step = max(1, -(-n // MAX_POINTS))
    return tuple(
        (float(xs[i]), float(ys[i]))
        for i in range(0, n, step)
        if isinstance(xs[i], int | float) and isinstance(ys[i], int | float)
    )


def key_plot(curves: dict[str, Any]) -> Chart | None:
    """The champion's key plot from its recorded curves: the ROC curve of a binary task,
    predicted against actual for a regression, per-class recall for several classes."""
    roc = curves.get("roc_curve")
    if isinstance(roc, dict) and roc.get("fpr") and roc.get("tpr"):
        pts = _thin(list(roc["fpr"]), list(roc["tpr"]))
        if pts and pts[-1] != (1.0, 1.0):
            pts = (*pts, (1.0, 1.0))
        return Chart("line", "ROC curve", points=pts, x_label="false positive rate",
                     y_label="true positive rate", diagonal=True)  # fmt: skip
    pva = curves.get("predicted_vs_actual")
    if isinstance(pva, dict) and pva.get("actual") and pva.get("predicted"):
        pts = _thin(list(pva["actual"]), list(pva["predicted"]))
        if pts:
            values = [v for p in pts for v in p]
            lo, hi = min(values), max(values)
            span = f" ({lo:.3g} to {hi:.3g})"
            return Chart("scatter", "Predicted against actual", points=pts,
                         x_label=f"actual{span}", y_label=f"predicted{span}", diagonal=True,
                         lo=lo, hi=hi)  # fmt: skip
    conf = curves.get("confusion")
    if isinstance(conf, dict) and conf.get("labels") and conf.get("matrix"):
        bars: list[Bar] = []
        for label, row in zip(conf["labels"], conf["matrix"], strict=False):
            total = sum(v for v in row if isinstance(v, int | float))
            i = len(bars)
            if total and i < len(row):
                recall = row[i] / total
                bars.append(Bar(str(label), recall, f"{recall:.0%}"))
            else:
                bars.append(Bar(str(label), 0.0, "—"))
        return Chart("bars", "Recall per class", bars=tuple(bars[:MAX_BARS]), lo=0.0, hi=1.08)
    return None


def _model(ws: Workspace, p: ReviewProject, title: str) -> Slide:
    from shipyard.core.training.runs import load_run

    op = p.row.onepager
    target = op.primary_metric.target if op else None
    charts: list[Chart] = []
    note = ""
    try:
        ladder = _ladder(ws, p.slug, target)
    except ShipyardError as exc:
        ladder, note = None, f"The runs cannot be read: {exc.message}"
    if ladder is not None:
        charts.append(ladder)
    champion = p.status.champion
    if champion:
        try:
            plot = key_plot(load_run(ws, p.slug, champion).curves or {})
        except ShipyardError:
            plot = None
        if plot is not None:
            charts.append(plot)
    if not p.status.runs:
        lead = "No runs yet"
        note = note or f"Train the baseline ladder: shipyard train WORKSPACE {p.slug}"
    elif not champion:
        lead = f"{p.status.runs} runs, no champion yet"
        note = note or "Promote the best run on the Models tab"
    else:
        lead = f"Champion: {p.status.champion_family or champion}"
    facts = (
        (Fact("Primary metric", p.metric_words, metric_tone(p.metric_words)),)
        if p.status.runs
        else ()
    )
    return Slide("model", p.slug, title, "Model: ladder, champion, target", lead=lead,
                 facts=facts, charts=tuple(charts), note=note)  # fmt: skip


def rehearsal_kpi(ws: Workspace, slug: str, run_id: str | None) -> tuple[str, str]:
    """(words, tone) for the KPI check of the run's stored rehearsal; ('', '') without one."""
    from shipyard.core.packaging.model_card import stored_rehearsal
    from shipyard.core.training.runs import load_run

    if not run_id:
        return "", ""
    try:
        result = stored_rehearsal(load_run(ws, slug, run_id))
    except ShipyardError:
        return "", ""
    if not result:
        return "", ""
    kpi = None
    for phase in result.get("phases") or []:
        for check in phase.get("checks") or [] if isinstance(phase, dict) else []:
            if isinstance(check, dict) and check.get("check") == "kpi_delta":
                kpi = check  # the last phase that judged the KPI
    headline = str(result.get("headline", ""))
    if kpi is None or not isinstance(kpi.get("value"), int | float):
        return f"{headline} (no KPI check)", ""
    verdict = str(kpi.get("verdict", ""))
    tone = {"pass": "good", "hold": "fair", "wait": "fair", "fail": "poor"}.get(verdict, "")
    return (
        f"KPI {kpi['value']:+.3f} vs control, limit {kpi.get('threshold', 0):+g}: {verdict}",
        tone,
    )


def _impact(ws: Workspace, p: ReviewProject, title: str) -> Slide:
    status = p.status
    facts = [Fact("Primary metric", p.metric_words, metric_tone(p.metric_words))]
    kpi, tone = rehearsal_kpi(ws, p.slug, status.champion)
    facts.append(Fact("Rehearsal", kpi or "not rehearsed yet", tone))
    gate = status.gate_verdict or "not run"
    if status.gate_failed:
        gate += f" (failed: {', '.join(status.gate_failed[:3])})"
    elif status.gate_when:
        gate += f" ({status.gate_when})"
    facts.append(Fact("Gates", gate, _tone(status.gate_verdict)))
    facts.append(Fact("Rollout stage", p.row.stage))
    if p.cost_per_1k is not None:
        facts.append(Fact("Cost per 1,000 requests", f"{p.cost_per_1k:.3g} {p.currency}".strip()))
    if status.stale_flags:
        facts.append(Fact("Stale flags", ", ".join(status.stale_flags), "fair"))
    lead = {
        "pass": "Gates pass: ready for the next stage",
        "warn": "Gates warn: a person should look before the next stage",
        "fail": "Gates fail: not ready for the next stage",
    }.get(status.gate_verdict or "", "No gate report yet")
    return Slide("impact", p.slug, title, "Impact", lead=lead, facts=tuple(facts))


def _changes(p: ReviewProject, title: str, since: str) -> Slide:
    recent = list(reversed(p.changes))[:MAX_CHANGES]
    bullets = tuple(f"{c.time:%d %b} · {c.text}" for c in recent)
    more = len(p.changes) - len(recent)
    trend = p.health_trend
    health = f"{p.row.health.score:.0f}/100" + (
        "" if trend is None else f" ({'+' if trend >= 0 else ''}{trend:.0f} since last sprint)"
    )
    return Slide(
        "changes",
        p.slug,
        title,
        "What changed this sprint",
        lead=f"{len(p.changes)} change{'s' if len(p.changes) != 1 else ''} {since}"
        if p.changes
        else f"Nothing recorded {since}",
        bullets=bullets,
        facts=(Fact("Health", health, _health_tone(p.row.health.score)),),
        note=f"and {more} earlier" if more > 0 else "",
    )


def metric_tone(words: str) -> str:
    """The tone of the review's metric words: meets, too close to call, or misses."""
    if "too close" in words:
        return "fair"
    if "meets" in words or "above" in words:
        return "good"
    return "poor" if "misses" in words or "below" in words else ""


def _health_tone(score: float) -> str:
    return "good" if score >= 75 else "fair" if score >= 50 else "poor"


def build_deck(
    ws: Workspace,
    summary: ReviewSummary,
    order: list[str] | None = None,
    minutes: float = DEFAULT_MINUTES,
) -> Deck:
    """The deck for `order` (default: roadmap order), `minutes` per team."""
    from shipyard.core.review.sprints import sprint_label

    check_minutes(minutes)
    slugs = order if order is not None else roadmap_order(summary)
    since = f"since {summary.since:%d %b}, when the sprint began" if summary.since else "so far"
    sections: list[Section] = []
    for slug in slugs:
        p = summary.project(slug)
        op = p.row.onepager
        if op is None:
            raise ShipyardError(
                f"the one-pager of '{slug}' has errors, so it cannot be presented",
                fix=f"shipyard validate WORKSPACE names the problem; or leave {slug} out",
            )
        title = p.row.title
        slides = (
            _outcome(p, title),
            _data(ws, p, title),
            _model(ws, p, title),
            _impact(ws, p, title),
            _changes(p, title, since),
        )
        sections.append(Section(slug, title, p.row.stage, op.owner.name, minutes, slides))
    sprint = sprint_label(summary.today, ws.config.portfolio)
    agenda = tuple(
        f"{i}. {s.title}" + (f" — {s.owner}" if s.owner else "")
        for i, s in enumerate(sections, start=1)
    )
    title_slide = Slide(
        "title",
        "",
        ws.name,
        f"Demo day — {ws.name}",
        lead=sprint,
        bullets=agenda,
        note=f"{len(sections)} teams · {minutes:g} minutes each · {summary.today:%d %B %Y}",
    )
    deck = Deck(f"Demo day — {ws.name}", sprint, summary.today, minutes, sections)
    deck.slides = [title_slide, *(s for sec in sections for s in sec.slides)]
    return deck


def deck_for(
    ws: Workspace,
    order: str | list[str] | None = None,
    minutes: float = DEFAULT_MINUTES,
    today: date | None = None,
) -> Deck:
    """Build the review of the current sprint, then the deck (`order` as slugs or
    `slug,slug` text)."""
    from shipyard.core.review.sprints import sprint_start
    from shipyard.core.review.summary import build_review

    day = today or date.today()
    # "What changed this sprint": the changes since the current sprint began.
    summary = build_review(ws, sprint_start(day, ws.config.portfolio), day)
    known = [p.slug for p in summary.projects]
    chosen = parse_order(",".join(order) if isinstance(order, list) else order, known)
    return build_deck(ws, summary, chosen, minutes)
