"""What this Shipyard is: its version, the workspace format it writes, its engines."""

from __future__ import annotations

from shipyard import __version__

ENGINES = (
    ("Qt (PySide6)", "PySide6-Essentials"), ("DuckDB", "duckdb"),
    ("scikit-learn", "scikit-learn"), ("skl2onnx", "skl2onnx"),
    ("onnxruntime", "onnxruntime"), ("numpy", "numpy"),
)  # fmt: skip


def version_text() -> str:
    """Shipyard's version, the workspace format it writes, and its engines' versions (read
    from the installed packages' metadata: nothing heavy is imported)."""
    import platform
    from importlib import metadata

    from shipyard.core.workspace.config import FORMAT_VERSION

    lines = [f"shipyard {__version__} (workspace format {FORMAT_VERSION})"]
    for label, dist in ENGINES:
        try:
            lines.append(f"  {label} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            lines.append(f"  {label}: not installed")
    lines.append(f"  Python {platform.python_version()}")
    return "\n".join(lines)
