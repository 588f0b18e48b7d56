"""`shipyard simulate`, `shipyard flags list|export` and `shipyard rollout init`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shipyard.cli.commands import run

sys.path.insert(0, str(Path(__file__).parent / "core" / "rollout"))

import rollout_workspace

SLUG = "churn-risk"


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    return rollout_workspace.copy(tmp_path / "copy")


def test_simulate_promotes_and_writes_json_and_png(ws_root: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out_json, out_png = tmp_path / "r.json", tmp_path / "r.png"
    code = run(["simulate", str(ws_root), SLUG, "--seed", "3", "--json", str(out_json),
                "--png", str(out_png)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0
    assert "Promoted to full traffic" in text and "Mann–Whitney" in text
    assert "shadow: the models agree on" in text
    data = json.loads(out_json.read_text())
    assert data["result"]["outcome"] == "promoted" and data["result"]["seed"] == 3
    assert [p["decision"] for p in data["result"]["phases"]] == ["promote"] * 4
    assert 0 < data["shadow"]["agreement"] <= 1
    png = out_png.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_simulate_with_injected_spike_rolls_back(ws_root: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "spike.json"
    code = run(["simulate", str(ws_root), SLUG, "--inject", "spike@0.4:300ms", "--json",
                str(out), "--png", str(tmp_path / "spike.png")])  # fmt: skip
    assert code == 1
    text = capsys.readouterr().out
    assert "Rolled back in progressive" in text and "ROLL BACK" in text
    result = json.loads(out.read_text())["result"]
    assert result["rollback_phase"] == "progressive" and result["final_percent"] == 0


def test_simulate_user_errors_exit_2(ws_root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(["simulate", str(ws_root), SLUG, "--run", "nope"]) == 2
    err = capsys.readouterr().err
    assert "rollout.yaml" in err and "field 'candidate'" in err
    assert run(["simulate", str(ws_root), SLUG, "--inject", "boom@1"]) == 2
    assert "spike@0.4:200ms" in capsys.readouterr().err
    policy = ws_root / "projects" / SLUG / "rollout.yaml"
    policy.write_text("phases:\n  - {name: a, percent: 10, requests: 5}\n"
                      "  - {name: b, percent: 5, requests: 5}\n")  # fmt: skip
    assert run(["simulate", str(ws_root), SLUG]) == 2
    err = capsys.readouterr().err
    assert "rollout.yaml:3" in err and "phases.1.percent" in err


def test_rollout_init_then_flags_list_and_export(ws_root: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(["rollout", "init", str(ws_root), SLUG]) == 0
    assert (ws_root / "projects" / SLUG / "rollout.yaml").is_file()
    assert run(["rollout", "init", str(ws_root), SLUG]) == 2
    capsys.readouterr()
    assert run(["flags", "list", str(ws_root), SLUG]) == 0
    text = capsys.readouterr().out
    assert f"{SLUG}-model" in text and "5%" in text and "kill_switch" in text
    out = tmp_path / "flags.json"
    assert run(["flags", "export", str(ws_root), SLUG, "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["$schema"] == "https://flagd.dev/schema/v0/flags.json"
    assert doc["flags"][f"{SLUG}-model"]["targeting"]["fractional"] == [["on", 5], ["off", 95]]
    capsys.readouterr()
    assert run(["flags", "list", str(ws_root), SLUG, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["key"] for r in rows} == {f"{SLUG}-model", f"{SLUG}-kill-switch"}


def test_flags_export_without_flags_file(ws_root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(["flags", "export", str(ws_root), "fraud-flag"]) == 0
    assert json.loads(capsys.readouterr().out)["flags"] == {}


def test_simulate_twice_gives_identical_json_png_and_text(
    ws_root: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from shipyard.core.rollout import traffic
    from shipyard.core.training import list_runs
    from shipyard.core.training.champion import promote
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(ws_root)
    runs = {r.family: r.run_id for r in list_runs(ws, SLUG)}
    promote(ws, SLUG, runs["dummy"], user="t", reason="first")
    promote(ws, SLUG, runs["linear"], user="t", reason="better")
    out = []
    for _ in range(2):
        traffic._CACHE.clear()  # as a new process: nothing scored or measured in memory
        args = ["simulate", str(ws_root), SLUG, "--seed", "5", "--json", str(tmp_path / "r.json"),
                "--png", str(tmp_path / "r.png")]  # fmt: skip
        code = run(args)
        text = capsys.readouterr().out
        out.append(
            (code, text, (tmp_path / "r.json").read_bytes(), (tmp_path / "r.png").read_bytes())
        )
    assert out[0] == out[1]
    code, text, raw, _ = out[0]
    # the champion against the champion before it, each with the rule that picked it
    assert f"candidate {runs['linear']} (linear): the champion {runs['linear']}" in text
    assert f"control   {runs['dummy']} (dummy): the previous champion {runs['dummy']}" in text
    assert "0 of 600 rows failed" in text and "measured once (rehearsal)" in text
    selection = json.loads(raw)["selection"]
    assert selection["control"]["run_id"] == runs["dummy"]


def test_simulate_refuses_an_oversized_rehearsal(ws_root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from shipyard.core.rollout.policy import default_rollout_yaml

    policy = ws_root / "projects" / SLUG / "rollout.yaml"
    for old, new, field in (("requests: 2000", "requests: 1e10", "phases.0.requests"),
                            ("request_rate_per_min: 600", "request_rate_per_min: 1e15",
                             "request_rate_per_min")):  # fmt: skip
        policy.write_text(default_rollout_yaml(SLUG).replace(old, new), "utf-8")
        assert run(["simulate", str(ws_root), SLUG]) == 2
        err = capsys.readouterr().err
        assert "rollout.yaml" in err and f"field '{field}'" in err and "limit" in err
        assert "Traceback" not in err
    policy.unlink()
    assert run(["simulate", str(ws_root), SLUG, "--seed", "-3"]) == 2
    assert "seed" in capsys.readouterr().err
