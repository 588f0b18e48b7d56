"""A real Dask cluster on loopback: `dask scheduler` and `dask worker` processes.

Used by the cluster sweep tests (as a fixture) and the cluster_sweep benchmark. The workers
run without a nanny (one process each), so killing a worker's pid kills that worker, and
they import Shipyard from the same tree as this process. Every process is stopped, and
waited for, on `close()`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import shipyard

APP = Path(shipyard.__file__).resolve().parents[1]
START_TIMEOUT_S = 90.0  # two busy cores: importing distributed alone can take seconds


def _dask() -> list[str]:
    script = Path(sys.executable).with_name("dask")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "dask"]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ, **(extra or {}))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(APP), env.get("PYTHONPATH")) if p)
    # One OpenMP/BLAS thread per worker process: the trials set it too, this covers imports.
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


class LoopbackCluster:
    def __init__(
        self, folder: Path, workers: int = 2, scheduler_env: dict[str, str] | None = None
    ) -> None:
        """`scheduler_env`: Dask settings for the scheduler, e.g.
        {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.scheduler_file = folder / "scheduler.json"
        self.logs: list[Path] = []
        self.scheduler = self._start(
            "scheduler",
            [*_dask(), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(self.scheduler_file)],
            scheduler_env,
        )  # fmt: skip
        self.address = self._wait_for_address()
        self.workers: list[subprocess.Popen[bytes]] = []
        for _ in range(workers):
            self.add_worker()
        self.wait_for_workers(workers)

    def _start(
        self, name: str, cmd: list[str], extra: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=_env(extra))

    def add_worker(self) -> subprocess.Popen[bytes]:
        proc = self._start(
            "worker",
            [*_dask(), "worker", self.address, "--nthreads", "1", "--no-nanny",
             "--memory-limit", "0", "--no-dashboard", "--host", "127.0.0.1"],
        )  # fmt: skip
        self.workers.append(proc)
        return proc

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.scheduler.poll() is not None:
                raise RuntimeError(f"dask scheduler exited:\n{self.log_text()}")
            try:
                return str(json.loads(self.scheduler_file.read_text())["address"])
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                time.sleep(0.1)
        raise RuntimeError(f"dask scheduler did not start:\n{self.log_text()}")

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START_TIMEOUT_S, set_as_default=False) as client:
            try:
                client.wait_for_workers(n, timeout=START_TIMEOUT_S)
            except TimeoutError:
                raise RuntimeError(f"{n} dask workers did not join:\n{self.log_text()}") from None

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self.workers if p.poll() is None]

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        for proc in self.workers:
            if proc.pid == pid:
                proc.wait(30)

    def log_text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in self.logs if p.exists())  # fmt: skip

    def close(self) -> None:
        # Workers are killed outright: a worker still fitting a cancelled trial would finish
        # it before a graceful stop, and they hold nothing worth keeping.
        for proc in self.workers:
            if proc.poll() is None:
                proc.kill()
        if self.scheduler.poll() is None:
            self.scheduler.terminate()
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def __enter__(self) -> LoopbackCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
