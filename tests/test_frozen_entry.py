"""The installed app started with no arguments (a menu, a dock, the Finder) opens the window."""

from __future__ import annotations

import sys
from typing import Any

from shipyard import main as entry


def test_a_frozen_app_with_no_arguments_opens_the_window(monkeypatch: Any) -> None:
    opened: list[Any] = []
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", ["shipyard"])
    import shipyard.ui.app as app

    monkeypatch.setattr(app, "launch", lambda workspace, **kw: opened.append(workspace) or 0)
    assert entry.main() == 0
    assert opened == [None]  # the window, on the welcome page or the last workspace


def test_the_command_line_with_no_arguments_lists_the_commands(capsys: Any) -> None:
    assert entry.main([]) == 0
    assert "usage: shipyard" in capsys.readouterr().out
