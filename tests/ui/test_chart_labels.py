"""Chart text a person can read: bubble labels that never overlap and stay by their bubble,
latency percentile labels that do not collide, timeline axis text with enough contrast."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from test_charts import make_row, sample_rows

from shipyard.ui.portfolio.bubble_chart import BubbleChart


@pytest.fixture
def bubble(qtbot) -> BubbleChart:
    chart = BubbleChart()
    qtbot.addWidget(chart)
    return chart


def crowded_rows(n: int = 24):
    """Many projects on a coarse grid: same scores, neighbours and long titles."""
    grid = itertools.cycle([(3, 4), (3, 4), (2, 3), (2.5, 3), (3, 3), (2, 2), (4, 5), (1.5, 4)])
    rows = []
    for i in range(n):
        impact, effort = next(grid)
        impact = min(5.0, impact + (i % 3) * 0.5)
        rows.append(
            make_row(
                f"p{i}", f"Project number {i} with a rather long descriptive title",
                impact=impact, effort=effort, reach=500 * (i + 1) ** 2,
                risk=("low", "medium", "high")[i % 3],
            )
        )  # fmt: skip
    return rows


def show(chart: BubbleChart, size=(900, 420)) -> None:
    chart.resize(*size)
    chart.show()
    for _ in range(3):
        QApplication.processEvents()


def assert_labels_readable(chart: BubbleChart) -> dict:
    rects = chart.label_rects()
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), f"the labels of {a} and {b} overlap: {ra} / {rb}"
    view = chart.plot_item.getViewBox().sceneBoundingRect()
    for slug, rect in rects.items():
        assert view.contains(rect), f"the label of {slug} is cut by the plot's edge"
    # Each label sits nearer its own bubble than any other: nearer its edge when it
    # touches no bubble, nearer its centre when it had to go over (translucent) bubbles.
    vb = chart.plot_item.getViewBox()
    bubbles = {p.data(): (vb.mapViewToScene(p.pos()), p.size() / 2) for p in chart.scatter.points()}

    def squares() -> list[QRectF]:
        return [QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r) for c, r in bubbles.values()]

    for slug, rect in rects.items():

        def gap(bubble, r=rect, edge=True) -> float:
            c, radius = bubble
            x = min(max(c.x(), r.left()), r.right())
            y = min(max(c.y(), r.top()), r.bottom())
            return ((x - c.x()) ** 2 + (y - c.y()) ** 2) ** 0.5 - (radius if edge else 0)

        def nearest_is_own(edge: bool, r=rect, slug=slug) -> bool:
            own = gap(bubbles[slug], r, edge)
            return all(gap(b, r, edge) >= own - 0.5 for b in bubbles.values())

        over = any(rect.intersects(sq.adjusted(-1, -1, 1, 1)) for sq in squares())
        assert nearest_is_own(True) or (over and nearest_is_own(False)), (
            f"the label of {slug} is closer to another bubble than to its own"
        )
    return rects


def test_demo_like_labels_do_not_overlap_and_all_show(bubble):
    bubble.set_rows(sample_rows())
    show(bubble)
    rects = assert_labels_readable(bubble)
    assert len(rects) == len(sample_rows())


def test_crowded_portfolio_labels_do_not_overlap(bubble):
    rows = crowded_rows()
    bubble.set_rows(rows)
    show(bubble)
    rects = assert_labels_readable(bubble)
    assert len(rects) >= 8, "the chart should still name a good share of the projects"
    # The best-ranked project is always labelled; the hidden ones are named on hover.
    assert rows[0].slug in rects
    for row in rows:
        if row.slug not in rects:
            assert row.title in bubble._tip(0, 0, row.slug)
    # A resize places them again, still without overlap.
    show(bubble, (600, 360))
    assert_labels_readable(bubble)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]),
            st.sampled_from([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]),  # effort > 0
            st.integers(0, 2_000_000),
            st.text("abcdefgh ", min_size=1, max_size=40),
        ),
        min_size=1,
        max_size=16,
    )
)
def test_any_portfolio_labels_do_not_overlap(bubble, projects):
    rows = [
        make_row(f"p{i}", title.strip() or "x", impact=impact, effort=effort, reach=reach)
        for i, (impact, effort, reach, title) in enumerate(projects)
    ]
    bubble.set_rows(rows)
    show(bubble)
    assert_labels_readable(bubble)


# -- timeline axis text --------------------------------------------------------------------
def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_timeline_axis_text_is_readable(qtbot, theme):
    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.rollout.timeline import TimelinePlot
    from shipyard.ui.theme import palette_for

    plot = TimelinePlot()
    qtbot.addWidget(plot)
    plot.setPalette(palette_for(Theme(theme)))
    QApplication.processEvents()
    background = plot.backgroundBrush().color()
    assert background == palette_for(Theme(theme)).color(QPalette.ColorRole.Base)
    checked = 0
    for key, panel in plot.plots.items():
        for side in ("left", "bottom"):
            axis = panel.getAxis(side)
            if not axis.isVisible():
                continue
            colours = [("tick values", axis.textPen().color())]
            if axis.label.isVisible():  # a title is shown: as styled, and as drawn
                colours.append(("title", QColor(axis.labelStyle["color"])))
                colours.append(("title as drawn", _html_colour(axis.label.toHtml())))
            for what, colour in colours:
                ratio = contrast(colour, background)
                assert ratio >= 4.5, f"{key} {side} axis {what}: contrast {ratio:.1f} < 4.5"
                checked += 1
    assert checked >= 4 + 5 * 2  # 4 value axes, 5 titles (4 panels + minutes)


def _html_colour(html: str) -> QColor:
    """The colour of the first coloured span of an axis title."""
    import re

    found = re.search(r"color:\s*(#[0-9a-fA-F]{6})", html)
    assert found, html
    return QColor(found.group(1))


# -- latency histogram percentile labels ---------------------------------------------------
@pytest.mark.parametrize(
    "evidence",
    [
        {"p50_ms": 0.033, "p95_ms": 0.036, "p99_ms": 0.047},  # the demo's: all close together
        {"p50_ms": 12.0, "p95_ms": 12.0, "p99_ms": 12.0},
        {"p50_ms": 3.0, "p95_ms": 40.0, "p99_ms": 90.0},
    ],
)
def test_latency_percentile_labels_do_not_overlap(qtbot, tmp_path, evidence):
    import numpy as np
    import pyqtgraph as pg

    from shipyard.ui.gates.evidence import percentile_lines

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(420, 170)  # the size of the pane beside the check table at 1280x720
    samples = np.random.default_rng(0).gamma(4, evidence["p50_ms"] / 4, 500)
    counts, edges = np.histogram(samples, bins=30)
    plot.addItem(pg.BarGraphItem(x0=edges[:-1], width=np.diff(edges), height=counts))
    lines = percentile_lines(evidence, QColor("#ffffff"))
    for line in lines:
        plot.addItem(line)
    plot.setXRange(0, max(edges[-1], evidence["p99_ms"]) * 1.05)
    plot.show()
    for _ in range(3):
        QApplication.processEvents()
    assert [line.label.toPlainText().split()[0] for line in lines] == ["p50", "p95", "p99"]
    rects = [line.label.sceneBoundingRect() for line in lines]
    for a, b in itertools.combinations(range(len(rects)), 2):
        assert not rects[a].intersects(rects[b]), (
            f"{lines[a].label.toPlainText()} overlaps {lines[b].label.toPlainText()}"
        )
    view = plot.getPlotItem().getViewBox().sceneBoundingRect()
    for line, rect in zip(lines, rects, strict=True):
        assert view.adjusted(-1, -1, 1, 1).contains(rect), f"{line.label.toPlainText()} is cut off"
    plot.grab().save(str(tmp_path / "latency.png"))


# -- roadmap rows ----------------------------------------------------------------------------
def test_roadmap_rows_never_overprint_and_scroll_when_short(qtbot):
    from test_charts import ANCHOR, TODAY

    from shipyard.ui.portfolio.roadmap_chart import RoadmapChart

    chart = RoadmapChart()
    qtbot.addWidget(chart)
    rows = sample_rows()
    chart.set_rows(rows, anchor=ANCHOR, sprint_days=14, today=TODAY)

    def row_height() -> float:
        vb = chart.plot_item.getViewBox()
        return vb.mapViewToScene(QPointF(0, 1)).y() - vb.mapViewToScene(QPointF(0, 0)).y()

    # Tall enough: every project in view, no scroll bar.
    show(chart, (900, 700))
    assert list(chart.shown_rows()) == list(range(len(rows)))
    assert not chart.row_scroll.isVisible()
    assert row_height() >= chart.row_pixels()
    # Short (the portfolio page at 1280x720): only rows a title high, the rest scrolled to.
    show(chart, (900, 260))
    shown = chart.shown_rows()
    assert 1 <= len(shown) < len(rows) and shown[0] == 0
    assert row_height() >= chart.row_pixels() - 0.5, "the titles would overprint"
    assert chart.row_scroll.isVisible()
    assert chart.row_scroll.maximum() == len(rows) - len(shown)
    chart.row_scroll.setValue(chart.row_scroll.maximum())
    assert chart.shown_rows()[-1] == len(rows) - 1
    assert row_height() >= chart.row_pixels() - 0.5
    # The last bar is clickable where it is drawn.
    last_row, span = chart._rows[-1]
    from shipyard.ui.portfolio.roadmap_chart import timestamp

    middle = (timestamp(span.start) + timestamp(span.end)) / 2
    assert chart.slug_at(QPointF(middle, len(rows) - 1)) == last_row.slug
