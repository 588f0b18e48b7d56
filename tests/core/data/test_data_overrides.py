"""Type overrides and excluded columns, for CSV and for Parquet."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shipyard.core.data import ImportRefused, import_file, open_relation, preview_file

CSV = "zip,amount,when,note\n12345,10,2026-01-02,x\n98765,20,2026-01-03,y\n"


def test_override_changes_a_type_and_exclude_drops_a_column(ws, write):
    path = write("a.csv", CSV)
    assert preview_file(path).types["zip"] == "BIGINT"  # what DuckDB infers
    version = import_file(
        ws,
        path,
        "addr",
        user="ann",
        type_overrides={"zip": "varchar", "amount": "DECIMAL(10,2)"},
        exclude={"note"},
    )
    assert version.types == {"zip": "VARCHAR", "amount": "DECIMAL(10,2)", "when": "DATE"}
    assert open_relation(version).fetchall()[0][0] == "12345"
    assert version.options["exclude"] == ["note"]
    assert version.options["type_overrides"] == {"zip": "VARCHAR", "amount": "DECIMAL(10,2)"}


def test_preview_applies_overrides_too(write):
    preview = preview_file(write("a.csv", CSV), type_overrides={"zip": "VARCHAR"}, exclude={"when"})
    assert preview.column_names == ["zip", "amount", "note"]
    assert preview.rows[0][0] == "12345"


def test_overrides_on_parquet(ws, tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": [1, 2], "x": [1.5, 2.5], "y": ["a", "b"]}), path)
    version = import_file(
        ws, path, "p", user="ann", type_overrides={"id": "VARCHAR"}, exclude={"y"}
    )
    assert version.types == {"id": "VARCHAR", "x": "DOUBLE"}
    assert open_relation(version).fetchall() == [("1", 1.5), ("2", 2.5)]


def test_same_file_with_other_choices_is_another_version(ws, write):
    path = write("a.csv", CSV)
    plain = import_file(ws, path, "addr", user="ann")
    fewer = import_file(ws, path, "addr", user="ann", exclude={"note"})
    assert (plain.version, fewer.version) == ("v1", "v2")
    assert import_file(ws, path, "addr", user="ann", exclude={"note"}) == fewer


def test_bad_override_value_names_column_line_and_fix(ws, write):
    path = write("a.csv", "id,code\n1,10\n2,x7\n")
    with pytest.raises(ImportRefused, match=r"column 'code' cannot be read as BIGINT") as err:
        import_file(ws, path, "d", user="ann", type_overrides={"code": "BIGINT"})
    assert "line 3" in str(err.value)
    assert "VARCHAR always works" in err.value.fix
    with pytest.raises(ImportRefused, match="cannot be read as DATE"):
        import_file(ws, path, "d", user="ann", type_overrides={"code": "DATE"})
    assert not (ws.root / "datasets" / "d").exists()


def test_override_to_integer_refuses_decimals_instead_of_rounding(ws, write):
    path = write("a.csv", "id,amount\n1,10.0\n2,2.5\n")
    with pytest.raises(ImportRefused, match=r"cannot be read as BIGINT.*'2.5'"):
        import_file(ws, path, "d", user="ann", type_overrides={"amount": "BIGINT"})


@pytest.mark.parametrize(
    ("overrides", "exclude", "match"),
    [
        ({"nope": "VARCHAR"}, set(), "no column named 'nope'"),
        ({}, {"nope"}, "no column named 'nope'"),
        ({"zip": "NOT A TYPE"}, set(), "not a type DuckDB knows"),
        ({"zip": "VARCHAR); DROP TABLE x; --"}, set(), "not a type name"),
        ({}, {"zip", "amount", "when", "note"}, "every column is excluded"),
    ],
)
def test_bad_choices_are_refused(ws, write, overrides, exclude, match):
    with pytest.raises(ImportRefused, match=match) as err:
        import_file(
            ws, write("a.csv", CSV), "d", user="ann", type_overrides=overrides, exclude=exclude
        )
    assert err.value.fix
