"""Hostile packages: every damaged or crafted input ends in a clean verdict, never a traceback.

A corrupt deflate stream, a 100k-deep `model.sig`, wrong JSON types in the bundle, a signed
manifest that is a list or not UTF-8, and random flips, cuts and insertions in a real
exported zip: `verify` rejects (or, where nothing signed changed, verifies) within a time
bound, writes nothing, and says in one line which file is wrong.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pkg_helpers import SLUG

from shipyard.cli.commands import run
from shipyard.core.packaging.export import export_package
from shipyard.core.packaging.verify import (
    extract_package,
    signer_hint,
    verify_package,
    verify_with_workspace_keys,
)
from shipyard.core.signing.keys import load_private_key, public_key_pem
from shipyard.core.signing.model_signing import build_statement, sign_statement

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def package(pkg_ws: Any, tmp_path: Path) -> Any:
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    result.pem = public_key_pem(pkg_ws, result.key_id)
    result.pub = tmp_path / "signer.pub.pem"
    result.pub.write_bytes(result.pem)
    return result


def _rezip(src: Path, dest: Path, replace: dict[str, bytes], stored: bool = False) -> Path:
    """Copy the archive, replacing some entries' bytes (stored uncompressed when asked)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info))
            if stored and info.filename in replace:
                info.compress_type = zipfile.ZIP_STORED
            zout.writestr(info, data)
    return dest


def _corrupt_deflate(src: Path, dest: Path, entry: str) -> Path:
    """The archive with `entry`'s deflate stream made invalid (block type 3), sizes intact."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(entry)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start] = 0xFF  # BFINAL=1, BTYPE=11: "invalid block type"
    dest.write_bytes(bytes(data))
    return dest


def _one_line_rejection(result: Any, *words: str) -> None:
    assert not result.ok
    assert result.message.startswith("REJECTED: ")
    assert "\n" not in result.message
    for word in words:
        assert word in result.message, result.message


def _cli_verify(package: Path, pub: Path, capsys: Any) -> tuple[int, str]:
    code = run(["verify", str(package), "--key", str(pub)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out


@pytest.mark.parametrize("entry", ["model_card.md", "serve.py", "model.sig"])
def test_a_corrupt_deflate_stream_is_a_clean_rejection(
    package: Any, tmp_path: Path, capsys: Any, entry: str
) -> None:
    broken = _corrupt_deflate(package.zip_path, tmp_path / "broken.zip", entry)
    result = verify_package(broken, package.pem)
    _one_line_rejection(result, f"'{entry}' cannot be read", "compressed data is corrupt")
    assert result.manifest is None and result.card is None
    code, out = _cli_verify(broken, package.pub, capsys)
    assert code == 1
    assert out.splitlines()[0] == result.message
    assert out.splitlines()[1].startswith("fix: ")
    assert not extract_package(broken, package.pem, tmp_path / "unpacked").ok
    assert not (tmp_path / "unpacked").exists()


def test_a_deeply_nested_signature_is_a_clean_rejection(
    pkg_ws: Any, package: Any, tmp_path: Path, capsys: Any
) -> None:
    folder = tmp_path / "deep"
    shutil.copytree(package.folder, folder)
    (folder / "model.sig").write_bytes(DEEP)
    deep_zip = _rezip(package.zip_path, tmp_path / "deep.zip", {"model.sig": DEEP}, stored=True)
    for path in (folder, deep_zip):
        result = verify_package(path, package.pem)
        _one_line_rejection(result, "model.sig", "nested too deeply")
        code, out = _cli_verify(path, package.pub, capsys)
        assert code == 1 and out.splitlines()[0] == result.message
        assert signer_hint(path) == ""
        untrusted = verify_with_workspace_keys(pkg_ws, path)  # picks the key by the hint
        assert not untrusted.ok and "does not trust" in untrusted.message


def _bundle(package: Any) -> dict[str, Any]:
    return json.loads((package.folder / "model.sig").read_bytes())


def _wrong_types(bundle: dict[str, Any]) -> dict[str, Any]:
    envelope = bundle["dsseEnvelope"]
    material = bundle["verificationMaterial"]
    return {
        "a list": [bundle],
        "a string": "model.sig",
        "null": None,
        "publicKey a list": {**bundle, "verificationMaterial": {**material, "publicKey": [1]}},
        "hint a number": {**bundle, "verificationMaterial": {"publicKey": {"hint": 7}}},
        "hint a table": {**bundle, "verificationMaterial": {"publicKey": {"hint": {}}}},
        "hint with a newline": {
            **bundle,
            "verificationMaterial": {"publicKey": {"hint": "ab\ncd" * 10}},
        },
        "material a list": {**bundle, "verificationMaterial": []},
        "signatures a table": {**bundle, "dsseEnvelope": {**envelope, "signatures": {}}},
        "signature a string": {**bundle, "dsseEnvelope": {**envelope, "signatures": ["x"]}},
        "sig a number": {**bundle, "dsseEnvelope": {**envelope, "signatures": [{"sig": 5}]}},
        "payload a number": {**bundle, "dsseEnvelope": {**envelope, "payload": 1e308}},
        "payload non-ascii": {**bundle, "dsseEnvelope": {**envelope, "payload": "é" * 8}},
    }


def test_a_signature_with_wrong_types_is_a_clean_rejection(
    pkg_ws: Any, package: Any, tmp_path: Path
) -> None:
    cases: dict[str, bytes] = {
        label: json.dumps(value).encode() for label, value in _wrong_types(_bundle(package)).items()
    }
    cases["not utf-8"] = b'{"mediaType": "\xff\xfe"}'
    cases["deep object"] = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    for label, data in cases.items():
        folder = tmp_path / label.replace(" ", "-")
        shutil.copytree(package.folder, folder)
        (folder / "model.sig").write_bytes(data)
        result = verify_package(folder, package.pem)
        _one_line_rejection(result)
        assert result.manifest is None, label
        assert isinstance(signer_hint(folder), str)
        assert not verify_with_workspace_keys(pkg_ws, folder).ok


def _resign(pkg_ws: Any, package: Any, folder: Path, edits: dict[str, bytes]) -> None:
    """Change files in a package folder and sign it again with the workspace key."""
    import hashlib

    for name, data in edits.items():
        (folder / name).write_bytes(data)
    digests = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.name != "model.sig"
    }
    name = json.loads(base64.b64decode(_bundle(package)["dsseEnvelope"]["payload"]))
    statement = build_statement(name["subject"][0]["name"], digests)
    key = load_private_key(pkg_ws, package.key_id)
    (folder / "model.sig").write_bytes(sign_statement(key, statement))


@pytest.mark.parametrize(
    ("edits", "problem"),
    [
        ({"manifest.json": b"[1, 2]"}, "manifest.json is signed but is not a JSON object"),
        ({"manifest.json": b'{"files": "\xff\xfe"}'}, "not valid UTF-8 JSON"),
        ({"manifest.json": DEEP}, "manifest.json is signed but is nested too deeply"),
        ({"manifest.json": b'{"files": [1], "package": "x", "gate": 3}'}, "files is not a"),
        ({"gate_report.json": b'"pass"'}, "gate_report.json is signed but is not a JSON object"),
        ({"gate_report.json": b'{"verdict": ["pass"], "checks": 3}'}, None),
    ],
)
def test_a_signed_manifest_of_the_wrong_shape_is_named_not_a_crash(
    pkg_ws: Any,
    package: Any,
    tmp_path: Path,
    capsys: Any,
    edits: dict[str, bytes],
    problem: str | None,
) -> None:
    folder = tmp_path / "odd"
    shutil.copytree(package.folder, folder)
    _resign(pkg_ws, package, folder, edits)
    result = verify_package(folder, package.pem)
    assert result.ok, result.message  # the signer really signed these bytes
    assert result.manifest is None or isinstance(result.manifest, dict)
    assert result.gate_report is None or isinstance(result.gate_report, dict)
    if problem:
        assert any(problem in p for p in result.problems), result.problems
    code, out = _cli_verify(folder, package.pub, capsys)
    assert code == 0 and out.startswith("VERIFIED: ")


def test_a_truncated_zip_and_a_zip_of_duplicates_are_clean_rejections(
    package: Any, tmp_path: Path, capsys: Any
) -> None:
    data = package.zip_path.read_bytes()
    for cut in (0, 1, 22, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut{cut}.zip"
        path.write_bytes(data[:cut])
        result = verify_package(path, package.pem)
        _one_line_rejection(result, f"cut{cut}.zip")
        assert _cli_verify(path, package.pub, capsys)[0] == 1
    import warnings

    for name in ("model.sig", "manifest.json", "model.onnx"):
        twice = _rezip(package.zip_path, tmp_path / "twice.zip", {})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
            with zipfile.ZipFile(twice, "a") as zf:
                zf.writestr(name, b"{}")
        result = verify_package(twice, package.pem)
        _one_line_rejection(result, f"holds '{name}' twice")
        assert _cli_verify(twice, package.pub, capsys)[0] == 1


def test_huge_declared_sizes_are_refused_before_reading(package: Any, tmp_path: Path) -> None:
    data = bytearray(package.zip_path.read_bytes())
    with zipfile.ZipFile(package.zip_path) as zf:
        infos = zf.infolist()
    end = data.rindex(b"PK\x05\x06")
    central = int.from_bytes(data[end + 16 : end + 20], "little")
    # The first central-directory record claims 4 GiB - 1 of content.
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = (0xFFFFFFFE).to_bytes(4, "little")
    huge = tmp_path / "huge.zip"
    huge.write_bytes(bytes(data))
    started = time.perf_counter()
    result = verify_package(huge, package.pem)
    assert time.perf_counter() - started < 5
    _one_line_rejection(result, infos[0].filename)


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p), p.stat().st_size) for p in folder.rglob("*"))


def test_mutated_zip_bytes_always_end_in_a_clean_verdict(pkg_ws: Any, tmp_path: Path) -> None:
    exported = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    pem = public_key_pem(pkg_ws, exported.key_id)
    original = exported.zip_path.read_bytes()
    work = tmp_path / "mutations"
    work.mkdir()
    target = work / "package.zip"
    before_ws = _listing(pkg_ws.root)

    @settings(
        max_examples=int(os.environ.get("SHIPYARD_FUZZ_EXAMPLES", "50")),  # more: a longer hunt
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        edits=st.lists(
            st.tuples(
                st.sampled_from(["flip", "truncate", "insert", "zero"]),
                st.integers(min_value=0, max_value=len(original) - 1),
                st.binary(min_size=1, max_size=16),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def check(edits: list[tuple[str, int, bytes]]) -> None:
        data = bytearray(original)
        for kind, at, extra in edits:
            at = min(at, max(len(data) - 1, 0))
            if kind == "flip" and data:
                data[at] ^= extra[0] or 0x01
            elif kind == "truncate":
                del data[at:]
            elif kind == "insert":
                data[at:at] = extra
            elif kind == "zero":
                data[at : at + len(extra)] = bytes(len(data[at : at + len(extra)]))
        target.write_bytes(bytes(data))
        before = _listing(work)
        started = time.perf_counter()
        result = verify_package(target, pem)
        hint = signer_hint(target)
        trusted = verify_with_workspace_keys(pkg_ws, target)
        assert time.perf_counter() - started < 10
        assert isinstance(hint, str)
        for verdict in (result, trusted):
            assert verdict.message.startswith(("VERIFIED: ", "REJECTED: ")), verdict.message
            assert "\n" not in verdict.message
            if not verdict.ok:
                assert verdict.manifest is None and verdict.card is None and verdict.fix
        if bytes(data) == original:
            assert result.ok
        assert _listing(work) == before  # verify writes nothing

    check()
    assert _listing(pkg_ws.root) == before_ws


def test_entry_names_with_control_characters_are_refused_in_one_line(
    package: Any, tmp_path: Path, capsys: Any
) -> None:
    for name in ("model.onnx\nVERIFIED: all good", "serve\r.py", "a\x1b[2Jb"):
        evil = tmp_path / "evil.zip"
        _rezip(package.zip_path, evil, {})
        with zipfile.ZipFile(evil, "a") as zf:
            zf.writestr(name, b"x")
        result = verify_package(evil, package.pem)
        _one_line_rejection(result, "control character")
        code, out = _cli_verify(evil, package.pub, capsys)
        assert code == 1 and len(out.splitlines()) == 2  # the verdict, then the fix
    folder = tmp_path / "folder"
    shutil.copytree(package.folder, folder)
    (folder / "extra\nVERIFIED: fine").write_bytes(b"x")
    result = verify_package(folder, package.pem)
    _one_line_rejection(result, "extra file(s)", "extra\\nVERIFIED: fine")


def test_a_fifo_a_deep_folder_and_a_crowded_folder_are_refused(
    pkg_ws: Any, package: Any, tmp_path: Path
) -> None:
    fifo = tmp_path / "package.zip"
    os.mkfifo(fifo)  # opening it to read would block for ever
    result = verify_package(fifo, package.pem)
    _one_line_rejection(result, "neither a .zip file nor a package folder")
    assert signer_hint(fifo) == ""
    assert not verify_with_workspace_keys(pkg_ws, fifo).ok
    deep = tmp_path / "deep"
    shutil.copytree(package.folder, deep)
    nested = deep.joinpath(*["d"] * 40)
    nested.mkdir(parents=True)
    (nested / "x").write_bytes(b"x")
    started = time.perf_counter()
    _one_line_rejection(verify_package(deep, package.pem), "nested more than 32 folders deep")
    crowded = tmp_path / "crowded"
    shutil.copytree(package.folder, crowded)
    (crowded / "many").mkdir()
    for i in range(10_001):
        (crowded / "many" / str(i)).touch()
    _one_line_rejection(verify_package(crowded, package.pem), "more than 10000 entries")
    assert time.perf_counter() - started < 20


def test_an_archive_declaring_a_huge_directory_is_refused_before_it_is_parsed(
    package: Any, tmp_path: Path
) -> None:
    data = bytearray(package.zip_path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    many = bytearray(data)
    many[end + 8 : end + 12] = (60_000).to_bytes(2, "little") * 2
    (tmp_path / "many.zip").write_bytes(bytes(many))
    _one_line_rejection(verify_package(tmp_path / "many.zip", package.pem), "60000 entries")
    big = bytearray(data)
    big[end + 12 : end + 16] = (200 << 20).to_bytes(4, "little")
    (tmp_path / "big.zip").write_bytes(bytes(big))
    _one_line_rejection(verify_package(tmp_path / "big.zip", package.pem), "directory is 200 MiB")
    # A real archive of 20000 empty entries: refused from its end record, in well under a second.
    crowded = tmp_path / "crowded.zip"
    with zipfile.ZipFile(crowded, "w") as zf:
        for i in range(20_000):
            zf.writestr(f"f{i}", b"")
    started = time.perf_counter()
    _one_line_rejection(verify_package(crowded, package.pem), "20000 entries")
    assert time.perf_counter() - started < 0.5


def test_an_unreadable_file_in_a_package_folder_is_a_clean_rejection(
    package: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.core.packaging import verify

    real = verify.sha256_file

    def denied(path: Path) -> str:
        if path.name == "model.onnx":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(verify, "sha256_file", denied)
    result = verify_package(package.folder, package.pem)
    _one_line_rejection(result, "'model.onnx' cannot be read (Permission denied)")
