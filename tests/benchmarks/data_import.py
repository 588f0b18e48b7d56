"""Data import: Shipyard's `import_file` vs a bare DuckDB load of the same CSV.

One seeded 1,000,000-row x 20-column CSV (about 180 MB: integers, decimals, a timestamp
and a date column, booleans, text, empty cells and literal "nan") is generated once, then
each side runs in its own process, alternately, after one untimed warm-up each:

  reference  CREATE TABLE t AS SELECT * FROM read_csv_auto(path) into a new DuckDB file
  subject    shipyard.core.data.import_file into a new workspace (Parquet + metadata,
             source sha256 and content fingerprint included)

Each child times only the load (libraries are imported first) and reports its own peak
memory (ru_maxrss), so the memory figure is clean. Limits: median time ratio <= 1.5 and
median peak-memory ratio <= 2.0.

    python tests/benchmarks/data_import.py [--rounds N] [--rows N]
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

NAME = "data_import"
LIMIT = 1.5
MEMORY_LIMIT = 2.0
ROWS = 1_000_000
SEED = 20260101


# -- the data ------------------------------------------------------------------------------
def generate_csv(path: Path, rows: int = ROWS, seed: int = SEED) -> Path:
    """Write the benchmark CSV with numpy + pyarrow (a few seconds for 1M rows)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)

    def missing(values, share: float) -> pa.Array:  # type: ignore[no-untyped-def]
        return pa.array(values, mask=rng.random(rows) < share)

    def choice(options: list[str], p: list[float] | None = None) -> pa.Array:
        return pa.DictionaryArray.from_arrays(
            pa.array(rng.choice(len(options), rows, p=p).astype(np.int32)), pa.array(options)
        ).cast(pa.string())

    start = np.datetime64("2025-01-01T00:00:00")
    seconds = np.sort(rng.integers(0, 365 * 86400, rows))
    score = np.round(rng.normal(0, 1, rows), 6)
    score[rng.random(rows) < 0.02] = np.nan  # written as the text "nan"
    ids = pa.array(rng.integers(100_000, 999_999, rows)).cast(pa.string())
    table = pa.table(
        {
            "row_id": np.arange(rows, dtype=np.int64),
            "event_time": (start + seconds.astype("timedelta64[s]")).astype("datetime64[s]"),
            "signup_date": np.datetime64("2020-01-01")
            + rng.integers(0, 2000, rows).astype("timedelta64[D]"),
            "amount": missing(np.round(rng.lognormal(3, 1, rows), 2), 0.03),
            "score": score,
            "ratio": np.round(rng.random(rows), 4),
            "quantity": missing(rng.integers(0, 500, rows), 0.05),
            "age": rng.integers(18, 90, rows),
            "visits": rng.poisson(3, rows),
            "latitude": np.round(rng.uniform(-60, 70, rows), 5),
            "longitude": np.round(rng.uniform(-180, 180, rows), 5),
            "country": choice(["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "ES", "IT"]),
            "plan": pc.if_else(
                pa.array(rng.random(rows) < 0.01),
                pa.scalar(None, pa.string()),
                choice(["free", "pro", "team", "enterprise"], [0.5, 0.3, 0.15, 0.05]),
            ),
            "channel": choice(["web", "ios", "android", "api"]),
            "is_active": rng.random(rows) < 0.7,
            "churned": rng.random(rows) < 0.1,
            "email": pc.binary_join_element_wise("user", ids, "@example.com", ""),
            "temperature": missing(np.round(rng.normal(15, 8, rows), 1), 0.1),
            "discount": rng.choice([0.0, 0.05, 0.1, 0.2], rows),
            "note": choice(
                [
                    "",
                    "ok",
                    "late delivery, customer called twice",
                    "refund requested after damaged parcel",
                    "call back next week about the renewal",
                    "vip account, handle with care",
                ]
            ),
        }
    )
    pacsv.write_csv(
        table, path, write_options=pacsv.WriteOptions(quoting_style="needed", batch_size=65536)
    )
    return path


# -- the two children ----------------------------------------------------------------------
def _peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def child_bare(csv: Path, work: Path) -> dict[str, float]:
    import duckdb

    db = work / "bare.duckdb"
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv_auto('{csv}')")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "rows": rows}


def child_shipyard(csv: Path, work: Path) -> dict[str, float]:
    import duckdb  # noqa: F401  (loaded before the clock starts, as for the reference)

    from shipyard.core.data import import_file
    from shipyard.core.jobs import JobControl
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.create(work / "ws")
    started = time.perf_counter()
    version = import_file(ws, csv, "bench", user="bench", job=JobControl(lambda f, m: None))
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": _peak_mb(),
        "rows": version.rows,
        "types": version.types,
    }


def _run_child(kind: str, csv: Path, base: Path, env: dict[str, str], n: int) -> dict:
    work = base / f"{kind}-{n}"
    work.mkdir()
    done = subprocess.run(
        [PYTHON, __file__, "--child", kind, str(csv), str(work)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} child failed:\n{done.stderr}")
    _remove(work)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# -- the benchmark -------------------------------------------------------------------------
def measure(rounds: int = 3, rows: int = ROWS) -> dict:
    """Alternate bare and Shipyard loads `rounds` times; medians, ratios and limits."""
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-data-") as tmp:
        base = Path(tmp)
        env = process_env(base)
        env.update(SHIPYARD_CONFIG_DIR=str(base / "config"), XDG_CONFIG_HOME=str(base / "xdg"))
        started = time.perf_counter()
        csv = generate_csv(base / "benchmark data.csv", rows)
        generated_s = time.perf_counter() - started
        _run_child("bare", csv, base, env, 0)  # warm-up: page cache, bytecode
        check = _run_child("shipyard", csv, base, env, 0)
        bare: list[dict] = []
        ours: list[dict] = []
        for i in range(1, rounds + 1):
            order = ("bare", "shipyard") if i % 2 else ("shipyard", "bare")
            for kind in order:
                (bare if kind == "bare" else ours).append(_run_child(kind, csv, base, env, i))
        size_mb = csv.stat().st_size / 1e6
    if {r["rows"] for r in bare + ours} != {rows}:
        raise RuntimeError(f"a side loaded the wrong number of rows: {bare} / {ours}")
    ref = [r["seconds"] for r in bare]
    sub = [r["seconds"] for r in ours]
    out: dict = dict(
        result(
            NAME, LIMIT, "DuckDB CREATE TABLE AS read_csv_auto", "Shipyard import_file", ref, sub
        )
    )
    ref_mem = statistics.median(r["peak_mb"] for r in bare)
    sub_mem = statistics.median(r["peak_mb"] for r in ours)
    out.update(
        reference_s=out["reference_median_s"],
        subject_s=out["subject_median_s"],
        reference_peak_mb=round(ref_mem, 1),
        subject_peak_mb=round(sub_mem, 1),
        memory_ratio=round(sub_mem / ref_mem, 3),
        memory_limit=MEMORY_LIMIT,
        memory_ok=sub_mem / ref_mem <= MEMORY_LIMIT,
        csv_mb=round(size_mb, 1),
        rows=rows,
        generate_s=round(generated_s, 2),
        types=check["types"],
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, csv, work = args.child
        run = child_bare if kind == "bare" else child_shipyard
        print(json.dumps(run(Path(csv), Path(work))))
        return 0
    r = measure(args.rounds, args.rows)
    print(f"{r['rows']:,} rows, {r['csv_mb']} MB CSV (generated in {r['generate_s']} s)")
    print(f"types: {r['types']}")
    print(
        f"time    bare {r['reference_s']:.2f} s   shipyard {r['subject_s']:.2f} s   "
        f"ratio {r['ratio']:.2f} (limit {r['limit']})   "
        f"samples {r['reference_samples_s']} / {r['subject_samples_s']}"
    )
    print(
        f"memory  bare {r['reference_peak_mb']:.0f} MB   shipyard {r['subject_peak_mb']:.0f} MB   "
        f"ratio {r['memory_ratio']:.2f} (limit {r['memory_limit']})"
    )
    ok = r["ratio"] <= r["limit"] and r["memory_ok"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
