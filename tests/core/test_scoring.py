"""RICE, ICE, WSJF and composite scores, and how the portfolio ranks projects by them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shipyard.core.errors import Problem, ValidationFailed
from shipyard.core.portfolio.onepager_file import new_onepager_doc
from shipyard.core.portfolio.onepager_model import OnePager
from shipyard.core.portfolio.ranking import RANK_KEYS, PortfolioRow, portfolio, rank, row_for
from shipyard.core.portfolio.scoring import PriorityScores, score
from shipyard.core.workspace.workspace import ProjectEntry, Workspace

TODAY = date(2026, 6, 1)


def _onepager(title: str, *, fte_weeks: float = 4, **scores: float) -> OnePager:
    return OnePager(title=title, effort={"fte_weeks": fte_weeks}, scores=scores)


# A: balanced.  reach 1000, impact 4, confidence 3, effort 2, tc 3, rr 1, 5 FTE weeks
#    RICE = 1000 × 4 × 3/5 / 5 = 480      ICE = 4 × 3 × (5 − 2) = 36
#    WSJF = (4 + 3 + 1) / 2 = 4           composite = 4 × 3 / 2 = 6
A = _onepager(
    "Alpha", fte_weeks=5, reach=1000, impact=4, confidence=3, effort=2,
    time_criticality=3, risk_reduction=1,
)  # fmt: skip
# B: huge reach, maximal effort, tiny FTE (guarded up to 0.5 weeks).
#    RICE = 200 × 5 × 5/5 / 0.5 = 2000    ICE = 5 × 5 × (5 − 5) = 0
#    WSJF = (5 + 0 + 0) / 5 = 1           composite = 5 × 5 / 5 = 5
B = _onepager("Bravo", fte_weeks=0.25, reach=200, impact=5, confidence=5, effort=5)
# C: no reach, cheap and urgent.
#    RICE = 0                             ICE = 2 × 4 × (5 − 0.5) = 36
#    WSJF = (2 + 5 + 5) / 0.5 = 24        composite = 2 × 4 / 0.5 = 16
C = _onepager(
    "Charlie", fte_weeks=2, reach=0, impact=2, confidence=4, effort=0.5,
    time_criticality=5, risk_reduction=5,
)  # fmt: skip


@pytest.mark.parametrize(
    ("onepager", "expected"),
    [
        (A, PriorityScores(rice=480, ice=36, wsjf=4, composite=6)),
        (B, PriorityScores(rice=2000, ice=0, wsjf=1, composite=5)),
        (C, PriorityScores(rice=0, ice=36, wsjf=24, composite=16)),
    ],
    ids=["A", "B", "C"],
)
def test_hand_computed_scores(onepager: OnePager, expected: PriorityScores) -> None:
    got = score(onepager)
    assert got.rice == pytest.approx(expected.rice)
    assert got.ice == pytest.approx(expected.ice)
    assert got.wsjf == pytest.approx(expected.wsjf)
    assert got.composite == pytest.approx(expected.composite)


def test_scores_with_fractional_inputs() -> None:
    op = _onepager(
        "Frac", fte_weeks=3, reach=150, impact=2.5, confidence=3.5, effort=1.5,
        time_criticality=0.5, risk_reduction=2,
    )  # fmt: skip
    got = score(op)
    assert got.rice == pytest.approx(150 * 2.5 * 0.7 / 3)  # 87.5
    assert got.ice == pytest.approx(2.5 * 3.5 * 3.5)  # 30.625
    assert got.wsjf == pytest.approx(5 / 1.5)
    assert got.composite == pytest.approx(2.5 * 3.5 / 1.5)


def test_default_scores_are_zero_but_defined() -> None:
    got = score(OnePager(title="Empty"))
    assert got == PriorityScores(rice=0, ice=0, wsjf=0, composite=0)


def test_effort_of_zero_is_rejected_by_the_model() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        OnePager(title="Free lunch", scores={"effort": 0})


def test_effort_guard_protects_old_unvalidated_values() -> None:
    op = _onepager("Old", impact=2, confidence=3, effort=1)
    op.scores.__dict__["effort"] = 0  # bypass validation, as an old file might
    got = score(op)
    assert got.composite == pytest.approx(2 * 3 / 0.1)
    assert got.wsjf == pytest.approx(2 / 0.1)


# -- ranking -----------------------------------------------------------------------------


def _row(op: OnePager, slug: str | None = None) -> PortfolioRow:
    slug = slug or op.title.lower()
    path = Path("/nowhere") / slug
    entry = ProjectEntry(slug, path, new_onepager_doc(path / "onepager.md", op, ""))
    return row_for(entry, TODAY)


def _broken_row() -> PortfolioRow:
    error = ValidationFailed(
        "/nowhere/broken/onepager.md", [Problem("title", "this field is required", "add one")]
    )
    return row_for(ProjectEntry("broken", Path("/nowhere/broken"), None, error), TODAY)


def _titles(rows: list[PortfolioRow]) -> list[str]:
    return [r.title for r in rows]


@pytest.mark.parametrize(
    ("key", "order"),
    [
        ("composite", ["Charlie", "Alpha", "Bravo"]),
        ("rice", ["Bravo", "Alpha", "Charlie"]),
        ("ice", ["Charlie", "Alpha", "Bravo"]),  # A and C tie at 36; C's WSJF 24 beats 4
        ("wsjf", ["Charlie", "Alpha", "Bravo"]),
    ],
)
def test_rank_by_each_score(key: str, order: list[str]) -> None:
    ranked = rank([_row(A), _row(B), _row(C)], by=key)
    assert _titles(ranked) == order
    assert [r.rank for r in ranked] == [1, 2, 3]
    values = [r.value(key) for r in ranked]
    assert values == sorted(values, reverse=True)


def test_rank_by_health() -> None:
    healthy = OnePager(
        title="Healthy", outcome="o", hypothesis="h",
        primary_metric={"name": "auc", "target": 0.8}, owner={"name": "Ann"},
        dataset={"name": "d"}, scores={"reach": 1, "impact": 1, "confidence": 1},
        dates={"start": date(2026, 5, 1), "review": date(2026, 7, 1)},
        stage_since=date(2026, 5, 20),
    )  # fmt: skip
    sparse = OnePager(title="Sparse", scores={"impact": 5, "confidence": 5, "effort": 1})
    rows = [_row(sparse), _broken_row(), _row(healthy)]
    ranked = rank(rows, by="health")
    assert _titles(ranked) == ["Healthy", "Sparse", "broken"]
    assert ranked[0].health.score == 100.0
    assert ranked[-1].health.score == 0.0
    # By composite the sparse one-pager wins: health does not leak into priority.
    assert _titles(rank(rows))[0] == "Sparse"


def test_default_key_is_composite() -> None:
    rows = [_row(A), _row(B), _row(C)]
    assert _titles(rank(rows)) == _titles(rank(rows, by="composite"))


def test_ties_broken_by_wsjf_then_title_case_insensitively() -> None:
    # Same composite (4 × 2 / 2 = 4), different WSJF.
    urgent = _onepager("Zulu", impact=4, confidence=2, effort=2, time_criticality=5)
    calm = _onepager("Mike", impact=4, confidence=2, effort=2)
    # Same composite and WSJF: by title, ignoring case.
    twin_lower = _onepager("alpha twin", impact=4, confidence=2, effort=2)
    twin_upper = _onepager("Beta twin", impact=4, confidence=2, effort=2)
    rows = [_row(twin_upper), _row(calm), _row(twin_lower), _row(urgent)]
    ranked = rank(rows)
    assert _titles(ranked) == ["Zulu", "alpha twin", "Beta twin", "Mike"]
    assert len({r.value("composite") for r in ranked}) == 1


def test_rows_with_errors_rank_last_and_keep_their_error() -> None:
    ranked = rank([_broken_row(), _row(B), _row(C)], by="rice")
    assert _titles(ranked) == ["Bravo", "Charlie", "broken"]
    last = ranked[-1]
    assert last.rank == 3
    assert last.scores is None
    assert last.onepager is None
    assert last.stage == "—"
    assert last.value("rice") == float("-inf")
    assert "/nowhere/broken/onepager.md" in last.error


def test_rank_returns_new_rows_and_leaves_input_alone() -> None:
    rows = [_row(B), _row(A)]
    ranked = rank(rows)
    assert [r.rank for r in rows] == [0, 0]
    assert ranked[0].slug == "alpha"
    assert ranked[0].scores == rows[1].scores
    assert ranked[0].stage == "idea"


def test_rank_empty() -> None:
    assert rank([]) == []


@pytest.mark.parametrize("key", ["priority", "RICE", "", "title"])
def test_unknown_rank_key_raises(key: str) -> None:
    with pytest.raises(ValueError, match=f"cannot rank by '{key}'") as info:
        rank([_row(A)], by=key)
    for known in RANK_KEYS:
        assert known in str(info.value)


def test_portfolio_of_the_demo_workspace(demo_ws: Workspace) -> None:
    rows = portfolio(demo_ws, today=date(2026, 11, 23))
    assert len(rows) == 10
    assert [r.rank for r in rows] == list(range(1, 11))
    assert {r.slug for r in rows} == set(demo_ws.slugs())
    assert all(r.error == "" and r.scores is not None for r in rows)
    composites = [r.value("composite") for r in rows]
    assert composites == sorted(composites, reverse=True)
    by_rice = portfolio(demo_ws, today=date(2026, 11, 23), by="rice")
    assert [r.value("rice") for r in by_rice] == sorted(
        (r.value("rice") for r in rows), reverse=True
    )
