"""Verify a package (folder or .zip) against a public key before anything in it is used.

Order matters: the archive's structure is checked (safe_zip), then the signature bundle is
checked with the given key, then every file is hashed (streaming) and compared with the
signed digests — extra and missing files included. Only after all of that are the manifest,
the card and the gate report parsed for display. Nothing is ever unpickled or executed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.report import GateReport
from shipyard.core.jobs import JobControl
from shipyard.core.packaging.digests import sha256_bytes, sha256_file
from shipyard.core.packaging.safe_zip import (
    MAX_TOTAL,
    ArchiveRejected,
    hash_entry,
    inspect,
    open_archive,
    read_entry,
    shown,
)
from shipyard.core.signing.model_signing import (
    SignatureRejected,
    bundle_hint,
    load_public_key,
    open_bundle,
    statement_digests,
)
from shipyard.core.workspace.layout import (
    CARD_FILE,
    GATE_REPORT_FILE,
    MANIFEST_FILE,
    SIGNATURE_FILE,
)

SHOWN = (MANIFEST_FILE, CARD_FILE, GATE_REPORT_FILE)
SMALL_CAP = 16 << 20
SIGNATURE_CAP = 4 << 20


@dataclass
class VerifyResult:
    ok: bool
    message: str  # the verdict, one line, first
    path: Path
    problems: list[str] = field(default_factory=list)
    name: str = ""
    key_hint: str = ""  # the hint the bundle names (trusted only when ok)
    files: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    card: str | None = None
    gate_report: dict[str, Any] | None = None
    seconds: float = 0.0
    fix: str = ""  # for a rejected package: what to do instead of using it


class _Rejected(Exception):
    pass


# What to do about a rejected package, by what rejected it.
FIX_CHANGED = (
    "do not use these files: get the package again from its publisher, or export it "
    "again (shipyard export WORKSPACE PROJECT) and verify the new copy"
)
FIX_SIGNATURE = (
    "verify with the public key of the key that signed it (the signer exports it with "
    "shipyard keys export WORKSPACE KEY_ID); if that key fails too, do not use the package"
)
FIX_UNTRUSTED = (
    "verify with the signer's public key file (shipyard verify PACKAGE --key SIGNER.pub.pem) "
    "after checking with the signer that the key is theirs"
)


def _fix_for(exc: Exception) -> str:
    return FIX_SIGNATURE if isinstance(exc, SignatureRejected) else FIX_CHANGED


def _compare(signed: dict[str, str], present: list[str]) -> None:
    actual = set(present) - {SIGNATURE_FILE}
    extra, missing = sorted(actual - set(signed)), sorted(set(signed) - actual)
    problems = []
    if extra:
        problems.append("extra file(s) not covered by the signature: " + _names(extra))
    if missing:
        problems.append("missing file(s) the signature lists: " + _names(missing))
    if problems:
        raise _Rejected("; ".join(problems))


def _names(names: list[str], most: int = 8) -> str:
    text = ", ".join(shown(n, 80) for n in names[:most])
    return text + (f" and {len(names) - most} more" if len(names) > most else "")


def _mismatch(name: str) -> _Rejected:
    return _Rejected(f"'{shown(name)}' was changed after signing (its sha256 does not match)")


def _verify_zip(path: Path, key: Any, max_total: int, job: JobControl) -> tuple[Any, ...]:
    with open_archive(path) as zf:
        entries = inspect(zf, max_total)
        if SIGNATURE_FILE not in entries:
            raise _Rejected(f"the package has no signature ({SIGNATURE_FILE} is missing)")
        bundle = read_entry(zf, entries[SIGNATURE_FILE], SIGNATURE_CAP)
        hint = bundle_hint(bundle)
        name, signed = statement_digests(open_bundle(bundle, key))
        _compare(signed, list(entries))
        kept: dict[str, bytes] = {}
        total = sum(entries[n].file_size for n in signed) or 1
        done = 0
        with open(path, "rb", buffering=0) as raw:
            for fname in sorted(signed):
                job.progress(done / total, f"checking {fname}")
                info = entries[fname]
                if fname in SHOWN:
                    data = read_entry(zf, info, SMALL_CAP)
                    digest = sha256_bytes(data)
                    kept[fname] = data
                else:
                    digest = hash_entry(zf, raw, info)
                if digest != signed[fname]:
                    raise _mismatch(fname)
                done += info.file_size
    return name, hint, signed, kept


MAX_FOLDER_ENTRIES = 10_000  # a package holds about a dozen files
MAX_FOLDER_DEPTH = 32


def _check_kind(path: Path) -> None:
    """A package is a folder or a regular file: a FIFO or a device would block or never end."""
    mode = path.stat().st_mode
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise _Rejected(f"'{shown(str(path))}' is neither a .zip file nor a package folder")


def _walk(folder: Path) -> list[str]:
    """Every regular file under `folder`, walked without recursion and with bounds."""
    names: list[str] = []
    pending = [(folder, 0)]
    seen = 0
    while pending:
        current, depth = pending.pop()
        if depth > MAX_FOLDER_DEPTH:
            rel = shown(current.relative_to(folder).as_posix())
            raise _Rejected(f"unsafe package entry: '{rel}' is nested more than "
                            f"{MAX_FOLDER_DEPTH} folders deep")  # fmt: skip
        with os.scandir(current) as entries:
            for entry in entries:
                seen += 1
                if seen > MAX_FOLDER_ENTRIES:
                    raise _Rejected(
                        f"the package folder holds more than {MAX_FOLDER_ENTRIES} entries"
                    )
                full = Path(entry.path)
                mode = entry.stat(follow_symlinks=False).st_mode
                rel = full.relative_to(folder).as_posix()
                if stat.S_ISLNK(mode):
                    raise _Rejected(f"unsafe package entry: '{shown(rel)}' is a symlink")
                if stat.S_ISREG(mode):
                    names.append(rel)
                elif stat.S_ISDIR(mode):
                    pending.append((full, depth + 1))
                else:
                    raise _Rejected(f"unsafe package entry: '{shown(rel)}' is not a regular file")
    return names


def _verify_folder(path: Path, key: Any, job: JobControl) -> tuple[Any, ...]:
    present = _walk(path)
    sig = path / SIGNATURE_FILE
    if SIGNATURE_FILE not in present:
        raise _Rejected(f"the package has no signature ({SIGNATURE_FILE} is missing)")
    if sig.stat().st_size > SIGNATURE_CAP:
        raise _Rejected("the signature file is too large to be a signature bundle")
    bundle = sig.read_bytes()
    hint = bundle_hint(bundle)
    name, signed = statement_digests(open_bundle(bundle, key))
    _compare(signed, present)
    kept: dict[str, bytes] = {}
    for i, fname in enumerate(sorted(signed)):
        job.progress(i / max(len(signed), 1), f"checking {fname}")
        file = path / fname
        if fname in SHOWN and file.stat().st_size <= SMALL_CAP:
            data = file.read_bytes()
            digest = sha256_bytes(data)
            kept[fname] = data
        else:
            digest = sha256_file(file)
        if digest != signed[fname]:
            raise _mismatch(fname)
    return name, hint, signed, kept


def verify_package(
    path: Path | str,
    public_key_pem: bytes | str,
    *,
    max_total: int = MAX_TOTAL,
    job: JobControl | None = None,
) -> VerifyResult:
    """Check the package at `path` (a .zip or a folder) with the signer's PEM public key."""
    started = time.perf_counter()
    path = Path(path)
    job = job or JobControl()
    if not path.exists():
        raise ShipyardError("no package here", file=path, fix="give the .zip or the folder")
    pem = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
    result = VerifyResult(ok=False, message="", path=path)
    try:
        key = load_public_key(pem)
        _check_kind(path)
        if path.is_dir():
            name, hint, signed, kept = _verify_folder(path, key, job)
        else:
            name, hint, signed, kept = _verify_zip(path, key, max_total, job)
    except OSError as exc:  # an unreadable file in a package folder, a vanished zip
        return _rejected(result, _Rejected(_os_reason(exc, path)), started)
    except (SignatureRejected, ArchiveRejected, _Rejected) as exc:
        return _rejected(result, exc, started)
    result.ok, result.name, result.key_hint, result.files = True, name, hint, signed
    _read_shown(result, kept)
    result.message = (
        f"VERIFIED: {shown(name)} — {len(signed)} files match the signature of key "
        f"{shown(hint[:16])}"
    )
    result.seconds = round(time.perf_counter() - started, 4)
    job.progress(1.0, "verified")
    return result


def _os_reason(exc: OSError, package: Path) -> str:
    where = Path(str(exc.filename)) if exc.filename else package
    try:
        text = where.relative_to(package).as_posix() if where != package else str(package)
    except ValueError:
        text = str(where)
    return f"'{shown(text)}' cannot be read ({exc.strerror or type(exc).__name__})"


def _rejected(result: VerifyResult, exc: Exception, started: float) -> VerifyResult:
    result.message = f"REJECTED: {exc}"
    result.problems.append(str(exc))
    result.fix = _fix_for(exc)
    result.seconds = round(time.perf_counter() - started, 4)
    return result


def _read_shown(result: VerifyResult, kept: dict[str, bytes]) -> None:
    """Parse the signed manifest, card and gate report (only ever after verification)."""
    for fname, attr in ((MANIFEST_FILE, "manifest"), (GATE_REPORT_FILE, "gate_report")):
        if fname in kept:
            try:
                data = json.loads(kept[fname])
            except RecursionError:
                result.problems.append(f"{fname} is signed but is nested too deeply to read")
                continue
            except ValueError:  # UnicodeDecodeError included
                result.problems.append(f"{fname} is signed but is not valid UTF-8 JSON")
                continue
            if isinstance(data, dict):
                setattr(result, attr, data)
            else:
                result.problems.append(
                    f"{fname} is signed but is not a JSON object (it is a {type(data).__name__})"
                )
    if CARD_FILE in kept:
        result.card = kept[CARD_FILE].decode("utf-8", "replace")
    listed = (result.manifest or {}).get("files", {})
    if not isinstance(listed, dict):
        result.problems.append("manifest.json's files is not a table of name -> sha256")
        listed = {}
    wrong = [str(n) for n, d in listed.items() if result.files.get(n) != d]
    if wrong:
        result.problems.append("manifest.json disagrees with the files: " + ", ".join(wrong))
    result.problems += card_disagreements(result.card, result.gate_report, result.files)
    gate = _gate_report(result)
    gated = gate.model_sha256 if gate is not None else None
    model = result.files.get("model.onnx")
    if gated and model and gated != model:
        result.problems.append(
            "gate_report.json measured other model bytes than the model.onnx signed here"
        )


def _gate_report(result: VerifyResult) -> GateReport | None:
    """The signed gate report read as a `GateReport`; one of another shape is named in
    `problems` (the package stays verified: the signer signed those bytes)."""
    if result.gate_report is None:
        return None
    try:
        return GateReport.from_json(result.gate_report)
    except (ValueError, TypeError) as exc:
        result.problems.append(f"{GATE_REPORT_FILE} is signed but is malformed: {exc}")
        return None


def summary(result: VerifyResult) -> dict[str, str]:
    """Name, version, gate verdict and override of a verified package, as display text.

    Read defensively: a signed manifest or gate report of an unexpected shape shows '—'.
    """

    def table(obj: Any, key: str) -> dict[str, Any]:
        value = obj.get(key) if isinstance(obj, dict) else None
        return value if isinstance(value, dict) else {}

    def text(obj: dict[str, Any], key: str) -> str:
        value = obj.get(key)
        return "—" if value is None or isinstance(value, dict | list) else str(value)

    package = table(result.manifest, "package")
    gate = table(result.manifest, "gate")
    override = gate.get("override")
    return {
        "name": text(package, "name"),
        "version": text(package, "version"),
        "verdict": text(result.gate_report or {}, "verdict"),
        "override": str(override) if override and isinstance(override, str) else "",
    }


def card_disagreements(
    card: str | None, report: dict[str, Any] | None, files: dict[str, str]
) -> list[str]:
    """Where the packaged model card contradicts the gate report or the model beside it."""
    import re

    if not card:
        return []
    found = []
    said = re.search(r"\*\*Gate verdict: (\w+)\*\*", card)
    verdict = (report or {}).get("verdict")
    if said and report and said.group(1) != verdict:
        found.append(
            f"model_card.md says the gate verdict is {said.group(1)} but gate_report.json "
            f"says {verdict}"
        )
    if report and not said and "Not gated" in card and report.get("checks"):
        found.append("model_card.md says the run was not gated but gate_report.json has checks")
    sha = re.search(r"Model file sha256:\*\* `([0-9a-f]{64})`", card)
    if sha and files.get("model.onnx") and sha.group(1) != files["model.onnx"]:
        found.append("model_card.md names another model sha256 than the model.onnx signed here")
    return found


def extract_package(
    path: Path | str, public_key_pem: bytes | str, dest: Path | str
) -> VerifyResult:
    """Verify the .zip, then unpack it into the new folder `dest`, re-checking every byte."""
    import hashlib
    import zipfile
    import zlib

    from shipyard.core.packaging.digests import CHUNK

    result = verify_package(path, public_key_pem)
    if not result.ok:
        return result
    dest = Path(dest)
    if dest.exists():
        raise ShipyardError("the destination exists", file=dest, fix="choose a new folder")
    tmp = dest.with_name(f".{dest.name}.extracting")
    tmp.mkdir(parents=True)
    try:
        with zipfile.ZipFile(path) as zf:
            for fname in [*sorted(result.files), SIGNATURE_FILE]:
                digest = hashlib.sha256()
                with zf.open(fname) as src, open(tmp / fname, "xb") as out:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if fname in result.files and digest.hexdigest() != result.files[fname]:
                    raise _mismatch(fname)
        os.rename(tmp, dest)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # changed since it was verified
        shutil.rmtree(tmp, ignore_errors=True)
        why = f"the archive changed while it was unpacked ({' '.join(str(exc).split())})"
        result.ok, result.message = False, f"REJECTED: {why}"
        result.problems.append(why)
        result.fix = FIX_CHANGED
    except _Rejected as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        result.ok, result.message = False, f"REJECTED: {exc}"
        result.problems.append(str(exc))
        result.fix = FIX_CHANGED
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def signer_hint(path: Path | str) -> str:
    """The key hint a package's signature names, read without trusting anything else.

    Used only to pick which trusted public key to verify with; '' when unreadable.
    """
    path = Path(path)
    try:
        _check_kind(path)
        if path.is_dir():
            sig = path / SIGNATURE_FILE
            if sig.is_symlink() or not sig.is_file() or sig.stat().st_size > SIGNATURE_CAP:
                return ""
            return bundle_hint(sig.read_bytes())
        with open_archive(path) as zf:
            entries = inspect(zf)
            info = entries.get(SIGNATURE_FILE)
            return bundle_hint(read_entry(zf, info, SIGNATURE_CAP)) if info else ""
    except (ArchiveRejected, _Rejected, OSError):
        return ""


def verify_with_workspace_keys(
    ws: Any, path: Path | str, *, job: JobControl | None = None
) -> VerifyResult:
    """Verify with the workspace's trusted key that the signature names (active or retired)."""
    from shipyard.core.signing.keys import public_key_pem, trusted_key_for_hint

    hint = signer_hint(path)
    info = trusted_key_for_hint(ws, hint)
    if info is None:
        if not Path(path).exists():
            raise ShipyardError("no package here", file=path, fix="give the .zip or the folder")
        who = f"key {hint[:16]}" if hint else "an unnamed key"
        message = f"REJECTED: the package is signed by {who}, which this workspace does not trust"
        return VerifyResult(
            ok=False, message=message, path=Path(path), problems=[message[10:]], fix=FIX_UNTRUSTED
        )
    return verify_package(path, public_key_pem(ws, info.key_id), job=job)
