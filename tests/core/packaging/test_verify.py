"""Verifying packages: every rejection the issue lists, and the reference CLI agrees."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pkg_helpers import SLUG

from shipyard.core.packaging.export import export_package
from shipyard.core.packaging.verify import extract_package, verify_package
from shipyard.core.signing.keys import public_key_pem

MODEL_SIGNING = Path(sys.executable).with_name("model_signing")


@pytest.fixture
def package(pkg_ws: Any, tmp_path: Path) -> Any:
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    result.pem = public_key_pem(pkg_ws, result.key_id)
    pub = tmp_path / "signer.pub.pem"
    pub.write_bytes(result.pem)
    result.pub = pub
    return result


def _rezip(src: Path, dest: Path, edit: Any) -> Path:
    """Copy the archive entry by entry, letting `edit(name, data)` change or drop entries."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            out = edit(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(info, out)
    return dest


def test_an_intact_package_verifies_as_zip_and_folder(package: Any) -> None:
    for path in (package.zip_path, package.folder):
        result = verify_package(path, package.pem)
        assert result.ok, result.message
        assert result.message.startswith("VERIFIED: churn-risk-")
        assert result.files == {k: v for k, v in package.files.items()}
        assert result.manifest["package"]["version"] == package.run_id
        assert result.gate_report["verdict"] == "pass"
        assert result.card.startswith("---\n") and not result.problems


def test_a_changed_byte_in_any_file_is_rejected(package: Any, tmp_path: Path) -> None:
    for name in sorted(package.files):

        def flip(entry: str, data: bytes, target: str = name) -> bytes:
            if entry != target:
                return data
            return data[:-1] + bytes([data[-1] ^ 1])

        bad = _rezip(package.zip_path, tmp_path / f"bad-{name}.zip", flip)
        result = verify_package(bad, package.pem)
        assert not result.ok
        assert f"'{name}' was changed after signing" in result.message
    folder = tmp_path / "folder"
    shutil.copytree(package.folder, folder)
    with open(folder / "model.onnx", "r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert "'model.onnx' was changed" in verify_package(folder, package.pem).message


def test_extra_and_missing_files_are_rejected(package: Any, tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    shutil.copytree(package.folder, folder)
    (folder / "notes.txt").write_text("hi")
    result = verify_package(folder, package.pem)
    assert (
        not result.ok and "extra file(s) not covered by the signature: notes.txt" in result.message
    )
    (folder / "notes.txt").unlink()
    (folder / "serve.py").unlink()
    assert (
        "missing file(s) the signature lists: serve.py"
        in verify_package(folder, package.pem).message
    )
    dropped = _rezip(package.zip_path, tmp_path / "drop.zip",
                     lambda n, d: None if n == "rollout.yaml" else d)  # fmt: skip
    assert "missing file(s)" in verify_package(dropped, package.pem).message
    nosig = _rezip(package.zip_path, tmp_path / "nosig.zip",
                   lambda n, d: None if n == "model.sig" else d)  # fmt: skip
    assert "no signature" in verify_package(nosig, package.pem).message


def test_a_wrong_key_is_rejected(package: Any) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from shipyard.core.signing.model_signing import public_pem

    other = public_pem(ec.generate_private_key(ec.SECP256R1()).public_key())
    result = verify_package(package.zip_path, other)
    assert not result.ok and "signed with a different key" in result.message
    assert "REJECTED" in verify_package(package.zip_path, b"not a key").message


def test_malformed_or_truncated_bundles_are_rejected(package: Any, tmp_path: Path) -> None:
    sig = (package.folder / "model.sig").read_bytes()
    bundle = json.loads(sig)
    payload = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    payload["predicate"]["resources"][0]["digest"] = "0" * 64
    forged = json.loads(sig)
    forged["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    cases = {
        "truncated": sig[: len(sig) // 2],
        "empty": b"",
        "not-a-bundle": b'{"mediaType": "something else"}',
        "no-envelope": json.dumps({**bundle, "dsseEnvelope": None}).encode(),
        "bad-base64": sig.replace(b'"sig":"', b'"sig":"!!'),
        "forged-payload": json.dumps(forged).encode(),
    }
    for label, data in cases.items():
        folder = tmp_path / label
        shutil.copytree(package.folder, folder)
        (folder / "model.sig").write_bytes(data)
        result = verify_package(folder, package.pem)
        assert not result.ok, label
        assert result.message.startswith("REJECTED"), label
        assert result.manifest is None and result.card is None  # nothing read
    truncated = tmp_path / "cut.zip"
    truncated.write_bytes(package.zip_path.read_bytes()[:-200])
    assert "not a readable zip" in verify_package(truncated, package.pem).message


def _evil_zip(path: Path, name: str, data: bytes = b"x", mode: int = 0o100644) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


@pytest.mark.parametrize(
    ("name", "mode", "expected"),
    [
        ("../evil.py", 0o100644, "climbs out"),
        ("a/../../evil.py", 0o100644, "climbs out"),
        ("/etc/passwd", 0o100644, "absolute path"),
        ("C:/evil.py", 0o100644, "absolute path"),
        ("dir\\evil.py", 0o100644, "backslash"),
        ("link", 0o120777, "is a symlink"),
    ],
)
def test_unsafe_archive_entries_are_rejected(
    package: Any, tmp_path: Path, name: str, mode: int, expected: str
) -> None:
    evil = _evil_zip(tmp_path / "evil.zip", name, b"/etc/passwd", mode)
    result = verify_package(evil, package.pem)
    assert not result.ok and expected in result.message


def test_a_symlink_in_a_folder_is_rejected(package: Any, tmp_path: Path) -> None:
    folder = tmp_path / "linked"
    shutil.copytree(package.folder, folder)
    (folder / "rollout.yaml").unlink()
    os.symlink("/etc/hostname", folder / "rollout.yaml")
    assert "'rollout.yaml' is a symlink" in verify_package(folder, package.pem).message


def test_decompression_bombs_are_rejected(package: Any, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.onnx", b"\0" * (50 << 20))  # 50 MiB of zeros -> ~50 KiB
    assert "decompression bomb" in verify_package(bomb, package.pem).message
    result = verify_package(package.zip_path, package.pem, max_total=1024)
    assert not result.ok and "decompression bomb" in result.message


def test_extract_unpacks_only_a_verified_package(package: Any, tmp_path: Path) -> None:
    result = extract_package(package.zip_path, package.pem, tmp_path / "unpacked")
    assert result.ok
    assert sorted(p.name for p in (tmp_path / "unpacked").iterdir()) == sorted(
        [*package.files, "model.sig"]
    )
    bad = _rezip(package.zip_path, tmp_path / "bad.zip",
                 lambda n, d: d + b"\n" if n == "serve.py" else d)  # fmt: skip
    assert not extract_package(bad, package.pem, tmp_path / "nope").ok
    assert not (tmp_path / "nope").exists()


@pytest.mark.skipif(not MODEL_SIGNING.exists(), reason="model-signing (dev extra) not installed")
def test_the_reference_model_signing_cli_verifies_our_packages(
    package: Any, tmp_path: Path
) -> None:
    def cli(folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MODEL_SIGNING), "verify", "key", "--signature", str(folder / "model.sig"),
             "--public_key", str(package.pub), str(folder)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    done = cli(package.folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verification succeeded" in done.stdout
    tampered = tmp_path / "tampered"
    shutil.copytree(package.folder, tampered)
    with open(tampered / "model_card.md", "a") as fh:
        fh.write("\nchanged\n")
    done = cli(tampered)
    assert done.returncode == 1
    assert "Hash mismatch for" in done.stderr and "model_card.md" in done.stderr


def test_workspace_keys_are_picked_by_the_signature(pkg_ws: Any, package: Any) -> None:
    from shipyard.core.packaging.verify import signer_hint, verify_with_workspace_keys
    from shipyard.core.signing.keys import rotate_key

    assert signer_hint(package.zip_path).startswith(package.key_id)
    rotate_key(pkg_ws, user="t", reason="test")  # retired keys still verify old packages
    assert verify_with_workspace_keys(pkg_ws, package.zip_path).ok
    shutil.rmtree(pkg_ws.root / "keys")
    result = verify_with_workspace_keys(pkg_ws, package.zip_path)
    assert not result.ok and "which this workspace does not trust" in result.message


def test_repeated_entries_and_foreign_local_headers_are_rejected(
    package: Any, tmp_path: Path
) -> None:
    import warnings

    twice = tmp_path / "twice.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(twice, "w") as zf:
            zf.writestr("model.onnx", b"a")
            zf.writestr("model.onnx", b"b")
    assert "holds 'model.onnx' twice" in verify_package(twice, package.pem).message
    # A stored entry whose local header names another file (a zip-confusion trick).
    data = bytearray(package.zip_path.read_bytes())
    with zipfile.ZipFile(package.zip_path) as zf:
        offset = zf.getinfo("model.onnx").header_offset
    assert data[offset + 30 : offset + 40] == b"model.onnx"
    data[offset + 30 : offset + 40] = b"model.onnz"
    confused = tmp_path / "confused.zip"
    confused.write_bytes(bytes(data))
    assert "names another file" in verify_package(confused, package.pem).message


def test_a_card_that_contradicts_its_package_is_named(package: Any) -> None:
    from shipyard.core.packaging.verify import card_disagreements

    result = verify_package(package.folder, package.pem)
    assert card_disagreements(result.card, result.gate_report, result.files) == []
    # What packages exported before the card was refreshed could say.
    stale = result.card.replace("**Gate verdict: pass**", "**Gate verdict: fail**")
    stale = stale.replace(package.model_sha256, "0" * 64)
    assert card_disagreements(stale, result.gate_report, result.files) == [
        "model_card.md says the gate verdict is fail but gate_report.json says pass",
        "model_card.md names another model sha256 than the model.onnx signed here",
    ]
    ungated = re.sub(r"\*\*Gate verdict: pass\*\*", "**Not gated yet.**", result.card)
    assert card_disagreements(ungated, result.gate_report, result.files) == [
        "model_card.md says the run was not gated but gate_report.json has checks"
    ]
