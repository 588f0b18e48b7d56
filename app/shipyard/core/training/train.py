"""Train the baseline ladder: dummy -> linear -> trees (-> text), each run recorded.

Recording a fitted pipeline (export, parity, metrics, run.json) lives in recording.py;
the run record itself in runs.py. This module sits above both, so neither imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import RunRecord
from shipyard.core.training.task import TrainingRefused
from shipyard.core.workspace.workspace import Workspace


def _span_progress(
    job: JobControl, span: tuple[float, float], family: str, lo: float, hi: float
) -> Any:
    """A progress callback for the part [lo, hi] of one run's share of the job."""

    def report(share: float, msg: str) -> None:
        a = span[0] + (span[1] - span[0]) * lo
        b = span[0] + (span[1] - span[0]) * hi
        job.progress(a + (b - a) * share, f"{family}: {msg}")

    return report


def train_ladder(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    *,
    user: str,
    job: JobControl | None = None,
    families: list[str] | None = None,
    seed: int = 42,
    features: list[str] | None = None,
    folds: int | None = None,
    holdout: float = 0.2,
    include_pii: bool = False,
    cluster: str | None = None,
    shared_dir: Path | None = None,
) -> list[RunRecord]:
    """Train dummy -> linear -> trees (-> text) on `version`'s stored split; record each run.

    The split is sealed (train / validation / test, `holdout` being the test share): each
    run is scored on the validation rows, or out-of-fold on small data (core/data/split.py).

    `version` is a DatasetVersion or a reference ("name" or "name@v2"). Progress goes to
    `job`; a cancel is honoured between runs and between the steps of a run (data, fit,
    export, parity, write) and leaves no run folder. Runs finished before the cancel stay.

    `cluster`: a Dask scheduler's address (see cluster.py); each rung is then fitted on a
    worker, all at once, and recorded here as it comes back, so the records are the same
    as on this machine. Returned in ladder order, with the rungs lost on the cluster in
    `.lost` (a SweepRecords). An unreachable scheduler or other library versions raise
    ClusterError before anything is written. `shared_dir`: as for run_sweep.
    """
    job = job or JobControl()
    client = None
    if cluster:
        from shipyard.core.training.cluster import open_checked

        client = open_checked(cluster, job)
    try:
        return _ladder(
            ws, slug, version, target, user=user, job=job, families=families, seed=seed,
            features=features, folds=folds, holdout=holdout, include_pii=include_pii,
            client=client, shared_dir=shared_dir,
        )  # fmt: skip
    finally:
        if client is not None:
            from shipyard.core.training.cluster import close_quietly

            close_quietly(client)


def _ladder(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    *,
    user: str,
    job: JobControl,
    families: list[str] | None,
    seed: int,
    features: list[str] | None,
    folds: int | None,
    holdout: float,
    include_pii: bool,
    client: Any,
    shared_dir: Path | None,
) -> list[RunRecord]:
    from shipyard.core.training.fitting import fit_pipeline
    from shipyard.core.training.ladder import FAMILIES, build_pipeline, default_families
    from shipyard.core.training.recording import prepare_context, record_run

    ctx = prepare_context(
        ws, slug, version, target, user=user, job=job, seed=seed, features=features,
        folds=folds, holdout=holdout, include_pii=include_pii,
    )  # fmt: skip
    spec = ctx.spec
    fams = list(families) if families is not None else default_families(spec)
    for fam in fams:
        if fam not in FAMILIES:
            raise TrainingRefused(
                f"unknown model family '{fam}'", fix="use one of: " + ", ".join(FAMILIES)
            )
        if fam == "text" and not spec.text:
            raise TrainingRefused(
                "the text rung needs a free-text feature", fix="choose a text column as feature"
            )
    if client is not None:
        return _ladder_on_cluster(client, ctx, fams, job, seed, shared_dir)
    records: list[RunRecord] = []
    for i, fam in enumerate(fams):
        span = (0.05 + 0.95 * i / len(fams), 0.05 + 0.95 * (i + 1) / len(fams))
        pipe = build_pipeline(fam, spec, seed)
        fit_seconds = fit_pipeline(pipe, ctx.train, job, _span_progress(job, span, fam, 0.0, 0.5))
        records.append(record_run(ctx, pipe, fam, fit_seconds, job, span))
    job.progress(1.0, f"{len(records)} runs recorded")
    return records


def _ladder_on_cluster(
    client: Any, ctx: Any, fams: list[str], job: JobControl, seed: int, shared_dir: Path | None
) -> list[RunRecord]:
    """Every rung fitted on the cluster at once, each recorded here as it comes back."""
    from shipyard.core.training.cluster import SweepRecords, fit_on_cluster, record_fitted
    from shipyard.core.training.recording import record_run

    out = SweepRecords()
    n = len(fams)
    job.progress(0.05, f"fitting {n} rungs on the cluster")
    fitted = fit_on_cluster(
        client, spec=ctx.spec, train=ctx.train, family=fams, seed=seed, job=job, lost=out.lost,
        plan=[{"family": f} for f in fams], pipe_params=[{} for _ in fams], shared_dir=shared_dir,
    )  # fmt: skip
    record_fitted(
        fitted, n, job, lambda i, _p, pipe, seconds, span: record_run(
            ctx, pipe, fams[i], seconds, job, span
        ), out,
    )  # fmt: skip
    lost = f", {len(out.lost)} lost" if out.lost else ""
    job.progress(1.0, f"{len(out)} runs recorded{lost}")
    return out
