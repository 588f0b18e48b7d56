"""The exported zip gets the same file mode as the package folder's files (umask-based)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pkg_helpers import SLUG

from shipyard.core.packaging.export import export_package
from shipyard.core.workspace.atomic import process_umask

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_exported_zip_has_the_mode_of_the_folder_files(pkg_ws: Any, tmp_path: Path) -> None:
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    expected = 0o666 & ~process_umask()
    folder_modes = {_mode(p) for p in result.folder.iterdir() if p.is_file()}
    assert folder_modes == {expected}
    assert _mode(result.zip_path) == expected


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_the_zip_mode_follows_the_umask(tmp_path: Path, umask: int) -> None:
    """In a fresh process (the umask is read once per process) with each umask."""
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "a.txt").write_text("a", "utf-8")
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        os.umask({umask})
        from shipyard.core.workspace.atomic import atomic_write_bytes
        from shipyard.core.packaging.archive import write_zip
        folder = Path({str(folder)!r})
        atomic_write_bytes(folder / "b.txt", b"b")
        write_zip(folder, ["a.txt", "b.txt"], folder.parent / "pkg.zip")
        """
    )
    import shipyard

    app = str(Path(shipyard.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([app, os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, env=env)
    assert _mode(tmp_path / "pkg.zip") == 0o666 & ~umask == _mode(folder / "b.txt")
