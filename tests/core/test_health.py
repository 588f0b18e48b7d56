"""The health score: signals about a project's real state, weighted into 0–100."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from shipyard.core.errors import Problem, ValidationFailed
from shipyard.core.portfolio import health
from shipyard.core.portfolio.health import (
    HEALTH_SIGNALS,
    REVIEW_GRACE_DAYS,
    STAGE_LIMITS,
    Health,
    HealthContext,
    Signal,
    project_health,
    register_signal,
)
from shipyard.core.portfolio.onepager_file import new_onepager_doc
from shipyard.core.portfolio.onepager_model import KEY_FIELDS, OnePager, Stage
from shipyard.core.workspace.workspace import ProjectEntry, Workspace

TODAY = date(2026, 6, 1)

FULL_FIELDS = {
    "outcome": "fewer churned accounts",
    "hypothesis": "usage decline predicts churn",
    "primary_metric": {"name": "roc_auc", "target": 0.75},
    "owner": {"name": "Ann"},
    "dataset": {"name": "churn_customers"},
    "scores": {"reach": 500, "impact": 3, "confidence": 3},
}


def _entry(**fields: object) -> ProjectEntry:
    op = OnePager.model_validate({"title": "Project", **fields})
    path = Path("/nowhere/project")
    return ProjectEntry("project", path, new_onepager_doc(path / "onepager.md", op, ""))


def _signals(h: Health) -> dict[str, Signal]:
    return {s.key: s for s in h.signals}


@pytest.fixture
def clean_signals() -> Iterator[list]:
    """Restore the registry whatever a test registers."""
    saved = list(HEALTH_SIGNALS)
    try:
        yield HEALTH_SIGNALS
    finally:
        HEALTH_SIGNALS[:] = saved


def test_builtin_signals_are_registered() -> None:
    assert health.completeness_signal in HEALTH_SIGNALS
    assert health.review_signal in HEALTH_SIGNALS
    assert health.stage_age_signal in HEALTH_SIGNALS


# -- completeness --------------------------------------------------------------------------


def test_completeness_lists_every_missing_key_field() -> None:
    h = project_health(_entry(), TODAY)
    sig = _signals(h)["completeness"]
    assert sig.score == 0.0
    assert sig.label == "One-pager"
    labels = [label for _, label in KEY_FIELDS]
    assert sig.detail == "missing: " + ", ".join(labels)


def test_completeness_partial() -> None:
    h = project_health(
        _entry(outcome="o", owner={"name": "Ann"}, scores={"reach": 10, "impact": 2}),
        TODAY,
    )
    sig = _signals(h)["completeness"]
    assert sig.score == pytest.approx(4 / 10)
    assert sig.detail == (
        "missing: Hypothesis, Primary metric, Metric target, Dataset, Confidence, Review date"
    )
    assert "Owner" not in sig.detail
    assert "Reach" not in sig.detail


def test_completeness_full() -> None:
    h = project_health(_entry(**FULL_FIELDS, dates={"review": TODAY}), TODAY)
    sig = _signals(h)["completeness"]
    assert sig.score == 1.0
    assert sig.detail == "all key fields filled"


# -- review date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_overdue", "expected", "detail"),
    [
        (-10, 1.0, "next review in 10 days"),
        (0, 1.0, "next review in 0 days"),
        (15, 0.5, "review 15 days overdue"),
        (REVIEW_GRACE_DAYS, 0.0, "review 30 days overdue"),
        (45, 0.0, "review 45 days overdue"),
        (400, 0.0, "review 400 days overdue"),
    ],
)
def test_review_overdue_decays(days_overdue: int, expected: float, detail: str) -> None:
    review = TODAY - timedelta(days=days_overdue)
    h = project_health(_entry(dates={"review": review}), TODAY)
    sig = _signals(h)["review"]
    assert sig.score == pytest.approx(expected)
    assert sig.detail == detail
    assert sig.weight == 1.0


def test_no_review_date_is_half_marks() -> None:
    sig = _signals(project_health(_entry(), TODAY))["review"]
    assert sig.score == 0.5
    assert sig.detail == "no review date set"


def test_sunset_skips_the_review_signal() -> None:
    overdue = TODAY - timedelta(days=90)
    h = project_health(_entry(stage="sunset", dates={"review": overdue}), TODAY)
    assert "review" not in _signals(h)
    # A live project with the same date is penalised.
    live = project_health(_entry(stage="full", dates={"review": overdue}), TODAY)
    assert _signals(live)["review"].score == 0.0


# -- stage age -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "age", "expected"),
    [
        (Stage.IDEA, 0, 1.0),
        (Stage.IDEA, 30, 1.0),  # at the limit is fine
        (Stage.IDEA, 45, 0.75),  # 1 - 15 / 60
        (Stage.IDEA, 60, 0.5),
        (Stage.IDEA, 90, 0.0),
        (Stage.IDEA, 200, 0.0),
        (Stage.CANARY, 14, 1.0),
        (Stage.CANARY, 21, 0.75),  # 1 - 7 / 28
        (Stage.MVP, 84, 0.75),  # 1 - 28 / 112
        (Stage.PAUSED, 120, 0.5),  # 1 - 60 / 120
    ],
)
def test_stage_age_limits(stage: Stage, age: int, expected: float) -> None:
    since = TODAY - timedelta(days=age)
    sig = _signals(project_health(_entry(stage=stage, stage_since=since), TODAY))["stage_age"]
    limit = STAGE_LIMITS[stage]
    assert sig.score == pytest.approx(expected)
    assert sig.weight == 1.0
    assert sig.detail == f"{stage.value} for {age} days (expected at most {limit})"


@pytest.mark.parametrize("stage", [Stage.FULL, Stage.SUNSET])
def test_stages_without_a_limit_never_look_stuck(stage: Stage) -> None:
    since = TODAY - timedelta(days=1000)
    sig = _signals(project_health(_entry(stage=stage, stage_since=since), TODAY))["stage_age"]
    assert sig.score == 1.0
    assert sig.weight == 0.5
    assert sig.detail == f"{stage.value} for 1000 days"


def test_no_stage_since_means_no_stage_signal() -> None:
    assert "stage_age" not in _signals(project_health(_entry(), TODAY))


def test_every_stage_has_a_limit_entry() -> None:
    assert set(STAGE_LIMITS) == set(Stage)


# -- the total -----------------------------------------------------------------------------


def test_weighted_total_by_hand() -> None:
    # completeness 1.0 (w 1), review 15 days overdue 0.5 (w 1), idea 60 days 0.5 (w 1)
    entry = _entry(
        **FULL_FIELDS,
        dates={"review": TODAY - timedelta(days=15)},
        stage_since=TODAY - timedelta(days=60),
    )
    h = project_health(entry, TODAY)
    assert h.score == pytest.approx(100 * 2 / 3, abs=0.05)
    assert h.score == round(h.score, 1)
    assert h.band == "fair"


def test_weighted_total_with_a_half_weight_signal() -> None:
    # completeness 0 (w 1), no review 0.5 (w 1), full stage 1.0 (w 0.5), and full rollout
    # with none of its evidence 0 (w 1.5) → 1 / 4 = 25
    h = project_health(_entry(stage="full", stage_since=TODAY), TODAY)
    assert [s.key for s in h.signals] == ["completeness", "review", "stage_age", "evidence"]
    assert h.score == pytest.approx(25.0)
    assert h.band == "poor"


def test_perfect_project_and_explanation() -> None:
    entry = _entry(**FULL_FIELDS, dates={"review": TODAY}, stage_since=TODAY)
    h = project_health(entry, TODAY)
    assert h.score == 100.0
    assert h.band == "good"
    assert h.explain().splitlines() == [
        "One-pager: 100 — all key fields filled",
        "Review date: 100 — next review in 0 days",
        "Stage age: 100 — idea for 0 days (expected at most 30)",
    ]


@pytest.mark.parametrize(
    ("value", "band"), [(75, "good"), (74.9, "fair"), (50, "fair"), (49.9, "poor")]
)
def test_bands(value: float, band: str) -> None:
    assert Health(value).band == band


def test_today_defaults_to_the_real_date() -> None:
    review = date.today() - timedelta(days=15)
    sig = _signals(project_health(_entry(dates={"review": review})))["review"]
    assert sig.detail == "review 15 days overdue"


def test_invalid_onepager_scores_zero_with_the_error() -> None:
    error = ValidationFailed(
        "/nowhere/project/onepager.md",
        [
            Problem(
                "scores.impact",
                "Input should be a valid number",
                fix="use a number from 0 to 5",
                line=7,
            )
        ],
    )
    entry = ProjectEntry("project", Path("/nowhere/project"), None, error)
    h = project_health(entry, TODAY)
    assert h.score == 0.0
    assert h.band == "poor"
    [sig] = h.signals
    assert sig.key == "readable"
    assert sig.score == 0.0
    assert "/nowhere/project/onepager.md:7" in sig.detail
    assert "scores.impact" in sig.detail
    assert "/nowhere/project/onepager.md:7" in h.explain()
    assert h.explain().startswith("One-pager: 0 — ")


def test_unreadable_without_an_error_object() -> None:
    h = project_health(ProjectEntry("x", Path("/nowhere/x"), None), TODAY)
    assert h.score == 0.0
    assert h.signals[0].detail == "the one-pager cannot be read"


def test_broken_file_in_a_workspace_scores_zero(blank_ws: Workspace) -> None:
    folder = blank_ws.projects_dir / "broken"
    folder.mkdir()
    (folder / "onepager.md").write_text("---\ntitle: B\nscores:\n  impact: nine\n---\n")
    h = project_health(blank_ws.project("broken"), TODAY)
    assert h.score == 0.0
    assert "scores.impact" in h.explain()
    assert str(folder / "onepager.md") in h.explain()


# -- extension -----------------------------------------------------------------------------


def test_register_signal_extends_the_score(clean_signals: list) -> None:
    entry = _entry(**FULL_FIELDS, dates={"review": TODAY}, stage_since=TODAY)
    assert project_health(entry, TODAY).score == 100.0
    seen: list[HealthContext] = []

    @register_signal
    def gate_signal(ctx: HealthContext) -> Signal | None:
        seen.append(ctx)
        return Signal("gates", "Gate report", 0.0, 3.0, "2 of 5 gates failing")

    try:
        assert gate_signal in HEALTH_SIGNALS
        assert callable(gate_signal)  # the decorator returns the function
        h = project_health(entry, TODAY)
        # three signals at 1.0 with weight 1, plus 0.0 with weight 3 → 3 / 6
        assert h.score == pytest.approx(50.0)
        assert _signals(h)["gates"].detail == "2 of 5 gates failing"
        assert "Gate report: 0 — 2 of 5 gates failing" in h.explain()
        assert seen[-1].today == TODAY
        assert seen[-1].onepager is entry.doc.onepager
    finally:
        HEALTH_SIGNALS.remove(gate_signal)
    assert project_health(entry, TODAY).score == 100.0


def test_a_signal_returning_none_does_not_count(clean_signals: list) -> None:
    entry = _entry(**FULL_FIELDS, dates={"review": TODAY}, stage_since=TODAY)
    register_signal(lambda ctx: None)
    h = project_health(entry, TODAY)
    assert h.score == 100.0
    assert len(h.signals) == 3


def test_no_signals_at_all_is_full_health(clean_signals: list) -> None:
    clean_signals.clear()
    h = project_health(_entry(), TODAY)
    assert h.score == 100.0
    assert h.signals == ()
