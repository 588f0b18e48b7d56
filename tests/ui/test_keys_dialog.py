"""The window's key dialog refuses a passphrase shorter than 8 characters, with the rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail


@pytest.fixture
def no_keyring() -> Any:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_the_key_dialog_refuses_a_short_passphrase(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: Any
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from shipyard.core.signing import keys
    from shipyard.core.workspace.workspace import Workspace
    from shipyard.ui.package.dialogs import KeysDialog

    ws = Workspace.create(tmp_path / "ws", template_name="blank")
    dialog = KeysDialog(ws, "ann")
    qtbot.addWidget(dialog)
    asked: list[str] = []

    def answer(text: str) -> Any:
        def get_text(*args: Any, **kwargs: Any) -> tuple[str, bool]:
            asked.append(args[2])
            return text, True

        return get_text

    monkeypatch.setattr(QInputDialog, "getText", answer("short"))
    dialog.generate_button.click()
    assert "at least 8 characters" in asked[-1]
    assert "The passphrase has 5 characters" in dialog.message.text()
    assert "at least 8 characters" in dialog.message.text()
    assert keys.list_keys(ws) == [] and dialog.model.rowCount() == 0
    monkeypatch.setattr(QInputDialog, "getText", answer("long enough"))
    dialog.generate_button.click()
    assert dialog.model.rowCount() == 1 and "Generated key" in dialog.message.text()
    assert keys.list_keys(ws)[0].storage == keys.FILE
    monkeypatch.setattr(QInputDialog, "getText", answer("1234567"))
    dialog.rotate_button.click()  # the reason, then the passphrase: both "1234567"
    assert "has 7 characters" in dialog.message.text() and dialog.model.rowCount() == 1
