"""No row is lost on import without a report: rows that do not fit the header are refused
with their line numbers, or (when asked) left out, counted and listed in version.json; the
rows imported always equal the file's data records less those reported."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shipyard.core.data import ImportRefused, import_file, open_relation, preview_file, row_check
from shipyard.core.data.dataset_version import read_version
from shipyard.core.data.row_check import RecordCounter, RecordTally, scan_rows
from shipyard.core.data.source_file import SourceFile, inspect_source
from shipyard.core.workspace.workspace import Workspace

ISSUE_CSV = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,13\n"


def _nothing_written(ws: Workspace) -> bool:
    folder = ws.root / "datasets"
    return not folder.exists() or not any(folder.iterdir())


def test_ragged_rows_are_refused_with_their_lines_and_count(ws, write):
    path = write("ragged.csv", ISSUE_CSV)
    with pytest.raises(ImportRefused) as err:
        import_file(ws, path, "ragged", user="ann")
    text = str(err.value)
    assert "ragged.csv" in text
    assert "3 rows do not have as many fields as the header (the header has 3)" in text
    assert "line 3 has 2 fields: '4,5'" in text
    assert "line 4 has 4 fields: '6,7,8,9'" in text
    assert "line 5 has 4 fields: '10,11,12,13'" in text
    assert "--skip-bad-rows" in err.value.fix
    assert _nothing_written(ws)


def test_skip_bad_rows_imports_the_rest_and_records_what_was_left_out(ws, write):
    path = write("ragged.csv", ISSUE_CSV)
    version = import_file(ws, path, "ragged", user="ann", skip_bad_rows=True)
    assert version.column_names == ["a", "b", "c"]  # the header is the header
    assert open_relation(version).fetchall() == [(1, 2, 3)]
    assert version.skipped_rows["count"] == 3
    assert version.skipped_rows["records_in_file"] == 4
    assert version.skipped_rows["examples"] == [
        {"line": 3, "fields": 2, "text": "4,5"},
        {"line": 4, "fields": 4, "text": "6,7,8,9"},
        {"line": 5, "fields": 4, "text": "10,11,12,13"},
    ]
    assert version.options["skip_bad_rows"] is True
    assert any("3 rows do not have" in n and "--skip-bad-rows" in n for n in version.notes)
    stored = json.loads(version.metadata_path.read_text(encoding="utf-8"))
    assert stored["skipped_rows"]["count"] == 3
    assert read_version(version.folder).skipped_rows == version.skipped_rows
    entry = ws.audit.entries()[-1]
    assert entry["action"] == "dataset.import"
    assert entry["details"]["skipped_rows"] == 3


def test_a_clean_file_records_no_skipped_rows(ws, write):
    path = write("clean.csv", "a,b\n1,2\n3,4\n")
    version = import_file(ws, path, "clean", user="ann", skip_bad_rows=True)
    assert version.rows == 2
    assert version.skipped_rows == {}
    assert "skipped_rows" not in json.loads(version.metadata_path.read_text(encoding="utf-8"))


def test_header_is_never_skipped_when_most_rows_are_longer(ws, write):
    """DuckDB's sniffer used to take a long data row for the header and drop the lines
    above it; the header is always the first record."""
    rows = ["a,b,c", "1,2,3"] + [f"{i},{i},{i},{i}" for i in range(40)]
    path = write("long.csv", "\n".join(rows) + "\n")
    with pytest.raises(ImportRefused, match="40 rows do not have") as err:
        import_file(ws, path, "long", user="ann")
    assert "line 3 has 4 fields" in str(err.value)
    assert "and 35 more" in str(err.value)
    version = import_file(ws, path, "long", user="ann", skip_bad_rows=True)
    assert version.column_names == ["a", "b", "c"]
    assert open_relation(version).fetchall() == [(1, 2, 3)]
    assert version.skipped_rows["count"] == 40
    assert len(version.skipped_rows["examples"]) == row_check.EXAMPLES


def test_tsv_ragged_rows(ws, write):
    path = write("ragged.tsv", "a\tb\tc\n1\t2\t3\n4\t5\n6\t7\t8\n")
    with pytest.raises(ImportRefused, match="line 3 has 2 fields") as err:
        import_file(ws, path, "tabs", user="ann")
    assert "TAB" in err.value.fix
    version = import_file(ws, path, "tabs", user="ann", skip_bad_rows=True)
    assert open_relation(version).fetchall() == [(1, 2, 3), (6, 7, 8)]
    assert version.skipped_rows["examples"] == [{"line": 3, "fields": 2, "text": "4\t5"}]


def test_line_numbers_count_quoted_line_breaks(ws, write):
    text = 'id,text\n1,"two\nlines"\n2,"a, b"\n3,x,y\n4,"three\n\nlines"\n5\n'
    path = write("quoted.csv", text)
    with pytest.raises(ImportRefused) as err:
        import_file(ws, path, "quoted", user="ann")
    assert "line 5 has 3 fields: '3,x,y'" in str(err.value)
    assert "line 9 has 1 fields: '5'" in str(err.value)
    version = import_file(ws, path, "quoted", user="ann", skip_bad_rows=True)
    assert open_relation(version).fetchall() == [
        (1, "two\nlines"),
        (2, "a, b"),
        (4, "three\n\nlines"),
    ]
    assert [e["line"] for e in version.skipped_rows["examples"]] == [5, 9]


def test_other_quoting_dialects_still_import(ws, write):
    """The cross-check reads the file with the quote and escape DuckDB found."""
    single = import_file(ws, write("single.csv", "id,t\n1,'a\nb'\n2,'c'\n"), "single", user="a")
    assert open_relation(single).fetchall() == [(1, "a\nb"), (2, "c")]
    text = 'id,t\n1,"5\\" screen"\n2,"x"\n3,"y\nz"\n4,w\n'
    escaped = import_file(ws, write("escaped.csv", text), "escaped", user="a")
    assert open_relation(escaped).fetchall() == [(1, '5" screen'), (2, "x"), (3, "y\nz"), (4, "w")]


def test_a_title_line_above_the_header_is_named_in_the_fix(ws, write):
    path = write("title.csv", "Sales report\na,b,c\n1,2,3\n4,5,6\n")
    with pytest.raises(ImportRefused, match="3 rows do not have") as err:
        import_file(ws, path, "title", user="ann")
    assert "delete the lines above the header" in err.value.fix


def test_preview_can_skip_bad_rows(write):
    path = write("ragged.csv", ISSUE_CSV)
    with pytest.raises(ImportRefused, match="line 3 has 2 fields"):
        preview_file(path)
    assert preview_file(path, skip_bad_rows=True).rows == ((1, 2, 3),)


def test_blank_lines_are_no_rows_but_one_column_blanks_are_missing_values(ws, write):
    version = import_file(ws, write("b.csv", "a,b\n1,2\n\n3,4\n\n"), "blanks", user="ann")
    assert version.rows == 2
    one = import_file(ws, write("one.csv", "a\n1\n\n2\n"), "one", user="ann")
    assert open_relation(one).fetchall() == [(1,), (None,), (2,)]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('{"a": 1}\n{"a": 2}\n{"a": 3, b: 4}\n{"a": 5}\n', 3, "not valid JSON"),
        ('{"a": 1}\n{"a": 2}\n{"a": 3\n', 3, "not valid JSON"),
        ('{"a": 1}\n\n{"a": 2}\n{"a": 3}}\n', 4, "not valid JSON"),
    ],
)
def test_malformed_ndjson_line_is_refused_with_its_number(ws, write, text, line, problem):
    path = write("rows.ndjson", text)
    for skip in (False, True):
        with pytest.raises(ImportRefused, match=f"line {line} is {problem}"):
            import_file(ws, path, "rows", user="ann", skip_bad_rows=skip)
    assert _nothing_written(ws)


def test_ndjson_rows_are_counted(ws, write):
    path = write("rows.ndjson", '{"a": 1}\n\n{"a": 2}\n{"a": 3}')
    assert import_file(ws, path, "rows", user="ann").rows == 3


def test_a_mismatch_between_the_counts_is_refused(ws, write, monkeypatch):
    """Should DuckDB ever read fewer rows than the file's records without saying so, the
    import stops rather than lose them."""
    path = write("ok.csv", "a,b\n1,2\n3,4\n5,6\n")
    monkeypatch.setattr(RecordTally, "total", lambda self: 4)
    monkeypatch.setattr(
        "shipyard.core.data.importer.scan_rows",
        lambda source, **_: row_check.RowScan(header_fields=2, records=4, bad=0),
    )
    with pytest.raises(ImportRefused, match="read 3 rows, but the file holds 4 data records"):
        import_file(ws, path, "ok", user="ann")
    assert _nothing_written(ws)


# -- the record count -----------------------------------------------------------------------
def _count(path: Path) -> int | None:
    counter = RecordCounter(inspect_source(path))
    counter.run()
    return counter.count


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize(
    ("text", "records"),
    [
        ("a,b\n1,2\n3,4\n", 2),
        ("a,b\n1,2\n3,4", 2),
        ("a,b\r\n1,2\r\n\r\n3,4\r\n\r\n", 2),
        ('a,b\n1,"x\ny"\n2,"p\r\n\r\nq"\n', 2),
        ('a,b\n1,"say ""hi""\n"\n\n\n2,3\n', 2),
        ('a,b\n1,""\n"",2\n', 2),
        ("\n\na,b\n1,2\n", 1),
    ],
)
def test_record_counter(write, monkeypatch, chunk, text, records):
    monkeypatch.setattr(row_check, "CHUNK", chunk)
    path = write("c.csv", text)
    assert _count(path) == records
    assert scan_rows(inspect_source(path)).records == records


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str, newline: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# a field starts and ends with a letter or digit (DuckDB trims nothing then, and no field
# is a missing-value marker) and may hold the delimiters, quotes and line breaks
EDGE = st.sampled_from("ab1x")
FIELD = st.one_of(
    EDGE, st.tuples(EDGE, st.text(alphabet='ab1,\t"\n x', max_size=4), EDGE).map("".join)
)


@st.composite
def ragged_tables(draw):  # type: ignore[no-untyped-def]
    width = draw(st.integers(2, 4))  # one-column files: see the blank-line test
    counts = st.one_of(st.just(width), st.just(width), st.just(width), st.integers(1, 6))
    rows = draw(
        st.lists(
            counts.flatmap(lambda n: st.lists(FIELD, min_size=n, max_size=n)),
            min_size=1,
            max_size=12,
        )
    )
    return width, rows, draw(st.sampled_from([",", "\t"])), draw(st.sampled_from(["\n", "\r\n"]))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=ragged_tables())
# a quoted field holding the delimiter made the sniffer choose "no quote" and split it
@example(table=(2, [["a\ta"]], "\t", "\n"))
@example(table=(2, [["a"], ["a\ta"]], "\t", "\n"))
def test_rows_read_equal_records_less_those_reported(tmp_path_factory, table):
    width, rows, delimiter, newline = table
    header = [f"c{i}" for i in range(width)]
    root = tmp_path_factory.mktemp("prop")
    ws = Workspace.create(root / "ws", template_name="blank")
    suffix = ".tsv" if delimiter == "\t" else ".csv"
    path = root / f"t{suffix}"
    path.write_text(_csv_text(header, rows, delimiter, newline), encoding="utf-8", newline="")
    good = [r for r in rows if len(r) == width]
    bad = [i for i, r in enumerate(rows) if len(r) != width]
    # where each record starts: the header is line 1, a quoted line break adds a line
    starts, line = [], 2
    for r in rows:
        starts.append(line)
        line += sum(field.count("\n") for field in r) + 1
    overrides = dict.fromkeys(header, "VARCHAR")
    if bad:
        with pytest.raises(ImportRefused, match=f"line {starts[bad[0]]} has") as err:
            import_file(ws, path, "t", user="ann", type_overrides=overrides)
        assert f"{len(bad)} row" in str(err.value)
    if not good:
        with pytest.raises(ImportRefused, match="no rows"):
            import_file(ws, path, "t", user="ann", type_overrides=overrides, skip_bad_rows=True)
        return
    version = import_file(ws, path, "t", user="ann", type_overrides=overrides, skip_bad_rows=True)
    assert version.column_names == header
    assert version.rows == len(rows) - len(bad)
    assert [list(r) for r in open_relation(version).fetchall()] == good
    skipped = version.skipped_rows
    assert skipped.get("count", 0) == len(bad)
    if bad:
        assert skipped["records_in_file"] == len(rows)
        shown = bad[: row_check.EXAMPLES]
        assert [e["line"] for e in skipped["examples"]] == [starts[i] for i in shown]
        assert [e["fields"] for e in skipped["examples"]] == [len(rows[i]) for i in shown]


@settings(max_examples=30, deadline=None)
@given(table=ragged_tables(), chunk=st.sampled_from([1, 5, 64, 1 << 20]))
def test_record_counter_agrees_with_the_csv_module(table, chunk):
    width, rows, delimiter, newline = table
    text = _csv_text([f"c{i}" for i in range(width)], rows, delimiter, newline)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(text, encoding="utf-8", newline="")
        old = row_check.CHUNK
        row_check.CHUNK = chunk
        try:
            assert _count(path) == len(rows)
        finally:
            row_check.CHUNK = old
        assert scan_rows(inspect_source(path)).records == len(rows)


def _tally_byte_by_byte(chunks: list[bytes], quotes: bool) -> tuple[int, int, bool, bool, bool]:
    """What RecordTally must find, walked one byte at a time: (line feeds outside quotes,
    blank lines among them, text after the last, a quote left open, a chunk with a lone
    CR as its only line break)."""
    inside = content_after = cr_only = False
    breaks = blanks = offset = 0
    last_nl, prev_byte = -1, 0
    for chunk in chunks:
        found = 0
        for i, byte in enumerate(chunk):
            if quotes and byte == ord('"'):
                inside = not inside
            elif byte == ord("\n") and not inside:
                gap = offset + i - last_nl
                before = chunk[i - 1] if i else prev_byte
                blanks += gap == 1 or (gap == 2 and before == ord("\r"))
                breaks, found, last_nl = breaks + 1, found + 1, offset + i
        if not cr_only and not found and not inside and b"\r" in chunk:
            cr_only = b"\n" not in chunk
        if found:
            content_after = bool(chunk[last_nl - offset + 1 :].strip(b"\r"))
        elif chunk.strip(b"\r"):
            content_after = True
        prev_byte, offset = chunk[-1], offset + len(chunk)
    return breaks, blanks, content_after, inside, cr_only


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b",", b'"', b"\n", b"\r"]), max_size=700).map(b"".join),
    cuts=st.lists(st.sampled_from([1, 2, 3, 63, 64, 65, 127, 128, 200]), min_size=1),
    fmt=st.sampled_from(["csv", "ndjson"]),
)
def test_record_tally_counts_each_byte_as_a_walk_would(data, cuts, fmt):
    """The tally works on 64 bytes at a time (bit masks); any bytes, cut anywhere into
    chunks, must give what a walk over them one by one gives."""
    chunks, at = [], 0
    while at < len(data):
        size = cuts[len(chunks) % len(cuts)]
        chunks.append(data[at : at + size])
        at += size
    source = SourceFile(path=Path("t." + fmt), format=fmt, size=len(data), encoding="utf-8")
    tally = RecordTally(source)
    for chunk in chunks:
        tally.feed(chunk)
    assert tally.error is None
    found = (
        tally._breaks,
        tally._blanks,
        tally._content_after_last,
        tally._inside,
        tally._any_cr_only,
    )
    assert found == _tally_byte_by_byte(chunks, quotes=fmt == "csv")
