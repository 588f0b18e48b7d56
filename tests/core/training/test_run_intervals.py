"""Runs record the 95% interval of their primary metric; the leaderboard shows it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shipyard.core.training import train_ladder
from shipyard.core.training.intervals import (
    DELONG,
    WILSON,
    metric_interval,
    recorded_intervals,
)
from shipyard.core.training.leaderboard import leaderboard
from shipyard.core.training.runs import list_runs, load_run
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"  # its one-pager ranks by ROC AUC


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace whose churn project has a dummy, a linear and a trees run."""
    from shipyard.core.data import import_file

    root = tmp_path_factory.mktemp("ci") / "ws"
    ws = Workspace.create(root, template_name="demo")
    shutil.rmtree(ws.projects_dir / SLUG / "runs", ignore_errors=True)  # the demo's runs
    (ws.projects_dir / SLUG / "champion.json").unlink(missing_ok=True)
    v = import_file(ws, ws.root / "samples" / "churn_customers.csv", "churn", user="t")
    train_ladder(ws, SLUG, v, "churned", user="t", families=["dummy", "linear", "trees"])
    return root


@pytest.fixture
def tws(trained: Path, tmp_path: Path) -> Workspace:
    shutil.copytree(trained, tmp_path / "copy")
    return Workspace.open(tmp_path / "copy")


def test_a_run_records_the_interval_of_its_primary_metric(tws) -> None:
    ws = tws
    dummy, linear, _ = sorted(
        list_runs(ws, SLUG), key=lambda r: ["dummy", "linear", "trees"].index(r.family)
    )
    raw = json.loads((linear.folder / "run.json").read_text("utf-8"))
    key = raw["primary_metric"]["key"]
    assert key == "roc_auc"
    auc = raw["intervals"][key]
    assert auc["method"] == DELONG and auc["level"] == 0.95
    assert auc["rows"] == raw["dataset"]["holdout_rows"]
    assert auc["value"] == raw["metrics"][key]
    assert auc["low"] < auc["value"] < auc["high"]
    assert 0.01 < auc["high"] - auc["low"] < 0.3  # a few hundred holdout rows: not a point
    acc = raw["intervals"]["accuracy"]
    assert acc["method"] == WILSON and acc["low"] <= raw["metrics"]["accuracy"] <= acc["high"]
    # Read back from the run folder: the same numbers (RunRecord keeps the file's fields).
    got = recorded_intervals(load_run(ws, SLUG, linear.run_id))
    assert got[key].low == auc["low"] and got[key].high == auc["high"]
    # A dummy (constant scores) still gets an interval around 0.5.
    d = recorded_intervals(dummy)[key]
    assert d.low <= 0.5 <= d.high


def test_the_leaderboard_marks_runs_the_leader_cannot_be_told_apart_from(tws) -> None:
    ws = tws
    board = leaderboard(ws, SLUG)
    leader, *rest = board.rows
    assert board.metric == "roc_auc"
    assert leader.interval is not None and leader.indistinct is False
    low, high = leader.interval
    assert low < leader.score < high
    for row in rest:
        assert row.interval is not None
        overlaps = row.interval[1] >= low and row.interval[0] <= high
        assert row.indistinct is overlaps
    dummy = next(r for r in board.rows if r.family == "dummy")
    assert dummy.indistinct is False  # a dummy is told apart from a real model
    # Ranking by a metric without a recorded interval shows none, and marks none.
    by_ece = leaderboard(ws, SLUG, metric="ece")
    assert all(r.interval is None and r.indistinct is None for r in by_ece.rows)


def test_old_runs_without_intervals_still_rank(tws) -> None:
    ws = tws
    for run in list_runs(ws, SLUG):
        path = run.folder / "run.json"
        data = json.loads(path.read_text("utf-8"))
        del data["intervals"]
        path.write_text(json.dumps(data), encoding="utf-8")
    rows = leaderboard(ws, SLUG).rows
    assert len(rows) == 3 and all(r.score is not None for r in rows)
    assert all(r.interval is None and r.indistinct is None for r in rows)
    assert recorded_intervals(load_run(ws, SLUG, rows[0].run_id)) == {}
    assert metric_interval("roc_auc", None, [], []) is None


def test_runs_list_prints_the_interval_and_the_marker(tws, capsys) -> None:
    from shipyard.cli.commands import run

    board = leaderboard(tws, SLUG)
    assert run(["runs", "list", str(tws.root), SLUG]) == 0
    out = capsys.readouterr().out
    assert "95% interval" in out
    leader = board.rows[0]
    lo, hi = leader.interval
    line = next(x for x in out.splitlines() if leader.run_id in x)
    assert f"{lo:.3f}–{hi:.3f}" in line and "≈ leader" not in line
    for row in board.rows[1:]:
        line = next(x for x in out.splitlines() if row.run_id in x)
        assert ("≈ leader" in line) is bool(row.indistinct)
    if any(r.indistinct for r in board.rows):
        assert "not distinguishable from the leader" in out


def test_the_models_tab_leaderboard_shows_the_interval_compactly(tws) -> None:
    pytest.importorskip("PySide6")
    from PySide6.QtCore import Qt

    from shipyard.ui.models.leaderboard_model import NEAR, LeaderboardModel

    board = leaderboard(tws, SLUG)
    model = LeaderboardModel()
    model.set_board(board)
    col = model.columns.index("interval")
    assert col == model.columns.index("primary") + 1
    assert model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "95%"
    for i, row in enumerate(board.rows):
        text = model.data(model.index(i, col), Qt.ItemDataRole.DisplayRole)
        half = (row.interval[1] - row.interval[0]) / 2
        assert text.startswith(f"±{half:.3f}")
        assert (NEAR in text) is bool(row.indistinct)
        assert len(text) <= len(f"±0.000 {NEAR}")  # a narrow column
        tip = model.data(model.index(i, col), Qt.ItemDataRole.ToolTipRole)
        assert "95% interval" in tip


def test_runs_show_prints_the_recorded_intervals(tws, capsys) -> None:
    from shipyard.cli.commands import run

    leader = leaderboard(tws, SLUG).rows[0]
    assert run(["runs", "show", str(tws.root), SLUG, leader.run_id]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("ROC AUC"))
    lo, hi = leader.interval
    assert f"{lo:.4f}–{hi:.4f}: 95% interval over" in line and "DeLong" in line
    acc = next(x for x in out.splitlines() if x.strip().startswith("accuracy"))
    assert "Wilson score interval" in acc


def test_compare_shows_both_intervals_and_whether_they_overlap(tws) -> None:
    from shipyard.core.training.leaderboard import compare_runs

    rows = leaderboard(tws, SLUG).rows
    a, b = (load_run(tws, SLUG, r.run_id) for r in (rows[0], rows[-1]))
    lines = {r.label: r for r in compare_runs(a, b)}
    label = next(k for k in lines if k.startswith("ROC AUC 95% interval"))
    ia, ib = recorded_intervals(a)["roc_auc"], recorded_intervals(b)["roc_auc"]
    assert lines[label].a == f"{ia.low:.4g}–{ia.high:.4g}"
    assert lines[label].b == f"{ib.low:.4g}–{ib.high:.4g}"
    assert label.endswith("(overlap)") is ia.overlaps(ib)
