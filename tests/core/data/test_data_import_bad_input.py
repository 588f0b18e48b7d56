"""Bad input gets a clear message naming the file and the fix, and never a half version."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shipyard.core.data import ImportRefused, import_file, open_relation, preview_file
from shipyard.core.jobs import JobControl


@pytest.fixture
def refused(ws, leftovers):
    """refused(path, match, **kwargs): the import fails with ImportRefused naming the file
    and a fix, and leaves nothing behind."""

    def check(path, match, **kwargs):
        with pytest.raises(ImportRefused, match=match) as err:
            import_file(ws, path, "bad", user="ann", **kwargs)
        assert err.value.file is not None and err.value.file.name == path.name
        assert err.value.fix
        assert str(path.name) in str(err.value)
        assert leftovers(ws) in ([], [".shipyard/staging"])
        return err.value

    return check


def test_empty_file(ws, write, refused):
    refused(write("empty.csv", ""), "empty")
    refused(write("blank.csv", "\n\n  \n"), "blank")


def test_header_only_file(ws, write, refused):
    path = write("header.csv", "a,b,c\n")
    refused(path, "header but no rows")
    with pytest.raises(ImportRefused, match="header but no rows"):
        preview_file(path)


def test_ragged_rows_name_the_line(ws, write, refused):
    err = refused(write("ragged.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n"), "line 3 has 4 fields")
    assert "the header has 3" in err.message
    refused(write("short.csv", "a,b,c\n1,2,3\n4,5\n"), "line 3 has 2 fields")


def test_ragged_row_far_down_a_big_file(ws, write, refused):
    rows = ["a,b,c"] + [f"{i},{i * 2},x{i}" for i in range(60_000)]
    rows[50_000] = "1,2,3,4"
    refused(write("deep.csv", "\n".join(rows) + "\n"), "line 50,001 has 4 fields")


def test_latin1_bytes_are_read_as_latin1(ws, write):
    path = write("latin.csv", "name,city\nJosé,München\nAnna,Köln\n", encoding="latin-1")
    version = import_file(ws, path, "people", user="ann")
    assert open_relation(version).fetchall() == [("José", "München"), ("Anna", "Köln")]
    assert version.source["encoding"] == "latin-1"
    assert any("Latin-1" in note for note in version.notes)
    assert any("Latin-1" in note for note in preview_file(path).notes)


def test_latin1_bytes_far_down_an_otherwise_ascii_file(ws, write):
    head = "name,n\n" + "".join(f"row{i},{i}\n" for i in range(80_000))
    path = write("late.csv", head.encode() + "Zoë,1\n".encode("latin-1"))
    version = import_file(ws, path, "late", user="ann")
    assert version.rows == 80_001
    assert version.source["encoding"] == "latin-1"
    last = open_relation(version).filter("n = 1 AND name = 'Zoë'").fetchall()
    assert last == [("Zoë", 1)]


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"PK\x03\x04" + b"\x00" * 64, "ZIP archive"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
        (b"%PDF-1.7\n" + b"\x01\x02" * 40, "PDF"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x7fELF" + b"\x00" * 200, "program"),
    ],
)
def test_binary_file_renamed_csv(ws, write, content, what, refused):
    refused(write("table.csv", content), what)


def test_parquet_renamed_csv_is_read_as_parquet(ws, tmp_path):
    path = tmp_path / "actually_parquet.csv"
    pq.write_table(pa.table({"a": [1, 2]}), path)
    version = import_file(ws, path, "pq", user="ann")
    assert version.source["format"] == "Parquet"
    assert any("Parquet despite" in note for note in version.notes)


def test_damaged_parquet_and_json(ws, write, refused):
    refused(write("cut.parquet", b"PAR1" + b"x" * 100), "incomplete")
    # the unclosed object is on line 2 (DuckDB's own message says line 3)
    refused(write("bad.ndjson", '{"a": 1}\n{"a": 2\n{"a": 3}\n'), "line 2 is not valid JSON")
    refused(write("nojson.json", "hello"), "not JSON")


def test_duplicate_column_names_are_renamed_and_said_so(ws, write):
    path = write("dup.csv", "a,b,a,A,a_2,\n1,2,3,4,5,6\n")
    preview = preview_file(path)
    assert preview.column_names == ["a", "b", "a_3", "A_4", "a_2", "column_6"]
    assert any("appears 3 times" in note for note in preview.notes)
    version = import_file(ws, path, "dup", user="ann")
    assert version.column_names == ["a", "b", "a_3", "A_4", "a_2", "column_6"]
    assert open_relation(version).fetchall() == [(1, 2, 3, 4, 5, 6)]
    assert any("renamed" in note for note in version.notes)
    by_name = {c.name: c.source_name for c in version.schema}
    assert by_name["a_3"] == "a" and by_name["a"] is None


def test_a_thousand_columns(ws, write):
    header = ",".join(f"c{i}" for i in range(1000))
    rows = "\n".join(",".join(str(r * 1000 + i) for i in range(1000)) for r in range(30))
    version = import_file(ws, write("wide.csv", header + "\n" + rows + "\n"), "wide", user="ann")
    assert version.columns == 1000
    assert version.rows == 30
    assert set(version.types.values()) == {"BIGINT"}


def test_file_deleted_during_import(ws, write, refused):
    path = write("vanishing.csv", "a,b\n" + "".join(f"{i},{i}\n" for i in range(50_000)))

    def delete_when_converting(fraction: float, message: str) -> None:
        if message.startswith("Converting") and path.exists():
            path.unlink()

    refused(path, "deleted or moved", job=JobControl(delete_when_converting))


def test_missing_file_and_folder(ws, tmp_path, refused):
    refused(tmp_path / "nope.csv", "does not exist")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    refused(folder, "folder")


def test_path_with_spaces_quotes_and_non_ascii(ws, write):
    path = write("dir with spaces/Übersicht d'été [2026].csv", "a,b\n1,2\n")
    version = import_file(ws, path, "uebersicht", user="ann")
    assert version.rows == 1
    assert version.source["path"] == str(path.resolve())
    assert preview_file(path).rows == ((1, 2),)


def test_a_value_that_does_not_fit_the_inferred_type_widens_the_column(ws, write):
    rows = ["id,code"] + [f"{i},{i}" for i in range(30_000)]
    rows.append("30000,A-17")
    version = import_file(ws, write("late_text.csv", "\n".join(rows) + "\n"), "codes", user="ann")
    assert version.types == {"id": "BIGINT", "code": "VARCHAR"}
    assert any("line 30,002" in note and "'A-17'" in note for note in version.notes)
    rows[-1] = "30000,2.5"
    version = import_file(ws, write("late_float.csv", "\n".join(rows) + "\n"), "floats", user="ann")
    assert version.types["code"] == "DOUBLE"


def test_an_integer_too_big_for_bigint_further_down_is_kept_exactly(ws, write):
    rows = ["id,n"] + [f"{i},{i}" for i in range(30_000)] + ["30000,123456789012345678901234"]
    version = import_file(ws, write("huge.csv", "\n".join(rows) + "\n"), "huge", user="ann")
    assert version.types["n"] == "DECIMAL(38,0)"
    assert open_relation(version).filter("id = 30000").fetchall() == [
        (30000, 123456789012345678901234)
    ]
