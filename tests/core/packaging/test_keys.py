"""Signing keys: generate, list, rotate, export; the keyring and the passphrase fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from shipyard.core.errors import ShipyardError
from shipyard.core.signing import keys


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    from shipyard.core.workspace.workspace import Workspace

    return Workspace.create(tmp_path / "keyws", template_name="blank")


def test_generate_list_rotate_export(ws: Any, memory_keyring: Any, tmp_path: Path) -> None:
    first = keys.generate_key(ws, user="ann")
    assert first.storage == keys.KEYRING and first.status == keys.ACTIVE
    assert (ws.root / "keys" / f"{first.key_id}.pub.pem").read_bytes().startswith(b"-----BEGIN")
    # The private key is in the keyring only, never in the workspace or the config folder.
    stored = memory_keyring.store[(keys.SERVICE, first.key_id)]
    assert "PRIVATE KEY" in stored
    for path in [*ws.root.rglob("*"), *Path(os.environ["SHIPYARD_CONFIG_DIR"]).rglob("*")]:
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path
    with pytest.raises(ShipyardError, match="already has an active signing key"):
        keys.generate_key(ws, user="ann")
    second = keys.rotate_key(ws, user="bob", reason="yearly rotation")
    listed = keys.list_keys(ws)
    assert [k.key_id for k in listed] == [second.key_id, first.key_id] or {
        k.key_id for k in listed
    } == {first.key_id, second.key_id}
    assert keys.active_key(ws).key_id == second.key_id
    old = keys.get_key(ws, first.key_id)
    assert old.status == keys.RETIRED and old.replaced_by == second.key_id
    assert keys.has_private_key(old) and keys.has_private_key(second)
    out = keys.export_public_key(ws, second.key_id, tmp_path)
    assert (
        out.name == f"{second.key_id}.pub.pem"
        and out.read_bytes() == second.public_path.read_bytes()
    )
    private = keys.load_private_key(ws, second.key_id)
    from shipyard.core.signing.model_signing import key_hint

    assert key_hint(private.public_key()) == second.hint and second.key_id == second.hint[:16]
    audit = [json.loads(line) for line in ws.audit.path.read_text().splitlines()]
    assert [a["action"] for a in audit if a["action"].startswith("keys.")] == [
        "keys.generate",
        "keys.rotate",
    ]
    assert audit[-1]["reason"] == "yearly rotation"


def test_without_a_keyring_a_passphrase_protects_the_key_file(ws: Any) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert keys.keyring_status()[0] is False
        with pytest.raises(ShipyardError, match="no OS keyring is available") as err:
            keys.generate_key(ws, user="ann")
        assert "passphrase" in err.value.fix
        info = keys.generate_key(ws, user="ann", passphrase="correct horse")
        assert info.storage == keys.FILE
        key_file = Path(os.environ["SHIPYARD_CONFIG_DIR"]) / "signing-keys" / f"{info.key_id}.pem"
        data = key_file.read_bytes()
        assert b"ENCRYPTED PRIVATE KEY" in data
        assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
        with pytest.raises(ShipyardError, match="protected by a passphrase"):
            keys.load_private_key(ws, info.key_id)
        with pytest.raises(ShipyardError, match="passphrase is wrong"):
            keys.load_private_key(ws, info.key_id, "wrong")
        assert keys.load_private_key(ws, info.key_id, "correct horse") is not None
    finally:
        keyring.set_keyring(previous)


def test_a_key_missing_from_this_keyring_is_explained(ws: Any, memory_keyring: Any) -> None:
    info = keys.generate_key(ws, user="ann")
    memory_keyring.store.clear()
    with pytest.raises(ShipyardError, match="does not hold the private key"):
        keys.load_private_key(ws, info.key_id)
    with pytest.raises(ShipyardError, match="no signing key 'nope'"):
        keys.load_private_key(ws, "nope")


REAL_KEYRING_SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys
    from pathlib import Path

    # Start the Secret Service on this private session bus, unlocked with a password.
    done = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"test-password\\n", capture_output=True, timeout=30,
    )
    for line in done.stdout.decode().splitlines():
        name, _, value = line.partition("=")
        if name and value:
            os.environ[name] = value

    import keyring
    from keyring.backends import SecretService

    keyring.set_keyring(SecretService.Keyring())
    from shipyard.core.signing import keys
    from shipyard.core.signing.model_signing import key_hint
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.create(Path(sys.argv[1]), template_name="blank")
    info = keys.generate_key(ws, user="ci")
    assert info.storage == "keyring", info
    assert keyring.get_password(keys.SERVICE, info.key_id).startswith("-----BEGIN PRIVATE KEY")
    private = keys.load_private_key(ws, info.key_id)
    assert key_hint(private.public_key()) == info.hint
    print("stored and read", info.key_id, "through", type(keyring.get_keyring()).__module__)
    """
)


@pytest.mark.keyring_real
def test_the_real_secret_service_stores_and_returns_the_key(tmp_path: Path) -> None:
    tools = [shutil.which("dbus-run-session"), shutil.which("gnome-keyring-daemon")]
    if not all(tools):
        message = "dbus-run-session and gnome-keyring-daemon are needed (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    script = tmp_path / "real_keyring.py"
    script.write_text(REAL_KEYRING_SCRIPT, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_RUNTIME_DIR=str(tmp_path / "run"), SHIPYARD_CONFIG_DIR=str(tmp_path / "cfg"))  # fmt: skip
    (tmp_path / "run").mkdir(mode=0o700)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    done = subprocess.run(
        ["dbus-run-session", "--", sys.executable, str(script), str(tmp_path / "ws")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stored and read" in done.stdout and "SecretService" in done.stdout
    # Nothing unencrypted reached the disk of the workspace.
    for path in (tmp_path / "ws").rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes()


@pytest.mark.parametrize("short", ["x", "1234567", "       "[:7]])
def test_a_passphrase_shorter_than_eight_characters_is_refused(ws: Any, short: str) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    key_files = Path(os.environ["SHIPYARD_CONFIG_DIR"]) / "signing-keys"
    try:
        with pytest.raises(ShipyardError, match="at least 8 characters") as err:
            keys.generate_key(ws, user="ann", passphrase=short)
        assert f"has {len(short)} characters" in err.value.message
        assert "longer passphrase" in err.value.fix
        assert keys.list_keys(ws) == [] and not list(key_files.glob("*.pem"))
        assert keys.generate_key(ws, user="ann", passphrase="8 chars!").storage == keys.FILE
        with pytest.raises(ShipyardError, match="at least 8 characters"):
            keys.rotate_key(ws, user="ann", reason="r", passphrase=short)
        assert [k.status for k in keys.list_keys(ws)] == [keys.ACTIVE]  # nothing rotated
        assert len(list(key_files.glob("*.pem"))) == 1
        actions = [json.loads(line)["action"] for line in ws.audit.path.read_text().splitlines()]
        assert actions.count("keys.generate") == 1 and "keys.rotate" not in actions
    finally:
        keyring.set_keyring(previous)
