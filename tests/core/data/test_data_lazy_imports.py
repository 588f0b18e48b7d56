"""Importing the data package loads no heavy library: the window must appear first."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import importlib, json, pkgutil, sys
import shipyard.core.data as data
for info in pkgutil.walk_packages(data.__path__, "shipyard.core.data."):
    importlib.import_module(info.name)
heavy = ("duckdb", "pyarrow", "numpy", "scipy", "PySide6")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_no_heavy_library_is_imported_at_module_level(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
