"""Train the baseline ladder: dummy -> linear -> trees (-> text), each run recorded.

Recording a fitted pipeline (export, parity, metrics, run.json) lives in recording.py;
the run record itself in runs.py. This module sits above both, so neither imports it.
"""

from __future__ import annotations

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
) -> list[RunRecord]:
    """Train dummy -> linear -> trees (-> text) on `version`'s stored split; record each run.

    The split is sealed (train / validation / test, `holdout` being the test share): each
    run is scored on the validation rows, or out-of-fold on small data (core/data/split.py).

    `version` is a DatasetVersion or a reference ("name" or "name@v2"). Progress goes to
    `job`; a cancel is honoured between runs and between the steps of a run (data, fit,
    export, parity, write) and leaves no run folder. Runs finished before the cancel stay.
    """
    from shipyard.core.training.fitting import fit_pipeline
    from shipyard.core.training.ladder import FAMILIES, build_pipeline, default_families
    from shipyard.core.training.recording import prepare_context, record_run

    job = job or JobControl()
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
    records: list[RunRecord] = []
    for i, fam in enumerate(fams):
        span = (0.05 + 0.95 * i / len(fams), 0.05 + 0.95 * (i + 1) / len(fams))
        pipe = build_pipeline(fam, spec, seed)
        fit_seconds = fit_pipeline(pipe, ctx.train, job, _span_progress(job, span, fam, 0.0, 0.5))
        records.append(record_run(ctx, pipe, fam, fit_seconds, job, span))
    job.progress(1.0, f"{len(records)} runs recorded")
    return records
