"""A 16-trial sweep on a 2-worker loopback Dask cluster against the same sweep with local joblib.

A seeded 20,000-row table (the training_record table, smaller) is imported once into a temp
workspace, and a `dask scheduler` with two `dask worker` processes (one thread each, no
nanny) is started on 127.0.0.1 before anything is timed: the cluster already exists, as it
would for a team. Then, alternately (one untimed warm-up each first):

  reference  `run_sweep(..., family="trees", trials=16, n_jobs=2)`: two joblib threads here
  subject    `run_sweep(..., family="trees", trials=16, cluster=ADDRESS)`: the same trials
             fitted on the two workers, recorded here

Both record every trial (ONNX export, parity, run.json) in this process; both fit on two
cores with one native thread per trial. The subject also connects, checks the workers'
versions, sends the training rows and gets the fitted pipelines back. Bar: overhead per
trial = (subject - reference) / 16 <= 0.3 s (`overhead_s`, `overhead_ok`). The ratio's
limit is only a loose sanity bound; the overhead is the bar.

    python tests/benchmarks/cluster_sweep.py [--rounds N] [--rows N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):  # _harness and training_record; loopback_cluster
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from _harness import result  # noqa: E402

NAME = "cluster_sweep"
LIMIT = 2.0
OVERHEAD_LIMIT_S = 0.3
ROWS = 20_000
TRIALS = 16


def _sweep(ws: Any, version: Any, cluster: str | None) -> float:
    from training_record import SLUG, TARGET

    from shipyard.core.training import run_sweep

    started = time.perf_counter()
    records = run_sweep(ws, SLUG, version, TARGET, family="trees", mode="random", trials=TRIALS,
                        user="bench", n_jobs=2, seed=7, cluster=cluster)  # fmt: skip
    elapsed = time.perf_counter() - started
    if len(records) != TRIALS or getattr(records, "lost", []):
        raise RuntimeError(f"{len(records)} trials recorded, lost: {getattr(records, 'lost', [])}")
    return elapsed


def measure(rounds: int = 3, rows: int = ROWS) -> dict[str, Any]:
    from training_record import prepare_workspace

    from loopback_cluster import LoopbackCluster

    with tempfile.TemporaryDirectory(prefix="shipyard-bench-cluster-") as tmp:
        ws, version = prepare_workspace(Path(tmp), rows)
        with LoopbackCluster(Path(tmp) / "dask", workers=2) as cluster:
            _sweep(ws, version, None)  # warm-up: imports, the split, OpenMP pools
            _sweep(ws, version, cluster.address)
            local: list[float] = []
            remote: list[float] = []
            for i in range(rounds):
                if i % 2:
                    remote.append(_sweep(ws, version, cluster.address))
                    local.append(_sweep(ws, version, None))
                else:
                    local.append(_sweep(ws, version, None))
                    remote.append(_sweep(ws, version, cluster.address))
    out: dict[str, Any] = dict(
        result(
            NAME,
            LIMIT,
            f"{TRIALS}-trial trees sweep, local joblib (2 threads)",
            "the same sweep on a 2-worker loopback Dask cluster",
            local,
            remote,
        )
    )
    per_trial = [(r - loc) / TRIALS for loc, r in zip(local, remote, strict=True)]
    overhead = (statistics.median(remote) - statistics.median(local)) / TRIALS
    out.update(
        rows=rows,
        trials=TRIALS,
        overhead_s=round(overhead, 4),
        overhead_limit_s=OVERHEAD_LIMIT_S,
        overhead_ok=overhead <= OVERHEAD_LIMIT_S,
        overhead_samples_s=[round(o, 4) for o in per_trial],
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    out = measure(args.rounds, args.rows)
    print(json.dumps(out, indent=2))
    return 0 if out["ratio"] <= LIMIT and out["overhead_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
