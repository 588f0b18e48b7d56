"""The Models tab's background jobs: plain functions `fn(job, ...)` run by BackgroundTask.

Everything here runs on the job thread and returns plain data; widgets are never touched.
Heavy libraries load inside the training core, never at import time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipyard.core.data import DatasetVersion
    from shipyard.core.jobs import JobControl
    from shipyard.core.training import RunRecord, TaskSpec
    from shipyard.core.workspace.workspace import Workspace


@dataclass
class Detected:
    """What detect_task found for a (version, target), plus the metric the project ranks by."""

    spec: TaskSpec
    pii: list[str]  # columns left out because the PII scan flagged them
    metric: str
    direction: str
    metric_note: str


class RunRecords(Mapping[str, "RunRecord"]):
    """The board's runs by id, each read from its run folder the first time it is asked
    for (a selection, a comparison, a promotion): a busy project has thousands of runs and
    the board needs none of their records. A run that is gone or damaged since the board
    was read is simply not there (`get` gives None; the next refresh shows why)."""

    KEEP = 64  # records kept once read

    def __init__(self, ws: Workspace | None, slug: str, run_ids: Iterable[str] = ()) -> None:
        self.ws, self.slug = ws, slug
        self.ids = set(run_ids)
        self.read: dict[str, RunRecord] = {}

    def __getitem__(self, run_id: str) -> RunRecord:
        found = self.read.get(run_id)
        if found is not None:
            return found
        if run_id not in self.ids or self.ws is None:
            raise KeyError(run_id)
        from shipyard.core.errors import ShipyardError
        from shipyard.core.training.runs import load_run

        try:
            record = load_run(self.ws, self.slug, run_id)
        except ShipyardError:
            raise KeyError(run_id) from None
        if len(self.read) >= self.KEEP:
            self.read.pop(next(iter(self.read)))
        self.read[run_id] = record
        return record

    def adopt(self, other: Mapping[str, RunRecord]) -> None:
        """Keep the records `other` (the board's first page) has read of runs on this board."""
        for run_id, record in getattr(other, "read", {}).items():
            if run_id in self.ids:
                self.read.setdefault(run_id, record)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class BoardData:
    """What the leaderboard shows, read in one go; run records are read when selected."""

    board: Any  # shipyard.core.training.leaderboard.Leaderboard
    records: Mapping[str, RunRecord] = field(default_factory=dict)
    champion: str | None = None
    history: list[Any] = field(default_factory=list)  # champion.Promotion, oldest first

    def export_problem(self, run_id: str) -> str:
        """Why the run did not export ("" if it did or is gone): read from its record."""
        record = self.records.get(run_id)
        return record.export_problem if record is not None else ""


def detect(
    job: JobControl, ws: Workspace, slug: str, version: DatasetVersion, target: str
) -> Detected:
    from shipyard.core.training import detect_task, primary_metric

    job.progress(0.1, f"detecting the task for '{target}'")
    spec = detect_task(version, target)
    pii = [c for c, why in spec.excluded.items() if "personal data" in why]
    job.progress(0.9, "choosing the primary metric")
    metric, direction, note = primary_metric(ws, slug, spec.kind)
    return Detected(spec, pii, metric, direction, note)


def load_board(job: JobControl, ws: Workspace, slug: str) -> BoardData:
    """The ranked board from the run index; no run record is read here."""
    from shipyard.core.training import leaderboard
    from shipyard.core.training.champion import champion_history, current_champion

    job.progress(0.1, "ranking the runs")
    board = leaderboard(ws, slug)
    records = RunRecords(ws, slug, (r.run_id for r in board.rows))
    return BoardData(board, records, current_champion(ws, slug), champion_history(ws, slug))


def load_board_page(job: JobControl, ws: Workspace, slug: str) -> BoardData:
    """The board's first page as last ranked (`board.total` set), when the run folders are
    as they were then or only a few runs were recorded or edited since
    (`board_page.first_page`); else the whole board, read in this job as `load_board` does."""
    from shipyard.core.training import leaderboard
    from shipyard.core.training.board_page import first_page
    from shipyard.core.training.champion import champion_history, current_champion
    from shipyard.core.training.run_index import scan_keys

    job.progress(0.1, "ranking the runs")
    listed = scan_keys(ws, slug)  # once, for the page's check and the board if need be
    board = first_page(ws, slug, listed) or leaderboard(ws, slug, listed=listed)
    records = RunRecords(ws, slug, (r.run_id for r in board.rows))
    return BoardData(board, records, current_champion(ws, slug), champion_history(ws, slug))


def hold(job: JobControl, until: threading.Event, timeout: float) -> None:
    """Keep the job thread until `until` is set (the board has painted), for `timeout`
    seconds at most or until cancelled, without holding the interpreter: the job queued
    next (the task setup's detection, whose DuckDB connect holds the interpreter for
    60-120 ms) then does not slow the window's first paint of the board."""
    deadline = time.monotonic() + timeout
    while not until.wait(0.02):
        if job.cancelled or time.monotonic() > deadline:
            return


def train(job: JobControl, ws: Workspace, *args: Any, **kwargs: Any) -> list[RunRecord]:
    """Train the ladder in a child process (see job_process); the window keeps its GIL."""
    from shipyard.ui.jobs.process import run_in_process

    return run_in_process(job, train_here, ws.root, *args, **kwargs)


def sweep(job: JobControl, ws: Workspace, *args: Any, **kwargs: Any) -> list[RunRecord]:
    """A hyper-parameter sweep in a child process, like `train` (`cluster=` the Dask
    scheduler's address, None for this machine)."""
    from shipyard.ui.jobs.process import run_in_process

    return run_in_process(job, sweep_here, ws.root, *args, **kwargs)


def train_here(
    job: JobControl,
    ws: Workspace,
    slug: str,
    ref: str,
    target: str,
    *,
    user: str,
    families: list[str] | None,
    features: list[str] | None,
    folds: int | None,
    include_pii: bool,
    cluster: str | None = None,
) -> list[RunRecord]:
    """Train the ladder (on the Dask scheduler at `cluster`, if given), then remember the
    task (dataset, target, features) in task.yaml."""
    from shipyard.core.training.task_training import train_and_remember

    return train_and_remember(
        ws,
        slug,
        ref,
        target,
        user=user,
        job=job,
        families=families,
        features=features,
        folds=folds,
        include_pii=include_pii,
        cluster=cluster,
    )


def sweep_here(
    job: JobControl,
    ws: Workspace,
    slug: str,
    ref: str,
    target: str,
    *,
    user: str,
    family: str,
    mode: str,
    trials: int,
    features: list[str] | None = None,
    include_pii: bool = False,
    cluster: str | None = None,
) -> list[RunRecord]:
    from shipyard.core.data import resolve
    from shipyard.core.training.sweep import run_sweep

    version = resolve(ws, ref)
    return run_sweep(ws, slug, version, target, family=family, mode=mode, trials=trials,
                     user=user, job=job, features=features, include_pii=include_pii,
                     cluster=cluster)  # fmt: skip


def importance(job: JobControl, ws: Workspace, slug: str, run_id: str) -> dict[str, Any]:
    from shipyard.core.training.importance import permutation_importance

    return permutation_importance(ws, slug, run_id, job=job)


def importance_cached(record: RunRecord) -> bool:
    """True when the core kept this run's importance, so showing it is a quick read."""
    folder = record.folder
    return folder is not None and any(folder.glob("importance*.json"))
