"""Atomic writes: a crash leaves the old file or the new one, never a mix."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shipyard.core.portfolio.onepager_file import load_onepager
from shipyard.core.workspace import atomic
from shipyard.core.workspace.atomic import (
    atomic_write_bytes,
    atomic_write_text,
    atomic_writer,
    staged_folder,
)


def test_write_creates_the_file_and_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "note.txt"
    atomic_write_text(path, "héllo ≥ wörld\n")
    assert path.read_bytes() == "héllo ≥ wörld\n".encode()
    assert os.listdir(path.parent) == ["note.txt"]


def test_write_replaces_content_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("old content that is much longer than the new one\n", encoding="utf-8")
    atomic_write_text(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    atomic_write_bytes(path, b"\x00\x01binary")
    assert path.read_bytes() == b"\x00\x01binary"
    assert os.listdir(tmp_path) == ["note.txt"]


def test_write_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("x")
    atomic_write_text(path, "")
    assert path.read_bytes() == b""


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_write_through_a_symlinked_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    atomic_write_text(tmp_path / "link" / "f.txt", "via link")
    assert (real / "f.txt").read_text() == "via link"


def test_failed_write_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "note.txt"
    path.write_text("old\n", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new\n")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["note.txt"]


def test_interrupted_write_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "note.txt"

    def interrupted_fsync(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, "new\n")
    assert os.listdir(tmp_path) == []


def test_atomic_writer_replaces_the_file_only_when_the_block_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "out" / "data.bin"
    with atomic_writer(path) as fh:
        fh.write(b"first ")
        fh.write(b"part")
        assert not path.exists()  # nothing at the destination until the block ends
    assert path.read_bytes() == b"first part"
    with pytest.raises(RuntimeError, match="stop"), atomic_writer(path) as fh:
        fh.write(b"half of the new content")
        raise RuntimeError("stop")
    assert path.read_bytes() == b"first part"
    assert os.listdir(path.parent) == ["data.bin"]


# -- staged folders ------------------------------------------------------------------------


def test_a_staged_folder_is_renamed_into_place_when_the_block_ends(tmp_path: Path) -> None:
    final = tmp_path / "out" / "pkg"
    with staged_folder(final) as staged:
        assert staged.path.parent == final.parent and staged.path.name.startswith(".tmp-pkg-")
        atomic_write_text(staged.path / "a.txt", "a")
        assert not final.exists()
    assert staged.committed
    assert (final / "a.txt").read_text() == "a"
    assert os.listdir(final.parent) == ["pkg"]


def test_a_staged_folder_takes_the_name_it_is_given(tmp_path: Path) -> None:
    with staged_folder(tmp_path / "run-1", name=".tmp-run-1") as staged:
        assert staged.path == tmp_path / ".tmp-run-1"
    assert (tmp_path / "run-1").is_dir() and os.listdir(tmp_path) == ["run-1"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_error_in_the_block_removes_the_staged_folder_and_keeps_the_old(
    tmp_path: Path, error: type[BaseException]
) -> None:
    final = tmp_path / "pkg"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(error), staged_folder(final) as staged:
        atomic_write_text(staged.path / "new.txt", "new")
        raise error
    assert os.listdir(tmp_path) == ["pkg"]
    assert os.listdir(final) == ["old.txt"]


def test_commit_swaps_out_the_old_folder_and_keeps_the_cleanup_scope(tmp_path: Path) -> None:
    final = tmp_path / "pkg"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), staged_folder(final) as staged:
        atomic_write_text(staged.path / "new.txt", "new")
        staged.commit()
        assert staged.committed and not staged.path.exists()
        raise RuntimeError("after the commit: the new folder stays")
    assert os.listdir(final) == ["new.txt"]
    assert os.listdir(tmp_path) == ["pkg"]  # the old folder, moved aside, is gone


def test_a_failed_rename_removes_the_staged_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = tmp_path / "pkg"

    def broken_rename(src: object, dst: object) -> None:
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"), staged_folder(final) as staged:
        atomic_write_text(staged.path / "a.txt", "a")
        monkeypatch.setattr(atomic.os, "rename", broken_rename)
    assert os.listdir(tmp_path) == []


def test_a_leftover_folder_of_the_same_name_is_not_deleted(tmp_path: Path) -> None:
    (tmp_path / ".tmp-run-1").mkdir()
    (tmp_path / ".tmp-run-1" / "keep.txt").write_text("k")
    with pytest.raises(FileExistsError), staged_folder(tmp_path / "run-1", name=".tmp-run-1"):
        pass
    assert (tmp_path / ".tmp-run-1" / "keep.txt").read_text() == "k"


# -- crash test ----------------------------------------------------------------------------

CHILD = r"""
import sys
from pathlib import Path
from shipyard.core.portfolio.onepager_file import new_onepager_doc
from shipyard.core.portfolio.onepager_model import OnePager

path, out = Path(sys.argv[1]), Path(sys.argv[2])

def make(v):
    narrative = f"\n## Narrative, version {v}\n\n" + "".join(
        f"Line {i:05d} of version {v}: " + ("abcdefghij" * 4) + "\n" for i in range(3600)
    )
    onepager = OnePager(
        title=f"Crash test version {v}",
        outcome="x" * (100 * v),
        scores={"impact": v, "reach": 1000 * v},
    )
    return new_onepager_doc(path, onepager, narrative)

docs = [make(1), make(2)]
for i, doc in enumerate(docs):
    (out / f"version{i + 1}.md").write_text(doc.to_text(), encoding="utf-8")
docs[0].save()
(out / "ready").write_text("ready")
n = 0
while True:
    docs[n % 2].save()
    n += 1
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL crash test needs POSIX")
def test_sigkill_during_saves_leaves_one_whole_version(tmp_path: Path) -> None:
    project = tmp_path / "projects" / "crash"
    project.mkdir(parents=True)
    target = project / "onepager.md"
    out = tmp_path / "expected"
    out.mkdir()
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)

    for round_no in range(5):
        ready = out / "ready"
        ready.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(target), str(out)],
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while not ready.exists():
                if proc.poll() is not None:
                    pytest.fail(f"child exited early: {proc.stderr.read().decode()}")
                assert time.monotonic() < deadline, "child never became ready"
                time.sleep(0.005)
            time.sleep(rng.uniform(0.01, 0.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL

        versions = {
            (out / "version1.md").read_text(encoding="utf-8"): 1,
            (out / "version2.md").read_text(encoding="utf-8"): 2,
        }
        assert all(len(text) > 200_000 for text in versions)
        content = target.read_text(encoding="utf-8")
        assert content in versions, f"round {round_no} (seed {seed}): torn file"
        version = versions[content]
        doc = load_onepager(target)
        assert doc.onepager.title == f"Crash test version {version}"
        assert doc.onepager.scores.impact == version
        assert doc.body.startswith(f"\n## Narrative, version {version}\n")
        # Only the one-pager and, at worst, hidden temp files of an interrupted save remain.
        others = [p.name for p in project.iterdir() if p.name != "onepager.md"]
        assert all(n.startswith(".onepager.md.") and n.endswith(".tmp") for n in others), others


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_modes_follow_the_umask_the_replaced_file_or_the_caller(tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    atomic_write_text(new, "x")
    # What a plain open() gives: a shared workspace stays readable by the team.
    assert new.stat().st_mode & 0o777 == 0o666 & ~atomic.process_umask()
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640
    secret = tmp_path / "secret.pem"
    atomic_write_bytes(secret, b"k", mode=0o600)
    assert secret.stat().st_mode & 0o777 == 0o600
