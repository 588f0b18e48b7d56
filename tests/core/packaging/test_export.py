"""Exporting a package: contents, gates, determinism, overrides, audit."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pkg_helpers import SLUG, write_gate_report

from shipyard.core.errors import ShipyardError
from shipyard.core.packaging.export import export_package

FILES = {
    "README.md", "flags.flagd.json", "gate_report.json", "manifest.json", "model.onnx",
    "model.sig", "model_card.md", "request_contract.py", "rollout.yaml", "serve.py",
}  # fmt: skip


def test_export_writes_a_complete_signed_package(pkg_ws: Any, tmp_path: Path) -> None:
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    assert result.run_id == pkg_ws.run_id
    assert {p.name for p in result.folder.iterdir()} == FILES
    with zipfile.ZipFile(result.zip_path) as zf:
        assert sorted(zf.namelist()) == sorted(FILES)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["package"] == {
        "name": SLUG, "version": pkg_ws.run_id, "title": pkg_ws.project(SLUG).title,
    }  # fmt: skip
    assert [i["name"] for i in manifest["inputs"]] == manifest["feature_names"]
    assert {i["role"] for i in manifest["inputs"]} >= {"numeric", "categorical"}
    assert manifest["class_labels"] == [False, True]  # the target is BOOLEAN
    assert manifest["label_type"] == "boolean"
    assert {o["name"] for o in manifest["outputs"]} == {"label", "probabilities"}
    assert manifest["data"]["fingerprint"] and manifest["metrics"]["roc_auc"] > 0.5
    assert manifest["files"]["model.onnx"] == result.model_sha256
    assert set(manifest["files"]) == FILES - {"manifest.json", "model.sig"}
    assert manifest["gate"]["passed"] and manifest["gate"]["override"] is None
    assert manifest["tools"]["onnxruntime"] and manifest["signature"]["key_id"] == result.key_id
    flags = json.loads((result.folder / "flags.flagd.json").read_text())
    assert "flags" in flags
    gate = json.loads((result.folder / "gate_report.json").read_text())
    assert gate["passed"] and gate["model_sha256"] == result.model_sha256
    entry = pkg_ws.audit.path.read_text().splitlines()[-1]
    assert '"package.export"' in entry and result.zip_sha256 in entry


def test_same_inputs_give_a_byte_identical_zip(pkg_ws: Any, tmp_path: Path) -> None:
    first = export_package(pkg_ws, SLUG, out_dir=tmp_path / "a", user="t")
    second = export_package(pkg_ws, SLUG, out_dir=tmp_path / "b", user="t")
    one, two = first.zip_path.read_bytes(), second.zip_path.read_bytes()

    def unsigned(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist() if n != "model.sig"}

    assert unsigned(first.zip_path) == unsigned(second.zip_path)
    # Deterministic ECDSA (RFC 6979) makes even the signature repeat.
    assert one == two
    # Exporting again to the same place replaces the package in full.
    third = export_package(pkg_ws, SLUG, out_dir=tmp_path / "a", user="t")
    assert third.zip_path.read_bytes() == one and not list((tmp_path / "a").glob(".*"))


def test_export_refuses_missing_failed_or_stale_gates(pkg_ws: Any, tmp_path: Path) -> None:
    from shipyard.core.training import load_run

    run = load_run(pkg_ws, SLUG, pkg_ws.run_id)
    (run.folder / "gate_report.json").unlink()
    with pytest.raises(ShipyardError, match="has not been gated") as err:
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    assert "--override-gates" in err.value.fix
    write_gate_report(pkg_ws, pkg_ws.run_id, passed=False)
    with pytest.raises(ShipyardError, match="did not pass: ROC AUC"):
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    write_gate_report(pkg_ws, pkg_ws.run_id, sha="ab" * 32)
    with pytest.raises(ShipyardError, match="measured other model bytes"):
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_override_reason_exports_and_is_audited(pkg_ws: Any, tmp_path: Path) -> None:
    write_gate_report(pkg_ws, pkg_ws.run_id, passed=False)
    with pytest.raises(ShipyardError):
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t", override_reason="  ")
    result = export_package(
        pkg_ws, SLUG, out_dir=tmp_path / "o", user="t", override_reason="hotfix for INC-42"
    )
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["gate"] == {
        "verdict": "fail", "passed": False, "report_sha256": result.files["gate_report.json"],
        "override": "hotfix for INC-42", "problem": "the gates did not pass: ROC AUC ≥ 0.6",
    }  # fmt: skip
    last = json.loads(pkg_ws.audit.path.read_text().splitlines()[-1])
    assert last["action"] == "package.export" and last["reason"] == "hotfix for INC-42"
    assert last["details"]["gate_override"] is True


def test_export_needs_a_key_and_a_run(pkg_ws: Any, tmp_path: Path) -> None:
    import shutil

    shutil.rmtree(pkg_ws.root / "keys")
    with pytest.raises(ShipyardError, match="no signing key") as err:
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t")
    assert "keys generate" in err.value.fix
    with pytest.raises(ShipyardError, match="has no run 'nope'"):
        export_package(pkg_ws, SLUG, run_id="nope", out_dir=tmp_path / "o", user="t")


def test_a_cancelled_export_leaves_nothing(pkg_ws: Any, tmp_path: Path) -> None:
    from shipyard.core.jobs import Cancelled, JobControl

    job = JobControl()

    def progress(fraction: float, message: str) -> None:
        if message == "zipping":
            job.cancel()

    job._on_progress = progress
    with pytest.raises(Cancelled):
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t", job=job)
    assert list((tmp_path / "o").iterdir()) == []
