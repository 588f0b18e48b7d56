"""Model cards: generated complete from the one-pager, run and gate report; edits are kept."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pkg_helpers import SLUG

from shipyard.core.model_card_rules import REQUIRED_SECTIONS, card_problems, sections, split_card
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
