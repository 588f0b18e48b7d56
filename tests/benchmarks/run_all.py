#!/usr/bin/env python3
"""Run every benchmark and print each ratio against its reference measured in the same run.

    python tests/benchmarks/run_all.py [--only NAME] [--rounds N]
    python3 tools/dev.py bench [--only NAME] [--rounds N]

A benchmark is any module here (not starting with `_`) that defines `NAME`, `LIMIT` and
`measure(rounds)`; adding one needs no change to this file. Results go to
`.benchmarks/results.json` at the repo root (git-ignored). Exits 1 if any ratio is over its
limit, 2 for an unknown `--only` name.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from _harness import Result  # run as a script, so this folder is on sys.path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / ".benchmarks" / "results.json"


def _is_benchmark(path: Path) -> bool:
    """Read the source, not import it: `bare_window.py` and friends would pull in Qt."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return {"NAME", "LIMIT", "measure"} <= names


def discover() -> list[ModuleType]:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    paths = sorted(
        p for p in HERE.glob("*.py") if not p.name.startswith("_") and p != Path(__file__).resolve()
    )
    return [importlib.import_module(p.stem) for p in paths if _is_benchmark(p)]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _isolated(name: str, rounds: int | None) -> Result:
    """One benchmark in a fresh process of its own.

    Run one after another in a single process, benchmarks disturbed each other: what one left
    behind (DuckDB's and pyarrow's allocations, a 200 MB package read) changed how much
    memory the next one's reference had to fault in, and so its ratio, by up to 40%.
    """
    import subprocess

    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", name]
    if rounds is not None:
        cmd += ["--rounds", str(rounds)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark {name} failed (exit code {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def verdicts(results: list[Result]) -> tuple[list[str], bool]:
    """The table of every bar of every result, and whether any bar failed."""
    lines: list[str] = []
    header = (
        f"{'benchmark':<16} {'reference':>10} {'subject':>10} {'ratio':>7} {'limit':>6}  verdict"
    )
    lines.append(header)
    lines.append("-" * len(header))
    failed = False
    for r in results:
        if r.get("skipped"):
            lines.append(
                f"{r['name']:<16} {'':>10} {'':>10} {'':>7} {r['limit']:>6.2f}  SKIP: {r['skipped']}"
            )
            continue
        ok = r["ratio"] <= r["limit"]
        failed |= not ok
        lines.append(
            f"{r['name']:<16} {r['reference_median_s']:>9.3f}s {r['subject_median_s']:>9.3f}s "
            f"{r['ratio']:>7.2f} {r['limit']:>6.2f}  {'PASS' if ok else 'FAIL'}"
        )
        # A benchmark may carry a second bar (e.g. peak memory); it counts the same way.
        if "memory_ratio" in r:
            mem_ok = r["memory_ratio"] <= r["memory_limit"]
            failed |= not mem_ok
            label = f"{r['name']} (memory)"
            lines.append(
                f"{label:<16} {'peak RSS':>10} {'':>10} "
                f"{r['memory_ratio']:>7.2f} {r['memory_limit']:>6.2f}  "
                f"{'PASS' if mem_ok else 'FAIL'}"
            )
        # Every other bar a benchmark declares (`<bar>_ok` beside its figure and limit, e.g.
        # the full gate run's 5 s, the recording overhead's 0.3 s) is enforced too: a limit
        # that is printed but cannot fail the run is no limit.
        for key in sorted(k for k in r if k.endswith("_ok") and k != "memory_ok"):
            bar = key.removesuffix("_ok")
            bar_ok = bool(r[key])
            failed |= not bar_ok
            value, limit = r.get(f"{bar}_s"), r.get(f"{bar}_limit_s")
            shown = f"{value:>9.3f}s" if isinstance(value, int | float) else f"{'':>10}"
            limit_shown = f"{limit:>5.2f}s" if isinstance(limit, int | float) else f"{'':>6}"
            label = f"{r['name']} ({bar})"
            lines.append(
                f"{label:<16} {'':>10} {shown} {'':>7} {limit_shown}  {'PASS' if bar_ok else 'FAIL'}"
            )
    for r in results:
        if not r.get("skipped"):
            lines.append(
                f"  {r['name']}: {r['subject']} vs {r['reference']}, median of {r['rounds']}"
            )

    return lines, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run just this one (repeatable)"
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        metavar="N",
        help="timed rounds per side (default: each benchmark's own)",
    )
    parser.add_argument("--one", metavar="NAME", help=argparse.SUPPRESS)  # see _isolated
    args = parser.parse_args(argv)
    if args.one:
        (module,) = [m for m in discover() if args.one == m.NAME]
        result = module.measure() if args.rounds is None else module.measure(args.rounds)
        print(json.dumps(result))
        return 0

    modules = discover()
    if args.only:
        unknown = set(args.only) - {m.NAME for m in modules}
        if unknown:
            known = ", ".join(m.NAME for m in modules)
            print(
                f"unknown benchmark: {', '.join(sorted(unknown))} (known: {known})", file=sys.stderr
            )
            return 2
        modules = [m for m in modules if m.NAME in args.only]

    results: list[Result] = []
    for module in modules:
        print(f"running {module.NAME} ...", file=sys.stderr, flush=True)
        results.append(_isolated(module.NAME, args.rounds))

    lines, failed = verdicts(results)
    print("\n".join(lines))

    OUT.parent.mkdir(exist_ok=True)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "results": results,
    }
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
