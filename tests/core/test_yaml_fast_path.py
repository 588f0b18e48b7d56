"""User files are read with libyaml when that gives the same data as the round-trip reader.

libyaml reads YAML 1.1, ruamel YAML 1.2; the two differ on a few plain scalars (yes/no,
octal, 1:30, 1_000, 1e3 ...). A file holding one is read by ruamel, so the fast path can
never change what a file means; errors still come from ruamel with their lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from ruamel.yaml import YAML

from shipyard.core.errors import ValidationFailed
from shipyard.core.workspace.yaml_file import _versions_differ, load_yaml_model

SCALAR = st.one_of(
    st.sampled_from(
        [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "n",
            "007",
            "0o17",
            "0b11",
            "1_000",
            "1e3",
            "12:30",
            "1:02:03",
            "+.5",
            "-.5",
            "0x1F",
            "2026-01-05",
            ".inf",
            "~",
            "null",
            "True",
            "3.14",
            "-0",
            "1.",
            "abc",
            "=",
            "v1",
        ]
    ),
    st.from_regex(r"[-+]?[0-9_.:eEoxb+-]{1,8}", fullmatch=True),
    st.from_regex(r"[A-Za-z][A-Za-z0-9 _@-]{0,12}", fullmatch=True),
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return type(a) is type(b) and a == b


@settings(max_examples=500, deadline=None)
@given(SCALAR, st.sampled_from(["k: {}\n", "k:\n  - {}\n", "k: [{}, 1]\n"]))
def test_a_scalar_the_versions_read_differently_is_always_caught(scalar: str, shape: str):
    text = shape.format(scalar)
    try:
        fast = yaml.load(text, Loader=yaml.CSafeLoader)
        slow = YAML(typ="safe").load(text)
    except Exception:
        return  # not valid YAML for one of them: the round-trip reader reports it
    if not _same(fast, slow):
        assert _versions_differ(text), (text, fast, slow)


class Thing(BaseModel):
    name: str
    enabled: bool = False
    count: int = 0


def test_files_read_the_same_either_way_and_errors_keep_their_line(tmp_path: Path):
    path = tmp_path / "thing.yaml"
    path.write_text("name: v1\ncount: 3\nenabled: true\n", encoding="utf-8")
    assert load_yaml_model(path, Thing) == Thing(name="v1", count=3, enabled=True)
    # YAML 1.1 would read `no` as False and `010` as 8; YAML 1.2 reads text and 10.
    path.write_text("name: no\ncount: 010\n", encoding="utf-8")
    assert load_yaml_model(path, Thing) == Thing(name="no", count=10)
    path.write_text("name: x\ncount: many\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        load_yaml_model(path, Thing)
    assert err.value.problems[0].line == 2
