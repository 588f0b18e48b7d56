"""Train a project's task, then remember it: what `shipyard train` and the Models tab's Train
button both do.

The ladder runs first; the task (dataset version, target, features) is written to
`projects/<slug>/task.yaml` only once it finished, so a training that fails or is cancelled
leaves the remembered task as it was, and the next `shipyard train WORKSPACE PROJECT` or the
Models tab proposes the task that last trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import RunRecord
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    from shipyard.core.data import DatasetVersion


def train_and_remember(
    ws: Workspace,
    slug: str,
    version: DatasetVersion | str,
    target: str,
    *,
    user: str,
    job: JobControl | None = None,
    families: list[str] | None = None,
    seed: int = 42,
    features: list[str] | None = None,
    folds: int | None = None,
    include_pii: bool = False,
    cluster: str | None = None,
    shared_dir: Path | None = None,
) -> list[RunRecord]:
    """Train the ladder on `version` (a DatasetVersion or a reference such as "churn@v2")
    for `target`, record every run, then write the task to task.yaml.

    `features=None` trains on the detected features and remembers no feature list (Shipyard
    proposes them again next time). Returns the runs, in ladder order. `cluster`: a Dask
    scheduler's address to fit the rungs on, `shared_dir` (see train_ladder).
    """
    from shipyard.core.data import resolve
    from shipyard.core.training.leaderboard import rank_for_next_open
    from shipyard.core.training.task_file import write_task
    from shipyard.core.training.train import train_ladder

    if isinstance(version, str):
        version = resolve(ws, version)
    runs = train_ladder(
        ws,
        slug,
        version,
        target,
        user=user,
        job=job,
        families=families,
        seed=seed,
        features=features,
        folds=folds,
        include_pii=include_pii,
        cluster=cluster,
        shared_dir=shared_dir,
    )
    write_task(ws, slug, version.ref, target, features)
    rank_for_next_open(ws, slug)
    return runs
