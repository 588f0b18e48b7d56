"""Every import format, the preview, the stored layout and the types that come out."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shipyard.core.data import (
    import_file,
    list_datasets,
    list_versions,
    load_version,
    open_relation,
    preview_file,
)
from shipyard.core.workspace.layout import DATA_FILE, VERSION_FILE

CSV = (
    "id,ts,amount,label,flag\n"
    "1,2026-01-02 03:04:05,1.5,a,true\n"
    "2,2026-01-03 04:05:06,nan,b,false\n"
    "3,2026-01-04 05:06:07,NaN,,true\n"
    "4,2026-01-05 06:07:08,,c,false\n"
    "5,2026-01-06 07:08:09,2.5,a,true\n"
)
EXPECTED_TYPES = {
    "id": "BIGINT",
    "ts": "TIMESTAMP",
    "amount": "DOUBLE",
    "label": "VARCHAR",
    "flag": "BOOLEAN",
}


def rows_of(version):
    return open_relation(version).order("id").fetchall()


def test_csv_types_come_out_right(ws, write):
    version = import_file(ws, write("sales.csv", CSV), "sales", user="ann")
    assert version.types == EXPECTED_TYPES
    rows = rows_of(version)
    assert rows[0][1] == dt.datetime(2026, 1, 2, 3, 4, 5)
    # "nan", "NaN" and "" are missing numbers, never NaN
    assert [r[2] for r in rows] == [1.5, None, None, None, 2.5]
    assert rows[2][3] is None


def test_tsv_semicolon_and_pipe_delimiters(ws, write):
    for name, delim in (("tabs.tsv", "\t"), ("semi.csv", ";"), ("pipes.txt", "|")):
        text = CSV.replace(",", delim)
        version = import_file(ws, write(name, text), name.split(".")[0], user="ann")
        assert version.types == EXPECTED_TYPES, name
        assert version.rows == 5
        assert version.source["delimiter"] == delim


def test_parquet_import(ws, tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(
        pa.table(
            {
                "id": [1, 2, 3],
                "ts": pa.array(
                    [dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2), None], pa.timestamp("us")
                ),
                "x": [1.0, float("nan"), 3.0],
            }
        ),
        path,
    )
    version = import_file(ws, path, "pq", user="ann")
    assert version.types == {"id": "BIGINT", "ts": "TIMESTAMP", "x": "DOUBLE"}
    assert [r[2] for r in rows_of(version)] == [1.0, None, 3.0]  # NaN becomes missing


def test_json_array_and_ndjson(ws, write):
    records = [
        {"id": 1, "ts": "2026-01-02T03:04:05", "x": 1.5, "s": "a"},
        {"id": 2, "ts": "2026-01-03T03:04:05", "x": "nan", "s": "b"},
        {"id": 3, "ts": "2026-01-04T03:04:05", "x": None, "s": None},
    ]
    array = import_file(ws, write("a.json", json.dumps(records)), "arr", user="ann")
    lines = "\n".join(json.dumps(r) for r in records) + "\n"
    ndjson = import_file(ws, write("a.ndjson", lines), "nd", user="ann")
    for version in (array, ndjson):
        assert version.types == {"id": "BIGINT", "ts": "TIMESTAMP", "x": "DOUBLE", "s": "VARCHAR"}
        assert [r[2] for r in rows_of(version)] == [1.5, None, None]
    assert array.source["format"] == "JSON"
    assert ndjson.source["format"] == "NDJSON"
    # the same rows give the same content fingerprint whatever the file format
    assert array.fingerprint == ndjson.fingerprint


def test_preview_shows_types_and_first_rows_without_writing(ws, write):
    path = write("sales.csv", CSV)
    preview = preview_file(path, rows=2)
    assert preview.format == "CSV"
    assert preview.types == EXPECTED_TYPES
    assert len(preview.rows) == 2
    assert preview.rows[0][0] == 1
    assert preview.encoding == "utf-8"
    assert not (ws.root / "datasets").exists()


def test_preview_of_the_demo_samples(samples):
    preview = preview_file(samples / "card_transactions.csv", rows=5)
    assert preview.types["ts"] == "TIMESTAMP"
    assert preview.types["amount"] == "DOUBLE"
    assert preview.types["is_fraud"] == "BOOLEAN"
    assert len(preview.rows) == 5


def test_layout_metadata_and_listing(ws, samples):
    version = import_file(ws, samples / "churn_customers.csv", "churn_customers", user="ann")
    folder = ws.root / "datasets" / "churn_customers" / "v1"
    assert version.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == [DATA_FILE, VERSION_FILE]
    meta = json.loads((folder / VERSION_FILE).read_text(encoding="utf-8"))
    assert meta["version"] == "v1"
    assert meta["rows"] == 3000
    assert meta["columns"] == 16
    assert meta["fingerprint"].startswith("sha256:")
    assert meta["user"] == "ann"
    assert meta["source"]["sha256"] == meta["lineage"]["source_sha256"]
    assert meta["lineage"]["kind"] == "file"
    assert meta["created"].endswith("Z")
    assert {"name": "signup_date", "type": "DATE"} in meta["schema"]
    assert list_datasets(ws) == ["churn_customers"]
    assert [v.ref for v in list_versions(ws, "churn_customers")] == ["churn_customers@v1"]
    assert load_version(ws, "churn_customers") == version
    audit = ws.audit.entries()[-1]
    assert audit["action"] == "dataset.import"
    assert audit["target"] == "churn_customers@v1"
    assert ws.audit.verify().ok


def test_parquet_is_snappy_with_100k_row_groups(ws, tmp_path):
    path = tmp_path / "big.csv"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT range AS id, range % 7 AS k, 'x' || range AS s FROM range(250000)) "
        f"TO '{path}' (HEADER)"
    )
    version = import_file(ws, path, "big", user="ann")
    meta = pq.ParquetFile(version.data_path).metadata
    assert meta.num_rows == 250_000
    assert meta.num_row_groups >= 2
    assert all(meta.row_group(i).num_rows <= 110_000 for i in range(meta.num_row_groups))
    assert meta.row_group(0).column(0).compression == "SNAPPY"
    # rows keep their file order
    ids = open_relation(version).project("id").fetchnumpy()["id"]
    assert (ids[:5] == [0, 1, 2, 3, 4]).all() and ids[-1] == 249_999


def test_second_import_of_changed_content_is_v2(ws, write):
    first = import_file(ws, write("a.csv", CSV), "sales", user="ann")
    second = import_file(
        ws, write("b.csv", CSV + "6,2026-01-07 00:00:00,3.0,d,true\n"), "sales", user="bob"
    )
    assert (first.version, second.version) == ("v1", "v2")
    assert second.rows == 6
    assert load_version(ws, "sales").version == "v2"
    assert load_version(ws, "sales", 1) == first
    assert load_version(ws, "sales", "v2") == second


@pytest.mark.parametrize("bad", ["Sales", "a b", "", "ä", "-x", "x" * 65])
def test_dataset_names_are_checked(ws, write, bad):
    from shipyard.core.data import ImportRefused

    with pytest.raises(ImportRefused, match="cannot name a dataset") as err:
        import_file(ws, write("a.csv", CSV), bad, user="ann")
    assert "fix" in str(err.value)


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("name,n\nJosé,1\nZoë,2\n".encode("utf-16"), "utf-16"),
        ("\ufeffname,n\nJosé,1\nZoë,2\n".encode(), "utf-8"),
        (b"name,n\r\nJos\xc3\xa9,1\r\nZo\xc3\xab,2\r\n", "utf-8"),
    ],
)
def test_utf16_bom_and_crlf(ws, write, content, encoding):
    version = import_file(ws, write("people.csv", content), "people", user="ann")
    assert version.source["encoding"] == encoding
    assert version.column_names == ["name", "n"]
    assert open_relation(version).order("n").fetchall() == [("José", 1), ("Zoë", 2)]


def test_quoted_delimiters_and_newlines_in_values(ws, write):
    path = write("q.csv", '"a,1",b\n"x, y",2\n"multi\nline",3\n')
    version = import_file(ws, path, "quoted", user="ann")
    assert version.column_names == ["a,1", "b"]
    assert open_relation(version).order("b").fetchall() == [("x, y", 2), ("multi\nline", 3)]
