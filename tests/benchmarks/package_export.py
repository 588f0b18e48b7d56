"""Exporting a demo project's signed package against the issue's bar of one second.

The demo ships churn-risk with a champion whose gates passed, so this is what a user does
after opening the demo: export it. The bar is absolute (at most 1 s), so the ratio is the
median export time over 1 s; as a same-run reference the benchmark also times writing the
same files into a plain zip (what any export must at least do), reported beside it.

    python tests/benchmarks/package_export.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import ROOT, Result  # noqa: E402

if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))

NAME = "package_export"
LIMIT = 1.0  # export seconds / 1 s
BAR_S = 1.0
SLUG = "churn-risk"


def _memory_keyring() -> None:
    """Signing keys in memory: the benchmark measures the export, not the OS keyring."""
    import keyring

    sys.path.insert(0, str(ROOT / "tests" / "core" / "packaging"))
    from pkg_helpers import MemoryKeyring  # the packaging tests' in-memory backend

    keyring.set_keyring(MemoryKeyring())


def _plain_zip(folder: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())


def measure(rounds: int = 5) -> Result:
    from shipyard.core.packaging.export import export_package
    from shipyard.core.signing import keys
    from shipyard.core.workspace.workspace import Workspace

    _memory_keyring()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.create(Path(tmp) / "demo", template_name="demo", name="Demo")
        keys.generate_key(ws, user="bench")
        first = export_package(ws, SLUG, out_dir=Path(tmp) / "warm", user="bench")  # imports
        exports: list[float] = []
        zips: list[float] = []
        for i in range(rounds):
            start = time.perf_counter()
            export_package(ws, SLUG, out_dir=Path(tmp) / f"out{i}", user="bench")
            exports.append(time.perf_counter() - start)
            start = time.perf_counter()
            _plain_zip(first.folder, Path(tmp) / f"plain{i}.zip")
            zips.append(time.perf_counter() - start)
    median = statistics.median(exports)
    print(
        f"export {median:.3f} s (bar {BAR_S:.1f} s); plain zip of the same files "
        f"{statistics.median(zips):.3f} s",
        file=sys.stderr,
    )
    return Result(
        name=NAME,
        reference=f"the bar: {BAR_S:.0f} s (plain zip of the same files: "
        f"{statistics.median(zips):.3f} s)",
        subject="export_package of the demo's churn-risk champion (signed folder + zip)",
        reference_median_s=BAR_S,
        subject_median_s=round(median, 4),
        ratio=round(median / BAR_S, 3),
        limit=LIMIT,
        rounds=rounds,
        reference_samples_s=[BAR_S] * rounds,
        subject_samples_s=[round(t, 4) for t in exports],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    print(json.dumps(measure(parser.parse_args().rounds), indent=1))
