"""Big import: `shipyard data import` of a 20,000,000 x 20 CSV vs bare DuckDB, time and memory.

A table bigger than a comfortable share of memory must import with bounded memory. One
seeded CSV (about 3 GB at the default 20M rows: integers, decimals, a timestamp and a date
column, booleans, text and empty cells) is written by DuckDB itself (`COPY ... TO`, fast),
then each side runs as a whole process of its own:

  reference  python -c: duckdb `COPY (SELECT * FROM read_csv(path)) TO 'x.parquet'`
  subject    python -m shipyard data import WS path  (Parquet + metadata, source sha256,
             record count and content fingerprint included)

Peak memory is each child's own maximum resident set size, read from `os.wait4` (the
rusage of that one child, unlike RUSAGE_CHILDREN, which keeps the largest of all). Bars:
time ratio <= 1.5, peak-memory ratio <= 2.0, and the subject's peak under 2 GB. The
Parquet written by the reference is then imported too (`parquet_*` figures, same 2 GB bar).

    python tests/benchmarks/big_import.py [--rows N] [--rounds N]

`--rows 2000000` gives a quick run; the default is the full 20M (minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
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

NAME = "big_import"
LIMIT = 1.5
MEMORY_LIMIT = 2.0
PEAK_LIMIT_MB = 2048.0
ROWS = 20_000_000
ROUNDS = 3  # alternating, medians: on a shared machine one round each way is noise

_CATEGORIES = {
    "country": ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "ES", "IT"],
    "plan": ["free", "pro", "team", "enterprise"],
    "channel": ["web", "ios", "android", "api"],
    "note": [
        "",
        "ok",
        "late delivery, customer called twice",
        "refund requested after damaged parcel",
        "call back next week about the renewal",
        "vip account, handle with care",
    ],
}


def _pick(column: str, salt: int) -> str:
    values = ", ".join("'" + v.replace("'", "''") + "'" for v in _CATEGORIES[column])
    return f"[{values}][1 + (hash(i, {salt}) % {len(_CATEGORIES[column])})::INT] AS {column}"


def generate_csv(path: Path, rows: int) -> Path:
    """Write the seeded 20-column CSV with DuckDB (values from hash(row, salt))."""
    import duckdb

    select = f"""
        SELECT
            i AS row_id,
            TIMESTAMP '2025-01-01' + to_seconds((hash(i, 1) % 31536000)::BIGINT) AS event_time,
            DATE '2020-01-01' + (hash(i, 2) % 2000)::INT AS signup_date,
            CASE WHEN hash(i, 3) % 100 < 3 THEN NULL
                 ELSE round((hash(i, 4) % 100000)::DOUBLE / 100, 2) END AS amount,
            round(((hash(i, 5) % 2000000)::DOUBLE - 1000000) / 333333, 6) AS score,
            round((hash(i, 6) % 10000)::DOUBLE / 10000, 4) AS ratio,
            CASE WHEN hash(i, 7) % 100 < 5 THEN NULL ELSE (hash(i, 8) % 500)::INT END AS quantity,
            18 + (hash(i, 9) % 72)::INT AS age,
            (hash(i, 10) % 12)::INT AS visits,
            round(-60 + (hash(i, 11) % 1300000)::DOUBLE / 10000, 5) AS latitude,
            round(-180 + (hash(i, 12) % 3600000)::DOUBLE / 10000, 5) AS longitude,
            {_pick("country", 13)},
            {_pick("plan", 14)},
            {_pick("channel", 15)},
            hash(i, 16) % 10 < 7 AS is_active,
            hash(i, 17) % 10 = 0 AS churned,
            'user' || (100000 + hash(i, 18) % 900000)::VARCHAR || '@example.com' AS email,
            CASE WHEN hash(i, 19) % 10 = 0 THEN NULL
                 ELSE round(15 + ((hash(i, 20) % 3200)::DOUBLE - 1600) / 100, 1) END
                AS temperature,
            [0.0, 0.05, 0.1, 0.2][1 + (hash(i, 21) % 4)::INT] AS discount,
            {_pick("note", 22)}
        FROM range({int(rows)}) t(i)
    """
    target = str(path).replace("'", "''")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute(f"COPY ({select}) TO '{target}' (HEADER, DELIMITER ',')")
    finally:
        con.close()
    return path


_BARE = """
import sys, duckdb
source, target = (p.replace("'", "''") for p in sys.argv[1:3])
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{source}')) TO '{target}' (FORMAT parquet)")
print(con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0])
"""


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(seconds, peak RSS in MB, CPU seconds, stdout) of one whole child process; raises on
    failure. The CPU time (user + system, all threads) tells a slow round on a busy shared
    machine from a slow program."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if child.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} exited with {child.returncode}\n"
                f"{text}\n{err.read().decode('utf-8', 'replace')}"
            )
    peak_kb = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return seconds, peak_kb / 1024, usage.ru_utime + usage.ru_stime, text


def _bare(source: Path, target: Path, env: dict[str, str]) -> dict:
    target.unlink(missing_ok=True)
    seconds, peak, cpu, out = _timed([PYTHON, "-c", _BARE, str(source), str(target)], env)
    rows = int(out.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_mb": peak, "cpu_s": cpu, "rows": rows}


def _shipyard(source: Path, base: Path, env: dict[str, str], n: int) -> dict:
    ws = base / f"ws-{n}"
    shutil.rmtree(ws, ignore_errors=True)
    shipyard = [PYTHON, "-m", "shipyard"]
    subprocess.run([*shipyard, "init", str(ws)], cwd=ROOT, env=env, check=True, capture_output=True)
    cmd = [*shipyard, "data", "import", str(ws), str(source), "--name", "big"]
    seconds, peak, cpu, out = _timed(cmd, env)
    rows = _rows_imported(out)
    shutil.rmtree(ws, ignore_errors=True)
    return {"seconds": seconds, "peak_mb": peak, "cpu_s": cpu, "rows": rows}


def _rows_imported(out: str) -> int:
    """The row count from `Imported big@v1: 20,000,000 rows × 20 columns, ...`."""
    for line in out.splitlines():
        if line.startswith(("Imported ", "Reused ")):
            return int(line.split(": ", 1)[1].split(" rows", 1)[0].replace(",", ""))
    raise RuntimeError(f"no import line in the output:\n{out}")


def measure(rounds: int = ROUNDS, rows: int = ROWS) -> dict:
    """Bare DuckDB vs `shipyard data import` on one generated CSV (alternating, medians),
    then one import of the Parquet the reference wrote."""
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-big-") as tmp:
        base = Path(tmp)
        env = process_env(base)
        env.update(SHIPYARD_CONFIG_DIR=str(base / "config"), XDG_CONFIG_HOME=str(base / "xdg"))
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT / "app"), env.get("PYTHONPATH", "")) if p
        )
        started = time.perf_counter()
        csv = generate_csv(base / "big data.csv", rows)
        generated_s = time.perf_counter() - started
        parquet = base / "bare.parquet"
        bare: list[dict] = []
        ours: list[dict] = []
        for i in range(rounds):
            if i % 2:
                ours.append(_shipyard(csv, base, env, i))
                bare.append(_bare(csv, parquet, env))
            else:
                bare.append(_bare(csv, parquet, env))
                ours.append(_shipyard(csv, base, env, i))
        from_parquet = _shipyard(parquet, base, env, rounds)
        csv_mb = csv.stat().st_size / 1e6
    if {r["rows"] for r in [*bare, *ours, from_parquet]} != {rows}:
        raise RuntimeError(
            f"a side read the wrong number of rows: {bare} / {ours} / {from_parquet}"
        )
    out: dict = dict(
        result(
            NAME,
            LIMIT,
            "DuckDB COPY read_csv TO parquet",
            "shipyard data import",
            [r["seconds"] for r in bare],
            [r["seconds"] for r in ours],
        )
    )
    ref_mem = statistics.median(r["peak_mb"] for r in bare)
    sub_mem = statistics.median(r["peak_mb"] for r in ours)
    peak = max(sub_mem, from_parquet["peak_mb"])
    out.update(
        reference_peak_mb=round(ref_mem, 1),
        subject_peak_mb=round(sub_mem, 1),
        memory_ratio=round(sub_mem / ref_mem, 3),
        memory_limit=MEMORY_LIMIT,
        memory_ok=sub_mem / ref_mem <= MEMORY_LIMIT,
        peak_mb=round(peak, 1),
        peak_limit_mb=PEAK_LIMIT_MB,
        peak_under_2gb_ok=peak < PEAK_LIMIT_MB,
        reference_cpu_s=[round(r["cpu_s"], 2) for r in bare],
        subject_cpu_s=[round(r["cpu_s"], 2) for r in ours],
        parquet_import_s=round(from_parquet["seconds"], 2),
        parquet_peak_mb=round(from_parquet["peak_mb"], 1),
        csv_mb=round(csv_mb, 1),
        rows=rows,
        generate_s=round(generated_s, 2),
    )
    return out


def passed(r: dict) -> bool:
    """Every bar: time ratio, memory ratio, and the absolute 2 GB peak."""
    return bool(r["ratio"] <= r["limit"] and r["memory_ok"] and r["peak_under_2gb_ok"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--rows", type=int, default=ROWS, help="default: the full 20,000,000")
    args = parser.parse_args(argv)
    r = measure(args.rounds, args.rows)
    print(f"{r['rows']:,} rows, {r['csv_mb']} MB CSV (generated in {r['generate_s']} s)")
    print(
        f"time    bare {r['reference_median_s']:.2f} s   shipyard {r['subject_median_s']:.2f} s   "
        f"ratio {r['ratio']:.2f} (limit {r['limit']})   "
        f"samples {r['reference_samples_s']} / {r['subject_samples_s']}"
    )
    print(f"cpu     bare {r['reference_cpu_s']} s   shipyard {r['subject_cpu_s']} s")
    print(
        f"memory  bare {r['reference_peak_mb']:.0f} MB   shipyard {r['subject_peak_mb']:.0f} MB   "
        f"ratio {r['memory_ratio']:.2f} (limit {r['memory_limit']})"
    )
    print(
        f"parquet import {r['parquet_import_s']:.2f} s, peak {r['parquet_peak_mb']:.0f} MB; "
        f"highest peak {r['peak_mb']:.0f} MB (limit {r['peak_limit_mb']:.0f} MB)"
    )
    ok = passed(r)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
