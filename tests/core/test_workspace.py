"""Creating and opening workspaces, reading shipyard.toml, listing projects."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from shipyard.core.errors import (
    NotAWorkspace,
    ProjectNotFound,
    ShipyardError,
    ValidationFailed,
    WorkspaceTooNew,
)
from shipyard.core.portfolio.onepager_file import load_onepager
from shipyard.core.resources import resources_dir, template, templates_dir
from shipyard.core.workspace.config import CONFIG_NAME, FORMAT_VERSION, read_config
from shipyard.core.workspace.layout import ONEPAGER
from shipyard.core.workspace.workspace import Workspace

DEMO_SLUGS = {
    "churn-risk",
    "demand-forecast",
    "faq-deflection-bot",
    "fraud-flag",
    "invoice-routing",
    "lead-scoring",
    "onpage-suggestion",
    "search-query-intent",
    "support-ticket-summaries",
    "ticket-triage",
}


def _write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    path.write_text(text, encoding="utf-8")
    return path


# -- templates -----------------------------------------------------------------------------


def test_bundled_templates_are_found() -> None:
    assert (templates_dir() / "blank" / CONFIG_NAME).is_file()
    assert template("demo") == templates_dir() / "demo"
    assert resources_dir().is_dir()


def test_unknown_template_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no workspace template named 'nope'"):
        Workspace.create(tmp_path / "ws", template_name="nope")
    assert not (tmp_path / "ws").exists()


# -- create --------------------------------------------------------------------------------


def test_create_blank(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    assert ws.root == (tmp_path / "ws").resolve()
    assert (ws.root / CONFIG_NAME).is_file()
    assert ws.name == "New workspace"
    assert ws.config.workspace.format_version == FORMAT_VERSION
    assert ws.config.portfolio.sprint_anchor == date(2026, 1, 5)
    assert ws.config.portfolio.sprint_length_days == 14
    assert ws.projects_dir.is_dir()
    assert ws.slugs() == []
    assert ws.projects() == []
    assert ws.audit.entries() == []
    # No staging folder is left behind.
    assert not (tmp_path / ".ws.creating").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_create_with_a_name(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws", name='Team "A" portfolio')
    assert ws.name == 'Team "A" portfolio'
    text = (ws.root / CONFIG_NAME).read_text(encoding="utf-8")
    assert tomllib.loads(text)["workspace"]["name"] == 'Team "A" portfolio'
    # The template's comments survive the rename.
    assert "# Sprints are two weeks long" in text


def test_create_into_an_existing_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    ws = Workspace.create(tmp_path / "empty")
    assert (ws.root / CONFIG_NAME).is_file()


def test_create_makes_missing_parents(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "a" / "b" / "ws")
    assert ws.root.is_dir()


def test_create_demo(demo_ws: Workspace) -> None:
    assert demo_ws.name == "Demo portfolio"
    assert set(demo_ws.slugs()) == DEMO_SLUGS
    entries = demo_ws.projects()
    assert len(entries) == 10
    for entry in entries:
        assert entry.error is None, entry.error
        assert entry.doc is not None
        assert entry.doc.path == demo_ws.onepager_path(entry.slug)
        assert entry.title == entry.doc.onepager.title
        assert entry.doc.body.strip(), f"{entry.slug} has no narrative"
    samples = demo_ws.root / "samples"
    csvs = sorted(samples.glob("*.csv"))
    assert len(csvs) >= 10
    for csv in csvs:
        header = csv.read_text(encoding="utf-8").splitlines()[0]
        assert "," in header, csv
    # Every dataset a demo one-pager names has its sample file.
    for entry in entries:
        name = entry.doc.onepager.dataset.name
        assert (samples / f"{name}.csv").is_file(), (entry.slug, name)
    assert not (demo_ws.root / ".shipyard").exists()


def test_demo_one_pagers_are_valid_files(demo_ws: Workspace) -> None:
    for slug in demo_ws.slugs():
        doc = load_onepager(demo_ws.onepager_path(slug))
        assert doc.onepager.title


def test_create_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(ShipyardError) as info:
        Workspace.create(folder)
    assert "not empty" in str(info.value)
    assert "fix: choose a new or empty folder" in str(info.value)
    assert str(folder.resolve()) in str(info.value)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_create_refuses_an_existing_workspace(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws", name="Original")
    with pytest.raises(ShipyardError) as info:
        Workspace.create(tmp_path / "ws", template_name="demo", name="Replacement")
    assert "a workspace already exists here" in str(info.value)
    assert "fix: open it instead" in str(info.value)
    assert Workspace.open(ws.root).name == "Original"
    assert Workspace.open(ws.root).slugs() == []


# -- open ----------------------------------------------------------------------------------


def test_open_round_trip(tmp_path: Path) -> None:
    created = Workspace.create(tmp_path / "ws", template_name="demo")
    opened = Workspace.open(str(tmp_path / "ws"))
    assert opened.root == created.root
    assert opened.slugs() == created.slugs()


def test_open_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(NotAWorkspace) as info:
        Workspace.open(tmp_path / "missing")
    text = str(info.value)
    assert "no such folder" in text
    assert str(tmp_path / "missing") in text
    assert "fix: pick an existing workspace folder" in text
    assert "shipyard init PATH" in text


def test_open_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("x")
    with pytest.raises(NotAWorkspace, match="no such folder"):
        Workspace.open(path)


def test_open_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(NotAWorkspace) as info:
        Workspace.open(tmp_path / "plain")
    text = str(info.value)
    assert "not a Shipyard workspace" in text
    assert CONFIG_NAME in text
    assert "fix: open the folder that holds shipyard.toml" in text


def test_open_newer_format(tmp_path: Path) -> None:
    _write_config(tmp_path / "ws", '[workspace]\nname = "Future"\nformat_version = 99\n')
    with pytest.raises(WorkspaceTooNew) as info:
        Workspace.open(tmp_path / "ws")
    text = str(info.value)
    assert "format version 99" in text
    assert f"up to version {FORMAT_VERSION}" in text
    assert "fix: upgrade Shipyard" in text
    assert str(tmp_path / "ws" / CONFIG_NAME) in text


def test_open_invalid_toml(tmp_path: Path) -> None:
    path = _write_config(tmp_path / "ws", '[workspace\nname = "x"\n')
    with pytest.raises(ShipyardError) as info:
        Workspace.open(tmp_path / "ws")
    text = str(info.value)
    assert "not valid TOML" in text
    assert "line 1" in text
    assert str(path) in text
    assert "fix: correct the syntax" in text


@pytest.mark.parametrize(
    ("body", "field", "fix"),
    [
        ("[workspace]\nname = 5\nformat_version = 1\n", "workspace.name", "give the workspace"),
        ('[workspace]\nname = ""\nformat_version = 1\n', "workspace.name", "give the workspace"),
        ("[workspace]\nformat_version = 1\n", "workspace.name", "give the workspace"),
        (
            '[workspace]\nname = "a"\nformat_version = "one"\n',
            "workspace.format_version",
            f"use format_version = {FORMAT_VERSION}",
        ),
        (
            '[workspace]\nname = "a"\nformat_version = -1\n',
            "workspace.format_version",
            f"use format_version = {FORMAT_VERSION}",
        ),
        (
            '[workspace]\nname = "a"\nformat_version = 1\n'
            '[portfolio]\nsprint_length_days = "two"\n',
            "portfolio.sprint_length_days",
            "use a whole number of days from 1 to 90",
        ),
        (
            '[workspace]\nname = "a"\nformat_version = 1\n[portfolio]\nsprint_length_days = 120\n',
            "portfolio.sprint_length_days",
            "use a whole number of days from 1 to 90",
        ),
        (
            '[workspace]\nname = "a"\nformat_version = 1\n[portfolio]\nsprint_anchor = "soon"\n',
            "portfolio.sprint_anchor",
            "use a date like 2026-01-05",
        ),
        ('workspace = "oops"\n', "workspace", "correct the value"),
    ],
    ids=[
        "name-int",
        "name-empty",
        "name-missing",
        "version-str",
        "version-negative",
        "sprint-str",
        "sprint-range",
        "anchor",
        "workspace-not-a-table",
    ],
)
def test_open_invalid_fields(tmp_path: Path, body: str, field: str, fix: str) -> None:
    path = _write_config(tmp_path / "ws", body)
    with pytest.raises(ValidationFailed) as info:
        Workspace.open(tmp_path / "ws")
    exc = info.value
    assert exc.file == path
    assert field in [p.field for p in exc.problems]
    text = str(exc)
    assert f"{path}: field '{field}'" in text
    assert f"fix: {fix}" in text


def test_open_config_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / CONFIG_NAME).write_bytes(b'[workspace]\nname = "caf\xe9"\nformat_version = 1\n')
    with pytest.raises(ShipyardError) as info:
        Workspace.open(folder)
    assert str(folder / CONFIG_NAME) in str(info.value)
    assert "UTF-8" in str(info.value)


def test_format_version_0_is_migrated_on_read(tmp_path: Path) -> None:
    # The preview format had no format_version at all.
    path = _write_config(tmp_path / "ws", '[workspace]\nname = "Preview"\n')
    ws = Workspace.open(tmp_path / "ws")
    assert ws.name == "Preview"
    assert ws.config.workspace.format_version == FORMAT_VERSION
    assert ws.config.portfolio.sprint_length_days == 14
    # Reading does not rewrite the user's file.
    assert path.read_text(encoding="utf-8") == '[workspace]\nname = "Preview"\n'


def test_explicit_format_version_0_is_migrated(tmp_path: Path) -> None:
    path = _write_config(tmp_path / "ws", '[workspace]\nname = "Zero"\nformat_version = 0\n')
    assert read_config(path).workspace.format_version == FORMAT_VERSION


def test_unknown_config_fields_are_kept(tmp_path: Path) -> None:
    path = _write_config(
        tmp_path / "ws",
        '[workspace]\nname = "X"\nformat_version = 1\ncolour = "teal"\n[gates]\nmin_auc = 0.7\n',
    )
    config = read_config(path)
    assert config.workspace.model_extra == {"colour": "teal"}
    assert config.model_extra == {"gates": {"min_auc": 0.7}}


# -- projects ------------------------------------------------------------------------------


def test_project_unknown_slug_lists_known_ones(demo_ws: Workspace) -> None:
    with pytest.raises(ProjectNotFound) as info:
        demo_ws.project("nope")
    text = str(info.value)
    assert "no project 'nope'" in text
    assert "fix: use one of: " + ", ".join(sorted(DEMO_SLUGS)) in text


def test_project_unknown_slug_in_empty_workspace(blank_ws: Workspace) -> None:
    with pytest.raises(ProjectNotFound, match="none yet"):
        blank_ws.project("nope")


def test_folders_without_a_onepager_are_not_projects(blank_ws: Workspace) -> None:
    (blank_ws.projects_dir / "scratch").mkdir()
    (blank_ws.projects_dir / "stray.txt").write_text("x")
    assert blank_ws.slugs() == []
    with pytest.raises(ProjectNotFound):
        blank_ws.project("scratch")


def test_broken_onepager_is_listed_with_its_error(demo_ws: Workspace) -> None:
    path = demo_ws.onepager_path("lead-scoring")
    path.write_text("---\ntitle: Leads\nscores:\n  impact: nine\n---\n\nbody\n", encoding="utf-8")
    entries = {e.slug: e for e in demo_ws.projects()}
    assert len(entries) == 10
    broken = entries["lead-scoring"]
    assert broken.doc is None
    assert isinstance(broken.error, ValidationFailed)
    assert broken.title == "lead-scoring"  # falls back to the slug
    assert f"{path}:4: field 'scores.impact'" in str(broken.error)
    assert all(
        e.error is None and e.doc is not None for s, e in entries.items() if s != "lead-scoring"
    )


def test_slugs_are_sorted(blank_ws: Workspace) -> None:
    for slug in ("zeta", "alpha", "mid"):
        folder = blank_ws.projects_dir / slug
        folder.mkdir()
        (folder / ONEPAGER).write_text(f"---\ntitle: {slug}\n---\n")
    assert blank_ws.slugs() == ["alpha", "mid", "zeta"]
    assert [e.title for e in blank_ws.projects()] == ["alpha", "mid", "zeta"]


def test_slugs_without_a_projects_folder(blank_ws: Workspace) -> None:
    for child in blank_ws.projects_dir.iterdir():
        child.unlink()
    blank_ws.projects_dir.rmdir()
    assert blank_ws.slugs() == []
    assert blank_ws.projects() == []
