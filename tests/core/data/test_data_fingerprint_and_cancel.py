"""Content fingerprints, reuse of identical imports, cancel, and leaving no trace."""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shipyard.core.data import import_file, list_versions
from shipyard.core.data.fingerprint import file_sha256, fingerprint_from_digests
from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.sql.duck import connect, run_interruptible

CSV = "id,name,score\n1,ann,0.5\n2,bob,\n3,cy,2.25\n"


def test_same_content_same_fingerprint_and_the_version_is_reused(ws, write, samples, tree):
    first = import_file(ws, samples / "inbound_leads.csv", "leads", user="ann")
    before = tree(ws.root)
    audit_before = len(ws.audit.entries())
    again = import_file(ws, samples / "inbound_leads.csv", "leads", user="bob")
    assert again == first
    assert tree(ws.root) == before  # no new files at all
    assert len(ws.audit.entries()) == audit_before
    # a copy of the file elsewhere is the same content
    copy = write("elsewhere/leads copy.csv", (samples / "inbound_leads.csv").read_bytes())
    assert import_file(ws, copy, "leads", user="ann") == first
    assert [v.version for v in list_versions(ws, "leads")] == ["v1"]


def test_fingerprint_is_stable_across_workspaces_and_layouts(tmp_path, write):
    from shipyard.core.workspace.workspace import Workspace

    path = write("a.csv", CSV)
    one = import_file(Workspace.create(tmp_path / "one"), path, "d", user="ann")
    two = import_file(Workspace.create(tmp_path / "two"), path, "d", user="bob")
    assert one.fingerprint == two.fingerprint
    assert one.source["sha256"] == two.source["sha256"] == file_sha256(path)
    # the same table written as Parquet in two row-group layouts
    table = pq.read_table(one.data_path)
    pq.write_table(table, tmp_path / "small_groups.parquet", row_group_size=1)
    pq.write_table(table, tmp_path / "one_group.parquet")
    three = import_file(
        Workspace.create(tmp_path / "three"), tmp_path / "small_groups.parquet", "d", user="c"
    )
    four = import_file(
        Workspace.create(tmp_path / "four"), tmp_path / "one_group.parquet", "d", user="c"
    )
    assert three.fingerprint == four.fingerprint == one.fingerprint


@pytest.mark.parametrize(
    "changed",
    [
        CSV.replace("0.5", "0.75"),  # a value
        "id,name,score\n2,bob,\n1,ann,0.5\n3,cy,2.25\n",  # row order
        CSV.replace("name", "who"),  # a column name
        CSV + "4,dee,1\n",  # a row more
        CSV.replace("2,bob,\n", "2,bob,0\n"),  # a missing value filled
    ],
)
def test_different_content_different_fingerprint(ws, write, changed):
    base = import_file(ws, write("a.csv", CSV), "d", user="ann")
    other = import_file(ws, write("b.csv", changed), "d", user="ann")
    assert other.fingerprint != base.fingerprint
    assert other.version == "v2"


def test_type_is_part_of_the_fingerprint(ws, write):
    path = write("a.csv", CSV)
    base = import_file(ws, path, "d", user="ann")
    as_text = import_file(ws, path, "d", user="ann", type_overrides={"id": "VARCHAR"})
    assert as_text.fingerprint != base.fingerprint


def test_fingerprint_digest_is_order_and_schema_sensitive():
    schema = [("a", "BIGINT")]
    assert fingerprint_from_digests(schema, [1, 2]) != fingerprint_from_digests(schema, [2, 1])
    assert fingerprint_from_digests(schema, [1]) != fingerprint_from_digests([("a", "DOUBLE")], [1])


def _medium_csv(tmp_path, rows=400_000):
    path = tmp_path / "medium.csv"
    duckdb.connect().execute(
        f"COPY (SELECT range AS id, range * 0.5 AS x, 'name ' || range AS s, "
        f"TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND AS ts FROM range({rows})) "
        f"TO '{path}' (HEADER)"
    )
    return path


def test_cancel_during_the_copy_leaves_no_trace(ws, tmp_path, leftovers, tree):
    path = _medium_csv(tmp_path)
    before = tree(ws.root)
    seen: list[str] = []
    job = JobControl()

    def on_progress(fraction: float, message: str) -> None:
        seen.append(message)
        if message.startswith("Converting"):
            job.cancel()

    job._on_progress = on_progress
    with pytest.raises(Cancelled):
        import_file(ws, path, "medium", user="ann", job=job)
    assert any(m.startswith("Converting") for m in seen)
    assert leftovers(ws) in ([], [".shipyard/staging"])
    assert [p for p in tree(ws.root) if not p.startswith(".shipyard")] == [
        p for p in before if not p.startswith(".shipyard")
    ]
    assert all(e["action"] != "dataset.import" for e in ws.audit.entries())
    # and a later import of the same file works
    assert import_file(ws, path, "medium", user="ann").rows == 400_000


@pytest.mark.parametrize("at", ["Reading", "Checking", "Fingerprinting", "Saving"])
def test_cancel_at_any_step_leaves_no_trace(ws, write, at, leftovers):
    job = JobControl()

    def on_progress(fraction: float, message: str) -> None:
        if message.startswith(at):
            job.cancel()

    job._on_progress = on_progress
    with pytest.raises(Cancelled):
        import_file(ws, write("a.csv", CSV), "d", user="ann", job=job)
    assert leftovers(ws) in ([], [".shipyard/staging"])
    assert not (ws.root / "datasets" / "d").exists()


def test_an_error_after_the_copy_leaves_no_trace(ws, write, monkeypatch, leftovers):
    from shipyard.core.data import version_writer

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(version_writer, "commit", broken)
    with pytest.raises(OSError, match="disk full"):
        import_file(ws, write("a.csv", CSV), "d", user="ann")
    assert leftovers(ws) in ([], [".shipyard/staging"])


def test_interrupt_stops_a_long_statement_quickly():
    con = connect()
    job = JobControl()
    ticks: list[float] = []

    def on_progress(fraction: float, message: str) -> None:
        ticks.append(fraction)
        if len(ticks) >= 2:
            job.cancel()

    job._on_progress = on_progress
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        run_interruptible(
            con, "SELECT count(*) FROM range(100000000000) WHERE range % 7 = 3", job=job
        )
    assert time.perf_counter() - started < 5
    assert con.execute("SELECT 42").fetchone() == (42,)  # the connection still works


def test_parquet_source_fingerprint_matches_csv_source(ws, write, tmp_path):
    csv_version = import_file(ws, write("a.csv", CSV), "d", user="ann")
    pq.write_table(
        pa.table({"id": [1, 2, 3], "name": ["ann", "bob", "cy"], "score": [0.5, None, 2.25]}),
        tmp_path / "a.parquet",
    )
    assert import_file(ws, tmp_path / "a.parquet", "d", user="ann") == csv_version
