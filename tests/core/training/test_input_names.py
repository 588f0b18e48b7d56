"""ONNX input names: any column name a file can hold becomes a safe, unique graph input."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.training.task import TaskSpec, safe_input_names, typed_label

SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
AWKWARD = [
    "mean radius", "od280/od315_of_diluted_wines", "select", "b", "v", "€", "a/b", "a.b",
    "a-b", "#", "1st", "Customer ID", "Churned?", "Größe", "名前", "label", "probabilities",
    "a b", "a_b", "A_B", "", " ", "x" * 300,
]  # fmt: skip

names = st.lists(
    st.one_of(st.sampled_from(AWKWARD), st.text(min_size=0, max_size=20)),
    min_size=1,
    max_size=12,
    unique=True,
)


@settings(max_examples=200, deadline=None)
@given(names)
def test_every_column_gets_a_safe_unique_name(columns: list[str]) -> None:
    mapping = safe_input_names(columns)
    assert list(mapping) == columns
    values = list(mapping.values())
    assert all(SAFE.match(v) and len(v) <= 64 for v in values), values
    assert len({v.lower() for v in values}) == len(values)  # unique, even folding case
    assert mapping == safe_input_names(columns)  # deterministic


def test_plain_names_keep_themselves_and_others_are_readable() -> None:
    mapping = safe_input_names(["tenure", "mean radius", "€", "1st", "label", "a b", "a_b"])
    assert mapping["tenure"] == "tenure"
    assert mapping["mean radius"] == "mean_radius"
    assert mapping["1st"] == "c_1st"
    assert mapping["label"] == "c_label"  # the graph's output is called label
    assert mapping["a_b"] == "a_b" and mapping["a b"] == "a_b_2"
    assert SAFE.match(mapping["€"])


def test_a_spec_maps_its_features_and_serves_the_original_names() -> None:
    spec = TaskSpec("t@v1", "f", "y", "binary", 10, numeric=["mean radius", "ok"],
                    categorical=["plan/tier"], boolean=["ok"])  # fmt: skip
    assert spec.onnx_names() == {"mean radius": "mean_radius", "ok": "ok",
                                 "plan/tier": "plan_tier"}  # fmt: skip
    inputs = spec.contract_inputs()
    assert [i["name"] for i in inputs] == ["mean radius", "ok", "plan/tier"]
    assert [i["role"] for i in inputs] == ["numeric", "boolean", "categorical"]
    # A run recorded before names were mapped (no input_names) maps the same way.
    again = TaskSpec.from_record({**spec.to_json(), "input_names": {}, "unknown": 1})
    assert again.onnx_names() == spec.onnx_names()


def test_labels_come_back_in_their_own_type() -> None:
    assert typed_label("3", "integer") == 3
    assert typed_label("true", "boolean") is True
    assert typed_label("spam", "string") == "spam"
    assert typed_label("x", "integer") == "x"  # never a crash on an odd label
