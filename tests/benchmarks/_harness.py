"""Shared pieces for benchmarks: the result shape and interleaved whole-process timing.

A benchmark module exposes `NAME`, `LIMIT` and `measure(rounds) -> Result`; `run_all.py`
finds it by those names. Modules starting with `_` are helpers, never benchmarks.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NotRequired, TypedDict

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


class Result(TypedDict):
    name: str
    reference: str  # what the subject is compared against
    subject: str
    reference_median_s: float
    subject_median_s: float
    ratio: float  # subject / reference; lower is better
    limit: float
    rounds: int
    reference_samples_s: list[float]
    subject_samples_s: list[float]
    skipped: NotRequired[str]  # why the benchmark could not measure here


def process_env(tmp: Path) -> dict[str, str]:
    """The environment for timed processes: offscreen Qt and a private bytecode cache.

    Installed apps run from compiled bytecode, but this environment may forbid writing it
    (PYTHONDONTWRITEBYTECODE); without a cache every run re-compiles every imported module,
    which swamps what we measure. The cache goes to `tmp`, never into the repo or the venv,
    and the warm-up runs fill it.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(tmp / "pycache"))
    return env


def time_process(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Wall time of one whole process; raises if it does not exit with 0."""
    start = time.perf_counter()
    done = subprocess.run(list(cmd), cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {done.returncode}\n--- stderr ---\n{done.stderr}"
        )
    return elapsed


def interleaved(
    reference: Sequence[str], subject: Sequence[str], env: dict[str, str], rounds: int
) -> tuple[list[float], list[float]]:
    """Time both commands alternately, one untimed warm-up each, swapping who goes first.

    Alternating cancels slow drift (thermal, caches, other load) between the two series.
    """
    time_process(reference, env)
    time_process(subject, env)
    ref: list[float] = []
    sub: list[float] = []
    for i in range(rounds):
        if i % 2:
            sub.append(time_process(subject, env))
            ref.append(time_process(reference, env))
        else:
            ref.append(time_process(reference, env))
            sub.append(time_process(subject, env))
    return ref, sub


def result(
    name: str,
    limit: float,
    reference: str,
    subject: str,
    ref: list[float],
    sub: list[float],
) -> Result:
    ref_median, sub_median = statistics.median(ref), statistics.median(sub)
    return Result(
        name=name,
        reference=reference,
        subject=subject,
        reference_median_s=round(ref_median, 4),
        subject_median_s=round(sub_median, 4),
        ratio=round(sub_median / ref_median, 3),
        limit=limit,
        rounds=len(ref),
        reference_samples_s=[round(t, 4) for t in ref],
        subject_samples_s=[round(t, 4) for t in sub],
    )


def skipped(name: str, limit: float, why: str) -> Result:
    """A benchmark that cannot measure here: reported as skipped with the reason."""
    return Result(
        name=name, reference="", subject="", reference_median_s=0.0, subject_median_s=0.0,
        ratio=0.0, limit=limit, rounds=0, reference_samples_s=[], subject_samples_s=[],
        skipped=why,
    )  # fmt: skip
