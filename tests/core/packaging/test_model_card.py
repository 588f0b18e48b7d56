"""Model cards: generated complete from the one-pager, run and gate report; edits are kept."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pkg_helpers import SLUG

from shipyard.core.gates.model_card_rules import (
    REQUIRED_SECTIONS,
    card_problems,
    sections,
    split_card,
)
from shipyard.core.packaging.model_card import (
    CardWasEdited,
    card_path,
    card_was_edited,
    generate_and_write,
    generate_card,
    write_card,
)


def test_a_generated_card_is_complete_and_filled_from_its_sources(pkg_ws: Any) -> None:
    text = generate_card(pkg_ws, SLUG)
    assert card_problems(text) == []
    meta, body, problem = split_card(text)
    assert problem == "" and meta is not None
    assert meta["datasets"] == ["small_churn@v1"] and "tabular-classification" in meta["tags"]
    result = meta["model-index"][0]["results"][0]
    assert {m["type"] for m in result["metrics"]} >= {"roc_auc", "f1"}
    found = sections(body)
    assert list(found) == list(REQUIRED_SECTIONS)
    assert "Hannah Schulz" in found["Model details"] and pkg_ws.run_id in found["Model details"]
    assert "CS calls the 10%" in found["Intended use"]  # the one-pager's outcome
    assert "Gate verdict: pass" in found["Evaluation"]  # the gate report
    assert "ROC AUC ≥ 0.6" in found["Evaluation"]
    assert "small_churn@v1" in found["Training data"] and "tenure" in found["Training data"]
    assert "confidential" in found["Ethical considerations"]
    assert "serve.py" in found["How to use"]
    yaml.safe_load(text.split("---")[1])  # the metadata is plain YAML


def test_an_edited_card_is_not_replaced_without_asking(pkg_ws: Any) -> None:
    path = generate_and_write(pkg_ws, SLUG, user="t")
    assert path == card_path(pkg_ws, SLUG) and not card_was_edited(pkg_ws, SLUG)
    generate_and_write(pkg_ws, SLUG, user="t")  # unchanged card: regenerating is fine
    edited = path.read_text().replace("## Limitations\n", "## Limitations\n\nOur own words.\n")
    write_card(pkg_ws, SLUG, edited, user="editor")
    assert card_was_edited(pkg_ws, SLUG)
    with pytest.raises(CardWasEdited, match="edited by hand") as err:
        generate_and_write(pkg_ws, SLUG, user="t")
    assert "--force" in err.value.fix
    assert "Our own words." in path.read_text()
    generate_and_write(pkg_ws, SLUG, user="t", overwrite=True)
    assert "Our own words." not in path.read_text()
    actions = [line for line in pkg_ws.audit.path.read_text().splitlines() if "card." in line]
    assert any('"card.edit"' in a and "editor" in a for a in actions)


def test_card_problems_name_what_is_missing(pkg_ws: Any) -> None:
    text = generate_card(pkg_ws, SLUG)
    gutted = text.replace("## Out-of-scope use", "## Out of scope (renamed)")
    assert "section 'Out-of-scope use' is missing" in card_problems(gutted)


# -- placeholders ------------------------------------------------------------------------
def test_template_placeholders_left_in_a_section_fail_the_check(pkg_ws: Any) -> None:
    text = generate_card(pkg_ws, SLUG)
    assert card_problems(text) == []
    todo = text.replace(
        "## Intended use\n\n", "## Intended use\n\nTODO: say who acts on the score.\n\n"
    )
    [problem] = card_problems(todo)
    assert problem.startswith("section 'Intended use' still holds template placeholder text")
    assert "TODO: say who acts on the score." in problem
    hf = text.replace("## Limitations\n\n", "## Limitations\n\n[More Information Needed]\n\n")
    assert card_problems(hf) == [
        "section 'Limitations' still holds template placeholder text "
        "('[More Information Needed]'): replace it with your own words"
    ]
    # Only the placeholder in a section: it is empty, as before.
    only = text.replace(
        "## How to use\n\n", "## How to use\n\nTODO\n\n<!-- write this -->\n\n## Old how to use\n\n"
    )
    assert "section 'How to use' is empty" in card_problems(only)
    # Words that merely look alike are no placeholders: prose, comments, code, column names.
    fine = text.replace(
        "## Limitations\n\n",
        "## Limitations\n\nThe todo list of the CS team is long. <!-- TODO later -->\n"
        "The column `TODO` is left out.\n\n```\nTBD\n```\n\n",
    )
    assert card_problems(fine) == []


def test_a_one_pager_without_an_outcome_leaves_a_placeholder_to_fill(pkg_ws: Any) -> None:
    from shipyard.core.gates.model_card_rules import placeholders

    entry = pkg_ws.project(SLUG)
    entry.doc.onepager.outcome = ""
    pkg_ws.project = lambda slug: entry  # the one-pager as it is in memory
    text = generate_card(pkg_ws, SLUG)
    intended = sections(split_card(text)[1])["Intended use"]
    assert placeholders(intended) == ["TODO"]
    assert any(p.startswith("section 'Intended use' still holds") for p in card_problems(text))


# -- Markdown that renders as written ----------------------------------------------------
_TEXT = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126, include_characters="\n\té€≥"),
    max_size=24,
)


@settings(max_examples=40, deadline=None)
@given(left=_TEXT, right=_TEXT)
def test_any_text_renders_as_written_in_a_table_cell(left: str, right: str) -> None:
    from pkg_helpers import markdown_tables

    from shipyard.core.packaging.model_card import cell

    table = f"| Name | Value |\n| --- | --- |\n| {cell(left)} | {cell(right)} |\n"
    expected = [" ".join(t.split()) or "—" for t in (left, right)]
    assert markdown_tables(table) == [[["Name", "Value"], expected]]


@settings(max_examples=40, deadline=None)
@given(name=_TEXT.filter(lambda t: t.strip()))
def test_any_name_renders_as_written_in_inline_code(name: str) -> None:
    from markdown_it import MarkdownIt

    from shipyard.core.packaging.model_card import code

    [paragraph] = [t for t in MarkdownIt("commonmark").parse(f"- {code(name)}\n") if t.children]
    [span] = [c for c in paragraph.children if c.type == "code_inline"]
    assert span.content == " ".join(name.split())


def test_awkward_names_and_labels_keep_every_table_whole(pkg_ws: Any) -> None:
    from dataclasses import replace

    from pkg_helpers import table_with, write_gate_report

    from shipyard.core.packaging.model_card import CardFacts, facts_for
    from shipyard.core.training import load_run

    report = write_gate_report(pkg_ws, pkg_ws.run_id)
    report["checks"][0]["title"] = "AUC | holdout\nrows"
    report["checks"][1]["threshold"] = "a|b"
    run = load_run(pkg_ws, SLUG, pkg_ws.run_id)
    task = {**run.task, "numeric": ["a|b", "x`y", "mean radius"], "classes": ["p|q", "0"]}
    run = replace(run, task=task, metrics={**run.metrics, "f1|macro": 0.5})
    base = facts_for(pkg_ws, SLUG, run)
    text = generate_card(pkg_ws, SLUG, facts=CardFacts(run, base.model_sha256, report))
    found = sections(split_card(text)[1])
    metrics = table_with(found["Evaluation"], "Metric")
    assert {"Metric": "f1|macro", "Value": "0.5000"} in metrics
    assert len(metrics) == sum(v is not None for v in run.metrics.values())
    checks = table_with(found["Evaluation"], "Check")
    assert [c["Check"] for c in checks] == ["AUC | holdout rows", "p95 latency ≤ 20 ms"]
    assert checks[1]["Threshold"] == "a|b ms"
    assert "`a|b`, `` x`y ``, `mean radius`" in found["Training data"]
    assert "`p|q`, `0`" in found["Training data"]
    assert card_problems(text) == []


def test_the_card_names_the_rows_the_runs_metrics_were_scored_on(pkg_ws: Any) -> None:
    """A run scored out-of-fold (small data, no validation rows) is not said to be measured
    on validation rows; the model index names the split those predictions came from."""
    from shipyard.core.training import load_run

    text = generate_card(pkg_ws, SLUG)
    meta, body, _ = split_card(text)
    run = load_run(pkg_ws, SLUG, pkg_ws.run_id)
    evaluation = sections(body)["Evaluation"]
    split = meta["model-index"][0]["results"][0]["dataset"]["split"]
    assert run.scored_rows == "out-of-fold"  # the fixture's table is small
    assert "out-of-fold predictions" in evaluation and "validation rows" not in evaluation
    assert split == "train"
