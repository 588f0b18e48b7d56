"""Small hyper-parameter sweeps: grid or random search over a family's key parameters.

Trials fit in parallel on joblib threads (sklearn releases the GIL in its heavy loops, the
frames are shared without copying, and each fit can see the JobControl). Each fitted trial
is then recorded, one after another, through the same path as the ladder (`record_run`:
ONNX export, parity, run.json), with `sweep` = {"id", "trial", "params"} in its record.
Every trial is scored on the split's validation rows (out-of-fold under cross-validation),
so the best trial is chosen without looking at the sealed test split.
A cancel stops the sweep between trials (and inside a boosted-trees fit); trials recorded
before it stay, nothing half-written is left.

With `cluster` = "tcp://HOST:PORT" the trials fit on a Dask cluster instead (see
cluster.py); recording stays here, so the records are the same as a local sweep's. The result
is then a SweepRecords list whose `lost` names any trial no worker finished.
"""

from __future__ import annotations

import itertools
import secrets
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import RunRecord
from shipyard.core.training.task import TaskSpec, TrainingRefused
from shipyard.core.workspace.workspace import Workspace

# family -> parameter -> values. "C" is the linear classifier's, "alpha" the regressor's.
SWEEP_SPACES: dict[str, dict[str, list[Any]]] = {
    "linear": {"C": [0.01, 0.1, 1.0, 10.0, 100.0], "alpha": [0.01, 0.1, 1.0, 10.0, 100.0]},
    "trees": {
        "learning_rate": [0.03, 0.1, 0.3],
        "max_leaf_nodes": [15, 31, 63],
        "max_iter": [50, 100, 200],
        "l2_regularization": [0.0, 0.1, 1.0],
    },
    "text": {"C": [0.1, 1.0, 10.0], "ngram_range": [[1, 1], [1, 2]]},
}
MODES = ("random", "grid")
MAX_TRIALS = 100


def space_for(family: str, spec: TaskSpec) -> dict[str, list[Any]]:
    """The parameters that apply to `family` on this task."""
    space = dict(SWEEP_SPACES[family])
    if family == "linear":
        space.pop("alpha" if spec.is_classification else "C")
    return space


def _pipeline_param(family: str, name: str) -> str:
    return "prep__text__ngram_range" if name == "ngram_range" else f"model__{name}"


def plan_trials(
    space: dict[str, list[Any]], mode: str, trials: int, seed: int
) -> list[dict[str, Any]]:
    """The parameter sets to try: the grid (evenly thinned to `trials`) or a seeded random
    sample of distinct grid points."""
    import numpy as np

    names = list(space)
    grid = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*space.values())]
    if len(grid) <= trials:
        return grid
    if mode == "grid":
        idx = np.unique(np.linspace(0, len(grid) - 1, trials).round().astype(int))
    else:
        idx = np.sort(np.random.default_rng(seed).choice(len(grid), size=trials, replace=False))
    return [grid[i] for i in idx]


def run_sweep(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    *,
    family: str,
    mode: str = "random",
    trials: int = 8,
    user: str,
    job: JobControl | None = None,
    n_jobs: int = 2,
    seed: int = 42,
    features: list[str] | None = None,
    include_pii: bool = False,
    cluster: str | None = None,
    shared_dir: Path | None = None,
) -> list[RunRecord]:
    """Fit `trials` variants of `family` in parallel; record each as a run (in trial order).

    `cluster`: a Dask scheduler's address; the trials then fit on its workers (checked
    first: an unreachable scheduler or other library versions raise ClusterError before
    anything is written). `shared_dir`: a folder the workers read at the same path, to
    hand them the training rows as a file (see cluster.fit_on_cluster)."""
    from joblib import Parallel, delayed

    from shipyard.core.training.fitting import fit_pipeline
    from shipyard.core.training.ladder import build_pipeline
    from shipyard.core.training.leaderboard import rank_for_next_open
    from shipyard.core.training.recording import record_run

    job = job or JobControl()
    if family not in SWEEP_SPACES:
        raise TrainingRefused(
            f"nothing to sweep for family '{family}'",
            fix="sweep one of: " + ", ".join(SWEEP_SPACES),
        )
    if mode not in MODES:
        raise TrainingRefused(f"unknown sweep mode '{mode}'", fix="use 'grid' or 'random'")
    if not 1 <= trials <= MAX_TRIALS:
        raise TrainingRefused(
            f"{trials} trials: a sweep takes 1 to {MAX_TRIALS}", fix="choose fewer trials"
        )
    if n_jobs < 1:
        raise TrainingRefused(f"{n_jobs} parallel jobs", fix="use 1 or more")
    if cluster:
        return _sweep_on_cluster(
            ws, slug, version, target, family=family, mode=mode, trials=trials, user=user,
            job=job, seed=seed, features=features, include_pii=include_pii, cluster=cluster,
            shared_dir=shared_dir,
        )  # fmt: skip
    ctx = _context(ws, slug, version, target, family, user, job, seed, features, include_pii)
    plan = plan_trials(space_for(family, ctx.spec), mode, trials, seed)
    sweep_id = _sweep_id(family)

    def fit(trial: int, params: dict[str, Any]) -> tuple[int, dict[str, Any], Any, float]:
        from shipyard.core.training.threads import native_threads

        job.check()
        pipe = build_pipeline(family, ctx.spec, seed)
        pipe.set_params(**pipeline_params(family, params))
        # Parallel trials share the cores: one OpenMP/BLAS thread each avoids oversubscription.
        with native_threads(1 if n_jobs > 1 else None):
            return trial, params, pipe, fit_pipeline(pipe, ctx.train, job)

    records: list[RunRecord] = []
    n = len(plan)
    job.progress(0.05, f"fitting {n} trials")
    results = Parallel(n_jobs=n_jobs, backend="threading", return_as="generator")(
        delayed(fit)(i, p) for i, p in enumerate(plan)
    )
    try:
        for trial, params, pipe, seconds in results:
            job.check()
            span = (0.05 + 0.95 * trial / n, 0.05 + 0.95 * (trial + 1) / n)
            sweep = {"id": sweep_id, "trial": trial, "params": params}
            records.append(record_run(ctx, pipe, family, seconds, job, span, sweep=sweep))
    finally:
        with warnings.catch_warnings():  # joblib warns about the fitted trials left unused
            warnings.simplefilter("ignore", UserWarning)
            results.close()  # an early end (cancel, error) drops the trials not started yet
    rank_for_next_open(ws, slug)
    job.progress(1.0, f"{len(records)} trials recorded")
    return records


def _context(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    family: str,
    user: str,
    job: JobControl,
    seed: int,
    features: list[str] | None,
    include_pii: bool,
) -> Any:
    from shipyard.core.training.recording import prepare_context

    ctx = prepare_context(
        ws, slug, version, target, user=user, job=job, seed=seed, features=features,
        include_pii=include_pii,
    )  # fmt: skip
    if family == "text" and not ctx.spec.text:
        raise TrainingRefused(
            "the text family needs a free-text feature", fix="choose a text column as feature"
        )
    if family != "text" and not (ctx.spec.numeric or ctx.spec.categorical):
        raise TrainingRefused(
            f"the {family} family needs a numeric or categorical feature",
            fix="sweep the text family, or choose other features",
        )
    return ctx


def _sweep_id(family: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"sweep-{stamp}-{family}-{secrets.token_hex(2)}"


def pipeline_params(family: str, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's parameters (as planned, lists for tuples) as the pipeline's own."""
    return {_pipeline_param(family, k): _value(v) for k, v in params.items()}


def _sweep_on_cluster(
    ws: Workspace,
    slug: str,
    version: Any,
    target: str,
    *,
    family: str,
    mode: str,
    trials: int,
    user: str,
    job: JobControl,
    seed: int,
    features: list[str] | None,
    include_pii: bool,
    cluster: str,
    shared_dir: Path | None,
) -> list[RunRecord]:
    """The trials fit on the cluster's workers as they free up; each is recorded here as it
    comes back (progress per finished trial), and the records are returned in trial order."""
    from shipyard.core.training.cluster import (
        SweepRecords,
        close_quietly,
        fit_on_cluster,
        normalize_address,
        open_checked,
        record_fitted,
    )
    from shipyard.core.training.leaderboard import rank_for_next_open
    from shipyard.core.training.recording import record_run

    address = normalize_address(cluster)
    client = open_checked(address, job)
    try:
        ctx = _context(ws, slug, version, target, family, user, job, seed, features, include_pii)
        plan = plan_trials(space_for(family, ctx.spec), mode, trials, seed)
        sweep_id = _sweep_id(family)
        out = SweepRecords()
        n = len(plan)
        job.progress(0.05, f"fitting {n} trials on {address}")
        fitted = fit_on_cluster(
            client, spec=ctx.spec, train=ctx.train, family=family, plan=plan, seed=seed,
            pipe_params=[pipeline_params(family, p) for p in plan], job=job, lost=out.lost,
            shared_dir=shared_dir,
        )  # fmt: skip

        def record(trial: int, params: dict[str, Any], pipe: Any, seconds: float,
                   span: tuple[float, float]) -> RunRecord:  # fmt: skip
            sweep = {"id": sweep_id, "trial": trial, "params": params}
            return record_run(ctx, pipe, family, seconds, job, span, sweep=sweep)

        record_fitted(fitted, n, job, record, out)
    finally:
        close_quietly(client)
    lost = f", {len(out.lost)} lost" if out.lost else ""
    rank_for_next_open(ws, slug)
    job.progress(1.0, f"{len(out)} trials recorded{lost}")
    return out


def _value(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v
