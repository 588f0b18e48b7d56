"""Drift (PSI against hand-computed values, KS against scipy) and seeded splits."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from shipyard.core.data import (
    DataError,
    compare_versions,
    import_file,
    list_splits,
    load_split,
    make_split,
    psi,
    severity,
    split_relations,
)


def parquet_version(ws, tmp_path, name, columns):
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.table(columns), path)
    return import_file(ws, path, name, user="ann")


def test_psi_and_severity_bands():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(
        0.1 * math.log(0.6 / 0.5) - 0.1 * math.log(0.4 / 0.5)
    )
    assert psi([1.0, 0.0], [0.5, 0.5]) == pytest.approx(
        -0.5 * math.log(0.5) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    )
    assert [severity(x) for x in (0.0, 0.099, 0.1, 0.2499, 0.25, 3)] == [
        "none",
        "none",
        "moderate",
        "moderate",
        "major",
        "major",
    ]


def test_numeric_psi_matches_a_hand_computed_value(ws, tmp_path):
    ref_values = [v for v in range(1, 11) for _ in range(10)]
    counts = [5, 5, 10, 10, 10, 10, 10, 10, 15, 15]
    cur_values = [v for v, n in zip(range(1, 11), counts, strict=True) for _ in range(n)]
    ref = parquet_version(ws, tmp_path, "ref", {"x": ref_values})
    cur = parquet_version(ws, tmp_path, "cur", {"x": cur_values})
    drift = compare_versions(ref, cur).column("x")
    # The reference deciles (1.9, 2.8, ..., 9.1) put each value 1..10 in its own bin,
    # each holding 10% of the reference.
    hand = 2 * (0.05 - 0.1) * math.log(0.05 / 0.1) + 2 * (0.15 - 0.1) * math.log(0.15 / 0.1)
    assert hand == pytest.approx(0.1098612, abs=1e-7)
    assert drift.psi == pytest.approx(hand, rel=1e-9)
    assert drift.severity == "moderate"
    assert [b.reference_share for b in drift.bins] == pytest.approx([0.1] * 10)
    assert [b.current_share for b in drift.bins] == pytest.approx([c / 100 for c in counts])
    assert drift.kind == "numeric"


def test_categorical_psi_with_a_new_category_and_missing_values(ws, tmp_path):
    ref = parquet_version(ws, tmp_path, "ref", {"c": ["a"] * 50 + ["b"] * 30 + ["c"] * 20})
    cur = parquet_version(
        ws, tmp_path, "cur", {"c": ["a"] * 40 + ["b"] * 30 + ["c"] * 20 + ["d"] * 10}
    )
    drift = compare_versions(ref, cur).column("c")
    hand = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    assert drift.psi == pytest.approx(hand, rel=1e-9)
    assert drift.severity == "major"
    assert [b.label for b in drift.bins] == ["a", "b", "c", "(other)"]
    assert drift.overlay.labels == ("a", "b", "c", "(other)")
    assert drift.overlay.current == pytest.approx((0.4, 0.3, 0.2, 0.1))
    with_missing = parquet_version(
        ws, tmp_path, "cur2", {"c": ["a"] * 50 + ["b"] * 30 + [None] * 20}
    )
    bins = compare_versions(ref, with_missing).column("c").bins
    assert bins[-1].label == "(missing)" and bins[-1].current_share == pytest.approx(0.2)


def test_ks_matches_scipy_and_overlay_histograms(ws, tmp_path):
    rng = np.random.default_rng(7)
    a, b = rng.normal(0, 1, 3000), rng.normal(0.25, 1.2, 2000)
    ref = parquet_version(ws, tmp_path, "ref", {"x": a, "same": a})
    cur = parquet_version(ws, tmp_path, "cur", {"x": b, "same": a[:2000]})
    report = compare_versions(ref, cur)
    x = report.column("x")
    expected = stats.ks_2samp(a, b)
    assert x.ks_statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert x.ks_pvalue == pytest.approx(expected.pvalue, rel=1e-9)
    assert x.severity in {"moderate", "major"}
    assert len(x.overlay.edges) == 31 and len(x.overlay.reference) == 30
    assert sum(x.overlay.reference) == pytest.approx(1.0)
    assert sum(x.overlay.current) == pytest.approx(1.0)
    same = report.column("same")  # the first 2000 of the same draws
    assert same.ks_statistic == pytest.approx(stats.ks_2samp(a, a[:2000]).statistic)
    assert same.severity == "none"
    assert report.worst in {"moderate", "major"}


def test_drift_skips_timestamps_ids_and_mismatched_columns(ws, samples, write):
    ref = import_file(ws, samples / "churn_customers.csv", "churn", user="ann")
    cur = import_file(ws, write("c.csv", "plan,nps\nfree,5\npro,6\n"), "cur", user="ann")
    report = compare_versions(ref, cur)
    assert "missing" in report.skipped["customer_id"]
    assert {c.column for c in report.columns} == {"plan", "nps"}
    self_report = compare_versions(ref, ref)
    assert "identifier-like" in self_report.skipped["customer_id"]
    assert "only numbers and categories" in self_report.skipped["signup_date"]
    assert all(c.psi == pytest.approx(0.0) for c in self_report.columns)


@pytest.fixture
def labelled(ws, tmp_path):
    rng = np.random.default_rng(3)
    n = 5000
    label = rng.choice(["yes", "no", "maybe"], n, p=[0.1, 0.7, 0.2]).tolist()
    label[:7] = [None] * 7
    return parquet_version(
        ws, tmp_path, "labelled", {"id": np.arange(n), "x": rng.random(n), "label": label}
    )


def test_split_is_reproducible_and_stored(labelled, tmp_path):
    split = make_split(labelled, holdout=0.2, seed=11)
    assert split.train_rows + split.holdout_rows == 5000
    assert split.holdout_rows == 1000
    hold, train = split.holdout_ids(), split.train_ids()
    assert len(np.intersect1d(hold, train)) == 0
    assert sorted(np.concatenate([hold, train]).tolist()) == list(range(5000))
    assert split.parquet.parent == labelled.folder / "splits"
    assert make_split(labelled, holdout=0.2, seed=11) == split  # stored, not redrawn
    assert load_split(labelled, split.split_id) == split
    assert list_splits(labelled) == [split]
    # redrawing from scratch (another workspace, same data) gives the same rows
    from shipyard.core.workspace.workspace import Workspace

    other = import_file(
        Workspace.create(tmp_path / "other"), labelled.data_path, "labelled", user="bob"
    )
    assert (make_split(other, holdout=0.2, seed=11).holdout_ids() == hold).all()
    assert not (make_split(labelled, holdout=0.2, seed=12).holdout_ids() == hold).all()


def test_split_is_stratified(ws, labelled):
    import duckdb

    split = make_split(labelled, holdout=0.25, seed=5, stratify="label", ws=ws, user="ann")
    assert ws.audit.entries()[-1]["action"] == "dataset.split"
    con = duckdb.connect()
    train, holdout = split_relations(labelled, split, con)
    n_train = train.aggregate("count(*)").fetchall()[0][0]
    n_hold = holdout.aggregate("count(*)").fetchall()[0][0]
    assert (n_train, n_hold) == (split.train_rows, split.holdout_rows)
    total = dict(
        con.execute(
            f"SELECT label, count(*) FROM read_parquet('{labelled.data_path}') GROUP BY label"
        ).fetchall()
    )
    held = dict(holdout.aggregate("label, count(*)", "label").fetchall())
    for label, n in total.items():
        assert held.get(label, 0) == round(n * 0.25), label
    assert split.strata["(missing)"] == {"train": 5, "holdout": 2}
    assert set(split.strata) == {"yes", "no", "maybe", "(missing)"}
    # the holdout relation holds exactly the holdout ids, in file order
    ids = [r[0] for r in holdout.project("id").fetchall()]
    assert ids == split.holdout_ids().tolist()


def test_split_errors(labelled):
    with pytest.raises(DataError, match="decimal numbers"):
        make_split(labelled, stratify="x")
    with pytest.raises(DataError, match="no column named 'nope'"):
        make_split(labelled, stratify="nope")
    with pytest.raises(DataError, match="between 0 and 1"):
        make_split(labelled, holdout=1.5)
    with pytest.raises(DataError, match="no split yet"):
        load_split(labelled)
    split = make_split(labelled, seed=1)
    with split.parquet.open("r+b") as fh:
        fh.seek(40)
        fh.write(b"\x00\x01")
    with pytest.raises(DataError, match="changed after it was made"):
        load_split(labelled, split.split_id)


# -- sealed splits: train / validation / test -----------------------------------------------
def two_way_holdout(version):
    return make_split(version, holdout=0.2, seed=11, stratify="label").holdout_rows


def test_a_sealed_split_has_three_disjoint_stratified_roles(ws, labelled):
    from shipyard.core.data.split import VALIDATION, role_relation, split_to_json

    split = make_split(labelled, holdout=0.2, seed=11, stratify="label", sealed=True, ws=ws,
                       user="ann")  # fmt: skip
    assert split.sealed and split.selection == VALIDATION  # 4,000 rows outside the test split
    assert split.split_id.startswith("seed11-test200-by-label")
    ids = {r: split.role_ids(r) for r in ("train", "validation", "test")}
    assert [len(ids[r]) for r in ids] == [split.train_rows, split.validation_rows,
                                          split.test_rows]  # fmt: skip
    # 60 / 20 / 20 per stratum (rounded per stratum: four strata, one of them missing labels)
    assert split.validation_rows == split.test_rows == two_way_holdout(labelled)
    assert split.train_rows == 5000 - 2 * split.test_rows
    assert sorted(np.concatenate(list(ids.values())).tolist()) == list(range(5000))
    # The test rows are exactly what a two-way split with the same seed holds out.
    two_way = make_split(labelled, holdout=0.2, seed=11, stratify="label")
    assert (two_way.holdout_ids() == ids["test"]).all() and not two_way.sealed
    # Stratified: each role keeps the class shares (counts per stratum round per role).
    for label, counts in split.strata.items():
        assert abs(counts["validation"] - counts["holdout"]) <= 1, label
    import duckdb

    con = duckdb.connect()
    for role in ("train", "validation", "test"):
        rel = role_relation(labelled, split, role, con)
        assert [r[0] for r in rel.project("id").fetchall()] == ids[role].tolist()
    data = split_to_json(split)
    assert data["format"] == 2 and data["roles"] == ["train", "validation", "test"]
    assert data["selection"]["method"] == VALIDATION and "1,000 rows" in data["selection"]["rule"]
    assert ws.audit.entries()[-1]["details"]["selection"] == VALIDATION
    # Stored and read back the same; the same parameters give the same split.
    assert load_split(labelled, split.split_id) == split
    assert make_split(labelled, holdout=0.2, seed=11, stratify="label", sealed=True) == split


def test_small_data_is_compared_by_cross_validation(ws, tmp_path):
    from shipyard.core.data.split import CROSS_VALIDATION, CV_FOLDS, role_relation

    rng = np.random.default_rng(5)
    n = 600  # 480 rows outside the test split: fewer than 1,000
    small = parquet_version(ws, tmp_path, "small", {"x": rng.random(n),
                                                    "y": rng.choice(["a", "b"], n).tolist()})  # fmt: skip
    split = make_split(small, holdout=0.2, seed=3, stratify="y", sealed=True)
    assert split.selection == CROSS_VALIDATION and split.folds == CV_FOLDS
    assert (split.train_rows, split.validation_rows, split.test_rows) == (480, 0, 120)
    assert len(split.role_ids("validation")) == 0
    assert role_relation(small, split, "validation").aggregate("count(*)").fetchall()[0][0] == 0
    assert split.selection_json()["folds"] == CV_FOLDS
    # A two-way split's roles: its holdout plays validation and test.
    old = make_split(small, holdout=0.2, seed=3)
    assert (old.role_ids("validation") == old.role_ids("test")).all()
    assert old.selection_json()["method"] == "holdout (legacy)"
