"""From a CSV nobody on the team designed to a signed, verified package, by the command line.

Four tables (tests/real_tables.py): scikit-learn's breast cancer (binary, string labels, its
own feature names such as "mean radius"), wine (three integer classes,
"od280/od315_of_diluted_wines"), diabetes (regression) and an awkward business table
(`Customer ID`, `select`, `b`, `v`, `€`, `a/b`, `#orders`, missing values, free text,
label "Churned?"). Each goes through import, train, card, gates with the default policy,
key, export, `shipyard verify` and the reference `model_signing` CLI, with no hand edits.
On each: the dummy baseline fails the default gates, a swapped model.onnx is refused, the
card inside the package agrees with the gate report beside it, and a seeded rehearsal run
twice writes identical JSON and PNG.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from real_tables import TABLES, write_table

sys.path.insert(0, str(Path(__file__).parent / "core" / "packaging"))
from pkg_helpers import MemoryKeyring

from shipyard.cli.commands import run

MODEL_SIGNING = Path(sys.executable).with_name("model_signing")


@pytest.fixture(scope="module", autouse=True)
def memory_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def cli(capsys: Any, *argv: Any) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run([str(a) for a in argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, out.out, out.err


def _runs(ws: Path, slug: str) -> dict[str, dict]:
    records = [
        json.loads(p.read_text()) for p in (ws / "projects" / slug / "runs").glob("*/run.json")
    ]
    return {r["family"]: r for r in records}


@pytest.mark.parametrize("table", TABLES)
def test_a_real_table_goes_from_csv_to_a_verified_package(
    table: str, tmp_path: Path, capsys: Any
) -> None:
    csv_path, target, kind = write_table(table, tmp_path)
    ws, slug = tmp_path / "ws", "proj"
    assert cli(capsys, "init", ws)[0] == 0
    code, _, err = cli(capsys, "project", "new", ws, f"Real table {table}", "--slug", slug,
                       "--outcome", "Decide faster with a model people can check")  # fmt: skip
    assert code == 0, err
    code, out, err = cli(capsys, "data", "import", ws, csv_path, "--project", slug)
    assert code == 0, err

    # Train: every family exports (any column name is a valid ONNX input after mapping).
    code, out, err = cli(capsys, "train", ws, slug, "--target", target)
    assert code == 0, out + err
    assert f"({kind})" in out
    runs = _runs(ws, slug)
    assert {"dummy", "linear", "trees"} <= set(runs)
    assert all(r["exportable"] for r in runs.values()), [r["export_problem"] for r in runs.values()]
    assert all(len(r["model_sha256"]) == 64 for r in runs.values())

    assert cli(capsys, "card", "generate", ws, slug)[0] == 0
    assert cli(capsys, "keys", "generate", ws)[0] == 0

    # The dummy baseline never passes the default gates.
    code, out, err = cli(capsys, "gate", ws, slug, "--run", runs["dummy"]["run_id"])
    assert code == 1, out + err

    # With no champion, the best exportable run is gated, and says so.
    code, out, err = cli(capsys, "gate", ws, slug, "--json", tmp_path / "gate.json")
    assert code == 0, out + err
    assert "best exportable run" in out + err
    gate = json.loads((tmp_path / "gate.json").read_text())
    chosen = gate["run_id"]
    assert chosen != runs["dummy"]["run_id"]
    assert "baseline" in {c["kind"] for c in gate["checks"]}  # beats the dummy, always

    # A seeded rehearsal gives byte-identical output twice.
    outputs = []
    for i in range(2):
        js, png = tmp_path / f"r{i}.json", tmp_path / f"r{i}.png"
        code, out, err = cli(capsys, "simulate", ws, slug, "--seed", 7, "--json", js, "--png", png)
        assert code in (0, 1), out + err
        text = out.replace(str(js), "JSON").replace(str(png), "PNG")
        outputs.append((js.read_bytes(), png.read_bytes(), text))
    assert outputs[0] == outputs[1]

    # A model file swapped after training is refused by the gate and the export.
    model = ws / "projects" / slug / "runs" / chosen / "model.onnx"
    original = model.read_bytes()
    dummy_model = ws / "projects" / slug / "runs" / runs["dummy"]["run_id"] / "model.onnx"
    shutil.copyfile(dummy_model, model)
    code, out, err = cli(capsys, "gate", ws, slug, "--run", chosen)
    assert code == 2 and "changed after training" in err, out + err
    code, out, err = cli(
        capsys, "export", ws, slug, "--out", tmp_path / "x", "--override-gates", "t"
    )
    assert code == 2, out + err
    model.write_bytes(original)

    # Export, then verify with Shipyard and with the reference OpenSSF CLI.
    code, out, err = cli(capsys, "export", ws, slug, "--out", tmp_path / "out")
    assert code == 0, out + err
    zips = list((tmp_path / "out").glob("*.zip"))
    folder = zips[0].with_suffix("")
    (tmp_path / "pub").mkdir()
    assert cli(capsys, "keys", "export", ws, "--out", tmp_path / "pub")[0] == 0
    pub = next((tmp_path / "pub").glob("*.pem"))
    code, out, err = cli(capsys, "verify", zips[0], "--key", pub)
    assert code == 0, out + err
    if MODEL_SIGNING.exists():
        done = subprocess.run(
            [MODEL_SIGNING, "verify", "key", "--signature", folder / "model.sig",
             "--public_key", pub, folder],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr

    # The card inside the package agrees with the gate report beside it.
    report = json.loads((folder / "gate_report.json").read_text())
    card = (folder / "model_card.md").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert report["passed"] and report["run_id"] == chosen
    assert report["model_sha256"] == manifest["files"]["model.onnx"]
    assert manifest["files"]["model.onnx"] in card
    assert "not been gated" not in card and "Gate verdict: fail" not in card
    for check in report["checks"]:
        assert check["id"] in card or check["title"] in card
    rollout = (folder / "rollout.yaml").read_text()
    assert f"candidate: {chosen}" in rollout

    # The manifest keeps the original column names and the label's own type.
    features = manifest["feature_names"]
    assert target not in features
    if table == "wine":
        assert manifest["class_labels"] == [0, 1, 2]
    if table == "breast_cancer":
        assert "mean radius" in features
        assert manifest["input_names"]["mean radius"] == "mean_radius"
    if table == "awkward_business":
        assert {"select", "b", "v", "a/b"} <= set(features)
