"""Package verification: `verify_package` on a 200 MB signed .zip vs sha256 of its bytes.

A package with a 200 MB model.onnx (seeded random bytes, stored uncompressed as Shipyard
exports it), a manifest and a card is signed with a throwaway in-memory key and zipped
once. Then, in this process, alternately, after one untimed warm-up each (page cache):

  reference  hashlib.sha256 over the .zip's bytes, read in 1 MiB chunks
  subject    shipyard.core.packaging.verify.verify_package(zip, public key): archive
             checks, signature, per-file sha256 from the archive, manifest parse

Limit: median ratio <= 2.0 (verification at no less than half the speed of hashing).

    python tests/benchmarks/package_verify.py [--rounds N] [--mb N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import ROOT, result  # noqa: E402

NAME = "package_verify"
LIMIT = 2.0
MB = 200
SEED = 20261123


def build_package(folder: Path, mb: int = MB) -> tuple[Path, bytes]:
    """(zip path, public key PEM) of a signed package with an `mb` MB model."""
    import numpy as np
    from cryptography.hazmat.primitives.asymmetric import ec

    sys.path.insert(0, str(ROOT / "app"))
    from shipyard.core.packaging.archive import write_zip
    from shipyard.core.packaging.digests import sha256_file
    from shipyard.core.signing.model_signing import build_statement, public_pem, sign_statement

    pkg = folder / "bench-package"
    pkg.mkdir()
    rng = np.random.default_rng(SEED)
    with open(pkg / "model.onnx", "wb") as fh:
        for _ in range(mb):
            fh.write(rng.bytes(1 << 20))
    (pkg / "model_card.md").write_text("---\nlicense: other\n---\n# Bench\n", "utf-8")
    files = {"model.onnx": sha256_file(pkg / "model.onnx")}
    files["model_card.md"] = sha256_file(pkg / "model_card.md")
    (pkg / "manifest.json").write_text(json.dumps({"format": 1, "files": files}), "utf-8")
    files["manifest.json"] = sha256_file(pkg / "manifest.json")
    key = ec.generate_private_key(ec.SECP256R1())
    (pkg / "model.sig").write_bytes(sign_statement(key, build_statement(pkg.name, files)))
    zip_path = folder / "bench-package.zip"
    write_zip(pkg, sorted([*files, "model.sig"]), zip_path)
    return zip_path, public_pem(key.public_key())


def _hash(path: Path) -> float:
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as fh:
        hashlib.file_digest(fh, "sha256").hexdigest()
    return time.perf_counter() - start


def _verify(path: Path, pem: bytes) -> float:
    from shipyard.core.packaging.verify import verify_package

    start = time.perf_counter()
    outcome = verify_package(path, pem)
    elapsed = time.perf_counter() - start
    if not outcome.ok:
        raise RuntimeError(f"the benchmark package did not verify: {outcome.message}")
    return elapsed


def measure(rounds: int = 7, mb: int = MB) -> dict:
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-verify-") as tmp:
        zip_path, pem = build_package(Path(tmp), mb)
        size_mb = zip_path.stat().st_size / 1e6
        _hash(zip_path)
        _verify(zip_path, pem)
        ref: list[float] = []
        sub: list[float] = []
        for i in range(rounds):
            if i % 2:
                sub.append(_verify(zip_path, pem))
                ref.append(_hash(zip_path))
            else:
                ref.append(_hash(zip_path))
                sub.append(_verify(zip_path, pem))
    out: dict = dict(
        result(NAME, LIMIT, "sha256 of the .zip's bytes", "verify_package(zip)", ref, sub)
    )
    out.update(package_mb=round(size_mb, 1))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--mb", type=int, default=MB)
    args = parser.parse_args()
    print(json.dumps(measure(args.rounds, args.mb), indent=1))
