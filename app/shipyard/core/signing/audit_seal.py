"""Signed checkpoints of the audit log, so a teammate cannot quietly rewrite it.

The hash chain alone shows a changed line, but anyone with write access can delete the
last lines, empty the log, or rewrite history and recompute every hash. A **seal** signs
the log's head (entry count + the hash of the last entry) with a signing key of the
workspace (ECDSA P-256, the key that signs packages) and is appended to
`audit.seals.jsonl` beside the log. `verify_audit` then checks every seal's signature with
the workspace's public key and that the log still holds the sealed entry at the sealed
position with the sealed hash: truncation, removal and rewrites up to the last seal are
detected, and each seal names whose key signed it.

What a seal cannot show (said in the README too): changes after the last seal; the loss of
the newest seals themselves when the log is cut back to an older seal (a package carries
the seal of its export time, and every gate run and export adds one, which narrows that
window); and a rewrite by someone who holds a signing key of the workspace.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import SEALS_NAME
from shipyard.core.workspace.workspace import Workspace

# in a package: the seal of the log at export time
SEAL_FORMAT = 1
MAX_SEAL_LINE = 16_384  # a seal line is ~400 bytes; anything far larger is not a seal


@dataclass(frozen=True)
class Seal:
    entries: int
    head: str  # hash of entry number `entries` (GENESIS for an empty log)
    time: str
    user: str
    key_id: str
    signature: str  # base64 DER ECDSA-SHA256 over `payload()`
    format: int = SEAL_FORMAT

    def payload(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class SealCheck:
    line: int
    entries: int
    key_id: str
    signer: str  # the key owner's name, from the workspace's key record
    time: str
    ok: bool
    problem: str = ""


@dataclass
class AuditReport:
    ok: bool
    entries: int
    broken_line: int | None = None
    reason: str = ""
    seals: list[SealCheck] = field(default_factory=list)

    @property
    def sealed_upto(self) -> int:
        good = [s.entries for s in self.seals if s.ok]
        return max(good) if good else 0

    def describe(self, path: Any = "audit log") -> list[str]:
        """One line for the chain (as `shipyard audit verify` prints it), one per seal."""
        lines = []
        if self.broken_line is not None:
            lines.append(f"{path}:{self.broken_line}: chain broken — {self.reason}")
        else:
            lines.append(f"{path}: {self.entries} entries, chain intact")
        for s in self.seals:
            who = f"{s.signer}'s key {s.key_id}" if s.signer else f"key {s.key_id}"
            verdict = "valid" if s.ok else f"FAILED — {s.problem}"
            lines.append(f"  seal (line {s.line}) of {s.entries} entries by {who}: {verdict}")
        if not self.seals:
            lines.append("  no seals: truncation or a recomputed chain cannot be detected "
                         "(seal it: shipyard audit seal WORKSPACE)")  # fmt: skip
        elif self.ok:
            unsealed = self.entries - self.sealed_upto
            lines.append(
                f"  sealed up to entry {self.sealed_upto}"
                + (f"; {unsealed} newer entries are not sealed yet" if unsealed else "")
            )
        return lines


def seals_path(ws: Workspace) -> Any:
    return ws.root / SEALS_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def seal_log(
    ws: Workspace,
    *,
    user: str,
    passphrase: str | None = None,
    key_id: str | None = None,
    private_key: Any = None,
) -> Seal:
    """Sign the log's current head with the workspace's active key (or `key_id`; a caller
    that already unlocked that key passes it as `private_key`)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from shipyard.core.signing import keys
    from shipyard.core.workspace.audit import GENESIS, append_line

    check = ws.audit.verify()
    if not check.ok:
        raise ShipyardError(
            f"the audit log is broken at line {check.broken_line} ({check.reason}): "
            "a broken log is not sealed",
            file=ws.audit.path,
            fix="restore the log from a backup, then seal it",
        )
    info = keys.get_key(ws, key_id) if key_id else keys.active_key(ws)
    if info is None:
        raise ShipyardError(
            "the workspace has no signing key to seal the audit log with",
            file=keys.keys_dir(ws),
            fix=f"generate one: shipyard keys generate {ws.root}",
        )
    private = private_key or keys.load_private_key(ws, info.key_id, passphrase)
    hashes_ = ws.audit.hashes()
    unsigned = Seal(
        entries=len(hashes_),
        head=hashes_[-1] if hashes_ else GENESIS,
        time=_now(),
        user=user,
        key_id=info.key_id,
        signature="",
    )
    der = private.sign(unsigned.payload(), ec.ECDSA(hashes.SHA256()))
    seal = Seal(**{**asdict(unsigned), "signature": base64.b64encode(der).decode("ascii")})
    append_line(seals_path(ws), json.dumps(asdict(seal), sort_keys=True) + "\n")
    return seal


def try_seal(ws: Workspace, *, user: str, **how: Any) -> tuple[Seal | None, str]:
    """Seal when a key can sign without asking (gate runs, exports); else (None, why)."""
    try:
        return seal_log(ws, user=user, **how), ""
    except ShipyardError as exc:
        return None, exc.message


def seal_json(seal: Seal) -> bytes:
    """A seal as a package carries it (`audit_seal.json`)."""
    body = {"log": "audit.jsonl", "seals": SEALS_NAME, **asdict(seal)}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_seals(ws: Workspace) -> list[tuple[int, Seal | None, str]]:
    """(line, seal, problem) for every line of the seals file; never raises on bad lines."""
    path = seals_path(ws)
    if not path.is_file():
        return []
    out: list[tuple[int, Seal | None, str]] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            if len(raw) > MAX_SEAL_LINE:
                out.append((number, None, "the line is far too long to be a seal"))
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
                seal = Seal(**data)
                if not isinstance(seal.entries, int) or not isinstance(seal.head, str):
                    raise TypeError("wrong field types")
            except (UnicodeDecodeError, ValueError, TypeError, RecursionError):
                out.append((number, None, "the line is not a seal"))
                continue
            out.append((number, seal, ""))
    return out


def _check_seal(ws: Workspace, seal: Seal, hashes_: list[str], total: int) -> tuple[str, str]:
    """(problem, signer) for one seal; problem '' when it holds."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from shipyard.core.signing import keys
    from shipyard.core.workspace.audit import GENESIS

    try:
        info = keys.get_key(ws, seal.key_id)
        public = serialization.load_pem_public_key(keys.public_key_pem(ws, seal.key_id))
    except (ShipyardError, ValueError):
        return f"signed by key '{seal.key_id}', which this workspace does not know", ""
    signer = info.user
    try:
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        public.verify(
            base64.b64decode(seal.signature, validate=True),
            seal.payload(),
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError):
        return "the signature does not match the seal (the seal was forged or edited)", signer
    if seal.entries > total:
        return (
            f"the log was cut: the seal covers {seal.entries} entries, the log holds {total}",
            signer,
        )
    if seal.entries > len(hashes_):
        return f"the chain breaks before entry {seal.entries}, which this seal covers", signer
    sealed_head = hashes_[seal.entries - 1] if seal.entries else GENESIS
    if sealed_head != seal.head:
        return (
            f"entry {seal.entries} is not the one that was sealed: the history up to it "
            "was rewritten",
            signer,
        )
    return "", signer


def verify_audit(ws: Workspace) -> AuditReport:
    """The chain and every seal; `ok` only when the chain is intact and every seal holds."""
    chain = ws.audit.verify()
    hashes_ = ws.audit.hashes()
    total = max(chain.entries, len(hashes_))
    if not chain.ok:  # the entries on lines after a break still count toward truncation
        total = sum(1 for _ in ws.audit.read_lines())
    report = AuditReport(chain.ok, chain.entries, chain.broken_line, chain.reason)
    for line, seal, problem in read_seals(ws):
        if seal is None:
            report.seals.append(SealCheck(line, 0, "?", "", "", False, problem))
            report.ok = False
            continue
        problem, signer = _check_seal(ws, seal, hashes_, total)
        report.seals.append(
            SealCheck(line, seal.entries, seal.key_id, signer, seal.time, not problem, problem)
        )
        report.ok = report.ok and not problem
    return report
