"""Ctrl+C during a long command, for real: `python -m shipyard ...` in its own process gets
SIGINT while its job runs. The job stops at its next check, the command says in one line what
was cancelled and exits 130, and the workspace keeps nothing half-written: no staging folder,
no new run, no remembered task, the lock released."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shipyard.cli.commands import run

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT and pseudo-terminals are POSIX"
)

ROWS = 100_000  # a boosted-trees fit of several seconds: time to interrupt it


@pytest.fixture(scope="module")
def big_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet table of ROWS customers: ten numbers and a yes/no target tied to them."""
    import duckdb

    path = tmp_path_factory.mktemp("tables") / "customers.parquet"
    numbers = ", ".join(f"(hash(i * {k + 7}) % 100000) / 1000.0 AS x{k}" for k in range(10))
    churned = (
        "CASE WHEN (hash(i * 7) % 100000) / 1000.0 + (hash(i) % 100000) / 1000.0 "
        "> 100 + (hash(i * 31) % 20000) / 1000.0 THEN 'yes' ELSE 'no' END AS churned"
    )
    duckdb.sql(
        f"COPY (SELECT {numbers}, {churned} FROM range({ROWS}) t(i)) "
        f"TO '{path.as_posix()}' (FORMAT parquet)"
    )
    return path


@pytest.fixture
def ws(tmp_path: Path, big_table: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A workspace whose project 'big' is linked to the big table's first version."""
    root = tmp_path / "ws"
    assert run(["init", str(root)]) == 0
    assert run(["project", "new", str(root), "Big churn", "--slug", "big"]) == 0
    assert run(["data", "import", str(root), str(big_table), "--name", "customers",
                "--project", "big"]) == 0  # fmt: skip
    capsys.readouterr()
    return root


def interrupt(argv: list[str], marker: str, tmp_path: Path) -> tuple[int, str, str]:
    """Run `python -m shipyard ARGV` with stderr on a pseudo-terminal (so it shows its
    progress, as for a person at a terminal), send SIGINT once the progress shows `marker`,
    and return (exit code, stdout, stderr)."""
    import pty
    import select

    env = dict(os.environ, SHIPYARD_CONFIG_DIR=str(tmp_path / "config"))
    master, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shipyard", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        cwd=tmp_path,
        # Python turns SIGINT into KeyboardInterrupt unless the parent ignores it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(terminal)
    err, sent = b"", False
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.2)[0]:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the process closed the terminal: it ended
                break
            if not chunk:
                break
            err += chunk
            if not sent and marker in err.decode("utf-8", "replace"):
                proc.send_signal(signal.SIGINT)
                sent = True
        else:
            pytest.fail(f"shipyard {' '.join(argv)} did not end: {err.decode()[-500:]}")
        out = proc.stdout.read().decode() if proc.stdout else ""
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        os.close(master)
    text = err.decode("utf-8", "replace")
    assert sent, f"the progress never showed {marker!r}: {text[-500:]}"
    return code, out, text


def nothing_half_written(ws: Path) -> None:
    runs = ws / "projects" / "big" / "runs"
    left = sorted(p.name for p in runs.iterdir()) if runs.exists() else []
    assert left == [], f"the cancelled job left {left} in {runs}"
    assert not (ws / "projects" / "big" / "task.yaml").exists()  # the task is not remembered
    assert not (ws / ".shipyard" / "lock.json").exists()  # the lock was released


def test_ctrl_c_cancels_training_and_leaves_no_run(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = interrupt(
        ["train", str(ws), "big", "--target", "churned", "--family", "trees"],
        "trees: fitting:",  # the boosted trees grow in chunks; a cancel lands between two
        tmp_path,
    )
    assert code == 130, err
    assert "cancelling ..." in err
    assert "cancelled: training 'big'; no run was recorded" in err
    assert "Traceback" not in err and "interrupted" not in err
    assert "runs on" not in out  # no result table
    nothing_half_written(ws)
    # The workspace is usable at once: the lock was released and no run is listed.
    assert run(["runs", "list", str(ws), "big"]) == 0
    assert "no runs yet for 'big'" in capsys.readouterr().out


def test_ctrl_c_cancels_a_sweep_and_leaves_no_trial(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = ["sweep", str(ws), "big", "--target", "churned", "--family", "trees"]
    code, out, err = interrupt(
        [*sweep, "--mode", "grid", "--trials", "2", "--jobs", "2"], "fitting 2 trials", tmp_path
    )
    assert code == 130, err
    assert "cancelled: the trees sweep of 'big'; no trial was recorded" in err
    assert "Traceback" not in err
    assert "sweep " not in out
    nothing_half_written(ws)
    assert run(["runs", "list", str(ws), "big"]) == 0
    assert "no runs yet for 'big'" in capsys.readouterr().out
