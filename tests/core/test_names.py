"""Names that become paths: one rule each, checked before any path is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.cli.commands import run
from shipyard.core.workspace.names import (
    DATASET_NAME,
    KEY_ID,
    PROJECT_SLUG,
    RUN_ID,
    InvalidName,
    check_name,
    check_title,
)

HOSTILE = ["/tmp/victim", ".", "..", "../x", "a/b", "a\\b", "", " ", "-rf", ".hidden",
           "x" * 300, "a\x00b", "é", "UPPER"]  # fmt: skip


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("rule", [PROJECT_SLUG, DATASET_NAME])
def test_hostile_names_are_refused_with_the_rule(rule, value: str) -> None:
    with pytest.raises(InvalidName) as info:
        check_name(rule, value)
    assert rule.what in str(info.value) and rule.example in info.value.fix


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_an_accepted_name_is_always_one_plain_path_component(value: str) -> None:
    for rule in (PROJECT_SLUG, DATASET_NAME, RUN_ID, KEY_ID):
        try:
            name = check_name(rule, value)
        except InvalidName:
            continue
        assert Path(name).name == name and name not in (".", "..")
        assert not name.startswith((".", "-")) and "/" not in name and "\\" not in name


def test_titles_have_limits_with_messages() -> None:
    assert check_title("  Churn risk ") == "Churn risk"
    for bad in ("", "   ", "x" * 121, None):
        with pytest.raises(InvalidName):
            check_title(bad)


@pytest.mark.parametrize(
    "argv",
    [
        ["project", "delete", "{ws}", "/tmp/victim"],
        ["project", "delete", "{ws}", "."],
        ["project", "delete", "{ws}", ".."],
        ["project", "new", "{ws}", "T", "--slug", "/tmp/evil"],
        ["project", "new", "{ws}", "T", "--slug", "x" * 300],
        ["project", "new", "{ws}", ""],
        ["project", "new", "{ws}", "x" * 121],
        ["project", "stage", "{ws}", "../../x", "mvp"],
    ],
)
def test_the_cli_refuses_hostile_names_cleanly(blank_ws, tmp_path, capsys, argv) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()

    def files() -> list[str]:
        return sorted(str(p) for p in blank_ws.root.rglob("*"))

    with blank_ws.lock("setup"):  # .shipyard/ exists from the first command on
        pass
    before = files()
    code = run([a.replace("{ws}", str(blank_ws.root)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "fix:" in err
    assert victim.is_dir() and (blank_ws.root / "projects").is_dir()
    assert files() == before  # nothing written, nothing moved


def test_run_ids_and_dataset_names_never_become_paths(trained_demo_ws) -> None:
    from shipyard.core.data.catalog import list_versions, load_version
    from shipyard.core.errors import ShipyardError
    from shipyard.core.training.runs import load_run

    for bad in ("../../etc", ".", "..", "a/b", "/tmp/x"):
        with pytest.raises(InvalidName):
            load_run(trained_demo_ws, "churn-risk", bad)
        assert list_versions(trained_demo_ws, bad) == []
        with pytest.raises(ShipyardError):
            load_version(trained_demo_ws, bad)
