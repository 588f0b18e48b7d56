"""Big versions: training's seeded, stratified sample (stored with the split) and DuckDB's
reservoir sample behind the profile, the personal-data scan and drift. Small row budgets
stand in for big tables."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.data import compare_versions, import_file, load_split, make_split
from shipyard.core.data.pii_scan import scan_pii
from shipyard.core.data.profile import compute_profile
from shipyard.core.data.sampling import sample_phrase, training_sample_phrase
from shipyard.core.data.split import role_relation, split_to_json, stratum_quotas
from shipyard.core.workspace.workspace import Workspace

ROWS = 5_000
BUDGET = 500
SHARES = {"a": 0.7, "b": 0.25, "c": 0.049, "d": 0.001}  # "d": 5 rows of 5,000


def labelled(ws, tmp_path, name="big", *, target="label", extra=None, rows=ROWS, seed=0):
    rng = np.random.default_rng(seed)
    labels = []
    for key, share in SHARES.items():
        labels += [key] * round(rows * share)
    rng.shuffle(labels)
    columns = {"x": rng.normal(size=rows), target: labels, **(extra or {})}
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.table(columns), path)
    return import_file(ws, path, name, user="ann")


# -- training's sample ---------------------------------------------------------------------


def test_quotas_keep_each_share_add_up_to_the_budget_and_keep_rare_classes():
    counts = {"a": 3500, "b": 1250, "c": 245, "d": 5}
    quotas = stratum_quotas(counts, 500)
    assert sum(quotas.values()) == 500
    assert quotas["a"] == 350 and quotas["b"] == 125 and quotas["d"] >= 1
    assert abs(quotas["c"] - 24.5) <= 1
    assert stratum_quotas({"x": 10, None: 3}, 100) == {"x": 10, None: 3}  # under the budget
    assert stratum_quotas({"x": 999, None: 1}, 100)[None] == 1  # missing values are a stratum


def test_a_version_over_the_budget_is_split_within_a_stratified_sample(ws, tmp_path):
    version = labelled(ws, tmp_path)
    split = make_split(version, stratify="label", sealed=True, row_budget=BUDGET, seed=7)

    assert split.sample == {
        "rows": BUDGET,
        "of": ROWS,
        "method": "duckdb-hash-stratified-1",
        "seed": 7,
        "stratify": "label",
    }
    assert split.split_id.endswith("-sample500")
    ids = np.concatenate([split.role_ids(r) for r in ("train", "validation", "test")])
    assert len(ids) == len(set(ids.tolist())) == BUDGET  # every sampled row has one role
    table = pq.read_table(version.data_path).column("label").to_pylist()
    sampled = Counter(table[i] for i in ids.tolist())
    assert sampled == {"a": 350, "b": 125, "c": 24, "d": 1}  # the table's shares
    # the roles are drawn within the sample, stratified too
    test = Counter(table[i] for i in split.role_ids("test").tolist())
    assert test["a"] == 70 and test["b"] == 25
    stored = json.loads((split.parquet.with_suffix(".json")).read_text("utf-8"))
    assert stored["sample"] == split.sample == split_to_json(split)["sample"]
    assert load_split(version, split.split_id).sample == split.sample


def test_the_sample_is_reproducible_and_the_seed_changes_it(ws, tmp_path):
    version = labelled(ws, tmp_path)
    first = make_split(version, stratify="label", sealed=True, row_budget=BUDGET, seed=42)
    rows = {r: first.role_ids(r).tolist() for r in ("train", "validation", "test")}
    for path in first.parquet.parent.iterdir():  # draw it again from scratch
        path.unlink()
    again = make_split(version, stratify="label", sealed=True, row_budget=BUDGET, seed=42)
    assert {r: again.role_ids(r).tolist() for r in rows} == rows
    assert again.parquet_sha256 == first.parquet_sha256
    other = make_split(version, stratify="label", sealed=True, row_budget=BUDGET, seed=43)
    assert set(other.role_ids("test").tolist()) != set(rows["test"])


def test_unstratified_sample_and_small_versions(ws, tmp_path):
    version = labelled(ws, tmp_path)
    plain = make_split(version, sealed=True, row_budget=BUDGET, seed=1)
    assert plain.sample is not None and plain.sample["method"] == "duckdb-hash-1"
    assert plain.train_rows + plain.validation_rows + plain.test_rows == BUDGET
    # at or under the budget: the split covers every row, as before, and says no sample
    whole = make_split(version, stratify="label", sealed=True, row_budget=ROWS, seed=1)
    assert whole.sample is None and "sample" not in whole.split_id
    assert whole.train_rows + whole.validation_rows + whole.test_rows == ROWS
    assert "sample" not in split_to_json(whole)


def test_the_rows_read_for_a_role_are_the_sampled_ones(ws, tmp_path):
    version = labelled(ws, tmp_path)
    split = make_split(version, stratify="label", sealed=True, row_budget=BUDGET)
    rows = role_relation(version, split, "test").fetchall()
    assert len(rows) == split.test_rows
    labels = Counter(r[1] for r in rows)  # columns x, label
    assert labels["a"] == 70 and labels["b"] == 25


def test_phrases_say_what_was_read():
    sample = {"rows": 200_000, "of": 20_000_000, "method": "m", "seed": 42, "stratify": "y"}
    assert training_sample_phrase(sample) == (
        "Trained on a stratified sample of 200,000 of 20,000,000 rows, seed 42"
    )
    assert training_sample_phrase({**sample, "stratify": None}).startswith("Trained on a sample")
    assert training_sample_phrase(None) == ""
    assert sample_phrase({"rows": 100_000, "of": 20_000_000, "seed": 42}, "profiled") == (
        "profiled a sample of 100,000 of 20,000,000 rows, seed 42"
    )
    assert sample_phrase(None, "profiled", 5_000) == "profiled all 5,000 rows"


# -- odd column names with sampling on ------------------------------------------------------

ODD = ["select", "b", "€", "a/b", "Customer ID", "__shipyard_r", "__shipyard_k", "file_row_number"]
_counter = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    names=st.lists(st.sampled_from(ODD), min_size=2, max_size=4, unique_by=str.lower),
    seed=st.integers(0, 2**31 - 1),
)
def test_sampling_works_whatever_the_columns_are_called(tmp_path, names, seed):
    root = tmp_path / f"example-{next(_counter)}"
    ws = Workspace.create(root / "ws", template_name="blank")
    target, *others = names
    rng = np.random.default_rng(seed % 1000)
    n = 1_200
    labels = rng.choice(["p", "q", "r"], n, p=[0.6, 0.3, 0.1])
    columns = {target: labels, **{c: rng.normal(size=n) for c in others}}
    (root / "f").mkdir(parents=True)
    path = root / "f" / "odd.parquet"
    pq.write_table(pa.table(columns), path)
    version = import_file(ws, path, "odd", user="ann")

    split = make_split(version, stratify=target, sealed=True, row_budget=300, seed=seed)
    assert split.sample["rows"] == 300 and split.sample["of"] == n
    ids = np.concatenate([split.role_ids(r) for r in ("train", "validation", "test")]).tolist()
    sampled = Counter(labels[i] for i in ids)
    full = Counter(labels.tolist())
    for key, count in full.items():  # each class keeps its share, within one row
        assert abs(sampled[key] - 300 * count / n) <= 1
    again = make_split(version, stratify=target, sealed=True, row_budget=300, seed=seed)
    assert again.role_ids("test").tolist() == split.role_ids("test").tolist()
    test = role_relation(version, split, "test").fetchall()
    assert len(test) == split.test_rows

    profile = compute_profile(version, sample_rows=500)
    assert profile.sample["rows"] == 500 and profile.rows == n
    assert profile.column(target).nulls == 0
    report = scan_pii(version, sample_rows=500)
    assert report.sampled and report.scanned_rows == 500
    drift = compare_versions(version, version, sample_rows=500)
    assert drift.samples["reference"]["rows"] == 500
    assert all(c.psi == pytest.approx(0.0) for c in drift.columns)


# -- DuckDB's sample for the profile, the PII scan and drift ----------------------------------


def test_profile_of_a_big_version_says_it_sampled_and_keeps_exact_counts(ws, tmp_path):
    rng = np.random.default_rng(3)
    n = 4_000
    amount = rng.normal(100, 10, n)
    amount[::10] = np.nan  # stored as missing values
    version = labelled(ws, tmp_path, extra={"amount": pa.array(amount, from_pandas=True)}, rows=n)
    profile = compute_profile(version, sample_rows=1_000)
    assert profile.sample == {"rows": 1_000, "of": n, "method": "duckdb-reservoir", "seed": 42}
    assert profile.scope == "profiled a sample of 1,000 of 4,000 rows, seed 42"
    col = profile.column("amount")
    assert col.rows == n and col.nulls == 400  # exact, over every row
    exact_max = float(np.nanmax(amount))
    assert col.max == pytest.approx(exact_max)
    assert sum(b.count for b in col.histogram) == pytest.approx(900, abs=60)  # the sample's
    label = profile.column("label")
    assert sum(t.count for t in label.top_values) == 1_000
    assert compute_profile(version, sample_rows=1_000).columns == profile.columns  # repeatable
    full = compute_profile(version)
    assert full.sample is None and full.scope == "profiled all 4,000 rows"
    assert sum(b.count for b in full.column("amount").histogram) == 3_600


def test_pii_scan_and_drift_of_big_versions_say_they_sampled(ws, tmp_path):
    n = 3_000
    emails = [f"user{i}@example.com" for i in range(n)]
    version = labelled(ws, tmp_path, extra={"email": emails}, rows=n)
    report = scan_pii(version, sample_rows=1_000)
    assert report.sampled and report.scanned_rows == 1_000
    assert report.sample["method"] == "duckdb-reservoir"
    assert report.scope == "scanned a sample of 1,000 of 3,000 rows, seed 42"
    assert report.findings and report.findings[0].share == 1.0
    other = labelled(ws, tmp_path, name="other", extra={"email": emails}, rows=n, seed=5)
    drift = compare_versions(version, other, sample_rows=1_000)
    assert drift.scope == (
        "compared a sample of 1,000 of 3,000 rows, seed 42 of the reference; "
        "compared a sample of 1,000 of 3,000 rows, seed 42 of the current"
    )
    assert compare_versions(version, other).scope == ""


def test_the_cli_says_when_profile_pii_and_drift_read_a_sample(ws, tmp_path, monkeypatch):
    import io
    from contextlib import redirect_stdout

    import shipyard.core.data.pii_scan as pii_module
    import shipyard.core.data.sampling as sampling
    from shipyard.cli.commands import run

    monkeypatch.setenv("SHIPYARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(sampling, "SAMPLE_ROWS", 1_000)
    monkeypatch.setattr(pii_module, "DEFAULT_SAMPLE_ROWS", 1_000)
    emails = [f"user{i}@example.com" for i in range(3_000)]
    labelled(ws, tmp_path, extra={"email": emails}, rows=3_000)
    labelled(ws, tmp_path, name="big", extra={"email": emails}, rows=3_000, seed=9)

    def cli(*args: str) -> str:
        out = io.StringIO()
        with redirect_stdout(out):
            assert run([*args]) == 0
        return out.getvalue()

    root = str(ws.root)
    assert "profiled a sample of 1,000 of 3,000 rows, seed 42" in cli(
        "data", "profile", root, "big@v1"
    )
    assert "scanned a sample of 1,000 of 3,000 rows, seed 42" in cli("data", "pii", root, "big@v1")
    drift = cli("data", "drift", root, "big@v1", "big@v2")
    assert "compared a sample of 1,000 of 3,000 rows, seed 42 of the reference" in drift
