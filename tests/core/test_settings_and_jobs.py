"""Per-user settings on disk, and the progress/cancel handle long jobs take."""

from __future__ import annotations

import os
import threading
import tomllib
from pathlib import Path

import pytest

from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.workspace import user_settings
from shipyard.core.workspace.user_settings import (
    MAX_RECENT,
    SETTINGS_SCHEMA,
    Theme,
    UserSettings,
    config_dir,
    load_settings,
    save_settings,
    settings_path,
)


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user-config"
    monkeypatch.setenv("SHIPYARD_CONFIG_DIR", str(folder))
    return folder


# -- user settings -------------------------------------------------------------------------


def test_config_dir_follows_the_environment(cfg: Path) -> None:
    assert config_dir() == cfg
    assert settings_path() == cfg / "settings.toml"


def test_autouse_fixture_isolates_settings(_private_settings: Path) -> None:
    # tests/conftest.py gives every test its own settings folder under pytest's tmp.
    assert os.environ["SHIPYARD_CONFIG_DIR"] == str(_private_settings)
    assert settings_path().is_relative_to(_private_settings)


def test_missing_file_gives_defaults(cfg: Path) -> None:
    settings = load_settings()
    assert settings == UserSettings()
    assert settings.schema_version == SETTINGS_SCHEMA
    assert settings.theme is Theme.SYSTEM
    assert settings.email == ""
    assert settings.recent_workspaces == []
    assert settings.name  # the OS login name, or "unknown"
    assert not cfg.exists()  # loading never writes


def test_save_and_load_round_trip(cfg: Path, tmp_path: Path) -> None:
    settings = UserSettings(name="Ann Lee", email="ann@example.com", theme=Theme.DARK)
    settings.remember(tmp_path / "ws1")
    settings.remember(tmp_path / "wörk space 2")
    save_settings(settings)

    path = cfg / "settings.toml"
    assert path.is_file()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["theme"] == "dark"
    assert data["schema_version"] == SETTINGS_SCHEMA
    assert os.listdir(cfg) == ["settings.toml"]  # atomic write left no temp file

    loaded = load_settings()
    assert loaded == settings
    assert loaded.identity == "Ann Lee <ann@example.com>"
    assert loaded.recent_workspaces == [
        str((tmp_path / "wörk space 2").resolve()),
        str((tmp_path / "ws1").resolve()),
    ]


def test_save_overwrites(cfg: Path) -> None:
    save_settings(UserSettings(name="First"))
    save_settings(UserSettings(name="Second", theme=Theme.LIGHT))
    loaded = load_settings()
    assert loaded.name == "Second"
    assert loaded.theme is Theme.LIGHT


@pytest.mark.parametrize(
    "content",
    [
        b"this is = = not toml [",
        b'theme = "purple"\n',
        b"recent_workspaces = 5\n",
        b'name = "caf\xe9"\n',
    ],
    ids=["toml-syntax", "bad-theme", "bad-type", "not-utf8"],
)
def test_damaged_file_gives_defaults(cfg: Path, content: bytes) -> None:
    cfg.mkdir(parents=True)
    (cfg / "settings.toml").write_bytes(content)
    assert load_settings() == UserSettings()


def test_migrates_version_0_recent_list(cfg: Path) -> None:
    cfg.mkdir(parents=True)
    (cfg / "settings.toml").write_text(
        'name = "Old Timer"\nrecent = ["/a", "/b"]\n', encoding="utf-8"
    )
    settings = load_settings()
    assert settings.name == "Old Timer"
    assert settings.recent_workspaces == ["/a", "/b"]
    assert settings.schema_version == SETTINGS_SCHEMA
    # Saving writes the new layout.
    save_settings(settings)
    data = tomllib.loads((cfg / "settings.toml").read_text(encoding="utf-8"))
    assert "recent" not in data
    assert data["recent_workspaces"] == ["/a", "/b"]


def test_current_files_keep_their_recent_list(cfg: Path) -> None:
    cfg.mkdir(parents=True)
    (cfg / "settings.toml").write_text(
        f'schema_version = {SETTINGS_SCHEMA}\nrecent_workspaces = ["/x"]\n', encoding="utf-8"
    )
    assert load_settings().recent_workspaces == ["/x"]


def test_remember_keeps_eight_unique_most_recent_first(tmp_path: Path) -> None:
    settings = UserSettings(name="Ann")
    folders = [tmp_path / f"ws{i}" for i in range(12)]
    for folder in folders:
        settings.remember(folder)
    expected = [str(f.resolve()) for f in reversed(folders)][:MAX_RECENT]
    assert MAX_RECENT == 8
    assert settings.recent_workspaces == expected

    # Re-opening an older one moves it to the front without duplicating it.
    settings.remember(folders[6])
    assert settings.recent_workspaces[0] == str(folders[6].resolve())
    assert len(settings.recent_workspaces) == MAX_RECENT
    assert len(set(settings.recent_workspaces)) == MAX_RECENT
    assert settings.recent_workspaces[1:] == [p for p in expected if p != str(folders[6].resolve())]


def test_remember_normalises_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = UserSettings(name="Ann")
    (tmp_path / "ws").mkdir()
    settings.remember(tmp_path / "ws")
    settings.remember(tmp_path / "sub" / ".." / "ws")
    monkeypatch.chdir(tmp_path)
    settings.remember(Path("ws"))
    assert settings.recent_workspaces == [str((tmp_path / "ws").resolve())]


def test_identity_without_email() -> None:
    assert UserSettings(name="Ann").identity == "Ann"


def test_os_user_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_login() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(user_settings.getpass, "getuser", no_login)
    assert UserSettings().name == "unknown"


# -- jobs ----------------------------------------------------------------------------------


def test_progress_is_reported_and_clamped() -> None:
    seen: list[tuple[float, str]] = []
    job = JobControl(lambda fraction, message: seen.append((fraction, message)))
    job.progress(-0.5, "before start")
    job.progress(0.0)
    job.progress(0.25, "loading")
    job.progress(1.0, "done")
    job.progress(7, "overshoot")
    assert seen == [
        (0.0, "before start"),
        (0.0, ""),
        (0.25, "loading"),
        (1.0, "done"),
        (1.0, "overshoot"),
    ]


def test_progress_without_a_callback() -> None:
    job = JobControl()
    job.progress(0.5, "fine")
    assert not job.cancelled


def test_cancel_raises_at_the_next_progress_and_check() -> None:
    seen: list[float] = []
    job = JobControl(lambda fraction, message: seen.append(fraction))
    job.progress(0.1)
    job.check()  # not cancelled yet
    job.cancel()
    assert job.cancelled
    with pytest.raises(Cancelled, match="cancelled by the user"):
        job.progress(0.2)
    with pytest.raises(Cancelled):
        job.check()
    assert seen == [0.1]  # no progress reported after the cancel


def test_cancel_from_another_thread_stops_a_running_job() -> None:
    started = threading.Event()
    job = JobControl()

    def long_job(job: JobControl) -> int:
        steps = 0
        started.set()
        while True:
            job.progress(min(steps / 1000, 1.0))
            steps += 1
            threading.Event().wait(0.001)

    result: dict[str, object] = {}

    def runner() -> None:
        try:
            long_job(job)
        except Cancelled as exc:
            result["cancelled"] = exc

    worker = threading.Thread(target=runner)
    worker.start()
    assert started.wait(5)
    job.cancel()
    worker.join(5)
    assert not worker.is_alive()
    assert isinstance(result["cancelled"], Cancelled)


def test_cancelled_is_an_exception_a_job_can_clean_up_after() -> None:
    job = JobControl()
    job.cancel()
    cleaned = []
    with pytest.raises(Cancelled):
        try:
            job.progress(0.5)
        finally:
            cleaned.append(True)
    assert cleaned == [True]
    assert issubclass(Cancelled, Exception)


def test_opening_a_workspace_records_when(tmp_path: Path, cfg: Path) -> None:
    from datetime import UTC, datetime

    settings = UserSettings(name="Ann")
    first = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert settings.remember(tmp_path / "ws", when=first)
    path = str((tmp_path / "ws").resolve())
    assert settings.used_at(path) == first
    # The same workspace again: the order is the same, the date is not.
    later = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert settings.remember(tmp_path / "ws", when=later)
    assert settings.used_at(path) == later
    save_settings(settings)
    data = tomllib.loads((cfg / "settings.toml").read_text(encoding="utf-8"))
    assert data["last_used"] == {path: "2026-03-02T08:00:00Z"}
    assert load_settings().used_at(path) == later
    # A workspace pushed off the list takes its date with it.
    for i in range(MAX_RECENT):
        settings.remember(tmp_path / f"other{i}", when=later)
    assert path not in settings.recent_workspaces and path not in settings.last_used


def test_old_files_with_paths_only_are_dated_by_their_state_folder(
    cfg: Path, tmp_path: Path
) -> None:
    """Schema 1 kept paths only: each existing workspace gets the time its .shipyard folder
    (where its lock lives) last changed, a missing one no date; saving writes schema 2."""
    import os
    from datetime import UTC, datetime

    ws = tmp_path / "ws"
    (ws / ".shipyard").mkdir(parents=True)
    stamp = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC).timestamp()
    os.utime(ws / ".shipyard", (stamp, stamp))
    gone = str(tmp_path / "gone")
    cfg.mkdir(parents=True)
    (cfg / "settings.toml").write_text(
        f'schema_version = 1\nrecent_workspaces = ["{ws}", "{gone}"]\n', encoding="utf-8"
    )
    settings = load_settings()
    assert settings.recent_workspaces == [str(ws), gone]
    assert settings.used_at(str(ws)) == datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    assert settings.used_at(gone) is None
    save_settings(settings)
    data = tomllib.loads((cfg / "settings.toml").read_text(encoding="utf-8"))
    assert data["schema_version"] == SETTINGS_SCHEMA == 2
    assert data["last_used"] == {str(ws): "2026-05-04T03:02:01Z"}
    # Once migrated, the folder's later changes no longer move the date.
    os.utime(ws / ".shipyard", None)
    assert load_settings().used_at(str(ws)) == datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_a_damaged_date_is_dropped_not_fatal(cfg: Path) -> None:
    cfg.mkdir(parents=True)
    (cfg / "settings.toml").write_text(
        'schema_version = 2\nrecent_workspaces = ["/x", "/y"]\n'
        '[last_used]\n"/x" = "yesterday"\n"/y" = "2026-01-02T03:04:05Z"\n"/z" = '
        '"2026-01-02T03:04:05Z"\n',
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.recent_workspaces == ["/x", "/y"]
    assert settings.last_used == {"/y": "2026-01-02T03:04:05Z"}
