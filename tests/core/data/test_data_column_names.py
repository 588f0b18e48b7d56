"""Any column name a file can hold works through import, preview, profile, PII scan, drift,
split, contract check, SQL and browsing: names equal to words the queries could use as
aliases (b, v, n, k, r), spaces, '/', dots, dashes, quotes, unicode, SQL keywords, digits
first, very long names, and names DuckDB itself uses (file_row_number, rowid)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.data import (
    VersionReader,
    compare_versions,
    import_file,
    infer_contract,
    make_split,
    preview_file,
    profile_version,
    run_query,
    scan_pii,
    split_relations,
    validate,
)
from shipyard.core.data.contract_model import ColumnContract, DataContract
from shipyard.core.sql.sql_text import fresh_name, quote_ident
from shipyard.core.workspace.workspace import Workspace

ROWS = 30
LABEL = "label"
AWKWARD = [
    "b",
    "v",
    "n",
    "k",
    "r",
    "h1",
    "__n",
    "__row",
    "__q",
    "Customer ID",
    "select",
    "from",
    "order",
    "group",
    "€",
    "#",
    "a/b",
    "x.y",
    "x-y",
    "a|b",
    "naïve Größe",
    "日本語",
    "1st",
    "42",
    "it's",
    'say "hi"',
    "file_row_number",
    "rowid",
    "L" * 300,
    "Revenue\n(EUR)",
    "tab\there",
    "Churned?",
]


# -- a small table: numbers and text alternating, each with missing values, and a label --------


def number(i: int, j: int) -> int | None:
    return None if (i + j) % 7 == 0 else (i * (j + 3)) % 11


def text(i: int, j: int) -> str | None:
    return None if (i + j) % 5 == 0 else f"cat{(i + j) % 3}"


def cell(i: int, j: int) -> int | str | None:
    return number(i, j) if j % 2 == 0 else text(i, j)


def expected_nulls(j: int, rows: int = ROWS) -> int:
    return sum(cell(i, j) is None for i in range(rows))


def label(i: int, shift: int = 0) -> str:
    return "churn" if i % (3 + shift) == 0 else "stay"


def write_table(folder: Path, names: list[str], fmt: str, *, shift: int = 0) -> Path:
    """The table as CSV or Parquet; `shift` changes the label mix (for a second version)."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = [[cell(i, j) for i in range(ROWS)] for j in range(len(names))]
    labels = [label(i, shift) for i in range(ROWS)]
    path = folder / f"table-{shift}.{fmt}"
    if fmt == "parquet":
        arrays = [
            pa.array(col, pa.int64() if j % 2 == 0 else pa.string())
            for j, col in enumerate(columns)
        ]
        pq.write_table(pa.Table.from_arrays([*arrays, pa.array(labels)], [*names, LABEL]), path)
    else:
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow([*names, LABEL])
            for i in range(ROWS):
                out.writerow(["" if c[i] is None else c[i] for c in columns] + [labels[i]])
    return path


def run_everything(ws: Workspace, folder: Path, names: list[str], fmt: str) -> None:
    """Import two versions of the table and run every data operation on them, checking
    counts and that each result names the original column."""
    everything = [*names, LABEL]
    first = write_table(folder, names, fmt)

    preview = preview_file(first)
    assert preview.column_names == everything
    assert len(preview.rows) == ROWS

    v1 = import_file(ws, first, "t", user="ann")
    v2 = import_file(ws, write_table(folder, names, fmt, shift=1), "t", user="ann")
    assert v1.column_names == everything
    assert v1.rows == v2.rows == ROWS
    assert v1.version != v2.version

    profile = profile_version(v1)
    assert [c.name for c in profile.columns] == everything
    for j, name in enumerate(names):
        col = profile.column(name)
        assert (col.rows, col.nulls) == (ROWS, expected_nulls(j))
        assert col.kind == ("numeric" if j % 2 == 0 else "text")
        if j % 2 == 0:
            assert sum(b.count for b in col.histogram) == ROWS - expected_nulls(j)
        else:
            assert sum(t.count for t in col.top_values) == ROWS - expected_nulls(j)
    assert {t.value: t.count for t in profile.column(LABEL).top_values} == {
        "churn": 10,
        "stay": 20,
    }

    report = scan_pii(v1)
    assert (report.scanned_rows, report.findings) == (ROWS, ())

    drift = compare_versions(v1, v2)
    assert [c.column for c in drift.columns] == everything
    assert drift.column(LABEL).psi > 0  # the label mix moved
    for name in names:
        assert drift.column(name).psi == pytest.approx(0.0)
        assert sum(b.reference_share for b in drift.column(name).bins) == pytest.approx(1.0)

    split = make_split(v1, holdout=0.2, seed=7, stratify=LABEL)
    assert (split.train_rows, split.holdout_rows) == (24, 6)
    train, hold = split_relations(v1, split)
    assert train.columns == hold.columns == everything
    assert (len(train.fetchall()), len(hold.fetchall())) == (24, 6)
    if len(names) > 1:  # a text column of the generated names as stratum
        by_text = make_split(v1, holdout=0.2, seed=7, stratify=names[1])
        assert set(by_text.strata) == {"cat0", "cat1", "cat2", "(missing)"}
        assert by_text.train_rows + by_text.holdout_rows == ROWS

    contract = infer_contract(v1)
    assert [c.name for c in contract.columns] == everything
    assert validate(v1, contract).passed
    strict = DataContract(
        dataset="t", columns=[ColumnContract(name=n, not_null=True) for n in everything]
    )
    checked = validate(v1, strict)
    for j, name in enumerate(names):
        result = checked.result(name, "not_null")
        assert result.failing_rows == expected_nulls(j)
        missing_rows = [i for i in range(ROWS) if cell(i, j) is None]
        assert [row for row, _ in result.examples] == missing_rows[:5]
    assert checked.result(LABEL, "not_null").passed

    counts = ", ".join(f"count({quote_ident(n)})" for n in everything)
    result = run_query(ws, f'SELECT count(*), {counts} FROM "t@v1"')
    assert result.rows[0] == (ROWS, *[ROWS - expected_nulls(j) for j in range(len(names))], ROWS)
    assert result.sources == ("t@v1",)

    with VersionReader.open(v1) as reader:
        assert reader.columns == everything
        page = reader.page(0, ROWS)
        assert [row[0] for row in page] == [cell(i, 0) for i in range(ROWS)]
        ordered = reader.page(0, ROWS, order_by=names[0], descending=True)
        values = [row[0] for row in ordered]
        present = sorted((v for v in values if v is not None), reverse=True)
        assert values == present + [None] * expected_nulls(0)


# -- fixed names that used to crash ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_alias_like_and_awkward_names_work_end_to_end(tmp_path, fmt):
    ws = Workspace.create(tmp_path / "ws", template_name="blank")
    names = ["b", "v", "n", "k", "r", "Customer ID", "select", "€", "a/b"]
    run_everything(ws, tmp_path / "files", names, fmt)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_names_duckdb_uses_itself_work_end_to_end(tmp_path, fmt):
    """file_row_number and rowid are DuckDB's own row positions; a file's column of that
    name must neither break the import nor shift row numbers."""
    ws = Workspace.create(tmp_path / "ws", template_name="blank")
    names = ["file_row_number", "rowid", "__row", "__row_number", "__position", "h1"]
    run_everything(ws, tmp_path / "files", names, fmt)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_fixed_awkward_name_at_once(tmp_path, fmt):
    ws = Workspace.create(tmp_path / "ws", template_name="blank")
    run_everything(ws, tmp_path / "files", list(AWKWARD), fmt)


def test_names_differing_only_in_case_are_renamed_with_a_note(tmp_path, write):
    """DuckDB identifiers ignore case, even quoted: `Score` and `score` cannot both be
    columns. The later one is renamed, and the import says so."""
    ws = Workspace.create(tmp_path / "ws", template_name="blank")
    path = write("case.csv", "Score,score,SCORE\n1,2,3\n4,5,6\n")
    version = import_file(ws, path, "case_csv", user="ann")
    assert version.column_names == ["Score", "score_2", "SCORE_3"]
    assert any("score_2" in note and "ignores case" in note for note in version.notes)

    parquet = tmp_path / "case.parquet"
    pq.write_table(pa.table({"Score": [1, 4], "score": [2, 5]}), parquet)
    preview = preview_file(parquet)
    assert preview.column_names == ["Score", "score_1"]
    assert [c.source_name for c in preview.columns] == ["Score", "score"]
    version = import_file(ws, parquet, "case_parquet", user="ann")
    assert version.column_names == ["Score", "score_1"]
    assert any("'score'" in note and "'score_1'" in note for note in version.notes)
    assert run_query(ws, 'SELECT "score_1" FROM case_parquet').rows == ((2,), (5,))
    assert profile_version(version).column("score_1").max == 5

    ndjson = write("case.ndjson", '{"Score": 1, "score": 2}\n{"Score": 4, "score": 5}\n')
    version = import_file(ws, ndjson, "case_json", user="ann")
    assert version.column_names == ["Score", "score_1"]
    assert [c.source_name for c in version.schema] == [None, "score"]
    assert any("'score'" in note and "'score_1'" in note for note in version.notes)


def test_a_parquet_column_without_a_name_is_named_with_a_note(tmp_path):
    ws = Workspace.create(tmp_path / "ws", template_name="blank")
    parquet = tmp_path / "unnamed.parquet"
    pq.write_table(pa.table({"a": [1, 2], "": [3, 4]}), parquet)
    version = import_file(ws, parquet, "unnamed", user="ann")
    assert version.column_names[0] == "a" and version.column_names[1]
    assert f"Column 2 has no name in the file; it was named '{version.column_names[1]}'." in (
        version.notes
    )


def test_an_excel_header_cell_with_a_line_break_in_a_crlf_file(write):
    """Excel writes CR LF between records and a bare LF inside a quoted cell."""
    path = write("excel.csv", '"Revenue\n(EUR)",Region\r\n10,north\r\n20,south\r\n')
    preview = preview_file(path)
    assert preview.column_names == ["Revenue\n(EUR)", "Region"]
    assert preview.rows == ((10, "north"), (20, "south"))


def test_a_header_with_semicolons_inside_a_name_keeps_the_comma(write):
    path = write("semi.csv", "id,a;b;c;d,x\n1,2,3\n4,5,6\n")
    preview = preview_file(path)
    assert preview.delimiter == ","
    assert preview.column_names == ["id", "a;b;c;d", "x"]


def test_a_bad_whole_number_names_a_column_with_a_bar_in_its_name(ws, write):
    from shipyard.core.data import ImportRefused

    path = write("bar.csv", "a|b,c\n1,x\n2.5,y\n")
    with pytest.raises(ImportRefused) as caught:
        import_file(ws, path, "bar", user="ann", type_overrides={"a|b": "BIGINT"})
    assert "column 'a|b' cannot be read as BIGINT" in str(caught.value)
    assert "'2.5'" in str(caught.value)


def test_fresh_name_avoids_every_column_ignoring_case():
    assert fresh_name(["a", "b"], "__row") == "__row"
    assert fresh_name(["__ROW", "__row_2"], "__row") == "__row_3"


# -- generated names ---------------------------------------------------------------------------

generated = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp", "Co", "Cn")),
    min_size=1,
    max_size=24,
).map(str.strip)
names_strategy = st.lists(
    st.one_of(st.sampled_from(AWKWARD), generated).filter(lambda n: bool(n) and n.lower() != LABEL),
    min_size=1,
    max_size=5,
    unique_by=str.lower,
)
_counter = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=names_strategy, fmt=st.sampled_from(["csv", "parquet"]))
def test_generated_column_names_work_end_to_end(tmp_path, names, fmt):
    root = tmp_path / f"example-{next(_counter)}"
    ws = Workspace.create(root / "ws", template_name="blank")
    run_everything(ws, root / "files", names, fmt)
