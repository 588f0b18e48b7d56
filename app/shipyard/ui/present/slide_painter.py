"""Paint one slide of the deck into a rectangle: big type that shrinks only as far as it must.

Every piece of text goes through `fit`: its font starts at the size meant for a room
(scaled to the screen's height) and steps down until the text fits its box; if it still
does not at the smallest readable size, it is drawn clipped and recorded as such. The
presentation tests read `boxes` to prove no text is clipped at 1920×1080 and 1280×720.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from shipyard.core.review.deck import Chart, Fact, Slide

PAPER, INK, MUTED, LINE = "#ffffff", "#1f2328", "#59636e", "#d1d9e0"
ACCENT, RUN, DUMMY = "#0969da", "#8fbcf0", "#b8c0c8"
TONES = {"good": "#1a7f37", "fair": "#9a6700", "poor": "#cf222e", "": INK}
WRAP = int(Qt.TextFlag.TextWordWrap)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
CENTER = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
RIGHT_MID = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT_MID = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class TextBox:
    text: str
    rect: QRectF  # the box the text was given
    needed: QRectF  # where the text's glyphs went at the size chosen
    px: float
    clipped: bool
    device: QRectF  # `rect` on the screen (the painter may be rotated, e.g. an axis label)


class SlidePainter:
    """Draws slides; `boxes` lists every text drawn by the last `paint`."""

    def __init__(self, family: str = "") -> None:
        self.family = family
        self.boxes: list[TextBox] = []

    # -- text -----------------------------------------------------------------------------
    def font(self, px: float, bold: bool = False) -> QFont:
        font = QFont(self.family) if self.family else QFont()
        font.setPixelSize(max(1, round(px)))
        font.setBold(bold)
        return font

    def fit(
        self,
        p: QPainter,
        text: str,
        rect: QRectF,
        px: float,
        *,
        bold: bool = False,
        colour: str = INK,
        flags: int = LEFT | WRAP,
        floor: float = 0.55,
    ) -> QRectF:
        """Draw `text` in `rect` at `px`, smaller if need be (down to `floor` × px, and
        never under 13 px); returns the rect the glyphs took."""
        if not text:
            return QRectF(rect.topLeft(), rect.topLeft())
        if rect.width() <= 0 or rect.height() <= 0:  # no room at all: dropped, and said so
            device = p.transform().mapRect(QRectF(rect))
            self.boxes.append(TextBox(text, QRectF(rect), QRectF(rect), px, True, device))
            return QRectF(rect.topLeft(), rect.topLeft())
        smallest = max(13.0, px * floor)
        size = px
        while True:
            font = self.font(size, bold)
            needed = QFontMetricsF(font).boundingRect(rect, flags, text)
            fits = needed.width() <= rect.width() + 0.5 and needed.height() <= rect.height() + 0.5
            if fits or size <= smallest:
                break
            size = max(smallest, size * 0.92)
        if not fits:
            # Still too long at the smallest readable size: end it with "…" where it fits,
            # rather than cutting a line in half (recorded as clipped all the same).
            metrics = QFontMetricsF(font)
            lo, hi = 0, len(text)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                probe = text[:mid].rstrip() + "…"
                box = metrics.boundingRect(rect, flags, probe)
                if box.width() <= rect.width() + 0.5 and box.height() <= rect.height() + 0.5:
                    lo = mid
                else:
                    hi = mid - 1
            text = text[:lo].rstrip() + "…"
            needed = metrics.boundingRect(rect, flags, text)
        p.setFont(font)
        p.setPen(QColor(colour))
        p.save()
        p.setClipRect(rect)
        p.drawText(rect, flags, text)
        p.restore()
        device = p.transform().mapRect(QRectF(rect))
        self.boxes.append(TextBox(text, QRectF(rect), needed, size, not fits, device))
        return needed

    # -- the slide ------------------------------------------------------------------------
    def paint(self, p: QPainter, slide: Slide, w: float, h: float) -> None:
        self.boxes = []
        u = min(w / 1920, h / 1080)
        m = 72 * u
        p.fillRect(QRectF(0, 0, w, h), QColor(PAPER))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if slide.kind == "title":
            self._title(p, slide, w, h, u, m)
            return
        top = m * 0.6
        self.fit(p, slide.section_title, QRectF(m, top, w - 2 * m, 44 * u), 30 * u,
                 colour=MUTED, flags=LEFT_MID)  # fmt: skip
        top += 48 * u
        self.fit(p, slide.heading, QRectF(m, top, w - 2 * m, 84 * u), 62 * u, bold=True,
                 flags=LEFT_MID)  # fmt: skip
        top += 96 * u
        p.fillRect(QRectF(m, top, w - 2 * m, max(2.0, 3 * u)), QColor(ACCENT))
        top += 28 * u
        bottom = h - 96 * u  # the footer's band
        if slide.note:
            self.fit(p, slide.note, QRectF(m, bottom - 44 * u, w - 2 * m, 40 * u), 26 * u,
                     colour=MUTED, flags=LEFT_MID)  # fmt: skip
            bottom -= 56 * u
        body = QRectF(m, top, w - 2 * m, bottom - top)
        if slide.kind == "model":
            self._model(p, slide, body, u)
        else:
            self._text_body(p, slide, body, u)

    def _title(self, p: QPainter, slide: Slide, w: float, h: float, u: float, m: float) -> None:
        top = h * 0.08
        self.fit(p, slide.heading, QRectF(m, top, w - 2 * m, 190 * u), 84 * u, bold=True,
                 flags=CENTER | WRAP)  # fmt: skip
        top += 170 * u
        self.fit(p, slide.lead, QRectF(m, top, w - 2 * m, 64 * u), 44 * u, colour=ACCENT,
                 flags=CENTER)  # fmt: skip
        top += 90 * u
        bottom = h - 180 * u
        items = list(slide.bullets)
        cols = 1 if len(items) <= 5 else 2
        per = -(-len(items) // cols) if items else 1
        col_w = (w - 2 * m - (cols - 1) * 48 * u) / cols
        row_h = min(110 * u, (bottom - top) / per)
        for i, text in enumerate(items):
            c, r = divmod(i, per)
            rect = QRectF(m + c * (col_w + 48 * u), top + r * row_h, col_w, row_h - 6 * u)
            self.fit(p, text, rect, 34 * u, flags=LEFT_MID | WRAP)
        self.fit(p, slide.note, QRectF(m, h - 170 * u, w - 2 * m, 48 * u), 30 * u,
                 colour=MUTED, flags=CENTER)  # fmt: skip

    def _text_body(self, p: QPainter, slide: Slide, body: QRectF, u: float) -> None:
        top = body.top()
        lead_h = 170 * u if slide.facts or slide.bullets else body.height() * 0.5
        got = self.fit(p, slide.lead, QRectF(body.left(), top, body.width(), lead_h), 50 * u,
                       bold=True)  # fmt: skip
        top += max(got.height(), 60 * u) + 36 * u
        if slide.facts:
            room = body.bottom() - top if not slide.bullets else 0.0
            top = self._facts(p, slide.facts, QRectF(body.left(), top, body.width(), room), u)
            top += 28 * u
        if slide.bullets:
            rest = QRectF(body.left(), top, body.width(), body.bottom() - top)
            self._bullets(p, slide.bullets, rest, u)

    def _facts(self, p: QPainter, facts: tuple[Fact, ...], area: QRectF, u: float) -> float:
        cols = 2 if len(facts) <= 4 else 3
        gap = 24 * u
        card_w = (area.width() - (cols - 1) * gap) / cols
        long = any(len(f.value) > 30 for f in facts)
        card_h = (160 if long else 128) * u
        rows = -(-len(facts) // cols)
        if long and area.height() > 0:  # room below: long values keep a larger size
            card_h = max(card_h, min(210 * u, (area.height() - (rows - 1) * gap) / rows))
        for i, fact in enumerate(facts):
            r, c = divmod(i, cols)
            rect = QRectF(area.left() + c * (card_w + gap), area.top() + r * (card_h + gap),
                          card_w, card_h)  # fmt: skip
            p.setPen(QPen(QColor(LINE), max(1.0, 2 * u)))
            p.setBrush(QColor("#f6f8fa"))
            p.drawRoundedRect(rect, 10 * u, 10 * u)
            p.fillRect(QRectF(rect.left(), rect.top(), 8 * u, rect.height()),
                       QColor(TONES.get(fact.tone, INK) if fact.tone else LINE))  # fmt: skip
            inner = rect.adjusted(26 * u, 12 * u, -16 * u, -10 * u)
            self.fit(p, fact.label, QRectF(inner.left(), inner.top(), inner.width(), 32 * u),
                     24 * u, colour=MUTED, flags=LEFT_MID)  # fmt: skip
            self.fit(p, fact.value, QRectF(inner.left(), inner.top() + 34 * u, inner.width(),
                     inner.height() - 34 * u), 36 * u, bold=True,
                     colour=TONES.get(fact.tone, INK), floor=0.45)  # fmt: skip
        return area.top() + rows * card_h + (rows - 1) * gap

    def _bullets(self, p: QPainter, bullets: tuple[str, ...], area: QRectF, u: float) -> None:
        if area.height() <= 20 * u:
            return
        # One size for the whole list, the largest at which every item fits one below the
        # other; each item then takes the height it needs.
        width = area.width() - 30 * u
        gap = 14 * u
        px, smallest = 34 * u, max(13.0, 34 * u * 0.5)
        while True:
            metrics = QFontMetricsF(self.font(px))
            probe = QRectF(0, 0, width, 10_000)
            heights = [metrics.boundingRect(probe, LEFT | WRAP, t).height() for t in bullets]
            if sum(heights) + gap * (len(bullets) - 1) <= area.height() or px <= smallest:
                break
            px = max(smallest, px * 0.92)
        room = area.height() - gap * (len(bullets) - 1)
        if sum(heights) > room:  # too much even at the smallest size: an equal share each
            heights = [room / len(bullets)] * len(bullets)
        top = area.top()
        for text, height in zip(bullets, heights, strict=True):
            rect = QRectF(area.left() + 30 * u, top, width, min(height + 2, area.bottom() - top))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(ACCENT))
            p.drawEllipse(QRectF(area.left(), top + px * 0.42, px * 0.36, px * 0.36))
            self.fit(p, text, rect, px, floor=1.0)
            top += height + gap

    # -- the model slide ------------------------------------------------------------------
    def _model(self, p: QPainter, slide: Slide, body: QRectF, u: float) -> None:
        top = body.top()
        self.fit(p, slide.lead, QRectF(body.left(), top, body.width() * 0.45, 70 * u),
                 46 * u, bold=True, flags=LEFT_MID)  # fmt: skip
        for fact in slide.facts[:1]:
            self.fit(p, fact.value, QRectF(body.left() + body.width() * 0.47, top,
                     body.width() * 0.53, 70 * u), 30 * u,
                     colour=TONES.get(fact.tone, INK), flags=LEFT_MID | WRAP)  # fmt: skip
        top += 96 * u
        charts = slide.charts
        if not charts:
            return
        gap = 56 * u
        each = (body.width() - gap * (len(charts) - 1)) / len(charts)
        for i, chart in enumerate(charts):
            rect = QRectF(body.left() + i * (each + gap), top, each, body.bottom() - top)
            self.chart(p, chart, rect, u)

    def chart(self, p: QPainter, chart: Chart, rect: QRectF, u: float) -> None:
        self.fit(p, chart.title, QRectF(rect.left(), rect.top(), rect.width(), 44 * u), 30 * u,
                 bold=True, flags=LEFT_MID)  # fmt: skip
        area = rect.adjusted(0, 56 * u, 0, 0)
        if chart.kind == "bars":
            self._bars(p, chart, area, u)
        else:
            self._plot(p, chart, area, u)

    def _bars(self, p: QPainter, chart: Chart, area: QRectF, u: float) -> None:
        n = max(1, len(chart.bars))
        label_w = area.width() * 0.32
        value_w = 110 * u
        plot_l, plot_r = area.left() + label_w + 12 * u, area.right() - value_w
        top = area.top() + (34 * u if chart.target is not None else 0)
        row = min(84 * u, (area.bottom() - top) / n)
        span = (chart.hi - chart.lo) or 1.0

        def x_of(v: float) -> float:
            return plot_l + (plot_r - plot_l) * (v - chart.lo) / span

        for i, bar in enumerate(chart.bars):
            y = top + i * row
            colour = ACCENT if bar.role == "champion" else DUMMY if bar.role == "dummy" else RUN
            p.fillRect(QRectF(plot_l, y + row * 0.18, max(2.0, x_of(bar.value) - plot_l),
                              row * 0.64), QColor(colour))  # fmt: skip
            name = f"{bar.label} ★" if bar.role == "champion" else bar.label
            self.fit(p, name, QRectF(area.left(), y, label_w, row), 28 * u,
                     bold=bar.role == "champion", flags=RIGHT_MID | WRAP)  # fmt: skip
            self.fit(p, bar.text, QRectF(x_of(bar.value) + 10 * u, y, value_w, row), 26 * u,
                     flags=LEFT_MID)  # fmt: skip
        if chart.target is not None:
            x = x_of(chart.target)
            p.setPen(QPen(QColor(TONES["poor"]), max(2.0, 3 * u), Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, top - 4 * u), QPointF(x, top + n * row))
            self.fit(p, chart.target_text, QRectF(x - 140 * u, area.top(), 280 * u, 32 * u),
                     24 * u, colour=TONES["poor"], flags=CENTER)  # fmt: skip

    def _plot(self, p: QPainter, chart: Chart, area: QRectF, u: float) -> None:
        side = min(area.width() - 60 * u, area.height() - 60 * u)
        if side <= 40 * u:
            return
        box = QRectF(area.left() + 60 * u, area.top(), side, side)
        span = (chart.hi - chart.lo) or 1.0

        def at(x: float, y: float) -> QPointF:
            return QPointF(
                box.left() + box.width() * (x - chart.lo) / span,
                box.bottom() - box.height() * (y - chart.lo) / span,
            )

        p.setPen(QPen(QColor(LINE), max(1.0, 2 * u)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box)
        if chart.diagonal:
            p.setPen(QPen(QColor(MUTED), max(1.0, 2 * u), Qt.PenStyle.DashLine))
            p.drawLine(at(chart.lo, chart.lo), at(chart.hi, chart.hi))
        pts = [at(x, y) for x, y in chart.points]
        if chart.kind == "line":
            p.setPen(QPen(QColor(ACCENT), max(2.0, 5 * u)))
            p.drawPolyline(QPolygonF(pts))
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(ACCENT))
            r = max(2.0, 5 * u)
            for pt in pts:
                p.drawEllipse(pt, r, r)
        self.fit(p, chart.x_label, QRectF(box.left(), box.bottom() + 8 * u, box.width(),
                 40 * u), 24 * u, colour=MUTED, flags=CENTER)  # fmt: skip
        p.save()
        p.translate(area.left() + 8 * u, box.bottom())
        p.rotate(-90)
        self.fit(p, chart.y_label, QRectF(0, 0, box.height(), 40 * u), 24 * u, colour=MUTED,
                 flags=CENTER)  # fmt: skip
        p.restore()
