"""The OpenSSF model-signing format, built and checked with `cryptography`.

A signature (`model.sig`) is a Sigstore bundle v0.3 (JSON) holding a DSSE envelope whose
payload is an in-toto Statement v1 with predicate type `https://model_signing/signature/v1.0`:
one sha256 per file ("resources", serialization "files"), and as subject the package name
with the sha256 over all file digests in order. The envelope is signed with ECDSA P-256
over the DSSE pre-authentication encoding; the bundle names the key by the sha256 of its
PEM public key (the "hint"), as the `model_signing` CLI does, so `model_signing verify key`
accepts our packages. We build it here instead of calling `model_signing`, whose signer only
takes a private key file path: a private key must never touch the disk unencrypted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from shipyard.core.workspace.layout import SIGNATURE_FILE

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
# What the reference signer leaves out by default: the signature itself and git metadata.
IGNORE_PATHS = sorted([SIGNATURE_FILE, ".git", ".gitattributes", ".github", ".gitignore"])
MAX_BUNDLE_BYTES = 4 << 20


class SignatureRejected(Exception):
    """The signature is malformed, was made by another key, or does not match."""


def public_pem(public_key: ec.EllipticCurvePublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_hint(public_key: ec.EllipticCurvePublicKey) -> str:
    """The key identifier model-signing writes into the bundle: sha256 of the PEM."""
    return hashlib.sha256(public_pem(public_key)).hexdigest()


def load_public_key(pem: bytes) -> ec.EllipticCurvePublicKey:
    """An EC public key from PEM; anything else raises SignatureRejected."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise SignatureRejected(f"the public key is not a PEM public key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in _HASHES:
        raise SignatureRejected("the public key is not an ECDSA P-256/P-384/P-521 key")
    return key


_HASHES = {"secp256r1": "SHA256", "secp384r1": "SHA384", "secp521r1": "SHA512"}


def _ecdsa(key: Any, deterministic: bool = False) -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    algorithm = getattr(hashes, _HASHES[key.curve.name])()
    if deterministic:
        try:  # RFC 6979: the same files and key give the same signature bytes
            return ec.ECDSA(algorithm, deterministic_signing=True)
        except TypeError:  # an older cryptography without deterministic ECDSA
            pass
    return ec.ECDSA(algorithm)


def pae(payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding of an in-toto payload."""
    head = f"DSSEv1 {len(PAYLOAD_TYPE)} {PAYLOAD_TYPE} {len(payload)}"
    return head.encode("utf-8") + b" " + payload


def _order(name: str) -> tuple[str, ...]:
    return PurePosixPath(name).parts  # how model-signing sorts its manifest


def build_statement(model_name: str, digests: dict[str, str]) -> dict[str, Any]:
    """The in-toto statement over `digests` (relative POSIX path -> sha256 hex)."""
    root = hashlib.sha256()
    resources = []
    for name in sorted(digests, key=_order):
        root.update(bytes.fromhex(digests[name]))
        resources.append({"name": name, "algorithm": "sha256", "digest": digests[name]})
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": model_name, "digest": {"sha256": root.hexdigest()}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "serialization": {
                "method": "files",
                "hash_type": "sha256",
                "allow_symlinks": False,
                "ignore_paths": IGNORE_PATHS,
            },
            "resources": resources,
        },
    }


def sign_statement(private_key: ec.EllipticCurvePrivateKey, statement: dict[str, Any]) -> bytes:
    """The Sigstore bundle (JSON bytes) signing `statement` with `private_key`."""
    payload = json.dumps(statement, indent=2, sort_keys=False).encode("utf-8")
    signature = private_key.sign(pae(payload), _ecdsa(private_key, deterministic=True))
    bundle = {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": {"hint": key_hint(private_key.public_key())},
            "tlogEntries": [],
        },
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode("ascii"),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(signature).decode("ascii"), "keyid": ""}],
        },
    }
    return json.dumps(bundle, separators=(",", ":")).encode("utf-8")


def _field(obj: Any, key: str, kind: type, where: str) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind):
        raise SignatureRejected(f"the signature is malformed: {where}{key} is missing or wrong")
    return value


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRejected(f"the signature is malformed: {what} is not base64") from None


def _loads(data: bytes, what: str) -> Any:
    """JSON from untrusted bytes; anything unreadable raises SignatureRejected.

    Invalid UTF-8, invalid JSON and nesting deep enough to exhaust the parser's recursion
    (a `[[[[...]]]]` bundle) are all refusals, never a traceback.
    """
    try:
        return json.loads(data)
    except RecursionError:
        raise SignatureRejected(
            f"{what} is nested too deeply to be a signature bundle (a hostile file?)"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise SignatureRejected(f"{what} is not valid JSON (truncated?)") from None


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _hint_of(bundle: Any) -> Any:
    material = bundle.get("verificationMaterial") if isinstance(bundle, dict) else None
    key = material.get("publicKey") if isinstance(material, dict) else None
    return key.get("hint") if isinstance(key, dict) else None


def bundle_hint(data: bytes) -> str:
    """The signer's key hint from a bundle, '' when absent or unreadable (nothing trusted)."""
    if len(data) > MAX_BUNDLE_BYTES:
        return ""
    try:
        hint = _hint_of(_loads(data, SIGNATURE_FILE))
    except SignatureRejected:
        return ""
    return hint if isinstance(hint, str) else ""


def open_bundle(data: bytes, public_key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    """Check the bundle's signature with `public_key`; return the signed statement.

    Raises SignatureRejected when the bundle is malformed or truncated, names another key,
    or its signature does not verify. Nothing in the payload is trusted before that.
    """
    from cryptography.exceptions import InvalidSignature

    if len(data) > MAX_BUNDLE_BYTES:
        raise SignatureRejected(f"{SIGNATURE_FILE} is too large to be a signature bundle")
    bundle = _loads(data, SIGNATURE_FILE)
    if _field(bundle, "mediaType", str, "") != BUNDLE_MEDIA_TYPE:
        raise SignatureRejected(f"the signature is not a {BUNDLE_MEDIA_TYPE} bundle")
    material = _field(bundle, "verificationMaterial", dict, "")
    if "publicKey" in material and not isinstance(material["publicKey"], dict):
        raise SignatureRejected(
            "the signature is malformed: verificationMaterial.publicKey is not a table"
        )
    hint = _hint_of(bundle)
    if hint is not None and not isinstance(hint, str):
        raise SignatureRejected(
            "the signature is malformed: verificationMaterial.publicKey.hint is not a string"
        )
    if hint and hint != key_hint(public_key):
        raise SignatureRejected(
            "the package was signed with a different key than the one given "
            f"(signer key {_printable(hint[:16])}…, given key {key_hint(public_key)[:16]}…)"
        )
    envelope = _field(bundle, "dsseEnvelope", dict, "")
    if _field(envelope, "payloadType", str, "dsseEnvelope.") != PAYLOAD_TYPE:
        raise SignatureRejected(f"the signed payload is not {PAYLOAD_TYPE}")
    payload = _b64(_field(envelope, "payload", str, "dsseEnvelope."), "the payload")
    signatures = _field(envelope, "signatures", list, "dsseEnvelope.")
    if len(signatures) != 1:
        raise SignatureRejected("the signature is malformed: expected exactly one signature")
    sig = _b64(_field(signatures[0], "sig", str, "dsseEnvelope.signatures[0]."), "the signature")
    try:
        public_key.verify(sig, pae(payload), _ecdsa(public_key))
    except InvalidSignature:
        raise SignatureRejected(
            "the signature does not verify with this key: the signed list of files was "
            "changed, or another key signed it"
        ) from None
    statement: dict[str, Any] = _loads(payload, f"the signed payload of {SIGNATURE_FILE}")
    return statement


def statement_digests(statement: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(subject name, path -> sha256) of a verified statement; checks its shape and root."""
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise SignatureRejected("the signed payload is not an in-toto Statement v1")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise SignatureRejected(f"the signed payload's predicate type is not {PREDICATE_TYPE}")
    subjects = _field(statement, "subject", list, "")
    if len(subjects) != 1:
        raise SignatureRejected("the signed payload must name exactly one subject")
    name = _field(subjects[0], "name", str, "subject[0].")
    root = _field(_field(subjects[0], "digest", dict, "subject[0]."), "sha256", str, "digest.")
    predicate = _field(statement, "predicate", dict, "")
    serialization = _field(predicate, "serialization", dict, "predicate.")
    if serialization.get("method") != "files" or serialization.get("hash_type") != "sha256":
        raise SignatureRejected("only per-file sha256 signatures are supported")
    digests: dict[str, str] = {}
    check = hashlib.sha256()
    for item in _field(predicate, "resources", list, "predicate."):
        path = _field(item, "name", str, "resource.")
        digest = _field(item, "digest", str, "resource.")
        if item.get("algorithm") != "sha256" or len(digest) != 64 or path in digests:
            raise SignatureRejected(
                f"the signed entry for '{_printable(path)}' is malformed or repeated"
            )
        try:
            check.update(bytes.fromhex(digest))
        except ValueError:
            raise SignatureRejected(
                f"the signed digest of '{_printable(path)}' is not hex"
            ) from None
        digests[path] = digest.lower()
    if check.hexdigest() != root.lower():
        raise SignatureRejected("the signed payload is inconsistent: its root digest is wrong")
    return name, digests
