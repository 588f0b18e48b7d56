"""onepager.md: round trips that keep what people wrote, and errors that say what to fix."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from shipyard.core.errors import ValidationFailed
from shipyard.core.portfolio.onepager_file import (
    load_onepager,
    new_onepager_doc,
    parse_onepager,
    split_front_matter,
)
from shipyard.core.portfolio.onepager_model import OnePager, RiskLevel, Stage

FRONT = """\
---
# Portfolio one-pager — full-line comment at the very top
schema: 1
title: Churn risk   # inline comment on the title
custom_top: keep me
outcome: CS calls the riskiest 10% of accounts
primary_metric:
  name: roc_auc   # inline comment in a nested map
  target: 0.75
  direction: maximize
  baseline_note: unknown nested field
scores:
  reach: 1200  # people per quarter
  impact: 3  # gut feeling
  confidence: 2.5
  effort: 2
  time_criticality: 1
  risk_reduction: 0
  nested_unknown: {a: 1, b: [x, y]}
# a full-line comment before the stage
stage: mvp
stage_since: 2026-03-02
team:
  - Ann  # lead
  - Bob
effort:
  tshirt: S
  fte_weeks: 6
risk:
  level: low
dates:
  start: 2026-03-02
  review: 2026-04-01
zz_last: [1, 2]
---
"""

NARRATIVE = (
    "\n"
    "## Problem\n"
    "\n"
    "Trailing spaces stay   \n"
    "A line that looks like a fence inside the narrative:\n"
    "---\n"
    "\ttabbed, *emphasis*, `code: with colon`, unicode ≥ 0.75 — ok\n"
    "\n"
    "\n"
    "Last line without newline"
)


def _top_level_keys(text: str) -> list[str]:
    head, _ = split_front_matter(text, Path("x"))
    return [
        line.split(":", 1)[0]
        for line in head.splitlines()
        if line and not line[0].isspace() and not line.startswith("#")
    ]


def _nested_keys(text: str, section: str) -> list[str]:
    head, _ = split_front_matter(text, Path("x"))
    lines = head.splitlines()
    start = lines.index(f"{section}:") + 1
    keys = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        keys.append(line.strip().split(":", 1)[0])
    return keys


# -- round trips -------------------------------------------------------------------------


def test_round_trip_keeps_narrative_comments_order_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "onepager.md"
    original = FRONT + NARRATIVE
    path.write_text(original, encoding="utf-8")

    doc = load_onepager(path)
    assert doc.onepager.scores.impact == 3
    assert doc.body == NARRATIVE
    doc.onepager.scores.impact = 4.5
    doc.onepager.outcome = "CS calls the riskiest 5% of accounts"
    doc.save()

    text = path.read_text(encoding="utf-8")
    again = load_onepager(path)

    # The narrative is untouched, byte for byte, in memory and on disk.
    assert again.body == NARRATIVE
    assert text.endswith("---\n" + NARRATIVE)

    # The edits landed.
    assert again.onepager.scores.impact == 4.5
    assert again.onepager.outcome == "CS calls the riskiest 5% of accounts"
    # The inline comment stays on the edited line (ruamel keeps its column).
    assert re.search(r"^  impact: 4\.5 +# gut feeling$", text, re.MULTILINE)

    # Comments survive, inline and full-line.
    for line in (
        "# Portfolio one-pager — full-line comment at the very top\n",
        "title: Churn risk   # inline comment on the title\n",
        "  name: roc_auc   # inline comment in a nested map\n",
        "  reach: 1200  # people per quarter\n",
        "# a full-line comment before the stage\n",
        "  - Ann  # lead\n",
    ):
        assert line in text, line
    assert text.index("# a full-line comment before the stage") < text.index("\nstage: mvp")

    # Key order: the keys the user wrote come first, in the order they wrote them.
    original_keys = _top_level_keys(original)
    assert _top_level_keys(text)[: len(original_keys)] == original_keys
    assert _nested_keys(text, "scores")[:7] == _nested_keys(original, "scores")
    assert _nested_keys(text, "primary_metric")[:4] == [
        "name",
        "target",
        "direction",
        "baseline_note",
    ]

    # Unknown fields are kept on disk and in the model, top-level and nested.
    assert "custom_top: keep me\n" in text
    assert "zz_last: [1, 2]\n" in text
    assert "  nested_unknown: {a: 1, b: [x, y]}\n" in text
    assert "  baseline_note: unknown nested field\n" in text
    assert again.onepager.model_extra["custom_top"] == "keep me"
    assert again.onepager.model_extra["zz_last"] == [1, 2]
    assert again.onepager.scores.model_extra["nested_unknown"] == {"a": 1, "b": ["x", "y"]}
    assert again.onepager.primary_metric.model_extra["baseline_note"] == "unknown nested field"

    # Every untouched value reads back the same.
    before = parse_onepager(original, path).onepager
    assert again.onepager.team == before.team == ["Ann", "Bob"]
    assert again.onepager.dates == before.dates
    assert again.onepager.stage is Stage.MVP
    assert again.onepager.stage_since == date(2026, 3, 2)
    assert again.onepager.risk.level is RiskLevel.LOW


def test_round_trip_without_changes_is_stable(tmp_path: Path) -> None:
    path = tmp_path / "onepager.md"
    path.write_text(FRONT + NARRATIVE, encoding="utf-8")
    first = load_onepager(path).to_text()
    second = parse_onepager(first, path).to_text()
    assert second == first
    # Nothing the user wrote was dropped: every original front matter line is still there.
    for line in FRONT.splitlines():
        assert line in first.splitlines(), line


def test_narrative_that_starts_right_after_the_fence_is_kept_byte_for_byte(
    tmp_path: Path,
) -> None:
    # Many editors write the first heading directly under the closing '---'.
    path = tmp_path / "onepager.md"
    body = "# Heading right under the fence\n\nText.\n"
    path.write_text("---\ntitle: Tight\n---\n" + body, encoding="utf-8")

    doc = load_onepager(path)
    assert doc.body == body
    doc.onepager.scores.impact = 2
    doc.save()

    assert load_onepager(path).body == body
    assert path.read_text(encoding="utf-8").endswith("---\n" + body)


def test_whole_floats_are_written_as_ints(tmp_path: Path) -> None:
    path = tmp_path / "onepager.md"
    path.write_text("---\ntitle: Floats\n---\n\nbody\n", encoding="utf-8")
    doc = load_onepager(path)
    doc.onepager.scores.impact = 4.0
    doc.onepager.scores.confidence = 2.5
    doc.onepager.scores.effort = 5.0
    doc.onepager.effort.fte_weeks = 6.0
    doc.onepager.primary_metric.target = 1.0
    doc.save()

    text = path.read_text(encoding="utf-8")
    assert "  impact: 4\n" in text
    assert "  effort: 5\n" in text
    assert "  fte_weeks: 6\n" in text
    assert "  target: 1\n" in text
    assert "  confidence: 2.5\n" in text
    assert ".0\n" not in text
    again = load_onepager(path).onepager
    assert (again.scores.impact, again.scores.confidence, again.effort.fte_weeks) == (4, 2.5, 6)


def test_new_doc_saves_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "p" / "onepager.md"
    onepager = OnePager(
        title="  Fresh project  ",
        stage=Stage.DISCOVERY,
        team=["Ann"],
        dates={"start": date(2026, 1, 5), "review": date(2026, 2, 2)},
        scores={"reach": 10, "impact": 2, "confidence": 3, "effort": 1},
    )
    assert onepager.title == "Fresh project"  # stripped
    doc = new_onepager_doc(path, onepager, "\n## Problem\n\nWho hurts.\n")
    doc.save()

    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    assert "stage: discovery\n" in text  # enums as plain strings
    assert "  start: 2026-01-05\n" in text  # dates as YAML dates
    loaded = load_onepager(path)
    assert loaded.onepager == onepager
    assert loaded.body == "\n## Problem\n\nWho hurts.\n"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "onepager.md"
    path.write_bytes("\ufeff---\ntitle: BOM\n---\n\nbody\n".encode())
    assert load_onepager(path).onepager.title == "BOM"


# -- invalid files -----------------------------------------------------------------------


def _fail(tmp_path: Path, text: str | bytes) -> tuple[ValidationFailed, Path]:
    path = tmp_path / "proj" / "onepager.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_onepager(path)
    return info.value, path


def _assert_names(
    exc: ValidationFailed, path: Path, *, field: str, line: int | None, fix_part: str
) -> None:
    text = str(exc)
    assert exc.file == path
    assert str(path) in text
    if line is not None:
        assert f"{path}:{line}:" in text
    if field:
        assert f"field '{field}'" in text
    assert "— fix: " in text
    assert fix_part in text
    problem = next(p for p in exc.problems if p.field == field)
    assert problem.line == line
    assert fix_part in problem.fix


def test_wrong_type(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, '---\ntitle: A\nscores:\n  impact: "nine"\n---\n')
    _assert_names(exc, path, field="scores.impact", line=4, fix_part="a number from 0 to 5")
    assert "'nine'" in str(exc)


def test_out_of_range_reports_every_field_with_its_line(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\ntitle: A\nscores:\n  effort: 7\n  impact: -1\n---\n\nbody\n")
    assert {p.field for p in exc.problems} == {"scores.effort", "scores.impact"}
    _assert_names(exc, path, field="scores.effort", line=4, fix_part="above 0 and at most 5")
    _assert_names(exc, path, field="scores.impact", line=5, fix_part="a number from 0 to 5")
    assert "(got 7)" in str(exc)
    assert "(got -1)" in str(exc)


def test_bad_stage(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\ntitle: A\noutcome: x\nstage: done\n---\n")
    _assert_names(exc, path, field="stage", line=4, fix_part="one of idea, discovery, mvp")
    assert "'done'" in str(exc)


def test_bad_date_text(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\ntitle: A\ndates:\n  start: next week\n---\n")
    _assert_names(exc, path, field="dates.start", line=4, fix_part="a date like 2026-01-31")


def test_impossible_calendar_date(tmp_path: Path) -> None:
    # Looks like a date to YAML, but there is no 30 February: the user still needs the
    # file, line, field and fix rather than a crash.
    exc, path = _fail(tmp_path, "---\ntitle: A\ndates:\n  review: 2026-02-30\n---\n")
    _assert_names(exc, path, field="dates.review", line=4, fix_part="a date like 2026-01-31")


def test_review_before_start(tmp_path: Path) -> None:
    exc, path = _fail(
        tmp_path, "---\ntitle: A\ndates:\n  start: 2026-03-01\n  review: 2026-02-01\n---\n"
    )
    _assert_names(exc, path, field="dates", line=3, fix_part="dates in order")
    assert "review date comes before the start date" in str(exc)


def test_sunset_before_start(tmp_path: Path) -> None:
    exc, path = _fail(
        tmp_path, "---\ntitle: A\ndates:\n  start: 2026-03-01\n  sunset: 2026-01-01\n---\n"
    )
    _assert_names(exc, path, field="dates", line=3, fix_part="dates in order")
    assert "sunset date comes before the start date" in str(exc)


def test_blank_title(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\nschema: 1\ntitle: '   '\n---\n")
    _assert_names(exc, path, field="title", line=3, fix_part="a non-empty title")
    assert "cannot be blank" in str(exc)


def test_missing_title(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\noutcome: something\n---\n")
    # A missing field has no line of its own; the file, field and fix are named.
    _assert_names(exc, path, field="title", line=None, fix_part="a non-empty title")
    assert "this field is required" in str(exc)


def test_empty_front_matter_means_missing_title(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\n\n---\n\nbody\n")
    assert [p.field for p in exc.problems] == ["title"]
    assert str(path) in str(exc)


@pytest.mark.parametrize(
    ("head", "line", "reason"),
    [
        ("title: A\nscores:\n  impact: [1, 2\n  effort: 2\n", 5, "expected ',' or ']'"),
        ("title: A\nowner:\n  name: x\n   contact: y\n", 5, "mapping values are not allowed"),
        ("title: A\n\tstage: idea\n", 3, "'\\t'"),
    ],
)
def test_broken_yaml_reports_the_line(tmp_path: Path, head: str, line: int, reason: str) -> None:
    exc, path = _fail(tmp_path, f"---\n{head}---\n\nbody\n")
    text = str(exc)
    assert f"{path}:{line}:" in text
    assert "not valid YAML" in text
    assert reason in text
    assert "— fix: check indentation" in text
    assert exc.problems[0].line == line


def test_no_front_matter(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "# Just markdown\n\ntitle: A\n")
    text = str(exc)
    assert f"{path}:1:" in text
    assert "does not start with a '---' front matter block" in text
    assert "— fix: put the fields between two '---' lines" in text


def test_empty_file(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "")
    assert "does not start with a '---'" in str(exc)
    assert str(path) in str(exc)


def test_unclosed_front_matter(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\ntitle: A\nstage: idea\n")
    text = str(exc)
    assert f"{path}:3:" in text  # points at the end of the file
    assert "never closed" in text
    assert "— fix: add a line with '---'" in text


def test_non_utf8_bytes(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, b"---\ntitle: caf\xe9\n---\n")
    text = str(exc)
    assert str(path) in text
    assert "not UTF-8" in text
    assert "— fix: save it as UTF-8" in text


def test_front_matter_that_is_a_list(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\n- title: A\n- stage: idea\n---\n")
    text = str(exc)
    assert f"{path}:2:" in text
    assert "must be a set of 'field: value' lines" in text
    assert "— fix: write one 'field: value' per line" in text


def test_front_matter_that_is_a_scalar(tmp_path: Path) -> None:
    exc, _ = _fail(tmp_path, "---\njust a sentence\n---\n")
    assert "must be a set of 'field: value' lines" in str(exc)


def test_validation_failed_keeps_structured_problems(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\ntitle: A\nscores:\n  reach: -5\n---\n")
    [problem] = exc.problems
    assert problem.field == "scores.reach"
    assert problem.line == 4
    assert problem.fix.startswith("use a whole number of people or requests per quarter, 0 or more")
    assert exc.fix == problem.fix
    assert problem.describe(path) == str(exc)


def test_near_miss_keys_are_kept_but_flagged_as_likely_typos(tmp_path):
    from shipyard.core.portfolio.onepager_file import parse_onepager

    text = "---\ntitle: A\nstgae: canary\nscores:\n  impcat: 3\nteam_notes: keep\n---\nbody\n"
    doc = parse_onepager(text, tmp_path / "onepager.md")
    found = {(w.field, w.fix, w.line) for w in doc.warnings}
    assert ("stgae", "did you mean 'stage'?", 3) in found
    assert ("scores.impcat", "did you mean 'scores.impact'?", 5) in found
    assert all(w.field != "team_notes" for w in doc.warnings)  # not a near miss: silent
    assert doc.onepager.model_extra["stgae"] == "canary"  # and still kept on save
    assert "stgae: canary" in doc.to_text()


def test_unscored_inputs_are_gaps_but_zero_is_an_answer():
    from shipyard.core.portfolio.onepager_model import OnePager, completeness, missing_key_fields
    from shipyard.core.portfolio.scoring import score

    blank = OnePager(title="New")
    assert blank.scores.impact is None and blank.scores.reach is None
    assert {"Reach", "Impact", "Confidence"} <= set(missing_key_fields(blank))
    assert score(blank).composite == 0
    zero = OnePager(
        title="Z",
        scores={"reach": 0, "impact": 0, "confidence": 0},
        primary_metric={"name": "mae", "target": 0, "direction": "minimize"},
    )
    assert not {"Reach", "Impact", "Confidence", "Metric target"} & set(missing_key_fields(zero))
    assert completeness(zero) > completeness(blank)


def test_a_newer_schema_is_refused_like_a_newer_workspace(tmp_path: Path) -> None:
    exc, path = _fail(tmp_path, "---\nschema: 99\ntitle: A\n---\n")
    assert "schema 99 comes from a newer Shipyard" in str(exc)
    assert "upgrade Shipyard" in str(exc) and str(path) in str(exc)
