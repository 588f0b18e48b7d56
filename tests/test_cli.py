"""The command line: every command in-process through `shipyard.cli.commands.run`, plus real processes
for the entry points (`python -m shipyard`) and the headless screenshot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from shipyard import __version__
from shipyard.cli.commands import GuiRequest, run

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


def cli(*argv: object) -> int | GuiRequest:
    return run([str(a) for a in argv])


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (except the lock) with its bytes: 'changes nothing' means equal."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock.json"
    }


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "demo"
    assert cli("demo", path, "--no-gui") == 0
    capsys.readouterr()
    (path / "audit.jsonl").unlink()  # the shipped demo's training entries; tests count theirs
    return path


def list_json(ws: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    capsys.readouterr()
    assert cli("project", "list", ws, "--json", *extra) == 0
    return json.loads(capsys.readouterr().out)


def audit_lines(ws: Path) -> list[dict]:
    text = (ws / "audit.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- init and demo ------------------------------------------------------------------------
def test_init_creates_a_blank_workspace_named_after_its_folder(tmp_path, capsys):
    ws = tmp_path / "team-ws"
    assert cli("init", ws) == 0
    out = capsys.readouterr().out
    assert "Created workspace 'team-ws'" in out
    assert "shipyard project new" in out
    config = tomllib.loads((ws / "shipyard.toml").read_text(encoding="utf-8"))
    assert config["workspace"]["name"] == "team-ws"
    assert config["workspace"]["format_version"] == 1
    assert (ws / "projects").is_dir()
    assert not [p for p in (ws / "projects").iterdir() if (p / "onepager.md").exists()]
    # No staging folder is left next to it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team-ws"]


def test_init_with_explicit_name_and_dot_path(tmp_path, capsys, monkeypatch):
    assert cli("init", tmp_path / "a", "--name", "Team portfolio") == 0
    config = tomllib.loads((tmp_path / "a" / "shipyard.toml").read_text(encoding="utf-8"))
    assert config["workspace"]["name"] == "Team portfolio"

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert cli("init", ".") == 0
    config = tomllib.loads((tmp_path / "here" / "shipyard.toml").read_text(encoding="utf-8"))
    assert config["workspace"]["name"] == "here"


def test_init_into_a_non_empty_folder_changes_nothing(tmp_path, capsys):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli("init", folder) == 2
    err = capsys.readouterr().err
    assert str(folder) in err
    assert "not empty" in err
    assert "fix:" in err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_init_over_an_existing_workspace_refuses(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli("init", ws) == 0
    before = snapshot(ws)
    capsys.readouterr()
    assert cli("init", ws) == 2
    assert "already exists" in capsys.readouterr().err
    assert snapshot(ws) == before


def test_demo_no_gui_creates_ten_projects_then_reuses_the_folder(tmp_path, capsys):
    path = tmp_path / "demo"
    assert cli("demo", path, "--no-gui") == 0
    assert "10 projects" in capsys.readouterr().out
    slugs = {p.name for p in (path / "projects").iterdir() if (p / "onepager.md").is_file()}
    assert slugs == DEMO_SLUGS
    assert len(list((path / "samples").glob("*.csv"))) >= 1

    (path / "projects" / "fraud-flag" / "notes.md").write_text("keep me", encoding="utf-8")
    before = snapshot(path)
    assert cli("demo", path, "--no-gui") == 0
    out = capsys.readouterr().out
    assert "Opening the demo workspace" in out
    assert "Created" not in out
    assert snapshot(path) == before


def test_demo_into_a_non_workspace_folder_refuses(tmp_path, capsys):
    folder = tmp_path / "stuff"
    folder.mkdir()
    (folder / "a.txt").write_text("x", encoding="utf-8")
    assert cli("demo", folder, "--no-gui") == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["a.txt"]


# -- GUI requests -------------------------------------------------------------------------
def test_demo_without_no_gui_asks_for_a_window(tmp_path, capsys):
    req = cli("demo", tmp_path / "d")
    assert isinstance(req, GuiRequest)
    assert req.workspace == (tmp_path / "d").resolve()
    assert req.page == "portfolio"
    assert req.project is None
    assert req.screenshot is None
    assert (tmp_path / "d" / "shipyard.toml").is_file()


def test_open_asks_for_a_window(demo, tmp_path, capsys):
    req = cli("open", demo)
    assert isinstance(req, GuiRequest)
    assert req.workspace == demo.resolve()
    assert req.screenshot is None

    empty = cli("open")
    assert isinstance(empty, GuiRequest)
    assert empty.workspace is None

    assert cli("open", tmp_path / "nowhere") == 2
    assert "no such folder" in capsys.readouterr().err


def test_screenshot_request_carries_page_project_out_and_size(demo, tmp_path):
    out = tmp_path / "shots" / "one.png"
    req = cli(
        "screenshot",
        demo,
        out,
        "--page",
        "onepager",
        "--project",
        "fraud-flag",
        "--size",
        "1200x800",
    )
    assert req == GuiRequest(
        demo.resolve(), page="onepager", project="fraud-flag", screenshot=out, size=(1200, 800)
    )
    default = cli("screenshot", demo, out)
    assert isinstance(default, GuiRequest)
    assert (default.page, default.project, default.size) == ("portfolio", None, (1400, 900))
    assert not out.exists()  # the CLI only asks; the UI renders


def test_screenshot_with_unknown_project_lists_known_slugs(demo, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert cli("screenshot", demo, out, "--page", "onepager", "--project", "nope") == 2
    err = capsys.readouterr().err
    assert "no project 'nope'" in err
    for slug in DEMO_SLUGS:
        assert slug in err
    assert not out.exists()


def test_screenshot_rejects_a_bad_size_and_an_unknown_page(demo, tmp_path, capsys):
    assert cli("screenshot", demo, tmp_path / "x.png", "--size", "huge") == 2
    err = capsys.readouterr().err
    assert "--size 'huge'" in err
    assert "1400x900" in err
    with pytest.raises(SystemExit) as exc:
        cli("screenshot", demo, tmp_path / "x.png", "--page", "nowhere")
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_headless_main_refuses_window_commands(demo, capsys):
    from shipyard.cli.commands import main

    assert main(["open", str(demo)]) == 2
    assert "opens a window" in capsys.readouterr().err
    assert main(["validate", str(demo)]) == 0


def test_no_command_prints_help(capsys):
    assert cli() == 0
    out = capsys.readouterr().out
    for command in ("init", "demo", "project", "audit", "screenshot", "validate", "settings"):
        assert command in out


# -- projects -----------------------------------------------------------------------------
def test_project_new_then_list(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli("init", ws) == 0
    capsys.readouterr()
    assert cli("project", "list", ws) == 0
    assert "No projects yet" in capsys.readouterr().out

    assert (
        cli("project", "new", ws, "Fraud flag v2", "--owner", "Ann", "--outcome", "Fewer losses")
        == 0
    )
    out = capsys.readouterr().out
    assert "Created project 'Fraud flag v2'" in out
    onepager = ws / "projects" / "fraud-flag-v2" / "onepager.md"
    text = onepager.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    assert "title: Fraud flag v2" in text
    assert "name: Ann" in text
    assert "outcome: Fewer losses" in text
    assert "stage: idea" in text

    assert cli("project", "new", ws, "Second", "--slug", "second-one") == 0
    capsys.readouterr()
    assert cli("project", "list", ws) == 0
    out = capsys.readouterr().out
    assert "Fraud flag v2" in out and "Second" in out
    assert "composite" in out.splitlines()[0]

    rows = list_json(ws, capsys)
    assert {r["slug"] for r in rows} == {"fraud-flag-v2", "second-one"}
    assert all(r["stage"] == "idea" and r["error"] == "" for r in rows)

    entries = audit_lines(ws)
    assert [e["action"] for e in entries] == ["project.create", "project.create"]
    assert [e["target"] for e in entries] == ["fraud-flag-v2", "second-one"]


def test_project_new_with_a_taken_slug_changes_nothing(demo, capsys):
    before = snapshot(demo)
    assert cli("project", "new", demo, "Another", "--slug", "fraud-flag") == 2
    err = capsys.readouterr().err
    assert "fraud-flag" in err and "already exists" in err
    assert snapshot(demo) == before


def test_project_new_into_a_missing_workspace_names_path_and_fix(tmp_path, capsys):
    missing = tmp_path / "nope"
    assert cli("project", "new", missing, "Title") == 2
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "shipyard init" in err
    assert not missing.exists()


def test_project_new_into_a_folder_that_is_not_a_workspace(tmp_path, capsys):
    folder = tmp_path / "plain"
    folder.mkdir()
    assert cli("project", "new", folder, "Title") == 2
    err = capsys.readouterr().err
    assert str(folder) in err
    assert "not a Shipyard workspace" in err
    assert "shipyard.toml" in err
    assert list(folder.iterdir()) == []


def test_project_list_text_ranks_by_composite(demo, capsys):
    rows = list_json(demo, capsys)
    assert len(rows) == 10
    assert [r["rank"] for r in rows] == list(range(1, 11))
    composites = [r["composite"] for r in rows]
    assert composites == sorted(composites, reverse=True)
    assert composites[0] > composites[-1]
    for r in rows:
        assert set(r) >= {"slug", "title", "stage", "composite", "rice", "ice", "wsjf", "health"}
        assert 0 <= r["health"] <= 100

    assert cli("project", "list", demo) == 0
    lines = capsys.readouterr().out.splitlines()
    body = [line for line in lines[2:] if line.strip()]
    assert len(body) == 10
    ranks = [int(line.split()[0]) for line in body]
    assert ranks == list(range(1, 11))
    # The text table is in the same order as the JSON.
    for line, row in zip(body, rows, strict=True):
        assert row["title"][:20] in line
        assert f"{row['composite']:.2f}" in line


def test_project_list_by_rice(demo, capsys):
    by_rice = list_json(demo, capsys, "--by", "rice")
    rice = [r["rice"] for r in by_rice]
    assert rice == sorted(rice, reverse=True)
    by_composite = list_json(demo, capsys)
    assert [r["slug"] for r in by_rice] != [r["slug"] for r in by_composite]
    assert {r["slug"] for r in by_rice} == DEMO_SLUGS


def test_project_list_json_with_an_invalid_onepager_is_strict_json(demo, capsys):
    path = demo / "projects" / "churn-risk" / "onepager.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^  impact: .*$", "  impact: lots", text, count=1), "utf-8")
    assert cli("project", "list", demo, "--json") == 0
    out = capsys.readouterr().out

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    rows = json.loads(out, parse_constant=no_constants)
    bad = next(r for r in rows if r["slug"] == "churn-risk")
    assert bad["rank"] == 10
    assert bad["composite"] is None
    assert "scores.impact" in bad["error"]


def test_project_stage_writes_the_file_and_the_audit_log(demo, capsys):
    assert cli("project", "stage", demo, "invoice-routing", "discovery", "--reason", "kickoff") == 0
    assert "invoice-routing: stage is now discovery" in capsys.readouterr().out
    text = (demo / "projects" / "invoice-routing" / "onepager.md").read_text(encoding="utf-8")
    assert re.search(r"(?m)^stage: discovery$", text)
    stage_entries = [e for e in audit_lines(demo) if e["action"] == "project.stage"]
    assert len(stage_entries) == 1
    entry = stage_entries[0]
    assert entry["target"] == "invoice-routing"
    assert entry["reason"] == "kickoff"
    assert entry["details"] == {"from": "idea", "to": "discovery"}
    row = next(r for r in list_json(demo, capsys) if r["slug"] == "invoice-routing")
    assert row["stage"] == "discovery"


def test_project_stage_rejects_unknown_stage_and_slug(demo, capsys):
    before = snapshot(demo)
    with pytest.raises(SystemExit):
        cli("project", "stage", demo, "fraud-flag", "launched")
    capsys.readouterr()
    assert cli("project", "stage", demo, "ghost", "mvp") == 2
    err = capsys.readouterr().err
    assert "no project 'ghost'" in err and "fraud-flag" in err
    assert snapshot(demo) == before


def test_project_delete_moves_to_trash_and_logs(demo, capsys):
    original = (demo / "projects" / "fraud-flag" / "onepager.md").read_bytes()
    assert cli("project", "delete", demo, "fraud-flag", "--reason", "duplicate") == 0
    assert "Moved fraud-flag to" in capsys.readouterr().out
    assert not (demo / "projects" / "fraud-flag").exists()
    trashed = list((demo / ".shipyard" / "trash").glob("fraud-flag-*"))
    assert len(trashed) == 1
    assert (trashed[0] / "onepager.md").read_bytes() == original
    last = audit_lines(demo)[-1]
    assert (last["action"], last["target"], last["reason"]) == (
        "project.delete",
        "fraud-flag",
        "duplicate",
    )
    assert last["details"]["trash"] == str(trashed[0].relative_to(demo))
    assert {r["slug"] for r in list_json(demo, capsys)} == DEMO_SLUGS - {"fraud-flag"}

    assert cli("project", "delete", demo, "fraud-flag") == 2
    assert "no project 'fraud-flag'" in capsys.readouterr().err


# -- validation ---------------------------------------------------------------------------
def test_validate_demo_is_clean(demo, capsys):
    assert cli("validate", demo) == 0
    captured = capsys.readouterr()
    assert "10 valid, 0 invalid" in captured.out
    assert captured.err == ""


def test_validate_broken_yaml_names_file_line_and_fix(demo, capsys):
    path = demo / "projects" / "lead-scoring" / "onepager.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("outcome:"))
    lines[number - 1] = "outcome: [unclosed, list\n"
    path.write_text("".join(lines), encoding="utf-8")
    before = snapshot(demo)

    assert cli("validate", demo) == 1
    captured = capsys.readouterr()
    assert "9 valid, 1 invalid" in captured.out
    err = captured.err.strip()
    assert err.count("\n") == 0, err  # exactly one problem reported
    match = re.match(rf"{re.escape(str(path))}:(\d+): (.*)", err)
    assert match, err
    assert number <= int(match.group(1)) <= number + 1  # the parser's mark: that line or next
    assert "not valid YAML" in match.group(2)
    assert "fix:" in match.group(2)
    assert snapshot(demo) == before  # validating never rewrites a file


def test_wrong_typed_field_names_file_field_and_fix(demo, capsys):
    path = demo / "projects" / "churn-risk" / "onepager.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("  impact:"))
    lines[number - 1] = "  impact: lots\n"
    path.write_text("".join(lines), encoding="utf-8")

    assert cli("validate", demo) == 1
    err = capsys.readouterr().err
    assert f"{path}:{number}:" in err
    assert "field 'scores.impact'" in err
    assert "'lots'" in err
    assert "fix:" in err and "0 to 5" in err

    # The portfolio still lists it, last and marked invalid.
    assert cli("project", "list", demo) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.split()[0] == "10"
    assert "invalid" in last and "scores.impact" in last


def test_workspace_of_a_newer_format_is_refused(demo, capsys):
    config = demo / "shipyard.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("format_version = 1", "format_version = 99"),
        encoding="utf-8",
    )
    before = snapshot(demo)
    for argv in (
        ("validate", demo),
        ("project", "list", demo),
        ("project", "new", demo, "X"),
        ("audit", "verify", demo),
    ):
        assert cli(*argv) == 2, argv
        err = capsys.readouterr().err
        assert str(config) in err
        assert "99" in err
        assert "upgrade Shipyard" in err
    assert snapshot(demo) == before


def test_invalid_workspace_config_names_field_and_fix(demo, capsys):
    config = demo / "shipyard.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "sprint_length_days = 14", "sprint_length_days = 400"
        ),
        encoding="utf-8",
    )
    assert cli("validate", demo) == 2
    err = capsys.readouterr().err
    assert str(config) in err
    assert "portfolio.sprint_length_days" in err
    assert "1 to 90" in err


# -- audit --------------------------------------------------------------------------------
def test_audit_verify_then_tamper(demo, capsys):
    for title in ("One", "Two", "Three"):
        assert cli("project", "new", demo, title) == 0
    capsys.readouterr()
    assert cli("audit", "verify", demo) == 0
    assert "3 entries, chain intact" in capsys.readouterr().out

    log = demo / "audit.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["user"] = "mallory"
    lines[1] = json.dumps(entry, sort_keys=True) + "\n"
    log.write_text("".join(lines), encoding="utf-8")

    assert cli("audit", "verify", demo) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{log}:2:" in captured.err
    assert "chain broken" in captured.err


def test_audit_verify_reports_a_non_json_line(demo, capsys):
    assert cli("project", "new", demo, "One") == 0
    log = demo / "audit.jsonl"
    with log.open("a", encoding="utf-8") as fh:
        fh.write("garbage\n")
    capsys.readouterr()
    assert cli("audit", "verify", demo) == 1
    assert f"{log}:2:" in capsys.readouterr().err
    # `audit log` gives a clear message, not a traceback.
    assert cli("audit", "log", demo) == 2
    err = capsys.readouterr().err
    assert str(log) in err and "audit verify" in err


def test_audit_log_prints_latest_entries(demo, capsys):
    assert cli("settings", "--name", "Ann Example", "--email", "ann@example.com") == 0
    assert cli("project", "new", demo, "Alpha") == 0
    assert cli("project", "stage", demo, "alpha", "mvp", "--reason", "ready") == 0
    capsys.readouterr()

    assert cli("audit", "log", demo) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(audit_lines(demo)) == 3
    assert "project.create" in lines[0] and "alpha" in lines[0]
    assert "project.stage" in lines[1] and lines[1].endswith("— ready")
    assert all("Ann Example <ann@example.com>" in line for line in lines)

    assert cli("audit", "log", demo, "--last", "1") == 0
    only = capsys.readouterr().out.splitlines()
    assert only == lines[-1:]
    assert cli("audit", "log", demo, "--last", "0") == 0
    assert capsys.readouterr().out == ""


# -- settings -----------------------------------------------------------------------------
def test_settings_persist_in_the_private_config_dir(_private_settings, capsys):
    assert os.environ["SHIPYARD_CONFIG_DIR"] == str(_private_settings)
    assert cli("settings", "--name", "Grace Hopper", "--email", "grace@example.com") == 0
    out = capsys.readouterr().out
    assert "name:  Grace Hopper" in out
    assert "email: grace@example.com" in out
    stored = tomllib.loads((_private_settings / "settings.toml").read_text(encoding="utf-8"))
    assert stored["name"] == "Grace Hopper"
    assert stored["email"] == "grace@example.com"

    assert cli("settings", "--theme", "dark") == 0
    capsys.readouterr()
    assert cli("settings") == 0
    out = capsys.readouterr().out
    assert "name:  Grace Hopper" in out
    assert "theme: dark" in out
    assert str(_private_settings / "settings.toml") in out


# -- the workspace lock -------------------------------------------------------------------
HOLDER = """
import sys
from shipyard.core.workspace.workspace import Workspace
lock = Workspace.open(sys.argv[1]).lock("window of a colleague")
lock.acquire()
print("locked", flush=True)
sys.stdin.read()
lock.release()
"""


def test_project_new_while_another_process_holds_the_lock(demo, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(demo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = snapshot(demo)
        assert cli("project", "new", demo, "Blocked") == 2
        err = capsys.readouterr().err
        assert f"process {holder.pid}" in err
        assert "window of a colleague" in err
        assert "close it there first" in err
        assert snapshot(demo) == before
        assert not (demo / "projects" / "blocked").exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    # Once the holder is gone the same command works.
    assert cli("project", "new", demo, "Blocked") == 0
    assert (demo / "projects" / "blocked" / "onepager.md").is_file()
    assert not (demo / ".shipyard" / "lock.json").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(demo, capsys):
    dead = subprocess.Popen([sys.executable, "-c", HOLDER, str(demo)], stdin=subprocess.PIPE)
    dead.kill()  # killed before it could release (or even take) the lock
    dead.wait(timeout=30)
    import socket

    (demo / ".shipyard").mkdir(exist_ok=True)
    (demo / ".shipyard" / "lock.json").write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "host": socket.gethostname(),
                "user": "ghost",
                "since": "2026-01-01T00:00:00+00:00",
                "purpose": "crashed",
            }
        ),
        encoding="utf-8",
    )
    assert cli("project", "new", demo, "After crash") == 0
    assert (demo / "projects" / "after-crash" / "onepager.md").is_file()


# -- real processes -----------------------------------------------------------------------
def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SHIPYARD_CONFIG_DIR"] = str(tmp_path / "config")
    return env


def _shipyard(tmp_path: Path, *argv: object, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *map(str, argv)],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_module_help_and_version(tmp_path):
    result = _shipyard(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: shipyard")
    for command in ("init", "demo", "project", "audit", "screenshot"):
        assert command in result.stdout

    result = _shipyard(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"shipyard {__version__} (workspace format 1)"
    engines = " ".join(lines[1:])
    for engine in ("Qt (PySide6) 6.", "DuckDB ", "scikit-learn ", "onnxruntime ", "Python 3."):
        assert engine in engines, result.stdout

    result = _shipyard(tmp_path, "project", "new", tmp_path / "nope", "X")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(tmp_path / "nope") in result.stderr


def test_module_demo_no_gui(tmp_path):
    result = _shipyard(tmp_path, "demo", tmp_path / "d", "--no-gui")
    assert result.returncode == 0, result.stderr
    assert "10 projects" in result.stdout
    assert (tmp_path / "d" / "shipyard.toml").is_file()
    result = _shipyard(tmp_path, "validate", tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "10 valid, 0 invalid" in result.stdout


def _check_png(path: Path, min_size: tuple[int, int]) -> None:
    from PySide6.QtGui import QImage

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert not image.isNull(), path
    assert image.width() >= min_size[0] and image.height() >= min_size[1], (
        path,
        image.width(),
        image.height(),
    )
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), max(1, image.width() // 40))
        for y in range(0, image.height(), max(1, image.height() // 40))
    }
    assert len(colours) >= 3, f"{path} is (nearly) a single colour"


SCREENSHOTS = {
    # page: (extra arguments, minimum size)
    "portfolio": ((), (1000, 700)),
    "onepager": (("--project", "ticket-triage"), (1000, 700)),
    "welcome": ((), (1000, 700)),
    # The settings dialog is drawn over the dimmed window, as a user sees it.
    "settings": ((), (1000, 700)),
}


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Render every page in its own process, all at once (each on its own workspace copy,
    since a window takes the workspace lock)."""
    from shipyard.core.workspace.workspace import Workspace

    base = tmp_path_factory.mktemp("screenshots")
    running = {}
    for page, (extra, _) in SCREENSHOTS.items():
        ws = Workspace.create(base / f"ws-{page}", template_name="demo").root
        out = base / "shots" / f"{page}.png"
        argv = [sys.executable, "-m", "shipyard", "screenshot", str(ws), str(out), "--page", page]
        running[page] = (
            ws,
            out,
            subprocess.Popen(
                [*argv, *extra],
                env=_env(base),
                cwd=base,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    results = {}
    for page, (ws, out, proc) in running.items():
        stdout, stderr = proc.communicate(timeout=180)
        results[page] = (ws, out, proc.returncode, stdout, stderr)
    return results


@pytest.mark.parametrize("page", list(SCREENSHOTS))
def test_module_screenshot_renders_a_png_without_a_display(screenshots, page):
    ws, out, code, stdout, stderr = screenshots[page]
    assert code == 0, stderr
    assert f"Wrote {out}" in stdout
    _check_png(out, SCREENSHOTS[page][1])
    # The window released the workspace again.
    assert not (ws / ".shipyard" / "lock.json").exists()


def test_an_interrupted_command_says_so(blank_ws, monkeypatch, capsys):
    from shipyard.core.workspace.workspace import Workspace

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Workspace, "open", interrupted)
    assert run(["validate", str(blank_ws.root)]) == 130
    assert "interrupted" in capsys.readouterr().err
