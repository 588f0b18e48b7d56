"""Gates: the latency timing wrapper vs a bare `session.run`, and a full gate run.

The demo's largest project (fraud-flag, card_transactions: 5,000 rows x 13 columns) is
imported and trained once (dummy, linear, trees). Then, in the same process:

  reference  a bare loop of `session.run(None, feed)` over 2,000 prepared one-row feeds
  subject    `shipyard.core.gates.latency.time_calls` over the same feeds (the wrapper
             that times each call)

alternately every 50 calls (swapping who goes first), `rounds` times; the ratio compares
the median round time, i.e. the time per call (limit 1.10). Separately, a full gate run with the default policy plus drift and
slices checks runs in a fresh process (imports included) and must take at most 5 s.

    python tests/benchmarks/gates.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import PYTHON, ROOT, process_env, result  # noqa: E402

NAME = "gates"
LIMIT = 1.10
FULL_RUN_LIMIT_S = 5.0
SLUG = "fraud-flag"
CALLS = 2000
CHUNK = 50
POLICY = """schema: 1
checks:
  - kind: quality
    metric: roc_auc
    threshold: 0.6
  - kind: drift
    reference: card_transactions@v1
  - kind: slices
    column: channel
"""


def prepare(base: Path) -> Path:
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.create(base / "ws", template_name="demo")
    version = import_file(
        ws, ws.root / "samples" / "card_transactions.csv", "card_transactions", user="bench"
    )
    train_ladder(ws, SLUG, version, "is_fraud", user="bench", families=["dummy", "linear", "trees"])
    (ws.projects_dir / SLUG / "gates.yaml").write_text(POLICY, encoding="utf-8")
    return ws.root


def child_full_run(root: str) -> dict:
    started = time.perf_counter()
    from shipyard.core.gates import run_gates
    from shipyard.core.workspace.workspace import Workspace

    report = run_gates(Workspace.open(root), SLUG, user="bench")
    return {
        "seconds": time.perf_counter() - started,
        "checks": len(report.checks),
        "verdict": report.verdict,
        "run": report.run_id,
    }


def _wrapper_rounds(root: Path, rounds: int) -> tuple[list[float], list[float], int]:
    from shipyard.core.gates.context import GateContext
    from shipyard.core.gates.latency import single_row_feeds, time_calls
    from shipyard.core.gates.policy import cost_model
    from shipyard.core.gates.runner import _model_bytes, default_run
    from shipyard.core.jobs import JobControl
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(root)
    run = default_run(ws, SLUG)
    ctx = GateContext(
        ws, SLUG, ws.project(SLUG), run, _model_bytes(run), cost_model(ws), JobControl()
    )
    feeds = single_row_feeds(ctx.holdout, ctx.spec, CALLS)
    session = ctx.session

    def bare(chunk: list) -> float:
        run_ = session.run
        start = time.perf_counter()
        for feed in chunk:
            run_(None, feed)
        return time.perf_counter() - start

    def wrapped(chunk: list) -> float:
        start = time.perf_counter()
        time_calls(session, chunk)
        return time.perf_counter() - start

    bare(feeds), wrapped(feeds)  # warm-up
    ref: list[float] = []
    sub: list[float] = []
    # Alternate every CHUNK calls (and who goes first), so both sides see the same load
    # from whatever else the machine is doing; a round is the sum over all its chunks.
    for i in range(rounds):
        r = s = 0.0
        for j in range(0, len(feeds), CHUNK):
            chunk = feeds[j : j + CHUNK]
            if (i + j // CHUNK) % 2:
                s += wrapped(chunk)
                r += bare(chunk)
            else:
                r += bare(chunk)
                s += wrapped(chunk)
        ref.append(r)
        sub.append(s)
    return ref, sub, len(feeds)


def measure(rounds: int = 15) -> dict:
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-gates-") as tmp:
        base = Path(tmp)
        env = process_env(base)
        env.update(SHIPYARD_CONFIG_DIR=str(base / "config"), XDG_CONFIG_HOME=str(base / "xdg"))
        started = time.perf_counter()
        root = prepare(base)
        prepare_s = time.perf_counter() - started
        ref, sub, calls = _wrapper_rounds(root, rounds)
        full: list[dict] = []
        for i in range(4):  # the first run is an untimed warm-up (bytecode, page cache)
            done = subprocess.run(
                [PYTHON, __file__, "--child", str(root)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(f"the full gate run failed:\n{done.stderr}")
            if i:
                full.append(json.loads(done.stdout.strip().splitlines()[-1]))
    out: dict = dict(
        result(NAME, LIMIT, "bare session.run per call", "time_calls per call", ref, sub)
    )
    full_s = statistics.median(r["seconds"] for r in full)
    out.update(
        calls_per_round=calls,
        reference_us_per_call=round(statistics.median(ref) / calls * 1e6, 2),
        subject_us_per_call=round(statistics.median(sub) / calls * 1e6, 2),
        full_run_s=round(full_s, 3),
        full_run_samples_s=[round(r["seconds"], 3) for r in full],
        full_run_limit_s=FULL_RUN_LIMIT_S,
        full_run_ok=full_s <= FULL_RUN_LIMIT_S,
        full_run_checks=full[0]["checks"],
        prepare_s=round(prepare_s, 1),
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_full_run(args.child)))
        return 0
    r = measure(args.rounds)
    print(
        f"per call  bare {r['reference_us_per_call']} µs   wrapped {r['subject_us_per_call']} µs"
        f"   ratio {r['ratio']:.3f} (limit {r['limit']})"
    )
    print(
        f"full gate run ({r['full_run_checks']} checks, fresh process) {r['full_run_s']} s "
        f"(limit {r['full_run_limit_s']} s)   samples {r['full_run_samples_s']}"
    )
    ok = r["ratio"] <= r["limit"] and r["full_run_ok"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
