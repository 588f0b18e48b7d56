#!/usr/bin/env python3
"""One entry point for developers: set up the locked environment, then run the app or tests.

    python3 tools/dev.py app [ARGS...]     open Shipyard on the bundled demo workspace
    python3 tools/dev.py test [PYTEST...]  lint, layering contracts, then the whole test suite
    python3 tools/dev.py bench             run the benchmarks and print every ratio
    python3 tools/dev.py lock              re-resolve requirements.lock from pyproject.toml
    python3 tools/dev.py shell             a shell where `shipyard` is on the PATH
    python3 tools/dev.py package           frozen app in dist/shipyard/, plus .deb and .tar.gz

Only the standard library is used here, so it runs on a fresh clone with Python 3.11+.
The virtual environment lives in `.venv/` and is rebuilt whenever `requirements.lock`
changes (a stamp file holds the lock's hash).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".shipyard-lock.sha256"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*cmd: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def _check(*cmd: str | Path) -> None:
    code = _run(*cmd)
    if code:
        sys.exit(code)


def _lock_digest() -> str:
    digest = hashlib.sha256(LOCK.read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def ensure_env() -> None:
    """Create or refresh `.venv` so it matches requirements.lock exactly."""
    if sys.version_info < (3, 11):  # noqa: UP036 - the guard is for older interpreters
        sys.exit("Shipyard needs Python 3.11 or newer; this is " + sys.version.split()[0])
    wanted = _lock_digest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PY.exists():
        print(f"Creating the virtual environment in {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    uv = shutil.which("uv")
    if uv:
        # uv is optional; it only makes the same locked install faster.
        _check(uv, "pip", "sync", "--python", PY, LOCK)
        _check(uv, "pip", "install", "--python", PY, "--no-deps", "-e", ".")
    else:
        _check(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _check(PY, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
        _check(PY, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
    STAMP.write_text(wanted)


def cmd_app(args: list[str]) -> int:
    ensure_env()
    return _run(PY, "-m", "shipyard", "demo", *args)


def cmd_test(args: list[str]) -> int:
    ensure_env()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for step in (
        [PY, "-m", "ruff", "check", "app", "tests", "tools"],
        [PY, "-m", "ruff", "format", "--check", "app", "tests", "tools"],
        [BIN / "lint-imports", "--no-cache"],
        # Strict types on the core ([tool.mypy] in pyproject.toml).
        [PY, "-m", "mypy"],
    ):
        code = _run(*step, env=env)
        if code:
            return code
    return _run(PY, "-m", "pytest", *args, env=env)


def cmd_bench(args: list[str]) -> int:
    ensure_env()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return _run(PY, "tests/benchmarks/run_all.py", *args, env=env)


def cmd_lock(args: list[str]) -> int:
    uv = shutil.which("uv")
    if not uv:
        sys.exit("Re-locking needs uv: python3 -m pip install uv")
    return _run(
        uv, "pip", "compile", "pyproject.toml", "--extra", "dev", "--generate-hashes",
        "--universal", "--python-version", "3.11", "-o", LOCK.name, *args,
    )  # fmt: skip


def cmd_shell(args: list[str]) -> int:
    """A sub-shell with the environment's `bin/` first on PATH, so `shipyard` just works."""
    ensure_env()
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    shell = env.get("SHELL") or ("cmd.exe" if os.name == "nt" else "/bin/sh")
    print(f"`shipyard` is on the PATH in this shell ({BIN}); leave with `exit`.", flush=True)
    return subprocess.call([shell, *args], env=env)


def _pinned(name: str) -> str:
    """The `name==X` requirement pinned in pyproject's dev extra."""
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if line.strip().strip('",').lower().startswith(f"{name}=="):
            return line.strip().strip('",')
    return name


def cmd_package(args: list[str]) -> int:
    """PyInstaller one-folder build (dist/shipyard/), then on Linux the .deb and .tar.gz."""
    if sys.platform.startswith("linux") and not shutil.which("objcopy"):
        sys.exit("PyInstaller needs objcopy on Linux: sudo apt-get install binutils")
    ensure_env()
    if subprocess.call([PY, "-c", "import PyInstaller"], stderr=subprocess.DEVNULL):
        _check(PY, "-m", "pip", "install", "--quiet", _pinned("pyinstaller"))
    code = _run(
        PY, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", "dist",
        "--workpath", "build", "packaging/shipyard.spec", *args,
    )  # fmt: skip
    if code or not sys.platform.startswith("linux"):
        return code
    return _run(sys.executable, "packaging/linux_packages.py", "--python", PY)


COMMANDS = {
    "app": cmd_app, "test": cmd_test, "bench": cmd_bench, "lock": cmd_lock, "shell": cmd_shell,
    "package": cmd_package,
}  # fmt: skip


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
