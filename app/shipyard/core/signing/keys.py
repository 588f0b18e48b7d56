"""Signing keys: ECDSA P-256 pairs, private halves in the OS keyring, public halves shared.

- The private key lives in the OS keyring (Secret Service, macOS Keychain, Windows
  Credential Locker) through `keyring`, under the service `shipyard-signing` and the key id.
  It is never written to disk unencrypted, not even to a temporary file.
- Without a usable keyring the user is told so and may give a passphrase instead: the key
  is then written encrypted (PKCS#8, BestAvailableEncryption) to the Shipyard config folder.
- The public key of every signer the workspace trusts is in `keys/<key-id>.pub.pem`, with
  `keys/<key-id>.json` saying who made it, when, where the private half lives and whether
  it is the active key or was retired by a rotation. Key ids are the first 16 hex digits of
  the model-signing key hint (sha256 of the PEM public key).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.atomic import atomic_write_bytes, atomic_write_text
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

SERVICE = "shipyard-signing"
KEYS_DIR = "keys"
KEY_FORMAT = 1
ACTIVE, RETIRED = "active", "retired"
KEYRING, FILE = "keyring", "file"
MIN_PASSPHRASE = 8  # characters; a key file's only protection once it is copied away
PASSPHRASE_RULE = f"a key file's passphrase needs at least {MIN_PASSPHRASE} characters"


@dataclass
class KeyInfo:
    key_id: str
    hint: str
    created: str
    user: str
    status: str = ACTIVE
    storage: str = KEYRING
    algorithm: str = "ecdsa-p256"
    retired: str | None = None
    replaced_by: str | None = None
    format: int = KEY_FORMAT
    public_path: Path | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("public_path")
        return data


def keys_dir(ws: Workspace) -> Path:
    return ws.root / KEYS_DIR


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _file_keys_dir() -> Path:
    from shipyard.core.workspace.user_settings import config_dir

    return config_dir() / "signing-keys"


# -- the keyring ----------------------------------------------------------------------------
def keyring_status() -> tuple[bool, str]:
    """(usable, description) of the OS keyring backend `keyring` picked."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration must not crash the caller
        return False, f"the keyring library could not start ({exc})"
    if isinstance(backend, fail.Keyring | null.Keyring) or (
        hasattr(backend, "backends") and not backend.backends
    ):
        return False, "no OS keyring is available on this computer"
    return True, f"{type(backend).__module__.rsplit('.', 1)[-1]} keyring"


def _no_keyring(why: str) -> ShipyardError:
    return ShipyardError(
        f"{why}, so the private key cannot be stored there",
        fix="give a passphrase instead (--passphrase-file, or the passphrase box): the key "
        f"is then kept encrypted in {_file_keys_dir()}",
    )


def _keyring_call(fn_name: str, *args: str) -> Any:
    import keyring
    from keyring.errors import KeyringError

    try:
        return getattr(keyring, fn_name)(*args)
    except KeyringError as exc:
        raise ShipyardError(
            f"the OS keyring refused the request ({type(exc).__name__}: {exc})",
            fix="unlock the keyring (log in to the desktop session) and try again",
        ) from None


# -- reading the workspace's keys ------------------------------------------------------------
def list_keys(ws: Workspace) -> list[KeyInfo]:
    """Every key the workspace knows, newest first."""
    folder = keys_dir(ws)
    found: list[KeyInfo] = []
    for meta in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(meta.read_text("utf-8"))
            known = {f for f in KeyInfo.__dataclass_fields__ if f != "public_path"}
            info = KeyInfo(**{k: v for k, v in data.items() if k in known})
        except (OSError, ValueError, TypeError) as exc:
            raise ShipyardError(
                f"the key record is damaged ({exc})",
                file=meta,
                fix="restore it from version control, or delete it and its .pub.pem",
            ) from None
        info.public_path = folder / f"{info.key_id}.pub.pem"
        found.append(info)
    return sorted(found, key=lambda k: (k.created, k.key_id), reverse=True)


def get_key(ws: Workspace, key_id: str) -> KeyInfo:
    keys = list_keys(ws)
    for info in keys:
        if info.key_id == key_id:
            return info
    raise ShipyardError(
        f"the workspace has no signing key '{key_id}'",
        file=keys_dir(ws),
        fix=("known keys: " + ", ".join(k.key_id for k in keys))
        if keys
        else "generate one: shipyard keys generate WORKSPACE",
    )


def active_key(ws: Workspace) -> KeyInfo | None:
    return next((k for k in list_keys(ws) if k.status == ACTIVE), None)


def public_key_pem(ws: Workspace, key_id: str) -> bytes:
    info = get_key(ws, key_id)
    assert info.public_path is not None
    try:
        return info.public_path.read_bytes()
    except OSError:
        raise ShipyardError(
            "the public key file is missing",
            file=info.public_path,
            fix="restore it from version control",
        ) from None


def trusted_key_for_hint(ws: Workspace, hint: str) -> KeyInfo | None:
    """The workspace key whose model-signing hint is `hint`, if any."""
    return next((k for k in list_keys(ws) if k.hint == hint), None) if hint else None


def has_private_key(info: KeyInfo) -> bool:
    """Whether this computer holds the key's private half (without unlocking a file)."""
    if info.storage == FILE:
        return (_file_keys_dir() / f"{info.key_id}.pem").is_file()
    if not keyring_status()[0]:
        return False
    try:
        return _keyring_call("get_password", SERVICE, info.key_id) is not None
    except ShipyardError:
        return False


# -- making keys ------------------------------------------------------------------------------
def passphrase_problem(passphrase: str | None) -> str | None:
    """Why `passphrase` may not protect a new key file, or None (None: no passphrase)."""
    if passphrase is None or len(passphrase) >= MIN_PASSPHRASE:
        return None
    return f"the passphrase has {len(passphrase)} characters: {PASSPHRASE_RULE}"


def check_new_passphrase(passphrase: str | None, *, source: Path | str | None = None) -> None:
    """Refuse a passphrase too short to protect a new key file (existing keys still open)."""
    problem = passphrase_problem(passphrase)
    if problem:
        raise ShipyardError(
            problem,
            file=source,
            fix=f"choose a longer passphrase (at least {MIN_PASSPHRASE} characters; a few "
            "unrelated words are easy to remember)",
        )


def _store_private(key: ec.EllipticCurvePrivateKey, key_id: str, passphrase: str | None) -> str:
    from cryptography.hazmat.primitives import serialization

    usable, why = keyring_status()
    if usable and not passphrase:
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _keyring_call("set_password", SERVICE, key_id, pem.decode("ascii"))
        return KEYRING
    if not passphrase:
        raise _no_keyring(why)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    atomic_write_bytes(_file_keys_dir() / f"{key_id}.pem", encrypted, mode=0o600)
    return FILE


def _new_key(ws: Workspace, user: str, passphrase: str | None) -> KeyInfo:
    from cryptography.hazmat.primitives.asymmetric import ec

    from shipyard.core.signing.model_signing import key_hint, public_pem

    key = ec.generate_private_key(ec.SECP256R1())
    hint = key_hint(key.public_key())
    info = KeyInfo(key_id=hint[:16], hint=hint, created=_now(), user=user)
    info.storage = _store_private(key, info.key_id, passphrase)
    folder = keys_dir(ws)
    info.public_path = folder / f"{info.key_id}.pub.pem"
    atomic_write_bytes(info.public_path, public_pem(key.public_key()))
    _write_meta(ws, info)
    return info


def _write_meta(ws: Workspace, info: KeyInfo) -> None:
    path = keys_dir(ws) / f"{info.key_id}.json"
    atomic_write_text(path, json.dumps(info.to_json(), indent=1) + "\n")


def generate_key(ws: Workspace, *, user: str, passphrase: str | None = None) -> KeyInfo:
    """The workspace's first signing key (later keys come from `rotate_key`)."""
    check_new_passphrase(passphrase)
    current = active_key(ws)
    if current is not None:
        raise ShipyardError(
            f"the workspace already has an active signing key '{current.key_id}'",
            file=current.public_path,
            fix=f"rotate it to make a new one: shipyard keys rotate {ws.root}",
        )
    ws.audit.ensure_appendable()
    info = _new_key(ws, user, passphrase)
    ws.audit.append(
        "keys.generate",
        info.key_id,
        user=user,
        details={"storage": info.storage, "hint": info.hint},
    )
    return info


def rotate_key(
    ws: Workspace, *, user: str, reason: str = "", passphrase: str | None = None
) -> KeyInfo:
    """A new active key; the previous active key is retired (still trusted for old packages)."""
    check_new_passphrase(passphrase)
    ws.audit.ensure_appendable()
    old = active_key(ws)
    info = _new_key(ws, user, passphrase)
    if old is not None:
        old.status, old.retired, old.replaced_by = RETIRED, info.created, info.key_id
        _write_meta(ws, old)
    ws.audit.append(
        "keys.rotate",
        info.key_id,
        user=user,
        reason=reason,
        details={"previous": old.key_id if old else None, "storage": info.storage},
    )
    return info


def export_public_key(ws: Workspace, key_id: str, dest: Path) -> Path:
    """Copy the public key to `dest` (a file, or a folder to put `<key-id>.pub.pem` in)."""
    pem = public_key_pem(ws, key_id)
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{key_id}.pub.pem"
    atomic_write_bytes(dest, pem)
    return dest


def load_private_key(
    ws: Workspace, key_id: str, passphrase: str | None = None
) -> ec.EllipticCurvePrivateKey:
    """The private key, from the keyring or the encrypted file; kept in memory only."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    info = get_key(ws, key_id)
    if info.storage == FILE:
        path = _file_keys_dir() / f"{key_id}.pem"
        if not path.is_file():
            raise ShipyardError(
                f"this computer does not hold the private key of '{key_id}'",
                file=path,
                fix="sign on the computer that made the key, or rotate to a new key: "
                f"shipyard keys rotate {ws.root}",
            )
        if not passphrase:
            raise ShipyardError(
                f"the private key of '{key_id}' is protected by a passphrase",
                file=path,
                fix="give its passphrase (--passphrase-file FILE, or the passphrase box)",
            )
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), passphrase.encode())
        except (ValueError, TypeError):
            raise ShipyardError(
                "the passphrase is wrong or the key file is damaged",
                file=path,
                fix="type the passphrase again",
            ) from None
    else:
        usable, why = keyring_status()
        if not usable:
            raise ShipyardError(
                f"{why}, and the private key of '{key_id}' lives in a keyring",
                fix="sign on a computer with its desktop keyring unlocked",
            )
        pem = _keyring_call("get_password", SERVICE, key_id)
        if pem is None:
            raise ShipyardError(
                f"the OS keyring of this computer does not hold the private key of '{key_id}'",
                fix="sign on the computer that made the key, or rotate to a new key: "
                f"shipyard keys rotate {ws.root}",
            )
        key = serialization.load_pem_private_key(pem.encode("ascii"), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ShipyardError(
            f"the key '{key_id}' is not an ECDSA key",
            fix=f"rotate to a new key: shipyard keys rotate {ws.root}",
        )
    return key
