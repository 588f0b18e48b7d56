"""A version over the workspace's row budget is trained, swept and gated on a seeded,
stratified sample, recorded in the run and shown in `runs show`, the run view and the card.
A budget of 500 on the demo's 3,000-row churn table stands in for a big table."""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout

import pyarrow.parquet as pq

from shipyard.core.training import train_ladder
from shipyard.core.workspace.layout import CONFIG_NAME
from shipyard.core.workspace.workspace import Workspace

SLUG = "search-query-intent"  # a demo project without runs
PHRASE = "Trained on a stratified sample of 500 of 3,000 rows, seed 42"


def _budget(ws: Workspace, rows: int) -> Workspace:
    path = ws.root / CONFIG_NAME
    path.write_text(
        path.read_text("utf-8") + f"\n[training]\nrow_budget = {rows}\n", encoding="utf-8"
    )
    return Workspace.open(ws.root)


def test_runs_over_the_budget_train_on_a_recorded_stratified_sample(ws, sample, monkeypatch):
    import shipyard.core.data.split as split_module
    from shipyard.cli.commands import run as cli
    from shipyard.core.data import load_split
    from shipyard.core.gates.runner import run_gates
    from shipyard.core.packaging.model_card import generate_card

    ws = _budget(ws, 500)
    assert ws.config.training.row_budget == 500
    version = sample("churn_customers.csv", "churn")
    assert version.rows == 3_000
    runs = train_ladder(ws, SLUG, version, "churned", user="t", families=["dummy", "linear"])

    expected = {"rows": 500, "of": 3_000, "method": "duckdb-hash-stratified-1", "seed": 42,
                "stratify": "churned"}  # fmt: skip
    for r in runs:
        assert r.sample == expected
        d = r.dataset
        assert d["split_id"].endswith("-sample500")
        assert d["train_rows"] + d["validation_rows"] + d["test_rows"] == 500
        raw = json.loads((r.folder / "run.json").read_text("utf-8"))
        assert raw["sample"] == expected

    # stratified: the sample keeps the table's class shares
    labels = pq.read_table(version.data_path).column("churned").to_pylist()
    split = load_split(version, runs[0].dataset["split_id"])
    ids = [i for role in ("train", "validation", "test") for i in split.role_ids(role).tolist()]
    full, drawn = Counter(labels), Counter(labels[i] for i in ids)
    for key, count in full.items():
        assert abs(drawn[key] - 500 * count / 3_000) <= 1

    # the same seed on a fresh workspace draws the same rows
    again_split = split_module.make_split(
        version, holdout=0.2, seed=42, stratify="churned", sealed=True, row_budget=500
    )
    assert again_split.split_id == split.split_id
    assert again_split.role_ids("test").tolist() == split.role_ids("test").tolist()

    # the gate judges on the test rows of that same sample
    asked: list[tuple[str, str, int]] = []
    role_relation = split_module.role_relation

    def spy(version, split, role, con=None):
        rel = role_relation(version, split, role, con)
        asked.append((split.split_id, role, len(rel.fetchall())))
        return rel

    monkeypatch.setattr(split_module, "role_relation", spy)
    run_gates(ws, SLUG, runs[-1].run_id, user="t", save=False)
    monkeypatch.undo()
    assert (split.split_id, "test", split.test_rows) in asked
    assert all(sid == split.split_id for sid, _, _ in asked)

    # shown: `runs show`, the card, the window's run view
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["runs", "show", str(ws.root), SLUG, runs[-1].run_id]) == 0
    assert PHRASE in out.getvalue()
    card = generate_card(ws, SLUG, runs[-1].run_id)
    assert f"{PHRASE}; the split was drawn within the sample." in card


def test_runs_under_the_budget_record_no_sample(ws, sample):
    version = sample("churn_customers.csv", "churn")  # 3,000 rows, default budget 200,000
    (run,) = train_ladder(ws, SLUG, version, "churned", user="t", families=["dummy"])
    assert run.sample is None
    assert "sample" not in run.dataset["split_id"]
    d = run.dataset
    assert (d["train_rows"], d["validation_rows"], d["test_rows"]) == (1800, 600, 600)


def test_sweep_trials_over_the_budget_record_the_same_sample(ws, sample):
    from shipyard.core.training.sweep import run_sweep

    ws = _budget(ws, 500)
    version = sample("churn_customers.csv", "churn")
    records = run_sweep(ws, SLUG, version, "churned", family="linear", mode="grid", trials=2,
                        user="t", n_jobs=1)  # fmt: skip
    assert len(records) == 2
    (split_id,) = {r.dataset["split_id"] for r in records}  # one split for every trial
    assert split_id.endswith("-sample500")
    for r in records:
        assert r.sample is not None and (r.sample["rows"], r.sample["of"]) == (500, 3_000)


def test_task_detection_reads_words_from_a_sample_of_a_big_version(ws, sample, monkeypatch):
    """Past the summary sample size, words per value come from DuckDB's seeded sample (the
    slow part on big tables); null and distinct counts still read every row."""
    import shipyard.core.data.sampling as sampling
    from shipyard.core.training.task import column_stats

    version = sample("search_queries.csv", "queries")
    exact = column_stats(version)
    monkeypatch.setattr(sampling, "SAMPLE_ROWS", version.rows // 4)
    sampled = column_stats(version)
    assert sampled == column_stats(version)  # seeded: the same sample every time
    texts = [n for n, s in exact.items() if s.avg_words > 1.5]
    assert texts, "the queries table has a free-text column"
    for name, stats in exact.items():
        got = sampled[name]
        assert (got.nulls, got.distinct, got.empty) == (stats.nulls, stats.distinct, stats.empty)
        assert abs(got.avg_words - stats.avg_words) <= 0.15 * max(stats.avg_words, 1.0), name
