"""Files a user or a teammate's commit can change: bombs, deep nesting, huge files and
mutated bytes end in a clean refusal or a result, quickly, with nothing written.

Readers covered: one-pager, gates.yaml, rollout.yaml, flags.yaml, data_contract.yaml,
task.yaml, shipyard.toml and the model card's metadata; and the commands a CI workflow
runs on them (validate, project list, gate, simulate, flags list).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.cli.commands import run
from shipyard.core.errors import ShipyardError

SLUG = "churn-risk"
BOMB = "".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)]
)


def _readers(ws: Any) -> dict[str, tuple[Path, Callable[[], Any]]]:
    """file name -> (its path in the project, a call that reads it as Shipyard does)."""
    from shipyard.core.data.contract_model import load_contract
    from shipyard.core.gates.model_card_rules import split_card
    from shipyard.core.gates.policy import project_policy
    from shipyard.core.portfolio.onepager_file import load_onepager
    from shipyard.core.rollout.flags import load_flags
    from shipyard.core.rollout.policy import load_policy
    from shipyard.core.training.task_file import read_task

    project = ws.projects_dir / SLUG
    card = project / "model_card.md"

    def read_card() -> Any:
        # As the model-card check reads it: bad bytes become U+FFFD, never a crash.
        meta, _, problem = split_card(card.read_text("utf-8", errors="replace"))
        if problem:
            raise ShipyardError(problem)
        return meta

    return {
        "onepager.md": (project / "onepager.md", lambda: load_onepager(project / "onepager.md")),
        "gates.yaml": (project / "gates.yaml", lambda: project_policy(ws, SLUG)),
        "rollout.yaml": (project / "rollout.yaml", lambda: load_policy(ws, SLUG)),
        "flags.yaml": (project / "flags.yaml", lambda: load_flags(ws, SLUG)),
        "data_contract.yaml": (project / "data_contract.yaml", lambda: load_contract(ws, SLUG)),
        "task.yaml": (project / "task.yaml", lambda: read_task(ws, SLUG)),
        "model_card.md": (card, read_card),
    }


def _as_file(name: str, yaml_text: str) -> str:
    if name in ("onepager.md", "model_card.md"):
        return f"---\ntitle: T\n{yaml_text}---\n\nbody\n"
    return yaml_text


HOSTILE = {
    "alias bomb": BOMB,
    "deep nesting": "x: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "huge": "x: " + "y" * 1_100_000 + "\n",
}


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize(
    "name",
    ["onepager.md", "gates.yaml", "rollout.yaml", "flags.yaml", "data_contract.yaml",
     "task.yaml", "model_card.md"],
)  # fmt: skip
def test_hostile_yaml_is_refused_quickly(trained_demo_ws: Any, name: str, kind: str) -> None:
    path, read = _readers(trained_demo_ws)[name]
    path.write_text(_as_file(name, HOSTILE[kind]), "utf-8")
    started = time.perf_counter()
    with pytest.raises(ShipyardError) as info:
        read()
    assert time.perf_counter() - started < 5, "a hostile file must be refused at once"
    text = str(info.value)
    if kind == "alias bomb":
        assert "not allowed" in text or "refused" in text, text


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("onepager.md", ["validate", "{ws}"]),
        ("onepager.md", ["project", "list", "{ws}"]),
        ("gates.yaml", ["gate", "{ws}", SLUG]),
        ("rollout.yaml", ["simulate", "{ws}", SLUG]),
        ("flags.yaml", ["flags", "list", "{ws}", SLUG]),
    ],
)
def test_the_ci_commands_refuse_a_bomb_with_file_and_line(
    trained_demo_ws: Any, capsys: Any, name: str, argv: list[str]
) -> None:
    path, _ = _readers(trained_demo_ws)[name]
    path.write_text(_as_file(name, BOMB), "utf-8")
    started = time.perf_counter()
    code = run([a.replace("{ws}", str(trained_demo_ws.root)) for a in argv])
    out, err = capsys.readouterr()
    assert time.perf_counter() - started < 20
    assert "Traceback" not in err
    shown = out + err
    assert name in shown and ("alias" in shown or "anchor" in shown), shown
    # `project list` lists the other projects and marks this one invalid; the rest refuse.
    assert code in ((0, 1, 2) if argv[:2] == ["project", "list"] else (1, 2)), shown


def test_a_plain_file_still_reads(trained_demo_ws: Any) -> None:
    for name, (path, read) in _readers(trained_demo_ws).items():
        if path.is_file():
            read()  # the demo's own files pass the guard
        else:
            assert name in ("gates.yaml", "data_contract.yaml", "task.yaml", "model_card.md")


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for pos, cut, insert in edits:
        pos = pos % (len(data) + 1)
        data = data[:pos] + insert + data[pos + cut :]
    return data


edits = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),
        st.integers(min_value=0, max_value=8),
        st.sampled_from(
            [
                b"",
                b"&a ",
                b"*a",
                b"[",
                b"]",
                b"{",
                b":",
                b"\n",
                b"  ",
                b"- ",
                b"\xff",
                b"\x00",
                b"'",
                b'"',
                b"!!python/object:os.system ",
                b"9" * 30,
                b"nan",
                b"-1",
                b"1e400",
            ]
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.sampled_from(["onepager.md", "rollout.yaml", "flags.yaml", "data_contract.yaml",
                             "task.yaml", "model_card.md"]), changes=edits)  # fmt: skip
def test_mutated_files_end_in_a_refusal_or_a_result(
    trained_demo_ws: Any, name: str, changes: list[tuple[int, int, bytes]]
) -> None:
    path, read = _readers(trained_demo_ws)[name]
    original = path.read_bytes() if path.is_file() else b"columns: []\n"
    path.write_bytes(_mutate(original, changes))
    try:
        started = time.perf_counter()
        with contextlib.suppress(ShipyardError):
            read()
        assert time.perf_counter() - started < 5
    finally:
        path.write_bytes(original)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=edits)
def test_a_mutated_shipyard_toml_is_refused_or_read(
    blank_ws: Any, changes: list[tuple[int, int, bytes]]
) -> None:
    from shipyard.core.workspace.workspace import Workspace

    path = blank_ws.root / "shipyard.toml"
    original = path.read_bytes()
    path.write_bytes(_mutate(original, changes))
    try:
        with contextlib.suppress(ShipyardError):
            Workspace.open(blank_ws.root)
    finally:
        path.write_bytes(original)


def test_files_shipyard_writes_hold_no_anchors(blank_ws: Any) -> None:
    from datetime import date

    from shipyard.core.workspace.yaml_file import check_yaml_text, dump_yaml

    day = date(2026, 1, 1)
    text = dump_yaml({"start": day, "review": day, "none": None})  # one object, twice
    assert "&" not in text and "*" not in text and "none:\n" in text
    check_yaml_text(text, "x.yaml")
