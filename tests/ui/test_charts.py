import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from shipyard.core.portfolio.onepager_file import new_onepager_doc
from shipyard.core.portfolio.onepager_model import OnePager, Stage
from shipyard.core.portfolio.ranking import PortfolioRow, row_for
from shipyard.core.portfolio.roadmap import sprint_boundaries
from shipyard.core.workspace.workspace import ProjectEntry
from shipyard.ui.portfolio.bubble_chart import RISK_COLOURS, BubbleChart
from shipyard.ui.portfolio.roadmap_chart import RoadmapChart, timestamp

TODAY = date(2026, 11, 23)
ANCHOR = date(2026, 1, 5)

# title, impact, effort, reach, risk, stage, start, review, sunset, fte weeks
PROJECTS = [
    ("Churn early-warning model", 4.5, 2.0, 42000, "medium", "canary", "2026-08-03",
     "2026-12-07", None, 18),
    ("Invoice OCR triage", 3.5, 1.5, 8000, "low", "full", "2026-03-02", "2026-10-19",
     "2027-01-29", 10),
    ("Support reply suggestions", 4.0, 3.5, 50000, "high", "shadow", "2026-09-14",
     "2026-12-14", None, 12),
    ("Demand forecasting v2", 3.0, 4.5, 15000, "medium", "mvp", "2026-07-06", "2027-01-11",
     None, 24),
    ("Contract clause extractor", 2.0, 2.5, 1200, "low", "discovery", "2026-10-12",
     "2026-11-30", None, 5),
    ("Fraud graph scoring for marketplace sellers", 5.0, 4.0, 30000, "high", "progressive",
     "2026-05-04", "2026-11-16", "2027-02-26", 30),
    ("Meeting notes summariser", 1.5, 1.0, 600, "low", "idea", "2026-11-02", "2027-02-01",
     None, 4),
    ("Search relevance tuning", 3.5, 3.0, 25000, "medium", "paused", "2026-04-06",
     "2026-10-05", None, 14),
    ("Legacy rules engine", 1.0, 4.0, 200, "medium", "sunset", "2026-01-12", "2026-10-26",
     "2026-12-18", 8),
    ("Product tagging assistant", 2.5, 1.5, 3500, "low", "mvp", "2026-09-28", "2027-02-15",
     None, 10),
]  # fmt: skip


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def make_row(
    slug: str,
    title: str,
    *,
    impact: float = 3,
    effort: float = 3,
    reach: int = 1000,
    risk: str = "medium",
    stage: str = "mvp",
    start: date | None = None,
    review: date | None = None,
    sunset: date | None = None,
    fte_weeks: float = 4,
) -> PortfolioRow:
    op = OnePager.model_validate(
        {
            "title": title,
            "scores": {"impact": impact, "effort": effort, "reach": reach, "confidence": 3},
            "risk": {"level": risk},
            "stage": stage,
            "effort": {"fte_weeks": fte_weeks},
            "dates": {"start": start, "review": review, "sunset": sunset},
        }
    )
    path = Path("/nonexistent") / slug / "onepager.md"
    return row_for(ProjectEntry(slug, path, new_onepager_doc(path, op, "")), TODAY)


def sample_rows() -> list[PortfolioRow]:
    rows = []
    for i, project in enumerate(PROJECTS):
        title, impact, effort, reach, risk, stage, start, review, sunset, fte = project
        rows.append(
            make_row(
                f"p{i}", title, impact=impact, effort=effort, reach=reach, risk=risk,
                stage=stage, start=_day(start), review=_day(review), sunset=_day(sunset),
                fte_weeks=fte,
            )
        )  # fmt: skip
    return rows


def broken_row() -> PortfolioRow:
    entry = ProjectEntry("broken", Path("/nonexistent/broken"), None)
    return row_for(entry, TODAY)


def assert_rendered(widget, tmp_path: Path, name: str) -> None:
    widget.resize(900, 500)
    widget.show()
    QApplication.processEvents()  # let the graphics layout settle before grabbing
    path = tmp_path / f"{name}.png"
    assert widget.grab().save(str(path))
    shutil.copy(path, f"/tmp/chart_{name}.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (900, 500)
    colours = {image.pixel(x, y) for x in range(0, 900, 7) for y in range(0, 500, 7)}
    assert len(colours) > 20


# -- bubble chart ------------------------------------------------------------------------
@pytest.fixture
def bubble(qtbot) -> BubbleChart:
    chart = BubbleChart()
    qtbot.addWidget(chart)
    return chart


def spots_by_slug(chart: BubbleChart) -> dict:
    return {p.data(): p for p in chart.scatter.points()}


def test_bubble_has_one_spot_per_valid_row(bubble):
    bubble.set_rows([*sample_rows(), broken_row()])
    assert len(bubble.scatter.points()) == len(PROJECTS)
    assert "broken" not in spots_by_slug(bubble)


def test_bubble_position_size_and_colour(bubble):
    bubble.set_rows(
        [
            make_row("small", "Small", reach=100, risk="low", impact=4, effort=1),
            make_row("mid", "Mid", reach=2500, risk="medium"),
            make_row("big", "Big", reach=40000, risk="high"),
        ]
    )
    spots = spots_by_slug(bubble)
    assert (spots["small"].pos().x(), spots["small"].pos().y()) == (1, 4)
    assert spots["small"].size() < spots["mid"].size() < spots["big"].size()
    assert spots["small"].size() >= 12
    assert spots["big"].size() <= 60
    outlines = {slug: spot.pen().color().name() for slug, spot in spots.items()}
    assert len(set(outlines.values())) == 3
    assert outlines["big"] == QColor(RISK_COLOURS["high"]).name()
    assert spots["big"].brush().color().alpha() < 255  # semi-transparent fill


def test_bubble_click_emits_slug(bubble, qtbot):
    bubble.set_rows(sample_rows())
    bubble.resize(900, 500)
    bubble.show()
    qtbot.waitExposed(bubble)
    target = spots_by_slug(bubble)["p4"]
    qtbot.waitUntil(lambda: len(bubble.scatter.pointsAt(target.pos())) > 0)
    hit = bubble.scatter.pointsAt(target.pos())
    assert hit[0].data() == "p4"
    with qtbot.waitSignal(bubble.projectActivated, timeout=1000) as blocker:
        bubble.scatter.sigClicked.emit(bubble.scatter, hit, None)
    assert blocker.args == ["p4"]


def test_bubble_real_mouse_click(bubble, qtbot):
    bubble.set_rows([make_row("only", "Only", reach=5000, impact=3, effort=3)])
    bubble.resize(900, 500)
    bubble.show()
    qtbot.waitExposed(bubble)
    view = bubble.plot_item.getViewBox()
    scene_pos = view.mapViewToScene(QPointF(3, 3))
    canvas = bubble._canvas
    with qtbot.waitSignal(bubble.projectActivated, timeout=1000) as blocker:
        qtbot.mouseClick(
            canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(scene_pos)
        )
    assert blocker.args == ["only"]


def test_bubble_empty_state(bubble):
    bubble.set_rows([])
    texts = [getattr(i, "textItem", None) for i in bubble.plot_item.items]
    assert "No projects yet" in [t.toPlainText() for t in texts if t is not None]
    assert len(bubble.scatter.points()) == 0


def test_bubble_follows_palette(qtbot, bubble):
    bubble.set_rows(sample_rows())
    dark = QPalette(bubble.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1f22"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e8e8e8"))
    bubble.setPalette(dark)
    # The redraw happens on the next turn of the event loop.
    qtbot.waitUntil(lambda: bubble._canvas.backgroundBrush().color().name() == "#1e1f22")
    assert len(bubble.scatter.points()) == len(PROJECTS)


def test_bubble_renders(bubble, tmp_path):
    bubble.set_rows(sample_rows())
    assert_rendered(bubble, tmp_path, "bubble")


# -- roadmap -----------------------------------------------------------------------------
@pytest.fixture
def roadmap(qtbot) -> RoadmapChart:
    chart = RoadmapChart()
    qtbot.addWidget(chart)
    return chart


def set_sample(chart: RoadmapChart, rows: list[PortfolioRow] | None = None) -> None:
    rows = sample_rows() if rows is None else rows
    chart.set_rows(rows, anchor=ANCHOR, sprint_days=14, today=TODAY)


def test_roadmap_one_bar_per_valid_row(roadmap):
    set_sample(roadmap, [*sample_rows(), broken_row()])
    assert len(roadmap.bars.opts["x0"]) == len(PROJECTS)
    ticks = roadmap.plot_item.getAxis("left")._tickLevels[0]
    assert ticks[0] == (0, "Churn early-warning model")
    assert ticks[5][1].endswith("…") and len(ticks[5][1]) <= 26


def test_roadmap_bar_geometry(roadmap):
    start = date(2026, 9, 1)
    set_sample(roadmap, [make_row("a", "A", start=start, sunset=date(2026, 10, 1))])
    assert roadmap.bars.opts["x0"][0] == timestamp(start)
    assert roadmap.bars.opts["width"][0] == 30 * 86400


def test_roadmap_sprint_and_today_lines(roadmap):
    rows = [
        make_row("a", "A", start=date(2026, 9, 1), sunset=date(2026, 12, 20)),
        make_row("b", "B", start=date(2026, 10, 5), review=date(2027, 1, 10)),
    ]
    set_sample(roadmap, rows)
    expected = sprint_boundaries(ANCHOR, 14, date(2026, 9, 1), date(2027, 1, 10))
    assert [line.value() for line in roadmap.sprint_lines] == [timestamp(d) for d in expected]
    steps = {b - a for a, b in itertools.pairwise(expected)}
    assert steps == {timedelta(days=14)}
    axis = roadmap.plot_item.getAxis("top")
    first_mid = timestamp(expected[0] + timedelta(days=7))
    assert axis.tickStrings([first_mid], 1, 1) == ["S18"]  # 2026-08-24 starts sprint 18
    assert roadmap.today_line.value() == timestamp(TODAY)


def test_roadmap_default_view_is_capped(roadmap):
    long = make_row("a", "A", start=date(2024, 1, 1), sunset=date(2029, 1, 1))
    set_sample(roadmap, [long])
    lo, hi = roadmap.plot_item.getViewBox().viewRange()[0]
    assert hi - lo == pytest.approx(270 * 86400)
    assert lo < timestamp(TODAY) < hi


def test_roadmap_click_emits_slug(roadmap, qtbot):
    set_sample(roadmap)
    roadmap.resize(900, 500)
    roadmap.show()
    qtbot.waitExposed(roadmap)
    view = roadmap.plot_item.getViewBox()
    assert roadmap.slug_at(QPointF(timestamp(TODAY), 0)) == "p0"
    assert roadmap.slug_at(QPointF(timestamp(TODAY), 0.45)) is None
    scene_pos = view.mapViewToScene(QPointF(timestamp(date(2026, 11, 1)), 2))
    canvas = roadmap._canvas
    with qtbot.waitSignal(roadmap.projectActivated, timeout=1000) as blocker:
        qtbot.mouseClick(
            canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(scene_pos)
        )
    assert blocker.args == ["p2"]


def test_roadmap_empty_state(roadmap):
    set_sample(roadmap, [])
    texts = [getattr(i, "textItem", None) for i in roadmap.plot_item.items]
    assert "No projects yet" in [t.toPlainText() for t in texts if t is not None]
    assert roadmap.bars is None


def test_roadmap_renders(roadmap, tmp_path):
    set_sample(roadmap)
    assert_rendered(roadmap, tmp_path, "roadmap")


def test_stage_palette_covers_every_stage():
    from shipyard.ui.portfolio.roadmap_chart import STAGE_COLOURS

    assert set(STAGE_COLOURS) == set(Stage)
    assert len(set(STAGE_COLOURS.values())) == len(Stage)
