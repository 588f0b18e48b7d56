"""Project changes (create, edit, stage, delete, restore) and roadmap geometry."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest

from shipyard.core.errors import ProjectExists, ProjectNotFound, ValidationFailed
from shipyard.core.portfolio.onepager_file import load_onepager
from shipyard.core.portfolio.onepager_model import OnePager, Stage
from shipyard.core.portfolio.projects import (
    NEW_BODY,
    TRASH,
    create_project,
    delete_project,
    restore_project,
    save_onepager,
    set_stage,
    slugify,
)
from shipyard.core.portfolio.roadmap import Span, project_span, sprint_boundaries, sprint_number
from shipyard.core.workspace.names import InvalidName
from shipyard.core.workspace.workspace import Workspace

# -- slugs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Churn risk", "churn-risk"),
        ("Café Crème — résumé scoring", "cafe-creme-resume-scoring"),
        ("Straße & Ærø", "strae-r"),  # characters without an ASCII decomposition drop out
        ("  --Hello,   World!!  ", "hello-world"),
        ("FAQ deflection bot (v2.0)", "faq-deflection-bot-v2-0"),
        ("snake_case/and.dots", "snake-case-and-dots"),
        ("", "project"),
        ("   ", "project"),
        ("!!!", "project"),
        ("日本語", "project"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_is_capped_without_a_trailing_dash() -> None:
    slug = slugify("a" * 47 + " bbbb")
    assert slug == "a" * 47
    assert len(slugify("word " * 40)) <= 48
    assert not slugify("word " * 40).endswith("-")


# -- create --------------------------------------------------------------------------------


def test_create_project(blank_ws: Workspace) -> None:
    today = date(2026, 3, 2)
    doc = create_project(
        blank_ws, "Churn risk", user="ann", today=today,
        fields={"outcome": "fewer churned accounts", "scores": {"impact": 4}},
    )  # fmt: skip
    path = blank_ws.projects_dir / "churn-risk" / "onepager.md"
    assert doc.path == path
    assert path.is_file()
    loaded = load_onepager(path)
    assert loaded.onepager.title == "Churn risk"
    assert loaded.onepager.stage is Stage.IDEA
    assert loaded.onepager.stage_since == today
    assert loaded.onepager.dates.start == today
    assert loaded.onepager.outcome == "fewer churned accounts"
    assert loaded.onepager.scores.impact == 4
    assert loaded.body == NEW_BODY
    assert "## Success criteria" in path.read_text(encoding="utf-8")
    assert blank_ws.slugs() == ["churn-risk"]


def test_create_defaults_to_today(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Today", user="ann")
    assert doc.onepager.stage_since == date.today()
    assert doc.onepager.dates.start == date.today()


def test_duplicate_titles_get_numbered_slugs(blank_ws: Workspace) -> None:
    slugs = [create_project(blank_ws, "Churn risk", user="ann").path.parent.name for _ in range(3)]
    assert slugs == ["churn-risk", "churn-risk-2", "churn-risk-3"]
    assert blank_ws.slugs() == ["churn-risk", "churn-risk-2", "churn-risk-3"]


def test_untitled_punctuation_gets_project_slug(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "???", user="ann")
    assert doc.path.parent.name == "project"
    assert doc.onepager.title == "???"


def test_explicit_slug(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann", slug="retention")
    assert doc.path.parent.name == "retention"


def test_explicit_taken_slug_raises(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann")
    with pytest.raises(ProjectExists) as info:
        create_project(blank_ws, "Other", user="ann", slug="churn-risk")
    assert "a project 'churn-risk' already exists" in str(info.value)
    assert "fix: choose another short name" in str(info.value)
    assert load_onepager(blank_ws.onepager_path("churn-risk")).onepager.title == "Churn risk"
    assert len(blank_ws.audit.entries()) == 1


def test_create_with_invalid_fields_writes_nothing(blank_ws: Workspace) -> None:
    with pytest.raises(ValueError):
        create_project(blank_ws, "Bad", user="ann", fields={"scores": {"impact": 9}})
    with pytest.raises(InvalidName, match="needs a title"):  # a message, not a traceback
        create_project(blank_ws, "   ", user="ann")
    assert blank_ws.slugs() == []
    assert blank_ws.audit.entries() == []


# -- edit and stage ------------------------------------------------------------------------


def test_save_onepager_returns_changed_field_paths(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann")
    previous = doc.onepager.model_copy(deep=True)
    doc.onepager.hypothesis = "usage decline predicts churn"
    doc.onepager.primary_metric.target = 0.75
    doc.onepager.dates.review = date(2030, 1, 1)
    doc.onepager.dependencies = ["crm-export"]
    changed = save_onepager(blank_ws, "churn-risk", doc, user="ann", previous=previous)
    assert changed == ["dates.review", "dependencies", "hypothesis", "primary_metric.target"]
    saved = load_onepager(doc.path).onepager
    assert saved.hypothesis == "usage decline predicts churn"
    assert saved.primary_metric.target == 0.75
    assert saved.dates.review == date(2030, 1, 1)


def test_save_without_changes_lists_nothing(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann")
    previous = doc.onepager.model_copy(deep=True)
    assert save_onepager(blank_ws, "churn-risk", doc, user="ann", previous=previous) == []


def test_save_onepager_stage_change_stamps_stage_since(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann", today=date(2026, 1, 5))
    previous = doc.onepager.model_copy(deep=True)
    doc.onepager.stage = Stage.MVP
    changed = save_onepager(
        blank_ws, "churn-risk", doc, user="ann", previous=previous, today=date(2026, 2, 9)
    )
    assert changed == ["stage", "stage_since"]
    assert load_onepager(doc.path).onepager.stage_since == date(2026, 2, 9)


def test_set_stage_stamps_stage_since_with_today(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann", today=date(2025, 12, 1))
    set_stage(blank_ws, "churn-risk", Stage.SHADOW, user="ann")
    onepager = blank_ws.project("churn-risk").doc.onepager
    assert onepager.stage is Stage.SHADOW
    assert onepager.stage_since == date.today()
    assert onepager.dates.start == date(2025, 12, 1)  # untouched


def test_set_stage_keeps_the_rest_of_the_file(demo_ws: Workspace) -> None:
    path = demo_ws.onepager_path("fraud-flag")
    before = path.read_text(encoding="utf-8")
    set_stage(demo_ws, "fraud-flag", Stage.CANARY, user="ann", reason="gate passed")
    after = path.read_text(encoding="utf-8")
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [
        ("stage: shadow", "stage: canary"),
        ("stage_since: 2026-10-05", f"stage_since: {date.today().isoformat()}"),
    ]


def test_set_stage_on_a_broken_onepager_raises_its_error(blank_ws: Workspace) -> None:
    folder = blank_ws.projects_dir / "broken"
    folder.mkdir()
    (folder / "onepager.md").write_text("---\ntitle: B\nstage: done\n---\n")
    with pytest.raises(ValidationFailed, match="field 'stage'"):
        set_stage(blank_ws, "broken", Stage.MVP, user="ann")
    assert blank_ws.audit.entries() == []


def test_set_stage_on_unknown_slug(blank_ws: Workspace) -> None:
    with pytest.raises(ProjectNotFound):
        set_stage(blank_ws, "ghost", Stage.MVP, user="ann")


# -- delete and restore --------------------------------------------------------------------


def test_delete_moves_to_trash_and_restore_brings_it_back(blank_ws: Workspace) -> None:
    doc = create_project(blank_ws, "Churn risk", user="ann")
    (doc.path.parent / "gates.yaml").write_text("min_auc: 0.7\n")
    original = doc.path.read_text(encoding="utf-8")

    trashed = delete_project(blank_ws, "churn-risk", user="ann", reason="not now")
    assert not (blank_ws.projects_dir / "churn-risk").exists()
    assert blank_ws.slugs() == []
    assert trashed.parent == blank_ws.root / TRASH
    assert trashed.name.startswith("churn-risk-")
    assert (trashed / "onepager.md").read_text(encoding="utf-8") == original
    assert (trashed / "gates.yaml").is_file()

    restore_project(blank_ws, trashed, "churn-risk", user="ann")
    assert blank_ws.slugs() == ["churn-risk"]
    assert blank_ws.onepager_path("churn-risk").read_text(encoding="utf-8") == original
    assert (blank_ws.projects_dir / "churn-risk" / "gates.yaml").read_text() == "min_auc: 0.7\n"
    assert not trashed.exists()


def test_deleting_the_same_slug_twice_keeps_both_in_trash(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann")
    first = delete_project(blank_ws, "churn-risk", user="ann")
    create_project(blank_ws, "Churn risk", user="ann")
    second = delete_project(blank_ws, "churn-risk", user="ann")
    assert first != second
    assert first.is_dir()
    assert second.is_dir()


def test_restore_refuses_when_the_slug_exists_again(blank_ws: Workspace) -> None:
    create_project(blank_ws, "Churn risk", user="ann", fields={"outcome": "old"})
    trashed = delete_project(blank_ws, "churn-risk", user="ann")
    create_project(blank_ws, "Churn risk", user="ann", fields={"outcome": "new"})

    with pytest.raises(ProjectExists) as info:
        restore_project(blank_ws, trashed, "churn-risk", user="ann")
    assert "a project 'churn-risk' exists again" in str(info.value)
    assert "fix: rename it before restoring" in str(info.value)
    assert trashed.is_dir()  # still in the trash
    assert blank_ws.project("churn-risk").doc.onepager.outcome == "new"

    restore_project(blank_ws, trashed, "churn-risk-old", user="ann")
    assert blank_ws.project("churn-risk-old").doc.onepager.outcome == "old"


def test_delete_unknown_project(demo_ws: Workspace) -> None:
    with pytest.raises(ProjectNotFound, match="churn-risk"):
        delete_project(demo_ws, "ghost", user="ann")
    assert not (demo_ws.root / TRASH).exists()


# -- roadmap: sprints ----------------------------------------------------------------------

ANCHOR = date(2026, 1, 5)  # a Monday


def test_sprint_boundaries_after_the_anchor() -> None:
    got = sprint_boundaries(ANCHOR, 14, date(2026, 1, 20), date(2026, 2, 20))
    assert got == [date(2026, 1, 19), date(2026, 2, 2), date(2026, 2, 16)]


def test_sprint_boundaries_before_the_anchor() -> None:
    got = sprint_boundaries(ANCHOR, 14, date(2025, 12, 25), date(2026, 1, 10))
    assert got == [date(2025, 12, 22), date(2026, 1, 5)]
    far = sprint_boundaries(ANCHOR, 14, date(2025, 1, 1), date(2025, 1, 31))
    assert all((d - ANCHOR).days % 14 == 0 for d in far)
    assert far[0] <= date(2025, 1, 1) < far[0] + timedelta(days=14)


def test_sprint_boundaries_on_the_anchor_and_on_a_boundary() -> None:
    assert sprint_boundaries(ANCHOR, 14, ANCHOR, ANCHOR) == [ANCHOR]
    assert sprint_boundaries(ANCHOR, 14, date(2026, 1, 19), date(2026, 2, 1)) == [date(2026, 1, 19)]
    # The last day counts when it is itself a sprint start.
    assert sprint_boundaries(ANCHOR, 14, date(2026, 1, 6), date(2026, 1, 19)) == [
        ANCHOR,
        date(2026, 1, 19),
    ]


@pytest.mark.parametrize("length", [1, 7, 10, 14, 21, 90])
def test_sprint_boundaries_cover_the_range_and_stay_aligned(length: int) -> None:
    first, last = date(2025, 11, 3), date(2026, 7, 1)
    got = sprint_boundaries(ANCHOR, length, first, last)
    assert got[0] <= first < got[0] + timedelta(days=length)
    assert got[-1] <= last < got[-1] + timedelta(days=length)
    assert all((b - a).days == length for a, b in itertools.pairwise(got))
    assert all((d - ANCHOR).days % length == 0 for d in got)


@pytest.mark.parametrize(
    ("day", "number"),
    [
        (ANCHOR, 1),
        (ANCHOR + timedelta(days=13), 1),
        (ANCHOR + timedelta(days=14), 2),
        (date(2026, 3, 2), 5),  # 56 days after the anchor
        (ANCHOR - timedelta(days=1), 0),
        (ANCHOR - timedelta(days=14), 0),
        (ANCHOR - timedelta(days=15), -1),
    ],
)
def test_sprint_number(day: date, number: int) -> None:
    assert sprint_number(ANCHOR, 14, day) == number


def test_sprint_number_matches_boundaries() -> None:
    bounds = sprint_boundaries(ANCHOR, 14, date(2025, 10, 1), date(2026, 6, 1))
    numbers = [sprint_number(ANCHOR, 14, d) for d in bounds]
    assert numbers == list(range(numbers[0], numbers[0] + len(bounds)))
    assert sprint_number(ANCHOR, 14, ANCHOR) == 1


# -- roadmap: project spans ----------------------------------------------------------------

TODAY = date(2026, 6, 1)


def _op(**fields: object) -> OnePager:
    return OnePager.model_validate({"title": "Span", **fields})


def test_span_with_a_sunset_date() -> None:
    op = _op(dates={"start": date(2026, 3, 2), "review": date(2026, 4, 1),
                    "sunset": date(2026, 9, 30)}, effort={"fte_weeks": 3})  # fmt: skip
    assert project_span(op, TODAY) == Span(
        date(2026, 3, 2), date(2026, 9, 30), date(2026, 4, 1), estimated_end=False
    )


def test_span_estimated_from_fte_weeks() -> None:
    op = _op(dates={"start": date(2026, 3, 2)}, effort={"fte_weeks": 10}, stage="paused")
    span = project_span(op, TODAY)
    assert span == Span(date(2026, 3, 2), date(2026, 5, 11), None, estimated_end=True)
    assert (span.end - span.start).days == 70


def test_span_estimate_has_a_two_week_minimum() -> None:
    op = _op(dates={"start": date(2026, 3, 2)}, effort={"fte_weeks": 0.5}, stage="paused")
    assert project_span(op, TODAY).end == date(2026, 3, 16)


def test_span_with_fractional_fte_weeks() -> None:
    op = _op(dates={"start": date(2026, 3, 2)}, effort={"fte_weeks": 2.5}, stage="paused")
    assert project_span(op, TODAY).end == date(2026, 3, 19)  # 17.5 days → 17


def test_span_with_sunset_on_the_start_day_is_estimated() -> None:
    op = _op(dates={"start": date(2026, 3, 2), "sunset": date(2026, 3, 2)},
             effort={"fte_weeks": 4}, stage="sunset")  # fmt: skip
    span = project_span(op, TODAY)
    assert span.estimated_end
    assert span.end == date(2026, 3, 30)


def test_a_live_project_runs_at_least_to_today_and_its_review() -> None:
    started = {"start": date(2026, 3, 2)}
    live = _op(dates=started, effort={"fte_weeks": 2}, stage="canary")
    assert project_span(live, TODAY).end == TODAY
    reviewed = _op(dates={**started, "review": TODAY + timedelta(days=30)},
                   effort={"fte_weeks": 2}, stage="mvp")  # fmt: skip
    assert project_span(reviewed, TODAY).end == TODAY + timedelta(days=30)
    paused = _op(dates=started, effort={"fte_weeks": 2}, stage="paused")
    assert project_span(paused, TODAY).end == date(2026, 3, 16)


def test_span_start_falls_back_to_stage_since_then_today() -> None:
    op = _op(stage_since=date(2026, 4, 6), effort={"fte_weeks": 2})
    assert project_span(op, TODAY).start == date(2026, 4, 6)
    span = project_span(_op(effort={"fte_weeks": 2}), TODAY)
    assert span.start == TODAY
    assert span.end == TODAY + timedelta(weeks=2)


def test_spans_of_the_demo_portfolio(demo_ws: Workspace) -> None:
    for entry in demo_ws.projects():
        op = entry.doc.onepager
        span = project_span(op, date(2026, 11, 23))
        assert span.end > span.start, entry.slug
        assert span.estimated_end == (op.dates.sunset is None), entry.slug


def test_trash_is_inside_the_workspace(blank_ws: Workspace) -> None:
    assert Path(".shipyard", "trash") == TRASH
    create_project(blank_ws, "X", user="ann")
    trashed = delete_project(blank_ws, "x", user="ann")
    assert trashed.is_relative_to(blank_ws.root / ".shipyard")
