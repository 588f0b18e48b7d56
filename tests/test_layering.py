"""Layering: the core has no Qt, the UI and the CLI never import each other, the core runs
with Qt absent, and the heavy libraries load only after the window is shown."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "app"
PACKAGE = SRC / "shipyard"

QT = ("PySide6", "pyqtgraph", "shiboken6")
HEAVY = ("sklearn", "onnxruntime", "skl2onnx", "duckdb")


# -- a small static import graph ----------------------------------------------------------
def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> set[str]:
    """Every module named by an import anywhere in `source` (top level, in functions, under
    TYPE_CHECKING, via importlib.import_module / __import__ with a literal name)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            found.add(base)
            # `from pkg import sub` may import the submodule pkg.sub.
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in ("__import__",))
            )
        ):
            found.add(node.args[0].value)
    return found


def package_modules() -> dict[str, tuple[Path, set[str]]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        out[name] = (
            path,
            imports_of(path.read_text(encoding="utf-8"), name, path.stem == "__init__"),
        )
    return out


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def internal_edges(modules: dict[str, tuple[Path, set[str]]]) -> dict[str, set[str]]:
    """module -> the shipyard modules it imports (a submodule also imports its parents)."""
    graph: dict[str, set[str]] = {}
    for name, (_, imported) in modules.items():
        targets = set()
        for target in imported:
            if not within(target, "shipyard"):
                continue
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                candidate = ".".join(parts[:i])
                if candidate in modules and candidate != name:
                    targets.add(candidate)
        graph[name] = targets
    return graph


def chain(graph: dict[str, set[str]], start: str, goal_prefix: str) -> list[str] | None:
    """The shortest import chain from `start` to a module under `goal_prefix`, if any."""
    seen = {start: [start]}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in sorted(graph.get(current, ())):
            if nxt in seen:
                continue
            seen[nxt] = [*seen[current], nxt]
            if within(nxt, goal_prefix):
                return seen[nxt]
            queue.append(nxt)
    return None


def test_the_scanner_sees_every_kind_of_import():
    source = textwrap.dedent(
        """
        import PySide6.QtCore
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from pyqtgraph import PlotWidget
        def f():
            from ..ui import main_window
            from .. import cli
            import importlib
            importlib.import_module("shiboken6")
        """
    )
    found = imports_of(source, "shipyard.core.thing", is_package=False)
    assert {
        "PySide6.QtCore",
        "pyqtgraph",
        "shipyard.ui.main_window",
        "shipyard.cli",
    } <= found
    assert "shiboken6" in found
    graph = {"a": {"b"}, "b": {"c.x"}, "c.x": set()}
    assert chain(graph, "a", "c") == ["a", "b", "c.x"]
    assert chain(graph, "c.x", "a") is None


# -- (a) the core imports no Qt, no UI, no CLI --------------------------------------------
def test_core_imports_no_qt_ui_or_cli():
    modules = package_modules()
    core = {n: v for n, v in modules.items() if within(n, "shipyard.core")}
    assert len(core) >= 10, sorted(core)  # the scan really found the core
    forbidden = (*QT, "shipyard.ui", "shipyard.cli", "shipyard.main")
    offenders = [
        f"{path.relative_to(ROOT)} imports {target}"
        for name, (path, imported) in core.items()
        for target in sorted(imported)
        if any(within(target, bad) for bad in forbidden)
    ]
    assert offenders == []


def test_core_reaches_no_ui_or_cli_through_other_modules():
    graph = internal_edges(package_modules())
    for name in graph:
        if within(name, "shipyard.core"):
            for goal in ("shipyard.ui", "shipyard.cli"):
                assert chain(graph, name, goal) is None, chain(graph, name, goal)


# -- (b) the UI and the CLI are independent faces -----------------------------------------
def test_ui_and_cli_never_import_each_other_directly():
    modules = package_modules()
    assert "shipyard.cli" in modules
    ui = [n for n in modules if within(n, "shipyard.ui")]
    assert "shipyard.ui.main_window" in ui
    offenders = []
    for name, (path, imported) in modules.items():
        for target in imported:
            if within(name, "shipyard.ui") and within(target, "shipyard.cli"):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
            if within(name, "shipyard.cli") and within(target, "shipyard.ui"):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offenders == []


def test_ui_and_cli_never_reach_each_other_indirectly():
    """Like import-linter's independence contract: no chain ui -> ... -> cli or back."""
    graph = internal_edges(package_modules())
    chains = []
    for name in graph:
        if within(name, "shipyard.ui"):
            chains.append(chain(graph, name, "shipyard.cli"))
        if within(name, "shipyard.cli"):
            chains.append(chain(graph, name, "shipyard.ui"))
    assert [" -> ".join(c) for c in chains if c] == []


def test_tools_use_the_core_and_the_cli_but_never_the_window():
    """The scripts under tools/ (the two README commands, the demo generator) run headless:
    they may import shipyard.core and shipyard.cli, never the UI, main.py or Qt."""
    offenders = []
    scripts = sorted((ROOT / "tools").rglob("*.py"))
    assert scripts, "no scripts found under tools/"
    for path in scripts:
        for target in imports_of(path.read_text(encoding="utf-8"), "tools.script", False):
            if any(within(target, bad) for bad in (*QT, "shipyard.ui", "shipyard.main")):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offenders == []


# -- (c) the core works with Qt absent ----------------------------------------------------
NO_QT_SCRIPT = """
import importlib, json, pkgutil, sys
from pathlib import Path

BLOCKED = {blocked!r}

class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed (blocked by the test)")
        return None

sys.meta_path.insert(0, NoQt())
for name in BLOCKED:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
    else:
        raise SystemExit(f"the blocker let {{name}} through")

import shipyard.core
imported = []
for info in pkgutil.walk_packages(shipyard.core.__path__, "shipyard.core."):
    importlib.import_module(info.name)
    imported.append(info.name)

from shipyard.core.portfolio.ranking import portfolio
from shipyard.core.portfolio.projects import create_project, set_stage
from shipyard.core.portfolio.onepager_model import Stage
from shipyard.core.workspace.workspace import Workspace

ws = Workspace.create(Path(sys.argv[1]) / "demo", template_name="demo", name="Demo")
shipped = ws.audit.verify().entries  # the demo's shipped training runs
rows = portfolio(ws)
create_project(ws, "Without Qt", user="tester")
with ws.lock("test"):
    set_stage(ws, "without-qt", Stage.MVP, user="tester", reason="no qt")
check = ws.audit.verify()
print(json.dumps({{
    "imported": imported,
    "rows": [r.slug for r in rows],
    "after": len(portfolio(ws)),
    "audit_ok": check.ok,
    "audit_entries": check.entries,
    "shipped_entries": shipped,
    "qt_loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
}}))
"""


def test_core_imports_and_runs_with_qt_absent(tmp_path):
    env = dict(os.environ, SHIPYARD_CONFIG_DIR=str(tmp_path / "config"))
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-c", NO_QT_SCRIPT.format(blocked=set(QT)), str(tmp_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {module_name(p) for p in (PACKAGE / "core").glob("*.py") if p.stem != "__init__"}
    assert set(report["imported"]) >= expected
    assert len(report["rows"]) == 10
    assert report["after"] == 11
    assert report["audit_ok"] is True
    assert report["audit_entries"] == report["shipped_entries"] + 3  # create, stage, edit
    assert report["qt_loaded"] == []


# -- (d) heavy libraries stay out until the window is shown -------------------------------
WINDOW_SCRIPT = """
import json, sys
from pathlib import Path

from shipyard.core.workspace.workspace import Workspace

ws = Workspace.create(Path(sys.argv[1]) / "demo", template_name="demo", name="Demo portfolio")
heavy = {heavy!r}
before = sorted(m for m in heavy if m in sys.modules)

# What shipyard.ui.app.launch does, step by step.
from shipyard.ui.app import _make_app
app = _make_app(headless=False)
from shipyard.core.workspace.user_settings import load_settings
from shipyard.ui.main_window import MainWindow
from shipyard.ui.session import WorkspaceSession
from shipyard.ui.theme import apply_theme

session = WorkspaceSession(load_settings())
apply_theme(app, session.settings.theme)
window = MainWindow(session)
window.resize(1400, 900)
opened = window.open_workspace(ws.root)
window.show()
for _ in range(10):
    app.processEvents()
report = {{
    "before": before,
    "after_show": sorted(m for m in heavy if m in sys.modules),
    "opened": opened,
    "visible": window.isVisible(),
    "rows": len(session.rows),
    "qt": "PySide6.QtWidgets" in sys.modules,
}}
session.close()
print(json.dumps(report))
"""

ENTRY_SCRIPT = """
import json, sys
from shipyard.main import main

code = main(["open", sys.argv[1]])
heavy = {heavy!r}
print(json.dumps({{"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}}))
"""


def _gui_env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        SHIPYARD_CONFIG_DIR=str(tmp_path / "config"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
    )


def test_heavy_libraries_are_not_loaded_when_the_window_is_shown(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", WINDOW_SCRIPT.format(heavy=HEAVY), str(tmp_path)],
        env=_gui_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["opened"] is True
    assert report["visible"] is True
    assert report["rows"] == 10
    assert report["qt"] is True
    assert report["before"] == []
    assert report["after_show"] == []


def test_heavy_libraries_are_not_loaded_through_the_real_entry_point(tmp_path):
    """`shipyard open WS` up to the first shown frame (SHIPYARD_EXIT_AFTER_SHOW quits then)."""
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.create(tmp_path / "demo", template_name="demo")
    env = _gui_env(tmp_path)
    env["SHIPYARD_EXIT_AFTER_SHOW"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", ENTRY_SCRIPT.format(heavy=HEAVY), str(ws.root)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}
    # The window took and released the workspace lock, and remembered the workspace.
    assert not (ws.root / ".shipyard" / "lock.json").exists()
    assert str(ws.root) in (tmp_path / "config" / "settings.toml").read_text(encoding="utf-8")


# -- (e) the import-linter contracts ------------------------------------------------------
def test_import_linter_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        found = shutil.which("lint-imports")
        if found is None:
            pytest.skip("import-linter is not installed")
        exe = Path(found)
    result = subprocess.run(
        [str(exe), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "The core imports no Qt KEPT" in output
    assert "The UI never imports the CLI KEPT" in output
    assert "The CLI never imports the UI or Qt KEPT" in output


def import_cycles(modules: dict[str, tuple[Path, set[str]]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan's strongly
    connected components over the imports as written, any depth, TYPE_CHECKING included)."""
    graph = {
        n: {t for t in imported if t in modules and t != n} for n, (_, imported) in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


def test_the_cycle_finder_finds_a_loop():
    fake = {
        "a": (Path("a"), {"b"}),
        "b": (Path("b"), {"c"}),
        "c": (Path("c"), {"a"}),
        "d": (Path("d"), {"a"}),
    }
    assert import_cycles(fake) == [["a", "b", "c"]]


def test_no_import_cycles_inside_the_package():
    cycles = import_cycles(package_modules())
    assert not cycles, "\n".join("cycle: " + " <-> ".join(c) for c in cycles)
