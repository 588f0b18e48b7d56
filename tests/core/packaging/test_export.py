"""Exporting a package: contents, gates, determinism, overrides, audit."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pkg_helpers import (
    SLUG,
    record_model_sha,
    swap_model,
    table_with,
    write_gate_report,
)

from shipyard.core.errors import ShipyardError
from shipyard.core.packaging.export import export_package

FILES = {
    "README.md", "flags.flagd.json", "gate_report.json", "manifest.json", "model.onnx",
    "audit_seal.json", "model.sig", "model_card.md", "request_contract.py", "rollout.yaml",
    "serve.py",
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

    # The audit seal (and the manifest and signature that list it) record the log as it
    # stood at each export, and the first export's entry is in the second one's log.
    history = {"model.sig", "audit_seal.json", "manifest.json"}

    def unsigned(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist() if n not in history}

    assert unsigned(first.zip_path) == unsigned(second.zip_path)
    seals = [json.loads((r.folder / "audit_seal.json").read_text()) for r in (first, second)]
    assert seals[1]["entries"] > seals[0]["entries"]
    manifests = [json.loads((r.folder / "manifest.json").read_text()) for r in (first, second)]
    for m in manifests:
        del m["files"]["audit_seal.json"]
    assert manifests[0] == manifests[1]
    third = export_package(pkg_ws, SLUG, out_dir=tmp_path / "a", user="t")
    assert unsigned(third.zip_path) == unsigned(first.zip_path)
    assert not list((tmp_path / "a").glob(".*"))


def test_export_refuses_missing_failed_or_stale_gates(pkg_ws: Any, tmp_path: Path) -> None:
    from shipyard.core.training import load_run

    run = load_run(pkg_ws, SLUG, pkg_ws.run_id)
    (run.folder / "gate_report.json").unlink()
    with pytest.raises(ShipyardError, match="has not been gated") as err:
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    assert "--override-gates" in err.value.fix
    assert f"shipyard gate {pkg_ws.root} {SLUG} --run {pkg_ws.run_id}" in err.value.fix
    write_gate_report(pkg_ws, pkg_ws.run_id, passed=False)
    with pytest.raises(ShipyardError, match="did not pass: ROC AUC") as err:
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    # The gates ran and failed: the refusal says what failed, and gating again is no fix.
    assert "0.52, threshold 0.6" in err.value.message
    assert "will not change the verdict" in err.value.fix and "--override-gates" in err.value.fix
    record_model_sha(pkg_ws, pkg_ws.run_id)  # the file is the trained one: the report is stale
    write_gate_report(pkg_ws, pkg_ws.run_id, sha="ab" * 32)
    with pytest.raises(ShipyardError, match="measured other model bytes") as err:
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    assert (
        err.value.fix
        == f"run the gates again: shipyard gate {pkg_ws.root} {SLUG} --run {pkg_ws.run_id}"
    )
    # Bytes the gates did not measure are never signed, not even with an override.
    with pytest.raises(ShipyardError, match="measured other model bytes"):
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t", override_reason="x")
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


def _dummy(ws: Any) -> str:
    from shipyard.core.training import list_runs

    return next(r.run_id for r in list_runs(ws, SLUG) if r.family == "dummy")


def _packaged(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_a_model_swapped_after_gating_is_refused(pkg_ws: Any, tmp_path: Path) -> None:
    champion, dummy = pkg_ws.run_id, _dummy(pkg_ws)
    recorded = record_model_sha(pkg_ws, champion)  # training records the file's hash
    swap_model(pkg_ws, dummy, champion)
    for reason in (None, "ship it anyway"):
        with pytest.raises(ShipyardError, match=r"model\.onnx was changed after training") as err:
            export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t", override_reason=reason)
        assert recorded[:12] in err.value.message
        assert (
            "retrain" in err.value.fix and f"shipyard train {pkg_ws.root} {SLUG}" in err.value.fix
        )
        assert err.value.file is not None and Path(err.value.file).name == "model.onnx"
    # A run recorded before hashes were kept: the gate report's hash still catches the swap.
    run_json = pkg_ws.projects_dir / SLUG / "runs" / champion / "run.json"
    data = json.loads(run_json.read_text())
    data["model_sha256"] = ""
    run_json.write_text(json.dumps(data))
    with pytest.raises(ShipyardError, match="measured other model bytes") as err:
        export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t")
    assert f"shipyard gate {pkg_ws.root} {SLUG} --run {champion}" in err.value.fix
    assert "if model.onnx was replaced after training" in err.value.fix
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_the_gate_report_of_another_run_is_refused(pkg_ws: Any, tmp_path: Path) -> None:
    import shutil

    from shipyard.core.training import load_run

    champion, dummy = pkg_ws.run_id, _dummy(pkg_ws)
    write_gate_report(pkg_ws, dummy)
    theirs = load_run(pkg_ws, SLUG, dummy).folder / "gate_report.json"
    shutil.copyfile(theirs, load_run(pkg_ws, SLUG, champion).folder / "gate_report.json")
    for reason in (None, "override"):
        with pytest.raises(ShipyardError, match=f"gate report of run {dummy}") as err:
            export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t", override_reason=reason)
        assert err.value.fix == (
            f"run the gates again: shipyard gate {pkg_ws.root} {SLUG} --run {champion}"
        )


def _stale_card(ws: Any, dummy: str, *, marked: bool) -> str:
    """A card written for another run before gating, then edited by people."""
    import re

    from shipyard.core.packaging.model_card import generate_card

    text = generate_card(ws, SLUG, dummy)
    text = text.replace("license: other", "license: apache-2.0")
    text = text.replace("- shipyard\n", "- shipyard\n- churn-team\n", 1)
    text = text.replace(
        "## Limitations\n\n", "## Limitations\n\nOur own words about the limits.\n\n"
    )
    text = text.replace("## Intended use\n\n", "## Intended use\n\nWritten by the team.\n\n")
    text = text.replace(
        "## Evaluation\n\n", "## Evaluation\n\nReviewed by Aiko before the launch.\n\n"
    )
    if not marked:  # a card from before machine-written blocks had markers
        text = re.sub(r"<!-- shipyard:(begin|end) [^>]*-->\n", "", text)
        text = text.replace("Not gated yet.", "**Gate verdict: fail** (not passed).")
    return text


@pytest.mark.parametrize("marked", [True, False])
def test_the_packaged_card_agrees_with_the_packaged_gate_report(
    pkg_ws: Any, tmp_path: Path, marked: bool
) -> None:
    from shipyard.core.gates.model_card_rules import card_problems, sections, split_card
    from shipyard.core.packaging.digests import sha256_bytes
    from shipyard.core.packaging.model_card import card_path

    champion, dummy = pkg_ws.run_id, _dummy(pkg_ws)
    project_card = _stale_card(pkg_ws, dummy, marked=marked)
    card_path(pkg_ws, SLUG).write_text(project_card, "utf-8")
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t")
    assert card_path(pkg_ws, SLUG).read_text("utf-8") == project_card  # the user's file stays

    files = _packaged(result.zip_path)
    card = files["model_card.md"].decode()
    report = json.loads(files["gate_report.json"])
    manifest = json.loads(files["manifest.json"])
    model_sha = sha256_bytes(files["model.onnx"])
    assert model_sha == report["model_sha256"] == manifest["files"]["model.onnx"]
    meta, body, problem = split_card(card)
    assert problem == "" and meta is not None and card_problems(card) == []
    found = sections(body)

    # The gate verdict and every check, as the report beside the card says.
    evaluation = found["Evaluation"]
    assert f"**Gate verdict: {report['verdict']}**" in evaluation
    assert "not gated" not in card.lower() and "Gate verdict: fail" not in card
    rows = table_with(evaluation, "Check")
    assert len(rows) == len(report["checks"])
    for row, check in zip(rows, report["checks"], strict=True):
        unit = f" {check['unit']}" if check["unit"] else ""
        assert row["Check"] == check["title"] and row["Verdict"] == check["verdict"]
        assert row["Required"] == ("yes" if check["required"] else "no")
        assert float(row["Value"].removesuffix(unit)) == pytest.approx(check["value"], rel=1e-3)
        assert float(row["Threshold"].removesuffix(unit)) == pytest.approx(
            check["threshold"], rel=1e-3
        )
    # The metrics and the hash of exactly the packaged bytes, as the manifest says.
    metrics = {r["Metric"]: float(r["Value"]) for r in table_with(evaluation, "Metric")}
    assert metrics == pytest.approx(
        {k: v for k, v in manifest["metrics"].items() if v is not None}, abs=5e-5
    )
    assert f"`{model_sha}`" in found["Model details"] and champion in found["Model details"]
    assert dummy not in card and "constant baseline" not in card
    assert meta["model-index"][0]["name"] == f"{SLUG}-{champion}"
    assert {m["name"]: m["value"] for m in meta["model-index"][0]["results"][0]["metrics"]} == (
        pytest.approx({k: v for k, v in manifest["metrics"].items() if v is not None}, abs=1e-6)
    )
    # People's words stay as they wrote them.
    assert meta["license"] == "apache-2.0" and "churn-team" in meta["tags"]
    assert "linear" in meta["tags"] and "dummy" not in meta["tags"]
    assert found["Intended use"].startswith("Written by the team.")
    assert "Our own words about the limits." in found["Limitations"]
    assert ("Reviewed by Aiko before the launch." in evaluation) is marked
    if not marked:
        assert any(
            "'Evaluation'" in w and f"rewritten whole from run {champion}" in w
            for w in result.warnings
        )


def test_an_overridden_export_says_so_in_the_card(pkg_ws: Any, tmp_path: Path) -> None:
    from shipyard.core.gates.model_card_rules import sections, split_card
    from shipyard.core.training import load_run

    write_gate_report(pkg_ws, pkg_ws.run_id, passed=False)
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "a", user="t", override_reason="INC-7")
    files = _packaged(result.zip_path)
    evaluation = sections(split_card(files["model_card.md"].decode())[1])["Evaluation"]
    assert "**Gate verdict: fail**" in evaluation and "gate override:** INC-7" in evaluation
    assert [r["Verdict"] for r in table_with(evaluation, "Check")] == ["fail", "pass"]
    (load_run(pkg_ws, SLUG, pkg_ws.run_id).folder / "gate_report.json").unlink()
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "b", user="t", override_reason="INC-8")
    files = _packaged(result.zip_path)
    evaluation = sections(split_card(files["model_card.md"].decode())[1])["Evaluation"]
    assert json.loads(files["gate_report.json"])["verdict"] == "fail"
    assert "**Not gated.**" in evaluation and "gate override:** INC-8" in evaluation


def test_without_a_champion_the_best_run_is_exported_and_named(pkg_ws: Any, tmp_path: Path) -> None:
    (pkg_ws.projects_dir / SLUG / "champion.json").unlink()
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t")
    assert result.run_id == pkg_ws.run_id  # the linear run beats the dummy on ROC AUC
    assert result.why.startswith("the best exportable run by")


def test_a_stored_rehearsal_of_the_run_is_stated_in_the_card(pkg_ws: Any, tmp_path: Path) -> None:
    from shipyard.core.gates.model_card_rules import sections, split_card
    from shipyard.core.packaging.model_card import REHEARSAL_FILE
    from shipyard.core.training import load_run

    stored = load_run(pkg_ws, SLUG, pkg_ws.run_id).folder / REHEARSAL_FILE
    result = {"outcome": "promoted", "headline": "Promoted to full traffic", "seed": 7,
              "candidate": pkg_ws.run_id, "control": "safe-default"}  # fmt: skip
    stored.write_text(json.dumps({"project": SLUG, "traffic": "small_churn@v1", "result": result}))
    package = export_package(pkg_ws, SLUG, out_dir=tmp_path / "a", user="t")
    card = _packaged(package.zip_path)["model_card.md"].decode()
    assert (
        "**Rollout rehearsal:** Promoted to full traffic (outcome `promoted`, control "
        "`safe-default`, traffic `small_churn@v1`, seed 7)."
    ) in sections(split_card(card)[1])["Evaluation"]
    # A rehearsal of another candidate says nothing about this run.
    result["candidate"] = _dummy(pkg_ws)
    stored.write_text(json.dumps({"project": SLUG, "result": result}))
    package = export_package(pkg_ws, SLUG, out_dir=tmp_path / "b", user="t")
    assert "Rollout rehearsal" not in _packaged(package.zip_path)["model_card.md"].decode()


def _awkward_csv(path: Path) -> Path:
    """Names a Markdown table or a code span can trip on, integer class labels."""
    import csv
    import random

    rng = random.Random(3)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["a|b", "spend `€`", "plan|tier", "_x_", "Churned?"])
        for _ in range(300):
            a, spend = rng.uniform(0, 10), rng.uniform(0, 100)
            plan = rng.choice(["free|trial", "pro", "team"])
            label = int(a + rng.uniform(-2, 2) > 5 + (plan == "pro"))
            out.writerow([round(a, 3), round(spend, 2), plan, rng.randint(0, 9), label])
    return path


def test_awkward_names_make_a_card_that_renders_and_agrees(pkg_ws: Any, tmp_path: Path) -> None:
    from shipyard.core.data import import_file
    from shipyard.core.gates.model_card_rules import sections, split_card
    from shipyard.core.gates.runner import run_gates
    from shipyard.core.training import train_ladder
    from shipyard.core.training.champion import promote

    version = import_file(pkg_ws, _awkward_csv(tmp_path / "odd.csv"), "odd", user="t")
    runs = train_ladder(pkg_ws, SLUG, version, "Churned?", user="t", families=["linear"])
    promote(pkg_ws, SLUG, runs[0].run_id, user="t", reason="the only run on this table")
    report = run_gates(pkg_ws, SLUG, user="t").to_json()
    reason = None if report["passed"] else "checking the card on an awkward table"
    result = export_package(pkg_ws, SLUG, out_dir=tmp_path / "o", user="t", override_reason=reason)
    files = _packaged(result.zip_path)
    packaged = json.loads(files["gate_report.json"])
    assert packaged["run_id"] == runs[0].run_id == result.run_id
    found = sections(split_card(files["model_card.md"].decode())[1])
    rows = table_with(found["Evaluation"], "Check")
    assert [(r["Check"], r["Verdict"]) for r in rows] == [
        (" ".join(c["title"].split()), c["verdict"]) for c in packaged["checks"]
    ]
    assert f"**Gate verdict: {packaged['verdict']}**" in found["Evaluation"]
    manifest = json.loads(files["manifest.json"])
    metrics = table_with(found["Evaluation"], "Metric")
    assert len(metrics) == sum(v is not None for v in manifest["metrics"].values())
    data = found["Training data"]
    for name in ("`a|b`", "`` spend `€` ``", "`plan|tier`", "`_x_`"):
        assert name in data
    assert "**Classes (2):** `0`, `1`" in data and "`Churned?`" in found["Model details"]
