"""The built wheel works on its own: templates and resources travel inside it.

The wheel is built once, installed (without dependencies) into a fresh venv, and the
dependencies are borrowed from the test interpreter's site-packages through a .pth file, so
nothing is downloaded or reinstalled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_PROJECTS = sorted(
    p.name for p in (ROOT / "workspace_templates" / "demo" / "projects").iterdir() if p.is_dir()
)
DEMO_SAMPLES = sorted(
    p.name for p in (ROOT / "workspace_templates" / "demo" / "samples").glob("*.csv")
)


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def build_wheel(out: Path) -> Path:
    """`uv build --wheel` when uv is there, else pip (with or without build isolation)."""
    attempts = []
    if shutil.which("uv"):
        attempts.append(["uv", "build", "--wheel", "--out-dir", str(out), str(ROOT)])
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out)]
    if _run([sys.executable, "-c", "import hatchling"]).returncode == 0:
        attempts.append([*pip_wheel, "--no-build-isolation", str(ROOT)])
    else:
        attempts.append([*pip_wheel, str(ROOT)])  # fetches hatchling into an isolated env
    log = []
    for argv in attempts:
        result = _run(argv, cwd=out)
        log.append(f"$ {' '.join(argv)}\n{result.stdout}\n{result.stderr}")
        wheels = sorted(out.glob("shipyard-*.whl"))
        if result.returncode == 0 and wheels:
            return wheels[-1]
    pytest.fail("could not build the wheel:\n" + "\n".join(log))


@dataclass
class Installed:
    wheel: Path
    venv: Path
    python: Path
    purelib: Path
    home: Path  # a scratch folder for workspaces and settings

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
        }
        env["SHIPYARD_CONFIG_DIR"] = str(self.home / "config")
        env["XDG_CONFIG_HOME"] = str(self.home / "xdg")
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env

    def run(self, *argv: object) -> subprocess.CompletedProcess:
        return _run([str(a) for a in argv], cwd=self.home, env=self.env())

    def shipyard(self, *argv: object) -> subprocess.CompletedProcess:
        return self.run(self.python, "-m", "shipyard", *argv)


def _paths(python: Path | str) -> dict[str, str]:
    result = _run(
        [str(python), "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"]
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    dist.mkdir()
    wheel = build_wheel(dist)

    venv = base / "venv"
    result = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert result.returncode == 0, result.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(_paths(python)["purelib"])
    assert purelib.is_dir() and purelib.is_relative_to(venv)

    # The test interpreter's pip installs into the new venv (`--python`), offline, no deps.
    result = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # Only now borrow the dependencies (so pip never sees the editable shipyard over there).
    ours = sysconfig.get_paths()
    deps = dict.fromkeys([ours["purelib"], ours["platlib"]])
    (purelib / "_shipyard_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")

    home = base / "home"
    home.mkdir()
    return Installed(wheel, venv, python, purelib, home)


# -- what is in the wheel -----------------------------------------------------------------
def test_wheel_carries_templates_resources_and_entry_points(installed):
    with zipfile.ZipFile(installed.wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(
            zf.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt")
        )
    assert "shipyard/__init__.py" in names
    assert "shipyard/__main__.py" in names
    assert "shipyard/cli/commands.py" in names
    assert "shipyard/core/workspace/workspace.py" in names
    assert "shipyard/ui/main_window.py" in names
    assert "shipyard/resources/styles/shipyard.qss" in names
    assert "shipyard/workspace_templates/blank/shipyard.toml" in names
    assert "shipyard/workspace_templates/demo/shipyard.toml" in names
    for template in ("blank", "demo"):  # the CI job a workspace kept in git runs
        assert (
            f"shipyard/workspace_templates/{template}/.github/workflows/shipyard-gates.yml" in names
        )
    assert len(DEMO_PROJECTS) == 10
    for slug in DEMO_PROJECTS:
        assert f"shipyard/workspace_templates/demo/projects/{slug}/onepager.md" in names
    assert DEMO_SAMPLES
    for sample in DEMO_SAMPLES:
        assert f"shipyard/workspace_templates/demo/samples/{sample}" in names
    # Nothing from the checkout that does not belong in an installed package.
    assert not [n for n in names if n.startswith(("app/", "tests/", "shipyard/tests/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if "/.shipyard/" in n]
    assert "shipyard = shipyard.main:main" in entry_points


# -- the installed package ----------------------------------------------------------------
LOCATE = """
import json, shipyard, shipyard.core.resources as r
print(json.dumps({
    "package": shipyard.__file__,
    "templates": str(r.templates_dir()),
    "resources": str(r.resources_dir()),
    "qss": (r.resources_dir() / "styles" / "shipyard.qss").is_file(),
    "demo": sorted(p.name for p in (r.template("demo") / "projects").iterdir()),
}))
"""


def test_installed_package_uses_its_own_templates_and_resources(installed):
    result = installed.run(installed.python, "-c", LOCATE)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    purelib = installed.purelib.resolve()
    for key in ("package", "templates", "resources"):
        path = Path(found[key]).resolve()
        assert path.is_relative_to(purelib), (key, path)
        assert not path.is_relative_to(ROOT), (key, path)
    assert Path(found["templates"]) == Path(found["package"]).parent / "workspace_templates"
    assert found["qss"] is True
    assert found["demo"] == DEMO_PROJECTS


def test_installed_cli_init_demo_and_validate(installed):
    home = installed.home
    result = installed.shipyard("--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "shipyard 0.1.0 (workspace format 1)"
    assert any(line.strip().startswith("onnxruntime ") for line in lines), result.stdout

    result = installed.shipyard("init", home / "X")
    assert result.returncode == 0, result.stderr
    assert (home / "X" / "shipyard.toml").is_file()
    assert 'name = "X"' in (home / "X" / "shipyard.toml").read_text(encoding="utf-8")

    result = installed.shipyard("demo", home / "Y", "--no-gui")
    assert result.returncode == 0, result.stderr
    assert "10 projects" in result.stdout
    projects = sorted(p.name for p in (home / "Y" / "projects").iterdir())
    assert projects == DEMO_PROJECTS
    assert sorted(p.name for p in (home / "Y" / "samples").glob("*.csv")) == DEMO_SAMPLES

    result = installed.shipyard("validate", home / "Y")
    assert result.returncode == 0, result.stderr
    assert "10 valid, 0 invalid" in result.stdout

    # The console script the wheel installed works too.
    script = installed.python.with_name("shipyard.exe" if os.name == "nt" else "shipyard")
    result = installed.run(script, "project", "list", home / "Y", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 10


def test_installed_screenshot_uses_the_bundled_style(installed):
    from PySide6.QtGui import QImage

    ws = installed.home / "shot-ws"
    assert installed.shipyard("demo", ws, "--no-gui").returncode == 0
    out = installed.home / "portfolio.png"
    result = installed.shipyard("screenshot", ws, out)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1400, 900)
