"""Test-split wear: the workspace counts the distinct model files scored on each sealed test
split; past `[gates] test_split_wear_limit` the gate warns and says how to get a fresh split."""

from __future__ import annotations

import json
import shutil
from typing import Any

import gate_test_workspace as gtw
import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.gates import effective_policy, run_gates
from shipyard.core.training.test_split_wear import (
    DEFAULT_WEAR_LIMIT,
    distinct_models,
    record_scoring,
    wear_limit,
    wear_path,
)
from shipyard.core.workspace.workspace import Workspace

SLUG = gtw.SLUG


def _fresh(ws: Any, runs: dict) -> Any:
    """The copy without the wear the shared template may have gathered."""
    shutil.rmtree(ws.projects_dir / SLUG / "test_wear", ignore_errors=True)
    return wear_path(ws, SLUG, runs["linear"].dataset["ref"])


def _set_limit(ws: Any, text: str) -> Workspace:
    config = ws.root / "shipyard.toml"
    config.write_text(config.read_text("utf-8") + f"\n[gates]\n{text}\n", "utf-8")
    return Workspace.open(ws.root)


def test_each_distinct_model_file_counts_once(gws: Any, runs: dict) -> None:
    path = _fresh(gws, runs)
    linear, dummy = runs["linear"], runs["dummy"]
    first = run_gates(gws, SLUG, linear.run_id, user="ann").check("target")
    wear = first.evidence["test_split"]
    assert wear["distinct_models"] == 1 and wear["limit"] == DEFAULT_WEAR_LIMIT
    assert wear["split_id"] == linear.dataset["split_id"] and not wear["worn"]
    again = run_gates(gws, SLUG, linear.run_id, user="ann", save=False).check("target")
    assert again.evidence["test_split"]["distinct_models"] == 1  # the same file again
    # The dummy run is scored as the baseline of every gate run: that does not count.
    assert len(path.read_text("utf-8").splitlines()) == 1
    other = run_gates(gws, SLUG, dummy.run_id, user="bob", save=False).check("target")
    assert other.evidence["test_split"]["distinct_models"] == 2
    lines = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    assert [(e["run_id"], e["user"]) for e in lines] == [(linear.run_id, "ann"),
                                                         (dummy.run_id, "bob")]  # fmt: skip
    assert {e["model_sha256"] for e in lines} == {linear.model_sha256, dummy.model_sha256}
    split_sha = linear.dataset["split_sha256"]
    assert distinct_models(path, split_sha) == {linear.model_sha256, dummy.model_sha256}
    assert distinct_models(path, "another split") == set()


def test_past_the_limit_the_gate_warns_and_names_the_fresh_split_commands(
    gws: Any, runs: dict
) -> None:
    _fresh(gws, runs)
    ws = _set_limit(gws, "test_split_wear_limit = 1")
    assert wear_limit(ws) == 1
    assert [c.key for c in effective_policy(ws, SLUG).checks]  # the setting is not a check
    run_gates(ws, SLUG, runs["dummy"].run_id, user="t", save=False)
    report = run_gates(ws, SLUG, runs["linear"].run_id, user="t", save=False)
    target = report.check("target")
    assert target.evidence["test_split"]["worn"] is True
    warning = target.evidence["test_split_warning"]
    assert "the test split is worn: 2 distinct models were scored on it (more than 1)" in warning
    assert f"shipyard train {ws.root} {SLUG} --dataset {runs['linear'].dataset['ref']}" in warning
    assert "--seed 43" in warning and "shipyard data import" in warning
    assert "Warning: the test split is worn" in target.message
    assert target.verdict == "pass"  # a warning: the verdict stays on the score


def test_a_bad_limit_is_refused_naming_the_file(gws: Any, runs: dict) -> None:
    ws = _set_limit(gws, "test_split_wear_limit = 0")
    with pytest.raises(ShipyardError) as err:
        wear_limit(ws)
    assert err.value.file == ws.root / "shipyard.toml"
    assert "test_split_wear_limit = 5" in err.value.fix


def test_a_damaged_line_counts_nothing(gws: Any, runs: dict) -> None:
    path = _fresh(gws, runs)
    path.parent.mkdir(parents=True)
    path.write_text('{"split_sha256": "s", "model_sha256": "a"}\nnot json\n', "utf-8")
    ref = runs["linear"].dataset["ref"]
    wear = record_scoring(gws, SLUG, dataset_ref=ref, split_id="s1", split_sha256="s",
                          model_sha256="b", run_id="r")  # fmt: skip
    assert wear.path == path and wear.models == 2 and not wear.worn
    assert path.read_text("utf-8").endswith("\n") and "seed" not in wear.text()
    assert wear.text() == "test split s1: 2 distinct models scored on it (warns past 5)"


def test_a_run_on_an_old_two_way_split_is_judged_on_the_old_holdout(gws: Any, runs: dict) -> None:
    """A run recorded before sealed splits: the gate says it judges on the holdout the
    leaderboard also used, and counts no wear."""
    from shipyard.core.data import make_split, resolve

    linear = runs["linear"]
    version = resolve(gws, linear.dataset["ref"])
    old = make_split(version, holdout=0.2, seed=linear.seed, stratify=gtw.TARGET)
    record = gws.projects_dir / SLUG / "runs" / linear.run_id / "run.json"
    data = json.loads(record.read_text("utf-8"))
    data.pop("scored_on")
    data["dataset"] |= {"split_id": old.split_id, "split_sha256": old.parquet_sha256}
    for key in ("selection", "validation_rows", "test_rows"):
        data["dataset"].pop(key)
    record.write_text(json.dumps(data), "utf-8")
    path = _fresh(gws, runs)
    target = run_gates(gws, SLUG, linear.run_id, user="t", save=False).check("target")
    assert target.evidence["scored_on"] == "holdout (legacy)"
    assert target.evidence["run_scored_on"] == "holdout (legacy)"
    assert "old two-way split" in target.evidence["computed_from"]
    assert "measured on the old holdout the leaderboard also used" in target.message
    assert "test_split" not in target.evidence and not path.exists()
