"""`shipyard export / verify / keys / card` from the command line."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).parent / "core" / "packaging"))
from pkg_helpers import (
    SLUG,
    MemoryKeyring,
    build_trained_workspace,
    record_model_sha,
    swap_model,
    write_gate_report,
)

from shipyard.cli.commands import run


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_trained_workspace(tmp_path_factory.mktemp("cli-template") / "ws")


@pytest.fixture
def ws(template: tuple[Path, str], tmp_path: Path) -> Iterator[Any]:
    import shutil

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    shutil.copytree(template[0], tmp_path / "ws")
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    ws.run_id = template[1]  # type: ignore[attr-defined]
    yield ws
    keyring.set_keyring(previous)


def test_keys_export_verify_round_trip(ws: Any, tmp_path: Path, capsys: Any) -> None:
    root = str(ws.root)
    assert run(["keys", "list", root]) == 0
    assert "no signing keys yet" in capsys.readouterr().out
    assert run(["export", root, SLUG]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no signing key" in err and "keys generate" in err
    assert run(["keys", "generate", root]) == 0
    assert "private key in the OS keyring" in capsys.readouterr().out
    assert run(["keys", "export", root, "--out", str(tmp_path / "signer.pem")]) == 0
    capsys.readouterr()
    assert run(["export", root, SLUG, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    # Which run and why come first (the champion here), then the package.
    assert out.splitlines()[0] == f"Exporting the champion {ws.run_id}"
    assert out.splitlines()[1].startswith("exported ") and "gates   pass" in out
    package = next((tmp_path / "out").glob("*.zip"))
    assert run(["verify", str(package), "--key", str(tmp_path / "signer.pem")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("VERIFIED: churn-risk-")
    assert "gates    pass" in out
    # A changed byte: the verdict comes first, exit 1.
    data = bytearray(package.read_bytes())
    index = data.index(b"skl2onnx")  # the model is stored uncompressed
    data[index] ^= 0x20
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(data))
    assert run(["verify", str(tampered), "--key", str(tmp_path / "signer.pem")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("REJECTED: ") and "was changed after signing" in out
    assert "fix: do not use these files" in out and "shipyard export" in out
    assert run(["verify", str(package), "--key", str(tmp_path / "missing.pem")]) == 2
    assert "cannot read the public key" in capsys.readouterr().err
    # Unpacking a verified package.
    dest = tmp_path / "unpacked"
    assert run(["verify", str(package), "--key", str(tmp_path / "signer.pem"),
                "--extract", str(dest)]) == 0  # fmt: skip
    assert (dest / "model.onnx").is_file() and (dest / "serve.py").is_file()


def test_rotation_and_listing(ws: Any, capsys: Any) -> None:
    root = str(ws.root)
    assert run(["keys", "generate", root]) == 0
    assert run(["keys", "rotate", root, "--reason", "laptop replaced"]) == 0
    capsys.readouterr()
    assert run(["keys", "list", root, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["status"] for r in rows) == ["active", "retired"]
    assert all(r["private_here"] for r in rows)
    assert run(["keys", "list", root]) == 0
    assert "retired" in capsys.readouterr().out


def test_export_with_failed_gates_needs_an_override(ws: Any, tmp_path: Path, capsys: Any) -> None:
    root = str(ws.root)
    assert run(["keys", "generate", root]) == 0
    write_gate_report(ws, ws.run_id, passed=False)
    assert run(["export", root, SLUG, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "the gates did not pass" in err and "--override-gates" in err
    assert "will not change the verdict" in err  # the gates ran: gating again is no fix
    assert run(["export", root, SLUG, "--out", str(tmp_path / "o"),
                "--override-gates", "customer demo, not for production"]) == 0  # fmt: skip
    assert "OVERRIDDEN" in capsys.readouterr().out
    assert run(["audit", "log", root, "--last", "1"]) == 0
    assert "customer demo, not for production" in capsys.readouterr().out


def test_card_generate_and_check(ws: Any, capsys: Any) -> None:
    root = str(ws.root)
    assert run(["card", "check", root, SLUG]) == 1
    assert "no model card yet" in capsys.readouterr().out
    assert run(["card", "generate", root, SLUG]) == 0
    assert "model_card.md" in capsys.readouterr().out
    assert run(["card", "check", root, SLUG]) == 0
    card = ws.root / "projects" / SLUG / "model_card.md"
    card.write_text(card.read_text().replace("## Limitations", "## Caveats"))
    assert run(["card", "check", root, SLUG]) == 1
    assert "section 'Limitations' is missing" in capsys.readouterr().out
    assert run(["card", "generate", root, SLUG]) == 2
    err = capsys.readouterr().err
    assert "edited by hand" in err and f"shipyard card refresh {root} {SLUG}" in err
    assert run(["card", "generate", root, SLUG, "--force"]) == 0


def test_export_names_the_best_run_without_a_champion(ws: Any, tmp_path: Path, capsys: Any) -> None:
    root = str(ws.root)
    assert run(["keys", "generate", root]) == 0
    (ws.root / "projects" / SLUG / "champion.json").unlink()
    capsys.readouterr()
    assert run(["export", root, SLUG, "--out", str(tmp_path / "o")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(
        f"Exporting the best exportable run by ROC AUC, {ws.run_id} (no champion"
    )
    assert f"shipyard runs promote {root} {SLUG} RUN_ID" in first


def test_export_refuses_a_swapped_model(ws: Any, tmp_path: Path, capsys: Any) -> None:
    from shipyard.core.training import list_runs

    root = str(ws.root)
    assert run(["keys", "generate", root]) == 0
    dummy = next(r.run_id for r in list_runs(ws, SLUG) if r.family == "dummy")
    record_model_sha(ws, ws.run_id)
    swap_model(ws, dummy, ws.run_id)
    capsys.readouterr()
    assert run(["export", root, SLUG, "--out", str(tmp_path / "o"), "--override-gates", "x"]) == 2
    err = capsys.readouterr().err
    assert "model.onnx was changed after training" in err and "retrain" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_card_check_fails_on_placeholders(ws: Any, capsys: Any) -> None:
    root = str(ws.root)
    assert run(["card", "generate", root, SLUG]) == 0
    assert capsys.readouterr().out.startswith(f"Writing the card of the champion {ws.run_id}")
    card = ws.root / "projects" / SLUG / "model_card.md"
    card.write_text(
        card.read_text().replace(
            "## Ethical considerations\n", "## Ethical considerations\n\nTODO: ask legal.\n"
        )
    )
    assert run(["card", "check", root, SLUG]) == 1
    out = capsys.readouterr().out
    assert "section 'Ethical considerations' still holds template placeholder text" in out
    assert "TODO: ask legal." in out and "fix: edit" in out


def test_card_refresh_rewrites_the_facts_and_keeps_the_words(ws: Any, capsys: Any) -> None:
    from shipyard.core.training import list_runs

    root = str(ws.root)
    dummy = next(r.run_id for r in list_runs(ws, SLUG) if r.family == "dummy")
    assert run(["card", "generate", root, SLUG, "--run", dummy]) == 0
    card = ws.root / "projects" / SLUG / "model_card.md"
    card.write_text(card.read_text().replace("## Limitations\n", "## Limitations\n\nOur words.\n"))
    capsys.readouterr()
    assert run(["card", "refresh", root, SLUG]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Refreshing the card's facts from the champion {ws.run_id}"
    text = card.read_text()
    assert "Our words." in text and ws.run_id in text and dummy not in text
    assert "Gate verdict: pass" in text
    assert run(["card", "check", root, SLUG]) == 0


def test_keys_refuse_a_passphrase_shorter_than_eight_characters(
    ws: Any, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # no OS keyring: the key goes to a passphrase file
    root = str(ws.root)
    short = tmp_path / "short.txt"
    short.write_text("abc\n", "utf-8")
    assert run(["keys", "generate", root, "--passphrase-file", str(short)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {short}: the passphrase has 3 characters")
    assert "at least 8 characters" in err and len(err.strip().splitlines()) == 1
    assert not (ws.root / "keys").exists() or not list((ws.root / "keys").iterdir())
    monkeypatch.setattr("sys.stdin", io.StringIO("1234567\n"))
    assert run(["keys", "generate", root, "--passphrase-file", "-"]) == 2
    assert "stdin: the passphrase has 7 characters" in capsys.readouterr().err
    good = tmp_path / "good.txt"
    good.write_text("correct horse\n", "utf-8")
    assert run(["keys", "generate", root, "--passphrase-file", str(good)]) == 0
    assert "passphrase-protected file" in capsys.readouterr().out
    assert run(["keys", "rotate", root, "--passphrase-file", str(short)]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert run(["keys", "rotate", root, "--passphrase-file", str(good)]) == 0
