"""Values are imported exactly as written, and the file is read once for its hash and its
record count.

DuckDB's own CSV reader (like its CAST) rounds text such as '2.5' to 3 in a column it has
typed as an integer from its sample, so integer columns are read as text and cast strictly
(read_plan.strict_integer): a value that is not a whole number widens the column instead.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.data import fingerprint, import_file, open_relation
from shipyard.core.data.fingerprint import SourceHasher, is_utf8
from shipyard.core.data.row_check import RecordCounter, RecordTally
from shipyard.core.data.source_file import inspect_source
from shipyard.core.workspace.workspace import Workspace

SAMPLE_PAST = 30_000  # rows: beyond DuckDB's type-inference sample (20,480 rows)


def _late_value_csv(path: Path, value: str) -> Path:
    rows = ["id,n"] + [f"{i},{i % 1000}" for i in range(SAMPLE_PAST)] + [f"{SAMPLE_PAST},{value}"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_duckdbs_csv_reader_rounds_a_decimal_in_an_integer_column(tmp_path):
    """Why the strict cast exists: should DuckDB's reader ever refuse '2.5' in a BIGINT
    column by itself, this fails and the text detour can go."""
    path = _late_value_csv(tmp_path / "late.csv", "2.5")
    con = duckdb.connect()
    assert con.execute(f"DESCRIBE SELECT n FROM read_csv('{path}')").fetchall()[0][1] == "BIGINT"
    late = con.execute(f"SELECT n FROM read_csv('{path}') WHERE id = {SAMPLE_PAST}").fetchall()
    assert late == [(3,)]


@pytest.mark.parametrize(
    ("value", "typ", "stored"),
    [
        ("2.5", "DOUBLE", 2.5),
        ("25e-1", "DOUBLE", 2.5),
        ("-0.5", "DOUBLE", -0.5),
        ("abc", "VARCHAR", "abc"),
        # DuckDB's cast reads these as 16, 5 and 1000: kept as written instead
        ("0x10", "VARCHAR", "0x10"),
        ("0B101", "VARCHAR", "0B101"),
        ("1_000", "VARCHAR", "1_000"),
        ("7.000", "BIGINT", 7),
        ("123456789012345678901234", "DECIMAL(38,0)", Decimal("123456789012345678901234")),
    ],
)
def test_a_late_value_in_an_integer_column_is_never_rounded(ws, tmp_path, value, typ, stored):
    version = import_file(ws, _late_value_csv(tmp_path / "late.csv", value), "late", user="ann")
    assert version.rows == SAMPLE_PAST + 1
    assert version.types["n"] == typ
    late = open_relation(version).filter(f"id = {SAMPLE_PAST}").project("n").fetchall()
    assert late == [(stored,)]
    if typ != "BIGINT":
        assert any(
            f"line {SAMPLE_PAST + 2:,}" in note and repr(value) in note for note in version.notes
        )


WHOLE = st.integers(-(10**12), 10**12).map(str)
NOT_WHOLE = st.one_of(
    st.tuples(st.integers(-999, 999), st.integers(1, 10**6)).map(lambda p: f"{p[0]}.{p[1]}"),
    st.tuples(st.integers(1, 99), st.integers(-3, -1)).map(lambda p: f"{p[0]}5e{p[1]}"),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=st.one_of(WHOLE, NOT_WHOLE))
def test_the_stored_number_equals_the_written_one(tmp_path_factory, value):
    root = tmp_path_factory.mktemp("exact")
    ws = Workspace.create(root / "ws", template_name="blank")
    version = import_file(ws, _late_value_csv(root / "late.csv", value), "late", user="ann")
    [(stored,)] = open_relation(version).filter(f"id = {SAMPLE_PAST}").project("n").fetchall()
    assert Decimal(str(stored)) == Decimal(value)
    whole = Decimal(value) == Decimal(value).to_integral_value()
    assert (version.types["n"] == "BIGINT") == whole


TEXT = st.lists(
    st.sampled_from(["a", "1", ",", '"', "\n", "\r\n", " ", "é"]), min_size=0, max_size=60
).map("".join)


@settings(max_examples=40, deadline=None)
@given(text=TEXT, chunk=st.sampled_from([1, 2, 3, 7, 64]))
def test_one_read_gives_the_sha256_and_the_record_count(text, chunk, tmp_path_factory):
    path = tmp_path_factory.mktemp("one") / "t.csv"
    data = ("h1,h2\n" + text).encode("utf-8")
    path.write_bytes(data)
    source = inspect_source(path)
    alone = RecordCounter(source)
    alone.run()
    tally = RecordTally(source)
    old = fingerprint.CHUNK
    fingerprint.CHUNK = chunk
    try:
        hasher = SourceHasher(path, check_utf8=False, feed=tally.feed)
        hasher.start()
        sha = hasher.result()
    finally:
        fingerprint.CHUNK = old
    assert sha == hashlib.sha256(data).hexdigest()
    assert tally.total() == alone.count


def test_is_utf8(tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(b"a\n" * 100_000 + "é\n".encode())
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a\n" * 100_000 + "é\n".encode("latin-1"))
    cut = tmp_path / "cut.csv"
    cut.write_bytes(b"a\n" + "é".encode()[:1])
    assert is_utf8(good)
    assert not is_utf8(bad)
    assert not is_utf8(cut)


# -- the quick read -------------------------------------------------------------------------
CELL = {
    "i": st.one_of(
        st.integers(-(10**15), 10**15).map(str),
        st.sampled_from(
            ["", " 7", "+3", "2.0", "2.5", "1e3", "25e-1", "abc", "-0", "007", "0x1e", "0b1", "1_0"]
        ),
    ),
    "f": st.one_of(
        st.floats(allow_nan=False, width=32).map(repr),
        st.sampled_from(["", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308"]),
    ),
    "s": st.sampled_from(["", "x", "a,b", "e.E"]),
}


def _both_reads(con, path: Path) -> tuple[list | None, list | None]:
    """(rows of the strict read, rows of the quick read); None for a read that raised."""
    from shipyard.core.data.read_plan import plan_read

    plan = plan_read(con, inspect_source(path))
    quick_sql = plan.quick_select_sql()
    assert quick_sql is not None
    reads: list[list | None] = []
    for sql in (plan.select_sql(), quick_sql):
        try:
            reads.append(
                con.execute(f"SELECT * FROM ({sql}\n) WHERE i IS NULL OR i <> 1").fetchall()
            )
        except duckdb.Error:
            reads.append(None)
    return reads[0], reads[1]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.tuples(CELL["i"], CELL["f"], CELL["s"], CELL["i"]), min_size=1, max_size=8))
def test_the_quick_read_gives_the_strict_reads_rows_or_stops(rows, tmp_path_factory):
    """Whatever the values past DuckDB's inference sample, the quick read either returns
    exactly the rows of the strict read or raises (the importer then uses the strict read)."""
    filler = ["1,0.5,x,2"] * SAMPLE_PAST  # types: integer, double, text, integer
    late = [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    path = tmp_path_factory.mktemp("quick") / "t.csv"
    path.write_text("\n".join(["i,f,s,j", *filler, *late]) + "\n", encoding="utf-8")
    strict, quick = _both_reads(duckdb.connect(), path)
    if quick is not None:
        assert quick == strict
        assert not any(isinstance(v, float) and v != v for r in quick for v in r)


def test_a_clean_file_is_read_the_quick_way(tmp_path):
    path = tmp_path / "clean.csv"
    rows = ["i,x,name"] + ["1,0.5,a"] * SAMPLE_PAST + ["2,,b", "3,inf,c", "-4,-0.25,"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    strict, quick = _both_reads(duckdb.connect(), path)
    assert quick == strict == [(2, None, "b"), (3, float("inf"), "c"), (-4, -0.25, None)]


def test_a_nan_far_down_is_missing_and_a_decimal_keeps_its_value(ws, tmp_path):
    rows = ["id,x,n"] + [f"{i},{i / 4},{i}" for i in range(SAMPLE_PAST)]
    rows += [f"{SAMPLE_PAST},-nan,7", f"{SAMPLE_PAST + 1},1.25,8.0"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    version = import_file(ws, path, "late", user="ann")
    assert version.types == {"id": "BIGINT", "x": "DOUBLE", "n": "BIGINT"}
    late = open_relation(version).filter(f"id >= {SAMPLE_PAST}").order("id").fetchall()
    assert late == [(SAMPLE_PAST, None, 7), (SAMPLE_PAST + 1, 1.25, 8)]
