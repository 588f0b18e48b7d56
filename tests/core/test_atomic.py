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
from shipyard.core.workspace.atomic import atomic_write_bytes, atomic_write_text


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
