"""Command line: placeholder wiring, replaced by the module's real commands."""

from __future__ import annotations

from typing import Any


def add_package_parser(sub: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    del sub
